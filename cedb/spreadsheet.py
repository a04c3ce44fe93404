"""Bulk import of an existing spreadsheet (CSV/XLSX) through a column mapping (documented in curation/README.md).

Every row is validated like `cedb result add`; a bad row is reported with its
number and reason and skipped, the others are added (in batches, by cedb.store.bulk).
With ``dry_run`` nothing is written.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cedb import results
from cedb.ce import ce_percent_from_lce
from cedb.errors import CedbError, InvalidValue, NotFound
from cedb.results import ALIASES, MEASUREMENT_FIELDS, STRATEGY_FIELDS, ResultInput
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
    # keys (one tuple shared), measurement values); ``results()`` gives them back.
    rows: list = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    total: int = 0

    def results(self) -> "Iterator[tuple[int, results.ResultInput]]":
        """(row number, ResultInput) of every valid row, in file order."""
        for row_number, paper, source, strategy, keys, values in self.rows:
            yield (
                row_number,
                ResultInput(paper=paper, source=source, strategy=strategy, measurement=dict(zip(keys, values))),
            )


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
    units = mapping.units
    text_only = path.suffix.lower() in (".csv", ".txt", ".tsv")  # CSV cells are text or None
    interned: dict = {}  # equal strategies, key tuples and paper keys share one object
    for row_number, cells in records:
        raw = dict(mapping.defaults)
        blank = True
        empty = []
        try:
            for name, index, memo in plan:
                if text_only and index.__class__ is int:
                    # A CSV cell's mapped value depends on its text alone: worked out once per text.
                    cell = cells[index]
                    try:
                        value = memo[cell]
                    except KeyError:
                        value = memo[cell] = _mapped(name, cell, units, text_only) if len(memo) < 50_000 else _MISS
                    if value is _MISS:
                        value = _mapped(name, cell, units, text_only)
                else:
                    value = _mapped(name, _joined(cells, index), units, text_only)
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
        prepared.rows.append((row_number, paper, result.source, strategy, keys, tuple(result.measurement.values())))
        if len(interned) > 200_000:
            interned.clear()
    return prepared


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
        prepared = prepare(path=path, mapping=mapping, progress=progress)
    report = ImportReport(dry_run=dry_run, total=prepared.total)
    # A dry run writes like a real import and rolls back at the end, so a later row is checked
    # against the earlier ones (duplicates and conflicts inside the file are reported the same).
    outer = session.begin_nested() if dry_run else None
    writer = bulk.ResultWriter(session, on_conflict=on_conflict, allow_duplicate=allow_duplicate)
    for row_number, result in prepared.results():
        writer.add(row_number, result)
    writer.close()
    report.added = writer.added
    report.warnings = writer.warnings
    report.rejected = sorted(prepared.rejected + writer.rejected)
    if outer is not None:
        outer.rollback()
    return report


_EMPTY = object()  # a blank cell: the field is not given
_MISS = object()  # not remembered: work it out again


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
