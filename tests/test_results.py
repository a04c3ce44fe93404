"""cedb.results: what a user typed -> validated result inputs (edits and computed CEs)."""

import pytest

from cedb import ce, results
from cedb.errors import InvalidValue


def test_changes_keep_only_the_given_fields_validated_and_in_canonical_units():
    edit = results.changes({"ce": "99.60", "current": "20 A/m^2", "label": "RCF host", "source": "review2024"})
    assert edit.paper == ""  # no paper given: the result keeps its own
    assert edit.source == "review2024"
    assert edit.measurement == {"ce_percent": 99.6, "ce_decimals": 2, "current_density_mA_cm2": 2.0}
    assert edit.strategy == {"label": "RCF host"}


def test_changes_do_not_touch_the_callers_mapping_and_refuse_bad_values():
    values = {"paper": "b2021", "cycles": "100"}
    edit = results.changes(values)
    assert values == {"paper": "b2021", "cycles": "100"}
    assert (edit.paper, edit.measurement) == ("b2021", {"cycles": 100})
    with pytest.raises(InvalidValue):
        results.changes({"ce": "101"})


def test_from_ce_records_the_method_its_inputs_and_the_method_cell():
    computed = ce.aurbach(5.0, 1.0, 10, 4.6)
    result = results.from_ce(computed, method="aurbach", default_cell="li-cu", paper="a2020", current="0.5")
    assert result.paper == "a2020"
    m = result.measurement
    assert m["ce_percent"] == pytest.approx(100 * (10 * 1.0 + 4.6) / (10 * 1.0 + 5.0))
    assert (m["method"], m["statistic"], m["cell"], m["cycles"]) == ("aurbach", "average", "li-cu", 10)
    assert m["current_density_mA_cm2"] == 0.5
    assert '"method": "aurbach"' in m["method_params"] and '"q_total": 5.0' in m["method_params"]


def test_from_ce_needs_a_paper_and_a_category_for_a_strategy():
    computed = ce.conventional([1.0], [0.99])
    with pytest.raises(InvalidValue, match="--record needs --paper"):
        results.from_ce(computed, method="conventional", paper=None)
    with pytest.raises(InvalidValue, match="a strategy needs its category"):
        results.from_ce(computed, method="conventional", paper="a2020", label="LHCE")
    assert "cell" not in results.from_ce(computed, method="chiang", paper="a2020").measurement
