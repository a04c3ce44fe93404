"""Editing results: moving a result moves its strategy, required fields cannot be emptied, whole-row validation."""

import math

import pytest
from sqlmodel import select

from cedb.errors import InvalidValue
from cedb.results import ResultInput, normalise, normalise_field
from cedb.store import crud
from cedb.store.models import Strategy
from tests.builders import add_paper, add_result


def test_moving_a_result_moves_its_strategy(session):
    add_paper(session, "a2020")
    new = add_paper(session, "b2021")
    m = crud.add_result(
        session=session,
        result=normalise(
            {
                "paper": "a2020",
                "ce": 99.1,
                "current": 1,
                "capacity": 3,
                "category": "electrolyte",
                "label": "LHCE",
                "electrolyte": "1.2M LiFSI DMC-BTFE (1:2 mol)",
            }
        ),
    )
    crud.update_result(session=session, id=m.id, changes=ResultInput(paper="b2021"))
    strategy = session.get(Strategy, m.strategy_id)
    assert strategy.reference_id == new.id
    assert (strategy.label, strategy.electrolyte) == ("LHCE", "1.2M LiFSI DMC-BTFE (1:2 mol)")
    assert "|salt:LiFSI|" in strategy.components


@pytest.mark.parametrize("field", ["status", "method", "ce_percent"])
def test_required_fields_cannot_be_emptied(session, field):
    add_paper(session, "a2020")
    m = crud.add_result(session=session, result=normalise({"paper": "a2020", "ce": 99.1}))
    with pytest.raises(InvalidValue, match="cannot be emptied"):
        crud.update_result(session=session, id=m.id, changes=ResultInput(paper="", measurement={field: None}))


def test_edit_to_an_out_of_range_value_is_one_line(session):
    add_paper(session, "a2020")
    m = crud.add_result(session=session, result=normalise({"paper": "a2020", "ce": 99.1}))
    long_location = "x" * 500
    with pytest.raises(InvalidValue) as info:
        crud.update_result(
            session=session, id=m.id, changes=ResultInput(paper="", measurement={"location": long_location})
        )
    assert "\n" not in str(info.value)


def test_edit_creating_a_conflict_is_refused(session):
    add_paper(session, "a2020")
    first = crud.add_result(session=session, result=normalise({"paper": "a2020", "ce": 99.1, "current": 1}))
    second = crud.add_result(session=session, result=normalise({"paper": "a2020", "ce": 99.5, "current": 2}))
    from cedb.errors import ConflictError

    with pytest.raises(ConflictError, match=f"id {first.id}"):
        crud.update_result(
            session=session,
            id=second.id,
            changes=ResultInput(paper="", measurement={"current_density_mA_cm2": normalise_field("current", "1")}),
        )


def test_remove_paper_with_cascade_removes_results_and_strategies(session):
    add_paper(session, "a2020")
    crud.add_result(
        session=session, result=normalise({"paper": "a2020", "ce": 99.1, "category": "other", "label": "x"})
    )
    with pytest.raises(InvalidValue, match="--cascade"):
        crud.remove_reference(session=session, key="a2020")
    assert len(crud.remove_reference(session=session, key="a2020", cascade=True).results) == 1
    assert session.exec(select(Strategy)).all() == []


def test_updating_a_strategy_keeps_its_parsed_electrolyte(session):
    """An edit naming only a host keeps the strategy's electrolyte and its parsed formulation."""
    add_paper(session, "a2020")
    m = crud.add_result(
        session=session,
        result=normalise(
            {
                "paper": "a2020",
                "ce": 99.1,
                "category": "electrolyte",
                "label": "LHCE",
                "electrolyte": "1.2M LiFSI DMC-BTFE (1:2 mol)",
            }
        ),
    )
    before = session.get(Strategy, m.strategy_id)
    assert before.electrolyte_canonical
    crud.update_result(session=session, id=m.id, changes=ResultInput(paper="", strategy={"host": "Cu foil"}))
    strategy = session.get(Strategy, m.strategy_id, populate_existing=True)
    assert strategy.id == before.id and strategy.host == "Cu foil"
    assert strategy.electrolyte == "1.2M LiFSI DMC-BTFE (1:2 mol)"
    assert strategy.electrolyte_canonical and "|salt:LiFSI|" in strategy.components


def test_result_record_has_every_field_the_verdict_and_the_disagreeing_sources(session):
    add_paper(session, "a2020", doi="10.1000/a", year=2020)
    add_paper(session, "review2024")
    own = crud.add_result(
        session=session,
        result=normalise(
            {
                "paper": "a2020",
                "ce": 99.7,
                "current": 0.5,
                "capacity": 1,
                "category": "electrolyte",
                "label": "LHCE",
                "quote": "CE of 99.7%",
                "location": "Fig. 2",
            }  # fmt: skip
        ),
    )
    # The review quotes 99.6 % for its ref. 109; merged into the primary paper, two sources disagree.
    add_paper(session, "ref109")
    quoted = crud.add_result(
        session=session,
        result=normalise(
            {
                "paper": "ref109",
                "ce": 99.6,
                "current": 0.5,
                "capacity": 1,
                "category": "electrolyte",
                "label": "LHCE",
                "source": "review2024",
            }  # fmt: skip
        ),
    )
    crud.merge_references(session=session, old="ref109", new="a2020")
    record = crud.result_record(session=session, id=own.id)
    assert (record["paper"], record["doi"], record["year"], record["label"]) == ("a2020", "10.1000/a", 2020, "LHCE")
    assert record["ce_percent"] == 99.7 and record["lce"] == pytest.approx(-math.log10(1 - 0.997))
    assert (record["location"], record["quote"], record["source"]) == ("Fig. 2", "CE of 99.7%", None)
    # 0.5 mA cm-2 and 1 mAh cm-2 are below the review's practical thresholds.
    assert record["practical"] is False and record["practical_reason"] == (
        "no (review): current 0.5 < 1 mA cm⁻²; capacity 1 < 3 mAh cm⁻²"
    )
    assert record["created_at"].endswith("+00:00")  # shown in UTC whatever the database keeps
    assert record["conflicts"] == f"id {quoted.id}: 99.6 % read from review2024"
    lenient = crud.result_record(session=session, id=own.id, profile="review", strict=True)
    assert "(review, strict)" in lenient["practical_reason"]


def test_result_record_of_an_unknown_id_is_not_found(session):
    from cedb.errors import NotFound

    with pytest.raises(NotFound, match="no result with id 12345"):
        crud.result_record(session=session, id=12345)


def test_conflict_rows_number_the_groups_and_name_each_source(session):
    add_paper(session, "a2020")
    add_paper(session, "review2024")
    add_paper(session, "ref109")
    fields = {"current": 1, "capacity": 3, "category": "electrolyte", "label": "LHCE"}
    own = crud.add_result(session=session, result=normalise({"paper": "a2020", "ce": 99.7, **fields}))
    quoted = crud.add_result(
        session=session,
        result=normalise({"paper": "ref109", "ce": 99.6, "source": "review2024", "location": "Table 2", **fields}),
    )
    crud.add_result(session=session, result=normalise({"paper": "a2020", "ce": 99.0, "current": 2, "capacity": 3}))
    crud.merge_references(session=session, old="ref109", new="a2020")
    rows = crud.conflict_rows(session=session)
    assert [
        (r["group"], r["id"], r["paper"], r["label"], r["ce_percent"], r["source"], r["location"]) for r in rows
    ] == [
        (1, own.id, "a2020", "LHCE", 99.7, "a2020", None),
        (1, quoted.id, "a2020", "LHCE", 99.6, "review2024", "Table 2"),
    ]
    assert crud.conflict_rows(session=session, key="ref109") == rows  # an alias names its paper
    assert crud.conflict_rows(session=session, key="review2024") == []


def test_reference_record_has_the_papers_fields_aliases_and_citing_results(session):
    add_paper(session, "a2020", doi="10.1000/a", title="A title", year=2020)
    add_paper(session, "ref109")
    add_result(session, {"paper": "ref109", "ce": 99.6})
    crud.merge_references(session=session, old="ref109", new="a2020")
    record = crud.reference_record(session=session, key="ref109")
    assert (record["key"], record["doi"], record["title"], record["year"]) == ("a2020", "10.1000/a", "A title", 2020)
    assert (record["aliases"], record["results"]) == ("ref109", 1)
    assert "id" not in record and "title_key" not in record


def test_add_result_asking_asks_on_a_likely_duplicate_and_a_changed_strategy(session):
    from cedb.store.bulk import LikelyDuplicate, StrategyConflict

    add_paper(session, "a2020")
    base = {"paper": "a2020", "ce": 99.5, "current": 1, "capacity": 3, "category": "electrolyte"}
    first = crud.add_result(session=session, result=normalise({**base, "label": "LHCE"}))
    twin = normalise({**base, "label": "LHCE in other words"})
    asked: list[type] = []

    def no(refusal):
        asked.append(type(refusal))
        return False

    assert crud.add_result_asking(session=session, result=twin, confirm=no) is None
    assert asked == [LikelyDuplicate]
    with pytest.raises(LikelyDuplicate):  # no one to ask: the refusal itself
        crud.add_result_asking(session=session, result=twin, confirm=None)
    added = crud.add_result_asking(session=session, result=twin, confirm=lambda refusal: True)
    assert added is not None and added.id != first.id and added.strategy_id != first.strategy_id
    # The same label with another electrolyte: yes changes the recorded strategy.
    changed = normalise({**base, "ce": 98.0, "current": 2, "label": "LHCE", "electrolyte": "1 M LiFSI in DME"})
    asked.clear()
    assert crud.add_result_asking(session=session, result=changed, confirm=no) is None
    assert asked == [StrategyConflict]
    moved = crud.add_result_asking(session=session, result=changed, confirm=lambda refusal: True)
    assert moved.strategy_id == first.strategy_id
    assert session.get(Strategy, first.strategy_id).electrolyte == "1 M LiFSI in DME"
