"""The precision a number was reported with: 99.0 stays 99.0, 99.50 stays 99.50 (pure).

A CE of "99.0 %" states one decimal; stored as a float it would print as "99".
Every entry point (``result add``, curation files, imports) derives the count of
decimals here, from the text of the number as given, and every output formats
the stored float with it (``format_reported``).
"""

import math
import re

MAX_DECIMALS = 10  # also the CHECK of measurement.ce_decimals
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.(\d*))?|\.(\d+))")


class ReportedNumber(float):
    """A float that keeps the text it was read from (a curation file's ``99.50``)."""

    text: str

    def __new__(cls, text: str) -> "ReportedNumber":
        number = super().__new__(cls, text)
        number.text = text
        return number

    def __reduce__(self):
        return ReportedNumber, (self.text,)


def decimals(value: object) -> int | None:
    """Decimals of ``value`` as given: '99.50' -> 2, '99.0 %' -> 1, 99 -> 0; None when unknown.

    A text (or a ``ReportedNumber``) says how many decimals it has. A bare float does
    not (99.5 may have been 99.50), so it gives None, and so does an exponent form.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, ReportedNumber):
        value = value.text
    elif isinstance(value, int):
        return 0
    if not isinstance(value, str):
        return None
    text = value.strip().rstrip("%").strip()
    match = _PLAIN.fullmatch(text)
    if match is None:
        return None
    digits = match.group(1) if match.group(1) is not None else match.group(2)
    count = len(digits or "")
    return count if count <= MAX_DECIMALS else None


def format_reported(value: float | None, places: int | None) -> str:
    """``value`` with the decimals it was reported with; as short as possible when unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if places is None or (isinstance(places, float) and math.isnan(places)):
        return f"{value:g}"
    return f"{value:.{int(places)}f}"


def derive(measurement: dict, given: object) -> None:
    """Set ``measurement['ce_decimals']`` from the CE ``given``, unless it is set already."""
    if measurement.get("ce_decimals") is None and "ce_percent" in measurement:
        places = decimals(given)
        if places is not None:
            measurement["ce_decimals"] = places


def cell_text(value: object) -> str:
    """A stored value as every table cell prints it (CSV, Markdown, the terminal, the web view):
    empty when missing, yes/no for flags, six significant digits for floats (99.6, 1e-05)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
