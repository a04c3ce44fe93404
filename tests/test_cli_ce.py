"""cedb ce and cedb life, run as the installed command a user types."""

import json
from pathlib import Path

import pytest
from conftest import assert_user_error, make_cli

FIXTURES = Path(__file__).parent / "fixtures" / "cycling"
TRUTH = json.loads((FIXTURES / "truth.json").read_text())


@pytest.fixture
def run(request, tmp_path):
    """Run `cedb ...` (in-process unless marked end_to_end); its database, in tmp_path, is never opened."""
    yield make_cli(request, f"sqlite:///{tmp_path / 'never.sqlite'}", tmp_path)
    assert not (tmp_path / "never.sqlite").exists()  # pure calculations, no database


def _json(run, *args: str) -> dict:
    process = run(*args, "--format", "json")
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def test_aurbach(run):
    # (10 x 1 + 4.5) / (10 x 1 + 5) = 96.667 %
    data = _json(run, "ce", "aurbach", "--qt", "5", "--qc", "1", "-n", "10", "--qs", "4.5")
    assert data["ce_percent"] == pytest.approx(96.6666667)
    assert data["cycles"] == 10
    assert data["inputs"] == {"q_total": 5.0, "q_cycled": 1.0, "cycles": 10, "q_stripped": 4.5}
    assert set(data) == {"method", "ce_percent", "lce", "cycles", "inputs"}


def test_aurbach_units_are_converted_and_must_agree(run):
    # 5 mAh = 0.005 Ah: the same CE whatever the unit
    data = _json(run, "ce", "aurbach", "--qt", "0.005 Ah", "--qc", "1 mAh", "-n", "10", "--qs", "4.5 mAh")
    assert data["ce_percent"] == pytest.approx(96.6666667)
    process = run("ce", "aurbach", "--qt", "5 mAh", "--qc", "1 mAh/cm2", "-n", "10", "--qs", "4")
    assert_user_error(process, contains="mix mAh and mAh/cm2")


def test_aurbach_checks_qs_against_qt(run):
    process = run("ce", "aurbach", "--qt", "5", "--qc", "1", "-n", "10", "--qs", "6")
    assert_user_error(process, contains="larger than the reservoir Q_T")


def test_zhang(run):
    # Q_0 is recorded; the CE is eqn 3: (10 x 0.5 + 2.7) / (10 x 0.5 + 3) = 96.25 %
    data = _json(run, "ce", "zhang", "--q0", "2", "--qt", "3", "--qc", "0.5", "-n", "10", "--qs", "2.7")
    assert data["ce_percent"] == pytest.approx(96.25)
    assert data["inputs"]["q_formation"] == 2.0


def test_chiang(run):
    # 1 - (2 + 0.2 x 4) / (100 x 4) = 99.3 %
    data = _json(run, "ce", "chiang", "--q-li", "2", "--q-cathode", "4", "-n", "100")
    assert data["ce_percent"] == pytest.approx(99.3)
    assert data["lce"] == pytest.approx(2.1549, abs=1e-4)
    data = _json(run, "ce", "chiang", "--q-li", "0", "--q-cathode", "4", "-n", "50", "--retention", "0.9")
    assert data["ce_percent"] == pytest.approx(99.8)


def test_conventional_values(run):
    # (0.95 + 0.99) / 2 = 97 %; skipping the first: 99 %
    args = ("ce", "conventional", "--plated", "1", "--stripped", "0.95", "--plated", "1", "--stripped", "0.99")
    assert _json(run, *args)["ce_percent"] == pytest.approx(97.0)
    assert _json(run, *args, "--skip", "1")["ce_percent"] == pytest.approx(99.0)


def test_conventional_file(run):
    data = _json(run, "ce", "conventional", FIXTURES / "li_cu_gcpl.mpt")
    stripped = [c["stripped_mAh"] / c["plated_mAh"] for c in TRUTH["mpt"]["cycles"]]
    assert data["ce_percent"] == pytest.approx(100 * sum(stripped) / len(stripped))
    assert data["cycles"] == 8
    inputs = data["inputs"]
    assert {k: inputs[k] for k in ("file", "plating", "skip_cycles", "layout", "cycles_used")} == {
        "file": "li_cu_gcpl.mpt", "plating": "discharge", "skip_cycles": 0,
        "layout": "time series", "cycles_used": 8}  # fmt: skip
    assert "galvani" in inputs["reader"]
    # the fixture plates first and ends on a strip: nothing dropped, the OCV rest is no cycle
    assert inputs["half_cycles_dropped"] == [] and inputs["half_cycles_found"] == 16


def test_conventional_file_plating_option(run):
    xlsx = FIXTURES / "li_cu_arbin.xlsx"
    right = _json(run, "ce", "conventional", xlsx, "--sheet", "Statistics", "--plating", "charge")
    csv = _json(run, "ce", "conventional", FIXTURES / "li_cu.csv")
    assert right["ce_percent"] == pytest.approx(csv["ce_percent"], abs=1e-3)
    wrong = _json(run, "ce", "conventional", xlsx, "--sheet", "Statistics")
    assert wrong["ce_percent"] > 100


def test_conventional_needs_one_source(run):
    assert_user_error(run("ce", "conventional"), contains="give a FILE, or --plated and --stripped")
    process = run("ce", "conventional", FIXTURES / "li_cu.csv", "--plated", "1", "--stripped", "1")
    assert_user_error(process, contains="not both")
    process = run("ce", "conventional", "--plated", "1", "--plated", "1", "--stripped", "1")
    assert_user_error(process, contains="got 2 --plated and 1 --stripped")


def test_zhang_full(run):
    truth = TRUTH["full_cell"]
    data = _json(run, "ce", "zhang-full", FIXTURES / "full_cell.csv", "--q-li", f"{truth['q_li_mAh']} mAh")
    assert data["ce_percent"] == pytest.approx(truth["anode_ce_percent"], abs=0.01)
    assert data["inputs"]["file"] == "full_cell.csv"
    assert data["inputs"]["capacity_unit"] == "mAh"
    assert abs(data["cycles"] - truth["cycles_to_80_percent"]) <= 1


def test_zhang_full_retention_not_reached(run):
    process = run("ce", "zhang-full", FIXTURES / "full_cell.csv", "--q-li", "2", "--retention", "0.5")
    assert_user_error(process, contains="never falls to 50 %")


def test_zhang_full_q_li_unit_must_match_the_file(run):
    process = run("ce", "zhang-full", FIXTURES / "full_cell.csv", "--q-li", "2 mAh/cm2")
    assert_user_error(process, contains="give --q-li in the file's unit")


def test_missing_file_is_a_user_error(run, tmp_path):
    process = run("ce", "zhang-full", tmp_path / "nope.csv", "--q-li", "2")
    assert_user_error(process, contains="does not exist")


def test_life_review_numbers(run):
    assert _json(run, "life", "--ce", "99.0")["cycles"] == 22
    data = _json(run, "life", "--ce", "99.99")
    assert data["cycles"] == 2231
    assert data["lce"] == pytest.approx(4.0)
    assert set(data) == {"ce_percent", "lce", "cycles", "cycles_exact", "inputs"}


def test_life_with_excess_li_and_inverse(run):
    # R = 1 at 99.9 %: 1 / 0.001 + ln 0.8 / ln 0.999 = 1000 + 223.03 -> 1223
    assert _json(run, "life", "--ce", "99.9", "--excess-li", "1")["cycles"] == 1223
    data = _json(run, "life", "--cycles", "22")
    assert data["ce_percent"] == pytest.approx(100 * 0.8 ** (1 / 22))
    assert data["inputs"]["cycles"] == 22


def test_life_errors(run):
    assert_user_error(run("life"), contains="exactly one of --ce")
    assert_user_error(run("life", "--ce", "99", "--cycles", "5"), contains="exactly one of --ce")
    assert_user_error(run("life", "--ce", "0.999"), contains="looks like a fraction")
    assert_user_error(run("life", "--ce", "99.9", "--retention", "80"), contains="retention")


def test_table_output_flattens_inputs(run):
    process = run("ce", "aurbach", "--qt", "5", "--qc", "1", "-n", "10", "--qs", "4.5")
    assert process.returncode == 0
    assert "inputs.q_total" in process.stdout
    assert "96.6667" in process.stdout


def test_every_command_has_help(run):
    for args in (
        ("ce",),
        ("ce", "conventional"),
        ("ce", "aurbach"),
        ("ce", "zhang"),
        ("ce", "chiang"),
        ("ce", "zhang-full"),
        ("life",),
    ):
        process = run(*args, "--help")
        assert process.returncode == 0
        assert "eqn" in process.stdout or "cycle life" in process.stdout.lower()


# --- in process (typer's CliRunner): cycler files -----------------------------------------


def _invoke(*args):
    from typer.testing import CliRunner

    from cedb.cli.main import app

    return CliRunner().invoke(app, [str(a) for a in args], env={"NO_COLOR": "1"})


def _series_csv(path, *runs):
    """Current (mA) runs of (value, points), one point per 36 s; a rest point starts the clock."""
    rows = [(0.0, 0.0)]
    for current, points in runs:
        rows += [(36.0 * (len(rows) + i), float(current)) for i in range(points)]
    path.write_text("time/s,I/mA\n" + "".join(f"{t},{i}\n" for t, i in rows))
    return path


def test_dropped_half_cycles_in_json_and_on_stderr(tmp_path):
    path = _series_csv(tmp_path / "run.csv", (1, 40), (-1, 100), (1, 95), (-1, 100))
    result = _invoke("ce", "conventional", path, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ce_percent"] == pytest.approx(95.0)
    assert data["inputs"]["cycles_used"] == 1
    dropped = data["inputs"]["half_cycles_dropped"]
    assert [(d["position"], d["direction"]) for d in dropped] == [
        ("leading", "charge"), ("trailing", "discharge")]  # fmt: skip
    assert dropped[0]["charge_mAh"] == pytest.approx(0.40)
    table = _invoke("ce", "conventional", path)
    assert "Dropped the leading charge half cycle (0.4 mAh" in table.stderr
    assert "Dropped the trailing discharge half cycle" in table.stderr
    assert "1 cycles used" in table.stderr


def test_column_options_name_ambiguous_columns(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("Cycle,Charge A (mAh),Charge B (mAh),Discharge (mAh)\n1,0.9,0.8,1.0\n")
    refused = _invoke("ce", "conventional", path)
    assert refused.exit_code == 1
    message = str(refused.exception)
    assert "--charge-col" in message and "columns=" not in message
    chosen = _invoke("ce", "conventional", path, "--charge-col", "Charge B (mAh)",
                     "--format", "json")  # fmt: skip
    assert json.loads(chosen.stdout)["ce_percent"] == pytest.approx(80.0)
    missing = _invoke("ce", "conventional", path, "--cycle-col", "Zyklus")
    assert "has no column 'Zyklus' (--cycle-col)" in str(missing.exception)


def test_current_col_makes_a_table_a_time_series(tmp_path):
    path = tmp_path / "odd.csv"  # the current's header is not a name cedb knows
    rows = [(0, 0.0)] + [(36 * k, -1.0) for k in range(1, 101)]
    rows += [(36 * k, 1.0) for k in range(101, 191)]
    path.write_text("Test Time (s),Strom (mA)\n" + "".join(f"{t},{i}\n" for t, i in rows))
    result = _invoke("ce", "conventional", path, "--current-col", "Strom (mA)", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ce_percent"] == pytest.approx(90.0)


def test_charge_capacity_mah_header(tmp_path):
    path = tmp_path / "per_cycle.csv"
    path.write_text("cycle,charge_capacity_mAh,discharge_capacity_mAh\n1,0.9,1.0\n2,0.95,1.0\n")
    result = _invoke("ce", "conventional", path, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ce_percent"] == pytest.approx(92.5)


def test_no_complete_cycle_is_one_error_line(run):
    from test_cycling import CORPUS  # one place finds the corpus

    if not (CORPUS / "navani_00_test_02_MB_C01.mpr").is_file():
        pytest.skip(f"the public cycler files are not at {CORPUS}")
    line = assert_user_error(run("ce", "conventional", CORPUS / "navani_00_test_02_MB_C01.mpr"))
    assert line.startswith(
        "Error: no complete plating/stripping cycle in navani_00_test_02_MB_C01.mpr (found: 1 half cycle: plating"
    )


def test_no_corpus_file_ends_in_a_traceback():
    from test_cycling import CORPUS

    from cedb.errors import CedbError

    files = sorted(p for p in CORPUS.glob("*") if p.name != "MANIFEST.tsv")
    if not files:
        pytest.skip(f"the public cycler files are not at {CORPUS}")
    for path in files:
        result = _invoke("ce", "conventional", path, "--format", "json")
        if result.exit_code:
            assert isinstance(result.exception, CedbError), (path.name, result.exception)
            assert "\n" not in str(result.exception)
