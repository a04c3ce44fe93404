"""The chemical vocabulary: salts, solvents, diluents, additives and hosts by name.

The table lives in ``data/chemicals.csv`` (one row per chemical, synonyms
separated by ``;``). Molar masses are computed from the formulas; densities are
given only where a source is known. Ambiguous abbreviations (DEE, TMS, ES...)
resolve to a documented default and every lookup through them carries a warning.
"""

import csv
import difflib
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from cedb.chemistry.formula import hill_formula, molar_mass_g_mol, parse_formula
from cedb.chemistry.smiles import smiles_atoms
from cedb.errors import InvalidValue

ROLES = ("salt", "solvent", "diluent", "additive", "host material")
VOCABULARY_FILE = "chemicals.csv"
# A listed molar mass may differ from the computed one by rounding and by the
# atomic-weight edition (Li 6.941 vs 6.94); more than this is a typo in a formula.
MOLAR_MASS_TOLERANCE_G_MOL = 0.05
# Names this short are matched case-sensitively: "AN" is acetonitrile, "an" is English;
# "SN" is succinonitrile, "Sn" is tin.
CASE_SENSITIVE_MAX_LEN = 2

# Hyphens, en and em dashes, minus signs: all read as "-".
_DASH_CHARACTERS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe63\uff0d"
_DASHES = dict.fromkeys(map(ord, _DASH_CHARACTERS), "-")
# Cyrillic and Greek letters that look like Latin ones ("1 м LiPF6", "LiРF6" with a Cyrillic
# Р): read as the Latin letter they look like; parse() reports each replacement.
LOOKALIKES = {
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "у": "y",
    "х": "x",
    "м": "M",
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Χ": "X",
    "ο": "o",
}
# Invisible format characters that copy-and-paste from web pages and PDFs leaves inside words:
# zero-width space, non-joiner, joiner, word joiner, byte-order mark, soft hyphen. They carry no
# text and are removed.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_CHARACTERS = {**_DASHES, **{ord(k): v for k, v in LOOKALIKES.items()}, **_INVISIBLE}


def data_path() -> Path:
    """The directory holding cedb's shipped data files (vocabularies)."""
    here = Path(__file__).resolve()
    candidates = [
        here.parents[2] / "data",  # a source checkout: <repo>/data
        here.parents[1] / "_bundled" / "data",  # a wheel: force-included by pyproject.toml
        Path(sys.prefix) / "share" / "cedb" / "data",  # installed as shared data
    ]
    for candidate in candidates:
        if (candidate / VOCABULARY_FILE).is_file():
            return candidate
    raise InvalidValue(
        f"cannot find {VOCABULARY_FILE}; looked in "
        + ", ".join(str(c) for c in candidates)
        + "; reinstall cedb or run from a checkout"
    )


def normalise_name(text: str) -> str:
    """A name with unicode compatibility forms, dashes and whitespace normalised."""
    text = unicodedata.normalize("NFKC", text).translate(_CHARACTERS)
    return re.sub(r"\s+", " ", text).strip()


def name_key(name: str) -> str:
    """The key a name is matched by: exact when short, case-insensitive otherwise."""
    name = normalise_name(name)
    return name if len(name) <= CASE_SENSITIVE_MAX_LEN else name.casefold()


@dataclass(frozen=True)
class Chemical:
    """One vocabulary entry; ``abbreviation`` is its canonical name."""

    abbreviation: str
    name: str
    role: str
    formula: str
    synonyms: tuple[str, ...] = ()
    density_g_mL: float | None = None  # at 25 °C
    density_source: str | None = None
    smiles: str | None = None
    molar_mass_listed_g_mol: float | None = None
    ambiguous_names: tuple[str, ...] = ()
    ambiguity_note: str | None = None
    note: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """Every name this chemical answers to, canonical abbreviation first."""
        seen: dict[str, None] = {}
        for n in (self.abbreviation, self.name, *self.synonyms):
            seen.setdefault(n, None)
        return tuple(seen)

    @property
    def atoms(self) -> Counter:
        """Element counts of one formula unit."""
        return parse_formula(self.formula)

    @property
    def molar_mass_g_mol(self) -> float:
        """Molar mass computed from the formula."""
        return molar_mass_g_mol(self.formula)

    @property
    def is_salt(self) -> bool:
        """True for ionic compounds (counted on the anion side of descriptors)."""
        return self.role == "salt"

    def to_dict(self) -> dict:
        """JSON-serialisable fields, including the computed molar mass."""
        return {
            "abbreviation": self.abbreviation,
            "name": self.name,
            "role": self.role,
            "formula": self.formula,
            "hill_formula": hill_formula(self.formula),
            "molar_mass_g_mol": round(self.molar_mass_g_mol, 3),
            "density_g_mL": self.density_g_mL,
            "density_source": self.density_source,
            "smiles": self.smiles,
            "synonyms": list(self.synonyms),
            "ambiguous_names": list(self.ambiguous_names),
            "ambiguity_note": self.ambiguity_note,
            "note": self.note,
        }


@dataclass(frozen=True)
class Lookup:
    """A name resolved to a chemical, with warnings when the name was ambiguous."""

    chemical: Chemical
    matched: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One problem found by a vocabulary check (papis-doctor style)."""

    check: str
    record: str
    field: str
    message: str

    def to_dict(self) -> dict:
        """JSON-serialisable fields."""
        return {"check": self.check, "record": self.record, "field": self.field, "message": self.message}


def ambiguity_warning(chemical: Chemical, matched: str) -> str:
    """The warning attached to a lookup through an ambiguous name."""
    return f"'{matched}' is ambiguous: read as {chemical.name} ({chemical.abbreviation}); " + (
        chemical.ambiguity_note or "other meanings exist"
    )


@dataclass(frozen=True)
class Vocabulary:
    """The chemicals and an index from every name to its chemical."""

    chemicals: tuple[Chemical, ...]
    index: dict[str, Chemical] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # First name wins on collision; check_vocabulary reports collisions.
        for chem in self.chemicals:
            for n in chem.names:
                self.index.setdefault(name_key(n), chem)

    def get(self, abbreviation: str) -> Chemical:
        """The chemical with this canonical abbreviation (exact)."""
        for chem in self.chemicals:
            if chem.abbreviation == abbreviation:
                return chem
        raise InvalidValue(f"no chemical with abbreviation '{abbreviation}' in the vocabulary")

    def lookup(self, name: str) -> Lookup:
        """Resolve any name or synonym; ambiguous names come back with a warning."""
        text = normalise_name(name)
        chem = self.index.get(name_key(text))
        if chem is None:
            close = difflib.get_close_matches(
                text.casefold(), [n.casefold() for c in self.chemicals for n in c.names], n=3
            )
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise InvalidValue(
                f"unknown chemical '{name}'; expected an abbreviation, name or synonym "
                f"from the vocabulary (see 'cedb chem list'; 'cedb chem add' adds one){hint}"
            )
        warnings = ()
        if any(name_key(a) == name_key(text) for a in chem.ambiguous_names):
            warnings = (ambiguity_warning(chem, text),)
        return Lookup(chemical=chem, matched=text, warnings=warnings)

    @cached_property
    def _matchers(self) -> tuple[re.Pattern, re.Pattern]:
        """Two alternations, longest names first: case-insensitive and exact."""
        return _alternation(self._long_names, re.IGNORECASE), _alternation(self._short_names, 0)

    @cached_property
    def _long_names(self) -> list[str]:
        return [n for c in self.chemicals for n in c.names if len(n) > CASE_SENSITIVE_MAX_LEN]

    @cached_property
    def _short_names(self) -> list[str]:
        return [n for c in self.chemicals for n in c.names if len(n) <= CASE_SENSITIVE_MAX_LEN]

    @cached_property
    def _ascii_lookup(self) -> tuple[tuple[tuple[int, bool, frozenset[str]], ...], re.Pattern | None]:
        """``_matchers`` for an ASCII text without compiling them (two alternations of every
        name are most of the first electrolyte parse of a run): each name length, longest first,
        with its names as IGNORECASE compares them in ASCII (lower-cased) or exact (short ones);
        plus an alternation of the few non-ASCII long names, matched as before."""
        by_length: dict[int, set[str]] = {}
        foreign = []
        for n in self._long_names:
            if n.isascii():
                by_length.setdefault(len(n), set()).add(n.lower())
            else:
                foreign.append(n)
        for n in self._short_names:
            by_length.setdefault(len(n), set()).add(n)
        lengths = tuple(
            (length, length > CASE_SENSITIVE_MAX_LEN, frozenset(names))
            for length, names in sorted(by_length.items(), reverse=True)
        )
        return lengths, _alternation(foreign, re.IGNORECASE) if foreign else None

    def match_at(self, text: str, pos: int) -> tuple[str, Chemical] | None:
        """The longest vocabulary name starting at ``text[pos]``, or None."""
        if pos > 0 and text[pos - 1].isalpha():
            return None
        best: str | None = None
        if text.isascii():
            lengths, foreign = self._ascii_lookup
            size = len(text)
            for length, folded, names in lengths:
                end = pos + length
                if end > size or (end < size and text[end] in _NAME_CHARACTERS):
                    continue
                segment = text[pos:end]
                if (segment.lower() if folded else segment) in names:
                    best = segment
                    break
            m = foreign.match(text, pos) if foreign is not None else None
            if m and (best is None or len(m.group(0)) > len(best)):
                best = m.group(0)
        else:
            for pattern in self._matchers:
                m = pattern.match(text, pos)
                if m and (best is None or len(m.group(0)) > len(best)):
                    best = m.group(0)
        if best is None:
            return None
        return best, self.index[name_key(best)]


# What may not follow a name: "EC" is not read in "ECx".
_NAME_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def _alternation(names: list[str], flags: int) -> re.Pattern:
    ordered = sorted(set(names), key=lambda n: (-len(n), n))
    body = "|".join(re.escape(n) for n in ordered)
    # A name ends where no letter or digit follows ("EC" is not read in "ECx").
    return re.compile(f"(?:{body})(?![A-Za-z0-9])", flags)


def _split(cell: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in cell.split(";") if s.strip())


def _float(cell: str, where: str) -> float | None:
    if not cell.strip():
        return None
    try:
        return float(cell)
    except ValueError:
        raise InvalidValue(f"{where}: '{cell}' is not a number") from None


def read_vocabulary(path: Path) -> Vocabulary:
    """Read a vocabulary CSV (columns as in data/chemicals.csv, documented in CHEMICALS.md)."""
    chemicals = []
    try:
        handle = open(path, newline="", encoding="utf-8")
    except OSError as error:
        raise InvalidValue(f"cannot read the chemical vocabulary {path}: {error.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("abbreviation", "name", "role", "formula") if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidValue(f"{path.name}: missing column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            chemicals.append(chemical_from_fields(row, f"{path.name} line {line}"))
    return Vocabulary(chemicals=tuple(chemicals))


USER_VOCABULARY_ENV = "CEDB_CHEMICALS"
COLUMNS = (
    "abbreviation",
    "name",
    "role",
    "formula",
    "synonyms",
    "density_g_mL",
    "density_source",
    "smiles",
    "molar_mass_listed_g_mol",
    "ambiguous_names",
    "ambiguity_note",
    "note",
)


def user_vocabulary_path() -> Path | None:
    """The user's own vocabulary file: ``CEDB_CHEMICALS``, else ``chemicals.csv`` in the user
    data directory (beside the default database, so it survives upgrades); an empty
    ``CEDB_CHEMICALS`` means none."""
    import os

    value = os.environ.get(USER_VOCABULARY_ENV)
    if value is not None:
        return Path(value).expanduser() if value.strip() else None
    from platformdirs import user_data_dir

    return Path(user_data_dir("cedb", appauthor=False)) / VOCABULARY_FILE


def merge(shipped: Vocabulary, user: Vocabulary) -> Vocabulary:
    """The user's chemicals first (a user row replaces the shipped one of that abbreviation)."""
    mine = {c.abbreviation for c in user.chemicals}
    return Vocabulary(chemicals=user.chemicals + tuple(c for c in shipped.chemicals if c.abbreviation not in mine))


@lru_cache(maxsize=4)
def _vocabulary(user_file: Path | None, mtime: float | None) -> Vocabulary:
    shipped = read_vocabulary(data_path() / VOCABULARY_FILE)
    if user_file is None or mtime is None:
        return shipped
    return merge(shipped, read_vocabulary(user_file))


def default_vocabulary() -> Vocabulary:
    """The shipped vocabulary plus the user's (``cedb chem add``), read once per change."""
    user_file = user_vocabulary_path()
    mtime = user_file.stat().st_mtime if user_file is not None and user_file.is_file() else None
    return _vocabulary(user_file, mtime)


def chemical_from_fields(fields: dict, where: str = "chemical") -> Chemical:
    """A Chemical from string fields named as the vocabulary columns."""

    def cell(name: str) -> str:
        return (fields.get(name) or "").strip()

    return Chemical(
        abbreviation=cell("abbreviation"),
        name=cell("name"),
        role=cell("role"),
        formula=cell("formula"),
        synonyms=_split(cell("synonyms")),
        density_g_mL=_float(cell("density_g_mL"), where),
        density_source=cell("density_source") or None,
        smiles=cell("smiles") or None,
        molar_mass_listed_g_mol=_float(cell("molar_mass_listed_g_mol"), where),
        ambiguous_names=_split(cell("ambiguous_names")),
        ambiguity_note=cell("ambiguity_note") or None,
        note=cell("note") or None,
    )


def _row(chem: Chemical) -> dict[str, str]:
    def text(value) -> str:
        return "" if value is None else ";".join(value) if isinstance(value, tuple) else str(value)

    return {name: text(getattr(chem, name)) for name in COLUMNS}


def add_user_chemical(chemical: Chemical, path: Path | None = None) -> tuple[Path, str]:
    """Add (or replace, by abbreviation) a chemical in the user's vocabulary file.

    The chemical is checked against the shipped and user vocabularies first; the file is
    rewritten whole through a temporary file, so a failed add leaves it as it was.
    Returns (file, "added" | "replaced").
    """
    path = path or user_vocabulary_path()
    if path is None:
        raise InvalidValue(f"{USER_VOCABULARY_ENV} is empty: name a file to keep your chemicals in")
    user = read_vocabulary(path) if path.is_file() else Vocabulary(chemicals=())
    replaced = any(c.abbreviation == chemical.abbreviation for c in user.chemicals)
    kept = tuple(c for c in user.chemicals if c.abbreviation != chemical.abbreviation)
    new_user = Vocabulary(chemicals=kept + (chemical,))
    merged = merge(read_vocabulary(data_path() / VOCABULARY_FILE), new_user)
    problems = [
        f for f in check_vocabulary(merged) if f.record == chemical.abbreviation or chemical.abbreviation in f.message
    ]
    if problems:
        raise InvalidValue("; ".join(f"{f.field}: {f.message}" for f in problems))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(_row(c) for c in new_user.chemicals)
    tmp.replace(path)
    return path, "replaced" if replaced else "added"


def lookup(name: str) -> Lookup:
    """Resolve a name in the shipped vocabulary (see Vocabulary.lookup)."""
    return default_vocabulary().lookup(name)


def check_vocabulary(vocabulary: Vocabulary | None = None) -> list[Finding]:
    """Every formula parses, masses and SMILES agree with formulas, names are unique."""
    vocab = vocabulary or default_vocabulary()
    findings: list[Finding] = []

    def add(check: str, chem: Chemical, field_name: str, message: str) -> None:
        findings.append(Finding(check, chem.abbreviation or "?", field_name, message))

    owners: dict[str, Chemical] = {}
    for chem in vocab.chemicals:
        if not chem.abbreviation or not chem.name:
            add("required", chem, "abbreviation", "abbreviation and name are required")
        if chem.role not in ROLES:
            add("role", chem, "role", f"role '{chem.role}' is not one of {', '.join(ROLES)}")
        try:
            atoms = parse_formula(chem.formula)
        except InvalidValue as error:
            add("formula", chem, "formula", str(error))
            atoms = None
        if atoms is not None and chem.molar_mass_listed_g_mol is not None:
            computed = molar_mass_g_mol(chem.formula)
            if abs(computed - chem.molar_mass_listed_g_mol) > MOLAR_MASS_TOLERANCE_G_MOL:
                add(
                    "molar-mass",
                    chem,
                    "molar_mass_listed_g_mol",
                    f"listed {chem.molar_mass_listed_g_mol} g/mol but the formula "
                    f"{chem.formula} gives {computed:.3f} g/mol",
                )
        if atoms is not None and chem.smiles:
            try:
                from_smiles = smiles_atoms(chem.smiles)
            except InvalidValue as error:
                add("smiles", chem, "smiles", str(error))
            else:
                if from_smiles != atoms:
                    add(
                        "smiles",
                        chem,
                        "smiles",
                        f"SMILES gives {hill_formula_of(from_smiles)} but the formula is {hill_formula(chem.formula)}",
                    )
        if chem.density_g_mL is not None:
            if not 0.1 < chem.density_g_mL < 25:
                add("density", chem, "density_g_mL", f"density {chem.density_g_mL} g/mL is outside 0.1-25 g/mL")
            if not chem.density_source:
                add("density", chem, "density_source", "a density needs its source")
        elif chem.density_source:
            add("density", chem, "density_source", "a source is given without a density")
        for amb in chem.ambiguous_names:
            if name_key(amb) not in {name_key(n) for n in chem.names}:
                add(
                    "ambiguous-name",
                    chem,
                    "ambiguous_names",
                    f"'{amb}' is marked ambiguous but is not one of this chemical's names",
                )
        if chem.ambiguous_names and not chem.ambiguity_note:
            add("ambiguous-name", chem, "ambiguity_note", "ambiguous names need a note saying what else they mean")
        for n in chem.names:
            key = name_key(n)
            other = owners.setdefault(key, chem)
            if other is not chem:
                add("unique-name", chem, "synonyms", f"name '{n}' also belongs to {other.abbreviation}")
    return findings


def hill_formula_of(atoms: Counter) -> str:
    """Hill-order formula of element counts."""
    order = ["C", "H"] if "C" in atoms else []
    order += sorted(el for el in atoms if el not in order)
    return "".join(el if atoms[el] == 1 else f"{el}{atoms[el]:g}" for el in order)


def add_chemical(
    abbreviation: str,
    *,
    name: str | None = None,
    role: str | None = None,
    formula: str | None = None,
    smiles: str | None = None,
    synonyms: list[str] | None = None,
    density_g_mL: float | None = None,
    density_source: str | None = None,
    path: Path | None = None,
) -> tuple[Path, str]:
    """Add a chemical to the user's vocabulary, or give a listed one new values (None: keep).

    A chemical listed under ``abbreviation`` keeps the values not given (so a density alone
    can be added to it); a new one needs its name, role and formula. A density needs its
    source: cedb keeps no density without one. Returns ``add_user_chemical``'s (file, action).
    """
    try:
        base = default_vocabulary().lookup(abbreviation).chemical.to_dict()
        base["synonyms"] = ";".join(base["synonyms"])
        base["ambiguous_names"] = ";".join(base["ambiguous_names"])
        if base["abbreviation"] != abbreviation:
            base = {}  # a synonym of another chemical: this is a new one
    except InvalidValue:
        base = {}
    given = {
        "abbreviation": abbreviation,
        "name": name,
        "role": role,
        "formula": formula,
        "smiles": smiles,
        "density_g_mL": density_g_mL,
        "density_source": density_source,
        "synonyms": ";".join(synonyms) if synonyms else None,
    }
    fields = {k: v for k, v in base.items() if k in given or k in ("ambiguous_names", "ambiguity_note", "note")}
    fields.update({k: v for k, v in given.items() if v is not None})
    if density_g_mL is not None and not density_source:
        raise InvalidValue(
            "--density needs --density-source (a DOI, datasheet URL or handbook): "
            "cedb keeps no density without its source"
        )
    missing = [f"--{k}" for k in ("name", "role", "formula") if not fields.get(k)]
    if missing:
        raise InvalidValue(f"{abbreviation} is not in the vocabulary: give {', '.join(missing)}")
    chemical = chemical_from_fields({k: "" if v is None else str(v) for k, v in fields.items()})
    return add_user_chemical(chemical, path)
