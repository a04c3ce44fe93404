"""Validated bulk writes for `cedb result import` and `cedb curate load`.

The per-row path (``crud.add_result`` in a savepoint per row) runs a handful of
queries per row; at 10^5-10^6 rows that is hours. Here the same rules hold with a
few queries per batch:

- values are validated by ``cedb.results`` rules, with each distinct (field, value)
  normalised once (``normalise``): pint parses "0.5 mA/cm^2" once, not per row;
- paper and source keys, strategies and the condition tuples already recorded for
  the papers of a batch are read with one query each into dicts;
- duplicates and conflicts are found in memory against the database and the rows
  before them; rows are written with SQLAlchemy Core ``insert()`` executemany, in
  batches, inside the caller's one transaction (a failure rolls the command back).

Rare cases (a rejected row's message, a duplicate paper) are handed to ``crud``
after the pending rows are written, so their messages are those of the per-row path.
Works on SQLite and PostgreSQL alike. Library code: never prints (see
``terminal_progress`` for the CLI's progress bar).
"""

import csv
import functools
import math
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from cedb import formulations, precision, results, units
from cedb.bibliography import title_key
from cedb.errors import CedbError, ConflictError, DuplicateError, InvalidValue, NotFound
from cedb.results import ALIASES, CONDITION_FIELDS, MEASUREMENT_FIELDS, STRATEGY_FIELDS, ResultInput
from cedb.store.models import (
    Measurement,
    MeasurementCreate,
    Reference,
    ReferenceAlias,
    Strategy,
    utcnow,
)

BATCH_SIZE = 5_000
# Papers whose strategies and recorded conditions stay in memory; older ones are dropped
# after a batch is written (and read back if a later row names them), so memory stays flat.
CACHED_PAPERS = 50_000
assert CONDITION_FIELDS == (
    "cell",
    "method",
    "current_density_mA_cm2",
    "areal_capacity_mAh_cm2",
    "cycles",
)
_IN_CHUNK = 2_000  # keys per IN (...) list: under SQLite's bound-parameter limit on every version
# One expanding parameter: the statement is compiled once, not coerced value by value per chunk.
_IDS = sa.bindparam("ids", expanding=True)

Progress = Callable[[int, int], None]  # (done, total), units chosen by the caller

MEASUREMENT = Measurement.__table__
STRATEGY = Strategy.__table__
REFERENCE = Reference.__table__
ALIAS = ReferenceAlias.__table__
_DERIVED = ("electrolyte_canonical", "components", "formulation")


# --------------------------------------------------------------------------- validation


_FIELD_CACHE: dict[tuple, tuple[Any, type[CedbError] | None, str]] = {}
_FIELD_CACHE_LIMIT = 50_000
_ANNOTATE_CACHE: dict[tuple, tuple[dict[str, Any], str | None]] = {}
_DECIMALS: dict[str, int | None] = {}


def normalise_field(name: str, value: Any) -> Any:
    """``results.normalise_field`` remembered per (field, type, value): same value, same error."""
    try:
        key = (name, type(value), value)
        hit = _FIELD_CACHE.get(key)
    except TypeError:  # unhashable (a method_params mapping)
        return results.normalise_field(name, value)
    if hit is None:
        quantity = results.QUANTITY_FIELDS.get(name)
        number = None if quantity is None else units.in_canonical_spelling(value, quantity)
        try:
            if number is None:
                number = results.normalise_field(name, value)
            hit = (number, None, "")
        except CedbError as exc:
            hit = (None, type(exc), str(exc))
        if len(_FIELD_CACHE) >= _FIELD_CACHE_LIMIT:
            _FIELD_CACHE.clear()
        _FIELD_CACHE[key] = hit
    if hit[1] is not None:
        raise hit[1](hit[2])
    return hit[0]


def normalise(raw: dict[str, Any], *, canonical: bool = False) -> ResultInput:
    """The result ``results.normalise(raw)`` gives, faster on repeated values.

    Any error is re-raised by ``results.normalise`` itself, so messages are the same;
    tests/test_bulk.py checks that both agree. ``canonical``: the keys are field names
    already (no aliases such as ``ce``), as a read spreadsheet mapping gives them.
    """
    try:
        return _normalise(dict(raw) if canonical else {ALIASES.get(k, k): v for k, v in raw.items()})
    except CedbError:
        return results.normalise(raw)


def _normalise(values: dict[str, Any]) -> ResultInput:
    paper = values.pop("paper", None)
    if not paper or not str(paper).strip() or values.get("ce_percent") is None:
        raise InvalidValue("incomplete")  # results.normalise says which part is missing
    source = values.pop("source", None)
    result = ResultInput(
        paper=results.clean_text(paper, "paper"),
        source=results.clean_text(source, "source") if source else None,
    )
    strategy, measurement = result.strategy, result.measurement
    cache = _FIELD_CACHE
    for name, value in values.items():
        try:
            hit = cache[(name, value.__class__, value)]
        except (KeyError, TypeError):
            value = normalise_field(name, value)
        else:
            if hit[1] is not None:
                raise hit[1](hit[2])
            value = hit[0]
        if name in _STRATEGY_NAMES:
            if value is not None:
                strategy[name] = value
        elif name in _MEASUREMENT_NAMES:
            if value is not None:
                measurement[name] = value
        else:
            raise InvalidValue("unknown field")
    if strategy:
        if "label" not in strategy:
            strategy["label"] = results._default_label(strategy)
        if "category" not in strategy:
            raise InvalidValue("no category")
    if measurement.get("method") is None:
        measurement["method"] = results.MEASUREMENT_DEFAULTS["method"]
    given = values.get("ce_percent")
    if given.__class__ is str and measurement.get("ce_decimals") is None and "ce_percent" in measurement:
        try:  # the decimals of a CE text, once per text (a regular expression per row otherwise)
            places = _DECIMALS[given]
        except KeyError:
            places = _DECIMALS[given] = precision.decimals(given)
            if len(_DECIMALS) > _FIELD_CACHE_LIMIT:
                _DECIMALS.clear()
        if places is not None:
            measurement["ce_decimals"] = places
    else:
        precision.derive(measurement, given)
    return result


_STRATEGY_NAMES = frozenset(STRATEGY_FIELDS)
_MEASUREMENT_NAMES = frozenset(MEASUREMENT_FIELDS)


def annotate(electrolyte: str | None, additive: str | None) -> dict[str, Any]:
    """``formulations.annotate`` remembered per (electrolyte, additive) text.

    The parse is remembered, not the warning: every load that stores an unparsed text says so.
    The dict returned is the remembered one: read it, do not change it.
    """
    key = (electrolyte, additive)
    hit = _ANNOTATE_CACHE.get(key)
    if hit is None:
        if len(_ANNOTATE_CACHE) >= _FIELD_CACHE_LIMIT:
            _ANNOTATE_CACHE.clear()
        hit = _ANNOTATE_CACHE[key] = formulations.parsed(electrolyte, additive)
    if hit[1] is not None:
        formulations.warn_unparsed(hit[1])
    return hit[0]


# --------------------------------------------------------------------------- reading CSV


def iter_csv(
    path: Path, progress: Progress | None = None, *, as_lists: bool = False
) -> tuple[list[str], Iterator[tuple[int, Any]]]:
    """(columns, rows) of a CSV file, streamed, read as ``pd.read_csv(sep=None, engine="python",
    dtype=object, keep_default_na=False)`` reads it: the delimiter is sniffed from the first
    line, a BOM is dropped, blank lines are skipped, repeated column names get ``.1``, ``.2``;
    a short row is padded with None, a long one is an error. Each row is (row number, record)
    with the row number ``cedb.spreadsheet`` reports (the header is 1, blank lines not counted);
    ``as_lists``: the record is the list of cells in column order, not a dict.
    """
    try:
        handle = path.open(encoding="utf-8", newline="")
        first = handle.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidValue(f"cannot read {path}: {exc}") from None
    if first.startswith("\ufeff"):
        first = first[1:]
    header_lines = 1
    while first and not first.strip("\r\n"):
        first = handle.readline()
        header_lines += 1
    if not first:
        handle.close()
        raise InvalidValue(f"cannot read {path}: No columns to parse from file")
    try:
        delimiter = csv.Sniffer().sniff(first).delimiter
    except csv.Error:
        delimiter = ","  # one column (pandas would stop with a traceback here)
    header = next(csv.reader([first], delimiter=delimiter, quotechar='"', strict=True))
    columns: list[str] = []
    for name in header:
        candidate, count = name, 0
        while candidate in columns:
            count += 1
            candidate = f"{name}.{count}"
        columns.append(candidate)
    total = path.stat().st_size
    width = len(columns)

    def rows() -> Iterator[tuple[int, dict]]:
        index = 0
        try:
            # The file itself, not a generator of its lines: the bytes read so far (the buffer's
            # position) are the progress.
            reader = csv.reader(handle, delimiter=delimiter, quotechar='"', strict=True)
            for fields in reader:
                if progress is not None and reader.line_num % 4096 == 0:
                    progress(min(handle.buffer.tell(), total), total)
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue
                if len(fields) > width:
                    raise InvalidValue(
                        f"cannot read {path}: Expected {width} fields in line "
                        f"{reader.line_num + header_lines}, saw {len(fields)}"
                    )
                if len(fields) < width:
                    fields = fields + [None] * (width - len(fields))
                index += 1
                yield index + 1, fields if as_lists else dict(zip(columns, fields))
            if progress is not None:
                progress(total, total)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InvalidValue(f"cannot read {path}: {exc}") from None
        finally:
            handle.close()

    return columns, rows()


# --------------------------------------------------------------------------- shared


class _Strategy:
    """A strategy as stored (or about to be): compared by identity in condition keys."""

    __slots__ = ("id", "reference_id", "values", "same")

    def __init__(self, id: int | None, reference_id: int, values: dict[str, Any]):
        self.id = id
        self.reference_id = reference_id
        self.values = values  # STRATEGY_FIELDS and the derived formulation columns
        # The last fields given that matched ``values``: the next row naming this strategy
        # with the very same dict (a spreadsheet's rows share it) needs no comparison.
        self.same: dict | None = None


class _Paper:
    """What one paper already has: strategies by label, first result [ce, id, source id] per
    (strategy, conditions), and (id, strategy label) per (conditions, CE) whatever the strategy."""

    __slots__ = ("strategies", "conditions", "loose")

    def __init__(self):
        self.strategies: dict[str, _Strategy] = {}
        self.conditions: dict[tuple, list] = {}
        self.loose: dict[tuple, tuple] = {}


def _chunks(values: list, size: int = _IN_CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


_ROW_KEYS = ("reference_id", "strategy_id", "source_id", "created_at", "updated_at")
_ROW_TEMPLATE = dict.fromkeys(MEASUREMENT_FIELDS) | results.MEASUREMENT_DEFAULTS | dict.fromkeys(_ROW_KEYS)


def _omittable(column: sa.Column) -> bool:
    """A column whose value, left out of an INSERT, is NULL."""
    return column.nullable and column.server_default is None and column.default is None and not column.primary_key


def _insert_rows(connection: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """``insert(table)`` executemany of same-keyed rows.

    On SQLite the compiled Core statement goes to the driver's executemany with tuples,
    each column's bind processor applied once per distinct value (the timestamps are one
    value per batch): SQLAlchemy's per-row parameter processing was a sixth of the import.
    """
    if not rows:
        return
    if connection.dialect.name != "sqlite":
        connection.execute(sa.insert(table), rows)
        return
    # A column empty in every row of the batch is left out: it is NULL all the same (no
    # DEFAULT in the schema), and binding fewer values was a tenth of SQLite's insert.
    columns = [
        c
        for c in rows[0]
        if not _omittable(table.c[c]) or list(map(operator.itemgetter(c), rows)).count(None) < len(rows)
    ]
    statement, order, processors = _compiled_insert(table, tuple(columns), connection.dialect)
    # Only the few columns with a processor (the timestamps) are converted, once per distinct
    # value, in place (the rows are the batch's own); each row then becomes its tuple in one
    # C call (itemgetter), not through a per-row generator.
    for column in order:
        process = processors[column]
        if process is None:
            continue
        memo: dict = {}
        for row in rows:
            value = row[column]
            if value is None:
                continue
            try:
                row[column] = memo[value]
            except KeyError:
                row[column] = memo[value] = process(value)
            except TypeError:
                row[column] = process(value)
    take = operator.itemgetter(*order)
    parameters = [(take(row),) for row in rows] if len(order) == 1 else list(map(take, rows))
    connection.exec_driver_sql(statement, parameters)


@functools.lru_cache(maxsize=64)
def _compiled_insert(table: sa.Table, columns: tuple[str, ...], dialect) -> tuple[str, list[str], dict]:
    """The INSERT of these columns as the driver's SQL, its parameter order and the columns' bind
    processors: compiled once per import, not once per batch."""
    compiled = sa.insert(table).compile(dialect=dialect, column_keys=list(columns))
    order = [compiled.binds[name].key for name in compiled.positiontup]
    # Floats and booleans go to sqlite3 as they are (the processors would only call float()/int()).
    processors = {
        c: None
        if isinstance(table.c[c].type, (sa.Float, sa.Boolean))
        else table.c[c].type._cached_bind_processor(dialect)
        for c in order
    }
    return compiled.string, order, processors


def _new_strategy_row(state: _Strategy) -> dict[str, Any]:
    row = dict.fromkeys(STRATEGY_FIELDS + _DERIVED)
    row.update(state.values)
    row["reference_id"] = state.reference_id
    return row


def _insert_strategies(connection: Connection, states: list[_Strategy]) -> None:
    """Insert new strategies and give each its id.

    The ids are read back by (paper, label), unique in the schema: RETURNING in parameter
    order makes SQLAlchemy insert one row per statement on SQLite. There, within the write
    transaction, a rowid table gives each new row the largest id + 1: if the new ids are exactly
    the next ones, they are the rows in order, and nothing needs reading back.
    """
    if not states:
        return
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        before = connection.execute(sa.select(sa.func.max(STRATEGY.c.id))).scalar() or 0
    _insert_rows(connection, STRATEGY, [_new_strategy_row(s) for s in states])
    if sqlite:
        query = sa.select(sa.func.count(), sa.func.max(STRATEGY.c.id)).where(STRATEGY.c.id > before)
        if tuple(connection.execute(query).one()) == (len(states), before + len(states)):
            for id, state in enumerate(states, before + 1):
                state.id = id
            return
    waiting = {(s.reference_id, s.values["label"]): s for s in states}
    query = sa.select(STRATEGY.c.id, STRATEGY.c.reference_id, STRATEGY.c.label)
    for chunk in _chunks(sorted({s.reference_id for s in states})):
        for id, reference_id, label in connection.execute(query.where(STRATEGY.c.reference_id.in_(chunk))):
            state = waiting.get((reference_id, label))
            if state is not None:
                state.id = id


def _update_strategies(connection: Connection, states: Iterable[_Strategy]) -> None:
    rows = [dict(_new_strategy_row(s), _id=s.id) for s in states]
    if rows:
        columns = STRATEGY_FIELDS + _DERIVED
        statement = (
            sa.update(STRATEGY)
            .where(STRATEGY.c.id == sa.bindparam("_id"))
            .values({c: sa.bindparam(c) for c in columns})
        )
        connection.execute(statement, rows)


def _load_papers(
    connection: Connection,
    reference_ids: list[int],
    papers: dict[int, "_Paper"],
    *,
    keep_rows: bool = False,
) -> dict[int, dict]:
    """Fill ``papers`` for these references (strategies and first result per conditions).

    Returns every recorded measurement by id (for curation loads, which compare all fields).
    """
    by_id: dict[int, _Strategy] = {}
    rows_by_id: dict[int, dict] = {}
    for reference_id in reference_ids:
        papers[reference_id] = _Paper()
    columns = [STRATEGY.c.id, STRATEGY.c.reference_id] + [STRATEGY.c[c] for c in STRATEGY_FIELDS + _DERIVED]
    for chunk in _chunks(reference_ids):
        query = sa.select(*columns).where(STRATEGY.c.reference_id.in_(_IDS))
        for row in connection.execute(query, {"ids": chunk}).mappings():
            values = {c: row[c] for c in STRATEGY_FIELDS + _DERIVED}
            state = _Strategy(row["id"], row["reference_id"], values)
            papers[row["reference_id"]].strategies[values["label"]] = state
            by_id[row["id"]] = state
    columns = [
        MEASUREMENT.c.id,
        MEASUREMENT.c.reference_id,
        MEASUREMENT.c.strategy_id,
        MEASUREMENT.c.source_id,
    ] + [MEASUREMENT.c[c] for c in MEASUREMENT_FIELDS]
    for chunk in _chunks(reference_ids):
        query = sa.select(*columns).where(MEASUREMENT.c.reference_id.in_(_IDS)).order_by(MEASUREMENT.c.id)
        for row in connection.execute(query, {"ids": chunk}).mappings():
            strategy_id = row["strategy_id"]
            # A strategy of another paper (possible after `result edit --paper`) matches no new row.
            token = None if strategy_id is None else by_id.get(strategy_id, ("other", strategy_id))
            conditions = tuple(row[c] for c in CONDITION_FIELDS)
            paper = papers[row["reference_id"]]
            entry = [row["ce_percent"], row["id"], row["source_id"]]
            paper.conditions.setdefault((token,) + conditions, entry)
            # After `paper merge` one identity can hold results of several sources (a review's
            # and the paper's): a row is matched to the one read from its own source first.
            paper.conditions.setdefault((token,) + conditions + (row["source_id"],), entry)
            label = token.values["label"] if token.__class__ is _Strategy else None
            paper.loose.setdefault(conditions + (row["ce_percent"],), (row["id"], label))
            if keep_rows:
                rows_by_id[row["id"]] = dict(row)
    return rows_by_id


def _resolve_keys(connection: Connection, keys: Iterable[str], known: dict[str, int | None]) -> None:
    """Fill ``known`` with key -> reference id (None if unknown); an alias finds its paper."""
    missing = sorted({k for k in keys if k not in known})
    for chunk in _chunks(missing):
        query = sa.select(REFERENCE.c.key, REFERENCE.c.id).where(REFERENCE.c.key.in_(_IDS))
        found = dict(connection.execute(query, {"ids": chunk}).all())
        if len(found) < len(chunk):
            query = sa.select(ALIAS.c.key, ALIAS.c.reference_id).where(
                ALIAS.c.key.in_([k for k in chunk if k not in found])
            )
            found.update(connection.execute(query).all())
        for key in chunk:
            known[key] = found.get(key)


# --------------------------------------------------------------------------- results (import)


class LikelyDuplicate(DuplicateError):
    """Same paper, conditions and CE as a recorded result under another strategy label."""


class StrategyConflict(ConflictError):
    """A strategy label the paper has, given with other values (issue 19)."""


ON_CONFLICT = ("error", "keep", "replace")
ENTITIES = ("papers", "strategies", "results")
OUTCOMES = ("added", "updated", "unchanged", "conflicting")


@dataclass
class Change:
    """One field of one stored row that a write changes (the per-field diff of a dry run)."""

    entity: str  # paper | strategy | result
    name: str  # the paper key, "KEY: label", or "result ID (KEY)"
    field: str
    old: Any
    new: Any

    def __str__(self) -> str:
        def show(value: Any) -> str:
            if value is None:
                return "(empty)"
            text = (
                repr(value) if isinstance(value, str) else f"{value:.12g}" if isinstance(value, float) else str(value)
            )
            return text if len(text) <= 120 else text[:117] + "..."

        return f"{self.entity} {self.name}: {self.field}: {show(self.old)} -> {show(self.new)}"


@dataclass
class WriteCounts:
    """Per entity (papers, strategies, results): added / updated / unchanged / conflicting."""

    counts: dict[str, dict[str, int]] = field(default_factory=lambda: {e: dict.fromkeys(OUTCOMES, 0) for e in ENTITIES})
    changes: list[Change] = field(default_factory=list)

    def count(self, entity: str, outcome: str, n: int = 1) -> None:
        self.counts[entity][outcome] += n

    def summary(self) -> str:
        parts = []
        for entity in ENTITIES:
            c = self.counts[entity]
            words = [f"{c[o]} {o}" for o in ("added", "updated", "unchanged")]
            if c["conflicting"]:
                words.append(f"{c['conflicting']} conflicting")
            parts.append(f"{entity}: " + ", ".join(words))
        return "; ".join(parts)


def duplicate_message(id: int, ce: float) -> str:
    """The one wording of a duplicate result, on every route."""
    return f"the same result is already recorded as id {id} (same paper, conditions and CE {ce:g} %): nothing to add"


def conflict_message(id: int, old_ce: float, old_source: str, new_ce: float, new_source: str) -> str:
    """The one wording of a conflict (same paper and conditions, other CE), on every route."""
    return (
        f"id {id} records CE {old_ce:g} % (read from {old_source}) for the same paper and "
        f"conditions, not {new_ce:g} % (read from {new_source}): check the sources, then "
        f"`cedb result edit {id} --ce ...`, give other conditions, or choose with "
        "--on-conflict keep|replace"
    )


def likely_duplicate_message(id: int, label: str | None, ce: float) -> str:
    where = f"strategy {label!r}" if label else "no strategy"
    return (
        f"looks like result {id} ({where}): same paper, conditions and CE {ce:g} % under "
        "another strategy label; give --allow-duplicate if it is another result"
    )


class ResultWriter:
    """The one write path of strategies and results: every route (`cedb result add`, `result
    import`, `curate load`, `ce --record`, `extract --record`, the bundled dataset) queues rows
    here, and ``crud.add_result`` is this writer with one row.

    ``add(row_number, result)`` queues a row; ``close()`` writes the last batch. Each row is
    validated by ``MeasurementCreate`` and checked against the database and the rows before
    it: a row whose paper or source is unknown is rejected (``rejected``: row number and
    message; ``errors``: the exceptions). Same paper, strategy and conditions:

    - same CE: a duplicate, rejected (``merge=False``), or with ``merge=True`` (curation
      loads) the same result, into which the fields the row names are merged (a field the row
      does not name is never cleared; an explicit None clears it);
    - another CE: a conflict, rejected (``on_conflict='error'``), the recorded result kept
      ('keep') or its CE and the row's fields written over it ('replace').

    Same paper, conditions and CE under another strategy label is a likely duplicate: a
    warning (``warnings``), or rejected when ``allow_duplicate`` is false. A strategy label
    the paper already has with other values is a conflict (``merge=False``) or an update.
    ``counts`` has the added / updated / unchanged / conflicting rows and the changed fields.
    A result given with an empty ``measurement`` only names its strategy (a curation file's
    strategy without results). ``update_strategies``: a strategy label given with other values
    changes the recorded strategy (for all its results) instead of being a conflict.

    ``edit(row_number, id, changes)`` changes a recorded result (`cedb result edit`) under the
    same rules: the row as it would be is validated by ``MeasurementCreate``, a changed strategy
    is written over the recorded one, and ending up with another result's paper, strategy and
    conditions is the same duplicate or conflict, with the same message, as adding it.
    """

    def __init__(
        self,
        session: Session,
        *,
        merge: bool = False,
        on_conflict: str = "error",
        allow_duplicate: bool = True,
        update_strategies: bool = False,
        batch_size: int = BATCH_SIZE,
        cached_papers: int = CACHED_PAPERS,
        counts: WriteCounts | None = None,
        keys: dict[str, int | None] | None = None,
    ):
        if on_conflict not in ON_CONFLICT:
            raise InvalidValue(f"--on-conflict {on_conflict!r}: use one of {', '.join(ON_CONFLICT)}")
        self.session = session
        self.connection = session.connection()
        self.merge = merge
        self.on_conflict = on_conflict
        self.allow_duplicate = allow_duplicate
        self.update_strategies = update_strategies
        self.batch_size = batch_size
        self.cached_papers = cached_papers
        self.counts = counts if counts is not None else WriteCounts()
        self._result_counts = self.counts.counts["results"]
        self.added: list[int] = []
        self.ids: dict[int, int] = {}  # row number -> id of the result it added, kept or updated
        self.rejected: list[tuple[int, str]] = []
        self.errors: list[CedbError] = []
        self.warnings: list[tuple[int, str]] = []
        # (row number, paper, source, strategy fields, measurement fields) of rows not yet checked
        self._queue: list[tuple[int, str, str | None, dict[str, Any], dict[str, Any]]] = []
        self._keys: dict[str, int | None] = keys if keys is not None else {}
        self._names: dict[int, str] = {}
        self._papers: dict[int, _Paper] = {}
        self._recorded: dict[int, dict] = {}
        self._new_strategies: list[_Strategy] = []
        self._changed_strategies: dict[int, _Strategy] = {}
        self._rows: list[tuple[_Strategy | None, dict, int]] = []
        self._updates: list[dict] = []
        self._missing: dict[str, str] = {}
        self._now = utcnow()

    def add(self, row_number: int, result: ResultInput) -> None:
        self.add_values(row_number, result.paper, result.source, result.strategy, result.measurement)

    def add_values(
        self,
        row_number: int,
        paper: str,
        source: str | None,
        strategy: dict[str, Any],
        measurement: dict[str, Any],
    ) -> None:
        """``add`` of a result given as its parts (a large import builds no ResultInput per row)."""
        self._queue.append((row_number, paper, source, strategy, measurement))
        if len(self._queue) >= self.batch_size:
            self.flush()

    def close(self) -> None:
        self.flush()

    def flush(self) -> None:
        queue, self._queue = self._queue, []
        if not queue:
            return
        papers = {row[1] for row in queue}
        _resolve_keys(self.connection, papers.union(row[2] for row in queue if row[2]), self._keys)
        keys = self._keys
        wanted = {keys[paper] for paper in papers if keys.get(paper) is not None}
        if len(self._papers) + len(wanted) > self.cached_papers:
            for reference_id in [i for i in self._papers if i not in wanted]:
                del self._papers[reference_id]
        recorded = _load_papers(
            self.connection,
            sorted(wanted - self._papers.keys()),
            self._papers,
            keep_rows=self.merge,
        )
        if self.merge:
            self._recorded.update(recorded)
        add = self._add
        for row_number, paper_key, source, strategy, measurement in queue:
            try:
                add(row_number, paper_key, source, strategy, measurement)
            except CedbError as exc:
                self.rejected.append((row_number, str(exc)))
                self.errors.append(exc)
        self._write()

    def _reference_id(self, key: str) -> int:
        reference_id = self._keys.get(key)
        if reference_id is None:
            if key not in self._missing:
                self._missing[key] = (
                    f"no paper with key {key!r}: see `cedb paper list`, or add it with `cedb paper add`"
                )
            raise NotFound(self._missing[key])
        return reference_id

    def _name(self, reference_id: int | None, default: str = "") -> str:
        """The key of a paper, for messages (``default`` for None)."""
        if reference_id is None:
            return default
        if reference_id not in self._names:
            self._names[reference_id] = self.connection.execute(
                sa.select(REFERENCE.c.key).where(REFERENCE.c.id == reference_id)
            ).scalar_one()
        return self._names[reference_id]

    def _strategy(self, reference_id: int, paper: _Paper, fields: dict[str, Any], count: bool = False) -> _Strategy:
        """The paper's strategy with this label: new, the same, merged (``merge``) or a conflict.

        ``count``: count it unchanged (a strategy row; a result names its strategy many times).
        """
        state = paper.strategies.get(fields["label"])
        if state is None:
            state = _Strategy(
                None,
                reference_id,
                fields | annotate(fields.get("electrolyte"), fields.get("additive")),
            )
            state.same = fields
            paper.strategies[fields["label"]] = state
            self._new_strategies.append(state)
            self.counts.count("strategies", "added")
            return state
        if fields is state.same:
            different = None
        else:
            different = {n: v for n, v in fields.items() if state.values.get(n) != v}
        if not different:
            state.same = fields
            if count:
                self.counts.count("strategies", "unchanged")
            return state
        if not (self.merge or self.update_strategies):
            name, value = next(iter(different.items()))
            self.counts.count("strategies", "conflicting")
            raise StrategyConflict(
                f"strategy {fields['label']!r} of {self._name(reference_id)} is recorded with "
                f"{name} {state.values.get(name)!r}, not {value!r}: give the recorded values, "
                "another --label, or change the strategy with `cedb result edit`"
            )
        for name, value in different.items():
            self.counts.changes.append(
                Change(
                    "strategy", f"{self._name(reference_id)}: {fields['label']}", name, state.values.get(name), value
                )
            )
        # crud.upsert_strategy's rule: the given fields, then the formulation of the texts the
        # strategy now holds (an update naming only a host keeps its electrolyte).
        state.values.update(fields)
        state.values.update(annotate(state.values.get("electrolyte"), state.values.get("additive")))
        state.same = None
        if state.id is not None:
            self._changed_strategies[state.id] = state
        self.counts.count("strategies", "updated")
        return state

    def _add(
        self,
        row_number: int,
        paper_key: str,
        source: str | None,
        fields: dict[str, Any],
        measurement: dict[str, Any],
    ) -> None:
        reference_id = self._keys.get(paper_key)
        if reference_id is None:
            reference_id = self._reference_id(paper_key)
        source_id = self._reference_id(source) if source else None
        paper = self._papers[reference_id]
        if not measurement:  # a strategy alone
            self._strategy(reference_id, paper, fields, count=True)
            return
        values = measurement
        if None in measurement.values():  # never changed in place: the caller's dict
            values = {k: v for k, v in measurement.items() if v is not None}
        if "method" not in values:
            values = dict(values, method=results.MEASUREMENT_DEFAULTS["method"])
        _validate(values, reference_id, source_id)
        # A new strategy is created only once the row is accepted (a refused row leaves none).
        state = paper.strategies.get(fields["label"]) if fields else None
        new_strategy = state is None and bool(fields)
        if state is not None and fields is not state.same:  # the same dict as last time: the same
            state = self._strategy(reference_id, paper, fields)
        conditions = tuple(map(values.get, CONDITION_FIELDS))
        key = (state,) + conditions
        ce = values["ce_percent"]
        hit = None if new_strategy else (paper.conditions.get(key + (source_id,)) or paper.conditions.get(key))
        if hit is not None:
            self._same_conditions(row_number, paper_key, source, measurement, hit, state, values, source_id)
            return
        loose = paper.loose.get(conditions + (ce,))
        if loose is not None:
            if loose[0] is None:  # an earlier row of this write
                loose = paper.loose[conditions + (ce,)] = (self._find_id(reference_id, None, values, ce=ce), loose[1])
            message = likely_duplicate_message(loose[0], loose[1], ce)
            if not self.allow_duplicate:
                raise LikelyDuplicate(message)
            self.warnings.append((row_number, message))
        if new_strategy:
            state = self._strategy(reference_id, paper, fields)
            key = (state,) + conditions
        paper.conditions[key] = paper.conditions[key + (source_id,)] = [ce, None, source_id]
        paper.loose.setdefault(conditions + (ce,), (None, fields.get("label") if fields else None))
        row = _ROW_TEMPLATE.copy()  # every column, the defaults, then the values (one key order)
        row.update(values)
        row["reference_id"] = reference_id
        row["source_id"] = source_id
        row["created_at"] = row["updated_at"] = self._now
        self._rows.append((state, row, row_number))
        self.added.append(row_number)
        self._result_counts["added"] += 1

    def _same_conditions(
        self,
        row_number: int,
        paper_key: str,
        source: str | None,
        measurement: dict[str, Any],
        hit: list,
        state,
        values: dict[str, Any],
        source_id: int | None,
    ) -> None:
        """A row with a recorded (or earlier) result's paper, strategy and conditions."""
        recorded_ce, id, recorded_source = hit
        ce = values["ce_percent"]
        same_ce = abs(recorded_ce - ce) <= 1e-9 * max(1.0, abs(ce))
        if id is None:  # an earlier row of this write
            hit[1] = id = self._find_id(self._keys[paper_key], state, values)
        if same_ce and not self.merge:
            raise self._refusal(id, recorded_ce, recorded_source, ce, source_id, self._keys[paper_key])
        if not same_ce:
            if self.on_conflict == "error":
                self.counts.count("results", "conflicting")
                raise self._refusal(id, recorded_ce, recorded_source, ce, source_id, self._keys[paper_key])
            if self.on_conflict == "keep":
                self.counts.count("results", "conflicting")
                self.ids[row_number] = id
                return
        # merge, or replace: the row's fields over the recorded ones (only those it names).
        current = self._recorded.get(id)
        if current is None:
            current = dict(
                self.connection.execute(sa.select(MEASUREMENT).where(MEASUREMENT.c.id == id)).mappings().one()
            )
            self._recorded[id] = current
        given = dict(measurement)
        if source is not None:
            given["source_id"] = source_id
        changed = {
            n: v for n, v in given.items() if n not in _NEVER_EMPTY or v is not None if not _equal(current.get(n), v)
        }
        self.ids[row_number] = id
        if not changed:
            self.counts.count("results", "unchanged")
            return
        name = f"{id} ({paper_key})"
        for field_name, value in changed.items():
            old = current.get(field_name)
            if field_name == "source_id":
                field_name, old, value = "source", self._name(old), source
            self.counts.changes.append(Change("result", name, field_name, old, value))
        _validate(
            {**{n: current.get(n) for n in MEASUREMENT_FIELDS}, **changed},
            current["reference_id"],
            changed.get("source_id", current.get("source_id")),
        )
        current.update(changed)
        hit[0] = current["ce_percent"]
        self._updates.append(changed | {"_id": id})
        self.counts.count("results", "updated")

    def _refusal(
        self,
        id: int,
        recorded_ce: float,
        recorded_source: int | None,
        ce: float,
        source_id: int | None,
        reference_id: int,
    ) -> CedbError:
        """The one duplicate (same CE) or conflict (other CE) error of every route: a row with
        the paper, strategy and conditions of recorded result ``id``."""
        if abs(recorded_ce - ce) <= 1e-9 * max(1.0, abs(ce)):
            return DuplicateError(duplicate_message(id, recorded_ce))
        paper = self._name(reference_id)
        return ConflictError(
            conflict_message(id, recorded_ce, self._name(recorded_source, paper), ce, self._name(source_id, paper))
        )

    # ------------------------------------------------------------------ edits

    def edit(self, row_number: int, id: int, changes: ResultInput) -> None:
        """Change recorded result ``id``: the fields ``changes.measurement`` names (None empties
        one), its paper (``changes.paper``; "" or "-" keeps it), its source, its strategy (the
        recorded strategy's fields with ``changes.strategy`` over them). Rows queued before are
        written first, so an edit sees them. A refusal goes to ``rejected`` and ``errors``."""
        self.flush()
        try:
            self._edit(id, changes)
        except CedbError as exc:
            self.rejected.append((row_number, str(exc)))
            self.errors.append(exc)
        else:
            self.ids[row_number] = id

    def _edit(self, id: int, changes: ResultInput) -> None:
        current = self.connection.execute(sa.select(MEASUREMENT).where(MEASUREMENT.c.id == id)).mappings().one_or_none()
        if current is None:
            raise NotFound(f"no result with id {id}: see `cedb query`")
        current = dict(current)
        for name in _NEVER_EMPTY:
            if name in changes.measurement and changes.measurement[name] is None:
                raise InvalidValue(f"{name} cannot be emptied: give a value")
        keys = {k for k in (changes.paper, changes.source) if k and k != "-"}
        _resolve_keys(self.connection, keys, self._keys)
        moved = bool(changes.paper and changes.paper != "-")
        reference_id = self._reference_id(changes.paper) if moved else current["reference_id"]
        source_id = self._reference_id(changes.source) if changes.source else current["source_id"]
        values = {n: current[n] for n in MEASUREMENT_FIELDS}
        values.update(changes.measurement)
        # The row as it would be, before anything is written.
        _validate(values, reference_id, source_id)
        strategy_id = current["strategy_id"]
        if changes.strategy or (moved and strategy_id is not None):
            # The strategy belongs to the paper: an edited or moved result gets the strategy
            # (its recorded fields, the changes over them) under its paper.
            fields: dict[str, Any] = {}
            if strategy_id is not None:
                row = self.connection.execute(sa.select(STRATEGY).where(STRATEGY.c.id == strategy_id)).mappings().one()
                fields = {n: row[n] for n in STRATEGY_FIELDS if row[n] is not None}
            given = {k: v for k, v in changes.strategy.items() if v is not None}
            if reference_id not in self._papers:
                _load_papers(self.connection, [reference_id], self._papers)
            target = self._papers[reference_id].strategies.get(given.get("label") or fields.get("label"))
            if target is not None and target.id != strategy_id:
                # Another strategy of the paper has this label: the result joins it, and only
                # the fields the edit names change it (the old strategy's fields do not).
                fields = {"label": target.values["label"]}
            fields.update(given)
            if "category" not in fields and target is None:
                raise InvalidValue("a strategy needs its category: give --category")
            fields.setdefault("label", results._default_label(fields))
            update, self.update_strategies = self.update_strategies, True
            try:
                state = self._strategy(reference_id, self._papers[reference_id], fields)
            finally:
                self.update_strategies = update
            self._write_strategies()
            strategy_id = state.id
        get = values.get
        same_result = (
            reference_id == current["reference_id"]
            and strategy_id == current["strategy_id"]
            and all(_equal(current[n], get(n)) for n in CONDITION_FIELDS + ("ce_percent",))
        )
        # An edit that leaves the result's paper, strategy, conditions and CE as they are (a
        # location, a note) is not checked again: a disagreement recorded by `paper merge`
        # stays listed by `paper conflicts` and does not block the curator's other edits.
        query = sa.select(MEASUREMENT.c.id, MEASUREMENT.c.ce_percent, MEASUREMENT.c.source_id).where(
            MEASUREMENT.c.reference_id == reference_id,
            MEASUREMENT.c.id != id,
            MEASUREMENT.c.strategy_id.is_(None) if strategy_id is None else MEASUREMENT.c.strategy_id == strategy_id,
        )
        for name in CONDITION_FIELDS:
            column, value = MEASUREMENT.c[name], get(name)
            query = query.where(column.is_(None) if value is None else column == value)
        other = None if same_result else self.connection.execute(query.order_by(MEASUREMENT.c.id).limit(1)).first()
        if other is not None:
            self.counts.count("results", "conflicting")
            raise self._refusal(
                other.id, other.ce_percent, other.source_id, values["ce_percent"], source_id, reference_id
            )
        given = dict(values, reference_id=reference_id, strategy_id=strategy_id, source_id=source_id)
        changed = {n: v for n, v in given.items() if not _equal(current.get(n), v)}
        # The papers' cached results are stale now: read again if a later row names them.
        for paper_id in {current["reference_id"], reference_id}:
            self._papers.pop(paper_id, None)
        self._recorded.pop(id, None)
        if not changed:
            self.counts.count("results", "unchanged")
            return
        name = f"{id} ({self._name(reference_id)})"
        for field_name, value in changed.items():
            old = current.get(field_name)
            if field_name in ("reference_id", "source_id"):
                field_name = field_name[:-3].replace("reference", "paper")
                old, value = self._name(old, None), self._name(value, None)
            self.counts.changes.append(Change("result", name, field_name, old, value))
        changed["updated_at"] = utcnow()
        self.connection.execute(sa.update(MEASUREMENT).where(MEASUREMENT.c.id == id).values(changed))
        self.counts.count("results", "updated")

    def _write_strategies(self) -> None:
        _insert_strategies(self.connection, self._new_strategies)
        _update_strategies(self.connection, self._changed_strategies.values())
        self._new_strategies, self._changed_strategies = [], {}

    def _write(self) -> None:
        self._write_strategies()
        pending, self._rows = self._rows, []
        for state, row, _ in pending:
            if state is not None:
                row["strategy_id"] = state.id
        if len(pending) == 1:  # one row (`cedb result add`): its id, for the caller
            state, row, number = pending[0]
            self.ids[number] = self.connection.execute(
                sa.insert(MEASUREMENT).values(row).returning(MEASUREMENT.c.id)
            ).scalar_one()
        else:
            _insert_rows(self.connection, MEASUREMENT, [row for _, row, _ in pending])
        updates, self._updates = self._updates, []
        for row in updates:  # rare: a statement per row keeps each its own columns
            changes = {k: v for k, v in row.items() if k != "_id"}
            changes["updated_at"] = self._now
            self.connection.execute(sa.update(MEASUREMENT).where(MEASUREMENT.c.id == row["_id"]).values(changes))

    def _find_id(
        self, reference_id: int, state: "_Strategy | None", values: dict[str, Any], *, ce: float | None = None
    ) -> int:
        """The id of a result written earlier in this command (rare: only for a message)."""
        self._write()
        query = sa.select(sa.func.min(MEASUREMENT.c.id)).where(MEASUREMENT.c.reference_id == reference_id)
        if ce is None:
            column = MEASUREMENT.c.strategy_id
            query = query.where(column.is_(None) if state is None else column == state.id)
        else:
            query = query.where(MEASUREMENT.c.ce_percent == ce)
        for name in CONDITION_FIELDS:
            column, value = MEASUREMENT.c[name], values.get(name)
            query = query.where(column.is_(None) if value is None else column == value)
        return self.connection.execute(query).scalar_one()


# Fields every result has: a merge may change them but a None there means "not given".
_NEVER_EMPTY = frozenset({"ce_percent", "method", "status", "full_cell_derived"})


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) <= 1e-9 * max(1, abs(b))
    return a == b


def _validator():
    """``MeasurementCreate``'s fields (annotations and limits) as a plain pydantic model: the same
    rules without SQLModel's per-instance set-up, which was a sixth of a large load."""
    from pydantic import BaseModel, create_model

    fields = {n: (info.annotation, info) for n, info in MeasurementCreate.model_fields.items()}
    return create_model("MeasurementCheck", __base__=BaseModel, **fields).__pydantic_validator__


_VALIDATE = _validator().validate_python


# (field, type, value) of values that passed ``MeasurementCreate``: its fields are checked one by
# one (no model validator), so a row whose every value passed before passes again.
_VALID: set[tuple] = set()
_VALID_LIMIT = 200_000


def _validate(values: dict[str, Any], reference_id: int, source_id: int | None) -> None:
    """Every row through ``MeasurementCreate`` (the database CHECKs are the backstop), each
    distinct value once: a large import repeats its values, and pydantic per row was a tenth of it."""
    keys = None
    if reference_id.__class__ is int and (source_id is None or source_id.__class__ is int) and "ce_percent" in values:
        try:
            given = values.values()
            if _VALID.issuperset(zip(values, map(type, given), given)):  # in C: no tuple list per row
                return
            keys = [(name, value.__class__, value) for name, value in values.items()]
        except TypeError:  # an unhashable value: checked by the model alone
            keys = None
    try:
        _VALIDATE(dict(values, reference_id=reference_id, source_id=source_id))
    except Exception as exc:
        from pydantic import ValidationError

        if not isinstance(exc, ValidationError):
            raise
        error = exc.errors()[0]
        name = ".".join(str(part) for part in error.get("loc", ())) or "result"
        raise InvalidValue(f"{name}: {error['msg']}") from None
    if keys is not None:
        if len(_VALID) > _VALID_LIMIT:
            _VALID.clear()
        _VALID.update(keys)


def is_blank(value: Any) -> bool:
    """None, NaN or only white space: a cell with nothing in it."""
    if value.__class__ is str:
        return not value or (value[0].isspace() and not value.strip())
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


# --------------------------------------------------------------------------- curation (load)


def load_records(
    *,
    session: Session,
    records: list,
    counts: WriteCounts,
    on_conflict: str = "error",
    progress: Progress | None = None,
) -> ResultWriter:
    """Write checked curation records (``curation.PaperRecord``) as ``curation.load`` defines it.

    Papers first (``write_papers``, merging), then each file's strategies and measurements through
    the one ``ResultWriter`` (``merge=True``): new rows are added, the fields a file names are
    merged into the recorded ones, the rest is unchanged; a different CE is a conflict. Returns
    the writer; ``rows`` maps its row numbers back to (file, line) for the caller's messages.
    """
    total = sum(len(r.strategies) + len(r.measurements) + 1 for r in records)
    try:
        outcomes = write_papers(
            session=session, rows=[r.reference for r in records], on_duplicate="merge", counts=counts
        )
    except DuplicateError as exc:  # another paper's DOI or title under a new key: name the file
        raise type(exc)(f"{records[exc.row].path}: {exc}") from None
    keys: dict[str, int | None] = {o.given: o.id for o in outcomes}
    done = len(records)
    writer = ResultWriter(session, merge=True, on_conflict=on_conflict, counts=counts, keys=keys)
    writer.rows = {}
    number = 0
    for record in records:
        key = record.reference["key"]
        for values in record.strategies:
            number += 1
            writer.rows[number] = (record.path, values.get("_line", 1))
            writer.add(number, ResultInput(paper=key, strategy={k: v for k, v in values.items() if k != "_line"}))
        for values in record.measurements:
            number += 1
            writer.rows[number] = (record.path, values.get("_line", 1))
            label = values.get("strategy")
            writer.add(
                number,
                ResultInput(
                    paper=key,
                    source=values.get("source"),
                    strategy={"label": label} if label else {},
                    measurement={k: values[k] for k in MEASUREMENT_FIELDS if k in values},
                ),
            )
        rows = len(record.strategies) + len(record.measurements) + 1
        done += rows
        if progress is not None and number % 1024 < rows:
            progress(done, total)
    writer.close()
    if progress is not None:
        progress(total, total)
    return writer


_REFERENCE_KEYS = results.REFERENCE_FIELDS


ON_DUPLICATE = ("error", "skip", "replace", "merge")


@dataclass
class PaperOutcome:
    """What ``write_papers`` did with one row: ``action`` is added, updated, unchanged (merge),
    skipped or replaced; ``key`` the recorded paper's key (the paper it duplicates, for those);
    ``detail`` why it was taken for that paper ("same DOI 10.1/x as key")."""

    given: str
    row: dict = field(repr=False)
    action: str
    detail: str = ""

    @property
    def key(self) -> str:
        return self.row["key"]

    @property
    def id(self) -> int:
        return self.row["id"]


def write_papers(
    *,
    session: Session,
    rows: list[dict[str, Any]],
    on_duplicate: str = "error",
    counts: WriteCounts | None = None,
) -> list[PaperOutcome]:
    """The one write path of papers: every insert and update of a paper (`cedb paper add`,
    `curate load`, the bundled dataset) goes through here, one row being a list of one.

    Each row names a paper's fields (``key`` is required; a field it leaves out is not
    given, an explicit None clears it with ``merge``) and is validated by ``ReferenceCreate``.
    A row is the same paper as a recorded one (or one earlier in ``rows``) with the same key or
    alias, the same DOI, or the same title and year. Then, by ``on_duplicate``:

    - 'error': refused (``DuplicateError``, naming the recorded paper and why); ``exc.row`` is
      the row's index;
    - 'skip': nothing written;
    - 'replace': the row's non-empty fields over the recorded ones (a field it lacks is kept;
      the stored original BibTeX goes when fields it no longer matches change);
    - 'merge' (curation files): a row with a recorded key or alias merges the fields it names
      (an alias changes nothing: the paper it names was merged into another); another paper's
      DOI or title and year under a new key is refused as with 'error'.

    Works in the caller's transaction with a few queries per call; ``counts`` gets the papers
    added / updated / unchanged and each changed field.
    """
    from pydantic import ValidationError

    from cedb.store.models import ReferenceCreate

    if on_duplicate not in ON_DUPLICATE:
        raise InvalidValue(f"--on-duplicate {on_duplicate!r}: use one of error, skip, replace")
    counts = counts if counts is not None else WriteCounts()
    connection = session.connection()
    columns = [REFERENCE.c.id, REFERENCE.c.title_key] + [REFERENCE.c[c] for c in _REFERENCE_KEYS]
    recorded: dict[int, dict] = {}  # id -> the paper as stored (then as it will be)
    aliases: dict[str, int] = {}
    for column, values in (
        (REFERENCE.c.key, {r["key"] for r in rows}),
        (REFERENCE.c.doi, {r["doi"] for r in rows if r.get("doi")}),
        (REFERENCE.c.title_key, {title_key(r.get("title")) for r in rows if r.get("title")} - {None}),
    ):
        for chunk in _chunks(sorted(values)):
            for row in connection.execute(sa.select(*columns).where(column.in_(chunk))).mappings():
                recorded.setdefault(row["id"], dict(row))
    for chunk in _chunks(sorted({r["key"] for r in rows})):
        aliases.update(
            connection.execute(sa.select(ALIAS.c.key, ALIAS.c.reference_id).where(ALIAS.c.key.in_(chunk))).all()
        )
    for chunk in _chunks(sorted(set(aliases.values()) - recorded.keys())):
        for row in connection.execute(sa.select(*columns).where(REFERENCE.c.id.in_(chunk))).mappings():
            recorded[row["id"]] = dict(row)
    by_key: dict[str, dict] = {}
    dois: dict[str, dict] = {}
    titles: dict[tuple, dict] = {}

    def register(paper: dict) -> None:
        by_key[paper["key"]] = paper
        if paper.get("doi"):
            dois.setdefault(paper["doi"], paper)
        if paper.get("title_key") and paper.get("year"):
            titles.setdefault((paper["title_key"], paper["year"]), paper)

    def forget(paper: dict) -> None:
        """A paper leaves its old DOI and title: a later new paper may take them."""
        if paper.get("doi") and dois.get(paper["doi"]) is paper:
            del dois[paper["doi"]]
        identity = (paper.get("title_key"), paper.get("year"))
        if titles.get(identity) is paper:
            del titles[identity]

    for paper in sorted(recorded.values(), key=lambda p: p["id"]):
        register(paper)
    for alias, reference_id in aliases.items():
        by_key.setdefault(alias, recorded[reference_id])

    def validate(index: int, values: dict[str, Any]) -> dict[str, Any]:
        try:
            checked = ReferenceCreate.model_validate(values)
        except ValidationError as exc:
            error = exc.errors()[0]
            name = ".".join(str(part) for part in error.get("loc", ())) or "paper"
            raise InvalidValue(f"{name}: {error['msg'].removeprefix('Value error, ')}") from None
        return {n: getattr(checked, n) for n in values}

    def change(paper: dict, fields: dict[str, Any]) -> bool:
        """Write ``fields`` over ``paper`` (validated as the whole row); True if any changed."""
        changed = {n: v for n, v in fields.items() if n in _REFERENCE_KEYS and paper.get(n) != v}
        if not changed:
            return False
        merged = validate(index, {c: paper.get(c) for c in _REFERENCE_KEYS} | changed)
        merged["entry_type"] = merged["entry_type"] or results.REFERENCE_DEFAULTS["entry_type"]
        for name in changed:
            counts.changes.append(Change("paper", paper["key"], name, paper.get(name), merged[name]))
        forget(paper)
        paper.update(merged)
        paper["title_key"] = title_key(paper["title"])
        register(paper)
        if paper["id"] is not None:
            updated[paper["id"]] = paper
        return True

    outcomes: list[PaperOutcome] = []
    inserts: list[dict] = []
    updated: dict[int, dict] = {}
    now = utcnow()
    for index, given in enumerate(rows):
        key = given["key"]
        values = {n: v for n, v in given.items() if n in _REFERENCE_KEYS}
        if "entry_type" in values and values["entry_type"] is None:
            values["entry_type"] = results.REFERENCE_DEFAULTS["entry_type"]
        same, why = None, ""
        if on_duplicate == "merge" and key in by_key:
            same = by_key[key]
            if same["key"] != key:  # an alias: the paper it names keeps its fields
                counts.count("papers", "unchanged")
                outcomes.append(PaperOutcome(key, same, "unchanged"))
                continue
            action = "updated" if change(same, values) else "unchanged"
            counts.count("papers", action)
            outcomes.append(PaperOutcome(key, same, action))
            continue
        tkey = title_key(values.get("title"))
        if values.get("doi") and values["doi"] in dois:
            same, why = dois[values["doi"]], f"DOI {values['doi']}"
        elif tkey and values.get("year") and (tkey, values["year"]) in titles:
            same, why = titles[(tkey, values["year"])], "title and year"
        elif key in by_key:
            same, why = by_key[key], f"citation key {key}"
        if same is None:
            paper = validate(index, values)
            paper = dict(dict.fromkeys(_REFERENCE_KEYS), **paper)
            paper["entry_type"] = paper["entry_type"] or results.REFERENCE_DEFAULTS["entry_type"]
            paper.update(id=None, title_key=title_key(paper["title"]), added_at=now)
            register(paper)
            inserts.append(paper)
            counts.count("papers", "added")
            outcomes.append(PaperOutcome(key, paper, "added"))
        elif on_duplicate == "skip":
            counts.count("papers", "unchanged")
            outcomes.append(PaperOutcome(key, same, "skipped", f"same {why} as {same['key']}"))
        elif on_duplicate == "replace":
            fields = {n: v for n, v in values.items() if v is not None and n != "key"}
            if "bibtex" not in fields and any(same.get(n) != v for n, v in fields.items()):
                # The stored original entry holds the old metadata (and `paper export` re-emits
                # it): it goes with the fields it no longer matches.
                fields["bibtex"] = None
            action = "updated" if change(same, fields) else "unchanged"
            counts.count("papers", action)
            outcomes.append(PaperOutcome(key, same, "replaced", f"same {why} as {same['key']}"))
        else:
            counts.count("papers", "conflicting")
            error = DuplicateError(
                f"{key} is already in the database as {same['key']} (same {why}): use --on-duplicate skip or replace"
            )
            error.row = index
            raise error
    if updated:
        names = _REFERENCE_KEYS + ("title_key",)
        statement = (
            sa.update(REFERENCE)
            .where(REFERENCE.c.id == sa.bindparam("_id"))
            .values({c: sa.bindparam(c) for c in names})
        )
        connection.execute(statement, [dict({c: p[c] for c in names}, _id=i) for i, p in updated.items()])
    if inserts:
        names = _REFERENCE_KEYS + ("title_key", "added_at")
        connection.execute(sa.insert(REFERENCE), [{c: p[c] for c in names} for p in inserts])
        waiting = {p["key"]: p for p in inserts}
        for chunk in _chunks(list(waiting)):
            query = sa.select(REFERENCE.c.key, REFERENCE.c.id).where(REFERENCE.c.key.in_(chunk))
            for key, id in connection.execute(query):
                waiting[key]["id"] = id
    return outcomes
