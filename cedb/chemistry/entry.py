"""An electrolyte text as it is entered: parsed once, with a warning when it does not parse.

``annotate(electrolyte, additive)`` gives the stored fields (canonical string, component
index ``|salt:LiFSI|solvent:DME|``, formulation JSON) and, when the text cannot be read
as a formulation, the reason. Such a text is never dropped: where the prose itself
states a role ("BTFE introduced as a diluent") that role is indexed, and queries count
the rest as results they could not judge (``cedb chem unparsed`` lists them).
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

ROLES = ("salt", "solvent", "diluent", "additive")
# "<name> (is) (introduced|used|added|employed) as (a|the) <role>": the prose says the role.
_ROLE_WORDS = {
    "salt": "salt",
    "solvent": "solvent",
    "co-solvent": "solvent",
    "cosolvent": "solvent",
    "diluent": "diluent",
    "additive": "additive",
}
_AS_ROLE = re.compile(
    r"\s*(?:\([^()]*\)\s*)?(?:(?:is|was|were|are)\s+)?(?:(?:introduced|used|added|employed|"
    r"applied|chosen|selected)\s+)?as\s+(?:an?\s+|the\s+)?(?:\w+\s+){0,2}?"
    r"(co-?solvent|solvent|diluent|salt|additive)s?\b",
    re.IGNORECASE,
)


# ... unless the name is what is replaced or left out: "replacing DMC as solvent".
_NEGATED = re.compile(
    r"\b(?:replac\w*|instead\s+of|rather\s+than|than|without|not|no)\s+"
    r"(?:(?:the|an?|original|conventional)\s+)*$",
    re.IGNORECASE,
)


class UnparsedElectrolyte(UserWarning):
    """An electrolyte text that cedb could not read as a formulation."""


@dataclass(frozen=True)
class Annotation:
    """The stored formulation fields and, if the text did not parse, why."""

    fields: dict[str, Any] = field(default_factory=dict)
    unparsed: str | None = None  # the parser's reason
    unknown_additives: tuple[str, ...] = ()  # additive words not in the vocabulary

    @property
    def warning(self) -> str | None:
        """A one-line warning for the person entering the text, or None."""
        parts = []
        if self.unparsed is not None:
            parts.append(
                f"the electrolyte was stored as written but cedb could not parse it "
                f"({self.unparsed}); queries by --salt/--solvent/--diluent count it as "
                "not judged (see `cedb chem unparsed`)"
            )
        if self.unknown_additives:
            parts.append(
                "additive(s) not in the vocabulary, so --additive finds them only by "
                f"their text: {', '.join(self.unknown_additives)} (see `cedb chem add`)"
            )
        return "; ".join(parts) or None


def stated_roles(text: str) -> list[tuple[str, str]]:
    """(role, abbreviation) pairs that prose states outright: 'BTFE introduced as a diluent'."""
    from cedb.chemistry.vocabulary import default_vocabulary, normalise_name

    vocab = default_vocabulary()
    text = normalise_name(text)
    found: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        hit = vocab.match_at(text, pos)
        if hit is None:
            pos += 1
            continue
        name, chem = hit
        end = pos + len(name)
        said = _AS_ROLE.match(text, end)
        if said and chem.role != "host material" and not _NEGATED.search(text[:pos]):
            found.append((_ROLE_WORDS[said.group(1).lower()], chem.abbreviation))
        pos = end
    return list(dict.fromkeys(found))


def additive_names(text: str) -> tuple[list[str], list[str]]:
    """(vocabulary names, unknown words) of an additive text like 'LiNO3 + CuF2'."""
    from cedb.chemistry.vocabulary import default_vocabulary
    from cedb.errors import InvalidValue

    vocabulary = default_vocabulary()
    names, unknown = [], []
    for token in re.split(r"\s*(?:[,;+&]|\band\b|\bwith\b)\s*", text):
        token = re.sub(r"^[\d.]+\s*(?:wt|vol|v|w|mol)?\s*%?\s*", "", token.strip()).strip("() ")
        if not token:
            continue
        try:
            names.append(vocabulary.lookup(token).chemical.abbreviation)
        except InvalidValue:
            # "trace CuF2 as a dissolution promoter": the names inside a phrase count
            inside = _names_in(token)
            names += inside
            if not inside:
                unknown.append(token)
    return names, unknown


def _names_in(text: str) -> list[str]:
    """Abbreviations of the vocabulary names that occur in free text, in order."""
    from cedb.chemistry.vocabulary import default_vocabulary, normalise_name

    vocab = default_vocabulary()
    text = normalise_name(text)
    found, pos = [], 0
    while pos < len(text):
        hit = vocab.match_at(text, pos)
        if hit is None:
            pos += 1
            continue
        if hit[1].role != "host material":  # "copper" in a phrase is not an additive
            found.append(hit[1].abbreviation)
        pos += len(hit[0])
    return found


def annotate(electrolyte: str | None, additive: str | None) -> Annotation:
    """Parse a strategy's electrolyte (and additive) text into the stored fields."""
    from cedb.chemistry.electrolyte import try_parse

    fields: dict[str, Any] = {"electrolyte_canonical": None, "components": None, "formulation": None}
    index: list[str] = []
    reason = None
    if electrolyte:
        formulation, reason = try_parse(electrolyte)
        if formulation is not None:
            fields["electrolyte_canonical"] = formulation.canonical
            fields["formulation"] = json.dumps(formulation.to_dict(), sort_keys=True, ensure_ascii=False)
            for role, names in formulation.by_role().items():
                index += [f"{role}:{name}" for name in names]
        else:
            index += [f"{role}:{name}" for role, name in stated_roles(electrolyte)]
    unknown: list[str] = []
    if additive:
        names, unknown = additive_names(additive)
        index += [f"additive:{name}" for name in names]
    if index:
        fields["components"] = "|" + "|".join(dict.fromkeys(index)) + "|"
    return Annotation(fields=fields, unparsed=reason, unknown_additives=tuple(unknown))
