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
import math
import operator
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from cedb import precision, results
from cedb.errors import CedbError, ConflictError, DuplicateError, InvalidValue, NotFound
from cedb.models import (
    Measurement,
    MeasurementCreate,
    Method,
    Reference,
    ReferenceAlias,
    Status,
    Strategy,
    utcnow,
)
from cedb.results import ALIASES, CONDITION_FIELDS, MEASUREMENT_FIELDS, STRATEGY_FIELDS, ResultInput

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

Progress = Callable[[int, int], None]  # (done, total), units chosen by the caller

MEASUREMENT = Measurement.__table__
STRATEGY = Strategy.__table__
REFERENCE = Reference.__table__
ALIAS = ReferenceAlias.__table__
_DERIVED = ("electrolyte_canonical", "components", "formulation")


# --------------------------------------------------------------------------- validation


_FIELD_CACHE: dict[tuple, tuple[Any, type[CedbError] | None, str]] = {}
_FIELD_CACHE_LIMIT = 50_000
_ANNOTATE_CACHE: dict[tuple, dict[str, Any]] = {}


def normalise_field(name: str, value: Any) -> Any:
    """``results.normalise_field`` remembered per (field, type, value): same value, same error."""
    try:
        key = (name, type(value), value)
        hit = _FIELD_CACHE.get(key)
    except TypeError:  # unhashable (a method_params mapping)
        return results.normalise_field(name, value)
    if hit is None:
        number = _in_canonical_unit(name, value)
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


# Spellings of the canonical units that pint converts with a factor of 1 (to 12 digits).
_CURRENT_UNITS = frozenset({"mA/cm^2", "mA/cm2", "mA cm-2", "mA cm^-2", "mA cm⁻²", "mA/cm²"})
_CAPACITY_UNITS = frozenset({"mAh/cm^2", "mAh/cm2", "mAh cm-2", "mAh cm^-2", "mAh cm⁻²", "mAh/cm²"})
_CANONICAL_UNITS = {
    "current_density_mA_cm2": _CURRENT_UNITS,
    "areal_capacity_mAh_cm2": _CAPACITY_UNITS,
    "cathode_loading_mAh_cm2": _CAPACITY_UNITS,
}


def _in_canonical_unit(name: str, value: Any) -> float | None:
    """The number of "<number> <canonical unit>" when pint would give exactly it, else None.

    A spreadsheet mapping's ``units:`` turns every bare number into such a text; without
    this, loading pint's registry was a third of a 10k-row import. Anything unusual (a
    comma, a sign, zero, more than 12 digits) goes to ``results.normalise_field``.
    """
    units = _CANONICAL_UNITS.get(name)
    if units is None or value.__class__ is not str:
        return None
    text, _, unit = value.strip().partition(" ")
    if unit.strip() not in units or not text[:1].isdigit() or "," in text or "_" in text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    if not (0 < number < math.inf) or float(f"{number:.12g}") != number:
        return None
    return number


def normalise(raw: dict[str, Any], *, canonical: bool = False) -> ResultInput:
    """The result ``results.normalise(raw)`` gives, faster on repeated values.

    Any error is re-raised by ``results.normalise`` itself, so messages are the same;
    tests/test_bulk.py checks that both agree. ``canonical``: the keys are field names
    already (no aliases such as ``ce``), as a read spreadsheet mapping gives them.
    """
    try:
        return _normalise(
            dict(raw) if canonical else {ALIASES.get(k, k): v for k, v in raw.items()}
        )
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
        measurement["method"] = Method.unspecified.value
    precision.derive(measurement, values.get("ce_percent"))
    return result


_STRATEGY_NAMES = frozenset(STRATEGY_FIELDS)
_MEASUREMENT_NAMES = frozenset(MEASUREMENT_FIELDS)


def annotate(electrolyte: str | None, additive: str | None) -> dict[str, Any]:
    """``formulations.annotate`` remembered per (electrolyte, additive) text."""
    key = (electrolyte, additive)
    hit = _ANNOTATE_CACHE.get(key)
    if hit is None:
        from cedb.formulations import annotate as parse

        if len(_ANNOTATE_CACHE) >= _FIELD_CACHE_LIMIT:
            _ANNOTATE_CACHE.clear()
        hit = _ANNOTATE_CACHE[key] = parse(electrolyte, additive)
    return dict(hit)


# --------------------------------------------------------------------------- reading CSV


def iter_csv(
    path: Path, progress: Progress | None = None
) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """(columns, rows) of a CSV file, streamed, read as ``pd.read_csv(sep=None, engine="python",
    dtype=object, keep_default_na=False)`` reads it: the delimiter is sniffed from the first
    line, a BOM is dropped, blank lines are skipped, repeated column names get ``.1``, ``.2``;
    a short row is padded with None, a long one is an error. Each row is (row number, record)
    with the row number ``cedb.spreadsheet`` reports (the header is 1, blank lines not counted).
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

    def lines() -> Iterator[str]:
        done = len(first)
        for number, line in enumerate(handle, 1):
            done += len(line)
            if progress is not None and number % 4096 == 0:
                progress(min(done, total), total)
            yield line
        if progress is not None:
            progress(total, total)

    def rows() -> Iterator[tuple[int, dict]]:
        index = 0
        try:
            reader = csv.reader(lines(), delimiter=delimiter, quotechar='"', strict=True)
            for fields in reader:
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
                yield index + 1, dict(zip(columns, fields))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InvalidValue(f"cannot read {path}: {exc}") from None
        finally:
            handle.close()

    return columns, rows()


# --------------------------------------------------------------------------- shared


class _Strategy:
    """A strategy as stored (or about to be): compared by identity in condition keys."""

    __slots__ = ("id", "reference_id", "values")

    def __init__(self, id: int | None, reference_id: int, values: dict[str, Any]):
        self.id = id
        self.reference_id = reference_id
        self.values = values  # STRATEGY_FIELDS and the derived formulation columns


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


def _measurement_row(
    reference_id: int, strategy_id: int | None, source_id: int | None, values: dict[str, Any], now
) -> dict[str, Any]:
    row = dict.fromkeys(MEASUREMENT_FIELDS)
    row["method"] = Method.unspecified.value
    row["status"] = Status.draft.value
    row["full_cell_derived"] = False
    row.update(values)
    row["reference_id"] = reference_id
    row["strategy_id"] = strategy_id
    row["source_id"] = source_id
    row["created_at"] = row["updated_at"] = now
    return row


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
    columns = list(rows[0])
    compiled = sa.insert(table).compile(dialect=connection.dialect, column_keys=columns)
    order = [compiled.binds[name].key for name in compiled.positiontup]
    # Floats and booleans go to sqlite3 as they are (the processors would only call float()/int()).
    processors = {
        c: None
        if isinstance(table.c[c].type, (sa.Float, sa.Boolean))
        else table.c[c].type._cached_bind_processor(connection.dialect)
        for c in order
    }
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
    connection.exec_driver_sql(compiled.string, parameters)


def _new_strategy_row(state: _Strategy) -> dict[str, Any]:
    row = dict.fromkeys(STRATEGY_FIELDS + _DERIVED)
    row.update(state.values)
    row["reference_id"] = state.reference_id
    return row


def _insert_strategies(connection: Connection, states: list[_Strategy]) -> None:
    """Insert new strategies and give each its id.

    The ids are read back by (paper, label), unique in the schema: RETURNING in parameter
    order makes SQLAlchemy insert one row per statement on SQLite.
    """
    if not states:
        return
    connection.execute(sa.insert(STRATEGY), [_new_strategy_row(s) for s in states])
    waiting = {(s.reference_id, s.values["label"]): s for s in states}
    query = sa.select(STRATEGY.c.id, STRATEGY.c.reference_id, STRATEGY.c.label)
    for chunk in _chunks(sorted({s.reference_id for s in states})):
        for id, reference_id, label in connection.execute(
            query.where(STRATEGY.c.reference_id.in_(chunk))
        ):
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
    columns = [STRATEGY.c.id, STRATEGY.c.reference_id] + [
        STRATEGY.c[c] for c in STRATEGY_FIELDS + _DERIVED
    ]
    for chunk in _chunks(reference_ids):
        for row in connection.execute(
            sa.select(*columns).where(STRATEGY.c.reference_id.in_(chunk))
        ).mappings():
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
        query = (
            sa.select(*columns)
            .where(MEASUREMENT.c.reference_id.in_(chunk))
            .order_by(MEASUREMENT.c.id)
        )
        for row in connection.execute(query).mappings():
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


def _resolve_keys(
    connection: Connection, keys: Iterable[str], known: dict[str, int | None]
) -> None:
    """Fill ``known`` with key -> reference id (None if unknown); an alias finds its paper."""
    missing = sorted({k for k in keys if k not in known})
    for chunk in _chunks(missing):
        query = sa.select(REFERENCE.c.key, REFERENCE.c.id).where(REFERENCE.c.key.in_(chunk))
        found = dict(connection.execute(query).all())
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
            text = repr(value) if isinstance(value, str) else f"{value:.12g}" if isinstance(
                value, float) else str(value)
            return text if len(text) <= 120 else text[:117] + "..."

        return f"{self.entity} {self.name}: {self.field}: {show(self.old)} -> {show(self.new)}"


@dataclass
class WriteCounts:
    """Per entity (papers, strategies, results): added / updated / unchanged / conflicting."""

    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {e: dict.fromkeys(OUTCOMES, 0) for e in ENTITIES}
    )
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
    return (f"the same result is already recorded as id {id} (same paper, conditions "
            f"and CE {ce:g} %): nothing to add")


def conflict_message(
    id: int, old_ce: float, old_source: str, new_ce: float, new_source: str
) -> str:
    """The one wording of a conflict (same paper and conditions, other CE), on every route."""
    return (f"id {id} records CE {old_ce:g} % (read from {old_source}) for the same paper and "
            f"conditions, not {new_ce:g} % (read from {new_source}): check the sources, then "
            f"`cedb result edit {id} --ce ...`, give other conditions, or choose with "
            "--on-conflict keep|replace")


def likely_duplicate_message(id: int, label: str | None, ce: float) -> str:
    where = f"strategy {label!r}" if label else "no strategy"
    return (f"looks like result {id} ({where}): same paper, conditions and CE {ce:g} % under "
            "another strategy label; give --allow-duplicate if it is another result")


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
    strategy without results).
    """

    def __init__(
        self,
        session: Session,
        *,
        merge: bool = False,
        on_conflict: str = "error",
        allow_duplicate: bool = True,
        batch_size: int = BATCH_SIZE,
        cached_papers: int = CACHED_PAPERS,
        counts: WriteCounts | None = None,
        keys: dict[str, int | None] | None = None,
    ):
        if on_conflict not in ON_CONFLICT:
            raise InvalidValue(
                f"--on-conflict {on_conflict!r}: use one of {', '.join(ON_CONFLICT)}"
            )
        self.session = session
        self.connection = session.connection()
        self.merge = merge
        self.on_conflict = on_conflict
        self.allow_duplicate = allow_duplicate
        self.batch_size = batch_size
        self.cached_papers = cached_papers
        self.counts = counts if counts is not None else WriteCounts()
        self.added: list[int] = []
        self.ids: dict[int, int] = {}  # row number -> id of the result it added, kept or updated
        self.rejected: list[tuple[int, str]] = []
        self.errors: list[CedbError] = []
        self.warnings: list[tuple[int, str]] = []
        self._queue: list[tuple[int, ResultInput]] = []
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
        self._queue.append((row_number, result))
        if len(self._queue) >= self.batch_size:
            self.flush()

    def close(self) -> None:
        self.flush()

    def flush(self) -> None:
        queue, self._queue = self._queue, []
        if not queue:
            return
        _resolve_keys(
            self.connection, {k for _, r in queue for k in (r.paper, r.source) if k}, self._keys
        )
        wanted = {self._keys[r.paper] for _, r in queue if self._keys.get(r.paper) is not None}
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
        for row_number, result in queue:
            try:
                self._add(row_number, result)
            except CedbError as exc:
                self.rejected.append((row_number, str(exc)))
                self.errors.append(exc)
        self._write()

    def _reference_id(self, key: str) -> int:
        reference_id = self._keys.get(key)
        if reference_id is None:
            if key not in self._missing:
                self._missing[key] = (
                    f"no paper with key {key!r}: see `cedb paper list`, "
                    "or add it with `cedb paper add`"
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

    def _strategy(self, reference_id: int, paper: _Paper, fields: dict[str, Any],
                  count: bool = False) -> _Strategy:
        """The paper's strategy with this label: new, the same, merged (``merge``) or a conflict.

        ``count``: count it unchanged (a strategy row; a result names its strategy many times).
        """
        state = paper.strategies.get(fields["label"])
        if state is None:
            state = _Strategy(
                None,
                reference_id,
                dict(fields, **annotate(fields.get("electrolyte"), fields.get("additive"))),
            )
            paper.strategies[fields["label"]] = state
            self._new_strategies.append(state)
            self.counts.count("strategies", "added")
            return state
        different = {n: v for n, v in fields.items() if state.values.get(n) != v}
        if not different:
            if count:
                self.counts.count("strategies", "unchanged")
            return state
        if not self.merge:
            name, value = next(iter(different.items()))
            self.counts.count("strategies", "conflicting")
            raise StrategyConflict(
                f"strategy {fields['label']!r} of {self._name(reference_id)} is recorded with "
                f"{name} {state.values.get(name)!r}, not {value!r}: give the recorded values, "
                "another --label, or change the strategy with `cedb result edit`"
            )
        for name, value in different.items():
            self.counts.changes.append(Change(
                "strategy", f"{self._name(reference_id)}: {fields['label']}", name,
                state.values.get(name), value))
        # crud.upsert_strategy's rule: the given fields, then the formulation of the texts the
        # strategy now holds (an update naming only a host keeps its electrolyte).
        state.values.update(fields)
        state.values.update(annotate(state.values.get("electrolyte"), state.values.get("additive")))
        if state.id is not None:
            self._changed_strategies[state.id] = state
        self.counts.count("strategies", "updated")
        return state

    def _add(self, row_number: int, result: ResultInput) -> None:
        reference_id = self._reference_id(result.paper)
        source_id = self._reference_id(result.source) if result.source else None
        paper = self._papers[reference_id]
        fields = result.strategy
        if not result.measurement:  # a strategy alone
            self._strategy(reference_id, paper, fields, count=True)
            return
        values = {k: v for k, v in result.measurement.items() if v is not None}
        values.setdefault("method", Method.unspecified.value)
        _validate(values, reference_id, source_id)
        # A new strategy is created only once the row is accepted (a refused row leaves none).
        new_strategy = bool(fields) and fields["label"] not in paper.strategies
        state = self._strategy(reference_id, paper, fields) if fields and not new_strategy else None
        get = values.get
        conditions = (
            get("cell"),
            get("method"),
            get("current_density_mA_cm2"),
            get("areal_capacity_mAh_cm2"),
            get("cycles"),
        )  # CONDITION_FIELDS
        key = (state,) + conditions
        ce = values["ce_percent"]
        hit = None if new_strategy else (paper.conditions.get(key + (source_id,))
                                          or paper.conditions.get(key))
        if hit is not None:
            self._same_conditions(row_number, result, hit, state, values, source_id)
            return
        loose = paper.loose.get(conditions + (ce,))
        if loose is not None:
            if loose[0] is None:  # an earlier row of this write
                loose = paper.loose[conditions + (ce,)] = (
                    self._find_id(reference_id, None, values, ce=ce), loose[1])
            message = likely_duplicate_message(loose[0], loose[1], ce)
            if not self.allow_duplicate:
                raise LikelyDuplicate(message)
            self.warnings.append((row_number, message))
        if new_strategy:
            state = self._strategy(reference_id, paper, fields)
            key = (state,) + conditions
        paper.conditions[key] = paper.conditions[key + (source_id,)] = [ce, None, source_id]
        paper.loose.setdefault(conditions + (ce,), (None, fields.get("label") if fields else None))
        self._rows.append(
            (state, _measurement_row(reference_id, None, source_id, values, self._now), row_number)
        )
        self.added.append(row_number)
        self.counts.count("results", "added")

    def _same_conditions(self, row_number: int, result: ResultInput, hit: list, state,
                         values: dict[str, Any], source_id: int | None) -> None:
        """A row with a recorded (or earlier) result's paper, strategy and conditions."""
        recorded_ce, id, recorded_source = hit
        ce = values["ce_percent"]
        same_ce = abs(recorded_ce - ce) <= 1e-9 * max(1.0, abs(ce))
        if id is None:  # an earlier row of this write
            hit[1] = id = self._find_id(self._keys[result.paper], state, values)
        if same_ce and not self.merge:
            raise DuplicateError(duplicate_message(id, recorded_ce))
        if not same_ce:
            if self.on_conflict == "error":
                self.counts.count("results", "conflicting")
                paper = self._name(self._keys[result.paper])
                raise ConflictError(conflict_message(
                    id, recorded_ce, self._name(recorded_source, paper), ce,
                    self._name(source_id, paper)))
            if self.on_conflict == "keep":
                self.counts.count("results", "conflicting")
                self.ids[row_number] = id
                return
        # merge, or replace: the row's fields over the recorded ones (only those it names).
        current = self._recorded.get(id)
        if current is None:
            current = dict(self.connection.execute(
                sa.select(MEASUREMENT).where(MEASUREMENT.c.id == id)).mappings().one())
            self._recorded[id] = current
        given = dict(result.measurement)
        if result.source is not None:
            given["source_id"] = source_id
        changed = {n: v for n, v in given.items()
                   if n not in _NEVER_EMPTY or v is not None
                   if not _equal(current.get(n), v)}
        self.ids[row_number] = id
        if not changed:
            self.counts.count("results", "unchanged")
            return
        name = f"{id} ({result.paper})"
        for field_name, value in changed.items():
            old = current.get(field_name)
            if field_name == "source_id":
                field_name, old, value = "source", self._name(old), result.source
            self.counts.changes.append(Change("result", name, field_name, old, value))
        _validate({**{n: current.get(n) for n in MEASUREMENT_FIELDS}, **changed},
                  current["reference_id"], changed.get("source_id", current.get("source_id")))
        current.update(changed)
        hit[0] = current["ce_percent"]
        self._updates.append(changed | {"_id": id})
        self.counts.count("results", "updated")

    def _write(self) -> None:
        _insert_strategies(self.connection, self._new_strategies)
        _update_strategies(self.connection, self._changed_strategies.values())
        self._new_strategies, self._changed_strategies = [], {}
        pending, self._rows = self._rows, []
        for state, row, _ in pending:
            if state is not None:
                row["strategy_id"] = state.id
        if len(pending) == 1:  # one row (`cedb result add`): its id, for the caller
            state, row, number = pending[0]
            self.ids[number] = self.connection.execute(
                sa.insert(MEASUREMENT).values(row).returning(MEASUREMENT.c.id)).scalar_one()
        else:
            _insert_rows(self.connection, MEASUREMENT, [row for _, row, _ in pending])
        updates, self._updates = self._updates, []
        for row in updates:  # rare: a statement per row keeps each its own columns
            changes = {k: v for k, v in row.items() if k != "_id"}
            changes["updated_at"] = self._now
            self.connection.execute(
                sa.update(MEASUREMENT).where(MEASUREMENT.c.id == row["_id"]).values(changes))

    def _find_id(self, reference_id: int, state: "_Strategy | None", values: dict[str, Any],
                 *, ce: float | None = None) -> int:
        """The id of a result written earlier in this command (rare: only for a message)."""
        self._write()
        query = sa.select(sa.func.min(MEASUREMENT.c.id)).where(
            MEASUREMENT.c.reference_id == reference_id)
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


def _validate(values: dict[str, Any], reference_id: int, source_id: int | None) -> None:
    """Every row through ``MeasurementCreate`` (the database CHECKs are the backstop)."""
    from pydantic import ValidationError

    try:
        _VALIDATE(dict(values, reference_id=reference_id, source_id=source_id))
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ".".join(str(part) for part in error.get("loc", ())) or "result"
        raise InvalidValue(f"{name}: {error['msg']}") from None


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

    Papers first (``_upsert_references``), then each file's strategies and measurements through
    the one ``ResultWriter`` (``merge=True``): new rows are added, the fields a file names are
    merged into the recorded ones, the rest is unchanged; a different CE is a conflict. Returns
    the writer; ``rows`` maps its row numbers back to (file, line) for the caller's messages.
    """
    connection = session.connection()
    total = sum(len(r.strategies) + len(r.measurements) + 1 for r in records)
    keys = _upsert_references(session, connection, records, counts)
    done = len(records)
    writer = ResultWriter(session, merge=True, on_conflict=on_conflict, counts=counts, keys=keys)
    writer.rows = {}
    number = 0
    for record in records:
        key = record.reference["key"]
        for values in record.strategies:
            number += 1
            writer.rows[number] = (record.path, values.get("_line", 1))
            writer.add(number, ResultInput(paper=key, strategy={
                k: v for k, v in values.items() if k != "_line"}))
        for values in record.measurements:
            number += 1
            writer.rows[number] = (record.path, values.get("_line", 1))
            label = values.get("strategy")
            writer.add(number, ResultInput(
                paper=key,
                source=values.get("source"),
                strategy={"label": label} if label else {},
                measurement={k: values[k] for k in MEASUREMENT_FIELDS if k in values},
            ))
        rows = len(record.strategies) + len(record.measurements) + 1
        done += rows
        if progress is not None and number % 1024 < rows:
            progress(done, total)
    writer.close()
    if progress is not None:
        progress(total, total)
    return writer


# Characters that make LaTeX of a title (accents, math, braces, commands): such titles go
# through bibliography.title_key (latexcodec, ~0.4 ms each: a third of a large load).
_LATEX_CHARACTERS = re.compile(r"[\\{}$~^_%&#]")


def title_key(title: str | None) -> str | None:
    """``bibliography.title_key(title)``, without the LaTeX decoder when the title has no LaTeX."""
    if not title or _LATEX_CHARACTERS.search(title):
        from cedb.bibliography import title_key as decode

        return decode(title)
    text = unicodedata.normalize("NFKD", title)
    return "".join(ch for ch in text.lower() if ch.isalnum() and ch.isascii()) or None


_REFERENCE_KEYS = (
    "key",
    "doi",
    "title",
    "authors",
    "year",
    "journal",
    "volume",
    "pages",
    "entry_type",
    "note",
    "bibtex",
)


def _upsert_references(
    session: Session, connection: Connection, records: list, counts: WriteCounts
) -> dict[str, int | None]:
    """Insert new papers, merge into recorded ones; returns key -> id for every paper of the load.

    A recorded paper takes only the fields a file names (an explicit null clears one); a field
    the file leaves out keeps its value. A file under an alias (the old key of a merged paper)
    adds to the paper it was merged into, whose fields it does not change.
    """
    wanted = [r.reference["key"] for r in records]
    existing: dict[str, dict] = {}
    columns = [REFERENCE.c.id, REFERENCE.c.title_key] + [REFERENCE.c[c] for c in _REFERENCE_KEYS]
    for chunk in _chunks(wanted):
        for row in connection.execute(
            sa.select(*columns).where(REFERENCE.c.key.in_(chunk))
        ).mappings():
            existing[row["key"]] = dict(row)
    aliases: dict[str, int] = {}
    for chunk in _chunks([k for k in wanted if k not in existing]):
        aliases.update(connection.execute(
            sa.select(ALIAS.c.key, ALIAS.c.reference_id).where(ALIAS.c.key.in_(chunk))).all())
    records = [r for r in records if r.reference["key"] not in aliases]
    counts.count("papers", "unchanged", len(aliases))
    new = [r.reference for r in records if r.reference["key"] not in existing]
    # Papers already recorded under another key: same DOI, or same title and year
    # (crud.find_duplicate).
    title_keys = {id(values): title_key(values.get("title")) for values in new}
    dois: dict[str, str] = {}
    titles: dict[tuple, str] = {}
    wanted_dois = sorted({v["doi"] for v in new if v.get("doi")})
    wanted_titles = sorted({t for t in title_keys.values() if t})
    for column, wanted_values in (
        (REFERENCE.c.doi, wanted_dois),
        (REFERENCE.c.title_key, wanted_titles),
    ):
        for chunk in _chunks(wanted_values):
            query = sa.select(
                REFERENCE.c.key, REFERENCE.c.doi, REFERENCE.c.title_key, REFERENCE.c.year
            )
            for row in connection.execute(query.where(column.in_(chunk))):
                if row.doi:
                    dois.setdefault(row.doi, row.key)
                if row.title_key and row.year:
                    titles.setdefault((row.title_key, row.year), row.key)
    inserts, updates = [], []
    now = utcnow()
    for record in records:
        values = record.reference
        current = existing.get(values["key"])
        if current is None:
            key = title_keys[id(values)]
            if (values.get("doi") and values["doi"] in dois) or (
                key and values.get("year") and (key, values["year"]) in titles
            ):
                _write_references(connection, inserts, updates, existing)
                inserts, updates = [], []
                from cedb import crud
                from cedb.models import ReferenceCreate

                crud.add_reference(session=session, create=ReferenceCreate.model_validate(values))
                raise AssertionError(
                    "crud.add_reference accepted a paper bulk found a duplicate of"
                )
            row = {c: values.get(c) for c in _REFERENCE_KEYS}
            row["entry_type"] = row["entry_type"] or "article"
            inserts.append(dict(row, title_key=key, added_at=now))
            counts.count("papers", "added")
        else:
            changed = {}
            for name, value in values.items():
                if name == "entry_type" and value is None:
                    value = "article"
                if name in _REFERENCE_KEYS and current[name] != value:
                    changed[name] = value
                    counts.changes.append(
                        Change("paper", values["key"], name, current[name], value)
                    )
            if changed:
                # The paper leaves its old DOI and title: a later new paper may take them.
                if dois.get(current["doi"]) == values["key"]:
                    del dois[current["doi"]]
                if titles.get((current["title_key"], current["year"])) == values["key"]:
                    del titles[(current["title_key"], current["year"])]
                current.update(changed)
                current["title_key"] = title_key(current["title"])
                updates.append(
                    dict(
                        {c: current[c] for c in _REFERENCE_KEYS},
                        title_key=current["title_key"],
                        _id=current["id"],
                    )
                )
                counts.count("papers", "updated")
            else:
                counts.count("papers", "unchanged")
            if current["doi"]:
                dois.setdefault(current["doi"], values["key"])
            if current["title_key"] and current["year"]:
                titles.setdefault((current["title_key"], current["year"]), values["key"])
            continue
        if values.get("doi"):
            dois.setdefault(values["doi"], values["key"])
        if key and values.get("year"):
            titles.setdefault((key, values["year"]), values["key"])
    _write_references(connection, inserts, updates, existing)
    return {key: row["id"] for key, row in existing.items()} | aliases


def _write_references(
    connection: Connection, inserts: list[dict], updates: list[dict], existing: dict[str, dict]
) -> None:
    if inserts:
        connection.execute(sa.insert(REFERENCE), inserts)
        by_key = {row["key"]: row for row in inserts}
        query = sa.select(REFERENCE.c.key, REFERENCE.c.id)
        for chunk in _chunks(list(by_key)):
            for key, id in connection.execute(query.where(REFERENCE.c.key.in_(chunk))):
                existing[key] = dict(by_key[key], id=id)
    if updates:
        columns = _REFERENCE_KEYS + ("title_key",)
        statement = (
            sa.update(REFERENCE)
            .where(REFERENCE.c.id == sa.bindparam("_id"))
            .values({c: sa.bindparam(c) for c in columns})
        )
        connection.execute(statement, updates)
