"""Structured electrolytes stored beside the text as reported (pure).

A strategy's electrolyte and additive texts are parsed with cedb.chemistry; the
canonical string identifies the same electrolyte however it was written, and the
component index (``|salt:LiFSI|solvent:DME|``) lets queries filter by component
with a plain, indexed-free LIKE on bound parameters, on SQLite and PostgreSQL alike.
"""

from typing import Any

ROLES = ("salt", "solvent", "diluent", "additive")


def annotate(electrolyte: str | None, additive: str | None) -> dict[str, Any]:
    """The stored formulation fields for a strategy: canonical string, component index, JSON.

    A text that does not parse is kept as written and raises an UnparsedElectrolyte
    warning, which the CLI shows as a "Warning:" line (issue 12: no silent misses).
    """
    import warnings

    from cedb.chemistry.entry import UnparsedElectrolyte
    from cedb.chemistry.entry import annotate as parse

    annotation = parse(electrolyte, additive)
    if annotation.warning:
        what = f"electrolyte '{electrolyte}'" if annotation.unparsed else f"additive '{additive}'"
        warnings.warn(f"{what}: {annotation.warning}", UnparsedElectrolyte, stacklevel=2)
    return annotation.fields


def component_pattern(role: str, name: str) -> str:
    """The LIKE pattern (without wildcards escaped) matching ``name`` in ``role`` via its synonyms."""
    from cedb.chemistry.vocabulary import lookup

    canonical = lookup(name).chemical.abbreviation
    return f"|{role}:{canonical}|"
