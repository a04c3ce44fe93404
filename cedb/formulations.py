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
    fields, warning = parsed(electrolyte, additive)
    warn_unparsed(warning)
    return fields


def parsed(electrolyte: str | None, additive: str | None) -> tuple[dict[str, Any], str | None]:
    """The stored formulation fields and the warning to give for them (None if all parsed)."""
    from cedb.chemistry.entry import annotate as parse

    annotation = parse(electrolyte, additive)
    if not annotation.warning:
        return annotation.fields, None
    what = f"electrolyte '{electrolyte}'" if annotation.unparsed else f"additive '{additive}'"
    return annotation.fields, f"{what}: {annotation.warning}"


def warn_unparsed(warning: str | None) -> None:
    if warning:
        import warnings

        from cedb.chemistry.entry import UnparsedElectrolyte

        warnings.warn(warning, UnparsedElectrolyte, stacklevel=3)


def component_pattern(role: str, name: str) -> str:
    """The LIKE pattern (without wildcards escaped) matching ``name`` in ``role`` via its synonyms."""
    from cedb.chemistry.vocabulary import lookup

    canonical = lookup(name).chemical.abbreviation
    return f"|{role}:{canonical}|"
