"""The parser over electrolyte strings as written in papers and datasets."""

import csv
from pathlib import Path

import pytest

from cedb.chemistry.descriptors import describe
from cedb.chemistry.electrolyte import try_parse

FIXTURE = Path(__file__).parent / "fixtures" / "electrolytes.csv"
ROWS = list(csv.DictReader(open(FIXTURE, encoding="utf-8", newline="")))


def outcome(text: str) -> tuple[str, str]:
    """('full' | 'partial' | 'error', canonical string or error message)."""
    formulation, error = try_parse(text)
    if error:
        return "error", error
    return ("full" if formulation.complete else "partial"), formulation.canonical


def test_the_fixture_is_realistic_and_large_enough():
    assert len(ROWS) >= 40
    assert {r["category"] for r in ROWS} >= {"carbonate", "ether", "HCE", "LHCE", "WSE", "additive"}
    assert all(r["style"] for r in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[r["text"] for r in ROWS])
def test_each_row_has_its_expected_outcome(row):
    kind, detail = outcome(row["text"])
    assert kind == row["expected"], detail


def test_batch_counts():
    kinds = [outcome(r["text"])[0] for r in ROWS]
    counts = {k: kinds.count(k) for k in ("full", "partial", "error")}
    assert counts == {"full": 53, "partial": 3, "error": 4}


def test_failures_name_the_token_and_what_was_expected():
    for row in ROWS:
        kind, detail = outcome(row["text"])
        if kind == "error":
            assert "at character" in detail and "'" in detail, detail
            assert "\n" not in detail


def test_partial_rows_say_what_is_missing():
    for row in ROWS:
        formulation, _ = try_parse(row["text"])
        if formulation is not None and not formulation.complete:
            assert any("stated" in w for w in formulation.warnings), row["text"]


def test_descriptors_are_computed_or_refused_precisely_for_every_full_row():
    computed = 0
    for row in ROWS:
        formulation, _ = try_parse(row["text"])
        if formulation is None or not formulation.complete:
            continue
        try:
            d = describe(formulation)
        except Exception as error:  # only InvalidValue, always with a reason
            assert type(error).__name__ == "InvalidValue"
            assert "no density" in str(error) or "names no solvent" in str(error), str(error)
        else:
            computed += 1
            assert 0 < d.values["C"] < 1
    assert computed >= 25
