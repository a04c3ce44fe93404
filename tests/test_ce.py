"""CE methods (eqns 1-6) and cycle life, checked against hand-worked numbers."""

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cedb import ce
from cedb.errors import InvalidValue

# --- LCE --------------------------------------------------------------------------------


def test_lce_of_99_9_percent_is_3():
    # 1 - 0.999 = 0.001 -> -log10(0.001) = 3
    assert ce.lce(99.9) == pytest.approx(3.0)
    assert ce.lce(99.0) == pytest.approx(2.0)


def test_lce_round_trip():
    assert ce.ce_percent_from_lce(3.0) == pytest.approx(99.9)
    assert ce.ce_percent_from_lce(ce.lce(97.5)) == pytest.approx(97.5)


@pytest.mark.parametrize("bad", [0, 100, 100.5, -1, 0.999 * 0])
def test_lce_rejects_ce_outside_0_100(bad):
    with pytest.raises(InvalidValue, match="strictly between 0 and 100"):
        ce.lce(bad)


def test_lce_rejects_non_positive_lce():
    with pytest.raises(InvalidValue, match="LCE must be a positive"):
        ce.ce_percent_from_lce(0)


# --- conventional (eqns 1-2) ------------------------------------------------------------


def test_conventional_single_cycle():
    # eqn 1: 0.97 / 1.00 = 97 %
    result = ce.conventional(1.0, 0.97)
    assert result.method == "conventional"
    assert result.ce_percent == pytest.approx(97.0)
    assert result.lce == pytest.approx(-math.log10(0.03))
    assert result.cycles == 1


def test_conventional_average_and_skip():
    plated = [1.0, 1.0, 2.0, 2.0]
    stripped = [0.80, 0.95, 1.98, 1.96]
    # per cycle: 0.80, 0.95, 0.99, 0.98; eqn 2 mean of 4 = 3.72 / 4 = 0.93
    assert ce.conventional(plated, stripped).ce_percent == pytest.approx(93.0)
    # skipping 2 formation cycles: (0.99 + 0.98) / 2 = 0.985
    skipped = ce.conventional(plated, stripped, skip_cycles=2)
    assert skipped.ce_percent == pytest.approx(98.5)
    assert skipped.cycles == 2
    assert skipped.inputs["skip_cycles"] == 2


def test_conventional_is_a_mean_of_ratios_not_a_ratio_of_sums():
    # ratio of sums would be (0.5 + 2.0) / (1 + 2) = 83.3 %; eqn 2 gives (50 + 100) / 2 = 75 %
    assert ce.conventional([1.0, 2.0], [0.5, 2.0]).ce_percent == pytest.approx(75.0)


def test_conventional_average_above_100_has_no_lce():
    result = ce.conventional([1.0], [1.01])
    assert result.ce_percent == pytest.approx(101.0)
    assert result.lce is None


def test_conventional_checks():
    with pytest.raises(InvalidValue, match="got 2 plated and 1 stripped"):
        ce.conventional([1, 1], [1])
    with pytest.raises(InvalidValue, match="plated capacity of cycle 2 must be a positive"):
        ce.conventional([1, 0], [1, 0])
    with pytest.raises(InvalidValue, match="stripped capacity of cycle 1 must be zero or"):
        ce.conventional([1], [-0.1])
    with pytest.raises(InvalidValue, match="leaves no cycle of 2"):
        ce.conventional([1, 1], [0.9, 0.9], skip_cycles=2)
    with pytest.raises(InvalidValue, match="no cycles given"):
        ce.conventional([], [])


# --- Aurbach and Zhang reservoir methods (eqns 3-4) -------------------------------------


def test_aurbach_hand_worked():
    # Q_T = 5, Q_C = 1, n = 10, Q_S = 4.5: (10 + 4.5) / (10 + 5) = 14.5 / 15 = 96.667 %
    result = ce.aurbach(5.0, 1.0, 10, 4.5)
    assert result.ce_percent == pytest.approx(100 * 14.5 / 15)
    assert result.cycles == 10
    assert result.inputs == {"q_total": 5.0, "q_cycled": 1.0, "cycles": 10, "q_stripped": 4.5}


def test_aurbach_typical_high_ce():
    # Adams et al. protocol: Q_T = 5, Q_C = 1, n = 10, Q_S = 4.9: (10 + 4.9) / 15 = 99.333 %
    assert ce.aurbach(5, 1, 10, 4.9).ce_percent == pytest.approx(99.3333333)


def test_aurbach_checks():
    with pytest.raises(InvalidValue, match=r"Q_S \(6\) is larger than the reservoir Q_T \(5\)"):
        ce.aurbach(5, 1, 10, 6)
    with pytest.raises(InvalidValue, match=r"Q_C \(6\) is larger than the reservoir"):
        ce.aurbach(5, 6, 10, 1)
    with pytest.raises(InvalidValue, match=r"n \(cycles\) must be a whole number of cycles >= 1"):
        ce.aurbach(5, 1, 0, 4)
    with pytest.raises(InvalidValue, match="whole number"):
        ce.aurbach(5, 1, 2.5, 4)
    with pytest.raises(InvalidValue, match=r"Q_T \(reservoir\) must be a positive"):
        ce.aurbach(-5, 1, 10, 4)


def test_zhang_uses_eqn_3_after_formation():
    # Q_0 is spent before the reservoir: same CE as Aurbach with the same Q_T, Q_C, n, Q_S.
    # (10 x 0.5 + 2.7) / (10 x 0.5 + 3) = 7.7 / 8 = 96.25 %
    result = ce.zhang(2.0, 3.0, 0.5, 10, 2.7)
    assert result.method == "zhang"
    assert result.ce_percent == pytest.approx(96.25)
    assert result.inputs["q_formation"] == 2.0
    assert result.inputs["q_total"] == 3.0


def test_zhang_rejects_missing_formation_charge():
    with pytest.raises(InvalidValue, match="Q_0"):
        ce.zhang(0, 3.0, 0.5, 10, 2.7)


def test_formation_charge_eqn_4():
    # 10 cycles x 0.5 mA cm-2 x 1 h = 5 mAh cm-2
    assert ce.formation_charge(10, 0.5, 1.0) == pytest.approx(5.0)
    with pytest.raises(InvalidValue, match="formation cycles"):
        ce.formation_charge(0, 0.5, 1.0)


# --- full cells (eqns 5-6) --------------------------------------------------------------


def test_chiang_hand_worked():
    # Q_Li = 2, Q_cathode = 4, n = 100: 1 - (2 + 0.2 x 4) / (100 x 4) = 1 - 2.8 / 400 = 99.3 %
    result = ce.chiang(2.0, 4.0, 100)
    assert result.ce_percent == pytest.approx(99.3)
    assert result.inputs["retention"] == 0.8


def test_chiang_other_retention_and_anode_free():
    # retention 0.9, anode-free: 1 - (0 + 0.1 x 4) / (50 x 4) = 1 - 0.4 / 200 = 99.8 %
    assert ce.chiang(0.0, 4.0, 50, retention=0.9).ce_percent == pytest.approx(99.8)


def test_chiang_checks():
    with pytest.raises(InvalidValue, match="retention must be a fraction between 0 and 1"):
        ce.chiang(1, 4, 100, retention=80)
    with pytest.raises(InvalidValue, match="Q_cathode must be a positive"):
        ce.chiang(1, 0, 100)
    # 1 - (10 + 0.8) / (1 x 4) < 0: impossible, reported instead of a negative CE
    with pytest.raises(InvalidValue, match=r"imply a CE of .* \(<= 0\)"):
        ce.chiang(10, 4, 1)


def test_zhang_full_hand_worked():
    charge = [5.0, 4.0, 4.0, 3.5, 3.3]
    discharge = [4.0, 4.0, 3.5, 3.3, 3.0]
    # 0.8 x 4.0 = 3.2: cycle 4 (3.3) is above, cycle 5 (3.0) is the first at or below -> n = 5
    # numerator: Q_Li + Q_ch,1 - 0.8 Q_dis,1 = 1.0 + 5.0 - 3.2 = 2.8
    # sum of charge over cycles 1..5 = 5 + 4 + 4 + 3.5 + 3.3 = 19.8
    # CE = 1 - 2.8 / 19.8 = 85.858 %
    result = ce.zhang_full(charge, discharge, 1.0)
    assert result.cycles == 5
    assert result.ce_percent == pytest.approx(100 * (1 - 2.8 / 19.8))
    assert result.inputs["charge_sum"] == pytest.approx(19.8)


def test_zhang_full_stops_summing_at_n():
    # n = 3 (3.2 <= 0.8 x 4.0 exactly, counted despite rounding); cycles after n are ignored.
    charge = [4.5, 4.0, 4.0, 3.2, 1.0]
    discharge = [4.0, 3.6, 0.8 * 4.0, 3.0, 0.5]
    # numerator 0 + 4.5 - 3.2 = 1.3; sum 4.5 + 4.0 + 4.0 = 12.5; CE = 1 - 1.3 / 12.5 = 89.6 %
    result = ce.zhang_full(charge, discharge, 0.0)
    assert result.cycles == 3
    assert result.ce_percent == pytest.approx(89.6)


def test_zhang_full_retention_never_reached_is_an_error():
    with pytest.raises(InvalidValue, match=r"never falls to 80 % .*lowest 90\.0 % in 3 cycles"):
        ce.zhang_full([4, 4, 4], [4.0, 3.8, 3.6], 1.0)


def test_zhang_full_length_mismatch():
    with pytest.raises(InvalidValue, match="2 charge and 3 discharge"):
        ce.zhang_full([4, 4], [4, 3, 2], 1.0)


def test_cycles_to_retention():
    assert ce.cycles_to_retention([10, 9, 8.5, 8.0, 7]) == 4
    assert ce.cycles_to_retention([10, 9, 8.5], retention=0.9) == 2


# --- results are JSON-ready -------------------------------------------------------------


def test_results_serialise_to_json():
    for result in (
        ce.conventional([1, 1], [0.9, 0.95], skip_cycles=1),
        ce.aurbach(5, 1, 10, 4.5),
        ce.zhang(1, 5, 1, 10, 4.5),
        ce.chiang(2, 4, 100),
        ce.zhang_full([5, 4, 3], [4, 3.5, 3], 1),
        ce.cycle_life(99.9),
    ):
        data = json.loads(json.dumps(result.to_dict()))
        assert data["ce_percent"] == pytest.approx(result.ce_percent)
        assert set(data) >= {"ce_percent", "lce", "cycles", "inputs"}


def test_results_are_frozen():
    result = ce.aurbach(5, 1, 10, 4.5)
    with pytest.raises(AttributeError):
        result.ce_percent = 100


# --- cycle life -------------------------------------------------------------------------


def test_review_life_numbers_22_and_2231():
    # ln 0.8 / ln 0.99 = 22.20 -> 22 whole cycles; ln 0.8 / ln 0.9999 = 2231.32 -> 2231
    assert ce.cycle_life(99.00).cycles == 22
    assert ce.cycle_life(99.99).cycles == 2231
    assert ce.cycle_life(99.00).cycles_exact == pytest.approx(22.2026, abs=1e-4)


def test_whole_cycles_are_floored_not_rounded():
    # 99.5 %: ln 0.8 / ln 0.995 = 44.52; rounding would give 45, but 0.995^45 = 0.7981 < 0.8
    assert ce.cycle_life(99.5).cycles == 44
    assert 0.995**44 >= 0.8 > 0.995**45


def test_excess_li_adds_the_reservoir_cycles():
    # R = 1, CE = 99.9 %: stage 1 lasts 1 / 0.001 = 1000 cycles, stage 2 223.03 -> 1223
    result = ce.cycle_life(99.9, excess_li_ratio=1.0)
    assert result.cycles_exact == pytest.approx(1000 + math.log(0.8) / math.log(0.999))
    assert result.cycles == 1223


def test_excess_li_life_is_close_to_eqn_5():
    # Eqn 5 inverted: n = (R + 1 - r) / (1 - CE); the exact stage 2 differs only by
    # about -ln(0.8) - 0.2 = 0.0231 per (1 - CE): 0.0231 / 0.001 = 23.1 cycles at 99.9 %
    # (23.03 exactly, since -ln(0.999) = 0.0010005 is not quite 0.001).
    exact = ce.cycle_life(99.9, excess_li_ratio=2.0).cycles_exact
    linear = (2.0 + 0.2) / 0.001
    assert exact - linear == pytest.approx((-math.log(0.8) - 0.2) / 0.001, rel=1e-2)
    # and the Chiang estimate from the modelled life recovers the CE to 0.01 %
    assert ce.chiang(2.0, 1.0, round(exact)).ce_percent == pytest.approx(99.9, abs=0.01)


def test_ce_for_cycles_inverse():
    # anode-free: CE = 0.8^(1/22) = 0.98991... and round trip to 22 cycles
    result = ce.ce_for_cycles(22)
    assert result.ce_percent == pytest.approx(100 * 0.8 ** (1 / 22))
    assert result.cycles == 22
    assert ce.ce_for_cycles(2231).ce_percent == pytest.approx(99.99, abs=2e-6)


def test_ce_for_cycles_with_excess_li():
    result = ce.ce_for_cycles(1223, excess_li_ratio=1.0)
    assert result.ce_percent == pytest.approx(99.9, abs=1e-4)
    assert result.cycles == 1223


def test_ce_for_cycles_reservoir_alone_outlasts():
    with pytest.raises(InvalidValue, match="reservoir alone outlasts 2 cycles"):
        ce.ce_for_cycles(2, excess_li_ratio=3)


def test_life_checks():
    with pytest.raises(InvalidValue, match="CE must be in percent"):
        ce.cycle_life(0.999 * 100 + 1)
    with pytest.raises(InvalidValue, match="excess Li ratio"):
        ce.cycle_life(99.9, excess_li_ratio=-1)
    with pytest.raises(InvalidValue, match="retention"):
        ce.cycle_life(99.9, retention=1.0)
    with pytest.raises(InvalidValue, match="N \\(cycles\\)"):
        ce.ce_for_cycles(0)


@given(
    ce_percent=st.floats(min_value=50, max_value=99.999),
    ratio=st.sampled_from([0.0, 0.5, 1.0, 3.0]),
    retention=st.floats(min_value=0.5, max_value=0.95),
)
def test_life_round_trip_property(ce_percent, ratio, retention):
    life = ce.cycle_life(ce_percent, retention=retention, excess_li_ratio=ratio)
    if life.cycles < 1 or life.cycles <= ratio:
        return
    back = ce.ce_for_cycles(life.cycles, retention=retention, excess_li_ratio=ratio)
    # the CE for floor(n) cycles is at most the CE that gave n, and gives those cycles back
    assert back.ce_percent <= ce_percent + 1e-9
    assert back.cycles == life.cycles


@given(
    ce_low=st.floats(min_value=90, max_value=99.9),
    step=st.floats(min_value=0.001, max_value=0.09),
)
def test_life_rises_with_ce(ce_low, step):
    assert ce.cycle_life(ce_low + step).cycles_exact > ce.cycle_life(ce_low).cycles_exact
