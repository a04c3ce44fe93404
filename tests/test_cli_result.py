"""cedb result add / edit / rm / show: units, validation, duplicates and conflicts (library and installed CLI)."""

import os
import pty
import subprocess

import pytest
from conftest import assert_user_error, database_snapshot

from cedb.errors import ConflictError, DuplicateError, NotFound
from cedb.results import ResultInput, normalise
from cedb.store import crud
from cedb.store.models import ReferenceCreate

REF107 = "sun2025review-ref107"  # LiNO3/CuF2, Li|Cu, 3 mA cm-2, 3 mAh cm-2, 150 cycles, 99.6 % (bundled)
REF107_LABEL = "LiNO3/CuF2 carbonate electrolyte"


def _bundled(cli, paper):
    (row,) = cli.json("query", "--paper", paper)
    return row


# --------------------------------------------------------------------------- library


@pytest.fixture
def paper(session):
    crud.add_reference(session=session, create=ReferenceCreate(key="yan2019", year=2019))
    crud.add_reference(session=session, create=ReferenceCreate(key="sun2025review", year=2025))
    return session


def _add(session, **raw):
    return crud.add_result(session=session, result=normalise({"paper": "yan2019", **raw}))


def test_add_result_stores_canonical_values_and_provenance(paper):
    m = _add(
        paper,
        ce="99.6 %",
        current="3 mA cm-2",
        capacity="3 mAh/cm2",
        cycles=150,
        cell="Li|Cu",
        category="electrolyte",
        additive="LiNO3",
        source="sun2025review",
        location="Fig. 9c",
    )
    assert (m.ce_percent, m.current_density_mA_cm2, m.areal_capacity_mAh_cm2, m.cycles) == (99.6, 3.0, 3.0, 150)
    assert m.cell == "li-cu" and m.method == "unspecified" and m.status == "draft"
    assert m.strategy_id is not None and m.source_id is not None and m.location == "Fig. 9c"


def test_duplicate_and_conflict_are_refused_never_overwritten(paper):
    first = _add(
        paper,
        ce=99.6,
        current="20 A/m^2",
        capacity=3,
        cycles=150,
        cell="Li||Cu",
        category="electrolyte",
        label="nitrate",
    )
    same = dict(current=2, capacity="3 mAh cm-2", cycles=150, cell="li-cu", category="electrolyte", label="nitrate")
    with pytest.raises(DuplicateError, match=f"already recorded as id {first.id}"):
        _add(paper, ce="99.6", **same)
    with pytest.raises(ConflictError, match=f"id {first.id} records CE 99.6 %.*not 99.7 %"):
        _add(paper, ce=99.7, **same)
    # The method given explicitly as the default is the same condition.
    with pytest.raises(DuplicateError):
        _add(paper, ce=99.6, method="unspecified", **same)
    # Other conditions (cycles, method, strategy) are another result.
    _add(paper, ce=99.7, **dict(same, cycles=200))
    _add(paper, ce=99.7, method="aurbach", **same)
    _add(paper, ce=99.7, **dict(same, label="other"))
    assert first.ce_percent == 99.6


def test_edit_revalidates_and_refuses_to_become_a_duplicate(paper):
    a = _add(paper, ce=99.1, current=1, capacity=3)
    b = _add(paper, ce=99.2, current=2, capacity=3)
    crud.update_result(session=paper, id=b.id, changes=ResultInput(paper="", measurement={"ce_percent": 99.3}))
    assert b.ce_percent == 99.3
    with pytest.raises(ConflictError, match=f"id {a.id}"):
        crud.update_result(
            session=paper, id=b.id, changes=ResultInput(paper="", measurement={"current_density_mA_cm2": 1.0})
        )
    with pytest.raises(NotFound, match="no result with id 999"):
        crud.update_result(session=paper, id=999, changes=ResultInput(paper=""))


def test_remove_result(paper):
    m = _add(paper, ce=99.1, current=1, capacity=3)
    crud.remove_result(session=paper, id=m.id)
    with pytest.raises(NotFound):
        crud.get_measurement(session=paper, id=m.id)


def test_unknown_paper_or_source(paper):
    with pytest.raises(NotFound, match="no paper with key 'nobody'"):
        crud.add_result(session=paper, result=normalise({"paper": "nobody", "ce": 99}))
    with pytest.raises(NotFound, match="no paper with key 'nosource'"):
        _add(paper, ce=99, source="nosource")


# --------------------------------------------------------------------------- CLI


def test_cli_add_converts_units_and_show_gives_every_field(cli):
    added = cli.json(
        "result",
        "add",
        "--paper",
        REF107,
        "--ce",
        "99.6",
        "--current",
        "20 A/m^2",
        "--capacity",
        "3 mAh/cm2",
        "--cycles",
        "150",
        "--cell",
        "Li||Cu",
        "--method",
        "conventional",
        "--category",
        "electrolyte",
        "--label",
        "CLI test",
        "--host",
        "none",
        "--electrolyte",
        "1 M LiPF6 in EC/DEC",
        "--additive",
        "LiNO3",
        "--statistic",
        "average",
        "--source",
        "sun2025review",
        "--location",
        "Fig. 9c",
        "--note",
        "added by a test",
        "--no-input",
    )
    shown = cli.json("result", "show", str(added["id"]))
    stamps = ("created_at", "updated_at")  # SQLite returns them without the time zone
    assert {k: v for k, v in shown.items() if k not in stamps} == {k: v for k, v in added.items() if k not in stamps}
    assert shown["current_density_mA_cm2"] == 2.0 and shown["areal_capacity_mAh_cm2"] == 3.0
    assert (shown["cell"], shown["method"], shown["statistic"]) == ("li-cu", "conventional", "average")
    assert (shown["category"], shown["label"], shown["additive"]) == ("electrolyte", "CLI test", "LiNO3")
    assert (shown["source"], shown["location"], shown["note"]) == ("sun2025review", "Fig. 9c", "added by a test")
    assert shown["practical"] is True
    assert shown["practical_reason"] == "yes (review): current 2 ≥ 1 mA cm⁻²; capacity 3 ≥ 3 mAh cm⁻²"
    for key in (
        "paper",
        "doi",
        "year",
        "cycles",
        "ce_percent",
        "full_cell_derived",
        "lce",
        "quote",
        "status",
        "curator",
        "created_at",
        "updated_at",
        "temperature_C",
        "np_ratio",
        "ec_ratio_g_Ah",
    ):
        assert key in shown

    small = cli.json(
        "result",
        "add",
        "--paper",
        REF107,
        "--ce",
        "99.0",
        "--current",
        "500 uA cm-2",
        "--capacity",
        "3",
        "--cell",
        "Li|Cu",
        "--no-input",
    )
    assert small["current_density_mA_cm2"] == 0.5 and small["cell"] == "li-cu"
    assert small["practical"] is False
    assert small["practical_reason"] == "no (review): current 0.5 < 1 mA cm⁻²"


def test_cli_show_verdict_depends_on_profile_and_strict(sqlite_cli):
    row = _bundled(sqlite_cli, "sun2025review-ref109")  # 1 mA cm-2 and 3 mAh cm-2 exactly
    assert row["practical"] is True
    strict = sqlite_cli.json("result", "show", str(row["id"]), "--strict")
    assert strict["practical"] is False
    assert strict["practical_reason"] == "no (review, strict): current 1 ≤ 1 mA cm⁻²; capacity 3 ≤ 3 mAh cm⁻²"
    pouch = sqlite_cli.json("result", "show", str(row["id"]), "--profile", "pouch-500")
    assert pouch["practical"] is None and pouch["practical_reason"].startswith("unknown (pouch-500): N/P not stated")


# Refused before the database is touched, so one backend is enough here; the library tests cover the rest.
BAD_ADDS = [
    (["--current", "1 mAh/cm2"], "wrong unit"),
    (["--ce", "101"], "above 100"),
    (["--ce", "0.996"], "looks like a fraction"),
    (["--current", "-2"], "must be positive"),
    (["--capacity", "-3 mAh/cm2"], "must be positive"),
    (["--cycles", "0"], "at least 1"),
    (["--cell", "coin"], "cell 'coin' is not known"),
    (["--capacity", "3,5"], "comma"),
]


def _args(**change):
    values = {"--paper": REF107, "--ce": "99.1", "--current": "2", "--capacity": "3", **change}
    return [item for key, value in values.items() if value is not None for item in (key, value)]


def test_cli_add_errors_write_nothing(sqlite_cli):
    sqlite_cli("query", check=True)  # create the database before the snapshot
    before = database_snapshot(sqlite_cli.url)
    for change, message in BAD_ADDS:
        line = assert_user_error(
            sqlite_cli("result", "add", *_args(**{change[0]: change[1]}), "--no-input"), contains=message
        )
        assert len(line) < 300
    # Missing values: an error with --no-input, and also without a terminal (stdin is a pipe).
    assert_user_error(
        sqlite_cli("result", "add", *_args(**{"--paper": None}), "--no-input"), contains="missing --paper"
    )
    assert_user_error(sqlite_cli("result", "add", *_args(**{"--ce": None}), input="99\n"), contains="missing --ce")
    assert database_snapshot(sqlite_cli.url) == before


def test_cli_add_unknown_paper_or_source_writes_nothing(cli):
    cli("query", check=True)
    before = database_snapshot(cli.url)
    assert_user_error(
        cli("result", "add", *_args(**{"--paper": "nobody2020"}), "--no-input"),
        contains="no paper with key 'nobody2020'",
    )
    assert_user_error(
        cli("result", "add", *_args(**{"--source": "nobody2020", "--category": "other"}), "--no-input"),
        contains="no paper with key 'nobody2020'",
    )
    assert database_snapshot(cli.url) == before


@pytest.mark.end_to_end
def test_cli_add_prompts_for_missing_values_on_a_terminal(sqlite_cli):
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sqlite_cli.executable, "result", "add", "--paper", REF107, "--format", "json"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=sqlite_cli.cwd,
        env=sqlite_cli.env,
        text=True,
    )
    os.close(slave)
    try:
        os.write(master, b"99.1\n20 A/m^2\n3 mAh/cm2\n\n")  # an empty answer: cycles unknown
        stdout, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    finally:
        os.close(master)
    assert process.returncode == 0, stderr
    for prompt in ("CE (%)", "Current density", "Areal capacity", "Cycles (empty = unknown)"):
        assert prompt in stdout + stderr
    assert "Added result" in stderr
    rows = sqlite_cli.json("query", "--paper", REF107, "--max-ce", "99.2")
    assert [(r["ce_percent"], r["current_density_mA_cm2"], r["areal_capacity_mAh_cm2"]) for r in rows] == [
        (99.1, 2.0, 3.0)
    ]


def test_cli_duplicate_and_conflict_with_a_bundled_result(cli):
    existing = _bundled(cli, REF107)
    before = database_snapshot(cli.url)
    same = [
        "--paper",
        REF107,
        "--current",
        "3",
        "--capacity",
        "30 A h m-2",
        "--cycles",
        "150",
        "--cell",
        "Li|Cu",
        "--category",
        "electrolyte",
        "--label",
        REF107_LABEL,
        "--no-input",
    ]
    assert_user_error(cli("result", "add", "--ce", "99.6", *same), contains=f"already recorded as id {existing['id']}")
    assert_user_error(
        cli("result", "add", "--ce", "99.8", *same),
        contains=f"id {existing['id']} records CE 99.6 % (read from sun2025review) for the same "
        "paper and conditions, not 99.8 % (read from sun2025review-ref107",
    )
    assert database_snapshot(cli.url) == before
    assert _bundled(cli, REF107)["ce_percent"] == 99.6


def test_cli_edit_rm(cli):
    added = cli.json(
        "result", "add", "--paper", REF107, "--ce", "98.5", "--current", "1", "--capacity", "1", "--no-input"
    )
    rid = str(added["id"])
    edit = cli(
        "result",
        "edit",
        rid,
        "--ce",
        "98.7",
        "--capacity",
        "3 mAh/cm2",
        "--cell",
        "Li||Cu",
        "--category",
        "electrolyte",
        "--label",
        "edited",
        check=True,
    )
    assert f"Updated result {rid}" in edit.stderr
    assert "Traceback" not in edit.stderr
    shown = cli.json("result", "show", rid)
    assert (shown["ce_percent"], shown["areal_capacity_mAh_cm2"], shown["cell"], shown["label"]) == (
        98.7,
        3.0,
        "li-cu",
        "edited",
    )
    assert shown["practical"] is True

    before = database_snapshot(cli.url)
    assert_user_error(cli("result", "edit", rid, "--ce", "150"), contains="above 100")
    assert_user_error(cli("result", "edit", "99999", "--ce", "99"), contains="no result with id 99999")
    # Becoming the same conditions as the bundled ref107 result (other CE): a conflict, not an overwrite.
    assert_user_error(
        cli("result", "edit", rid, "--current", "3", "--cycles", "150", "--label", REF107_LABEL),
        contains="records CE 99.6 %",
    )
    assert database_snapshot(cli.url) == before

    assert f"Removed result {rid}" in cli("result", "rm", rid, check=True).stderr
    after_rm = database_snapshot(cli.url)
    assert_user_error(cli("result", "rm", rid), contains=f"no result with id {rid}")
    assert database_snapshot(cli.url) == after_rm
