"""Candidates against the database: mark them known, conflicting or new against a paper's
recorded results, and add the new complete ones as draft results (``cedb extract --compare``
and ``--record``). The database is reached through ``cedb.crud`` and ``cedb.query`` only.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cedb.extract.api import Candidate
from cedb.extract.compare import Comparison, compare


def compare_recorded(*, session, candidates: Sequence[Candidate], paper: str) -> list[Comparison]:
    """Each candidate marked known, conflict or new against all of ``paper``'s recorded results."""
    from cedb.store import query

    return compare(candidates, query.paper_rows(session=session, paper=paper), paper=paper)


@dataclass
class RecordReport:
    """What ``record`` did with the candidates of one text."""

    paper: str
    candidates: int  # all candidates given
    complete: int  # those with CE, current and capacity: the only ones recorded
    added: int = 0  # new draft results
    known: int = 0  # already recorded (same conditions, CE within the tolerance)
    conflicts: list[str] = field(default_factory=list)  # one message per conflicting candidate
    declined: int = 0  # new ones that ``confirm`` turned down

    @property
    def incomplete(self) -> int:
        return self.candidates - self.complete

    def summary(self) -> str:
        text = f"{self.added} / {self.complete} complete candidate(s) recorded as drafts for {self.paper}"
        if self.known:
            text += f"; {self.known} already recorded"
        if self.conflicts:
            text += f"; {len(self.conflicts)} conflict(s)"
        if self.incomplete:
            text += f"; {self.incomplete} incomplete left out (add them with `cedb result add`)"
        return text


def record(
    *,
    session,
    candidates: Sequence[Candidate],
    paper: str,
    where: str,
    location: str | None = None,
    confirm: Callable[[Candidate], bool] | None = None,
) -> RecordReport:
    """Add the complete candidates as draft results of ``paper`` in the caller's transaction.

    They are first compared with all of the paper's results (whatever their strategy): a known
    one is not added again and a conflicting one is reported (in the one wording of a conflict,
    ``cedb.bulk.conflict_message``), not added. ``confirm(candidate)`` is asked for each new
    one (None: add them all); the accepted ones go through the one write path in one call.
    ``where`` and ``location`` say where the text came from (``drafts.measurement_fields``).
    """
    from cedb import results
    from cedb.errors import ConflictError, DuplicateError
    from cedb.extract.drafts import measurement_fields
    from cedb.store import bulk, crud

    complete = [c for c in candidates if c.complete]
    report = RecordReport(paper=paper, candidates=len(candidates), complete=len(complete))
    wanted = []
    for item in compare_recorded(session=session, candidates=complete, paper=paper):
        c = item.candidate
        if item.status == "known":
            report.known += 1
        elif item.status == "conflict":
            existing = crud.get_measurement(session=session, id=item.existing_id)
            assert item.existing_ce_percent is not None  # a conflict is with a recorded CE
            report.conflicts.append(
                bulk.conflict_message(
                    item.existing_id,
                    item.existing_ce_percent,
                    crud.read_from(session=session, measurement=existing),
                    c.ce_percent,
                    paper,
                )
            )
        elif confirm is not None and not confirm(c):
            report.declined += 1
        else:
            wanted.append(results.normalise({"paper": paper, **measurement_fields(c, where=where, location=location)}))
    writer = crud.add_results(session=session, results=wanted)
    report.added = len(writer.added)
    for error in writer.errors:
        if isinstance(error, DuplicateError):
            report.known += 1
        elif isinstance(error, ConflictError):
            report.conflicts.append(str(error))
        else:
            raise error
    return report
