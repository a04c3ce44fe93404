"""Finding results again: filters -> one SELECT with bound parameters -> rows with stable keys.

The practical verdict is computed in SQL (a CASE over the profile's thresholds),
so filtering on it uses the index and scales with the database.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cedb.ce import lce_or_none
from cedb.errors import InvalidValue
from cedb.practical import Profile, get_profile
from cedb.store.tables import Tables, of_models, tables_of
from cedb.terms import Category, Cell, Method, Status, parse_word

# The keys of a query row, in order (JSON, CSV, the ML export build on them).
ROW_KEYS = (
    "id",
    "paper",
    "doi",
    "year",
    "category",
    "label",
    "host",
    "electrolyte",
    "additive",
    "cell",
    "method",
    "current_density_mA_cm2",
    "areal_capacity_mAh_cm2",
    "cycles",
    "ce_percent",
    "statistic",
    "full_cell_derived",
    "practical",
    "lce",
)
# Where each number came from: curation status, the paper it was read from when not its own,
# where in the paper, and the quoted text. JSON rows carry them after the method's inputs.
PROVENANCE_KEYS = ("status", "source", "location", "quote")
JSON_KEYS = ROW_KEYS + ("method_params",) + PROVENANCE_KEYS
NOT_NULL_KEYS = ("id", "paper", "method", "ce_percent", "full_cell_derived", "status")
EXTRA_KEYS = (
    "status",
    "source",
    "location",
    "quote",
    "method_params",
    "note",
    "electrolyte_canonical",
    "components",
    "np_ratio",
    "ec_ratio_g_Ah",
    "cathode_loading_mAh_cm2",
    "ce_decimals",
)


@dataclass
class Filters:
    practical: bool | None = None  # True: practical only; False: not practical only
    profile: str = "review"
    strict: bool = False
    min_current: float | None = None  # profile threshold overrides
    min_capacity: float | None = None
    min_ce: float | None = None
    max_ce: float | None = None
    category: list[str] = field(default_factory=list)
    cell: list[str] = field(default_factory=list)
    method: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    host: str | None = None
    electrolyte: str | None = None
    additive: str | None = None
    salt: list[str] = field(default_factory=list)  # components, matched through synonyms
    solvent: list[str] = field(default_factory=list)
    diluent: list[str] = field(default_factory=list)
    paper: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    ids: list[int] = field(default_factory=list)
    sort: str | None = None
    descending: bool = False
    limit: int | None = None

    def resolved_profile(self) -> Profile:
        return get_profile(self.profile, current=self.min_current, capacity=self.min_capacity)


def _like(column, text: str):
    """Case-insensitive substring match; %, _ and \\ in the text are matched literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.func.lower(column).like(f"%{escaped}%", escape="\\")


def _component(strategy: sa.Table, name: str, role: str, *, required: bool):
    """Strategies whose parsed electrolyte has ``name`` (any synonym) in ``role``."""
    from cedb.errors import CedbError
    from cedb.formulations import component_pattern

    try:
        pattern = component_pattern(role, name)
    except CedbError:
        if required:
            raise
        return sa.false()
    return _like(strategy.c.components, pattern)


def practical_expr(profile: Profile, strict: bool, measurement: sa.Table | None = None):
    """SQL CASE: 1 practical, 0 not, NULL unknown: the rule of ``practical.verdict``, whose
    ``Threshold.passes`` owns each comparison (no if any stated value fails, unknown if one is missing).

    ``measurement`` is the measurement table the CASE reads (default: the models').
    """
    columns = (measurement if measurement is not None else of_models().measurement).c
    passes = [t.passes(columns[t.field], strict) for t in profile.thresholds]
    fails = [sa.and_(columns[t.field].is_not(None), sa.not_(expr)) for t, expr in zip(profile.thresholds, passes)]
    return sa.case((sa.or_(*fails), 0), (sa.and_(*passes), 1), else_=None)


def _passes_all(measurement: sa.Table, profile: Profile, strict: bool):
    """SQL: every threshold passes (practical only; NULLs never pass)."""
    return sa.and_(*[t.passes(measurement.c[t.field], strict) for t in profile.thresholds])


def build(filters: Filters, keys: tuple[str, ...] | None = None, *, tables: Tables | None = None):
    """The SELECT for ``filters``: every user value is a bound parameter.

    ``keys`` selects only those columns (in that order; ``lce`` is computed by the caller
    from ``ce_percent``), and joins the source reference only when ``source`` is among them.
    ``tables`` are the database's (``tables_of(connection)``; default: the models').
    """
    t = tables if tables is not None else of_models()
    measurement, reference, strategy = t.measurement.c, t.reference.c, t.strategy.c
    profile = filters.resolved_profile()
    practical = practical_expr(profile, filters.strict, t.measurement).label("practical")
    source_table = t.reference.alias("source_reference")
    source = source_table.c
    columns = [
        measurement.id.label("id"),
        reference.key.label("paper"),
        reference.doi.label("doi"),
        reference.year.label("year"),
        strategy.category.label("category"),
        strategy.label.label("label"),
        strategy.host.label("host"),
        strategy.electrolyte.label("electrolyte"),
        strategy.additive.label("additive"),
        measurement.cell.label("cell"),
        measurement.method.label("method"),
        measurement.current_density_mA_cm2.label("current_density_mA_cm2"),
        measurement.areal_capacity_mAh_cm2.label("areal_capacity_mAh_cm2"),
        measurement.cycles.label("cycles"),
        measurement.ce_percent.label("ce_percent"),
        measurement.ce_decimals.label("ce_decimals"),
        measurement.statistic.label("statistic"),
        measurement.full_cell_derived.label("full_cell_derived"),
        practical,
        measurement.status.label("status"),
        source.key.label("source"),
        measurement.location.label("location"),
        measurement.quote.label("quote"),
        measurement.method_params.label("method_params"),
        measurement.note.label("note"),
        strategy.electrolyte_canonical.label("electrolyte_canonical"),
        strategy.components.label("components"),
        # Every field a practical profile reads, so a row's verdict can give its reasons.
        measurement.np_ratio.label("np_ratio"),
        measurement.ec_ratio_g_Ah.label("ec_ratio_g_Ah"),
        measurement.cathode_loading_mAh_cm2.label("cathode_loading_mAh_cm2"),
    ]
    by_name = {column.key: column for column in columns}
    if keys is not None:
        columns = [by_name[key] for key in keys]
    query = (
        sa.select(*columns)
        .select_from(t.measurement)
        .join(t.reference, reference.id == measurement.reference_id)
        .outerjoin(t.strategy, strategy.id == measurement.strategy_id)
    )
    if keys is None or "source" in keys:
        query = query.outerjoin(source_table, source.id == measurement.source_id)
    conditions = []
    if filters.practical is True:
        conditions.append(_passes_all(t.measurement, profile, filters.strict))
    elif filters.practical is False:
        conditions.append(practical_expr(profile, filters.strict, t.measurement) == 0)
    if filters.min_ce is not None:
        conditions.append(measurement.ce_percent >= filters.min_ce)
    if filters.max_ce is not None:
        conditions.append(measurement.ce_percent <= filters.max_ce)
    for values, enum_cls, column, what in (
        (filters.category, Category, strategy.category, "category"),
        (filters.cell, Cell, measurement.cell, "cell"),
        (filters.method, Method, measurement.method, "method"),
        (filters.status, Status, measurement.status, "status"),
    ):
        if values:
            words = [parse_word(enum_cls, v, what).value for v in values]
            conditions.append(column.in_(words))
    for text, written in ((filters.host, strategy.host), (filters.electrolyte, strategy.electrolyte)):
        if text:
            conditions.append(_like(written, text))
    if filters.additive:
        # The additive text as reported, or a parsed additive component (LiPO2F2 finds LiDFP).
        conditions.append(
            sa.or_(
                _like(strategy.additive, filters.additive),
                _component(t.strategy, filters.additive, "additive", required=False),
            )
        )
    for role, names in (("salt", filters.salt), ("solvent", filters.solvent), ("diluent", filters.diluent)):
        for name in names:
            conditions.append(_component(t.strategy, name, role, required=True))
    if filters.paper:
        # An alias (the old key of a merged paper) finds the paper too.
        alias = sa.select(t.reference_alias.c.reference_id).where(t.reference_alias.c.key == filters.paper)
        conditions.append(
            sa.or_(
                reference.key == filters.paper,
                reference.doi == filters.paper.lower(),
                reference.id.in_(alias),
            )
        )
    if filters.year_from is not None:
        conditions.append(reference.year >= filters.year_from)
    if filters.year_to is not None:
        conditions.append(reference.year <= filters.year_to)
    if filters.ids:
        conditions.append(measurement.id.in_(filters.ids))
    if conditions:
        query = query.where(*conditions)
    sort_key = filters.sort or "id"
    if sort_key == "lce":
        sort_key = "ce_percent"
    if sort_key not in by_name:
        raise InvalidValue(f"cannot sort by {filters.sort!r}: use one of {', '.join(ROW_KEYS)}")
    order = by_name[sort_key]
    if keys is not None and sort_key not in keys:
        order = order.element  # ordered by the expression, not by a label the SELECT lacks
    order_by = [order.desc() if filters.descending else order.asc(), measurement.id.asc()]
    # NULLs last in either direction, on SQLite and PostgreSQL alike; columns that are
    # never NULL sort plainly, so the default id order needs no sort step (bench/FINDINGS.md).
    if sort_key not in NOT_NULL_KEYS:
        order_by.insert(0, sa.case((order.is_(None), 1), else_=0))
    query = query.order_by(*order_by)
    if filters.limit is not None:
        if filters.limit < 0:
            raise InvalidValue("--limit must be 0 or more")
        query = query.limit(filters.limit)
    return query


def unjudged(connection: Connection, filters: Filters) -> int:
    """How many results pass every other filter but could not be judged on --salt/--solvent/
    --diluent because their electrolyte text did not parse (issue 12: no silent misses)."""
    from dataclasses import replace

    if not (filters.salt or filters.solvent or filters.diluent):
        return 0
    t = tables_of(connection)
    strategy = t.strategy.c
    others = replace(filters, salt=[], solvent=[], diluent=[], limit=None, sort=None)
    matched = sa.and_(
        *[
            _component(t.strategy, name, role, required=True)
            for role, names in (("salt", filters.salt), ("solvent", filters.solvent), ("diluent", filters.diluent))
            for name in names
        ]
    )
    rows = build(others, tables=t).where(
        strategy.electrolyte.is_not(None),
        strategy.electrolyte != "",
        strategy.electrolyte_canonical.is_(None),
        sa.or_(strategy.components.is_(None), sa.not_(matched)),
    )
    return connection.execute(sa.select(sa.func.count()).select_from(rows.order_by(None).subquery())).scalar_one()


def unparsed(connection: Connection) -> list[dict[str, Any]]:
    """Strategies whose electrolyte text did not parse: paper, label, text, results, reason."""
    from cedb.chemistry.electrolyte import try_parse

    t = tables_of(connection)
    measurement, reference, strategy = t.measurement.c, t.reference.c, t.strategy.c
    query: sa.Select[str, str, str | None, str | None, int] = (
        sa.select(
            reference.key.label("paper"),
            strategy.label.label("label"),
            strategy.electrolyte.label("electrolyte"),
            strategy.components.label("components"),
            sa.func.count(measurement.id).label("results"),
        )
        .select_from(t.strategy)
        .join(t.reference, reference.id == strategy.reference_id)
        .outerjoin(t.measurement, measurement.strategy_id == strategy.id)
        .where(
            strategy.electrolyte.is_not(None),
            strategy.electrolyte != "",
            strategy.electrolyte_canonical.is_(None),
        )
        .group_by(strategy.id, reference.key, strategy.label, strategy.electrolyte, strategy.components)
        .order_by(reference.key, strategy.label)
    )
    rows = []
    for row in connection.execute(query).mappings():
        _formulation, reason = try_parse(row["electrolyte"])
        stated = (row["components"] or "").strip("|").replace("|", ", ")
        rows.append(
            {
                **row,
                "components": stated or None,
                "reason": reason or "parses with today's vocabulary; the stored index dates from when it was entered",
            }
        )
    return rows


def _row(mapping) -> dict[str, Any]:
    row = dict(mapping)
    practical = row["practical"]
    row["practical"] = None if practical is None else bool(practical)
    row["full_cell_derived"] = bool(row["full_cell_derived"])
    row["lce"] = lce_or_none(row["ce_percent"])
    return row


def stream(
    connection: Connection, filters: Filters, *, keys: tuple[str, ...], chunk: int = 5000
) -> Iterator[Sequence[Any]]:
    """Rows for ``filters`` as tuples of the ``keys`` values, fetched from the cursor ``chunk``
    rows at a time (a server-side cursor on PostgreSQL): memory stays flat at any size.

    Values are those of :func:`run`: ``practical`` True/False/None, ``full_cell_derived`` a
    bool, ``lce`` computed from ``ce_percent``.
    """
    unknown = set(keys) - set(ROW_KEYS) - set(EXTRA_KEYS)
    if unknown:
        raise InvalidValue(f"no query key {sorted(unknown)[0]!r}: use one of {', '.join(ROW_KEYS + EXTRA_KEYS)}")
    selected = tuple(k for k in keys if k != "lce")
    if "lce" in keys and "ce_percent" not in selected:
        selected += ("ce_percent",)
    # Per-value conversions looked up in C (dicts of the few distinct values), not called per row.
    fixes = [
        (i, _Lookup(_verdict).__getitem__ if key == "practical" else bool)
        for i, key in enumerate(selected)
        if key in ("practical", "full_cell_derived")
    ]
    lce_of = _Lookup(lce_or_none).__getitem__
    lce_at = keys.index("lce") if "lce" in keys else None
    ce_at = selected.index("ce_percent") if lce_at is not None else None
    extra_ce = lce_at is not None and "ce_percent" not in keys
    statement = build(filters, selected, tables=tables_of(connection))
    result = connection.execution_options(stream_results=True, yield_per=chunk).execute(statement)
    for rows in result.partitions(chunk):
        if not fixes and lce_at is None:
            yield from map(tuple, rows)
            continue
        for row in rows:
            values = list(row)
            for i, fix in fixes:
                values[i] = fix(values[i])
            if lce_at is not None and ce_at is not None:
                value = lce_of(values[ce_at])
                if extra_ce:
                    del values[-1]
                values.insert(lce_at, value)
            yield values


class _Lookup(dict):
    """``function(value)`` remembered per value (a few thousand distinct CEs, three verdicts)."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def __missing__(self, value):
        result = self.function(value)
        if len(self) < 50_000 and value == value:  # NaN is never found again
            self[value] = result
        return result


def _verdict(value):
    return None if value is None else bool(value)


def run(
    connection: Connection, filters: Filters, *, extra: bool = False, keys: tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    """Rows for ``filters`` as dicts with the ROW_KEYS (and EXTRA_KEYS when ``extra``), or ``keys``."""
    if keys is None:
        keys = ROW_KEYS + (EXTRA_KEYS if extra else ())
    unknown = set(keys) - set(ROW_KEYS) - set(EXTRA_KEYS)
    if unknown:
        raise InvalidValue(f"no query key {sorted(unknown)[0]!r}: use one of {', '.join(ROW_KEYS + EXTRA_KEYS)}")
    result = connection.execute(build(filters, tables=tables_of(connection))).mappings()
    return [{key: row[key] for key in keys} for row in map(_row, result)]


def reference_records(connection: Connection, keys: Sequence[str], fields: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The ``fields`` of the papers with these keys, by key (one query per 1,000 keys; no ORM
    objects, for tables of many rows). ``fields`` starts with "key"."""
    reference = tables_of(connection).reference.c
    records: dict[str, dict[str, Any]] = {}
    for start in range(0, len(keys), 1000):
        statement = sa.select(*(reference[f] for f in fields)).where(reference.key.in_(keys[start : start + 1000]))
        for found in connection.execute(statement):
            records[found[0]] = dict(zip(fields, found))
    return records


# --------------------------------------------------------------------------- streamed tables


def selection(connection: Connection, filters: Filters, keys: Sequence[str]) -> Any:
    """The filtered rows as a subquery with ``keys`` (the user's --sort and --limit choose them)."""
    from dataclasses import replace

    chosen = filters if filters.limit is not None else replace(filters, sort=None)
    return build(chosen, tuple(keys), tables=tables_of(connection)).subquery("selection")


def count_of(connection: Connection, selected: Any) -> int:
    return connection.execute(sa.select(sa.func.count()).select_from(selected)).scalar_one()


def distinct_of(connection: Connection, selected: Any, names: Sequence[str]) -> list[tuple]:
    """The distinct combinations of these columns of a selection."""
    return [tuple(found) for found in connection.execute(sa.select(*(selected.c[n] for n in names)).distinct())]


def rows_by_category(
    connection: Connection, selected: Any, keys: Sequence[str], category_order: Sequence[str | None], chunk: int = 5000
) -> Iterator[tuple]:
    """The selection's rows ordered by ``category_order`` then year (unknown last), streamed in
    chunks; each row is ``keys``' values and then its category rank."""
    category, year = selected.c.category, selected.c.year
    rank = sa.case(
        (category.is_(None), category_order.index(None)),
        *((category == c, i) for i, c in enumerate(category_order) if c is not None),
        else_=len(category_order),
    )
    statement = sa.select(*(selected.c[k] for k in keys), rank).order_by(
        rank, sa.case((year.is_(None), 1), else_=0), year
    )
    result = connection.execution_options(stream_results=True, yield_per=chunk).execute(statement)
    for part in result.partitions(chunk):
        for values in part:
            yield tuple(values)


def placeholder_rows(connection: Connection, selected: Any, keys: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of papers with neither DOI nor title that were read in another paper, with the
    paper's note: the papers a table cites through a review."""
    paper, source = selected.c.paper, selected.c.source
    table = tables_of(connection).reference
    reference = table.c
    statement = (
        sa.select(selected, reference.note)
        .join(table, reference.key == paper)
        .where(
            source.is_not(None),
            source != paper,
            sa.or_(reference.doi.is_(None), reference.doi == ""),
            sa.or_(reference.title.is_(None), reference.title == ""),
        )
    )
    return [dict(zip(keys, found[: len(keys)])) | {"note": found[-1]} for found in connection.execute(statement)]


def paper_rows(*, session, paper: str) -> list[dict[str, Any]]:
    """The rows (``run``) of one paper's results, whatever their strategy; NotFound when no
    paper has the key."""
    from cedb.store import crud

    crud.get_reference(session=session, key=paper)
    return run(session.connection(), Filters(paper=paper))
