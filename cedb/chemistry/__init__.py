"""Chemistry of Li metal electrolytes: vocabulary, formulation parser, descriptors.

Pure modules: no database, no printing. Typical use::

    from cedb.chemistry import parse, describe
    f = parse("1.2M LiFSI DMC-BTFE (1:2 mol)")
    f.canonical, f.by_role()["salt"], f.warnings
    describe("1M LiPF6 EC-DMC (3:7 v/v)").values["F"]
"""

from cedb.chemistry.descriptors import (
    CONVENTIONS,
    DESCRIPTOR_KEYS,
    Descriptors,
    component_moles,
    describe,
)
from cedb.chemistry.electrolyte import Component, Formulation, parse, try_parse
from cedb.chemistry.formula import molar_mass_g_mol, parse_formula
from cedb.chemistry.vocabulary import (
    Chemical,
    Finding,
    Lookup,
    Vocabulary,
    check_vocabulary,
    data_path,
    default_vocabulary,
    lookup,
)

__all__ = [
    "CONVENTIONS",
    "DESCRIPTOR_KEYS",
    "Chemical",
    "Component",
    "Descriptors",
    "Finding",
    "Formulation",
    "Lookup",
    "Vocabulary",
    "check_vocabulary",
    "component_moles",
    "data_path",
    "default_vocabulary",
    "describe",
    "lookup",
    "molar_mass_g_mol",
    "parse",
    "parse_formula",
    "try_parse",
]
