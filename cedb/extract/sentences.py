"""Split normalised text into sentences (spans in the normalised text).

Rules written for PDF-extracted papers:

* A sentence ends at ``.``, ``!`` or ``?`` (after closing brackets and quotes and
  after a glued citation: ``cm−2.98 However``, ``(Fig. 9c).107 At``), before a
  space and an upper-case letter or a digit.
* A glued citation after a digit only counts when the digit ends a unit exponent
  (``cm-2.98``, ``kg-1.9–12``) or an element symbol (``Li0.53,54``); otherwise
  ``1.5 Li`` would end a sentence at the decimal point. Not when the formula goes on
  with another element and its amount, as PDF conversion spaces formulas
  (``LiNi 0.8 Co0.15 Al 0.05 O2``, ``Li 5.5 PS4.5 Cl 1.5``: held-out batch 15).
* A stop glued to the next word, as abstract indexes print text with the spaces lost
  (``interfacial chemistry.Herein,``), ends a sentence when a lower-case letter or a
  closing bracket precedes it and a capitalised word of three or more letters follows.
* Abbreviations (``et al.``, ``Fig. 5``, ``e.g.``) never end a sentence.
* A paragraph mark ends a sentence only when the text before it ends like a
  sentence or a numbered heading, or the text after it is a figure or table
  caption: PDF page and column breaks fall in mid-sentence.
"""

import re

_CITATION = r"\d{1,3}(?:[–-]\d{1,3})?(?:,\d{1,3}(?:[–-]\d{1,3})?)*"
_END = re.compile(r"(?P<stop>[.!?])(?P<close>[\"”’)\]]*)(?P<cite>" + _CITATION + r")?(?=\s+[\"“(\[]?[A-Z0-9])")
_GLUED_END = re.compile(r"(?<=[a-z)\]%])\.(?=[A-Z][a-z]{2,}\b)")
_ABBREVIATIONS = {
    "al", "fig", "figs", "eq", "eqs", "eqn", "ref", "refs", "e.g", "i.e", "vs", "ca", "approx",
    "no", "vol", "wt", "cf", "resp", "etc", "ch", "sec", "tab", "dr", "prof", "mr", "ms",
}  # fmt: skip
# After "Co0.15": another element and its amount ("Al 0.05", "O2"), not a sentence opening
# with a short capitalised word ("At 0.5 mA cm-2", "In 2 M LiFSI").
_FORMULA_GOES_ON = re.compile(
    r"\s+(?:[A-Z][a-z]?\d|(?!(?:At|In|As|No|Be|He|So|By|On|Of|To|If|It|Is|An|Or)\b)[A-Z][a-z]?\s+\d)"
)
_ELEMENT_AMOUNT = re.compile(r"[A-Z][a-z]?\d+$")
_CAPTION = re.compile(r"(?:Fig(?:ure)?s?\.?|Table|Scheme)\s+\d")
_HEADING = re.compile(r"\s*\d+(?:\.\d+)*\.?\s+\S[^\n]{0,90}$")  # "3.2 Electrolyte engineering"


def split_sentences(text: str, *, hard_breaks: bool = False) -> list[tuple[int, int]]:
    """Spans ``(start, end)`` of the sentences of ``text``, whitespace and end citations trimmed.

    ``hard_breaks``: every paragraph mark ends a sentence (Markdown and HTML, whose
    paragraphs are real, unlike the blank lines of PDF-extracted text).
    """
    paragraphs = (m.start() for m in re.finditer(r"\n", text)) if hard_breaks else _paragraph_cuts(text)
    cuts = sorted(set(_stop_cuts(text)) | set(_glued_cuts(text)) | set(paragraphs))
    spans = []
    start = 0
    for cut in [*cuts, len(text)]:
        span = _trim(text, start, cut)
        if span:
            spans.append(span)
        start = cut
    return spans


def _stop_cuts(text: str):
    for match in _END.finditer(text):
        i = match.start("stop")
        before = text[max(0, i - 12) : i]
        word = re.search(r"([A-Za-z.]+)$", before)
        if match.group("stop") == "." and word and not match.group("cite"):
            if word.group(1).lower().rstrip(".") in _ABBREVIATIONS:
                continue
            if len(word.group(1)) == 1 and word.group(1).isupper() and not re.search(r"(?:\d\s*|°\s*)[A-Z]$", before):
                continue  # an initial: "J. Smith"; not a unit: "at 50 °C. A", "at 1 C. The"
        if match.group("cite") and not match.group("close"):
            prev = text[i - 1] if i else ""
            if prev.isdigit() and not re.search(r"(?:[-–^]|[A-Za-z])\d+$", text[max(0, i - 6) : i]):
                continue  # a decimal point: "ratio of 1.5 Li"
            if (
                prev.isdigit()
                and _FORMULA_GOES_ON.match(text, match.end())
                and _ELEMENT_AMOUNT.search(text, max(0, i - 6), i)
            ):
                continue  # "Co0.15 Al 0.05 O2": the amount of an element in a spaced formula
        yield match.end()


def _glued_cuts(text: str):
    for match in _GLUED_END.finditer(text):
        word = re.search(r"([A-Za-z.]+)$", text[max(0, match.start() - 12) : match.start()])
        if word and word.group(1).lower().rstrip(".") in _ABBREVIATIONS:
            continue  # "et al.Herein" stays; "Fig.Three" is not a sentence end either
        yield match.end()


def _paragraph_cuts(text: str):
    for match in re.finditer(r"\n", text):
        i = match.start()
        line_start = text.rfind("\n", 0, i) + 1
        before = text[line_start:i].rstrip()
        after = text[i + 1 : i + 40].lstrip()
        if _CAPTION.match(after):
            yield i
        elif re.search(r"[.!?:][\"”’)\]]*(?:" + _CITATION + r")?$", before[-20:]):
            yield i
        elif _HEADING.match(before):
            yield i


_TRAILING_CITATION = re.compile(r"(?<=[.!?\"”’)\]])\^?" + _CITATION + r"$")


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    citation = _TRAILING_CITATION.search(text, start, end)
    if citation and citation.start() > start:
        end = citation.start()  # "... 4 mAh cm-2.98": the sentence ends at the period
    return (start, end) if end > start else None
