"""Structured electrolytes stored beside the text as reported (pure).

A strategy's electrolyte and additive texts are parsed with cedb.chemistry; the
canonical string identifies the same electrolyte however it was written, and the
component index (``|salt:LiFSI|solvent:DME|``) lets queries filter by component
with a plain, indexed-free LIKE on bound parameters, on SQLite and PostgreSQL alike.
"""

import json
import re
from typing import Any

ROLES = ("salt", "solvent", "diluent", "additive")


def _additive_names(text: str) -> list[str]:
    """Vocabulary names in an additive text like 'LiNO3 + CuF2' (unknown words are skipped)."""
    from cedb.chemistry.vocabulary import default_vocabulary
    from cedb.errors import InvalidValue

    vocabulary = default_vocabulary()
    names = []
    for token in re.split(r"\s*(?:[,;+&]|\band\b|\bwith\b)\s*", text):
        token = re.sub(r"^[\d.]+\s*(?:wt|vol|v|w|mol)?\s*%?\s*", "", token.strip()).strip("() ")
        if not token:
            continue
        try:
            names.append(vocabulary.lookup(token).chemical.abbreviation)
        except InvalidValue:
            continue
    return names


def annotate(electrolyte: str | None, additive: str | None) -> dict[str, Any]:
    """The stored formulation fields for a strategy: canonical string, component index, JSON."""
    fields: dict[str, Any] = {"electrolyte_canonical": None, "components": None, "formulation": None}
    index: list[str] = []
    if electrolyte:
        from cedb.chemistry.electrolyte import try_parse

        formulation, _error = try_parse(electrolyte)
        if formulation is not None:
            fields["electrolyte_canonical"] = formulation.canonical
            fields["formulation"] = json.dumps(formulation.to_dict(), sort_keys=True, ensure_ascii=False)
            for role, names in formulation.by_role().items():
                index += [f"{role}:{name}" for name in names]
    if additive:
        index += [f"additive:{name}" for name in _additive_names(additive)]
    if index:
        fields["components"] = "|" + "|".join(dict.fromkeys(index)) + "|"
    return fields


def component_pattern(role: str, name: str) -> str:
    """The LIKE pattern (without wildcards escaped) matching ``name`` in ``role`` via its synonyms."""
    from cedb.chemistry.vocabulary import lookup

    canonical = lookup(name).chemical.abbreviation
    return f"|{role}:{canonical}|"
