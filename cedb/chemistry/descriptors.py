"""Elemental descriptors of an electrolyte, as used to predict LCE = -log10(1 - CE).

Kim et al., PNAS 120, e2214357120 (2023), doi 10.1073/pnas.2214357120, describe an
electrolyte by atom fractions: F, O, C over all atoms (H and Li included), split
into a solvent side (sX) and an anion side (aX), and the ratios FC = F/C,
OC = O/C, FO = F/O and InOr = (all atoms except C, H, Li)/C.

Two conventions for turning a formulation into moles (``convention`` field). Both
take the basis of Kim et al.: 1 L of base solvent mixture, volumes additive, and a
salt given as c M is c mol per litre of that solvent mixture (the salt's own volume
is neglected, so the solution volume is the sum of the liquids' volumes and the
solution density follows from the components: that is the stated assumption).
Volume ratio: each solvent's share of 1 L, n = V·ρ/M. Weight ratio: masses in the
ratio, scaled so the volumes add to 1 L. Mole ratio with a salt in M: moles in the
ratio, scaled so the volumes add to 1 L. Salt c m: c mol per kg of solvent. Pure
mole-ratio notation (LiFSI-1.2DME-3TTE): the coefficients are the moles.

``physical`` (the default, cedb's convention): x wt% is x % of the mass of the whole
  electrolyte (solvents, salts and additives), so it needs no density of the additive;
  x vol% is x % of the electrolyte's volume (liquids' volumes added, the salt's
  neglected), which needs the additive's density.
``kim2023`` (to reproduce Kim et al.'s table): x wt% or x vol% alike is x/100 L of
  additive, at its density, on top of the 1 L of solvent. Their row for
  1 M LiPF6 EC/DEC (1:1) + 5 % FEC agrees with this reading and misses the mass
  fraction by 0.001 in sF; for a salt dosed in wt% their reading is unknown, so it is
  taken as a mass fraction there too, with a warning. See data/CHEMICALS.md.

The anion side holds every salt (also salts dosed as additives, e.g. LiNO3)
and every species dosed in mol/L that is not a neutral additive (e.g. the
1 M AN of "1.2M LiTFSI 1M AN in FM"); everything else is the solvent side.
"""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from cedb.chemistry.electrolyte import Component, Formulation, parse
from cedb.chemistry.vocabulary import Chemical, Vocabulary, default_vocabulary
from cedb.errors import InvalidValue
from cedb.terms import Convention

DESCRIPTOR_KEYS = ("F", "O", "C", "sF", "aF", "sO", "aO", "sC", "aC", "FC", "OC", "FO", "InOr")
CONVENTIONS = tuple(convention.value for convention in Convention)
DEFAULT_CONVENTION = Convention.physical.value
BASE_SOLVENT_VOLUME_mL = 1000.0  # the 1 L basis of Kim et al.


@dataclass(frozen=True)
class Descriptors:
    """Descriptor values (keys as DESCRIPTOR_KEYS), the convention and the moles used."""

    values: dict[str, float | None]
    convention: str
    moles: dict[str, float]
    anion_side: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """JSON-serialisable: ``convention``, ``descriptors``, ``moles``, ``warnings``."""
        return {
            "convention": self.convention,
            "descriptors": dict(self.values),
            "moles": dict(self.moles),
            "anion_side": list(self.anion_side),
            "warnings": list(self.warnings),
        }


def _is_anion_side(component: Component, chem: Chemical) -> bool:
    if chem.is_salt:
        return True
    # Species dosed in mol/L that are not neutral additives count with the salt.
    return component.unit in ("M", "m") and chem.role != "additive"


class _Amounts:
    """Moles of each component on the chosen basis (see the module docstring)."""

    def __init__(self, formulation: Formulation, convention: str, vocab: Vocabulary, densities_g_mL: dict[str, float]):
        self.f = formulation
        self.convention = convention
        self.vocab = vocab
        self.densities = densities_g_mL
        self.moles: dict[str, float] = {}
        self.warnings: list[str] = []

    def chem(self, name: str) -> Chemical:
        return self.vocab.get(name)

    def density(self, name: str, why: str) -> float:
        value = self.densities.get(name, self.chem(name).density_g_mL)
        if value is None:
            raise InvalidValue(
                f"no density at 25 °C for {name}, needed {why}; cedb holds only densities "
                f"with a source: give one with --density {name}=G_PER_ML, or keep it with "
                f"`cedb chem add {name} --density G_PER_ML --density-source DOI_OR_URL`"
            )
        return value

    def volume_mL(self, name: str) -> float:
        return (
            self.moles[name] * self.chem(name).molar_mass_g_mol / self.density(name, "to convert its moles to a volume")
        )

    def solvents(self) -> tuple[float, float]:
        """Moles of the solvents; returns (solvent volume mL, solvent mass g)."""
        solvents = self.f.solvents
        if not solvents:
            raise InvalidValue(f"'{self.f.text}' names no solvent; descriptors need a base solvent mixture")
        units = {c.unit for c in solvents}
        if units == {"mol_ratio"}:
            for c in solvents:
                self.moles[c.name] = c.amount
            volume = sum(self.volume_mL(c.name) for c in solvents) if self.needs_volume() else None
        else:
            (unit,) = units  # the parser gives every solvent the same unit
            M = {c.name: self.chem(c.name).molar_mass_g_mol for c in solvents}
            basis = {"vol_frac": "volume", "wt_frac": "weight", "mol_frac": "mole"}.get(unit, unit)
            rho = {c.name: self.density(c.name, f"for its {basis} share of the solvent mixture") for c in solvents}
            if unit == "vol_frac":
                for c in solvents:
                    self.moles[c.name] = c.amount * BASE_SOLVENT_VOLUME_mL * rho[c.name] / M[c.name]
            elif unit == "wt_frac":
                # masses in the stated ratio, scaled so the volumes add to 1 L
                k = BASE_SOLVENT_VOLUME_mL / sum(c.amount / rho[c.name] for c in solvents)
                for c in solvents:
                    self.moles[c.name] = c.amount * k / M[c.name]
            elif unit == "mol_frac":
                k = BASE_SOLVENT_VOLUME_mL / sum(c.amount * M[c.name] / rho[c.name] for c in solvents)
                for c in solvents:
                    self.moles[c.name] = c.amount * k
            else:  # pragma: no cover - the parser emits no other solvent unit
                raise InvalidValue(f"solvent unit '{unit}' is not supported")
            volume = BASE_SOLVENT_VOLUME_mL
        mass = sum(self.moles[c.name] * self.chem(c.name).molar_mass_g_mol for c in solvents)
        return volume, mass

    def needs_volume(self) -> bool:
        return any(c.unit in ("M", "wt%", "vol%") for c in self.f.salts + self.f.additives)

    def dosed(self, c: Component, volume_mL: float | None, mass_g: float) -> float:
        """Moles of a salt or additive dosed in M, m or as a mole-ratio coefficient."""
        if c.unit == "M":
            return c.amount * volume_mL / 1000
        if c.unit == "m":
            return c.amount * mass_g / 1000
        if c.unit == "mol_ratio":
            if self.f.salts and self.f.salts[0].unit != "mol_ratio":
                raise InvalidValue(
                    f"{c.name} is given as a mole-ratio coefficient but the salts as "
                    "concentrations; descriptors need one basis"
                )
            return c.amount
        raise InvalidValue(f"unit '{c.unit}' of {c.name} is not a dosed amount")

    def compute(self) -> dict[str, float]:
        missing = [c.name for c in self.f.components if c.amount is None]
        if missing:
            detail = "; ".join(self.f.warnings) or "amount not stated"
            raise InvalidValue(
                f"cannot compute descriptors of '{self.f.text}': no amount for {', '.join(missing)} ({detail})"
            )
        volume_mL, mass_g = self.solvents()
        for c in self.f.salts:
            self.moles[c.name] = self.dosed(c, volume_mL, mass_g)
        percent = [c for c in self.f.additives if c.unit in ("wt%", "vol%")]
        for c in self.f.additives:
            if c not in percent:
                self.moles[c.name] = self.dosed(c, volume_mL, mass_g)
        salts_by_mass = [c for c in percent if c.unit == "wt%" and self.chem(c.name).is_salt]
        if percent and self.convention == "kim2023":
            for c in salts_by_mass:
                self.warnings.append(
                    f"kim2023: how Kim et al. converted a salt's wt% ({c.name}) is not known; "
                    "read as a share of the electrolyte's mass"
                )
            if salts_by_mass:
                percent = [c for c in percent if c not in salts_by_mass]
            for c in percent:
                # x % means x/100 L of additive per litre of base solvent, wt% or vol% alike.
                added_mL = c.amount / 100 * volume_mL
                rho = self.density(c.name, f"for its {_number(c.amount)} {c.unit}")
                self.moles[c.name] = added_mL * rho / self.chem(c.name).molar_mass_g_mol
        if salts_by_mass and self.convention == "kim2023":
            self.physical_percent(salts_by_mass, volume_mL)
        elif percent and self.convention != "kim2023":
            self.physical_percent(percent, volume_mL)
        return self.moles

    def physical_percent(self, percent: list[Component], volume_mL: float) -> None:
        """wt% and vol% as fractions of the final mass and volume."""
        by_volume = [c for c in percent if c.unit == "vol%"]
        by_mass = [c for c in percent if c.unit == "wt%"]
        if by_volume:
            share = sum(c.amount for c in by_volume) / 100
            if share >= 1:
                raise InvalidValue(f"vol% additives of '{self.f.text}' add up to 100% or more")
            total_mL = volume_mL / (1 - share)
            self.warnings.append("vol%: the salt's own volume is neglected")
            for c in by_volume:
                rho = self.density(c.name, f"for its {_number(c.amount)} vol%")
                self.moles[c.name] = c.amount / 100 * total_mL * rho / self.chem(c.name).molar_mass_g_mol
        if by_mass:
            share = sum(c.amount for c in by_mass) / 100
            if share >= 1:
                raise InvalidValue(f"wt% additives of '{self.f.text}' add up to 100% or more")
            base_g = sum(n * self.chem(name).molar_mass_g_mol for name, n in self.moles.items())
            total_g = base_g / (1 - share)
            for c in by_mass:
                self.moles[c.name] = c.amount / 100 * total_g / self.chem(c.name).molar_mass_g_mol


def _number(value: float) -> str:
    return f"{value:.4g}"


def component_moles(
    formulation: Formulation | str,
    *,
    convention: str = DEFAULT_CONVENTION,
    vocabulary: Vocabulary | None = None,
    densities_g_mL: dict[str, float] | None = None,
) -> dict[str, float]:
    """Moles of each component on the convention's basis (1 L of base solvent)."""
    return _amounts(formulation, convention, vocabulary, densities_g_mL).moles


def _amounts(formulation, convention, vocabulary, densities_g_mL) -> _Amounts:
    if convention not in CONVENTIONS:
        raise InvalidValue(f"unknown convention '{convention}'; expected one of {', '.join(CONVENTIONS)}")
    vocab = vocabulary or default_vocabulary()
    f = parse(formulation, vocab) if isinstance(formulation, str) else formulation
    amounts = _Amounts(f, convention, vocab, dict(densities_g_mL or {}))
    amounts.compute()
    return amounts


def describe(
    formulation: Formulation | str,
    *,
    convention: str = DEFAULT_CONVENTION,
    vocabulary: Vocabulary | None = None,
    densities_g_mL: dict[str, float] | None = None,
) -> Descriptors:
    """Elemental descriptors (F, O, C, sF, aF, ..., InOr) of a formulation or text."""
    amounts = _amounts(formulation, convention, vocabulary, densities_g_mL)
    f = amounts.f
    solvent_atoms: Counter = Counter()
    anion_atoms: Counter = Counter()
    anion_side = []
    for c in f.components:
        chem = amounts.chem(c.name)
        side = anion_atoms if _is_anion_side(c, chem) else solvent_atoms
        if side is anion_atoms:
            anion_side.append(c.name)
        for element, count in chem.atoms.items():
            side[element] += count * amounts.moles[c.name]
    everything = solvent_atoms + anion_atoms
    total = sum(everything.values())
    warnings = list(f.warnings) + amounts.warnings

    def ratio(numerator: float, denominator: float, key: str) -> float | None:
        if denominator == 0:
            warnings.append(f"{key} is undefined: the electrolyte has no {'carbon' if key != 'FO' else 'oxygen'}")
            return None
        return numerator / denominator

    values: dict[str, float | None] = {}
    for element in ("F", "O", "C"):
        values[element] = everything[element] / total
    for element in ("F", "O", "C"):
        values[f"s{element}"] = solvent_atoms[element] / total
        values[f"a{element}"] = anion_atoms[element] / total
    values["FC"] = ratio(everything["F"], everything["C"], "FC")
    values["OC"] = ratio(everything["O"], everything["C"], "OC")
    values["FO"] = ratio(everything["F"], everything["O"], "FO")
    inorganic = total - everything["C"] - everything["H"] - everything["Li"]
    values["InOr"] = ratio(inorganic, everything["C"], "InOr")
    return Descriptors(
        values={k: values[k] for k in DESCRIPTOR_KEYS},
        convention=convention,
        moles=dict(amounts.moles),
        anion_side=tuple(anion_side),
        warnings=tuple(dict.fromkeys(warnings)),
    )


@dataclass
class DescribedTable:
    """A CSV table of electrolytes with their descriptors (``describe_csv``)."""

    columns: list[str]  # the file's columns, then canonical, convention, the descriptors, error
    rows: list[dict]
    failures: list[tuple[int, str]]  # (line in the file, why that row could not be described)


def describe_csv(
    path: Path, *, column: str, convention: str = "physical", densities_g_mL: dict[str, float] | None = None
) -> DescribedTable:
    """Every row of a CSV file with the descriptors of the electrolyte in ``column``.

    A row whose electrolyte cannot be described keeps its place, with the reason in ``error``
    (and in ``failures`` with its line); columns the file already has under the added names
    are refused, so no value of the file is overwritten.
    """
    import csv

    from cedb.errors import NotFound

    if not path.is_file():
        raise NotFound(f"no file {path}")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        records = list(reader)
    if column not in header:
        raise InvalidValue(f"no column '{column}' in {path}; columns: {', '.join(header)}")
    added = ["canonical", "convention", *DESCRIPTOR_KEYS, "error"]
    clashes = [c for c in added if c in header]
    if clashes:
        raise InvalidValue(f"{path} already has column(s) {', '.join(clashes)}; rename them")
    table = DescribedTable(columns=header + added, rows=[], failures=[])
    for line, record in enumerate(records, start=2):  # line 1 is the header
        row: dict = {**record, "convention": convention}
        try:
            formulation = parse(record[column] or "")
            row["canonical"] = formulation.canonical
            row.update(describe(formulation, convention=convention, densities_g_mL=densities_g_mL).values)
        except InvalidValue as error:
            row["error"] = str(error)
            table.failures.append((line, str(error)))
        table.rows.append(row)
    return table
