"""Review tables like the review's Table 2: query rows -> grouped table -> CSV/MD/LaTeX/XLSX/etc.

A table is either built in memory from rows (``build_table``, pure) or streamed from the
database (``export_table``: rows from the cursor in table order, memory flat at any size);
both are written by one writer per format, which reads the rows once, in order:

- columns are chosen and ordered by key (``COLUMNS``; the default follows the review);
- every row cites a reference by number; a paper known only through a review is cited
  as "ref. 103 in [review]" and the .bib holds the review, not an empty placeholder;
- a CE prints with the decimals it was reported with (99.0 stays 99.0, cedb.precision);
- footnotes list only the markers the table uses (# full-cell derived, > exceeding, ...);
- curation notes such as "(Fig. 8b caption)" never reach a cell.

Every writer is safe for its medium: CSV and XLSX cells cannot start a formula,
LaTeX special characters are escaped (chemical formulas get proper subscripts,
units a real minus in math mode), HTML is escaped.
"""

import functools
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cedb.errors import InvalidValue
from cedb.precision import format_reported
from cedb.safetext import xlsx
from cedb.terms import Category, choices


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    latex: str  # the LaTeX header (units in math mode: a real minus)
    numeric: bool = False


_CM2 = r"cm$^{-2}$"
COLUMNS: dict[str, Column] = {
    c.key: c
    for c in (
        Column("strategy", "Strategy", "Strategy"),
        Column("materials", "Host / electrolyte / additive", "Host / electrolyte / additive"),
        Column("host", "Host", "Host"),
        Column("electrolyte", "Electrolyte", "Electrolyte"),
        Column("additive", "Additive", "Additive"),
        Column("cell", "Cell", "Cell"),
        Column("method", "CE method", "CE method"),
        Column("current", "Current density (mA cm⁻²)", r"Current\\density\\(mA\," + _CM2 + ")", True),
        Column("capacity", "Capacity (mAh cm⁻²)", r"Capacity\\(mAh\," + _CM2 + ")", True),
        Column("cycles", "Cycles", "Cycles", True),
        Column("ce", "CE (%)", r"CE (\%)", True),
        Column("statistic", "Statistic", "Statistic"),
        Column("ref", "Ref.", "Ref.", True),
    )
}
# The review's Table 2 layout: strategy, materials, conditions, CE, reference.
DEFAULT_COLUMNS = ("strategy", "materials", "current", "capacity", "cycles", "ce", "ref")
# Query row keys each column needs.
_NEEDS = {
    "strategy": ("label",),
    "materials": ("host", "electrolyte", "additive"),
    "current": ("current_density_mA_cm2",),
    "capacity": ("areal_capacity_mAh_cm2",),
    "ce": ("ce_percent", "ce_decimals", "full_cell_derived", "statistic"),
}
ROW_KEYS_NEEDED = ("id", "paper", "year", "category", "source")
# Every row key a table reads (rows given to build_table are completed with None).
_ROW_KEYS = (
    *ROW_KEYS_NEEDED,
    "label",
    "host",
    "electrolyte",
    "additive",
    "cell",
    "method",
    "statistic",
    "current_density_mA_cm2",
    "areal_capacity_mAh_cm2",
    "cycles",
    "ce_percent",
    "ce_decimals",
    "full_cell_derived",
)

CATEGORY_ORDER = (*choices(Category), None)
CATEGORY_TITLES = {
    "composite-anode": "Composite Li anodes",
    "electrolyte": "Electrolyte engineering",
    "interface": "Interface engineering",
    "other": "Other strategies",
    None: "Strategy not recorded",
}

# CE markers, in the order footnotes list them: mark, where it goes, footnote text.
FULL_CELL_MARK = "#"
STATISTIC_MARKS = {
    "exceeding": (">", "prefix", "CE reported as exceeding the value"),
    "maximum": ("*", "suffix", "maximum CE reported"),
    "stabilised": ("†", "suffix", "stabilised CE"),
}
_NOTE_ORDER = (FULL_CELL_MARK, ">", "*", "†")
_NOTE_TEXT = {FULL_CELL_MARK: "CE derived from full-cell data"} | {
    mark: text for mark, _, text in STATISTIC_MARKS.values()
}

# A curation note in a reported text: "(Fig. 8b caption)", "(Table 2)", "(see SI)".
_CURATION_NOTE = re.compile(
    r"\s*\((?:see\s+)?(?:Figs?\.|Figure|Table|Section|Scheme|SI\b|ESI\b|Supporting|caption|refs?\.)"
    r"[^()]*\)|\s*\([^()]*\bcaption\)",
    re.IGNORECASE,
)


def parse_columns(text: str | None) -> tuple[str, ...]:
    """``strategy,host,ce,ref`` -> column keys, checked; None -> the default layout."""
    if text is None:
        return DEFAULT_COLUMNS
    keys = tuple(part.strip().lower() for part in text.split(",") if part.strip())
    unknown = [k for k in keys if k not in COLUMNS]
    if unknown or not keys:
        raise InvalidValue(
            f"unknown column {unknown[0]!r}: choose from {', '.join(COLUMNS)}"
            if unknown
            else f"--columns needs at least one of {', '.join(COLUMNS)}"
        )
    if len(set(keys)) != len(keys):
        raise InvalidValue("--columns names a column twice")
    return keys


@dataclass(frozen=True)
class Citation:
    """How the table cites a paper: its own entry, or 'ref. N in [review]'."""

    key: str
    text: str  # short citation from what is recorded (authors, journal, year, DOI)
    via: str | None = None  # the review the paper is known through
    via_number: str | None = None  # the paper's reference number in that review


class _Table:
    """What every writer reads of a table (in memory or streamed), besides the rows."""

    caption: str | None
    columns: tuple[str, ...]
    thresholds: str | None
    exported: date
    notes: list[tuple[str, str]]  # (mark, text): the markers the rows use, in footnote order

    @property
    def count(self) -> int:  # rows in the table
        raise NotImplementedError

    @property
    def headers(self) -> list[str]:
        return [COLUMNS[c].header for c in self.columns]

    def notes_text(self) -> str:
        return "; ".join(f"{mark} {text}" for mark, text in self.notes)

    def rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(group title, row) in table order."""
        raise NotImplementedError

    def number(self, key: str) -> int:
        raise NotImplementedError

    def reference_list(self) -> Iterator[tuple[int, str, Citation]]:
        """(number, key, citation) of every reference, after the rows were read."""
        raise NotImplementedError

    def cited_via(self, key: str) -> Citation | None:
        """The citation of a paper cited through a review, else None (LaTeX cites the review)."""
        raise NotImplementedError

    @property
    def cites_via(self) -> bool:
        raise NotImplementedError

    @property
    def has_marks(self) -> bool:
        """Whether any row's CE carries a marker (XLSX gives them a column)."""
        return bool(self.notes)

    def line(self, key: str, cite: Citation | None) -> str:
        """The reference-list text: 'Mai, 2018, ref. 103 in [11] [sun2025review-ref103]'."""
        if cite is None:
            return f"[{key}]"
        text = cite.text
        if cite.via:
            where = f"ref. {cite.via_number} in" if cite.via_number else "cited in"
            text = f"{text}, {where} [{self.number(cite.via)}]" if text else f"{where} [{self.number(cite.via)}]"
        return f"{text} [{key}]" if text else f"[{key}]"


@dataclass
class ReviewTable(_Table):
    """Table 2-style rows grouped by category, references numbered by first appearance."""

    caption: str | None
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    groups: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    references: list[str] = field(default_factory=list)  # citation keys, index + 1 = number
    citations: dict[str, Citation] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (mark, text), used marks only
    thresholds: str | None = None
    exported: date = field(default_factory=date.today)

    def rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for title, members in self.groups:
            for row in members:
                yield title, row

    def number(self, key: str) -> int:
        return self.references.index(key) + 1

    def citation(self, key: str) -> str:
        return self.line(key, self.citations.get(key))

    def reference_list(self) -> Iterator[tuple[int, str, Citation]]:
        for number, key in enumerate(self.references, 1):
            yield number, key, self.citations.get(key) or Citation(key, "")

    def cited_via(self, key: str) -> Citation | None:
        cite = self.citations.get(key)
        return cite if cite is not None and cite.via else None

    @property
    def cites_via(self) -> bool:
        return any(c.via for c in self.citations.values())

    @property
    def count(self) -> int:
        return sum(len(rows) for _, rows in self.groups)

    def bib_keys(self) -> list[str]:
        """The keys a .bib must hold: cited papers with entries of their own, and the reviews."""
        return [key for key in self.references if not (self.citations.get(key) and self.citations[key].via)]


# --------------------------------------------------------------------------- building


def strip_curation_notes(text: str | None) -> str:
    """A reported text without the curator's pointers: '... electrolyte (Fig. 8b caption) ...'."""
    if not text:
        return ""
    return _stripped(text)


@functools.lru_cache(maxsize=1 << 12)
def _stripped(text: str) -> str:
    # Labels and materials repeat across a paper's rows (near one another in table order): each
    # text is cleaned once while it recurs; a small cache keeps memory flat at 1M rows.
    return _SPACES.sub(" ", _CURATION_NOTE.sub("", text)).strip()


_SPACES = re.compile(r"\s{2,}")


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def _materials(row: dict[str, Any]) -> str:
    return _materials_text(row.get("host"), row.get("electrolyte"), row.get("additive"))


@functools.lru_cache(maxsize=1 << 12)
def _materials_text(*texts: str | None) -> str:
    parts = [strip_curation_notes(text) for text in texts]
    return "; ".join(p for p in parts if p)


_PLAN = {
    "strategy": ("label", "text"),
    "materials": (None, "materials"),
    "host": ("host", "text"),
    "electrolyte": ("electrolyte", "text"),
    "additive": ("additive", "text"),
    "cell": ("cell", "word"),
    "method": ("method", "word"),
    "statistic": ("statistic", "word"),
    "current": ("current_density_mA_cm2", "number"),
    "capacity": ("areal_capacity_mAh_cm2", "number"),
    "cycles": ("cycles", "count"),
    "ce": ("ce_percent", "ce"),
    "ref": (None, "ref"),
}


def _natural(key: str) -> list:
    # ...-ref98 before ...-ref100
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", key)]


def _order_key(natural: dict[str, list]):
    """The sort key of table order: category (composite anodes first), year (missing last),
    paper key in natural order, id. ``natural`` caches each paper's natural key."""

    def order(row):
        category = row.get("category")
        group = CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)
        paper = row.get("paper") or ""
        if paper not in natural:
            natural[paper] = _natural(paper)
        year = row.get("year")
        return (group, year is None, year or 0, natural[paper], row.get("id") or 0)

    return order


def reference_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows in table order: by category (composite anodes first), by year, paper and id within."""
    return sorted(rows, key=_order_key({}))


def reference_numbers(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Paper key -> the number the table gives it (plots label points with these)."""
    numbers: dict[str, int] = {}
    for row in reference_order(rows):
        numbers.setdefault(row["paper"], len(numbers) + 1)
    return numbers


def _ce_text(row: dict[str, Any], marks: bool) -> tuple[str, list[str]]:
    text = format_reported(row["ce_percent"], row.get("ce_decimals"))
    used = []
    if marks:
        statistic = STATISTIC_MARKS.get(row.get("statistic") or "")
        if statistic:
            mark, where, _ = statistic
            text = mark + text if where == "prefix" else text + mark
            used.append(mark)
    if row.get("full_cell_derived"):
        text += FULL_CELL_MARK
        used.append(FULL_CELL_MARK)
    return text, used


def _notes(marks) -> list[tuple[str, str]]:
    return [(mark, _NOTE_TEXT[mark]) for mark in _NOTE_ORDER if mark in marks]


class _Rows:
    """Query rows arriving in table order -> table rows: each cell formatted once by a plan
    decided per column, papers numbered by first appearance, the CE markers used kept."""

    def __init__(self, columns: tuple[str, ...]):
        # One step per column, decided once: (column, row key, how its cell is made).
        self.plan = [(column, _PLAN[column][0] or "", _PLAN[column][1]) for column in columns]  # "": computed
        self.statistic_marks = "statistic" not in columns  # the column says it; no marks needed
        self.numbers: dict[str, int] = {}
        self.used_marks: set[str] = set()
        self.count = 0

    def __call__(self, row: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
        """(category, table row) of one query row (a dict with every key the columns read)."""
        key = row["paper"]
        numbers = self.numbers
        number = numbers.get(key)
        if number is None:
            number = numbers[key] = len(numbers) + 1
        self.count += 1
        cells: dict[str, str] = {}
        values: dict[str, Any] = {}
        marks: list[str] = []
        for column, name, kind in self.plan:
            if kind == "text":
                text = row[name]
                cells[column] = _stripped(text) if text else ""
            elif kind == "number":
                value = values[column] = row[name]
                cells[column] = "" if value is None else f"{value:g}"
            elif kind == "ce":
                values[column] = row["ce_percent"]
                cells[column], marks = _ce_text(row, self.statistic_marks)
                if marks:
                    self.used_marks.update(marks)
            elif kind == "ref":
                values[column] = number
                cells[column] = str(number)
            elif kind == "materials":
                cells[column] = _materials_text(row["host"], row["electrolyte"], row["additive"])
            elif kind == "word":
                cells[column] = row[name] or ""
            else:  # count
                value = values[column] = row[name]
                cells[column] = "" if value is None else str(value)
        category = row["category"]
        if category not in _GROUPED:
            category = None
        return category, {
            "id": row["id"],
            "paper": key,
            "year": row["year"],
            "category": category,
            "cells": cells,
            "values": values,
            "ce_decimals": row.get("ce_decimals"),
            "marks": "".join(m for m in _NOTE_ORDER if m in marks) if marks else "",
        }


_GROUPED = frozenset(CATEGORY_ORDER)


def build_table(
    rows: list[dict[str, Any]],
    *,
    caption: str | None,
    columns: tuple[str, ...] = DEFAULT_COLUMNS,
    references: dict[str, Any] | None = None,
) -> ReviewTable:
    """Group ``rows`` (query rows) by category, number their papers, format each cell once.

    ``references`` maps a paper key to its record (doi, title, authors, journal, year,
    note); papers without one are cited by key. A paper with neither DOI nor title whose
    rows were read in another paper (their ``source``) is cited through that review.
    """
    table = ReviewTable(caption=caption, columns=tuple(columns))
    references = references or {}
    via: dict[str, str] = {}
    group_rows: dict[Any, list[dict[str, Any]]] = {}
    formatter = _Rows(table.columns)
    every = dict.fromkeys(_ROW_KEYS)
    for row in reference_order(rows):
        row = every | row
        source = row.get("source")
        if source and source != row["paper"]:
            via.setdefault(row["paper"], source)
        category, formatted = formatter(row)
        group_rows.setdefault(category, []).append(formatted)
    numbers = formatter.numbers
    table.references = list(numbers)
    table.groups = [(CATEGORY_TITLES[c], group_rows[c]) for c in CATEGORY_ORDER if c in group_rows]
    table.notes = _notes(formatter.used_marks)
    for key in list(table.references):
        record = references.get(key)
        placeholder = record is not None and not _get(record, "doi") and not _get(record, "title")
        review = via.get(key) if placeholder else None
        number = _review_number(key, review, _get(record, "note")) if review else None
        table.citations[key] = Citation(key, citation_text(record) if record is not None else "", review, number)
        if review and review not in numbers:
            numbers[review] = len(numbers) + 1
            table.references.append(review)
    for key in table.references:
        if key not in table.citations:
            record = references.get(key)
            table.citations[key] = Citation(key, citation_text(record) if record is not None else "")
    return table


def _get(record: Any, name: str) -> Any:
    if record is None:
        return None
    return record.get(name) if isinstance(record, dict) else getattr(record, name, None)


def _review_number(key: str, review: str, note: str | None) -> str | None:
    """The paper's number in the review: from a key such as 'sun2025review-ref103', or its note."""
    match = re.fullmatch(re.escape(review) + r"[-_:.]?ref(\d+[a-z]?)", key, re.IGNORECASE)
    if match:
        return match.group(1)
    match = re.search(r"\bRef\.?\s*(\d+[a-z]?) (?:of|in) the review\b", note or "", re.IGNORECASE)
    return match.group(1) if match else None


def citation_text(reference: Any) -> str:
    """A short citation from what is recorded: first author, journal, year, DOI."""
    parts = []
    authors = _get(reference, "authors")
    if authors:
        names = authors.split(" and ")
        parts.append(names[0].split(",")[0] + (" et al." if len(names) > 1 else ""))
    for name in ("journal", "year"):
        if _get(reference, name):
            parts.append(str(_get(reference, name)))
    if _get(reference, "doi"):
        parts.append(f"doi:{_get(reference, 'doi')}")
    return ", ".join(parts)


def caption(
    *,
    profile_description: str | None,
    practical: bool | None,
    strict: bool,
    min_ce: float | None,
    max_ce: float | None,
    count: int,
) -> str:
    """A caption that states the selection, so the table can be reproduced."""
    parts = [f"CE of Li metal anodes from the cedb database ({count} result{'s' if count != 1 else ''})"]
    if practical is True:
        rule = profile_description or "practical conditions"
        parts.append(f"at practical conditions ({rule}{'; strict inequalities' if strict else ''})")
    elif practical is False:
        parts.append(f"not at practical conditions ({profile_description})")
    if min_ce is not None and max_ce is not None:
        parts.append(f"with CE between {min_ce:g} % and {max_ce:g} %")
    elif min_ce is not None:
        parts.append(f"with CE ≥ {min_ce:g} %")
    elif max_ce is not None:
        parts.append(f"with CE ≤ {max_ce:g} %")
    return ", ".join(parts) + "."


def export_table(
    connection,
    filters,
    *,
    columns: tuple[str, ...] = DEFAULT_COLUMNS,
    caption_text: str | None = None,
    no_caption: bool = False,
) -> "StreamedTable":
    """The table for ``filters``, streamed: the writer reads its rows from the cursor."""
    from cedb.practical import rule_text

    rule = rule_text(filters.resolved_profile(), strict=filters.strict)
    table = StreamedTable(connection, filters, tuple(columns))
    table.thresholds = rule + ("; strict inequalities" if filters.strict else "")
    if no_caption:
        table.caption_text = None
    elif caption_text is not None:
        table.caption_text = caption_text
    else:
        table.rule = rule
    return table


class StreamedTable(_Table):
    """A review table read from the database while it is written: memory stays flat.

    Rows come from the cursor ordered by category and year (SQL); each (category, year) block
    is put in natural paper-key order in memory, the only rows held at a time. What a format
    needs before its rows is asked of the database first (the row count for the caption, the
    markers for JSON and XLSX, the papers cited through a review for LaTeX); what follows the
    rows (footnotes, references) is what the rows used. Only the paper numbers are kept.
    """

    def __init__(self, connection, filters, columns: tuple[str, ...]):
        from cedb.store import query

        self.connection, self.filters, self.columns = connection, filters, columns
        self.thresholds: str | None = None
        self.exported = date.today()
        self.caption_text: str | None = None
        self.rule: str | None = None  # set: the caption states the selection
        needed = set(ROW_KEYS_NEEDED)
        for column in columns:
            needed.update(_NEEDS.get(column, (column,) if column in query.ROW_KEYS else ()))
        self.keys = tuple(sorted(needed))
        self._rows: _Rows | None = None  # the last pass over the rows
        self._via: dict[str, Citation] | None = None
        self._complete = False

    def _selection(self):
        """The filtered rows as a subquery (the user's --sort and --limit choose them)."""
        from cedb.store import query

        return query.selection(self.connection, self.filters, self.keys)

    @functools.cached_property
    def count(self) -> int:
        from cedb.store import query

        if self._rows is not None and self._complete:
            return self._rows.count
        return query.count_of(self.connection, self._selection())

    @functools.cached_property
    def caption(self) -> str | None:  # type: ignore[override]
        if self.rule is None:
            return self.caption_text
        filters = self.filters
        return caption(
            profile_description=self.rule,
            practical=filters.practical,
            strict=filters.strict,
            min_ce=filters.min_ce,
            max_ce=filters.max_ce,
            count=self.count,
        )

    @property
    def notes(self) -> list[tuple[str, str]]:  # type: ignore[override]
        if self._rows is not None and self._complete:
            return _notes(self._rows.used_marks)
        return self._notes_before

    @functools.cached_property
    def _notes_before(self) -> list[tuple[str, str]]:
        """The footnotes, asked before the rows: the distinct markers of the selection."""
        from cedb.store import query

        if "ce" not in self.columns:
            return []
        marks: set[str] = set()
        statistic_marks = "statistic" not in self.columns
        for statistic, full_cell in query.distinct_of(
            self.connection, self._selection(), ("statistic", "full_cell_derived")
        ):
            marks.update(
                _ce_text({"ce_percent": 0, "statistic": statistic, "full_cell_derived": full_cell}, statistic_marks)[1]
            )
        return _notes(marks)

    def rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        from cedb.store import query

        keys, rank_at, year_at = self.keys, len(self.keys), self.keys.index("year")
        formatter = self._rows = _Rows(self.columns)
        self._complete = False
        block: list[Any] = []
        block_key = None
        for values in query.rows_by_category(self.connection, self._selection(), keys, CATEGORY_ORDER):
            here = (values[rank_at], values[year_at])
            if here != block_key:
                yield from self._block(block, keys, formatter)
                block, block_key = [], here
            block.append(values)
        yield from self._block(block, keys, formatter)
        self._complete = True

    @staticmethod
    def _block(block: list[Any], keys: tuple[str, ...], formatter: "_Rows") -> Iterator[tuple[str, dict[str, Any]]]:
        # One (category, year) block, held as tuples (the largest is a few % of the rows): paper
        # keys in natural order (ref98 before ref100), then ids.
        paper_at, id_at = keys.index("paper"), keys.index("id")
        natural: dict[str, list] = {}

        def order(values):
            paper = values[paper_at]
            if paper not in natural:
                natural[paper] = _natural(paper)
            return natural[paper], values[id_at]

        block.sort(key=order)
        for values in block:
            category, formatted = formatter(dict(zip(keys, values)))
            yield CATEGORY_TITLES[category], formatted

    def _placeholders(self) -> dict[str, Citation]:
        """Papers cited through a review: neither DOI nor title, rows read in another paper
        (the first such source in table order, as ``build_table`` picks it)."""
        if self._via is not None:
            return self._via
        from cedb.store import query

        rows = query.placeholder_rows(self.connection, self._selection(), self.keys)
        via: dict[str, Citation] = {}
        for row in sorted(rows, key=_order_key({})):
            key = row["paper"]
            if key not in via:
                via[key] = Citation(key, "", row["source"], _review_number(key, row["source"], row["note"]))
        self._via = via
        return via

    @property
    def cites_via(self) -> bool:
        return bool(self._placeholders())

    def cited_via(self, key: str) -> Citation | None:
        return self._placeholders().get(key)

    def _numbers(self) -> dict[str, int]:
        """Every reference's number: the papers in order, then the reviews only cited through."""
        if self._rows is None:
            for _ in self.rows():
                pass
        assert self._rows is not None
        numbers = self._rows.numbers
        via = self._placeholders()
        for key in list(numbers):
            cite = via.get(key)
            if cite is not None and cite.via is not None and cite.via not in numbers:
                numbers[cite.via] = len(numbers) + 1
        return numbers

    def number(self, key: str) -> int:
        return self._numbers()[key]

    @property
    def references(self) -> list[str]:
        return list(self._numbers())

    def reference_list(self) -> Iterator[tuple[int, str, Citation]]:
        from cedb.store import query

        keys = self.references
        via = self._placeholders()
        fields = ("key", "doi", "title", "authors", "journal", "year", "note")
        for start in range(0, len(keys), 1000):
            chunk = keys[start : start + 1000]
            records = query.reference_records(self.connection, chunk, fields)
            for number, key in enumerate(chunk, start + 1):
                record = records.get(key)
                text = citation_text(record) if record is not None else ""
                cite = via.get(key)
                yield number, key, Citation(key, text, cite.via, cite.via_number) if cite else Citation(key, text)

    def bib_keys(self) -> list[str]:
        via = self._placeholders()
        return [key for key in self._numbers() if key not in via]


def bibtex(connection, table: "ReviewTable | StreamedTable") -> str:
    """The .bib of ``table``: exactly the entries it cites (reviews, not their placeholders)."""
    from cedb.bibliography import to_bibtex
    from cedb.store import crud
    from cedb.store.db import session_on

    keys = table.bib_keys()
    with session_on(connection) as session:
        return to_bibtex(
            crud.references_by_key(session=session, keys=keys), aliases=crud.aliases_by_key(session=session, keys=keys)
        )


# --------------------------------------------------------------------------- cell safety


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ gets a leading apostrophe.

    Plain negative numbers stay numbers (they cannot run anything).
    """
    if text and text.startswith(_FORMULA_START):
        try:
            if math.isfinite(float(text)):  # "-inf", "-nan" are not numbers a sheet reads
                return text
        except ValueError:
            pass
        return "'" + text
    return text


# --------------------------------------------------------------------------- writers


def _groups(table: _Table):
    """(group title, its rows) in table order, read from the table's one pass."""
    from itertools import groupby
    from operator import itemgetter

    for title, pairs in groupby(table.rows(), key=itemgetter(0)):
        yield title, (row for _, row in pairs)


def _chunked(lines: Iterator[str], size: int = 1000) -> Iterator[str]:
    """Lines joined into pieces of ``size`` lines: fewer, larger writes."""
    from itertools import islice

    while True:
        piece = "".join(islice(lines, size))
        if not piece:
            return
        yield piece


def _markdown_cell(text) -> str:
    # Markdown renders raw HTML: < and > are written as entities.
    return (
        str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")
    )


def markdown_row(values: list[str]) -> str:
    """One Markdown table row (cells escaped)."""
    return "| " + " | ".join(map(_markdown_cell, values)) + " |"


def markdown_table(columns: list[str], rows: list[list[str]]) -> str:
    lines = [
        markdown_row(columns),
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    lines += [markdown_row(row) for row in rows]
    return "\n".join(lines)


def _markdown(table: _Table) -> Iterator[str]:
    if table.caption:
        yield f"**Table.** {table.caption}\n\n"
    yield markdown_table(table.headers, []) + "\n"
    width = len(table.columns)
    columns = table.columns
    for title, members in _groups(table):
        yield markdown_row([f"**{title}**"] + [""] * (width - 1)) + "\n"
        yield from _chunked(markdown_row([row["cells"][c] for c in columns]) + "\n" for row in members)
    if table.notes:
        yield "\nNotes: " + _md_text(table.notes_text()) + "\n"
    yield "\n"
    yield from _chunked(f"{i}. {_md_text(table.line(key, cite))}\n" for i, key, cite in table.reference_list())


def _md_text(text: str) -> str:
    # Outside a table, inside a line that starts with text: escape emphasis and raw HTML.
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("<", "&lt;").replace(">", "&gt;")


def _csv(table: _Table) -> Iterator[str]:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Group", *table.headers, "Key"])
    columns = table.columns
    safe = [not COLUMNS[c].numeric for c in columns]
    first = frozenset(_FORMULA_START)  # only text that may start a formula is checked
    for n, (title, row) in enumerate(table.rows(), 1):
        cells = row["cells"]
        texts = [cells[c] for c in columns]
        writer.writerow(
            [title]
            + [csv_safe(v) if s and v[:1] in first else v for v, s in zip(texts, safe)]
            + [csv_safe(row["paper"])]
        )
        if n % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json(table: _Table) -> Iterator[str]:
    # json.dumps(document, indent=2) written piece by piece: the head, each row, each reference.
    head = {
        "caption": table.caption,
        "notes": [{"mark": mark, "text": text} for mark, text in table.notes],
        "thresholds": table.thresholds,
        "exported": table.exported.isoformat(),
        "columns": [{"key": c, "header": COLUMNS[c].header} for c in table.columns],
    }
    yield json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "groups": ['
    # A row of plain values through the C encoder, with the separators indent=2 gives it.
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",\n          ", ": ")).encode
    headers = [(COLUMNS[c].header, c) for c in table.columns]
    groups = 0
    for title, members in _groups(table):
        yield ("\n    {" if not groups else ",\n    {") + '\n      "title": ' + json.dumps(title, ensure_ascii=False)
        yield ',\n      "rows": ['
        first = True
        for row in members:
            cells = row["cells"]
            document = {header: cells[c] for header, c in headers} | {"paper": row["paper"], "id": row["id"]}
            yield (
                ("\n        {\n          " if first else ",\n        {\n          ")
                + encode(document)[1:-1]
                + "\n        }"
            )
            first = False
        yield "\n      ]\n    }"
        groups += 1
    yield "\n  ]" if groups else "]"
    yield ',\n  "references": ['
    references = 0
    for number, key, cite in table.reference_list():
        text = json.dumps(_json_reference(table, number, key, cite), ensure_ascii=False, indent=2)
        yield ("\n    " if not references else ",\n    ") + text.replace("\n", "\n    ")
        references += 1
    yield "\n  ]\n}\n" if references else "]\n}\n"


def _json_reference(table: _Table, number: int, key: str, cite: Citation) -> dict[str, Any]:
    entry = {"number": number, "key": key, "citation": cite.text or None}
    if cite.via:
        entry |= {
            "via": cite.via,
            "via_number": table.number(cite.via),
            "ref_in_via": cite.via_number,
        }
    return entry


def _html(table: _Table) -> Iterator[str]:
    from html import escape

    out = ['<table class="cedb-table">']
    if table.caption:
        out.append(f"<caption>{escape(table.caption)}</caption>")
    out.append("<thead><tr>")
    out += [f"<th>{escape(c)}</th>" for c in table.headers]
    out.append("</tr></thead>")
    yield "\n".join(out) + "\n"
    columns = table.columns
    for title, members in _groups(table):
        yield f'<tbody><tr><th colspan="{len(columns)}">{escape(title)}</th></tr>\n'
        yield from _chunked(
            "<tr>" + "".join(f"<td>{escape(row['cells'][c])}</td>" for c in columns) + "</tr>\n" for row in members
        )
        yield "</tbody>\n"
    yield "</table>\n"
    if table.notes:
        yield f'<p class="cedb-notes">{escape(table.notes_text())}</p>\n'
    yield "<ol>"
    yield from _chunked(f"<li>{escape(table.line(key, cite))}</li>" for _, key, cite in table.reference_list())
    yield "</ol>\n"


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_UNICODE_LATEX = {
    "–": "--",
    "—": "---",
    "−": "$-$",
    "·": r"\,",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "°": r"\textdegree{}",
    "µ": r"\textmu{}",
    "μ": r"\textmu{}",
    "×": r"$\times$",
    "α": r"$\alpha$",
    "β": r"$\beta$",
    "δ": r"$\delta$",
    "γ": r"$\gamma$",
    "‖": r"$\Vert$",
    "’": "'",
    "‘": "`",
    "“": "``",
    "”": "''",
    "†": r"\textdagger{}",
    "‡": r"\textdaggerdbl{}",
    "±": r"$\pm$",
    "≈": r"$\approx$",
    "\u00a0": "~",
}
_SUPERSCRIPTS = {
    "⁻": "-",
    "⁺": "+",
    "⁰": "0",
    "¹": "1",
    "²": "2",
    "³": "3",
    "⁴": "4",
    "⁵": "5",
    "⁶": "6",
    "⁷": "7",
    "⁸": "8",
    "⁹": "9",
}
_SUPERSCRIPT_RUN = re.compile(f"[{''.join(_SUPERSCRIPTS)}]+")
# A chemical formula token: element symbols with counts (LiNO3, Mo2N, Li2S5, LiPF6, CuF2).
_FORMULA = re.compile(r"\b(?:[A-Z][a-z]?\d*){2,}\b")
_ELEMENT = re.compile(r"([A-Z][a-z]?)\d*")
# Only real element symbols make a formula: NCM523 and NMC811 are cathode names, not N-C-M.
_ELEMENTS = frozenset(
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr Rb Sr Y "
    "Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re "
    "Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu".split()
)


def _is_formula(token: str) -> bool:
    return re.search(r"[A-Za-z]\d", token) is not None and all(
        symbol in _ELEMENTS for symbol in _ELEMENT.findall(token)
    )


def latex_escape(text: str) -> str:
    """Escape every LaTeX special character; digits inside chemical formulas become subscripts."""
    out = []
    position = 0
    for match in _FORMULA.finditer(text):
        out.append(_escape_plain(text[position : match.start()]))
        token = match.group(0)
        out.append(re.sub(r"(\d+)", r"\\textsubscript{\1}", token) if _is_formula(token) else token)
        position = match.end()
    out.append(_escape_plain(text[position:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    result = []
    position = 0
    for run in _SUPERSCRIPT_RUN.finditer(text):  # cm⁻² -> cm$^{-2}$: a real minus, in math mode
        result.append(_escape_chars(text[position : run.start()]))
        result.append("$^{" + "".join(_SUPERSCRIPTS[c] for c in run.group(0)) + "}$")
        position = run.end()
    result.append(_escape_chars(text[position:]))
    return "".join(result)


def _escape_chars(text: str) -> str:
    result = []
    for char in text:
        if char in _LATEX_SPECIAL:
            result.append(_LATEX_SPECIAL[char])
        elif char in _UNICODE_LATEX:
            result.append(_UNICODE_LATEX[char])
        elif ord(char) < 32:
            result.append(" ")
        elif ord(char) > 127:
            result.append(_latex_letter(char))
        else:
            result.append(char)
    return "".join(result)


def _latex_letter(char: str) -> str:
    # Accented letters as LaTeX accents (é -> \'e), so the table needs no Unicode set-up.
    import codecs

    import latexcodec  # noqa: F401  (registers the 'ulatex' codec)

    try:
        return codecs.encode(char, "ulatex+ascii")  # type: ignore[return-value]  # latexcodec gives str
    except UnicodeEncodeError:
        return char


def _two_lines(header: str) -> str:
    # A nested tabular breaks a header cell without extra packages (makecell is not in every TeX).
    if r"\\" not in header:
        return header
    return r"\begin{tabular}[c]{@{}c@{}}" + header + r"\end{tabular}"


def _latex_cite(table: _Table, key: str) -> str:
    cite = table.cited_via(key)
    if cite is not None and cite.via:
        where = f"ref.~{latex_escape(cite.via_number)} in" if cite.via_number else "cited in"
        return f"{where} \\cite{{{_cite_key(cite.via)}}}"
    return r"\cite{" + _cite_key(key) + "}"


def _latex(table: _Table) -> Iterator[str]:
    """A booktabs table with \\cite{key} references (pair it with the --bib file)."""
    # Text columns are tabularx X columns sharing the line width (weights sum to their count),
    # so the table fits the page whatever the columns chosen.
    weights = {"strategy": 0.7, "materials": 1.3, "host": 1.0, "electrolyte": 1.2, "additive": 0.8}
    text_columns = [c for c in table.columns if c in weights]
    via = table.cites_via
    scale = len(text_columns) / sum(weights[c] for c in text_columns) if text_columns else 1
    spec = "".join(
        r">{\raggedright\arraybackslash\hsize=" + f"{weights[c] * scale:.2f}" + r"\hsize}X"
        if c in weights
        else (
            r">{\raggedright\arraybackslash}p{1.2cm}"
            if c == "ref" and via  # "ref. 103 in [1]"
            else "r"
            if COLUMNS[c].numeric and c != "ref"
            else "l"
        )
        for c in table.columns
    )
    environment = "tabularx" if text_columns else "tabular"
    width = "{\\linewidth}" if text_columns else ""
    lines = [
        "% Generated by cedb on " + table.exported.isoformat() + "; needs \\usepackage{booktabs,tabularx}",
        r"\begin{table}[htbp]",
        r"\centering",
        r"\footnotesize",
        r"\setlength{\tabcolsep}{3pt}",
    ]
    if table.caption:
        lines += [r"\caption{" + latex_escape(table.caption) + "}", r"\label{tab:cedb-ce}"]
    lines += [
        f"\\begin{{{environment}}}{width}{{{spec}}}",
        r"\toprule",
        " & ".join(_two_lines(COLUMNS[c].latex) for c in table.columns) + r" \\",
        r"\midrule",
    ]
    yield "\n".join(lines) + "\n"
    columns = table.columns
    for index, (title, members) in enumerate(_groups(table)):
        if index:
            yield "\\midrule\n"
        yield r"\multicolumn{" + str(len(columns)) + r"}{l}{\textit{" + latex_escape(title) + r"}} \\" + "\n"
        yield from _chunked(
            " & ".join(
                _latex_cite(table, row["paper"]) if c == "ref" else latex_escape(row["cells"][c]) for c in columns
            )
            + " \\\\\n"
            for row in members
        )
    lines = [r"\bottomrule", f"\\end{{{environment}}}"]
    if table.notes:
        lines += [r"\par\smallskip", r"{\footnotesize " + latex_escape(table.notes_text()) + "}"]
    lines.append(r"\end{table}")
    yield "\n".join(lines) + "\n"


def _cite_key(key: str) -> str:
    # BibTeX keys may not contain these; cedb keys never do, but the export must not break LaTeX.
    return re.sub(r"[{}\\%#,~\s]", "", key)


def _xlsx_format(decimals: int | None) -> str:
    return "General" if decimals is None else ("0" if decimals == 0 else "0." + "0" * int(decimals))


def write_xlsx(table: _Table, path) -> None:
    """Header in row 1 (frozen), numbers as numbers, columns sized to content; caption,
    thresholds, notes and export date on the "About" sheet, references on "References".

    Written in openpyxl's write-only mode, one pass over the rows: time grows linearly. The
    column widths come first in the file, so a first pass over the rows measures them.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    marks = table.has_marks
    headers = ["Group", *table.headers] + (["Marks"] if marks else []) + ["Key"]
    columns = table.columns
    width = [len(h) for h in headers]
    last = len(headers) - 1
    for title, row in table.rows():
        cells = row["cells"]
        for i, text in enumerate([title, *(cells[c] for c in columns)] + ([row["marks"]] if marks else []), 0):
            if len(text) > width[i]:
                width[i] = len(text)
        width[last] = max(width[last], len(row["paper"]))

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("CE table")
    sheet.freeze_panes = "A2"
    for i, size in enumerate(width, 1):
        sheet.column_dimensions[get_column_letter(i)].width = min(max(size, 6), 60) + 2
    bold = Font(bold=True)

    def cell(target, value, number_format=None, font=None):
        # Control characters escaped (cedb.safetext): openpyxl refuses them.
        item = WriteOnlyCell(target, value=None if value == "" else xlsx(value))
        if isinstance(value, str) and value:
            item.data_type = "s"  # openpyxl would treat "=..." as a formula
        if number_format:
            item.number_format = number_format
        if font:
            item.font = font
        return item

    sheet.append([cell(sheet, h, font=bold) for h in headers])
    ce_index = columns.index("ce") + 1 if "ce" in columns else None
    numeric = [COLUMNS[c].numeric for c in columns]
    for title, row in table.rows():
        cells, numbers = row["cells"], row["values"]
        values = [title]
        for column, is_number in zip(columns, numeric):
            text = cells[column]
            value = numbers.get(column, text) if is_number else text
            values.append(text if value is None and text else value)
        values += ([row["marks"]] if marks else []) + [row["paper"]]
        values = [xlsx(v) for v in values]
        # Plain values are the fast path of write-only mode; a cell object only where it matters:
        # text that openpyxl would read as a formula, and a CE with its reported decimals.
        out = [None if v == "" else (cell(sheet, v) if isinstance(v, str) and v[:1] == "=" else v) for v in values]
        decimals = row["ce_decimals"]
        if ce_index is not None and isinstance(values[ce_index], float) and decimals is not None:
            out[ce_index] = cell(sheet, values[ce_index], _xlsx_format(decimals))
        sheet.append(out)
    about = workbook.create_sheet("About")
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 100
    for name, value in (
        ("Caption", table.caption or ""),
        ("Notes", table.notes_text()),
        ("Thresholds", table.thresholds or ""),
        ("Exported", table.exported.isoformat()),
        ("Rows", table.count),
        ("Generated by", "cedb"),
    ):
        about.append([cell(about, name, font=bold), cell(about, value)])
    references = workbook.create_sheet("References")
    references.freeze_panes = "A2"
    for letter, size in (("A", 6), ("B", 28), ("C", 90)):
        references.column_dimensions[letter].width = size
    references.append([cell(references, h, font=bold) for h in ("Ref.", "Key", "Citation")])
    for number, key, cite in table.reference_list():
        text = table.line(key, cite)
        suffix = f" [{key}]"
        text = text[: -len(suffix)] if text.endswith(suffix) else text
        references.append([cell(references, number), cell(references, key), cell(references, text)])
    workbook.save(path)


_WRITERS = {"csv": _csv, "md": _markdown, "latex": _latex, "html": _html, "json": _json}


def pieces(table: _Table, fmt: str) -> Iterator[str]:
    """The text of ``table`` in a text format, piece by piece as its rows are read."""
    if fmt not in _WRITERS:
        raise InvalidValue(f"format {fmt!r} is not a text format: use one of {', '.join(_WRITERS)} (xlsx needs -o)")
    return _WRITERS[fmt](table)


def render(table: _Table, fmt: str) -> str:
    return "".join(pieces(table, fmt))


def to_csv(table: _Table) -> str:
    return render(table, "csv")


def to_markdown(table: _Table) -> str:
    return render(table, "md")


def to_latex(table: _Table) -> str:
    return render(table, "latex")


def to_html(table: _Table) -> str:
    return render(table, "html")


def to_json(table: _Table) -> str:
    return render(table, "json")
