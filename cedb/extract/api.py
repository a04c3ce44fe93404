"""Find the CE results a text states: ``extract_text`` and ``extract_file``.

Offsets ``start``/``end`` of a candidate index the text *as read*: the string
given to ``extract_text``; for a file, the decoded file (for HTML the raw markup,
tags included, so ``source[start:end]`` is the HTML of the sentence); for a
PDF, the text pypdf extracts, pages joined by a blank line (``read_source``
returns that string). ``sentence`` is the normalised sentence: one line,
hyphenation joined, exponents as ``cm-2``, tags removed.

``complete`` is true when CE, current density and areal capacity are all stated;
the cycle count is optional because many papers report a CE at given conditions
without one. A candidate without conditions is still returned (complete=false,
conditions null) with at most 0.5 confidence.

Qualifiers: "average" (average, mean, CE_avg), "up to" (up to, as high as),
">" (exceeding, over, more than, above, >, ≥), "<", "about" (about,
approximately, ~), "range" ("97–99%", "97-99 %", "between 97 and 99%":
``ce_percent`` the low end, ``ce_high_percent`` the high end; a draft records the
high end, see ``cedb.extract.drafts``). "Average CE of up to 99.5%" gives
"average, up to".
"""

import re
from dataclasses import asdict, dataclass
from pathlib import Path

from cedb.errors import InvalidValue, NotFound

SUFFIX_KINDS = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
                ".html": "html", ".htm": "html", ".pdf": "pdf"}  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    """One proposed CE result, with where it was found and how sure the extractor is."""

    ce_percent: float
    ce_high_percent: float | None  # the high end of a range, else None
    qualifier: str | None
    current_density_mA_cm2: float | None
    areal_capacity_mAh_cm2: float | None
    cycles: int | None
    cell: str | None  # li-cu, li-li, full, anode-free
    method_hint: str | None  # aurbach, reservoir, zhang, chiang, conventional
    complete: bool
    confidence: float  # 0-1
    reason: str
    sentence: str
    start: int
    end: int
    # The electrolyte and host the sentence names, else the ones its paragraph named last
    # (the text's own words; None when it names none).
    electrolyte: str | None = None
    host: str | None = None
    # The sentence as the source writes it (Unicode minus, thin spaces and all; line breaks
    # as spaces, HTML tags removed and entities decoded): what a curation quote must be.
    quote: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def extract_text(text: str, *, kind: str = "text") -> list[Candidate]:
    """Candidates of ``text`` read as ``kind`` ("text", "markdown" or "html"), in text order."""
    from cedb.extract.materials import electrolyte_text, host_text
    from cedb.extract.normalize import prepare
    from cedb.extract.rules import (
        COMPARATOR,
        carries_ce,
        chemistry,
        cited_works,
        measurement_cell,
        own_cells,
        sentence_results,
        tested_cell,
    )
    from cedb.extract.sentences import split_sentences

    mapped = prepare(text, kind)
    candidates = []
    spans = list(_bounded(mapped.text, split_sentences(mapped.text, hard_breaks=kind in ("markdown", "html"))))
    named: dict[int, str | None] = {}  # the chemistry each sentence names, worked out when needed

    def context(index: int, first: int) -> str | None:
        """The chemistry the paragraph named last before sentence ``index``."""
        for i in range(index - 1, max(first, index - CONTEXT_SENTENCES) - 1, -1):
            if i not in named:
                named[i] = chemistry(mapped.text[spans[i][0] : spans[i][1]])
            if named[i]:
                return named[i]
        return None

    found: dict[tuple, str | None] = {}

    def named_last(find, index: int, first: int) -> str | None:
        """What ``find`` finds in sentence ``index``, else in the paragraph's last earlier one
        (at most ``CONTEXT_SENTENCES`` back, so a long paragraph stays linear)."""
        for i in range(index, max(first, index - CONTEXT_SENTENCES) - 1, -1):
            if (find, i) not in found:
                found[find, i] = find(mapped.text[spans[i][0] : spans[i][1]])
            if found[find, i]:
                return found[find, i]
        return None

    def materials(r, results, flat: str, index: int, first: int):
        """The electrolyte and host of result ``r`` of sentence ``index``.

        A comparator's are named in its own part of the sentence ("..., much higher than
        bare Cu (92.1%)"); the others' before any comparison, else earlier in the paragraph.
        """
        comparisons = [m.start() for m in COMPARATOR.finditer(flat)]
        own = [c for c in comparisons if c < r.value_start and any(o.value_end <= c for o in results)]
        if own:
            part = flat[own[-1] :]
            return electrolyte_text(part), host_text(part)
        later = [c for c in comparisons if c >= r.value_end]
        part = flat[: later[0]] if later else flat
        values = [o.value_start for o in results if o.value_start < len(part)]
        return (
            electrolyte_text(part, r.value_start, values) or named_last(electrolyte_text, index - 1, first),
            host_text(part) or named_last(host_text, index - 1, first),
        )

    def paragraph_of(i: int) -> int:
        return mapped.text.rfind("\n", 0, spans[i][0]) + 1

    def cell_of_paragraph(index: int) -> str | None:
        """The cell a nearby sentence of the paragraph says the CE was measured in."""
        near = [index + d for d in (1, -1, 2, -2, 3, -3) if 0 <= index + d < len(spans)]
        for i in near:
            if paragraph_of(i) == paragraph_of(index):
                if ("cell", i) not in found:
                    found["cell", i] = measurement_cell(mapped.text[spans[i][0] : spans[i][1]].replace("\n", " "))
                if found["cell", i]:
                    return found["cell", i]
        sentence = mapped.text[spans[index][0] : spans[index][1]].replace("\n", " ")
        if own_cells(sentence):
            return None  # the sentence names cells, none of them the CE's
        # the cell of the test a sentence shortly before reports, when the CE's names none
        # (of the same work: "Xu et al. ..." is not "Chen et al."'s Li|Cu cell)
        works = cited_works(sentence)
        for i in range(index - 1, max(index - CELL_SENTENCES, -1), -1):
            earlier = mapped.text[spans[i][0] : spans[i][1]].replace("\n", " ")
            if paragraph_of(i) != paragraph_of(index) or cited_works(earlier) - works or works - cited_works(earlier):
                break
            # "... the average CE reaches 99.9% [in the full cells before]. ... with a CE of 99.8%": a
            # sentence whose CEs were measured in one kind of cell reports a test in it (batch 15)
            if len(reported.get(i, ())) == 1 and None not in reported[i]:
                return next(iter(reported[i]))
            if index - i >= CELL_SENTENCES - 1 and not _electrodes_named(sentence, earlier):
                # three sentences back only a sentence whose CEs were measured in one kind of cell
                # reports the test (held-out batch 19: "The CE of the Li–Cu cell ... decreases to
                # below 20%. [two sentences] The CE ... reaching 18.9%"), or one naming the CE's
                # cells by their electrodes (batch 20: "bare Li || LCO and X–Li || LCO cells ...
                # [two sentences] the X–Li cell ... than the bare Li cell (98.58%)")
                continue
            if ("tested", i) not in found:
                found["tested", i] = tested_cell(earlier)
            if found["tested", i] is not None:
                return found["tested", i] or None
        return None

    reported: dict[int, set[str | None]] = {}  # the cells of each sentence's results
    paragraph_start, first = -1, 0
    previous: tuple[int, set[str | None]] = (-2, set())  # the last sentence with results, its cells
    for index, (a, b) in enumerate(spans):
        paragraph = mapped.text.rfind("\n", 0, a) + 1
        if paragraph != paragraph_start:
            # a new paragraph forgets the chemistry, electrolyte and host
            paragraph_start, first = paragraph, index
        sentence = mapped.text[a:b]
        if "%" not in sentence and not _FRACTION_HINT.search(sentence):
            continue  # no CE value can be stated
        carried = previous[0] == index - 1 and index > first
        results, _ = sentence_results(
            sentence.replace("\n", " "), lambda i=index, f=first: context(i, f), carried=carried
        )
        if not results:
            continue
        cell_before = previous[1] if carried and carries_ce(sentence.replace("\n", " ")) else None
        previous = (index, {r.cell for r in results})
        start, end = mapped.source_span(a, b)
        flat = sentence.replace("\n", " ")
        reported[index] = set()
        for r in results:
            electrolyte, host = materials(r, results, flat, index, first)
            reason = r.reason
            cell = r.cell
            if cell is None:
                # a contrast carrying the CE word of the sentence before is in its one cell
                cell = (
                    next(iter(cell_before)) if cell_before and len(cell_before) == 1 else None
                ) or cell_of_paragraph(index)
                if cell is not None:  # where labellers disagree most (REPORT.md): the curator checks it
                    reason += "; cell from another sentence of the paragraph"
            candidates.append(
                Candidate(
                    ce_percent=r.ce_percent,
                    ce_high_percent=r.ce_high_percent,
                    qualifier=r.qualifier,
                    current_density_mA_cm2=r.current_density_mA_cm2,
                    areal_capacity_mAh_cm2=r.areal_capacity_mAh_cm2,
                    cycles=r.cycles,
                    cell=cell,
                    method_hint=r.method_hint,
                    complete=r.current_density_mA_cm2 is not None and r.areal_capacity_mAh_cm2 is not None,
                    confidence=r.confidence,
                    reason=reason,
                    sentence=sentence.replace("\n", " "),
                    start=start,
                    end=end,
                    electrolyte=electrolyte,
                    host=host,
                    quote=_quote(text[start:end], kind),
                )
            )
            reported[index].add(candidates[-1].cell)
    return candidates


_CELL_NAME = re.compile(r"(\S+)\s+cells?\b")


def _electrodes_named(sentence: str, earlier: str) -> bool:
    """Every cell ``sentence`` names ("the X–Li cell") is named by an electrode of a cell
    ``earlier`` names ("X–Li || LCO cells")."""
    names = [m.group(1) for m in _CELL_NAME.finditer(sentence)]
    return bool(names) and all(
        re.search(r"(?<!\S)" + re.escape(name) + r"\s*(?:\|\|?|//?)\s*\S", earlier) for name in names
    )


# A CE without a cell looks for the cell of the test reported in the CELL_SENTENCES - 1 sentences
# before it (the third back only under the conditions of ``cell_of_paragraph``).
CELL_SENTENCES = 4
# How far back in a paragraph the chemistry, electrolyte and host are looked for.
CONTEXT_SENTENCES = 30
# A CE written as a fraction ("a CE of 0.995") has no percent sign.
_FRACTION_HINT = re.compile(r"\b(?:CE|[Ee]fficienc)")

# Real sentences are short; a longer "sentence" (a table, a text without stops) is read
# in windows so that the work per sentence is bounded and extraction stays linear in
# the size of the text (issue #19).
MAX_SENTENCE = 2000


def _quote(source: str, kind: str) -> str:
    """The source characters of a sentence as a one-line quote."""
    if kind == "html":
        import html

        source = html.unescape(re.sub(r"<[^>]*>", "", source))
    return re.sub(r"[ \t]*(?:\r\n|\r|\n)+[ \t]*", " ", source).strip()


def _bounded(text: str, spans: list[tuple[int, int]]):
    for a, b in spans:
        while b - a > MAX_SENTENCE:
            cut = text.rfind(" ", a + MAX_SENTENCE // 2, a + MAX_SENTENCE)
            cut = cut if cut > a else a + MAX_SENTENCE
            yield a, cut
            a = cut
        yield a, b


def read_source(path: str | Path) -> tuple[str, str]:
    """The text of a file as the extractor reads it, and its kind ("text", "markdown", "html").

    A PDF becomes the text of its pages (pypdf), joined by a blank line, read as "text".
    """
    path = Path(path)
    kind = SUFFIX_KINDS.get(path.suffix.lower())
    if kind is None:
        raise InvalidValue(f"cannot read {path.name}: use a .txt, .md, .html, .htm or .pdf file")
    if not path.is_file():
        raise NotFound(f"no file {path}: check the path")
    if kind == "pdf":
        return _pdf_text(path), "text"
    from cedb.limits import looks_binary

    data = path.read_bytes()
    if looks_binary(data[:4096]):
        raise InvalidValue(
            f"{path.name} is binary data, not text: give the paper's text as UTF-8 (.txt, .md, .html) or its PDF"
        )
    return data.decode("utf-8", errors="replace"), kind


def read_bounded(path: str | Path, *, max_input_mb: float | None = None) -> tuple[str, str]:
    """``read_source`` within the input size limit ``max_input_mb`` (``cedb.limits``, README
    "Limits"): a file too large is refused before it is read (a PDF may be ``PDF_SIZE_FACTOR``
    times the limit), a text too long (a PDF's extracted text too) as soon as it is read."""
    from cedb import limits

    path = Path(path)
    if path.is_file():  # a missing file or wrong suffix is read_source's to report
        factor = limits.PDF_SIZE_FACTOR if str(path).lower().endswith(".pdf") else 1
        limits.check_file(path, factor=factor, max_input_mb=max_input_mb)
    text, kind = read_source(path)
    return limits.check_text(text, f"the text of {path.name}", max_input_mb=max_input_mb), kind


def extract_file(path: str | Path) -> list[Candidate]:
    """Candidates of a .txt, .md, .html/.htm or .pdf file; offsets index ``read_source(path)[0]``.

    Raises NotFound for a missing file and InvalidValue for another suffix or a bad PDF.
    """
    text, kind = read_source(path)
    return extract_text(text, kind=kind)


def _pdf_text(path: Path) -> str:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs what it repairs ("EOF marker not found") to stderr: the one line cedb prints is
    # the error, or nothing when the text could be read
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)
    try:
        reader = PdfReader(path)
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, OSError, ValueError) as exc:
        raise InvalidValue(f"cannot read the PDF {path.name} ({exc}): is it a valid, unencrypted PDF?") from exc
    finally:
        pypdf_log.setLevel(level)
    return "\n\n".join(pages)
