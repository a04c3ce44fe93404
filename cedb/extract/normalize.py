"""Normalise plain, Markdown, HTML and PDF-extracted text, keeping an offset map.

After ``prepare`` the text has: ASCII minus in exponents (``cm^-2``), ``||`` for
cell separators, ASCII digits for subscripts (``LiFePO₄``), words re-joined across
PDF line-break hyphens, every line break turned into a space, and a single ``\\n``
where a blank line (a paragraph, a column or a page break) was.

Two artefacts of text conversion are repaired (issue #13): a thin or no-break space
that became ``?`` between a number and its unit (``0.5?mA?cm−2``, ``99.2?%``) is a space
again, a ``?`` between a unit and its power (``cm?2``) is the minus it replaced,
and a ``$`` in front of a percentage (``a CE of $99.3%``, where ``≈`` was lost) is
read as ``≈``. UTF-8 read as cp1252 (``cmâˆ’2``, ``3â€‰mA``, ``25 Â°C``) is mapped back
for the characters the rules read (held-out batch 13). PDF conversions that name a
missing glyph by its font code write the minus as ``/C0`` (``mA h g /C0 1``, ``cm /C0 2``);
in text carrying that code, the same converters' ``B`` before a number is the ``~`` it
replaced (``( B 10 mA g /C0 1 )``, ``retaining B 90%``; held-out batch 15). The sentence splitter decides which of those
``\\n`` end a sentence; PDF text has blank lines in mid-sentence.
"""

import html
import re

from cedb.errors import InvalidValue
from cedb.extract.mapped import MappedText

KINDS = ("text", "markdown", "html")

# Superscripts become "^" + ASCII so "cm⁻²" reads like "cm^-2" and "cm<sup>-2</sup>".
_CHARACTERS: dict[int, str] = {
    0x2212: "-",  # minus sign (PDF exponents: "cm−2")
    0x2010: "-",  # hyphen
    0x2011: "-",  # non-breaking hyphen
    0x2012: "-",  # figure dash, used as a minus by some typesetters
    0x207B: "^-",  # superscript minus
    0x207A: "^+",
    0x00B2: "2",
    0x00B3: "3",
    0x00B9: "1",
    0x2070: "0",
    **{0x2074 + i: str(4 + i) for i in range(6)},  # ⁴..⁹
    0x00A0: " ",  # no-break space
    0x2009: " ",  # thin space (typeset before units and "%")
    0x202F: " ",
    0x2002: " ",
    0x2003: " ",
    0x2007: " ",
    0x2008: " ",
    0x200A: " ",
    **{0x2080 + i: str(i) for i in range(10)},  # subscript digits: "LiFePO₄", "Li₀.₉₅"
    0x00B7: " ",  # middle dot: "mA·cm−2"
    0x22C5: " ",
    0x2016: "||",  # double vertical line: "Li‖Cu"
    0x2225: "||",  # parallel to
    0xFF5C: "|",
    0xFF05: "%",
    0xFF5E: "~",
    0xFB01: "fi",  # ligatures from PDF extraction
    0xFB02: "fl",
    0xFB00: "ff",
    0xFB03: "ffi",
    0xFB04: "ffl",
}
# Soft hyphen and zero-width characters carry nothing.
_INVISIBLE = "[\u00ad\u200b\u200c\u200d\ufeff]"

# "0.5?mA?cm−2", "3860?mAh?g−1", "2.0?M LiPF6": a space typeset as a thin space and
# lost in conversion. Only between a digit or a unit and a unit: a real question mark
# is followed by a space.
_LOST_SPACE = (
    # the "?" first, so the search skips ahead to each "?" instead of trying every position
    r"\?(?:(?<=[\dA-Za-z]\?)"
    r"(?=(?:[mμµu]?A\b|[mμµu]?Ah\b|mA\s?h\b|cm\b|g\b|M\b|V\b|mV\b|°C|wt|vol|h\b))"
    # "99.2?%", "200?cycles": a thin space before "%" or a count's noun
    r"|(?<=\d\?)(?=%|cycles\b|h\b|hours\b))"
)
# "cm?2", "g?1": the "?" of a lost superscript minus, between a unit and its power.
_LOST_MINUS = r"\?(?:(?<=\bcm\?)|(?<=\bkg\?)|(?<=\b[gmLh]\?))(?=[123]\b)"
# "mA cm − 2", "mAh cm - 2", "mA h g – 1": a power spaced off its unit (OpenAlex abstracts,
# held-out batch 16); glued, so "at 2 mA cm − 2 and 2 mAh cm − 2" reads no list "2 and 2".
# The minus first, so the search skips ahead to each minus instead of trying every position;
# "cm - 2" becomes "cm -2", which the unit patterns read.
_SPACED_POWER = r"[-–](?:(?<=cm[ \t][-–])|(?<=\bg[ \t][-–])|(?<=cm[-–])|(?<=\bg[-–]))[ \t]+(?=[123]\b)"
# "$99.3%": "≈" lost in conversion. Only before a percentage, so TeX "$3.58 \times" is left.
_LOST_APPROX = r"(?<![\w$])\$(?=\d+(?:\.\d+)?\s*%)"


# "mA h g /C0 1" -> "mA h g -1": the glyph code of a minus sign (position 0 of TeX's symbol
# font), glued to its power as the unit patterns read exponents.
_GLYPH_MINUS = r"(?<=\s)/C0(?:[ \t]*(?=\d)|(?=\s))"
# "( B 10 mA g /C0 1 )", "retaining B 90%": "~" lost to a "B", only before a number and after
# a space or an opening bracket (the boron of a formula is glued: "B12H12", "Li3BO3").
_GLYPH_APPROX = r"(?<=[\s(])B(?=\s+\d)(?!\s+\d+\s*(?:at\.?\s*%|atoms?))"


def _mojibake() -> dict[str, str]:
    """UTF-8 text read as cp1252 (held-out batch 13: "3\u2009mA\u2009cm\u22122" stored as
    "3â€‰mA â€‰cmâˆ’2"): the mis-decoded form of each character the normaliser reads, mapped
    back. Built from the characters, not typed by hand; ftfy would also fix it but cannot keep
    the offset map, and only these characters matter to the rules."""
    table = {}
    for code in [*_CHARACTERS, 0x2013, 0x2014, 0x00B0, 0x00B1, 0x03BC, 0x00B5, 0x2248, 0x223C, 0x2265, 0x2264]:
        char = chr(code)
        try:
            garbled = char.encode("utf-8").decode("cp1252")
        except UnicodeDecodeError:
            continue  # a byte cp1252 leaves undefined: such text cannot have been made this way
        if len(garbled) > 1:
            table[garbled] = char
            # Some pages then turn "â€", the start of every mis-decoded quote mark, into '"':
            # "3\"‰mA" is a thin space lost twice. Only where the rest is no character of its own.
            if garbled.startswith("â€") and code in (0x2009, 0x202F, 0x00A0, 0x200A):
                table['"' + garbled[2:]] = char
    return table


_MOJIBAKE = _mojibake()
_MOJIBAKE_RE = re.compile("|".join(re.escape(k) for k in sorted(_MOJIBAKE, key=len, reverse=True)))
_MOJIBAKE_LEAD = re.compile('[âÂÎ"]')

_BLOCK_TAGS = (
    "p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|thead|tbody|section|article|blockquote|"
    "title|header|footer|figcaption|figure|caption|dd|dt|dl|pre|hr"
)


# A double bar spaced apart between two electrodes: "Li | |Cu", "Li | | NCM811" (OpenAlex
# abstracts, held-out batch 17)
# (it opens with the bar, so that a long text without one is scanned fast)
_SPACED_DOUBLE_BAR = re.compile(r"\|[ \t]+\|(?=[ \t]*[A-Z(\[])")


def prepare(source: str, kind: str = "text") -> MappedText:
    """Normalise ``source`` read as ``kind`` ("text", "markdown" or "html")."""
    if kind not in KINDS:
        raise InvalidValue(f"cannot read text as {kind!r}: use one of {', '.join(KINDS)}")
    text = MappedText.identity(source)
    text = text.sub(r"\r\n?", "\n")
    if kind == "markdown":
        text = _strip_markdown(text)
    if kind in ("html", "markdown"):
        # Markdown may carry inline HTML such as <sup>-2</sup>.
        text = _strip_html(text)
    text = text.sub(_INVISIBLE, "")
    if _MOJIBAKE_LEAD.search(source):
        text = text.sub(_MOJIBAKE_RE, lambda m: _MOJIBAKE[m.group()])
    text = text.translate(_CHARACTERS)
    if "/C0" in source:
        text = text.sub(_GLYPH_MINUS, "-")
        text = text.sub(_GLYPH_APPROX, "~")
    text = text.sub(_LOST_SPACE, " ")
    text = text.sub(_LOST_MINUS, "-")
    text = text.sub(_SPACED_POWER, "-")
    text = text.sub(_LOST_APPROX, "≈")
    if kind != "markdown" and "|" in source:  # in Markdown "| |" is an empty table cell
        text = text.sub(_SPACED_DOUBLE_BAR, "||")
    return _join_lines(text)


def _strip_html(text: MappedText) -> MappedText:
    text = text.sub(r"<(script|style)\b.*?</\1\s*>", "", re.S | re.I)
    text = text.sub(r"<!--.*?-->", "", re.S)
    # "cm<sup>-2</sup>" -> "cm^-2"; a citation "<sup>12</sup>" -> "^12", which the
    # unit patterns skip, instead of gluing "12" onto the exponent.
    text = text.sub(r"<sup\b[^>]*>", "^", re.I)
    text = text.sub(r"</?(?:" + _BLOCK_TAGS + r")\b[^>]*>", "\n\n", re.I)
    text = text.sub(r"<[^>]+>", "")
    return text.sub(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);", lambda m: html.unescape(m.group()))


# Words a sentence cannot end with: a blank line after one is a page break.
_OPEN_WORD_END = "|".join(
    rf"(?<=\b{word})" for word in ("a", "an", "the", "of", "to", "with", "and", "or", "in", "at", "for", "by", "from")
)


def _strip_markdown(text: MappedText) -> MappedText:
    # A heading or a list item is a block of its own: give it a blank line before and after.
    text = text.sub(r"\n(?=[ \t]*(?:[-*+]|\d+[.)])[ \t]+\S)", "\n\n")
    text = text.sub(r"(?m)^([ \t]{0,3}#{1,6}[ \t]+[^\n]*)\n(?=[^\n])", lambda m: m.group(1) + "\n\n")
    text = text.sub(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+", "")  # heading marks
    # A page break in mid-sentence ("delivered a capacity of\n\n171 mAh g-1 and a CE of ~82%",
    # "was based on\n\nits high energy"): the blank line follows a word or a comma and
    # precedes a lower-case word or a number that starts no list item, so it is no paragraph
    # (held-out batch 14).
    # after an article or a preposition ("showed a\n\nCE of 97.5%") whatever follows.
    text = text.sub(
        r"(?:(?<=[a-z,])(?=[ \t]*\n(?:[ \t]*\n)+[ \t]*(?:[a-z]|\d+(?![\d.)]*[.)](?:\s|$))))|"
        + _OPEN_WORD_END
        + r")[ \t]*\n(?:[ \t]*\n)+[ \t]*(?=\S)",
        " ",
    )
    text = text.sub(r"(?m)^[ \t]*(?:[-*+]|\d+[.)])[ \t]+", "")  # list marks
    # "[text](url)" -> "text"
    text = text.sub(r"\[(?=[^\]\n]*\]\()", "")
    text = text.sub(r"\]\([^)\s]*\)", "")
    return text.sub(r"\*\*|__|`|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])", "")


def _join_lines(text: MappedText) -> MappedText:
    # "depo-\nsition" -> "deposition": a line-break hyphen between lower-case letters
    # is typesetting. Before anything else (an upper case letter, a digit) the
    # hyphen is kept, since "Li-\nCu" and "LiNi0.8-\n..." are real compounds.
    text = text.sub(r"(?<=[a-z])-[ \t]*\n\s*(?=[a-z])", "")
    text = text.sub(r"-[ \t]*\n\s*(?=\S)", "-")
    # Blank line(s) -> a paragraph mark, single line breaks -> spaces. U+2029 holds
    # the mark while single "\n" are replaced.
    text = text.sub(r"[ \t]*\n(?:[ \t]*\n)+[ \t]*", "\u2029")
    text = text.sub(r"[ \t]*\n[ \t]*", " ")
    text = text.sub("\u2029", "\n")
    return text.sub(r"[ \t]{2,}|\t", " ")
