"""Atom counts of a SMILES string, to check a vocabulary SMILES against its formula.

Only what the vocabulary needs: the organic subset with implicit hydrogens,
bracket atoms with explicit H and charge, branches, ring closures, bond orders
and dot-separated ions. Aromatic (lowercase) atoms and stereo marks other than
``@``, ``/`` and ``\\`` are rejected rather than guessed.
"""

import re
from collections import Counter

from cedb.errors import InvalidValue

# Normal valences of the organic subset (OpenSMILES 3.1.5): an unbracketed atom
# gets the hydrogens that bring it to the lowest valence at or above its bonds.
_VALENCES = {
    "B": (3,),
    "C": (4,),
    "N": (3, 5),
    "O": (2,),
    "P": (3, 5),
    "S": (2, 4, 6),
    "F": (1,),
    "Cl": (1,),
    "Br": (1,),
    "I": (1,),
}
_BOND_ORDER = {"-": 1, "=": 2, "#": 3, "$": 4}
_BRACKET = re.compile(r"\[(\d*)([A-Z][a-z]?)(@*)(H\d*)?([+-]+\d*)?\]")
_ORGANIC = re.compile(r"Cl|Br|[BCNOPSFI]")


def smiles_atoms(smiles: str) -> Counter:
    """Element counts (hydrogens included) of a SMILES string."""
    counts: Counter = Counter()
    bonds: list[int] = []  # bond-order sum per atom
    implicit: list[tuple[int, str]] = []  # atoms that get implicit H
    stack: list[int] = []
    rings: dict[str, tuple[int, int]] = {}
    previous: int | None = None
    pending_order = 1
    i = 0
    while i < len(smiles):
        ch = smiles[i]
        if ch == "[":
            match = _BRACKET.match(smiles, i)
            if not match:
                raise InvalidValue(f"cannot read bracket atom at {i} in SMILES '{smiles}'")
            element, hydrogens = match.group(2), match.group(4)
            counts[element] += 1
            if hydrogens:
                counts["H"] += int(hydrogens[1:] or 1)
            atom = len(bonds)
            bonds.append(0)
            i = match.end()
        elif _ORGANIC.match(smiles, i):
            element = _ORGANIC.match(smiles, i).group(0)
            counts[element] += 1
            atom = len(bonds)
            bonds.append(0)
            implicit.append((atom, element))
            i += len(element)
        elif ch in _BOND_ORDER:
            pending_order = _BOND_ORDER[ch]
            i += 1
            continue
        elif ch in "/\\":
            i += 1
            continue
        elif ch == "(":
            if previous is None:
                raise InvalidValue(f"branch opens before any atom in SMILES '{smiles}'")
            stack.append(previous)
            i += 1
            continue
        elif ch == ")":
            if not stack:
                raise InvalidValue(f"unbalanced ')' in SMILES '{smiles}'")
            previous = stack.pop()
            i += 1
            continue
        elif ch == ".":
            previous = None
            i += 1
            continue
        elif ch.isdigit() or ch == "%":
            label = smiles[i : i + 3] if ch == "%" else ch
            i += len(label)
            if previous is None:
                raise InvalidValue(f"ring bond '{label}' before any atom in SMILES '{smiles}'")
            if label in rings:
                other, order = rings.pop(label)
                order = max(order, pending_order)
                bonds[other] += order
                bonds[previous] += order
            else:
                rings[label] = (previous, pending_order)
            pending_order = 1
            continue
        else:
            raise InvalidValue(
                f"unsupported character '{ch}' at {i} in SMILES '{smiles}'; write aromatic rings in Kekulé form"
            )
        if previous is not None:
            bonds[previous] += pending_order
            bonds[atom] += pending_order
        previous = atom
        pending_order = 1
    if rings:
        raise InvalidValue(f"unclosed ring bond {sorted(rings)} in SMILES '{smiles}'")
    if stack:
        raise InvalidValue(f"unbalanced '(' in SMILES '{smiles}'")
    for atom, element in implicit:
        used = bonds[atom]
        target = next((v for v in _VALENCES[element] if v >= used), used)
        counts["H"] += target - used
    return Counter({k: v for k, v in counts.items() if v})
