"""A cycler file goes through `cedb ce ... FILE --record` into the database, `cedb query` and `cedb plot progress`."""

import re

import pytest

from tests.conftest import FIXTURES, assert_user_error, database_snapshot

LI_CU = FIXTURES / "cycling" / "li_cu.csv"


def _points(process) -> int:
    match = re.search(r"\((\d+) points", process.stderr)
    assert match, process.stderr
    return int(match.group(1))


@pytest.mark.end_to_end(backends=("sqlite",))  # PostgreSQL: the same steps in-process
def test_cycler_file_recorded_then_queried_and_plotted(cli, tmp_path):
    before = _points(cli("plot", "progress", "-o", tmp_path / "before.png", check=True))
    computed = cli.json("ce", "conventional", LI_CU, "--skip", "10")
    recorded = cli(
        "ce",
        "conventional",
        LI_CU,
        "--skip",
        "10",
        "--record",
        "--paper",
        "sun2025review-ref99",
        "--current",
        "2 mA/cm2",
        "--capacity",
        "30 A h m^-2",
        "--category",
        "electrolyte",
        "--label",
        "Cycler file test",
        "--electrolyte",
        "1 M LiFSI in DME",
        "--location",
        "tests/fixtures/cycling/li_cu.csv",
        check=True,
    )
    new_id = int(re.search(r"Recorded result (\d+)", recorded.stderr).group(1))

    rows = cli.json("query", "--paper", "sun2025review-ref99", "--method", "conventional")
    assert [row["id"] for row in rows] == [new_id]
    row = rows[0]
    assert abs(row["ce_percent"] - computed["ce_percent"]) < 1e-9
    assert row["current_density_mA_cm2"] == 2 and row["areal_capacity_mAh_cm2"] == 3
    assert row["cell"] == "li-cu" and row["statistic"] == "average"
    assert row["cycles"] == computed["cycles"]
    assert row["method_params"]["method"] == "conventional"
    assert row["method_params"]["skip_cycles"] == 10
    assert row["method_params"]["file"] == "li_cu.csv"
    assert row["practical"] is True

    shown = cli.json("result", "show", str(new_id))
    assert shown["method_params"] == row["method_params"]

    # The paper has a year, the result is practical: Fig. 5 gains exactly this point
    # when its CE passes the plot's cut-off (none by default).
    after = _points(cli("plot", "progress", "-o", tmp_path / "after.png", check=True))
    assert after == before + 1


def test_record_without_paper_is_refused_and_writes_nothing(cli):
    cli("query", check=True)  # first use: the bundled data
    before = database_snapshot(cli.url)
    process = cli("ce", "aurbach", "--qt", "5", "--qc", "1", "-n", "10", "--qs", "4.8", "--record")
    assert_user_error(process, 1, "--paper")
    assert database_snapshot(cli.url) == before


def test_record_twice_is_a_duplicate(sqlite_cli):
    args = (
        "ce",
        "aurbach",
        "--qt",
        "5",
        "--qc",
        "1",
        "-n",
        "10",
        "--qs",
        "4.8",
        "--record",
        "--paper",
        "sun2025review-ref98",
        "--current",
        "1",
        "--capacity",
        "1",
    )
    sqlite_cli(*args, check=True)
    before = database_snapshot(sqlite_cli.url)
    assert_user_error(sqlite_cli(*args), 1, "already recorded")
    assert database_snapshot(sqlite_cli.url) == before
