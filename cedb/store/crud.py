"""Data access: keyword-only functions taking ``session=``. They never commit.

The caller (one CLI command, one curation load) owns the transaction, so a
command either fully happens or leaves the database as it was.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func
from sqlmodel import Session, col, select

if TYPE_CHECKING:
    from sqlalchemy.engine import CursorResult

from cedb.bibliography import title_key
from cedb.errors import CedbError, ConflictError, InvalidValue, NotFound
from cedb.results import CONDITION_FIELDS, STRATEGY_FIELDS, ResultInput
from cedb.store.models import (
    Measurement,
    Reference,
    ReferenceAlias,
    ReferenceCreate,
    Strategy,
    utcnow,
)

# --------------------------------------------------------------------------- references


def _id(row: "Reference | Strategy | Measurement") -> int:
    """The id of a stored row (SQLModel types it Optional, for rows not yet added)."""
    assert row.id is not None
    return row.id


def get_reference(*, session: Session, key: str) -> Reference:
    """The paper with this key, or with this alias (an old key of a merged paper)."""
    reference = find_reference(session=session, key=key)
    if reference is None:
        raise NotFound(f"no paper with key {key!r}: see `cedb paper list`, or add it with `cedb paper add`")
    return reference


def references_by_key(*, session: Session, keys: list[str]) -> list[Reference]:
    """The references with these keys, in the order given (one query per 1,000 keys)."""
    found: dict[str, Reference] = {}
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        found.update((r.key, r) for r in session.exec(select(Reference).where(col(Reference.key).in_(chunk))))
    missing = [k for k in keys if k not in found]
    if missing:
        raise NotFound(f"no paper with key {missing[0]!r}: see `cedb paper list`")
    return [found[k] for k in keys]


def find_reference(*, session: Session, key: str) -> Reference | None:
    """The paper with this key or alias, or None."""
    reference = session.exec(select(Reference).where(Reference.key == key)).first()
    if reference is None:
        alias = session.exec(select(ReferenceAlias).where(ReferenceAlias.key == key)).first()
        if alias is not None:
            reference = session.get(Reference, alias.reference_id)
    return reference


def resolve_keys(*, session: Session, keys: list[str]) -> list[str]:
    """Each key as the paper's own key (an alias becomes the key of the paper it names)."""
    aliases = dict(
        session.exec(
            select(ReferenceAlias.key, Reference.key)
            .join(Reference, col(Reference.id) == ReferenceAlias.reference_id)
            .where(col(ReferenceAlias.key).in_(keys))
        ).all()
    )
    return [aliases.get(k, k) for k in keys]


def aliases_by_key(*, session: Session, keys: list[str] | None = None) -> dict[str, list[str]]:
    """Paper key -> its aliases (sorted), for the papers with these keys (default: all)."""
    query = (
        select(Reference.key, ReferenceAlias.key)
        .join(Reference, col(Reference.id) == ReferenceAlias.reference_id)
        .order_by(col(ReferenceAlias.key))
    )
    found: dict[str, list[str]] = {}
    for key, alias in session.exec(query):
        if keys is None or key in keys:
            found.setdefault(key, []).append(alias)
    return found


def known_keys(*, session: Session, aliases: bool = False) -> set[str]:
    """The key of every paper (and with ``aliases``, every alias of a merged paper)."""
    keys = set(session.exec(select(Reference.key)))
    if aliases:
        keys |= set(session.exec(select(ReferenceAlias.key)))
    return keys


def reference_id(*, session: Session, key: str) -> int | None:
    """The id of the paper whose own key is ``key`` (an alias does not count), or None."""
    return session.exec(select(Reference.id).where(Reference.key == key)).first()


def alias_targets(*, session: Session, keys: list[str]) -> dict[str, int]:
    """Alias -> id of the paper it names, for those of ``keys`` that are aliases."""
    found = session.exec(select(ReferenceAlias).where(col(ReferenceAlias.key).in_(keys)))
    return {alias.key: alias.reference_id for alias in found}


def add_alias(*, session: Session, key: str, reference: Reference) -> None:
    """Make ``key`` an alias of ``reference`` (it resolves to that paper from now on)."""
    session.add(ReferenceAlias(key=key, reference_id=_id(reference)))
    session.flush()


def unique_key(*, session: Session, key: str) -> str:
    """``key``, or ``key`` + b, c, ... if it is taken (BibTeX's convention for same author-year)."""
    candidate, suffix = key, ord("b")
    while find_reference(session=session, key=candidate) is not None:
        candidate = f"{key}{chr(suffix)}"
        suffix += 1
    return candidate


@dataclass
class AddOutcome:
    reference: Reference
    action: str  # added | skipped | replaced
    detail: str = ""


def add_reference(*, session: Session, create: ReferenceCreate, on_duplicate: str = "error") -> AddOutcome:
    """Add a paper; a duplicate (DOI, title + year, or key) is refused, skipped or replaced:
    ``add_references`` with one row."""
    return add_references(session=session, creates=[create], on_duplicate=on_duplicate)[0]


def add_references(
    *, session: Session, creates: list[ReferenceCreate], on_duplicate: str = "error"
) -> list[AddOutcome]:
    """Add papers through the one write path of papers (``bulk.write_papers``)."""
    from cedb.store.bulk import write_papers

    rows = [c.model_dump(exclude_none=True) for c in creates]
    outcomes = write_papers(session=session, rows=rows, on_duplicate=on_duplicate)
    found = {o.id: session.get_one(Reference, o.id, populate_existing=True) for o in outcomes}
    return [AddOutcome(found[o.id], "added" if o.action == "added" else o.action, o.detail) for o in outcomes]


def list_references(*, session: Session) -> list[Reference]:
    return list(session.exec(select(Reference).order_by(col(Reference.key))))


def load_everything(*, session: Session) -> list[Reference | Strategy | Measurement]:
    """Every paper, strategy and result, loaded into the session's identity map: the caller
    keeps the list while it reads them again (``session.get`` then runs no query)."""
    return [*session.exec(select(Reference)), *session.exec(select(Strategy)), *session.exec(select(Measurement))]


def strategies_of(*, session: Session, reference: Reference) -> list[Strategy]:
    """The strategies of a paper, by label."""
    return list(
        session.exec(select(Strategy).where(Strategy.reference_id == reference.id).order_by(col(Strategy.label)))
    )


def measurements_of(*, session: Session, reference: Reference) -> list[Measurement]:
    """The results of a paper, by id (the order they were recorded in)."""
    return list(
        session.exec(select(Measurement).where(Measurement.reference_id == reference.id).order_by(col(Measurement.id)))
    )


def count_read_from(*, session: Session, reference: Reference) -> int:
    """Results of other papers that were read from ``reference`` (it is their source)."""
    return session.exec(select(func.count(col(Measurement.id))).where(Measurement.source_id == reference.id)).one()


def count_citing(*, session: Session, reference: Reference) -> int:
    """Measurements that belong to or were read from ``reference``."""
    return session.exec(
        select(func.count(col(Measurement.id))).where(
            (Measurement.reference_id == reference.id) | (Measurement.source_id == reference.id)
        )
    ).one()


@dataclass
class Removal:
    """What removing a paper removes (its own results and strategies, its aliases) and the
    results of other papers that were read from it (``detached``: their source is cleared)."""

    key: str
    results: list[int]
    strategies: int
    detached: list[int]

    def lines(self) -> list[str]:
        lines = [f"paper {self.key}"]
        if self.results:
            lines.append(f"{len(self.results)} result(s) of {self.key}: ids {_ids(self.results)}")
        if self.strategies:
            lines.append(f"{self.strategies} strateg{'y' if self.strategies == 1 else 'ies'} of {self.key}")
        if self.detached:
            lines.append(
                f"the source of {len(self.detached)} result(s) of other papers read from "
                f"{self.key} (kept, without a source): ids {_ids(self.detached)}"
            )
        return lines


def _ids(ids: list[int]) -> str:
    return ", ".join(map(str, ids[:20])) + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")


def plan_removal(*, session: Session, key: str, cascade: bool = False, detach_sources: bool = False) -> Removal:
    """What ``remove_reference`` would do, refused as it would be (nothing is changed).

    Its own results go only with ``cascade``; results of other papers that were read from it
    block the removal unless ``detach_sources`` (they stay, without a source).
    """
    reference = get_reference(session=session, key=key)
    # scalars(): ids of stored rows, never None (SQLModel types the column Optional).
    own: list[int] = list(
        session.scalars(
            select(Measurement.id).where(Measurement.reference_id == reference.id).order_by(col(Measurement.id))
        )
    )
    citing: list[int] = list(
        session.scalars(
            select(Measurement.id)
            .where(Measurement.source_id == reference.id, Measurement.reference_id != reference.id)
            .order_by(col(Measurement.id))
        )
    )
    strategies = session.exec(select(func.count(col(Strategy.id))).where(Strategy.reference_id == reference.id)).one()
    if citing and not detach_sources:
        raise InvalidValue(
            f"{len(citing)} result(s) of other papers were read from {reference.key} (ids {_ids(citing)}): "
            "remove or edit them first, or give --detach-sources to keep them without a source"
        )
    if own and not cascade:
        raise InvalidValue(
            f"{reference.key} has {len(own)} result(s) (ids {_ids(own)}): remove them first or use --cascade"
        )
    return Removal(reference.key, own, strategies, citing if detach_sources else [])


def remove_reference(*, session: Session, key: str, cascade: bool = False, detach_sources: bool = False) -> Removal:
    """Delete a paper with its own results and strategies (``plan_removal`` says what and refuses)."""
    from sqlalchemy import delete, update

    removal = plan_removal(session=session, key=key, cascade=cascade, detach_sources=detach_sources)
    reference = get_reference(session=session, key=key)
    # Bulk statements in dependency order (results, strategies, the paper), so the ORM
    # never expects rows that a database-level cascade already removed.
    if removal.detached:
        session.execute(
            update(Measurement)
            .where(col(Measurement.id).in_(removal.detached))
            .values(source_id=None, updated_at=utcnow())
        )
    session.execute(delete(Measurement).where(col(Measurement.reference_id) == reference.id))
    session.execute(delete(Strategy).where(col(Strategy.reference_id) == reference.id))
    session.execute(delete(ReferenceAlias).where(col(ReferenceAlias.reference_id) == reference.id))
    session.execute(delete(Reference).where(col(Reference.id) == reference.id))
    session.expunge(reference)
    return removal


def merge_references(
    *, session: Session, old: str, new: str, strategies: dict[str, str] | None = None
) -> dict[str, int]:
    """Merge paper ``old`` into ``new``: its results and strategies move to ``new`` (their source
    stays as it was: a result read from a review still says so), ``new`` takes the
    bibliographic fields it lacks, and ``old`` (and its aliases) become aliases of ``new``.

    A strategy label both papers have is one strategy afterwards when the fields agree
    (the results of ``old`` join it); different fields are refused. ``strategies`` maps a
    label of ``old`` to a label of ``new`` that names the same strategy in other words (a
    review's description of the primary paper's electrolyte): the results join the strategy
    of ``new``, which keeps its own fields, and the strategy of ``old`` goes. Results of both
    papers under the same conditions are all kept: where their CE differs, `cedb paper
    conflicts` lists them. Returns counts: results, strategies moved.
    """
    from sqlalchemy import delete, update

    source = get_reference(session=session, key=old)
    target = get_reference(session=session, key=new)
    if source.id == target.id:
        raise InvalidValue(f"{old} and {new} are already the same paper ({target.key})")
    moved_strategies = 0
    labels = {s.label: s for s in session.exec(select(Strategy).where(Strategy.reference_id == target.id))}
    own = list(session.exec(select(Strategy).where(Strategy.reference_id == source.id)))
    mapping = dict(strategies or {})
    for label, into in mapping.items():
        if label not in {s.label for s in own}:
            raise InvalidValue(
                f"{old} has no strategy {label!r} to join {into!r}: check the labels with `cedb paper show`"
            )
        if into not in labels:
            raise InvalidValue(
                f"{new} has no strategy {into!r} for {label!r} to join: check the labels with `cedb paper show`"
            )
    for strategy in own:
        if strategy.label in mapping:  # the same strategy in other words: the results join it
            session.execute(
                update(Measurement)
                .where(col(Measurement.strategy_id) == strategy.id)
                .values(strategy_id=labels[mapping[strategy.label]].id)
            )
            session.flush()
            session.delete(strategy)
            continue
        same = labels.get(strategy.label)
        if same is None:
            strategy.reference_id = _id(target)
            session.add(strategy)
            moved_strategies += 1
            continue
        for name in STRATEGY_NAMES:
            ours, theirs = _plain(getattr(same, name)), _plain(getattr(strategy, name))
            if ours is not None and theirs is not None and ours != theirs:
                raise ConflictError(
                    f"strategy {strategy.label!r} is recorded for {source.key} with {name} {theirs!r} "
                    f"and for {target.key} with {ours!r}: make them agree (`cedb result edit`) and merge again"
                )
        filled = {
            name: getattr(strategy, name)
            for name in STRATEGY_NAMES
            if getattr(same, name) is None and getattr(strategy, name) is not None
        }
        if filled:  # the kept strategy takes the fields only the other one had
            from cedb.formulations import annotate

            for name, value in filled.items():
                setattr(same, name, value)
            for name, value in annotate(same.electrolyte, same.additive).items():
                setattr(same, name, value)
            session.add(same)
        session.execute(
            update(Measurement).where(col(Measurement.strategy_id) == strategy.id).values(strategy_id=same.id)
        )
        session.flush()
        session.delete(strategy)
    moved = cast(
        "CursorResult[Any]",  # an UPDATE's result, which has a row count
        session.execute(
            update(Measurement)
            .where(col(Measurement.reference_id) == source.id)
            .values(reference_id=target.id, updated_at=utcnow())
        ),
    ).rowcount
    # Results that were read from the old paper were read from the same work.
    session.execute(update(Measurement).where(col(Measurement.source_id) == source.id).values(source_id=target.id))
    for name in ("doi", "title", "authors", "journal", "year", "volume", "pages", "bibtex", "note"):
        if getattr(target, name) is None and getattr(source, name) is not None and name != "doi":
            setattr(target, name, getattr(source, name))
    if target.doi is None and source.doi is not None:
        doi, source.doi = source.doi, None
        session.add(source)
        session.flush()
        target.doi = doi
    target.title_key = title_key(target.title)
    session.add(target)
    session.execute(
        update(ReferenceAlias).where(col(ReferenceAlias.reference_id) == source.id).values(reference_id=target.id)
    )
    old_key = source.key
    session.flush()
    session.execute(delete(Reference).where(col(Reference.id) == source.id))
    session.expunge(source)
    add_alias(session=session, key=old_key, reference=target)
    return {"results": moved, "strategies": moved_strategies}


def aliases(*, session: Session, reference: Reference) -> list[str]:
    return list(
        session.exec(
            select(ReferenceAlias.key)
            .where(ReferenceAlias.reference_id == reference.id)
            .order_by(col(ReferenceAlias.key))
        )
    )


def reference_record(*, session: Session, key: str) -> dict[str, Any]:
    """Every field of one paper (by key or alias) as a flat record (what `cedb paper show`
    prints): its columns, its aliases joined by commas, and how many results cite it."""
    reference = get_reference(session=session, key=key)
    record = reference.model_dump(exclude={"id", "title_key"})
    record["aliases"] = ", ".join(aliases(session=session, reference=reference)) or None
    record["results"] = count_citing(session=session, reference=reference)
    return record


def conflicts(*, session: Session, key: str | None = None, result_id: int | None = None) -> list[list[Measurement]]:
    """Groups of results of one paper, strategy and conditions whose CE differs (two sources
    disagreeing, e.g. a review quoting 99.6 % where the paper states 99.7 %): what a merge
    keeps and a curator must decide. Only groups of ``key``'s paper, or holding ``result_id``."""
    query = select(Measurement).order_by(col(Measurement.id))
    if key is not None:
        query = query.where(Measurement.reference_id == get_reference(session=session, key=key).id)
    if result_id is not None:
        one = get_measurement(session=session, id=result_id)
        query = query.where(Measurement.reference_id == one.reference_id)
    groups: dict[tuple, list[Measurement]] = {}
    for m in session.exec(query):
        identity = (m.reference_id, m.strategy_id) + tuple(_plain(getattr(m, n)) for n in CONDITION_FIELDS)
        groups.setdefault(identity, []).append(m)
    found = [g for g in groups.values() if len({round(m.ce_percent, 9) for m in g}) > 1]
    if result_id is not None:
        found = [g for g in found if any(m.id == result_id for m in g)]
    return found


def conflict_rows(*, session: Session, key: str | None = None) -> list[dict[str, Any]]:
    """``conflicts`` as flat rows (what `cedb paper conflicts` lists): one per result of each
    group, numbered from 1, with its paper, strategy label, conditions, CE, source and location."""

    def key_of(id: int | None) -> str | None:
        return session.get_one(Reference, id).key if id is not None else None

    rows = []
    for number, group in enumerate(conflicts(session=session, key=key), 1):
        for m in group:
            strategy = session.get(Strategy, m.strategy_id) if m.strategy_id else None
            rows.append(
                {
                    "group": number,
                    "id": m.id,
                    "paper": key_of(m.reference_id),
                    "label": strategy.label if strategy else None,
                    "current_density_mA_cm2": m.current_density_mA_cm2,
                    "areal_capacity_mAh_cm2": m.areal_capacity_mAh_cm2,
                    "cycles": m.cycles,
                    "ce_percent": m.ce_percent,
                    "source": key_of(m.source_id) or key_of(m.reference_id),
                    "location": m.location,
                }
            )
    return rows


# --------------------------------------------------------------------------- measurements


def get_measurement(*, session: Session, id: int) -> Measurement:
    measurement = session.get(Measurement, id)
    if measurement is None:
        raise NotFound(f"no result with id {id}: see `cedb query`")
    return measurement


def result_record(*, session: Session, id: int, profile: str = "review", strict: bool = False) -> dict[str, Any]:
    """Every field of one result as a flat record (what `cedb result show` prints): paper,
    strategy, conditions, LCE, method inputs, the practical verdict under ``profile`` with its
    reason, provenance, times in UTC, and the other sources that give another CE."""
    import json
    from datetime import timezone

    from cedb.ce import lce_or_none
    from cedb.practical import get_profile, verdict

    m = get_measurement(session=session, id=id)
    reference = session.get_one(Reference, m.reference_id)
    strategy = session.get(Strategy, m.strategy_id) if m.strategy_id else None
    source = session.get(Reference, m.source_id) if m.source_id else None
    chosen = get_profile(profile)
    judged = verdict(m, chosen, strict=strict)
    record: dict[str, Any] = {"id": m.id, "paper": reference.key, "doi": reference.doi, "year": reference.year}
    for name in ("category", "label", "host", "electrolyte", "additive"):
        record[name] = _plain(getattr(strategy, name) if strategy else None)
    for name in (
        "cell",
        "method",
        "current_density_mA_cm2",
        "areal_capacity_mAh_cm2",
        "cycles",
        "ce_percent",
        "statistic",
        "full_cell_derived",
        "temperature_C",
        "ec_ratio_g_Ah",
        "np_ratio",
        "cathode_loading_mAh_cm2",
    ):
        record[name] = _plain(getattr(m, name))
    record["lce"] = lce_or_none(m.ce_percent)
    record["method_params"] = json.loads(m.method_params) if m.method_params else None
    record["practical"] = judged.practical
    record["practical_reason"] = f"{judged.word} ({chosen.name}{', strict' if strict else ''}): {judged.reason}"
    record["source"] = source.key if source else None
    for name in ("location", "quote", "status", "curator", "note"):
        record[name] = _plain(getattr(m, name))
    for name in ("created_at", "updated_at"):
        value = getattr(m, name)
        if value is not None and value.tzinfo is None:  # SQLite keeps no zone; cedb writes UTC
            value = value.replace(tzinfo=timezone.utc)
        record[name] = value.isoformat() if value else None
    # Where another source gives another CE for the same paper, strategy and conditions.
    others = [o for group in conflicts(session=session, result_id=id) for o in group if o.id != id]
    record["conflicts"] = (
        "; ".join(
            f"id {o.id}: {o.ce_percent:g} % read from {read_from(session=session, measurement=o)}" for o in others
        )
        or None
    )
    return record


def read_from(*, session: Session, measurement: Measurement) -> str:
    """The key of the paper a result was read from: its source, else its own paper."""
    return session.get_one(Reference, measurement.source_id or measurement.reference_id).key


def add_results(
    *,
    session: Session,
    results: list[ResultInput],
    on_conflict: str = "error",
    allow_duplicate: bool = True,
    update_strategies: bool = False,
):
    """Add results through the one write path (``bulk.ResultWriter``); returns the writer
    (``ids``, ``rejected``, ``errors``, ``warnings``, ``counts``). ``update_strategies``: a
    strategy label given with other values changes the recorded strategy (else a conflict)."""
    from cedb.store.bulk import ResultWriter

    writer = ResultWriter(
        session, on_conflict=on_conflict, allow_duplicate=allow_duplicate, update_strategies=update_strategies
    )
    for number, result in enumerate(results, 1):
        writer.add(number, result)
    writer.close()
    return writer


def add_result(
    *,
    session: Session,
    result: ResultInput,
    on_conflict: str = "error",
    allow_duplicate: bool = True,
    update_strategies: bool = False,
) -> Measurement:
    """Add one validated result: ``add_results`` with one row. A refusal (unknown paper,
    duplicate, conflict, a strategy label recorded with other values) is raised."""
    writer = add_results(
        session=session,
        results=[result],
        on_conflict=on_conflict,
        allow_duplicate=allow_duplicate,
        update_strategies=update_strategies,
    )
    if writer.errors:
        raise writer.errors[0]
    # The writer works below the ORM: read the row as it now is.
    return session.get_one(Measurement, writer.ids[1], populate_existing=True)


def add_result_asking(
    *,
    session: Session,
    result: ResultInput,
    confirm: Callable[[CedbError], bool] | None,
    on_conflict: str = "error",
    allow_duplicate: bool = False,
) -> Measurement | None:
    """``add_result``, asking ``confirm(refusal)`` where it is a person's call: a likely duplicate
    (another strategy label, same conditions and CE: add it anyway?) or a strategy label recorded
    with other values (change that strategy, for all its results?). Yes tries again with that
    allowed; no returns None and adds nothing. Without ``confirm`` (no one to ask), and for
    every other refusal, the refusal is raised."""
    from cedb.store.bulk import LikelyDuplicate, StrategyConflict

    update_strategies = False
    while True:
        try:
            return add_result(
                session=session,
                result=result,
                on_conflict=on_conflict,
                allow_duplicate=allow_duplicate,
                update_strategies=update_strategies,
            )
        except (LikelyDuplicate, StrategyConflict) as refusal:
            if confirm is None:
                raise
            if not confirm(refusal):
                return None
            if isinstance(refusal, LikelyDuplicate):
                allow_duplicate = True
            else:
                update_strategies = True


def update_results(*, session: Session, edits: list[tuple[int, ResultInput]]):
    """Change recorded results through the one write path (``bulk.ResultWriter.edit``): each
    (id, changes) is validated as the row it would become and refused, with the message of
    `cedb result add`, where it would duplicate or contradict another result. Returns the writer."""
    from cedb.store.bulk import ResultWriter

    writer = ResultWriter(session)
    for number, (id, changes) in enumerate(edits, 1):
        writer.edit(number, id, changes)
    writer.close()
    return writer


def update_result(*, session: Session, id: int, changes: ResultInput) -> Measurement:
    """Change fields of one result: ``update_results`` with one edit; a refusal is raised."""
    writer = update_results(session=session, edits=[(id, changes)])
    if writer.errors:
        raise writer.errors[0]
    return session.get_one(Measurement, id, populate_existing=True)


STRATEGY_NAMES = STRATEGY_FIELDS


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def remove_result(*, session: Session, id: int) -> Measurement:
    measurement = get_measurement(session=session, id=id)
    session.delete(measurement)
    session.flush()
    return measurement
