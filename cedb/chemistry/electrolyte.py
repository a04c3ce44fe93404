"""Electrolyte formulations read from free text: salts, solvents, additives, amounts.

``parse("1 M LiPF6 EC-DMC (1:1 v) 2% VC")`` returns a Formulation whose
``canonical`` string is the same however the electrolyte was written.

Units of ``Component.amount``:

- salts: ``M`` (mol per litre of solvent mixture), ``m`` (mol per kg of solvent),
  ``mol_ratio`` (molar equivalents; see below);
- solvents and diluents: ``vol_frac``, ``wt_frac``, ``mol_frac`` (share of the
  solvent mixture, the shares sum to 1), or ``mol_ratio``;
- additives: ``wt%``, ``vol%``, ``M``, ``m`` or ``mol_ratio``.

``mol_ratio`` is used for mole-ratio notations such as ``LiFSI-1.2DME-3TTE``:
the coefficients are scaled so that the salts add up to 1.

Defaults are never silent: an unstated ratio basis is read as volume, a bare
``%`` as wt%, and each default is reported in ``warnings``.
"""

import difflib
import re
from dataclasses import dataclass, field

from cedb.chemistry.vocabulary import (
    LOOKALIKES,
    Lookup,
    Vocabulary,
    default_vocabulary,
    normalise_name,
)
from cedb.errors import InvalidValue

UNIT_LABELS = {
    "M": "M",
    "m": "m",
    "wt%": "wt%",
    "vol%": "vol%",
    "vol_frac": "vol",
    "wt_frac": "wt",
    "mol_frac": "mol",
    "mol_ratio": "eq",
}
_FRACTION_UNIT = {"vol": "vol_frac", "wt": "wt_frac", "mol": "mol_frac"}
# Two shares agree when they differ by less than this ("1:1" vs "at 50%").
_SHARE_TOLERANCE = 0.01


@dataclass(frozen=True)
class Component:
    """One chemical in a formulation, with its amount and the amount's unit."""

    name: str  # canonical abbreviation from the vocabulary
    role: str  # salt, solvent, diluent or additive: its role in this formulation
    amount: float | None
    unit: str | None
    vocabulary_role: str  # its role in the vocabulary (FEC is an additive even as co-solvent)

    def to_dict(self) -> dict:
        """JSON-serialisable fields."""
        return {
            "name": self.name,
            "role": self.role,
            "amount": self.amount,
            "unit": self.unit,
            "vocabulary_role": self.vocabulary_role,
        }

    @property
    def label(self) -> str:
        """``name amount unit`` as used in the canonical string (``?`` when unknown)."""
        amount = "?" if self.amount is None else _number(self.amount)
        unit = UNIT_LABELS.get(self.unit or "", self.unit or "")
        return f"{self.name} {amount} {unit}".rstrip()


@dataclass(frozen=True)
class Formulation:
    """An electrolyte: salts, solvent mixture and additives, plus parse warnings."""

    text: str
    salts: tuple[Component, ...] = ()
    solvents: tuple[Component, ...] = ()
    additives: tuple[Component, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def components(self) -> tuple[Component, ...]:
        """Salts, then solvents and diluents, then additives."""
        return self.salts + self.solvents + self.additives

    @property
    def complete(self) -> bool:
        """True when every component has an amount (descriptors can be computed)."""
        return all(c.amount is not None for c in self.components)

    @property
    def canonical(self) -> str:
        """Sorted, normalised ``salts | solvents | additives`` string."""

        def section(items: tuple[Component, ...]) -> str:
            ordered = sorted(items, key=lambda c: (c.name.casefold(), c.name))
            return ", ".join(c.label for c in ordered) or "-"

        return " | ".join(section(s) for s in (self.salts, self.solvents, self.additives))

    def names(self, role: str | None = None) -> list[str]:
        """Canonical names of the components, optionally of one role."""
        return [c.name for c in self.components if role is None or c.role == role]

    def by_role(self) -> dict[str, list[str]]:
        """Canonical names grouped by role: salt, solvent, diluent, additive."""
        return {r: self.names(r) for r in ("salt", "solvent", "diluent", "additive")}

    def to_dict(self) -> dict:
        """JSON-serialisable fields, canonical string and completeness included."""
        return {
            "text": self.text,
            "canonical": self.canonical,
            "complete": self.complete,
            "salts": [c.to_dict() for c in self.salts],
            "solvents": [c.to_dict() for c in self.solvents],
            "additives": [c.to_dict() for c in self.additives],
            "warnings": list(self.warnings),
        }


def _number(value: float) -> str:
    return f"{value:.4g}"


# --- lexer -----------------------------------------------------------------


@dataclass
class _Token:
    kind: str
    text: str
    pos: int
    value: object = None


_NUMBER = r"(?:\d+(?:\.\d+)?|\.\d+)"
_LETTER_AFTER = r"(?![A-Za-z])"
_PERCENT = r"(?:%|per\s*cent(?![A-Za-z]))"  # "%", "percent", "per cent"
# Tried in order where no chemical name starts; the first match wins.
_GLUE: list[tuple[str, re.Pattern, object]] = [
    # "1:1", "1 : 2", and "1/1" as in "EC/DEC (1/1, v/v)"
    ("RATIO", re.compile(rf"{_NUMBER}(?:\s*:\s*{_NUMBER})+|{_NUMBER}(?:\s*/\s*{_NUMBER})+"), None),
    ("NUM", re.compile(_NUMBER), None),
    ("CONC", re.compile(r"[Mm]ol\s*(?:/\s*kg|·?\s*kg\s*\^?-\s*1)" + _LETTER_AFTER), ("m", 1.0)),
    ("CONC", re.compile(r"[Mm]ol\s*(?:/\s*(?:[Ll]|dm3)|·?\s*(?:[Ll]|dm)\s*\^?-\s*[13])" + _LETTER_AFTER), ("M", 1.0)),
    ("CONC", re.compile(r"mM(?![A-Za-z0-9])"), ("M", 0.001)),
    ("CONC", re.compile(r"M(?![A-Za-z0-9])"), ("M", 1.0)),
    ("CONC", re.compile(r"m(?![A-Za-z0-9])"), ("m", 1.0)),
    # "5 wt%", "5 wt.%", "5 % by weight", "5% (by wt)", "5 weight percent", "5 percent by wt."
    (
        "PCT",
        re.compile(
            rf"(?:wt|weight|mass|w/w)\s*\.?\s*{_PERCENT}|{_PERCENT}\s*\(?\s*"
            r"(?:wt\.?|w/w|by\s+(?:weight|mass|wt\.?))(?![A-Za-z])\s*\)?",
            re.I,
        ),
        "wt%",
    ),
    (
        "PCT",
        re.compile(
            rf"(?:vol|volume|v/v|v)\s*\.?\s*{_PERCENT}|{_PERCENT}\s*\(?\s*"
            r"(?:vol\.?|v/v|by\s+(?:volume|vol\.?))(?![A-Za-z])\s*\)?",
            re.I,
        ),
        "vol%",
    ),
    ("PCT", re.compile(_PERCENT, re.I), "%"),
    (
        "BASIS",
        re.compile(
            r"(?:v(?:\s*/\s*v)+|vol\s*/\s*vol|v\s*:\s*v|by\s+vol(?:ume|\.)?|"
            r"in\s+volume(?:\s+ratio)?|volume\s+ratio|volumetric\s+ratio|"
            r"volume|vol\.?|v)(?![A-Za-z])",
            re.I,
        ),
        "vol",
    ),
    (
        "BASIS",
        re.compile(
            r"(?:w(?:\s*/\s*w)+|wt\s*/\s*wt|w\s*:\s*w|by\s+weight|by\s+mass|"
            r"by\s+wt\.?|in\s+weight(?:\s+ratio)?|in\s+mass(?:\s+ratio)?|weight\s+ratio|"
            r"mass\s+ratio|weight|mass|wt\.?|w)(?![A-Za-z])",
            re.I,
        ),
        "wt",
    ),
    (
        "BASIS",
        re.compile(
            r"(?:n\s*/\s*n|mol\s*/\s*mol|mol\s*:\s*mol|by\s+mol(?:es?|\.)?|"
            r"in\s+molar?(?:\s+ratio)?|in\s+mole\s+ratio|molar\s+ratio|"
            r"mole\s+ratio|mol\s+ratio|molar|mole|mol\.?)(?![A-Za-z])",
            re.I,
        ),
        "mol",
    ),
    ("IN", re.compile(r"(?:(?:dissolved|solvated)\s+)?in(?:to)?(?![A-Za-z])", re.I), None),
    ("WITH", re.compile(r"(?:with|containing|plus)(?![A-Za-z])", re.I), None),
    ("AT", re.compile(r"at(?![A-Za-z])", re.I), None),
    ("SEP", re.compile(r"and(?![A-Za-z])|[-/:,;&]", re.I), None),
    (
        "FILLER",
        re.compile(
            r"(?:concentration|ratio|electrolyte|solution|mixture|of|an?|the)"
            r"(?![A-Za-z])",
            re.I,
        ),
        None,
    ),
    ("PLUS", re.compile(r"\+"), None),
    ("EQ", re.compile(r"="), None),
    ("LP", re.compile(r"[(\[]"), None),
    ("RP", re.compile(r"[)\]]"), None),
]
_STOPS = "()[]/,;+=:"  # characters that end a word in error messages
_WORD = re.compile(r"[^\s()\[\]/,;+=:]+")
_EXPECTED = (
    "expected a chemical name (see 'cedb chem list'), an amount such as '1 M' or "
    "'5 wt%', or a ratio such as '(1:1 v/v)'"
)


def _lex(text: str, vocab: Vocabulary) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        found = vocab.match_at(text, pos)
        if found:
            matched, _ = found
            tokens.append(_Token("CHEM", matched, pos, vocab.lookup(matched)))
            pos += len(matched)
            continue
        for kind, pattern, value in _GLUE:
            m = pattern.match(text, pos)
            if m:
                token = _Token(kind, m.group(0), pos, value)
                if kind == "NUM":
                    token.value = float(m.group(0))
                elif kind == "RATIO":
                    token.value = [float(x) for x in re.split(r"\s*[:/]\s*", m.group(0))]
                tokens.append(token)
                pos = m.end()
                break
        else:
            word = _WORD.match(text, pos).group(0)
            # Show the whole hyphenated name: "TMS-FNFSI", not just "FNFSI".
            start = pos
            while start > 0 and not text[start - 1].isspace() and text[start - 1] not in _STOPS:
                start -= 1
            whole = _WORD.match(text, start).group(0)
            inside = f" in '{whole}'" if whole != word else ""
            raise InvalidValue(
                f"cannot read '{word}'{inside} at character {pos + 1} of '{text}'; "
                f"{_EXPECTED}{_suggestion(whole, vocab)}"
            )
    return tokens


def _suggestion(word: str, vocab: Vocabulary) -> str:
    """ "; did you mean ...?" for a word that looks like a misspelt chemical name."""
    if len(word) < 3 or not any(ch.isalpha() for ch in word):
        return ""
    names = {n.casefold(): n for c in vocab.chemicals for n in c.names}
    close = difflib.get_close_matches(word.casefold(), list(names), n=3, cutoff=0.75)
    return f"; did you mean {', '.join(repr(names[c]) for c in close)}?" if close else ""


# --- parser ----------------------------------------------------------------


@dataclass
class _Mention:
    lookup: Lookup
    pos: int
    group: int
    scope: int  # how many "in" precede it
    after_plus: bool  # introduced by "+" or "with"
    qty: tuple[float, str] | None = None  # (value, unit) with unit M, m, wt%, vol%, %
    at: bool = False  # the quantity came from "at 50% (concentration)"
    coef: float | None = None  # mole-ratio coefficient, written or from a ratio
    share: float | None = None  # raw ratio number for a solvent share
    basis: str | None = None  # vol, wt or mol for share
    at_share: float | None = None  # the "at 50%" share, checked against a ratio

    @property
    def name(self) -> str:
        return self.lookup.chemical.abbreviation

    @property
    def is_salt(self) -> bool:
        return self.lookup.chemical.is_salt


@dataclass
class _Ratio:
    values: list[float]
    pos: int
    text: str
    group: int
    basis: str | None = None


@dataclass
class _State:
    text: str
    mentions: list[_Mention] = field(default_factory=list)
    ratios: list[_Ratio] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def where(self, token: _Token) -> str:
        return f"at character {token.pos + 1} of '{self.text}'"


def _quantity(number: _Token, unit: _Token) -> tuple[float, str]:
    if unit.kind == "CONC":
        symbol, factor = unit.value
        return number.value * factor, symbol
    return number.value, unit.value


def _qty_text(qty: tuple[float, str]) -> str:
    return f"{_number(qty[0])} {qty[1]}"


def _attach_trailing(state: _State, qty: tuple[float, str], token: _Token) -> None:
    """A quantity written after its chemical ("LiPF6 (1.0 M)", "in DME (1 mol/kg)")."""
    if not state.mentions:
        raise InvalidValue(f"amount '{_qty_text(qty)}' {state.where(token)} is not attached to any chemical")
    last = state.mentions[-1]
    if qty[1] in ("M", "m") and not last.is_salt:
        # "LiTFSI in G4 (1 mol/kg)": a concentration belongs to the salt.
        bare = [m for m in state.mentions if m.is_salt and m.qty is None and m.coef is None]
        if len(bare) != 1:
            raise InvalidValue(
                f"concentration '{_qty_text(qty)}' {state.where(token)} follows "
                f"'{last.name}', which is not a salt, and there is "
                f"{'no' if not bare else 'more than one'} salt without a concentration"
            )
        last = bare[0]
    if last.qty is not None or last.coef is not None:
        raise InvalidValue(f"amount '{_qty_text(qty)}' {state.where(token)} is a second amount for '{last.name}'")
    last.qty = qty


def _read_parenthetical(state: _State, tokens: list[_Token], start: int) -> int:
    """Read ``( ... )`` at ``start``; return the index after the closing bracket."""
    depth, end = 0, start
    while end < len(tokens):
        if tokens[end].kind == "LP":
            depth += 1
        elif tokens[end].kind == "RP":
            depth -= 1
            if depth == 0:
                break
        end += 1
    else:
        raise InvalidValue(f"unclosed '(' {state.where(tokens[start])}")
    inner = [t for t in tokens[start + 1 : end] if t.kind not in ("FILLER", "EQ") and t.text not in (",", ";")]
    kinds = [t.kind for t in inner]
    shown = state.text[tokens[start].pos : tokens[end].pos + 1]
    if kinds == ["CHEM"]:
        _check_abbreviation(state, inner[0], shown)
    elif kinds in (["NUM", "CONC"], ["NUM", "PCT"]):
        _attach_trailing(state, _quantity(inner[0], inner[1]), tokens[start])
    elif "RATIO" in kinds and kinds.count("RATIO") == 1 and set(kinds) <= {"RATIO", "BASIS", "PCT"}:
        ratio_token = inner[kinds.index("RATIO")]
        bases = [t for t in inner if t.kind != "RATIO"]
        _add_ratio(state, ratio_token, _basis_of(state, bases, tokens[start]))
    elif kinds and set(kinds) <= {"BASIS", "PCT"}:
        basis = _basis_of(state, inner, tokens[start])
        last = state.mentions[-1] if state.mentions else None
        if last is not None and last.qty is not None and last.qty[1] == "%":
            if basis not in ("wt", "vol"):
                raise InvalidValue(
                    f"'{shown}' {state.where(tokens[start])}: a percentage of "
                    f"{last.name} is read as wt% or vol%, not {basis}"
                )
            last.qty = (last.qty[0], f"{basis}%")  # "10% FEC (mass %)"
        else:
            _set_basis_of_last_ratio(state, basis, tokens[start], shown)
    else:
        raise InvalidValue(
            f"cannot read '{shown}' {state.where(tokens[start])}; expected an amount such as "
            "'(1.0 M)' or a ratio such as '(1:1 v/v)'"
        )
    return end + 1


def _check_abbreviation(state: _State, token: _Token, shown: str) -> None:
    """``name (ABBR)``: the bracketed name must be the chemical just named."""
    previous = state.mentions[-1] if state.mentions else None
    chem = token.value.chemical
    if previous is None or previous.name != chem.abbreviation:
        before = f"'{previous.name}'" if previous else "nothing"
        raise InvalidValue(
            f"'{shown}' {state.where(token)} names {chem.abbreviation} but follows {before}; "
            "expected the abbreviation of the chemical just named, as in 'ethylene carbonate (EC)'"
        )
    state.warnings.extend(w for w in token.value.warnings if w not in state.warnings)


def _basis_of(state: _State, tokens: list[_Token], where: _Token) -> str | None:
    """The ratio basis named by BASIS tokens (or 'vol%'/'wt%' used as a basis)."""
    bases = set()
    for t in tokens:
        if t.kind == "BASIS":
            bases.add(t.value)
        elif t.kind == "PCT" and t.value in ("wt%", "vol%"):
            bases.add(t.value.rstrip("%"))  # "(50:50 vol%)"
        else:
            raise InvalidValue(f"cannot read '{t.text}' as a ratio basis {state.where(t)}")
    if len(bases) > 1:
        raise InvalidValue(
            f"conflicting ratio bases {sorted(bases)} {state.where(where)}; expected one of "
            "volume (v/v), weight (w/w) or mole (mol)"
        )
    return bases.pop() if bases else None


def _add_ratio(state: _State, token: _Token, basis: str | None, *, leading: bool = False) -> None:
    if not state.mentions and not leading:
        raise InvalidValue(f"ratio '{token.text}' {state.where(token)} follows no chemical")
    # A leading ratio ("a 1:3 mixture of EC and DMC") belongs to the chemicals that follow;
    # its group is set when the first of them is read.
    group = None if leading else state.mentions[-1].group
    state.ratios.append(_Ratio(values=token.value, pos=token.pos, text=token.text, group=group, basis=basis))


def _leads_chemicals(tokens: list[_Token], j: int) -> bool:
    """Whether a ratio ending before ``tokens[j]`` is followed by the chemicals it shares out
    ("1:3 (by vol) mixture of EC and DMC"), with only a basis and filler words between."""
    while j < len(tokens):
        kind = tokens[j].kind
        if kind == "CHEM":
            return True
        if kind == "LP":
            close = j + 1
            while close < len(tokens) and tokens[close].kind in ("BASIS", "PCT", "FILLER"):
                close += 1
            if close >= len(tokens) or tokens[close].kind != "RP" or close == j + 1:
                return False
            j = close + 1
            continue
        if kind not in ("BASIS", "FILLER"):
            return False
        j += 1
    return False


def _set_basis_of_last_ratio(state: _State, basis: str, token: _Token, shown: str) -> None:
    coefficient_only = not state.ratios and any(m.coef is not None for m in state.mentions)
    if coefficient_only and basis == "mol":
        return  # "LiFSI-1.2DME-3TTE (molar ratio)": the coefficients are already moles
    if not state.ratios:
        raise InvalidValue(f"basis '{shown}' {state.where(token)} follows no ratio")
    last = state.ratios[-1]
    if last.basis is not None and last.basis != basis:
        raise InvalidValue(
            f"basis '{shown}' {state.where(token)} contradicts the basis '{last.basis}' of ratio '{last.text}'"
        )
    last.basis = basis


def _parse_tokens(state: _State, tokens: list[_Token]) -> None:
    pending_qty: tuple[float, str] | None = None
    pending_coef: float | None = None
    scope, group, after_plus, chain = 0, -1, False, False
    i = 0
    while i < len(tokens):
        t = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if t.kind == "NUM":
            if nxt is not None and nxt.kind in ("CONC", "PCT"):
                qty = _quantity(t, nxt)
                i += 2
                while i < len(tokens) and tokens[i].kind == "FILLER":
                    i += 1
                before = tokens[i - 3] if i >= 3 and tokens[i - 2] is t else None
                if i < len(tokens) and tokens[i].kind == "CHEM":
                    pending_qty = qty
                elif before is not None and before.kind in ("PLUS", "WITH", "IN", "SEP"):
                    raise InvalidValue(
                        f"amount '{_qty_text(qty)}' {state.where(t)} after '{before.text}' "
                        "is not followed by the chemical it doses"
                    )
                else:
                    _attach_trailing(state, qty, t)
                continue
            if nxt is not None and nxt.kind == "CHEM":
                pending_coef = t.value
                i += 1
                continue
            raise InvalidValue(
                f"number '{t.text}' {state.where(t)} is not followed by a unit (M, m, mol/kg, wt%, vol%) or a chemical"
            )
        if t.kind == "CHEM":
            chem = t.value.chemical
            if chem.role == "host material":
                raise InvalidValue(
                    f"'{t.text}' {state.where(t)} is a host material ({chem.name}), not an electrolyte component"
                )
            if any(m.name == chem.abbreviation for m in state.mentions):
                raise InvalidValue(f"'{t.text}' {state.where(t)} names {chem.abbreviation} a second time")
            if not chain:
                group += 1
            state.mentions.append(
                _Mention(
                    lookup=t.value,
                    pos=t.pos,
                    group=group,
                    scope=scope,
                    after_plus=after_plus,
                    qty=pending_qty,
                    coef=pending_coef,
                )
            )
            for ratio in state.ratios:
                if ratio.group is None:
                    ratio.group = group
            state.warnings.extend(t.value.warnings)
            pending_qty = pending_coef = None
            chain = False
            i += 1
            continue
        if pending_qty is not None or pending_coef is not None:
            raise InvalidValue(f"'{t.text}' {state.where(t)} comes between an amount and its chemical")
        if t.kind == "SEP":
            # "EC/DMC" and "ethylene carbonate (EC) and dimethyl carbonate (DMC)" are one list
            abbreviated = i >= 3 and [x.kind for x in tokens[i - 3 : i]] == ["LP", "CHEM", "RP"]
            chain = bool(state.mentions) and i > 0 and (tokens[i - 1].kind == "CHEM" or abbreviated)
            i += 1
        elif t.kind in ("PLUS", "WITH"):
            after_plus, chain = True, False
            i += 1
        elif t.kind == "IN":
            scope, after_plus, chain = scope + 1, False, False
            i += 1
        elif t.kind == "LP":
            i = _read_parenthetical(state, tokens, i)
            chain = False
        elif t.kind == "EQ":
            if nxt is None or nxt.kind != "RATIO":
                raise InvalidValue(f"'=' {state.where(t)} is not followed by a ratio such as 1:1")
            i += 1
        elif t.kind == "RATIO":
            j = i + 1
            bases = []
            while j < len(tokens) and tokens[j].kind == "BASIS":
                bases.append(tokens[j])
                j += 1
            leading = _leads_chemicals(tokens, j) and (
                not state.mentions or tokens[i - 1].kind in ("IN", "FILLER", "WITH", "PLUS")
            )
            _add_ratio(state, t, _basis_of(state, bases, t), leading=leading)
            i, chain = j, False
        elif t.kind == "BASIS":
            if nxt is not None and nxt.kind == "RATIO":
                _add_ratio(state, nxt, t.value)  # "v/v 1:1"
                i += 2
            else:
                _set_basis_of_last_ratio(state, t.value, t, t.text)
                i += 1
        elif t.kind == "AT":
            if nxt is None or nxt.kind != "NUM" or i + 2 >= len(tokens) or tokens[i + 2].kind not in ("PCT", "CONC"):
                raise InvalidValue(f"'at' {state.where(t)} is not followed by an amount such as '50%'")
            qty = _quantity(nxt, tokens[i + 2])
            if qty[1] in ("M", "m"):
                _attach_trailing(state, qty, t)
            else:
                if not state.mentions or state.mentions[-1].qty is not None:
                    raise InvalidValue(f"'at {_qty_text(qty)}' {state.where(t)} follows no chemical")
                state.mentions[-1].qty, state.mentions[-1].at = qty, True
            i += 3
        elif t.kind == "FILLER":
            i += 1
        elif t.kind in ("CONC", "PCT"):
            raise InvalidValue(f"unit '{t.text}' {state.where(t)} has no number before it")
        elif t.kind == "RP":
            raise InvalidValue(f"unbalanced ')' {state.where(t)}")
        else:  # pragma: no cover - every token kind is handled above
            raise InvalidValue(f"cannot read '{t.text}' {state.where(t)}; {_EXPECTED}")
    if pending_qty is not None or pending_coef is not None:
        raise InvalidValue(f"'{state.text}' ends with an amount but no chemical")


# --- resolution ------------------------------------------------------------


def _is_additive(m: _Mention, mentions: list[_Mention]) -> bool:
    """Whether a dosed component is added to an electrolyte rather than forming it."""
    if m.qty is None:
        return False
    if m.qty[1] == "m" and not m.is_salt:
        # "1.2 m DME": a molality is moles of salt per kg of solvent, never a solvent's amount.
        raise InvalidValue(
            f"'{_qty_text(m.qty)} {m.name}': a molality (mol per kg of solvent) belongs to a "
            f"salt, but {m.name} is a {m.lookup.chemical.role}; write e.g. "
            f"'1.2 m LiFSI in {m.name}'"
        )
    if m.qty[1] in ("wt%", "vol%", "%"):
        return not (m.at and m.lookup.chemical.role in ("solvent", "diluent"))
    if not m.is_salt:
        return True  # a non-salt dosed in mol/L ("1 M AN in FM")
    # Salts named before the solvent form the salt blend ("0.6 M LiTFSI + 0.4 M LiBOB in
    # EC/EMC"); one added after a complete electrolyte is an additive ("1 M LiPF6 in
    # EC/DEC + 0.05 M CsPF6").
    earlier_salt = any(o.is_salt and o.qty and o.qty[1] in ("M", "m") and o.pos < m.pos for o in mentions)
    earlier_solvent = any(not o.is_salt and o.pos < m.pos for o in mentions)
    if m.after_plus and earlier_salt and earlier_solvent:
        return True
    # "0.1 M Li2S5 in 1 M LiTFSI in DOL/DME": dosed into an electrolyte that has a salt
    # (a salt that is itself added with "+" does not make an electrolyte of its own).
    return any(
        o.scope > m.scope and o.is_salt and o.qty and o.qty[1] in ("M", "m") and not o.after_plus for o in mentions
    )


def _resolve_ratio(state: _State, ratio: _Ratio, additive: set[int]) -> None:
    mentions = state.mentions
    group = [m for m in mentions if m.group == ratio.group and id(m) not in additive]
    n = len(ratio.values)
    free_group = [m for m in group if m.qty is None and m.coef is None]
    solvent_like = [
        m for m in mentions if not m.is_salt and id(m) not in additive and m.coef is None and (m.qty is None or m.at)
    ]
    shown = "/".join(m.name for m in group)
    # Salts named before the group without an amount share the ratio when the numbers
    # count them too: "LiFSI DME-TTE (1:1.2:3)", "LiFSI SL (1:3 molar)".
    free_salts = [
        m
        for m in mentions
        if m.is_salt
        and id(m) not in additive
        and m.qty is None
        and m.coef is None
        and m.group != ratio.group
        and m.pos < ratio.pos
    ]
    if len(free_group) == n and len(free_group) == len(group):
        targets = group
    elif free_salts and len(free_salts) + len(free_group) == n and len(free_group) == len(group):
        targets = sorted(free_salts + free_group, key=lambda m: m.pos)
    elif len([m for m in free_group if not m.is_salt]) == n:
        targets = [m for m in free_group if not m.is_salt]
    elif len(solvent_like) == n:
        targets = solvent_like
        state.warnings.append(
            f"ratio '{ratio.text}' after '{shown}' read as "
            f"{':'.join(m.name for m in targets)} (the solvents of the formulation)"
        )
    else:
        raise InvalidValue(
            f"ratio '{ratio.text}' at character {ratio.pos + 1} has {n} numbers but "
            f"'{shown}' has {len([m for m in group if not m.is_salt])} solvent(s) and "
            f"{len([m for m in group if m.is_salt])} salt(s) without an amount"
        )
    names = ":".join(m.name for m in targets)
    salts = [m for m in targets if m.is_salt]
    if salts:
        if ratio.basis not in (None, "mol"):
            raise InvalidValue(
                f"ratio '{ratio.text}' ({ratio.basis}) includes the salt {salts[0].name}; "
                "a ratio that includes a salt must be a mole ratio"
            )
        if ratio.basis is None:
            state.warnings.append(
                f"ratio {names} = {ratio.text} has no basis; read as a mole ratio "
                f"because it includes the salt {salts[0].name}"
            )
        for m, v in zip(targets, ratio.values):
            m.coef = v
        return
    basis = ratio.basis
    if basis is None:
        basis = "vol"
        state.warnings.append(f"ratio {names} = {ratio.text} has no basis; assumed volume")
    for m, v in zip(targets, ratio.values):
        if m.share is not None:
            raise InvalidValue(
                f"ratio '{ratio.text}' at character {ratio.pos + 1} gives {names} a second "
                "ratio; expected one ratio per solvent mixture"
            )
        if m.at:  # "with HFME at 50% concentration" and a ratio naming HFME must agree
            m.at_share = m.qty[0] / 100
        m.share, m.basis = v, basis


def _solvent_components(state: _State, solvents: list[_Mention], ratio_mode: bool, scale: float) -> list[Component]:
    def make(m: _Mention, amount: float | None, unit: str | None) -> Component:
        role = "diluent" if m.lookup.chemical.role == "diluent" else "solvent"
        return Component(m.name, role, amount, unit, m.lookup.chemical.role)

    if not solvents:
        return []
    if ratio_mode:
        out = []
        for m in solvents:
            if m.coef is None:
                state.warnings.append(f"no mole-ratio coefficient for {m.name}")
            out.append(make(m, None if m.coef is None else m.coef / scale, "mol_ratio"))
        return out
    # "at 50%" shares without a ratio: the one remaining solvent takes the rest.
    at_only = [m for m in solvents if m.at and m.share is None]
    for m in at_only:
        if m.qty[1] == "%":
            state.warnings.append(f"share '{_qty_text(m.qty)}' of {m.name} has no basis; assumed volume")
        m.share, m.basis = m.qty[0], {"wt%": "wt", "vol%": "vol"}.get(m.qty[1], "vol")
    if at_only:
        rest = [m for m in solvents if m.share is None]
        if len(rest) == 1 and sum(m.share for m in at_only) < 100:
            rest[0].share, rest[0].basis = 100 - sum(m.share for m in at_only), at_only[0].basis
    for m in solvents:
        at_share = m.at_share
        if at_share is not None:
            total = sum(o.share for o in solvents if o.share is not None)
            if total > 0 and abs(m.share / total - at_share) > _SHARE_TOLERANCE:
                raise InvalidValue(
                    f"{m.name} is {m.share / total:.0%} of the solvents by the ratio but "
                    f"'at {_qty_text(m.qty)}' says {at_share:.0%}"
                )
    if len(solvents) == 1 and solvents[0].share is None:
        return [make(solvents[0], 1.0, "vol_frac")]
    known = [m for m in solvents if m.share is not None]
    bases = {m.basis for m in known}
    if len(known) != len(solvents) or len(bases) != 1:
        missing = "/".join(m.name for m in solvents if m.share is None)
        state.warnings.append(
            f"the ratio of {'/'.join(m.name for m in solvents)} is not stated"
            + (f" for {missing}" if missing and known else "")
            + ("" if len(bases) <= 1 else " on one basis")
        )
        return [make(m, None, None) for m in solvents]
    total = sum(m.share for m in solvents)
    if not total > 0:  # "(0:0)": no proportions at all
        raise InvalidValue(
            f"the ratio of {'/'.join(m.name for m in solvents)} adds up to zero: give shares such as 3:7"
        )
    unit = _FRACTION_UNIT[bases.pop()]
    return [make(m, m.share / total, unit) for m in solvents]


def _resolve(state: _State) -> Formulation:
    mentions = state.mentions
    if not mentions:
        raise InvalidValue(f"no chemical named in '{state.text}'; {_EXPECTED}")
    additive = {id(m) for m in mentions if _is_additive(m, mentions)}
    for ratio in state.ratios:
        _resolve_ratio(state, ratio, additive)
    # A group written with coefficients ("LiFSI-1.2DME-3TTE") gives 1 to the bare ones.
    for g in {m.group for m in mentions if m.coef is not None}:
        for m in mentions:
            if m.group == g and m.coef is None and m.qty is None and m.share is None:
                m.coef = 1.0
    salt_mentions = [m for m in mentions if m.is_salt and id(m) not in additive]
    ratio_mode = any(m.coef is not None for m in salt_mentions)
    if ratio_mode and any(m.qty is not None for m in salt_mentions):
        raise InvalidValue(
            f"'{state.text}' gives some salts a concentration and others a mole-ratio "
            "coefficient; expected one or the other"
        )
    scale = sum(m.coef for m in salt_mentions if m.coef is not None) or 1.0

    salts = []
    for m in salt_mentions:
        if ratio_mode:
            salts.append(Component(m.name, "salt", m.coef / scale, "mol_ratio", "salt"))
        elif m.qty is None:
            state.warnings.append(f"no concentration stated for {m.name}")
            salts.append(Component(m.name, "salt", None, None, "salt"))
        else:
            salts.append(Component(m.name, "salt", m.qty[0], m.qty[1], "salt"))

    additives, solvents = [], []
    for m in mentions:
        if m.is_salt and id(m) not in additive:
            continue
        role = m.lookup.chemical.role
        if id(m) in additive:
            value, unit = m.qty
            if unit == "%":
                unit = "wt%"
                state.warnings.append(f"'{_number(value)}%' {m.name} has no basis (wt% or vol%); read as wt%")
            additives.append(Component(m.name, "additive", value, unit, role))
        elif m.coef is not None and role == "additive" and ratio_mode:
            additives.append(Component(m.name, "additive", m.coef / scale, "mol_ratio", role))
        elif (
            role == "additive"
            and m.share is None
            and m.coef is None
            and not m.at
            and m.after_plus
            and any(o is not m and not o.is_salt for o in mentions)
        ):
            # Only an additive introduced by "+" or "with" is one; named among the solvents
            # ("1 M LiPF6 in FEC/DMC") it is a solvent whose share is unknown.
            state.warnings.append(f"no amount stated for the additive {m.name}")
            additives.append(Component(m.name, "additive", None, None, role))
        else:
            solvents.append(m)
    if not ratio_mode and any(m.coef is not None for m in solvents):
        # "LiFSI-DME (1:1.2)" without a salt in the ratio is handled above; here a
        # coefficient stands next to a salt given in mol/L.
        odd = next(m for m in solvents if m.coef is not None)
        raise InvalidValue(
            f"'{odd.name}' has a mole-ratio coefficient but the salts are given as "
            "concentrations; expected a solvent ratio such as '(1:2 mol)'"
        )
    solvent_components = _solvent_components(state, solvents, ratio_mode, scale)
    return Formulation(
        text=state.text,
        salts=tuple(salts),
        solvents=tuple(solvent_components),
        additives=tuple(additives),
        warnings=tuple(dict.fromkeys(state.warnings)),
    )


def parse(text: str, vocabulary: Vocabulary | None = None) -> Formulation:
    """Read an electrolyte description such as '1 M LiPF6 in EC/DMC (1:1 v/v) + 2% VC'."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidValue("empty electrolyte description; expected e.g. '1 M LiPF6 in EC/DMC (1:1 v/v)'")
    vocab = vocabulary or default_vocabulary()
    normalised = normalise_name(text).replace("\u2236", ":")
    state = _State(text=normalised)
    for char in dict.fromkeys(c for c in text if c in LOOKALIKES):
        state.warnings.append(f"'{char}' (U+{ord(char):04X}) is not a Latin letter; read as '{LOOKALIKES[char]}'")
    _parse_tokens(state, _lex(normalised, vocab))
    return _resolve(state)


def try_parse(text: str, vocabulary: Vocabulary | None = None) -> tuple[Formulation | None, str | None]:
    """``(formulation, None)`` or ``(None, error message)``: for batches."""
    try:
        return parse(text, vocabulary), None
    except InvalidValue as error:
        return None, str(error)
