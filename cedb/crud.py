"""Data access: keyword-only functions taking ``session=``. They never commit.

The caller (one CLI command, one curation load) owns the transaction, so a
command either fully happens or leaves the database as it was.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from cedb.bibliography import title_key
from cedb.errors import ConflictError, DuplicateError, InvalidValue, NotFound
from cedb.models import (
    Measurement,
    MeasurementCreate,
    Reference,
    ReferenceAlias,
    ReferenceCreate,
    Strategy,
    StrategyCreate,
    utcnow,
)
from cedb.results import CONDITION_FIELDS, ResultInput

# --------------------------------------------------------------------------- references


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
        chunk = keys[start:start + 1000]
        found.update((r.key, r) for r in session.exec(select(Reference).where(Reference.key.in_(chunk))))
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
    aliases = dict(session.exec(select(ReferenceAlias.key, Reference.key).join(
        Reference, Reference.id == ReferenceAlias.reference_id).where(ReferenceAlias.key.in_(keys))).all())
    return [aliases.get(k, k) for k in keys]


def find_duplicate(*, session: Session, create: ReferenceCreate) -> tuple[Reference, str] | None:
    """An existing reference that is the same paper (same DOI, or same title and year)."""
    if create.doi:
        found = session.exec(select(Reference).where(Reference.doi == create.doi)).first()
        if found:
            return found, f"DOI {create.doi}"
    key = title_key(create.title)
    if key and create.year:
        found = session.exec(
            select(Reference).where(Reference.title_key == key, Reference.year == create.year)
        ).first()
        if found:
            return found, "title and year"
    return None


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
    """Add a paper; a duplicate (DOI, or title + year) is refused, skipped or replaced."""
    duplicate = find_duplicate(session=session, create=create)
    if duplicate is None and find_reference(session=session, key=create.key) is not None:
        existing = get_reference(session=session, key=create.key)
        duplicate = (existing, f"citation key {create.key}")
    if duplicate is not None:
        existing, why = duplicate
        if on_duplicate == "skip":
            return AddOutcome(existing, "skipped", f"same {why} as {existing.key}")
        if on_duplicate == "replace":
            # The new entry's fields over the stored ones; a field it lacks is kept (issue 10).
            data = create.model_dump(exclude={"key"}, exclude_none=True)
            if "bibtex" not in data and any(getattr(existing, n) != v for n, v in data.items()):
                # The stored original entry holds the old metadata (and `paper export` re-emits
                # it): it goes with the fields it no longer matches.
                data["bibtex"] = None
            for name, value in data.items():
                setattr(existing, name, value)
            existing.title_key = title_key(create.title)
            session.add(existing)
            session.flush()
            return AddOutcome(existing, "replaced", f"same {why} as {existing.key}")
        raise DuplicateError(
            f"{create.key} is already in the database as {existing.key} (same {why}): "
            "use --on-duplicate skip or replace"
        )
    reference = Reference.model_validate(create, update={"title_key": title_key(create.title)})
    session.add(reference)
    session.flush()
    return AddOutcome(reference, "added")


def list_references(*, session: Session) -> list[Reference]:
    return list(session.exec(select(Reference).order_by(Reference.key)))


def count_citing(*, session: Session, reference: Reference) -> int:
    """Measurements that belong to or were read from ``reference``."""
    return session.exec(
        select(func.count(Measurement.id)).where(
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
            lines.append(f"the source of {len(self.detached)} result(s) of other papers read from "
                         f"{self.key} (kept, without a source): ids {_ids(self.detached)}")
        return lines


def _ids(ids: list[int]) -> str:
    return ", ".join(map(str, ids[:20])) + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")


def plan_removal(*, session: Session, key: str, cascade: bool = False,
                 detach_sources: bool = False) -> Removal:
    """What ``remove_reference`` would do, refused as it would be (nothing is changed).

    Its own results go only with ``cascade``; results of other papers that were read from it
    block the removal unless ``detach_sources`` (they stay, without a source).
    """
    reference = get_reference(session=session, key=key)
    own = list(session.exec(select(Measurement.id).where(Measurement.reference_id == reference.id)
                            .order_by(Measurement.id)))
    citing = list(session.exec(select(Measurement.id).where(
        Measurement.source_id == reference.id, Measurement.reference_id != reference.id)
        .order_by(Measurement.id)))
    strategies = session.exec(select(func.count(Strategy.id)).where(Strategy.reference_id == reference.id)).one()
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


def remove_reference(*, session: Session, key: str, cascade: bool = False,
                     detach_sources: bool = False) -> Removal:
    """Delete a paper with its own results and strategies (``plan_removal`` says what and refuses)."""
    from sqlalchemy import delete, update

    removal = plan_removal(session=session, key=key, cascade=cascade, detach_sources=detach_sources)
    reference = get_reference(session=session, key=key)
    # Bulk statements in dependency order (results, strategies, the paper), so the ORM
    # never expects rows that a database-level cascade already removed.
    if removal.detached:
        session.execute(update(Measurement).where(Measurement.id.in_(removal.detached))
                        .values(source_id=None, updated_at=utcnow()))
    session.execute(delete(Measurement).where(Measurement.reference_id == reference.id))
    session.execute(delete(Strategy).where(Strategy.reference_id == reference.id))
    session.execute(delete(ReferenceAlias).where(ReferenceAlias.reference_id == reference.id))
    session.execute(delete(Reference).where(Reference.id == reference.id))
    session.expunge(reference)
    return removal


def merge_references(*, session: Session, old: str, new: str,
                     strategies: dict[str, str] | None = None) -> dict[str, int]:
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
            raise InvalidValue(f"{old} has no strategy {label!r} to join {into!r}: "
                               "check the labels with `cedb paper show`")
        if into not in labels:
            raise InvalidValue(f"{new} has no strategy {into!r} for {label!r} to join: "
                               "check the labels with `cedb paper show`")
    for strategy in own:
        if strategy.label in mapping:  # the same strategy in other words: the results join it
            session.execute(update(Measurement).where(Measurement.strategy_id == strategy.id)
                            .values(strategy_id=labels[mapping[strategy.label]].id))
            session.flush()
            session.delete(strategy)
            continue
        same = labels.get(strategy.label)
        if same is None:
            strategy.reference_id = target.id
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
        filled = {name: getattr(strategy, name) for name in STRATEGY_NAMES
                  if getattr(same, name) is None and getattr(strategy, name) is not None}
        if filled:  # the kept strategy takes the fields only the other one had
            from cedb.formulations import annotate

            for name, value in filled.items():
                setattr(same, name, value)
            for name, value in annotate(same.electrolyte, same.additive).items():
                setattr(same, name, value)
            session.add(same)
        session.execute(update(Measurement).where(Measurement.strategy_id == strategy.id)
                        .values(strategy_id=same.id))
        session.flush()
        session.delete(strategy)
    moved = session.execute(update(Measurement).where(Measurement.reference_id == source.id)
                            .values(reference_id=target.id, updated_at=utcnow())).rowcount
    # Results that were read from the old paper were read from the same work.
    session.execute(update(Measurement).where(Measurement.source_id == source.id)
                    .values(source_id=target.id))
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
    session.execute(update(ReferenceAlias).where(ReferenceAlias.reference_id == source.id)
                    .values(reference_id=target.id))
    old_key = source.key
    session.flush()
    session.execute(delete(Reference).where(Reference.id == source.id))
    session.expunge(source)
    session.add(ReferenceAlias(key=old_key, reference_id=target.id))
    session.flush()
    return {"results": moved, "strategies": moved_strategies}


def aliases(*, session: Session, reference: Reference) -> list[str]:
    return list(session.exec(select(ReferenceAlias.key).where(ReferenceAlias.reference_id == reference.id)
                             .order_by(ReferenceAlias.key)))


def conflicts(*, session: Session, key: str | None = None, result_id: int | None = None) -> list[list[Measurement]]:
    """Groups of results of one paper, strategy and conditions whose CE differs (two sources
    disagreeing, e.g. a review quoting 99.6 % where the paper states 99.7 %): what a merge
    keeps and a curator must decide. Only groups of ``key``'s paper, or holding ``result_id``."""
    query = select(Measurement).order_by(Measurement.id)
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


# --------------------------------------------------------------------------- strategies


def upsert_strategy(*, session: Session, reference: Reference, fields: dict[str, Any]) -> tuple[Strategy, str]:
    """The strategy of ``reference`` with this label, created or updated; returns (row, action)."""
    from cedb.formulations import annotate

    label = fields["label"]
    derived = annotate(fields.get("electrolyte"), fields.get("additive"))
    strategy = session.exec(
        select(Strategy).where(Strategy.reference_id == reference.id, Strategy.label == label)
    ).first()
    if strategy is None:
        strategy = Strategy.model_validate(StrategyCreate(reference_id=reference.id, **fields),
                                           update=derived)
        session.add(strategy)
        session.flush()
        return strategy, "added"
    changed = False
    for name, value in fields.items():
        if getattr(strategy, name) != value:
            setattr(strategy, name, value)
            changed = True
    if changed:
        # From the strategy as it now is: an update naming only a host keeps its electrolyte.
        for name, value in annotate(strategy.electrolyte, strategy.additive).items():
            setattr(strategy, name, value)
        session.add(strategy)
        session.flush()
    return strategy, "updated" if changed else "unchanged"


# --------------------------------------------------------------------------- measurements


def get_measurement(*, session: Session, id: int) -> Measurement:
    measurement = session.get(Measurement, id)
    if measurement is None:
        raise NotFound(f"no result with id {id}: see `cedb query`")
    return measurement


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) <= 1e-9 * max(1, abs(b))
    return a == b


def same_conditions(*, session: Session, reference_id: int, strategy_id: int | None,
                    values: dict[str, Any], exclude_id: int | None = None) -> list[Measurement]:
    """Measurements of the same paper and strategy under the same conditions."""
    query = select(Measurement).where(Measurement.reference_id == reference_id)
    query = query.where(
        Measurement.strategy_id == strategy_id if strategy_id is not None else Measurement.strategy_id.is_(None)
    )
    for name in CONDITION_FIELDS:
        value = values.get(name)
        column = getattr(Measurement, name)
        query = query.where(column.is_(None) if value is None else column == value)
    if exclude_id is not None:
        query = query.where(Measurement.id != exclude_id)
    return list(session.exec(query))


def check_new_result(*, session: Session, reference_id: int, strategy_id: int | None,
                     values: dict[str, Any], exclude_id: int | None = None) -> None:
    """Refuse a duplicate (same conditions, same CE) or a conflict (same conditions, other CE)."""
    from cedb.bulk import conflict_message, duplicate_message

    for other in same_conditions(session=session, reference_id=reference_id, strategy_id=strategy_id,
                                 values=values, exclude_id=exclude_id):
        if _same(other.ce_percent, values["ce_percent"]):
            raise DuplicateError(duplicate_message(other.id, other.ce_percent))
        names = {None: session.get(Reference, reference_id).key}
        for source_id in (other.source_id, values.get("source_id")):
            if source_id is not None:
                names[source_id] = session.get(Reference, source_id).key
        raise ConflictError(conflict_message(other.id, other.ce_percent, names[other.source_id],
                                             values["ce_percent"], names[values.get("source_id")]))


def add_results(*, session: Session, results: list[ResultInput], on_conflict: str = "error",
                allow_duplicate: bool = True):
    """Add results through the one write path (``bulk.ResultWriter``); returns the writer
    (``ids``, ``rejected``, ``errors``, ``warnings``, ``counts``)."""
    from cedb.bulk import ResultWriter

    writer = ResultWriter(session, on_conflict=on_conflict, allow_duplicate=allow_duplicate)
    for number, result in enumerate(results, 1):
        writer.add(number, result)
    writer.close()
    return writer


def add_result(*, session: Session, result: ResultInput, on_conflict: str = "error",
               allow_duplicate: bool = True) -> Measurement:
    """Add one validated result: ``add_results`` with one row. A refusal (unknown paper,
    duplicate, conflict, a strategy label recorded with other values) is raised."""
    writer = add_results(session=session, results=[result], on_conflict=on_conflict,
                         allow_duplicate=allow_duplicate)
    if writer.errors:
        raise writer.errors[0]
    # The writer works below the ORM: read the row as it now is.
    return session.get(Measurement, writer.ids[1], populate_existing=True)


STRATEGY_NAMES = ("category", "label", "host", "electrolyte", "additive", "description")
# Fields every result has; an edit may change them but not empty them.
REQUIRED_ON_EDIT = ("ce_percent", "method", "status", "full_cell_derived")


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _validate_edit(measurement: Measurement, changes: dict[str, Any]) -> None:
    """Validate the row as it would be after ``changes``, before touching it.

    Table models do not validate on setattr, and a half-edited row must never reach a flush.
    """
    from cedb.bulk import _validate  # the one validator of every written row

    data = {name: _plain(getattr(measurement, name)) for name in MeasurementCreate.model_fields}
    data.update(changes)
    _validate({k: v for k, v in data.items() if k not in ("reference_id", "source_id")},
              data["reference_id"], data["source_id"])


def update_result(*, session: Session, id: int, changes: ResultInput) -> Measurement:
    """Change fields of a result; the conditions it ends up with must not duplicate another."""
    measurement = get_measurement(session=session, id=id)
    for name in REQUIRED_ON_EDIT:
        if name in changes.measurement and changes.measurement[name] is None:
            raise InvalidValue(f"{name} cannot be emptied: give a value")
    _validate_edit(measurement, changes.measurement)
    moved = bool(changes.paper and changes.paper != "-")
    if moved:
        measurement.reference_id = get_reference(session=session, key=changes.paper).id
    if changes.source:
        measurement.source_id = get_reference(session=session, key=changes.source).id
    if changes.strategy or (moved and measurement.strategy_id is not None):
        # The strategy belongs to the paper: an edited or moved result gets the
        # strategy (same fields plus the changes) under its paper.
        reference = session.get(Reference, measurement.reference_id)
        current = session.get(Strategy, measurement.strategy_id) if measurement.strategy_id else None
        fields = {}
        if current is not None:
            fields = {name: _plain(getattr(current, name)) for name in STRATEGY_NAMES}
            fields = {k: v for k, v in fields.items() if v is not None}
        fields.update({k: v for k, v in changes.strategy.items() if v is not None})
        if "category" not in fields:
            raise InvalidValue("a strategy needs its category: give --category")
        fields.setdefault("label", fields.get("host") or fields.get("electrolyte") or fields["category"])
        strategy, _ = upsert_strategy(session=session, reference=reference, fields=fields)
        measurement.strategy_id = strategy.id
    for name, value in changes.measurement.items():
        setattr(measurement, name, value)
    values = {name: _plain(getattr(measurement, name)) for name in CONDITION_FIELDS + ("ce_percent",)}
    check_new_result(session=session, reference_id=measurement.reference_id,
                     strategy_id=measurement.strategy_id, values=values, exclude_id=measurement.id)
    measurement.updated_at = utcnow()
    session.add(measurement)
    session.flush()
    return measurement


def remove_result(*, session: Session, id: int) -> Measurement:
    measurement = get_measurement(session=session, id=id)
    session.delete(measurement)
    session.flush()
    return measurement
