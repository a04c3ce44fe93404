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
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x",
    "м": "M", "Α": "A", "Β": "B", "Ε": "E", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P",
    "Τ": "T", "Χ": "X", "ο": "o",
}
_CHARACTERS = {**_DASHES, **{ord(k): v for k, v in LOOKALIKES.items()}}


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
        return {"check": self.check, "record": self.record, "field": self.field,
                "message": self.message}


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
                f"from the vocabulary (see 'cedb chem list'){hint}"
            )
        warnings = ()
        if any(name_key(a) == name_key(text) for a in chem.ambiguous_names):
            warnings = (ambiguity_warning(chem, text),)
        return Lookup(chemical=chem, matched=text, warnings=warnings)

    @cached_property
    def _matchers(self) -> tuple[re.Pattern, re.Pattern]:
        """Two alternations, longest names first: case-insensitive and exact."""
        def alternation(names: list[str], flags: int) -> re.Pattern:
            ordered = sorted(set(names), key=lambda n: (-len(n), n))
            body = "|".join(re.escape(n) for n in ordered)
            # A name ends where no letter or digit follows ("EC" is not read in "ECx").
            return re.compile(f"(?:{body})(?![A-Za-z0-9])", flags)

        names = [n for c in self.chemicals for n in c.names]
        long_names = [n for n in names if len(n) > CASE_SENSITIVE_MAX_LEN]
        short_names = [n for n in names if len(n) <= CASE_SENSITIVE_MAX_LEN]
        return alternation(long_names, re.IGNORECASE), alternation(short_names, 0)

    def match_at(self, text: str, pos: int) -> tuple[str, Chemical] | None:
        """The longest vocabulary name starting at ``text[pos]``, or None."""
        if pos > 0 and text[pos - 1].isalpha():
            return None
        best: str | None = None
        for pattern in self._matchers:
            m = pattern.match(text, pos)
            if m and (best is None or len(m.group(0)) > len(best)):
                best = m.group(0)
        if best is None:
            return None
        return best, self.index[name_key(best)]


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
    """Read a vocabulary CSV (columns as in data/chemicals.csv)."""
    chemicals = []
    with open(path, newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            where = f"{path.name} line {line}"
            try:
                chemicals.append(
                    Chemical(
                        abbreviation=row["abbreviation"].strip(),
                        name=row["name"].strip(),
                        role=row["role"].strip(),
                        formula=row["formula"].strip(),
                        synonyms=_split(row["synonyms"]),
                        density_g_mL=_float(row["density_g_mL"], where),
                        density_source=row["density_source"].strip() or None,
                        smiles=row["smiles"].strip() or None,
                        molar_mass_listed_g_mol=_float(row["molar_mass_listed_g_mol"], where),
                        ambiguous_names=_split(row["ambiguous_names"]),
                        ambiguity_note=row["ambiguity_note"].strip() or None,
                        note=row["note"].strip() or None,
                    )
                )
            except KeyError as missing:
                raise InvalidValue(f"{where}: missing column {missing}") from None
    return Vocabulary(chemicals=tuple(chemicals))


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The shipped vocabulary (read once per process)."""
    return read_vocabulary(data_path() / VOCABULARY_FILE)


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
                add("molar-mass", chem, "molar_mass_listed_g_mol",
                    f"listed {chem.molar_mass_listed_g_mol} g/mol but the formula "
                    f"{chem.formula} gives {computed:.3f} g/mol")
        if atoms is not None and chem.smiles:
            try:
                from_smiles = smiles_atoms(chem.smiles)
            except InvalidValue as error:
                add("smiles", chem, "smiles", str(error))
            else:
                if from_smiles != atoms:
                    add("smiles", chem, "smiles",
                        f"SMILES gives {hill_formula_of(from_smiles)} but the formula is "
                        f"{hill_formula(chem.formula)}")
        if chem.density_g_mL is not None:
            if not 0.1 < chem.density_g_mL < 25:
                add("density", chem, "density_g_mL",
                    f"density {chem.density_g_mL} g/mL is outside 0.1-25 g/mL")
            if not chem.density_source:
                add("density", chem, "density_source", "a density needs its source")
        elif chem.density_source:
            add("density", chem, "density_source", "a source is given without a density")
        for amb in chem.ambiguous_names:
            if name_key(amb) not in {name_key(n) for n in chem.names}:
                add("ambiguous-name", chem, "ambiguous_names",
                    f"'{amb}' is marked ambiguous but is not one of this chemical's names")
        if chem.ambiguous_names and not chem.ambiguity_note:
            add("ambiguous-name", chem, "ambiguity_note",
                "ambiguous names need a note saying what else they mean")
        for n in chem.names:
            key = name_key(n)
            other = owners.setdefault(key, chem)
            if other is not chem:
                add("unique-name", chem, "synonyms",
                    f"name '{n}' also belongs to {other.abbreviation}")
    return findings


def hill_formula_of(atoms: Counter) -> str:
    """Hill-order formula of element counts."""
    order = ["C", "H"] if "C" in atoms else []
    order += sorted(el for el in atoms if el not in order)
    return "".join(el if atoms[el] == 1 else f"{el}{atoms[el]:g}" for el in order)
