"""Molecular formulas: parse them, count atoms, compute molar masses.

Molar masses are always computed from the formula with the standard atomic
weights below, never typed by hand, so a vocabulary entry cannot carry a molar
mass that disagrees with its own formula.
"""

import re
from collections import Counter

from cedb.errors import InvalidValue

# IUPAC standard atomic weights, abridged/conventional values (CIAAW 2021,
# "Standard atomic weights of the elements 2021", Pure Appl. Chem. 2022). For
# elements given as an interval (H, Li, B, C, N, O, S, Cl, Mg, Br) this is the
# conventional value, which is what handbooks use for molar masses.
ATOMIC_WEIGHT_G_MOL: dict[str, float] = {
    "H": 1.008,
    "Li": 6.94,
    "Be": 9.0121831,
    "B": 10.81,
    "C": 12.011,
    "N": 14.007,
    "O": 15.999,
    "F": 18.998403162,
    "Na": 22.98976928,
    "Mg": 24.305,
    "Al": 26.9815384,
    "Si": 28.085,
    "P": 30.973761998,
    "S": 32.06,
    "Cl": 35.45,
    "K": 39.0983,
    "Ca": 40.078,
    "Ti": 47.867,
    "V": 50.9415,
    "Cr": 51.9961,
    "Mn": 54.938043,
    "Fe": 55.845,
    "Co": 58.933194,
    "Ni": 58.6934,
    "Cu": 63.546,
    "Zn": 65.38,
    "Ga": 69.723,
    "Ge": 72.630,
    "As": 74.921595,
    "Se": 78.971,
    "Br": 79.904,
    "Rb": 85.4678,
    "Sr": 87.62,
    "Y": 88.905838,
    "Zr": 91.224,
    "Nb": 92.90637,
    "Mo": 95.95,
    "Ag": 107.8682,
    "In": 114.818,
    "Sn": 118.710,
    "Sb": 121.760,
    "Te": 127.60,
    "I": 126.90447,
    "Cs": 132.90545196,
    "Ba": 137.327,
    "La": 138.90547,
    "W": 183.84,
    "Pt": 195.084,
    "Au": 196.966570,
    "Pb": 207.2,
    "Bi": 208.98040,
}

_TOKEN = re.compile(r"([A-Z][a-z]?)|(\d+(?:\.\d+)?)|([(\[])|([)\]])|(\S)")


def parse_formula(formula: str) -> Counter:
    """Atom counts of a formula such as ``LiN(SO2F)2`` (parentheses may nest)."""
    text = formula.strip()
    if not text:
        raise InvalidValue("empty formula; expected element symbols such as 'C3H4O3'")
    stack: list[Counter] = [Counter()]
    last: Counter | str | None = None  # what a following count multiplies
    for match in _TOKEN.finditer(text):
        element, number, opening, closing, other = match.groups()
        if element:
            if element not in ATOMIC_WEIGHT_G_MOL:
                raise InvalidValue(
                    f"unknown element '{element}' in formula '{formula}'; expected a symbol such as C, H, O, F, Li"
                )
            stack[-1][element] += 1
            last = element
        elif number:
            count = float(number)
            if last is None:
                raise InvalidValue(
                    f"count '{number}' in formula '{formula}' follows nothing; a count must follow an element or ')'"
                )
            # The symbol or group was already added once; add the rest.
            if isinstance(last, str):
                stack[-1][last] += count - 1
            else:
                for element_in_group, n in last.items():
                    stack[-1][element_in_group] += n * (count - 1)
            last = None
        elif opening:
            stack.append(Counter())
            last = None
        elif closing:
            if len(stack) == 1:
                raise InvalidValue(f"unbalanced ')' in formula '{formula}'")
            group = stack.pop()
            stack[-1].update(group)
            last = group
        else:
            raise InvalidValue(
                f"unexpected character '{other}' in formula '{formula}'; "
                "expected element symbols, counts and parentheses"
            )
    if len(stack) != 1:
        raise InvalidValue(f"unbalanced '(' in formula '{formula}'")
    counts = Counter({k: v for k, v in stack[0].items() if v})
    # Whole numbers stay ints so Hill formulas print cleanly.
    return Counter({k: int(v) if float(v).is_integer() else v for k, v in counts.items()})


def molar_mass_g_mol(formula: str) -> float:
    """Molar mass in g/mol computed from the formula with standard atomic weights."""
    return sum(ATOMIC_WEIGHT_G_MOL[el] * n for el, n in parse_formula(formula).items())


def atom_count(formula: str) -> float:
    """Number of atoms in one formula unit, H and Li included."""
    return sum(parse_formula(formula).values())


def hill_formula(formula: str) -> str:
    """The formula in Hill order (C, then H, then the rest alphabetically)."""
    counts = parse_formula(formula)
    order = ["C", "H"] if "C" in counts else []
    order += sorted(el for el in counts if el not in order)

    def fmt(el: str) -> str:
        n = counts[el]
        return el if n == 1 else f"{el}{n:g}"

    return "".join(fmt(el) for el in order)
