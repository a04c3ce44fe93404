"""Reading cycler files into per-cycle tables, and stage detection on curves with known stages."""

import functools
import json
import math
import os
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cedb import ce, cycling
from cedb.errors import InvalidValue

FIXTURES = Path(__file__).parent / "fixtures" / "cycling"
TRUTH = json.loads((FIXTURES / "truth.json").read_text())


# --- header units ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, name, unit",
    [
        ("Charge capacity (mAh)", "Charge capacity", "mAh"),
        ("Q_discharge/mA.h", "Q_discharge", "mA.h"),
        ("Q_charge/mAh/cm2", "Q_charge", "mAh/cm2"),
        ("Q charge/discharge/mA.h", "Q charge/discharge", "mA.h"),
        ("Charge_Capacity(Ah)", "Charge_Capacity", "Ah"),
        ("Capacity [mAh cm-2]", "Capacity", "mAh cm-2"),
        ("cycle number", "cycle number", None),
    ],
)
def test_split_header(header, name, unit):
    assert cycling.split_header(header) == (name, unit)


@pytest.mark.parametrize(
    "unit, kind, factor",
    [
        ("mAh", "mAh", 1.0),
        ("mA.h", "mAh", 1.0),
        ("Ah", "mAh", 1000.0),
        ("uAh", "mAh", 0.001),
        ("C", "mAh", 1 / 3.6),  # 1 mAh = 3.6 C
        ("mAh/cm2", "mAh_cm2", 1.0),
        ("mAh cm-2", "mAh_cm2", 1.0),
        ("µAh/cm²", "mAh_cm2", 0.001),
        ("Ah/m2", "mAh_cm2", 0.1),  # 1000 mAh / 10^4 cm2
    ],
)
def test_capacity_unit_factor(unit, kind, factor):
    got_kind, got_factor = cycling.capacity_unit_factor(unit)
    assert got_kind == kind
    assert got_factor == pytest.approx(factor)


@pytest.mark.parametrize("unit", ["Wh", "mAh/g", "s", "V", "banana"])
def test_non_capacity_units_are_refused(unit):
    assert cycling.capacity_unit_factor(unit) is None


# --- per-cycle tables -----------------------------------------------------------------


def test_read_li_cu_csv():
    table = cycling.read_table(FIXTURES / "li_cu.csv")
    assert list(table.columns) == ["cycle", "charge_mAh", "discharge_mAh"]
    assert len(table) == TRUTH["li_cu"]["cycles"]
    half = cycling.half_cell(table)  # plating = discharge by default
    assert list(half.columns) == ["cycle", "plated_mAh", "stripped_mAh", "ce_percent"]
    assert half["plated_mAh"].mean() == pytest.approx(TRUTH["li_cu"]["plated_mAh"], rel=1e-3)
    # the file's own CE column agrees with stripped / plated
    raw = pd.read_csv(FIXTURES / "li_cu.csv")
    assert np.allclose(half["ce_percent"], raw["Coulombic efficiency (%)"], atol=2e-3)


def test_read_arbin_xlsx_in_ah_with_plating_on_charge():
    csv = cycling.read_cycles(FIXTURES / "li_cu.csv")
    xlsx = cycling.read_cycles(FIXTURES / "li_cu_arbin.xlsx", sheet="Statistics", plating="charge")
    # Ah -> mAh (x 1000); energy columns named "Charge_Energy(Wh)" are not taken
    assert np.allclose(xlsx["plated_mAh"], csv["plated_mAh"], atol=1e-4)
    assert np.allclose(xlsx["ce_percent"], csv["ce_percent"], atol=1e-2)


def test_wrong_plating_choice_gives_ce_above_100():
    # With the XLSX wired the other way, the default choice inverts the CE: a visible
    # sign that --plating is wrong rather than a silent error.
    swapped = cycling.read_cycles(FIXTURES / "li_cu_arbin.xlsx", sheet="Statistics")
    assert swapped["ce_percent"].median() > 100


def test_xlsx_sheet_with_the_table_is_found_without_naming_it(tmp_path):
    found = cycling.read_table(FIXTURES / "li_cu_arbin.xlsx")  # "Info" comes first
    named = cycling.read_table(FIXTURES / "li_cu_arbin.xlsx", sheet="Statistics")
    assert found.equals(named)
    with pytest.raises(InvalidValue, match="has no cycle column .* --cycle-col"):
        cycling.read_table(FIXTURES / "li_cu_arbin.xlsx", sheet="Info")


def test_read_full_cell_csv():
    full = cycling.read_cycles(FIXTURES / "full_cell.csv", cell="full")
    assert list(full.columns) == [
        "cycle", "charge_mAh", "discharge_mAh", "ce_percent", "retention_percent"
    ]  # fmt: skip
    truth = TRUTH["full_cell"]
    assert full["charge_mAh"][0] == pytest.approx(truth["first_charge_mAh"], rel=2e-3)
    assert full["ce_percent"][0] == pytest.approx(88.0, abs=0.2)  # NCM first-cycle CE
    assert full["retention_percent"][0] == 100


def test_areal_units_stay_areal_or_convert_with_the_area(tmp_path):
    path = tmp_path / "areal.csv"
    path.write_text("cycle;Q_charge/mAh/cm2;Q_discharge/uAh cm-2\n1;2.9;3000\n2;2.95;3000\n")
    areal = cycling.read_table(path)
    assert list(areal.columns) == ["cycle", "charge_mAh_cm2", "discharge_mAh_cm2"]
    assert areal["discharge_mAh_cm2"].tolist() == pytest.approx([3.0, 3.0])
    absolute = cycling.read_table(path, electrode_area_cm2=2.0)
    assert absolute["charge_mAh"].tolist() == pytest.approx([5.8, 5.9])
    half = cycling.half_cell(areal)
    assert half["ce_percent"].tolist() == pytest.approx([2.9 / 3 * 100, 2.95 / 3 * 100])


def test_decimal_commas_with_semicolons(tmp_path):
    path = tmp_path / "de.csv"
    path.write_text("Zyklus;Q charge/mA.h;Q discharge/mA.h\n1;0,95;1,0\n2;0,97;1,0\n")
    table = cycling.read_table(path, columns={"cycle": "Zyklus"})
    assert table["charge_mAh"].tolist() == pytest.approx([0.95, 0.97])


def test_capacity_unit_option_for_headers_without_units(tmp_path):
    path = tmp_path / "bare.csv"
    path.write_text("Cycle,Charge,Discharge\n2,0.9,1.0\n1,0.8,1.0\n")
    with pytest.raises(InvalidValue, match="names no unit; give the capacity unit with --unit"):
        cycling.read_table(path)
    table = cycling.read_table(path, capacity_unit="Ah")
    assert table["cycle"].tolist() == [1, 2]  # sorted
    assert table["charge_mAh"].tolist() == pytest.approx([800, 900])


def test_capacity_unit_option_conflicting_with_header(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Cycle,Charge (mAh/cm2),Discharge (mAh/cm2)\n1,0.9,1.0\n")
    with pytest.raises(InvalidValue, match="is in mAh/cm2 but the capacity unit 'mAh'"):
        cycling.read_table(path, capacity_unit="mAh")


@pytest.mark.parametrize(
    "text, message",
    [
        ("Cycle,Charge (mAh),Discharge (mAh)\n1,0.9,1.0\n1,0.9,1.0\n", "cycle 1 appears twice .* --current-col"),
        ("Cycle,Charge (mAh),Discharge (mAh)\n1,0.9,1.0\n2,x,1.0\n", "line 3: a cycle or"),
        ("Cycle,Charge (mAh),Discharge (mAh/cm2)\n1,0.9,1.0\n", "mix mAh and mAh/cm2"),
        ("Cycle,Charge (mAh/g),Discharge (mAh/g)\n1,0.9,1.0\n", "not a capacity unit"),
        ("Cycle,Charge (mAh),Discharge (mAh)\n1,-0.9,1.0\n", "negative capacities"),
        ("Cycle,Charge (mAh)\n1,0.9\n", "no discharge column"),
    ],
)
def test_bad_tables(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InvalidValue, match=message):
        cycling.read_table(path)


def test_ambiguous_columns_and_explicit_mapping(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("Cycle,Charge A (mAh),Charge B (mAh),Discharge (mAh)\n1,0.9,0.8,1.0\n")
    with pytest.raises(
        InvalidValue, match="several columns look like the charge column .*name the right one with --charge-col"
    ):
        cycling.read_table(path)
    table = cycling.read_table(path, columns={"charge": "Charge B (mAh)"})
    assert table["charge_mAh"].tolist() == [0.8]


def test_missing_file_and_unknown_suffix(tmp_path):
    with pytest.raises(InvalidValue, match="does not exist"):
        cycling.read_table(tmp_path / "nope.csv")
    odd = tmp_path / "data.json"
    odd.write_text('{"a": 1}')
    with pytest.raises(InvalidValue, match="has no cycle column"):
        cycling.read_table(odd)


def test_bad_plating_and_cell_choice():
    table = cycling.read_table(FIXTURES / "li_cu.csv")
    with pytest.raises(InvalidValue, match="plating must be 'charge' or 'discharge'"):
        cycling.half_cell(table, plating="plate")
    with pytest.raises(InvalidValue, match="cell must be 'half' or 'full'"):
        cycling.read_cycles(FIXTURES / "li_cu.csv", cell="coin")


# --- BioLogic fixture and the segmentation rule ---------------------------------------


def test_galvani_reads_the_mpt_fixture():
    raw, _where, reader = cycling.load_frame(FIXTURES / "li_cu_gcpl.mpt")
    assert "galvani" in reader
    assert len(raw) == TRUTH["mpt"]["points"]
    # galvani's names: "dq/mA.h" is renamed "dQ/mA.h"
    for column in ("time/s", "I/mA", "dQ/mA.h", "(Q-Qo)/mA.h", "half cycle", "cycle number"):
        assert column in raw.columns
    assert raw["I/mA"].min() == pytest.approx(-TRUTH["mpt"]["current_mA"])
    # reduction steps are flagged ox/red = 0
    assert not raw.loc[raw["I/mA"] < 0, "ox/red"].any()


def test_mpt_reduced_to_cycles():
    half = cycling.read_cycles(FIXTURES / "li_cu_gcpl.mpt")
    truth = pd.DataFrame(TRUTH["mpt"]["cycles"])
    assert half["cycle"].tolist() == truth["cycle"].tolist()  # the OCV rest is not a cycle
    assert np.allclose(half["plated_mAh"], truth["plated_mAh"], rtol=1e-9)
    assert np.allclose(half["stripped_mAh"], truth["stripped_mAh"], rtol=1e-9)
    assert half["ce_percent"].iloc[0] == pytest.approx(90.0)


def test_mpt_with_unix_line_ends(tmp_path):
    # EC-Lab writes CRLF; a copy through git or a Unix tool has LF and is still an EC-Lab file.
    lf = tmp_path / "lf.mpt"
    lf.write_bytes((FIXTURES / "li_cu_gcpl.mpt").read_bytes().replace(b"\r\n", b"\n"))
    half = cycling.read_cycles(lf)
    assert np.allclose(half["plated_mAh"], pd.DataFrame(TRUTH["mpt"]["cycles"])["plated_mAh"])


@pytest.mark.parametrize("keep", ["(Q-Qo)/mA.h", "I/mA"])
def test_time_series_without_dq(keep, tmp_path):
    # Same answer from the cumulative charge or from integrating the current.
    raw, _, _ = cycling.load_frame(FIXTURES / "li_cu_gcpl.mpt")
    drop = [c for c in ("dQ/mA.h", "(Q-Qo)/mA.h", "I/mA") if c != keep]
    path = tmp_path / "series.csv"
    raw.drop(columns=drop).to_csv(path, index=False)
    half = cycling.read_cycles(path)
    truth = pd.DataFrame(TRUTH["mpt"]["cycles"])
    rtol = 1e-6  # I/mA is written with 8 significant digits, the charges with 16
    assert np.allclose(half["plated_mAh"], truth["plated_mAh"], rtol=rtol)
    assert np.allclose(half["stripped_mAh"], truth["stripped_mAh"], rtol=rtol)


def _series(*runs):
    """A time series from (current mA, points) runs, one point per 36 s (0.01 h).

    Each point carries the current of the interval that ends at it; a first point at
    rest starts the clock.
    """
    current = np.concatenate([[0.0]] + [np.full(n, float(i)) for i, n in runs])
    return pd.DataFrame({"time/s": 36.0 * np.arange(1, current.size + 1), "I/mA": current})


def test_the_worked_example_of_the_readme(tmp_path):
    # strip 0.40 | rest | plate 1.00 | strip 0.95 | OCV | plate 1.00 | strip 0.97 | plate 1.00
    path = tmp_path / "example.csv"
    _series((1, 40), (0, 10), (-1, 100), (1, 95), (0, 5), (-1, 100), (1, 97), (-1, 100)).to_csv(
        path, index=False)  # fmt: skip
    read = cycling.read_cycle_file(path)  # plating on discharge
    assert read.table["plated_mAh"].tolist() == pytest.approx([1.0, 1.0])
    assert read.table["stripped_mAh"].tolist() == pytest.approx([0.95, 0.97])
    assert [(d["position"], d["direction"]) for d in read.dropped] == [
        ("leading", "charge"), ("trailing", "discharge")]  # fmt: skip
    assert read.dropped[0]["charge_mAh"] == pytest.approx(0.40)
    assert read.summary()["cycles_used"] == 2
    other = cycling.read_cycle_file(path, plating="charge")
    assert other.table["plated_mAh"].tolist() == pytest.approx([0.40, 0.95, 0.97])
    assert other.table["stripped_mAh"].tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert other.dropped == []


def test_rests_do_not_split_and_blips_are_not_half_cycles(tmp_path):
    # plate 1.00 in two steps with a rest and a 0.005 mAh overshoot between them, then strip
    path = tmp_path / "blip.csv"
    _series((-1, 50), (0, 20), (0.5, 1), (0, 3), (-1, 50), (1, 90)).to_csv(path, index=False)
    read = cycling.read_cycle_file(path)
    assert read.table["plated_mAh"].tolist() == pytest.approx([1.0])
    assert read.table["stripped_mAh"].tolist() == pytest.approx([0.9])
    assert read.negligible_runs == 1 and read.half_cycles == 2


@pytest.mark.parametrize(
    "runs, found",
    [
        (((-1, 50), (0, 10)), "1 half cycle: plating 0.5 mAh"),
        (((1, 50), (-1, 50)), "2 half cycles: stripping 0.5 mAh, plating 0.5 mAh"),
        (((0, 50),), "no half cycle, no charge passed"),
    ],
)
def test_no_complete_cycle(tmp_path, runs, found):
    path = tmp_path / "short.csv"
    _series(*runs).to_csv(path, index=False)
    with pytest.raises(InvalidValue) as error:
        cycling.read_cycle_file(path)
    assert str(error.value) == f"no complete plating/stripping cycle in short.csv (found: {found})"


def test_neware_step_layer_and_record_layer_csv(tmp_path):
    # Neware's CSV exports: a step layer (one row per step, the step's capacity) and a record
    # layer (one row per point, capacity restarting each step), headers as BTSDA writes them.
    steps = tmp_path / "step.csv"
    steps.write_text("Cycle Index,Step Index,Step Type,Capacity(mAh),Chg. Cap.(mAh),"
                     "DChg. Cap.(mAh)\n1,1,Rest,0,0,0\n1,2,CC DChg,1.0,0,1.0\n"
                     "1,3,CC Chg,0.95,0.95,0\n2,4,CC DChg,1.0,0,1.0\n"
                     "2,5,CC Chg,0.97,0.97,0\n")  # fmt: skip
    read = cycling.read_cycle_file(steps)
    assert read.table["ce_percent"].tolist() == pytest.approx([95.0, 97.0])
    records = tmp_path / "record.csv"
    rows = ["Record ID,Step Index,Step Type,Current(mA),Capacity(mAh)", "1,1,Rest,0,0"]
    rows += [f"{2 + k},2,CC DChg,-1,{0.25 * (k + 1)}" for k in range(4)]
    rows += [f"{6 + k},3,CC Chg,1,{0.2375 * (k + 1)}" for k in range(4)]
    records.write_text("\n".join(rows) + "\n")
    read = cycling.read_cycle_file(records)
    assert read.table["plated_mAh"].tolist() == pytest.approx([1.0])
    assert read.table["stripped_mAh"].tolist() == pytest.approx([0.95])
    assert read.source["direction"] == "step type (Step Type)"


def test_unit_option_for_a_time_series_without_units(tmp_path):
    path = tmp_path / "bare.csv"
    path.write_text("Time,Status,Charge,Discharge\n0,Rest,0,0\n10,DChg,0,0.5\n20,DChg,0,1.0\n"
                    "30,Chg,0.45,0\n40,Chg,0.9,0\n")  # fmt: skip
    with pytest.raises(InvalidValue, match="name no unit: give it with --unit"):
        cycling.read_cycle_file(path)
    read = cycling.read_cycle_file(path, capacity_unit="Ah")
    assert read.table["plated_mAh"].tolist() == pytest.approx([1000.0])
    assert read.table["ce_percent"].tolist() == pytest.approx([90.0])


def test_step_counters_that_reset():
    counter = np.array([0.0, 0.2, 0.5, 0.0, 0.3, 0.6, 0.59, 0.7])  # reset at 4, noise at 7
    assert cycling.step_increments(counter).tolist() == pytest.approx(
        [0.0, 0.2, 0.3, 0.0, 0.3, 0.3, -0.01, 0.11])  # fmt: skip


def test_content_not_suffix_decides(tmp_path):
    renamed = tmp_path / "data.bin"
    renamed.write_bytes((FIXTURES / "li_cu_gcpl.mpt").read_bytes())
    assert cycling.read_cycles(renamed)["plated_mAh"].tolist() == pytest.approx(
        pd.DataFrame(TRUTH["mpt"]["cycles"])["plated_mAh"].tolist())  # fmt: skip
    binary = tmp_path / "x.mpt"
    binary.write_bytes(b"\x00\x01garbage" * 10)
    with pytest.raises(InvalidValue, match="binary file of no format cedb reads"):
        cycling.read_cycles(binary)


def test_binary_file_without_a_nul_byte_is_not_read_as_text(tmp_path):
    # Random bytes often hold no NUL: they were read as a text table whose "columns" were garbage.
    rng = random.Random(7)
    random_bytes = bytes(rng.randrange(1, 256) for _ in range(300))
    path = tmp_path / "broken.mpr"
    path.write_bytes(random_bytes)
    with pytest.raises(InvalidValue, match="binary file of no format cedb reads"):
        cycling.read_cycles(path)


def test_broken_ec_lab_file_is_one_line(tmp_path):
    path = tmp_path / "broken.mpt"
    path.write_bytes(b"EC-Lab ASCII FILE\r\nNb header lines : x\r\n")
    with pytest.raises(InvalidValue, match="cannot read broken.mpt"):
        cycling.read_cycles(path)


# --- half-cell stages on synthetic curves -----------------------------------------------


def _li_cu_curve(noise=0.0, seed=1):
    """Formation 95 -> 98.6 % over cycles 1-10, plateau 99.0 % over 11-80, decay from 81."""
    cycles = np.arange(1, 121)
    ce_percent = np.where(
        cycles <= 10,
        95 + 0.4 * (cycles - 1),  # 95.0 ... 98.6
        np.where(cycles <= 80, 99.0, 99.0 - 0.5 * (cycles - 80)),  # 98.5 at cycle 81
    )
    ce_percent = ce_percent + np.random.default_rng(seed).normal(0, noise, cycles.size)
    return pd.DataFrame({"cycle": cycles, "ce_percent": ce_percent})


def test_stages_of_a_clean_curve():
    stages = cycling.detect_half_cell_stages(_li_cu_curve())
    assert stages.formation_end_cycle == 10
    assert stages.stable_start_cycle == 11
    assert stages.stable_end_cycle == 80
    assert stages.stable_cycles == 70
    assert stages.stable_ce_percent == pytest.approx(99.0)
    assert stages.decay_onset_cycle == 81
    assert stages.spans() == [("formation", 1, 10), ("stable", 11, 80), ("decay", 81, 120)]


def test_stages_of_a_noisy_curve():
    stages = cycling.detect_half_cell_stages(_li_cu_curve(noise=0.05))
    assert abs(stages.formation_end_cycle - 10) <= 1
    assert abs(stages.decay_onset_cycle - 81) <= 1
    assert stages.stable_ce_percent == pytest.approx(99.0, abs=0.03)


def test_a_single_outlier_does_not_split_the_plateau():
    curve = _li_cu_curve()
    curve.loc[curve["cycle"] == 40, "ce_percent"] = 90.0  # one bad cycle
    stages = cycling.detect_half_cell_stages(curve)
    assert (stages.stable_start_cycle, stages.decay_onset_cycle) == (11, 81)
    # and it is left out of the stable mean, which stays the plateau's 99.0 %
    assert stages.outlier_cycles == [40]
    assert stages.stable_ce_percent == pytest.approx(99.0)
    assert "rolling median" in stages.params["outlier_rule"]


def test_stable_from_the_start_and_to_the_end():
    flat = pd.DataFrame({"cycle": range(1, 31), "ce_percent": [99.5] * 30})
    stages = cycling.detect_half_cell_stages(flat)
    assert stages.formation_end_cycle is None
    assert stages.decay_onset_cycle is None
    assert stages.stable_cycles == 30
    assert stages.spans() == [("stable", 1, 30)]


def test_no_stable_window():
    falling = pd.DataFrame({"cycle": range(1, 21), "ce_percent": np.linspace(99, 80, 20)})
    stages = cycling.detect_half_cell_stages(falling)
    assert stages.stable_start_cycle is None
    assert stages.stable_cycles == 0
    assert stages.spans() == []


def test_stage_detection_checks():
    with pytest.raises(InvalidValue, match="only 3 cycles"):
        cycling.detect_half_cell_stages(pd.DataFrame({"cycle": [1, 2, 3], "ce_percent": [1, 2, 3]}))
    with pytest.raises(InvalidValue, match="needs a per-cycle table"):
        cycling.detect_half_cell_stages(pd.DataFrame({"cycle": [1]}))


def test_stages_of_the_li_cu_fixture():
    truth = TRUTH["li_cu"]
    stages = cycling.detect_half_cell_stages(cycling.read_cycles(FIXTURES / "li_cu.csv"))
    # the noisy plateau sets the band a little higher than the model's: +/- 2 cycles
    assert abs(stages.formation_end_cycle - truth["formation_end_cycle"]) <= 2
    assert abs(stages.decay_onset_cycle - truth["decay_visible_cycle"]) <= 2
    assert stages.decay_onset_cycle >= truth["decay_start_cycle"]
    assert stages.stable_ce_percent == pytest.approx(truth["plateau_ce_percent"], abs=0.02)


# --- full-cell reservoir exhaustion -----------------------------------------------------


def _full_cell_curve(knee=60, ce_anode=0.995, cycles=150, fade=0.0):
    """Flat capacity (with an optional linear fade) until the knee, then x ce_anode per cycle."""
    capacity, rows = 4.0, []
    for k in range(1, cycles + 1):
        if k >= knee:
            capacity *= ce_anode
        rows.append((k, 4.0 / 0.9 if k == 1 else capacity, capacity * (1 - fade * k)))
    return pd.DataFrame(rows, columns=["cycle", "charge_mAh", "discharge_mAh"])


def test_exhaustion_of_a_synthetic_curve():
    stages = cycling.detect_reservoir_exhaustion(_full_cell_curve(knee=60))
    assert stages.exhaustion_cycle == 60
    assert stages.stage2_slope_per_cycle == pytest.approx(math.log(0.995), rel=1e-6)
    assert stages.spans() == [("reservoir", 1, 59), ("depleted", 60, 150)]


def test_no_exhaustion_when_the_capacity_only_fades_slowly():
    stages = cycling.detect_reservoir_exhaustion(_full_cell_curve(knee=10_000, fade=1e-4))
    assert stages.exhaustion_cycle is None
    assert stages.spans() == [("reservoir", 1, 150)]


def test_exhaustion_of_the_full_cell_fixture():
    truth = TRUTH["full_cell"]
    full = cycling.read_cycles(FIXTURES / "full_cell.csv", cell="full")
    stages = cycling.detect_reservoir_exhaustion(full)
    assert abs(stages.exhaustion_cycle - truth["exhaustion_cycle"]) <= 2
    # after exhaustion each cycle keeps the anode CE: slope of ln Q = ln(0.996)
    assert stages.stage2_slope_per_cycle == pytest.approx(math.log(0.996), rel=0.05)


def test_eqn_6_recovers_the_fixture_anode_ce_and_eqn_5_overestimates():
    truth = TRUTH["full_cell"]
    full = cycling.read_cycles(FIXTURES / "full_cell.csv", cell="full")
    zhang = ce.zhang_full(full["charge_mAh"], full["discharge_mAh"], truth["q_li_mAh"])
    assert abs(zhang.cycles - truth["cycles_to_80_percent"]) <= 1
    assert zhang.ce_percent == pytest.approx(truth["anode_ce_percent"], abs=0.01)
    chiang = ce.chiang(truth["q_li_mAh"], full["discharge_mAh"][0], zhang.cycles)
    # the review (section 2.3.2): n Q_cathode overstates the charge passed, so eqn 5 is high
    assert chiang.ce_percent > zhang.ce_percent + 0.03


# --- real public files (../shared/data/cycler), checked against the instruments' own numbers


def _corpus() -> Path:
    """CEDB_CYCLER_DATA, else shared/data/cycler beside the checkout (as in CI)."""
    if os.environ.get("CEDB_CYCLER_DATA"):
        return Path(os.environ["CEDB_CYCLER_DATA"])
    repo = Path(__file__).resolve().parents[1]
    candidates = [repo.parent / "shared" / "data" / "cycler",
                  repo.parent.parent / "shared" / "data" / "cycler"]  # fmt: skip
    return next((c for c in candidates if c.is_dir()), candidates[-1])


CORPUS = _corpus()
needs_corpus = pytest.mark.skipif(
    not (CORPUS / "MANIFEST.tsv").is_file(),
    reason=f"the public cycler files are not at {CORPUS} (set CEDB_CYCLER_DATA)",
)


def _rule(halves: list[tuple[int, float]], plating: str, incomplete_first: bool = False):
    """The module's pairing rule, written again plainly on the instrument's half cycles.

    ``halves`` are (direction, charge) in the order they ran. Returns (plated, stripped) pairs.
    """
    largest = max(q for _, q in halves)
    merged: list[list] = []
    for sign, q in halves:
        if q <= 0.01 * largest:
            continue  # not a half cycle
        if merged and merged[-1][0] == sign:
            merged[-1][1] += q
        else:
            merged.append([sign, q])
    if incomplete_first:
        merged = merged[1:]
    plate = 1 if plating == "charge" else -1
    if merged and merged[0][0] != plate:
        merged = merged[1:]
    return [(merged[i][1], merged[i + 1][1]) for i in range(0, len(merged) - 1, 2)]


def _by_groups(frame, keys, sign_of, charge, discharge):
    """(direction, charge) per contiguous group of ``keys``: the counters' largest value.

    ``sign_of`` gives a group's direction from its rows (0: a rest, left out).
    """
    block = (frame[keys] != frame[keys].shift()).any(axis=1).cumsum()
    halves = []
    for _, rows in frame.groupby(block, sort=False):
        sign = sign_of(rows)
        if sign:
            halves.append((sign, float((rows[charge] if sign > 0 else rows[discharge]).max())))
    return halves


def _state_sign(column, charge=("c",), discharge=("d",)):
    def sign(rows):
        value = str(rows[column].iloc[0]).strip().lower()
        return 1 if value in charge else -1 if value in discharge else 0

    return sign


def _biologic(path):
    """EC-Lab's own charge of each of its half cycles ("Q charge/discharge" at the end)."""
    import io

    from galvani import BioLogic

    if path.suffix == ".mpr":
        frame = pd.DataFrame(BioLogic.MPRfile(str(path)).data)
    else:
        data = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        frame = pd.DataFrame(BioLogic.MPTfile(io.BytesIO(data), encoding="latin-1")[0])
    last = frame.groupby("half cycle", sort=False)["Q charge/discharge/mA.h"].last()
    return [(int(np.sign(q)), abs(float(q))) for q in last if q != 0], False


def _arbin_res(path):
    """Arbin's per-cycle counters, Charge_Capacity and Discharge_Capacity (Ah), at their end."""
    import shutil
    import sqlite3

    from galvani import res2sqlite

    if shutil.which("mdb-export") is None:
        pytest.skip("mdbtools is not installed (apt-get install mdbtools)")
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "res.sqlite"
        res2sqlite.convert_arbin_to_sqlite(str(path), str(target))
        with sqlite3.connect(target) as connection:
            frame = pd.read_sql("SELECT * FROM Channel_Normal_Table ORDER BY Data_Point",
                                connection)  # fmt: skip
    return _per_cycle_counters(frame, "Cycle_Index", "Charge_Capacity", "Discharge_Capacity",
                               scale=1000), False  # fmt: skip


def _per_cycle_counters(frame, cycle, charge, discharge, scale=1.0):
    """(direction, charge) from counters that restart each cycle: their largest value per cycle,
    in the order the two counters first pass half their largest value."""
    halves = []
    for _, rows in frame.groupby(cycle, sort=True):
        pair = []
        for sign, column in ((1, charge), (-1, discharge)):
            top = rows[column].max()
            if top > 0:
                pair.append((int(np.argmax(rows[column].to_numpy() > top / 2)), sign, scale * top))
        halves += [(sign, q) for _, sign, q in sorted(pair)]
    return halves


def _landt(path):
    """Landt's Cycle-Tab (CapD then CapC: the Record-Tab's first step that moves charge is D)."""
    record = pd.read_excel(path, sheet_name="Record-Tab")
    moving = record[record["Current/mA"].abs() > 0]
    assert str(moving["Step-State"].iloc[0]).strip().endswith("D")  # "RateD"
    cycles = pd.read_excel(path, sheet_name="Cycle-Tab")
    return [h for _, row in cycles.iterrows()
            for h in ((-1, row["CapD/mAh"]), (1, row["CapC/mAh"]))], False  # fmt: skip


def _maccor(path, header_line):
    """Maccor's Amp-hr, reset at each step, with the step's State (C, D; R, O, S rest)."""
    frame = pd.read_csv(path, sep="\t", skiprows=header_line, index_col=False, low_memory=False)
    halves = _by_groups(frame, ["Step"], _state_sign("State"), "Amp-hr", "Amp-hr")
    incomplete = frame["Amp-hr"].iloc[0] > 0  # the file begins inside a step
    if incomplete:
        start = frame["Amp-hr"].iloc[0]
        halves[0] = (halves[0][0], halves[0][1] - start)
    return [(s, 1000 * q) for s, q in halves], incomplete


def _neware(path):
    import NewareNDA

    frame = NewareNDA.read(str(path))
    frame["Status"] = frame["Status"].astype(str)
    sign = _state_sign("Status", ("cc_chg", "cccv_chg"), ("cc_dchg", "cccv_dchg"))
    counters = ("Charge_Capacity(mAh)", "Discharge_Capacity(mAh)")
    return _by_groups(frame, ["Step"], sign, *counters), False


def _bdf(path):
    frame = pd.read_csv(path)
    sign = _state_sign("Step Type / 1", ("charge",), ("discharge",))
    halves = _by_groups(frame, ["Cycle Count / 1", "Step Type / 1"], sign,
                        "Charge Capacity / Ah", "Discharge Capacity / Ah")  # fmt: skip
    return [(s, 1000 * q) for s, q in halves], False


def _pec(path):
    text = path.read_text().splitlines()
    header = next(i for i, line in enumerate(text) if line.startswith("Test,Cell,Rack"))
    frame = pd.read_csv(path, skiprows=header, index_col=False)
    return _per_cycle_counters(frame, "Cycle", "Charge Capacity (mAh)",
                               "Discharge Capacity (mAh)"), False  # fmt: skip


# file -> the instrument's own half cycles; the check pairs them by the rule above.
CHECKS = {
    "yadg_gcpl.issue_211.mpr": _biologic,
    "yadg_gcpl.issue_211.mpt": _biologic,
    "yadg_gcpl.pr_182.1.mpr": _biologic,
    "navani_jdb11_gcpl_C09.mpr": _biologic,
    "cellpy_arbin_45_cc_01.res": _arbin_res,
    "cellpy_landt_custom_data_002.xlsx": _landt,
    "cellpy_maccor_001.txt": lambda p: _maccor(p, 3),
    "beep_maccor_PredDiag_tztest.010": lambda p: _maccor(p, 1),
    "navani_test.nda": _neware,
    "navani_test.ndax": _neware,
    "cellpy_batmo_bdf.csv": _bdf,
    "cellpy_pec.csv": _pec,
}


@functools.lru_cache(maxsize=None)
def _instrument(name):
    """The instrument's half cycles of a corpus file, read once for both conventions."""
    return CHECKS[name](CORPUS / name)


def _no_cycle_reasons(path):
    """Why a file has no complete cycle, from its own columns: None if it seems to have one."""
    name = path.name
    if name == "beep_arbin_FastCharge_CH8.csv":
        return pd.read_csv(path)["Current"].abs().max() == 0  # a rest, nothing else
    if name == "navani_00_test_02_MB_C01.mpr":
        from galvani import BioLogic

        return len(set(BioLogic.MPRfile(str(path)).data["half cycle"])) == 1
    if name == "beep_novonix_Form_CH01_short.csv":
        lines = path.read_text(encoding="utf-8").splitlines()
        start = lines.index("[Data]") + 1
        rows = [line.strip('"').split(",") for line in lines[start:]]
        current = pd.to_numeric(pd.Series([r[5] for r in rows[1:]]))
        return rows[0][5] == "Current (A)" and current.min() >= 0  # charges only
    return None


@needs_corpus
def test_every_corpus_file_is_checked():
    names = {line.split("\t")[0] for line in (CORPUS / "MANIFEST.tsv").read_text().splitlines()[1:]}
    assert names == set(CHECKS) | {
        "beep_arbin_FastCharge_CH8.csv", "navani_00_test_02_MB_C01.mpr",
        "beep_novonix_Form_CH01_short.csv"}  # fmt: skip


@needs_corpus
@pytest.mark.parametrize("plating", ["discharge", "charge"])
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_corpus_ce_agrees_with_the_instrument(name, plating):
    halves, incomplete = _instrument(name)
    pairs = _rule(halves, plating, incomplete)
    try:
        read = cycling.read_cycle_file(CORPUS / name, plating=plating)
    except InvalidValue as error:
        assert not pairs, f"the instrument has {len(pairs)} cycles, cedb says {error}"
        assert str(error).startswith(f"no complete plating/stripping cycle in {name} (found: ")
        return
    expected = 100 * sum(s / p for p, s in pairs) / len(pairs)
    got = ce.conventional(read.table["plated_mAh"], read.table["stripped_mAh"]).ce_percent
    assert len(read.table) == len(pairs)
    assert got == pytest.approx(expected, abs=0.05)


@needs_corpus
@pytest.mark.parametrize("name", ["beep_arbin_FastCharge_CH8.csv", "navani_00_test_02_MB_C01.mpr",
                                  "beep_novonix_Form_CH01_short.csv"])  # fmt: skip
def test_corpus_files_without_a_complete_cycle(name):
    assert _no_cycle_reasons(CORPUS / name)
    for plating in PLATINGS:
        with pytest.raises(InvalidValue) as error:
            cycling.read_cycle_file(CORPUS / name, plating=plating)
        message = str(error.value)
        assert message.startswith(f"no complete plating/stripping cycle in {name} (found: ")
        assert "\n" not in message


PLATINGS = ("discharge", "charge")


@needs_corpus
def test_ec_lab_efficiency_column_is_the_charge_first_pairing():
    # EC-Lab's own Efficiency/% divides a cycle's discharge by its charge (a cycle starts
    # with the oxidation), which is --plating charge.
    raw, _, _ = cycling.load_frame(CORPUS / "yadg_gcpl.issue_211.mpt")
    efficiency = raw.groupby("cycle number")["Efficiency/%"].last()
    efficiency = efficiency[efficiency > 0]
    read = cycling.read_cycle_file(CORPUS / "yadg_gcpl.issue_211.mpt", plating="charge")
    expected = efficiency.to_numpy()[: len(read.table)]
    assert np.allclose(read.table["ce_percent"], expected, atol=0.01)


# --- the cycling figure: every point visible ----------------------------------------------


def test_cycling_plot_marks_points_beyond_the_axis_and_excluded_cycles():
    from cedb import plots

    curve = _li_cu_curve()
    curve.loc[curve["cycle"] == 40, "ce_percent"] = 97.0  # a glitch inside the plateau
    curve.loc[curve["cycle"] == 60, "ce_percent"] = 0.0  # a cycle that stripped nothing
    curve["plated_mAh"], curve["stripped_mAh"] = 1.0, curve["ce_percent"] / 100
    stages = cycling.detect_half_cell_stages(curve)
    assert stages.outlier_cycles == [40, 60]
    assert stages.stable_ce_percent == pytest.approx(99.0)
    result = plots.cycling(curve, stages)
    points = result.points.set_index("cycle")
    assert len(points) == len(curve)  # every cycle is drawn
    bottom, top = result.figure.axes[0].get_ylim()
    inside = points["ce_percent"].between(bottom, top)
    assert (points["clipped"] == ~inside).all()
    assert points.loc[60, "clipped"] and not points.loc[40, "clipped"]
    assert bottom <= stages.stable_ce_percent <= top  # the labelled line is on the axis
    labels = [t.get_text() for t in result.figure.legends[0].get_texts()]
    assert f"{int(points['clipped'].sum())} beyond the axis" in labels  # the 0 % and the decay
    assert any(label.endswith("2 excluded)") for label in labels)


# --- CE and stages from a file (the library behind `cedb ce conventional FILE`, `ce zhang-full`, `plot cycling`)


def _csv_columns(path: Path, *names: str) -> list[list[float]]:
    """Columns of a CSV read with the csv module: an independent reading of the fixture."""
    import csv

    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [[float(r[name]) for r in rows] for name in names]


def test_conventional_ce_from_a_file_matches_an_independent_mean():
    path = FIXTURES / "li_cu.csv"
    stripped, plated = _csv_columns(path, "Charge capacity (mAh)", "Discharge capacity (mAh)")
    expected = 100 * sum(s / p for s, p in zip(stripped[3:], plated[3:])) / (len(plated) - 3)
    seen = []
    result = cycling.conventional_ce(path, skip_cycles=3, on_read=seen.append)
    assert result.ce_percent == pytest.approx(expected, rel=1e-12)
    assert result.cycles == len(plated) - 3
    assert list(result.inputs)[:3] == ["file", "plating", "skip_cycles"]  # the order `cedb ce` prints
    assert result.inputs["file"] == "li_cu.csv" and result.inputs["skip_cycles"] == 3
    assert result.inputs["cycles_used"] == len(plated) and result.inputs["layout"] == "per-cycle table"
    assert "sheet" not in result.inputs and "columns" not in result.inputs  # options not given are left out
    assert len(seen) == 1 and len(seen[0].table) == len(plated)  # on_read saw the file as read


def test_conventional_ce_reports_the_reading_before_the_ce_fails():
    seen = []
    with pytest.raises(InvalidValue, match="leaves no cycle"):
        cycling.conventional_ce(FIXTURES / "li_cu.csv", skip_cycles=10_000, on_read=seen.append)
    assert len(seen) == 1  # the caller could report what was read before the error


def test_zhang_full_ce_from_a_file_matches_eqn_6_by_hand():
    path = FIXTURES / "full_cell.csv"
    charge, discharge = _csv_columns(path, "Q charge/mA.h", "Q discharge/mA.h")
    n = next(i for i, q in enumerate(discharge, 1) if q <= 0.8 * discharge[0])
    expected = 100 * (1 - (1.0 + charge[0] - 0.8 * discharge[0]) / sum(charge[:n]))
    result = cycling.zhang_full_ce(path, q_li="1 mAh")
    assert result.ce_percent == pytest.approx(expected, rel=1e-12)
    assert result.cycles == n
    assert result.inputs["file"] == "full_cell.csv" and result.inputs["capacity_unit"] == "mAh"
    assert result.inputs["q_li"] == 1.0


def test_zhang_full_ce_refuses_an_excess_li_of_another_kind_of_unit():
    with pytest.raises(InvalidValue, match="--q-li is in mAh/cm2 but the file's capacities are in mAh"):
        cycling.zhang_full_ce(FIXTURES / "full_cell.csv", q_li="1 mAh/cm2")


def test_parse_capacities_converts_units_and_refuses_mixed_kinds():
    assert cycling.parse_capacities(a="5", b="2 Ah", c=None) == {"a": 5.0, "b": 2000.0}
    with pytest.raises(InvalidValue, match="capacities mix mAh and mAh/cm2"):
        cycling.parse_capacities(a="5 mAh", b="3 mAh/cm2")


def test_detect_stages_needs_enough_cycles():
    half = cycling.read_cycles(FIXTURES / "li_cu.csv")
    assert isinstance(cycling.detect_stages(half, cell="half"), cycling.HalfCellStages)
    assert cycling.detect_stages(half.head(cycling.MIN_CYCLES_FOR_STAGES - 1), cell="half") is None
    full = cycling.read_cycles(FIXTURES / "full_cell.csv", cell="full")
    assert isinstance(cycling.detect_stages(full, cell="full"), cycling.FullCellStages)
    assert cycling.detect_stages(full.head(cycling.MIN_CYCLES_FOR_EXHAUSTION - 1), cell="full") is None
    with pytest.raises(InvalidValue, match="cell must be"):
        cycling.detect_stages(half, cell="coin")
