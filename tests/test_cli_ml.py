"""`cedb export ml`: one row per result with descriptors; component filters through synonyms."""

import csv
import io

import pytest

from tests.conftest import assert_user_error


@pytest.fixture
def with_electrolytes(cli):
    cli(
        "result",
        "add",
        "--paper",
        "sun2025review-ref98",
        "--ce",
        "99.1",
        "--current",
        "0.5",
        "--capacity",
        "1",
        "--category",
        "electrolyte",
        "--label",
        "Carbonate baseline",
        "--electrolyte",
        "1M LiPF6 EC-DMC (3:7 v/v)",
        "--no-input",
        check=True,
    )
    cli(
        "result",
        "add",
        "--paper",
        "sun2025review-ref98",
        "--ce",
        "99.5",
        "--current",
        "1",
        "--capacity",
        "3",
        "--category",
        "electrolyte",
        "--label",
        "LHCE",
        "--electrolyte",
        "1.2M LiFSI DMC-BTFE (1:2 mol)",
        "--additive",
        "LiPO2F2",
        "--no-input",
        check=True,
    )
    return cli


def test_ml_csv_has_descriptors_and_components(with_electrolytes, tmp_path):
    cli = with_electrolytes
    out = tmp_path / "ml.csv"
    cli("export", "ml", "-o", out, "--paper", "sun2025review-ref98", check=True)
    rows = {row["label"]: row for row in csv.DictReader(io.StringIO(out.read_text()))}
    baseline = rows["Carbonate baseline"]
    # The worked check of Kim et al. (issue 5): C = O = 0.2516, F = 0.03928, FC = 0.156, InOr = 1.182.
    assert float(baseline["C"]) == pytest.approx(0.2516, abs=1e-4)
    assert float(baseline["O"]) == pytest.approx(0.2516, abs=1e-4)
    assert float(baseline["F"]) == pytest.approx(0.03928, abs=1e-4)
    assert float(baseline["InOr"]) == pytest.approx(1.182, abs=1e-3)
    assert baseline["salts"] == "LiPF6" and set(baseline["solvents"].split(";")) == {"EC", "DMC"}
    assert baseline["descriptor_status"] == "ok" and baseline["descriptor_convention"] == "kim2023"
    assert baseline["practical"] == "False"
    lhce = rows["LHCE"]
    assert lhce["diluents"] == "BTFE" and "LiDFP" in lhce["additives"].split(";")
    assert lhce["practical"] == "True"
    dictionary = (tmp_path / "ml.dictionary.md").read_text()
    header = next(csv.reader(io.StringIO(out.read_text())))
    for column in header:
        assert f"| {column} |" in dictionary


def test_ml_parquet_round_trip(with_electrolytes, tmp_path):
    import pandas as pd

    out = tmp_path / "ml.parquet"
    with_electrolytes("export", "ml", "-f", "parquet", "-o", out, check=True)
    table = pd.read_parquet(out)
    assert len(table) == len(with_electrolytes.json("query"))
    assert str(table["year"].dtype) == "Int64" and str(table["practical"].dtype) == "boolean"


def test_parquet_needs_output(sqlite_cli):
    assert_user_error(sqlite_cli("export", "ml", "-f", "parquet"), 1, "-o")


def test_component_filters_match_synonyms(with_electrolytes):
    cli = with_electrolytes
    by_name = {r["label"] for r in cli.json("query", "--solvent", "dimethyl carbonate")}
    # The bundled EL-DO electrolyte (bisalt-lidfp-lidfob) is LiTFSI in EC:EMC:DMC.
    assert by_name == {
        "Carbonate baseline",
        "LHCE",
        "EL-DO carbonate electrolyte with LiDFP and LiDFOB bisalt additives",
    }
    assert {r["label"] for r in cli.json("query", "--salt", "lithium hexafluorophosphate")} == {"Carbonate baseline"}
    # The bundled review's LHCE says "BTFE introduced as a diluent" in prose (issue 12).
    assert {r["label"] for r in cli.json("query", "--diluent", "BTFE")} == {"LHCE", "LHCE (BTFE diluent)"}
    # The additive text says LiPO2F2; its synonym LiDFP finds it (and the bundled EL-DO and
    # shi2018lidfp additives, written "lithium difluorophosphate").
    assert {r["label"] for r in cli.json("query", "--additive", "LiDFP")} == {
        "LHCE",
        "EL-DO carbonate electrolyte with LiDFP and LiDFOB bisalt additives",
        "LiDFP additive in LiPF6 carbonate electrolyte",
    }
    assert_user_error(cli("query", "--salt", "unobtainium"), 1, "unknown chemical")
