"""The schema's terms (cell, method, category, statistic, status) and their written forms.

Papers and spreadsheets write ``Li||Cu``, ``Li|Cu`` or ``half cell``; cedb stores
``li-cu``. The same words are used in the CLI, curation files, JSON and exports.
"""

import re
from enum import Enum

from cedb.errors import InvalidValue


class Category(str, Enum):
    """What kind of strategy raised the CE (the review's sections 3.1 and 3.2)."""

    composite_anode = "composite-anode"
    electrolyte = "electrolyte"
    interface = "interface"
    other = "other"


class Cell(str, Enum):
    """Cell configuration the CE was measured in."""

    li_cu = "li-cu"
    li_li = "li-li"
    full = "full"
    anode_free = "anode-free"


class Method(str, Enum):
    """CE calculation method (review Table 1)."""

    conventional = "conventional"
    aurbach = "aurbach"
    zhang = "zhang"
    chiang = "chiang"
    zhang_full = "zhang-full"
    unspecified = "unspecified"


class Statistic(str, Enum):
    """Which number the paper reports: the average, a maximum, a stabilised value or a bound."""

    average = "average"
    maximum = "maximum"
    stabilised = "stabilised"
    exceeding = "exceeding"


class Status(str, Enum):
    draft = "draft"
    verified = "verified"
    rejected = "rejected"


class Convention(str, Enum):
    """How an additive's wt% or vol% becomes moles for the electrolyte descriptors.

    physical: x wt% is x % of the electrolyte's mass; kim2023: x/100 L of additive on top of
    1 L of solvent, as Kim et al. 2023 computed their table (cedb.chemistry.descriptors).
    """

    physical = "physical"
    kim2023 = "kim2023"


_ALIASES: dict[type[Enum], dict[str, str]] = {
    Cell: {
        "li||cu": "li-cu",
        "li|cu": "li-cu",
        "li/cu": "li-cu",
        "licu": "li-cu",
        "cu||li": "li-cu",
        "li-cu half cell": "li-cu",
        "half cell": "li-cu",
        "half-cell": "li-cu",
        "li||li": "li-li",
        "li|li": "li-li",
        "li/li": "li-li",
        "symmetric": "li-li",
        "full cell": "full",
        "full-cell": "full",
        "anode free": "anode-free",
        "anodefree": "anode-free",
        "af": "anode-free",
    },
    Method: {
        "aurbach's method": "aurbach",
        "aurbach reservoir": "aurbach",
        "reservoir": "aurbach",
        "zhang's method": "zhang",
        "zhang reservoir": "zhang",
        "chiang's estimation": "chiang",
        "chiang estimate": "chiang",
        "zhang full": "zhang-full",
        "zhang's estimation": "zhang-full",
        "zhang full-cell": "zhang-full",
        "not stated": "unspecified",
        "unknown": "unspecified",
        "": "unspecified",
    },
    Category: {
        "composite": "composite-anode",
        "composite li anode": "composite-anode",
        "composite li anodes": "composite-anode",
        "host": "composite-anode",
        "electrolyte engineering": "electrolyte",
        "interface engineering": "interface",
        "interfacial engineering": "interface",
    },
    Statistic: {
        "avg": "average",
        "mean": "average",
        "max": "maximum",
        "up to": "maximum",
        "stabilized": "stabilised",
        "stable": "stabilised",
        ">": "exceeding",
        "over": "exceeding",
        "more than": "exceeding",
    },
    Status: {},
}


def parse_word(enum_cls: type[Enum], value: object, what: str):
    """The member of ``enum_cls`` that ``value`` names (case-insensitive, written forms accepted)."""
    if isinstance(value, enum_cls):
        return value
    text = re.sub(r"\s+", " ", str(value).strip().lower())
    # Papers write Li‖Cu, Li || Cu and Li | Cu as well as Li||Cu.
    text = re.sub(r"\s*(\|\||\||/)\s*", r"\1", text.replace("‖", "||"))
    for member in enum_cls:
        if text == member.value:
            return member
    alias = _ALIASES.get(enum_cls, {}).get(text)
    if alias is not None:
        return enum_cls(alias)
    raise InvalidValue(f"{what} {value!r} is not known: use one of {listed(enum_cls)}")


def choices(enum_cls: type[Enum]) -> list[str]:
    return [member.value for member in enum_cls]


def listed(enum_cls: type[Enum], separator: str = "|") -> str:
    """The words of ``enum_cls`` for help text and messages, e.g. ``li-cu|li-li|full|anode-free``."""
    return separator.join(choices(enum_cls))
