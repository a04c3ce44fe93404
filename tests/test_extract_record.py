"""cedb.extract.record: candidates compared with a paper's recorded results and added as drafts."""

import pytest

from cedb.errors import NotFound
from cedb.extract import Candidate
from cedb.extract.record import compare_recorded, record
from cedb.store import crud, query
from tests.builders import add_paper, add_result


def _candidate(ce: float, current: float | None, capacity: float | None, *, cycles: int | None = None) -> Candidate:
    sentence = f"The cell cycled at {current} mA cm-2 and {capacity} mAh cm-2 keeps a CE of {ce}%."
    return Candidate(
        ce_percent=ce,
        ce_high_percent=None,
        qualifier=None,
        current_density_mA_cm2=current,
        areal_capacity_mAh_cm2=capacity,
        cycles=cycles,
        cell="li-cu",
        method_hint=None,
        complete=current is not None and capacity is not None,
        confidence=0.9,
        reason="test",
        sentence=sentence,
        start=0,
        end=len(sentence),
    )


@pytest.fixture
def paper(session):
    add_paper(session, "a2020")
    add_paper(session, "review2024")
    # 99.5 % at 0.5 mA cm-2 / 1 mAh cm-2, read from a review: the known and the conflicting condition.
    add_result(session, {"paper": "a2020", "ce": 99.5, "current": 0.5, "capacity": 1, "source": "review2024"})
    return "a2020"


def test_compare_recorded_marks_known_conflict_and_new(session, paper):
    statuses = [
        c.status
        for c in compare_recorded(
            session=session,
            candidates=[_candidate(99.5, 0.5, 1), _candidate(98.0, 0.5, 1), _candidate(99.0, 3, 3)],
            paper=paper,
        )
    ]
    assert statuses == ["known", "conflict", "new"]


def test_compare_recorded_refuses_an_unknown_paper(session):
    with pytest.raises(NotFound):
        compare_recorded(session=session, candidates=[_candidate(99.5, 0.5, 1)], paper="nobody1999")


def test_record_adds_only_new_complete_candidates_and_reports_the_rest(session, paper):
    candidates = [
        _candidate(99.5, 0.5, 1),  # known
        _candidate(98.0, 0.5, 1),  # conflict: the recorded 99.5 % stays
        _candidate(99.0, 3, 3),  # new
        _candidate(99.9, 1, 1),  # new, declined below
        _candidate(97.0, None, 1),  # incomplete: never recorded
    ]
    asked = []

    def confirm(candidate):
        asked.append(candidate.ce_percent)
        return candidate.ce_percent != 99.9

    report = record(session=session, candidates=candidates, paper=paper, where="paper.txt", confirm=confirm)
    assert asked == [99.0, 99.9]  # only new complete ones are asked about
    assert (report.added, report.known, report.declined, report.incomplete) == (1, 1, 1, 1)
    assert len(report.conflicts) == 1
    assert "records CE 99.5 % (read from review2024)" in report.conflicts[0]
    assert "not 98 % (read from a2020)" in report.conflicts[0]
    assert report.summary() == (
        "1 / 4 complete candidate(s) recorded as drafts for a2020; 1 already recorded; 1 conflict(s); "
        "1 incomplete left out (add them with `cedb result add`)"
    )
    rows = query.paper_rows(session=session, paper=paper)
    assert sorted(r["ce_percent"] for r in rows) == [99.0, 99.5]
    added = crud.get_measurement(session=session, id=max(r["id"] for r in rows))
    assert added.status == "draft" and added.location == "paper.txt, characters 0-" + str(candidates[2].end)


def test_record_without_confirm_adds_all_new_and_a_second_run_adds_nothing(session, paper):
    candidates = [_candidate(99.0, 3, 3), _candidate(99.9, 1, 1)]
    first = record(session=session, candidates=candidates, paper=paper, where="t.txt")
    again = record(session=session, candidates=candidates, paper=paper, where="t.txt")
    assert (first.added, first.known) == (2, 0)
    assert (again.added, again.known) == (0, 2)
