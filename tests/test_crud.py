"""Editing results: moving a result moves its strategy, required fields cannot be emptied, whole-row validation."""

import pytest
from sqlmodel import select

from cedb.errors import InvalidValue
from cedb.results import ResultInput, normalise, normalise_field
from cedb.store import crud
from cedb.store.models import Strategy
from tests.builders import add_paper


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
