"""Quantities with units (pint) -> the canonical units cedb stores.

``"20 A/m^2"`` is 2 mA cm⁻²; ``"500 uA cm-2"`` is 0.5; a bare number is taken in
the canonical unit. Written forms of papers are accepted: ``cm-2``, ``cm2``,
``cm⁻²``, ``mA h``, ``mAh/cm2``.
"""

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from cedb.errors import InvalidValue


@dataclass(frozen=True)
class Quantity:
    """One kind of quantity cedb stores: its canonical unit and how to name it."""

    name: str
    unit: str  # pint spelling of the canonical unit
    label: str  # how people write it
    # Common spellings of the canonical unit itself (factor 1), read without loading pint:
    # the registry costs a third of a 10k-row import. tests/test_units.py checks each with pint.
    spellings: frozenset[str] = frozenset()


CURRENT_DENSITY = Quantity(
    "current density",
    "mA/cm^2",
    "mA cm⁻²",
    frozenset({"mA/cm^2", "mA/cm2", "mA cm-2", "mA cm^-2", "mA cm⁻²", "mA/cm²"}),
)
AREAL_CAPACITY = Quantity(
    "areal capacity",
    "mA*h/cm^2",
    "mAh cm⁻²",
    frozenset({"mAh/cm^2", "mAh/cm2", "mAh cm-2", "mAh cm^-2", "mAh cm⁻²", "mAh/cm²"}),
)
CAPACITY = Quantity("capacity", "mA*h", "mAh")
CURRENT = Quantity("current", "mA", "mA")
TIME = Quantity("time", "h", "h")
TEMPERATURE = Quantity("temperature", "degC", "°C")
EC_RATIO = Quantity("E/C ratio", "g/(A*h)", "g Ah⁻¹")

_SUPERSCRIPTS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


@lru_cache(maxsize=1)
def registry():
    import pint

    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    return ureg


def normalise_unit_text(text: str) -> str:
    """A unit as written in papers and cycler headers (cm-2, mAh, µA, °C) in pint's syntax."""
    text = text.translate(_SUPERSCRIPTS).replace("−", "-").replace("–", "-").replace("µ", "u")
    text = text.replace("μ", "u").replace("·", "*").replace("×", "*")
    text = re.sub(r"\bmA\s*h\b", "mAh", text)
    text = re.sub(r"\buA\s*h\b", "uAh", text)
    # Parenthesised so that "g/mAh" is g/(mA*h), not (g/mA)*h.
    text = re.sub(r"\b(m|u|)Ah\b", r"(\1A*h)", text)
    # "cm-2", "cm2", "m-2", "(A*h)-1" -> explicit powers; "cm^-2" stays.
    text = re.sub(r"\b(cm|mm|m)\s*(-?\d)\b", r"\1^\2", text)
    text = re.sub(r"\)\s*(-\d)\b", r")^\1", text)
    # "mA cm^-2" with a space is a product in pint already; "mA/cm^2" too.
    text = re.sub(r"\bdeg\s*C\b|°C|℃", "degC", text)
    return text.strip()


def in_canonical_spelling(value: object, quantity: Quantity) -> float | None:
    """The number of "<number> <canonical spelling>" when pint would give exactly it, else None.

    The fast path of ``to_canonical`` for a spreadsheet mapping's ``units:``, which turns
    every bare number into such a text. Anything unusual (a comma, a sign, zero, more than
    12 digits, another unit) returns None: ask ``to_canonical``.
    """
    if value.__class__ is not str or not quantity.spellings:
        return None
    text, _, unit = value.strip().partition(" ")
    if unit.strip() not in quantity.spellings or not text[:1].isdigit() or "," in text or "_" in text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    if not (0 < number < math.inf) or float(f"{number:.12g}") != number:
        return None
    return number


@lru_cache(maxsize=64)
def factor(unit: str, quantity: Quantity) -> float:
    """How many of ``quantity``'s canonical units one ``unit`` is: ``"µA cm-2"`` -> 0.001.

    A canonical spelling (``quantity.spellings``: "mA cm^-2", "mAh cm^-2") is 1 without
    loading pint's registry (1-2 s), so text in the usual units never pays for it.
    """
    if in_canonical_spelling(f"1 {unit}", quantity) == 1.0:
        return 1.0
    return to_canonical(f"1 {unit}", quantity)


def to_canonical(value: object, quantity: Quantity) -> float:
    """``value`` (number or text with a unit) in ``quantity``'s canonical unit.

    InvalidValue names the quantity, the value and the unit expected.
    """
    if isinstance(value, bool):
        raise InvalidValue(f"{quantity.name} {value!r} is not a number")
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an int over 1e308 (a YAML or JSON integer)
            raise InvalidValue(f"{quantity.name} {shown(value)} is not a finite number") from None
    else:
        text = str(value).strip()
        if len(text) > MAX_QUANTITY_CHARS:
            raise InvalidValue(
                f"{quantity.name} {shown(text)} is too long: give a number with a unit "
                f"in at most {MAX_QUANTITY_CHARS} characters"
            )
        if not text:
            raise InvalidValue(f"{quantity.name} is empty: give a number in {quantity.label}")
        if "," in text:
            # "3,5" is 3.5 in half the world and 35 in the other: refuse rather than guess.
            raise InvalidValue(
                f"{quantity.name} {text!r} has a comma: write decimals with '.' and no thousands separator"
            )
        try:
            number = float(text)
        except ValueError:
            number = _convert_text(text, quantity)
    if not math.isfinite(number):
        raise InvalidValue(f"{quantity.name} {shown(value)} is not a finite number")
    return number


# A quantity is a number, an optional decimal exponent and a unit: nothing pint would
# evaluate. Units are names ("mA", "cm", "degC") with at most one small integer power each
# ("cm^-2", "cm**2", "cm-2", "cm2", "cm⁻²"), joined by spaces, "*", "/", "·" and brackets.
# A bare number inside the unit ("mA/cm2 * 2") and towers ("cm^2^3", "2**99**9") do not
# match, so "9**9**9 mA/cm2" is refused at once instead of hanging the process.
MAX_QUANTITY_CHARS = 80
_NUMBER = r"[-+−]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+−]?\d{1,3})?"
_POWER = r"(?:\s*(?:\^|\*\*)\s*\(?\s*[-+−–]?\d{1,2}\s*\)?|[-−–]?\d{1,2}|[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2})"
_UNIT_NAME = r"[A-Za-z°µμΩ℃%]+"
_QUANTITY = re.compile(rf"\s*{_NUMBER}\s*(?:(?:{_UNIT_NAME}|\)){_POWER}?(?![⁻⁰¹²³⁴⁵⁶⁷⁸⁹\d])|[\s/*·×(])*")


def is_plain_quantity(text: str) -> bool:
    """True if ``text`` is a number, an optional exponent and a unit, short enough to parse."""
    return len(text) <= MAX_QUANTITY_CHARS and _QUANTITY.fullmatch(text) is not None


def _convert_text(text: str, quantity: Quantity) -> float:
    import pint

    ureg = registry()
    unreadable = InvalidValue(
        f"cannot read {quantity.name} {text[:MAX_QUANTITY_CHARS]!r}: give a number with a unit "
        f"such as '2 {quantity.label}' (no arithmetic, at most {MAX_QUANTITY_CHARS} characters)"
    )
    if not re.match(r"[-+−]?(\d|\.\d)", text):  # a bare unit ("mA/cm2") would silently mean 1
        raise unreadable
    # pint evaluates arithmetic ("9**9**9 mA/cm2" would hang the process): only a plain
    # quantity reaches it.
    if not is_plain_quantity(text):
        raise unreadable
    try:
        parsed = ureg.Quantity(normalise_unit_text(text))
    except Exception:  # pint's parser raises many kinds (TokenError, ZeroDivisionError, ...) on bad text
        raise unreadable from None
    if not isinstance(parsed, ureg.Quantity):
        return float(parsed)
    if parsed.units == ureg.dimensionless:  # a plain number; "2 %" or "2 ppm" is a wrong unit below
        return float(parsed.magnitude)
    try:
        # 12 significant digits: unit factors like 1e-4 leave float noise (1.9999999999999998).
        return float(f"{parsed.to(quantity.unit).magnitude:.12g}")
    except pint.errors.DimensionalityError:
        raise InvalidValue(
            f"{quantity.name} {text!r} has the wrong unit: expected {quantity.label} or an equivalent unit"
        ) from None


def shown(value: object, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters, for messages (also for a 10,000-digit int)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**limit:
        return f"a {'negative ' if value < 0 else ''}number of more than {limit} digits"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def positive(value: object, quantity: Quantity) -> float:
    """Canonical value that must be > 0."""
    number = to_canonical(value, quantity)
    if number <= 0:
        raise InvalidValue(f"{quantity.name} must be positive, got {shown(value)}")
    return number


def ce_percent(value: object) -> float:
    """A CE in percent: in (1, 100]. ``0.995`` is refused as probably a fraction."""
    if isinstance(value, bool):
        raise InvalidValue(f"CE {value!r} is not a number")
    text = str(value).strip().rstrip("%").strip() if not isinstance(value, (int, float)) else value
    try:
        number = float(text)
    except (TypeError, ValueError, OverflowError):
        raise InvalidValue(f"CE {shown(value)} is not a number: give a percentage such as 99.6") from None
    if not math.isfinite(number):
        raise InvalidValue(f"CE {shown(value)} is not a finite number")
    if number > 100:
        raise InvalidValue(f"CE {number:g} % is above 100 %: a coulombic efficiency cannot exceed 100")
    if number <= 0:
        raise InvalidValue(f"CE {number:g} % must be positive")
    if number <= 1:
        raise InvalidValue(f"CE {number:g} looks like a fraction: give it in percent ({number * 100:g} for {number:g})")
    return number


MAX_CYCLES = 1_000_000


def cycles(value: object) -> int:
    """A cycle count: a whole number >= 1."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_CYCLES:
        raise InvalidValue(f"cycles {shown(value)} is implausibly large: at most {MAX_CYCLES:,}")
    text = str(value).strip()
    if not isinstance(value, (int, float)) and re.fullmatch(r"\d{1,3}(,\d{3})+", text):
        text = text.replace(",", "")  # thousands separators only: "1,000" (but not "1,5")
    try:
        number = float(text) if not isinstance(value, (int, float)) else value
    except ValueError:
        raise InvalidValue(f"cycles {shown(value)} is not a whole number") from None
    if isinstance(value, bool) or not math.isfinite(number) or number != int(number):
        raise InvalidValue(f"cycles {shown(value)} is not a whole number")
    if number < 1:
        raise InvalidValue(f"cycles must be at least 1, got {shown(value)}")
    if number > MAX_CYCLES:  # the database stores a 32-bit integer
        raise InvalidValue(f"cycles {shown(value)} is implausibly large: at most {MAX_CYCLES:,}")
    return int(number)
