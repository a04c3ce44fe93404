"""Stored text made safe for where it is shown: a terminal, a spreadsheet cell.

Text in the database is kept as it was given; only its display changes. A control
character (ESC starting a terminal escape sequence, BEL, a carriage return that
overwrites the line, a C1 control, a bidirectional override) is shown as a visible
escape such as ``\\x1b``, so stored text can neither drive the terminal nor make
openpyxl refuse a cell (``IllegalCharacterError``).
"""

import re

# C0 controls except tab and line feed, DEL, C1 controls, and the bidi embedding/override/
# isolate characters that can make displayed text read differently from what is stored.
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What Excel's XML cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE): C0 controls but tab, LF, CR.
_XLSX_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _escape(match: re.Match) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN`` escapes (tab and line feed kept)."""
    return _TERMINAL_UNSAFE.sub(_escape, text)


def xlsx(value):
    """A cell value openpyxl accepts: text with illegal control characters escaped; others as they are."""
    if isinstance(value, str):
        return _XLSX_UNSAFE.sub(_escape, value)
    return value
