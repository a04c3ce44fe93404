"""A machine-learning-ready table: one row per measurement with conditions, CE, LCE,
the practical verdict, the parsed electrolyte and its Kim et al. (2023) descriptors.

Pure apart from the one query; the data dictionary describes every column.
"""

from typing import Any

from cedb.chemistry.descriptors import DESCRIPTOR_KEYS
from cedb.store.query import Filters, run
from cedb.terms import Category, Cell, Statistic, Status, listed

# column -> (unit, meaning). The order is the order of the exported columns.
DICTIONARY: dict[str, tuple[str, str]] = {
    "id": ("", "cedb result id"),
    "paper": ("", "citation key of the paper reporting the result"),
    "doi": ("", "DOI of that paper, when known"),
    "year": ("", "publication year, when known"),
    "source": ("", "citation key of the paper the number was read from (primary paper or review)"),
    "location": ("", "where in the source (section, table, figure)"),
    "status": ("", f"curation status: {listed(Status, ', ')}"),
    "category": ("", f"strategy category: {listed(Category, ', ')}"),
    "label": ("", "short strategy label"),
    "host": ("", "host material as reported"),
    "electrolyte": ("", "electrolyte as reported (free text)"),
    "additive": ("", "additive(s) as reported"),
    "electrolyte_canonical": ("", "canonical formulation 'salts | solvents | additives' (empty if unparsed)"),
    "salts": ("", "canonical salt abbreviations, ';'-separated"),
    "solvents": ("", "canonical solvent abbreviations, ';'-separated"),
    "diluents": ("", "canonical diluent abbreviations, ';'-separated"),
    "additives": ("", "canonical additive abbreviations (from electrolyte and additive texts), ';'-separated"),
    "cell": ("", f"cell: {listed(Cell, ', ')}"),
    "method": ("", "CE method of the review's Table 1 (or unspecified)"),
    "current_density_mA_cm2": ("mA cm-2", "current density of the test"),
    "areal_capacity_mAh_cm2": ("mAh cm-2", "areal capacity plated per cycle"),
    "cycles": ("", "number of cycles the CE refers to"),
    "ce_percent": ("%", "coulombic efficiency"),
    "lce": ("", "logarithmic CE, -log10(1 - CE/100) (Kim et al. 2023)"),
    "statistic": ("", f"what the CE is: {listed(Statistic, ', ')} (exceeding: a lower bound)"),
    "full_cell_derived": ("", "true if the CE was derived from full-cell data"),
    "practical": ("", "practical-condition verdict under practical_profile: true, false, empty = unknown"),
    "practical_profile": ("", "profile the verdict used (see `cedb query --help`)"),
    **{
        key: ("atom fraction" if len(key) <= 2 else "ratio", f"Kim et al. descriptor {key} of the electrolyte")
        for key in DESCRIPTOR_KEYS
    },
    "descriptor_convention": ("", "mole basis of the descriptors: kim2023 or physical"),
    "descriptor_status": ("", "ok, or why the descriptors are empty (unparsed text, missing amounts)"),
}


def _names(components: str | None, role: str) -> str:
    if not components:
        return ""
    return ";".join(part.split(":", 1)[1] for part in components.strip("|").split("|") if part.startswith(role + ":"))


def _descriptors(text: str | None, convention: str, cache: dict) -> dict[str, Any]:
    if not text:
        return {"descriptor_status": "no electrolyte recorded"}
    key = (text, convention)
    if key not in cache:
        from cedb.chemistry.descriptors import describe
        from cedb.errors import CedbError

        try:
            described = describe(text, convention=convention)
            cache[key] = {**described.values, "descriptor_convention": convention, "descriptor_status": "ok"}
        except CedbError as exc:
            cache[key] = {"descriptor_status": f"not computed: {exc}"}
    return cache[key]


def ml_rows(connection, filters: Filters, *, convention: str = "kim2023") -> list[dict[str, Any]]:
    """Rows in DICTIONARY order for the results ``filters`` select."""
    cache: dict = {}
    out = []
    for row in run(connection, filters, extra=True):
        record = {column: row.get(column) for column in DICTIONARY}
        components = row.get("components")
        record["salts"] = _names(components, "salt")
        record["solvents"] = _names(components, "solvent")
        record["diluents"] = _names(components, "diluent")
        record["additives"] = _names(components, "additive")
        record["practical_profile"] = filters.profile + (" (strict)" if filters.strict else "")
        record.update(_descriptors(row.get("electrolyte"), convention, cache))
        out.append({column: record.get(column) for column in DICTIONARY})
    return out


def frame(rows: list[dict[str, Any]]):
    import pandas as pd

    table = pd.DataFrame(rows, columns=list(DICTIONARY))
    # Nullable dtypes keep missing values missing (not NaN-as-float for ints/bools).
    table["year"] = table["year"].astype("Int64")
    table["cycles"] = table["cycles"].astype("Int64")
    table["practical"] = table["practical"].astype("boolean")
    table["full_cell_derived"] = table["full_cell_derived"].astype("boolean")
    for key in DESCRIPTOR_KEYS + ("current_density_mA_cm2", "areal_capacity_mAh_cm2", "ce_percent", "lce"):
        table[key] = table[key].astype("Float64")
    return table


def dictionary_markdown() -> str:
    lines = ["| column | unit | meaning |", "|---|---|---|"]
    lines += [f"| {name} | {unit} | {meaning} |" for name, (unit, meaning) in DICTIONARY.items()]
    return "\n".join(lines) + "\n"
