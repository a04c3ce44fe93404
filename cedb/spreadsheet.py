"""Bulk import of an existing spreadsheet (CSV/XLSX) through a column mapping (documented in curation/README.md).

Every row is validated like `cedb result add`; a bad row is reported with its
number and reason and skipped, the others are added (in batches, by cedb.store.bulk).
With ``dry_run`` nothing is written.
"""

import contextlib
import operator
import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cedb import precision, results
from cedb.ce import ce_percent_from_lce
from cedb.errors import CedbError, InvalidValue, NotFound
from cedb.results import ALIASES, MEASUREMENT_FIELDS, STRATEGY_FIELDS
from cedb.store import bulk
from cedb.store.db import Session

FIELDS = ("paper", "source") + STRATEGY_FIELDS + MEASUREMENT_FIELDS
MAPPING_KEYS = ("columns", "units", "defaults", "sheet")


# CE columns that are not in percent: `units: {ce: fraction}` (0.995 -> 99.5) or `units: {ce: LCE}`
# (the logarithmic CE of Kim et al., LCE = -log10(1 - CE): 2.3 -> 99.4988...). Data sets such as
# Electrolytomics EDB-2 give the CE as a fraction.
CE_SCALES = {
    "fraction": lambda x: round(100 * x, 10),
    "lce": lambda x: round(ce_percent_from_lce(x), 10),
}


@dataclass
class Mapping:
    # cedb field -> spreadsheet column, or a list of columns whose non-empty cells are joined with
    # " + " (an electrolyte spread over solvent, salt and additive columns)
    columns: dict[str, "str | tuple[str, ...]"]
    units: dict[str, str] = field(default_factory=dict)  # cedb field -> unit of bare numbers
    defaults: dict[str, Any] = field(default_factory=dict)  # cedb field -> value for every row
    sheet: str | int | None = None


def _field(name: str) -> str:
    canonical = ALIASES.get(name, name)
    if canonical not in FIELDS:
        raise InvalidValue(f"mapping names unknown field {name!r}: use one of {', '.join(FIELDS)}")
    return canonical


def read_mapping(path: Path) -> Mapping:
    import yaml

    if not path.is_file():
        raise NotFound(f"no such mapping file: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidValue(f"{path} is not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise InvalidValue(f"{path} needs a 'columns' mapping of cedb field: spreadsheet column")
    unknown = set(data) - set(MAPPING_KEYS)
    if unknown:
        raise InvalidValue(
            f"{path}: unknown key(s) {', '.join(sorted(unknown))}; allowed are {', '.join(MAPPING_KEYS)}"
        )
    return Mapping(
        columns={_field(k): tuple(map(str, v)) if isinstance(v, list) else str(v) for k, v in data["columns"].items()},
        units={_field(k): str(v) for k, v in (data.get("units") or {}).items()},
        defaults={_field(k): v for k, v in (data.get("defaults") or {}).items()},
        sheet=data.get("sheet"),
    )


def read_table(path: Path, sheet: str | int | None = None):
    import pandas as pd

    if not path.is_file():
        raise NotFound(f"no such file: {path}")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return pd.read_excel(path, sheet_name=sheet or 0, dtype=object)
        if path.suffix.lower() in (".csv", ".txt", ".tsv"):
            # utf-8-sig: Excel's "CSV UTF-8" starts with a byte-order mark that would stick to the first header.
            return pd.read_csv(
                path, dtype=object, sep=None, engine="python", keep_default_na=False, encoding="utf-8-sig"
            )
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise InvalidValue(f"cannot read {path}: {exc}") from None
    raise InvalidValue(f"{path}: unsupported file type; give a .csv or .xlsx file")


@dataclass
class ImportReport:
    total: int = 0
    added: list[int] = field(default_factory=list)  # row numbers (spreadsheet lines, header = 1)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)  # likely duplicates, added
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would be added" if self.dry_run else "added"
        return f"{len(self.added)} / {self.total} rows {verb}, {len(self.rejected)} rejected"


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    try:
        import math

        if isinstance(value, float) and math.isnan(value):
            return True
    except TypeError:
        pass
    return isinstance(value, str) and not value.strip()


def _records(path: Path, mapping: Mapping, progress: "bulk.Progress | None"):
    """(columns, rows of (row number, cells in column order)): a CSV file is read as a stream,
    a workbook whole."""
    if not path.is_file():
        raise NotFound(f"no such file: {path}")
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        return bulk.iter_csv(path, progress, as_lists=True)
    frame = read_table(path, mapping.sheet)
    columns = list(frame.columns)
    records = frame.to_dict(orient="records")
    return columns, ((index + 2, [record[c] for c in columns]) for index, record in enumerate(records))


@dataclass
class Prepared:
    """A spreadsheet read, mapped and validated, before any database work (see ``prepare``)."""

    path: Path
    # Every valid row, compact (a ResultInput with its dicts was ~1 KB: 1.2 GB at 10^6 rows):
    # (row number, paper, source, strategy fields (one dict shared by equal rows), measurement
    # keys (one tuple shared), measurement values).
    rows: list = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    total: int = 0
    # Rows before ``rows``, pickled in chunks of SPILL_ROWS into an unnamed temporary file
    # (gone when closed or when the process ends): a large file's rows need not all be in memory.
    spilled: Any = field(default=None, repr=False)

    def add(self, row: tuple) -> None:
        if len(self.rows) >= SPILL_ROWS:
            if self.spilled is None:
                self.spilled = tempfile.TemporaryFile(prefix="cedb-import-")
            pickle.dump(self.rows, self.spilled, protocol=pickle.HIGHEST_PROTOCOL)
            self.rows = []
        self.rows.append(row)

    def each(self) -> Iterator[tuple]:
        """Every valid row, in file order: the spilled chunks read back one at a time, then ``rows``."""
        if self.spilled is not None:
            self.spilled.seek(0)
            while True:
                try:
                    chunk = pickle.load(self.spilled)
                except EOFError:
                    break
                yield from chunk
        yield from self.rows

    def close(self) -> None:
        if self.spilled is not None:
            self.spilled.close()
            self.spilled = None


# Valid rows kept in memory by ``prepare`` before they go to a temporary file (a few tens of MB).
SPILL_ROWS = 100_000


# Result fields an empty cell may clear (--clear-empty): not the conditions (they say which
# result it is) and not those every result has.
CLEARABLE = (
    frozenset(results.MEASUREMENT_FIELDS)
    - set(results.CONDITION_FIELDS)
    - {"ce_percent", "method", "status", "full_cell_derived", "ce_decimals"}
)


def prepare(
    *, path: Path, mapping: Mapping, progress: "bulk.Progress | None" = None, clear_empty: bool = False
) -> Prepared:
    """Read the file, map its columns, parse units and validate every row; no database needed.

    Done before the caller takes the write lock, so a slow or bad file blocks no other writer.
    ``progress(done, total)`` is called as the file is read (bytes of a CSV file). An empty cell
    is "not given"; with ``clear_empty`` an empty cell of a mapped result field (not a condition,
    not one every result has) is an explicit None, so a replaced result loses that field.
    """
    columns, records = _records(path, mapping, progress)
    wanted = [c for v in mapping.columns.values() for c in ((v,) if isinstance(v, str) else v)]
    missing = [c for c in wanted if c not in columns]
    if missing:
        raise InvalidValue(
            f"{path} has no column(s) {', '.join(repr(m) for m in missing)}; "
            f"it has {', '.join(repr(str(c)) for c in columns)}"
        )
    prepared = Prepared(path=path)
    at = {c: i for i, c in reversed(list(enumerate(columns)))}  # the first of repeated names
    plan: list[tuple[str, int | tuple[int, ...], dict]] = [
        (name, at[column] if isinstance(column, str) else tuple(at[c] for c in column), {})
        for name, column in mapping.columns.items()
    ]
    text_only = path.suffix.lower() in (".csv", ".txt", ".tsv")  # CSV cells are text or None
    rows = _CsvRows(mapping, plan, clear_empty) if text_only else None
    interned: dict = {}  # equal strategies, key tuples and paper keys share one object
    for row_number, cells in records:
        if rows is not None:
            row = rows.row(row_number, cells)
            if row is None:
                continue  # an empty line is not a result
            if row is not _SLOW:
                prepared.total += 1
                prepared.add(row)
                continue
        raw = dict(mapping.defaults)
        blank = True
        empty = []
        try:
            for name, index, memo in plan:
                value = _mapped(name, _joined(cells, index), mapping.units, text_only)
                if value is _EMPTY:
                    empty.append(name)
                    continue
                blank = False
                raw[name] = value
        except CedbError as exc:  # a number its CE scale cannot take (an LCE <= 0)
            prepared.total += 1
            prepared.rejected.append((row_number, str(exc)))
            continue
        if blank:
            continue  # an empty line is not a result
        prepared.total += 1
        try:
            result = bulk.normalise(raw, canonical=True)
            if clear_empty:
                for name in empty:
                    if name in CLEARABLE and name not in raw:
                        result.measurement[name] = None
        except CedbError as exc:
            prepared.rejected.append((row_number, str(exc)))
            continue
        strategy = result.strategy
        if strategy:
            try:
                strategy = interned.setdefault(tuple(strategy.items()), strategy)
            except TypeError:
                pass
        keys = tuple(result.measurement)
        keys = interned.setdefault(keys, keys)
        paper = interned.setdefault(result.paper, result.paper)
        prepared.add((row_number, paper, result.source, strategy, keys, tuple(result.measurement.values())))
        if len(interned) > 200_000:
            interned.clear()
    return prepared


_ODD = object()  # a memo's mark of a value the fast path does not take (blank, None, an error)
_SLOW = object()  # not on the fast path: the row goes through ``bulk.normalise`` (and its messages)
_MEMO_LIMIT = 50_000  # distinct texts remembered per column
_PAPER, _SOURCE, _CE, _STRATEGY, _MEASUREMENT = range(5)


class _PlainMemo(dict):
    """A column's cell text -> its value on the fast path (``_ODD`` if the path does not take it),
    worked out on first sight; emptied when full (a file's equal cells tend to be near)."""

    def __init__(self, rows: "_CsvRows", name: str, default: Any = None):
        self.rows, self.name, self.default = rows, name, default

    def __missing__(self, cell: Any) -> Any:
        value = self.rows.value(self.name, cell)
        if self.name == "source" and value is not _SLOW:  # no source is plain: the paper itself
            value = self.default if value is _EMPTY else value
        elif value is _EMPTY or value is None or value is _SLOW:
            value = _ODD
        if len(self) >= _MEMO_LIMIT:
            self.clear()
        self[cell] = value
        return value


class _StrategyMemo(dict):
    """A row's strategy cells -> its strategy fields (one dict shared by equal rows)."""

    def __init__(self, rows: "_CsvRows"):
        self.rows = rows

    def __missing__(self, cells: tuple) -> Any:
        fields = self.rows.strategy(cells)
        if len(self) >= _MEMO_LIMIT:
            self.clear()
        self[cells] = fields
        return fields


class _CsvRows:
    """The rows of a CSV file as ``prepare`` stores them, each distinct cell text mapped and
    normalised once per column (a CSV cell's value depends on its text alone).

    ``row`` gives what ``bulk.normalise`` of the row's mapped values would give, or ``_SLOW``
    when any value is not plain (an error, a missing paper or CE, a strategy without its
    category): such a row takes the general path, so its message is the one it always was.
    """

    def __init__(self, mapping: Mapping, plan: list, clear_empty: bool):
        self.units = mapping.units
        self.clear_empty = clear_empty
        defaults = mapping.defaults
        indexes = {name: index for name, index, _ in plan}
        # The fields in the order ``bulk.normalise`` meets them: the defaults', then the columns'.
        order = list(defaults) + [name for name in mapping.columns if name not in defaults]
        self.fields: list[tuple[str, int, Any, dict, Any, bool]] = []
        for name in order:
            kind = (
                _PAPER
                if name == "paper"
                else _SOURCE
                if name == "source"
                else _CE
                if name == "ce_percent"
                else _STRATEGY
                if name in STRATEGY_FIELDS
                else _MEASUREMENT
            )
            default = self.normalised(name, defaults[name]) if name in defaults else None
            clearable = clear_empty and name in CLEARABLE and name not in defaults
            self.fields.append((name, kind, indexes.get(name), {}, default, clearable))
        self.strategies: dict[tuple, Any] = {}
        self.interned: dict = {}
        self.fast = self._fast_plan()

    def _fast_plan(self) -> "tuple | None":
        """How ``row`` reads a plain row with a few C calls: every measurement cell through its
        column's memo at once, the strategy's cells as one key. None where the file's mapping does
        not allow it (joined columns, a default between measurement columns, no paper column)."""
        measured: list[tuple[str, int]] = []
        prefix: list[tuple[str, Any]] = []
        strategy: list[int] = []
        ce_at = None
        paper = source = None
        source_default = None
        for name, kind, index, _, default, _ in self.fields:
            if index is not None and index.__class__ is not int:
                return None
            if default is _SLOW:
                return None
            if kind == _PAPER:
                if index is None:
                    return None
                paper = index
            elif kind == _SOURCE:
                source, source_default = index, default
            elif kind == _STRATEGY:
                if index is not None:
                    strategy.append(index)
            elif index is None:  # a measurement field of the defaults only
                if measured:
                    return None
                if default is not None:
                    prefix.append((name, default))
            else:
                if kind == _CE:
                    ce_at = len(measured)
                measured.append((name, index))
        if paper is None or ce_at is None or len(measured) < 2:
            return None
        keys = tuple(n for n, _ in prefix) + tuple(n for n, _ in measured)
        tail = []
        if "method" not in keys:
            keys += ("method",)
            tail.append(results.MEASUREMENT_DEFAULTS["method"])
        if any(kind == _CE for _, kind, index, *_ in self.fields if index is None):
            return None  # the CE from the defaults alone: the general path
        constant = None if strategy else self.strategy(())  # the defaults' strategy, if any
        if constant is _ODD:
            return None
        return (
            operator.itemgetter(*(i for _, i in measured)),
            [_PlainMemo(self, name) for name, _ in measured],
            ce_at,
            paper,
            _PlainMemo(self, "paper"),
            source,
            _PlainMemo(self, "source", source_default) if source is not None else source_default,
            None
            if not strategy
            else operator.itemgetter(*strategy)
            if len(strategy) > 1
            else (lambda cells, at=strategy[0]: (cells[at],)),
            _StrategyMemo(self) if strategy else constant,
            [d for _, d in prefix],
            tail,
            keys,
            None if "ce_decimals" in keys else keys + ("ce_decimals",),
        )

    def row(self, row_number: int, cells: list) -> Any:
        """(row number, paper, source, strategy, measurement keys, values); None for a blank row,
        ``_SLOW`` for a row the general path must read."""
        fast = self.fast
        if fast is not None:
            (
                get,
                memos,
                ce_at,
                paper_at,
                papers,
                source_at,
                sources,
                strategy_of,
                strategies,
                prefix,
                tail,
                keys,
                with_decimals,
            ) = fast
            values = list(map(_PlainMemo.__getitem__, memos, get(cells)))
            if _ODD not in values:
                paper = papers[cells[paper_at]]
                source = sources if source_at is None else sources[cells[source_at]]
                fields = strategies if strategy_of is None else strategies[strategy_of(cells)]
                if paper is not _ODD and source is not _ODD and fields is not _ODD:
                    number, places = values[ce_at]
                    values[ce_at] = number
                    values = prefix + values + tail
                    if places is not None and with_decimals is not None:
                        values.append(places)
                        keys = with_decimals
                    return (row_number, paper, source, fields, keys, tuple(values))
        return self._general(row_number, cells)

    def normalised(self, name: str, value: Any) -> Any:
        """What ``bulk.normalise`` makes of a mapped value (``_EMPTY`` if blank, ``_SLOW`` if
        not plain); of the CE, (number, decimals of the text)."""
        if value is _EMPTY:
            return _EMPTY
        try:
            if name == "paper":
                return results.clean_text(value, "paper") if value and str(value).strip() else _SLOW
            if name == "source":
                return results.clean_text(value, "source") if value else None
            number = bulk.normalise_field(name, value)
            if name == "ce_percent":
                return _SLOW if number is None else (number, precision.decimals(value))
            return number
        except CedbError:
            return _SLOW

    def value(self, name: str, cell: Any, memo: dict | None = None) -> Any:
        """The normalised value of field ``name``'s column for this cell (see ``normalised``),
        remembered in ``memo`` (the field's) if given."""
        if memo is not None:
            try:
                return memo[cell]
            except KeyError:
                pass
        try:
            value = self.normalised(name, _mapped(name, cell, self.units, True))
        except CedbError:  # a number its CE scale cannot take: the general path words it
            value = _SLOW
        if memo is not None and len(memo) < _MEMO_LIMIT:
            memo[cell] = value
        return value

    def strategy(self, cells: tuple) -> Any:
        """The strategy fields of these strategy cells (in the mapping's order), ``_ODD`` when
        a value is not plain or the category is missing."""
        items = []
        at = 0
        for name, kind, index, memo, default, _ in self.fields:
            if kind != _STRATEGY:
                continue
            if index is None:
                value = default
            else:
                value = self.value(name, cells[at], memo)
                at += 1
                if value is _EMPTY:
                    value = default
            if value is _SLOW:
                return _ODD
            if value is not None:
                items.append((name, value))
        if not items:
            return {}
        fields = dict(items)
        fields.setdefault("label", results._default_label(fields))
        return fields if "category" in fields else _ODD

    def _general(self, row_number: int, cells: list) -> Any:
        """``row`` field by field, in the order ``bulk.normalise`` meets them."""
        blank, slow = True, False
        paper: Any = _SLOW  # until given
        ce: Any = _SLOW
        source = None
        strategy: list = []
        keys: list = []
        values: list = []
        cleared = None
        for name, kind, index, memo, default, clearable in self.fields:
            if index is None:
                value = default
            else:
                value = self.value(name, cells[index] if index.__class__ is int else _joined(cells, index), memo)
                if value is _EMPTY:
                    if clearable:
                        cleared = (cleared or []) + [name]
                    value = default
                else:
                    blank = False
            if value is None:
                continue
            if value is _SLOW:
                slow = True  # the loop goes on: a blank row is skipped whatever its defaults
            elif kind == _MEASUREMENT:
                keys.append(name)
                values.append(value)
            elif kind == _STRATEGY:
                strategy.append((name, value))
            elif kind == _CE:
                ce = value
                keys.append(name)
                values.append(value[0])
            elif kind == _PAPER:
                paper = value
            else:
                source = value
        if blank:
            return None
        if slow or paper is _SLOW or ce is _SLOW:
            return _SLOW
        if strategy:
            fields = self.strategies.get(tuple(strategy))
            if fields is None:
                fields = dict(strategy)
                fields.setdefault("label", results._default_label(fields))
                if "category" not in fields:
                    return _SLOW
                if len(self.strategies) < _MEMO_LIMIT:
                    self.strategies[tuple(strategy)] = fields
        else:
            fields = {}
        if "method" not in keys:
            keys.append("method")
            values.append(results.MEASUREMENT_DEFAULTS["method"])
        if ce[1] is not None and "ce_decimals" not in keys:
            keys.append("ce_decimals")
            values.append(ce[1])
        if cleared:
            keys += cleared
            values += [None] * len(cleared)
        interned = self.interned
        if len(interned) > 200_000:
            interned.clear()
        key_tuple = tuple(keys)
        return (
            row_number,
            interned.setdefault(paper, paper),
            source,
            fields,
            interned.setdefault(key_tuple, key_tuple),
            tuple(values),
        )


def import_rows(
    *,
    session: Session,
    path: Path | None = None,
    mapping: Mapping | None = None,
    prepared: Prepared | None = None,
    dry_run: bool = False,
    progress: "bulk.Progress | None" = None,
    on_conflict: str = "error",
    allow_duplicate: bool = True,
) -> ImportReport:
    """Add every valid row, rejecting each bad one with its row number and reason.

    Rows are validated like `cedb result add` (by ``prepare``, unless ``prepared`` is given:
    the CLI prepares before it takes the write lock) and written in batches by cedb.store.bulk (the
    same duplicate and conflict rules, one transaction: the caller's).
    """
    if prepared is None:
        assert path is not None and mapping is not None, "give path and mapping, or prepared"
        with contextlib.closing(prepare(path=path, mapping=mapping, progress=progress)) as own:
            return import_rows(session=session, prepared=own, dry_run=dry_run, on_conflict=on_conflict,
                               allow_duplicate=allow_duplicate)  # fmt: skip
    report = ImportReport(dry_run=dry_run, total=prepared.total)
    # A dry run writes like a real import and rolls back at the end, so a later row is checked
    # against the earlier ones (duplicates and conflicts inside the file are reported the same).
    outer = session.begin_nested() if dry_run else None
    writer = bulk.ResultWriter(session, on_conflict=on_conflict, allow_duplicate=allow_duplicate)
    add = writer.add_values
    for row_number, paper, source, strategy, keys, values in prepared.each():
        add(row_number, paper, source, strategy, dict(zip(keys, values)))
    writer.close()
    report.added = writer.added
    report.warnings = writer.warnings
    report.rejected = sorted(prepared.rejected + writer.rejected)
    if outer is not None:
        outer.rollback()
    return report


_EMPTY = object()  # a blank cell: the field is not given


def _joined(cells: list, index: "int | tuple[int, ...]") -> Any:
    """A mapped column's cell, or the non-empty cells of several joined with " + "."""
    if isinstance(index, int):
        return cells[index]
    parts = [str(cells[i]).strip() for i in index if not _is_blank(cells[i])]
    return " + ".join(parts) if parts else None


def _mapped(name: str, value: Any, units: dict[str, str], text_only: bool) -> Any:
    """A cell as the field's raw value: a bare number given the mapping's unit or CE scale;
    ``_EMPTY`` for a blank cell."""
    if (not value or value.isspace()) if text_only else _is_blank(value):
        return _EMPTY
    scale = CE_SCALES.get(str(units.get(name, "")).lower()) if name == "ce_percent" else None
    if scale is not None and _is_number(value):
        return scale(float(str(value).replace(",", "")))
    if name in units and _is_number(value):
        return f"{value} {units[name]}"
    return value


def _is_number(value: Any) -> bool:
    try:
        float(str(value).replace(",", ""))
        return True
    except ValueError:
        return False
