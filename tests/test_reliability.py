"""Reliability: concurrent writers, a killed import, dump -> load -> dump round trips.

These run on SQLite and, where the local server answers, PostgreSQL (the ``database_url``
fixture). Writers are separate processes (tests/workers/add_results.py, or the installed
`cedb`), because that is how users share one database.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import database_snapshot

WORKERS = Path(__file__).resolve().parent / "workers"
PAPER = "sun2025review-ref98"  # a paper of the bundled dataset
BUNDLED_FILES = len(list((Path(__file__).resolve().parents[1] / "curation").glob("*.yaml")))


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> dict:
    """What the bundled dataset holds: reference and measurement counts of a fresh database."""
    from cedb.store.db import make_engine, prepare

    url = f"sqlite:///{tmp_path_factory.mktemp('bundled') / 'cedb.sqlite'}"
    engine = make_engine(url)
    prepare(engine)
    counts = _counts(engine)
    engine.dispose()
    assert counts["review"] == 1 and counts["measurement"] > 0
    return counts


def _counts(engine) -> dict:
    with engine.connect() as connection:
        one = lambda sql: connection.execute(sa.text(sql)).scalar_one()  # noqa: E731
        return {
            "reference": one("SELECT count(*) FROM reference"),
            "strategy": one("SELECT count(*) FROM strategy"),
            "measurement": one("SELECT count(*) FROM measurement"),
            "review": one("SELECT count(*) FROM reference WHERE key = 'sun2025review'"),
            "revisions": one("SELECT count(*) FROM alembic_version"),
        }


def counts(url: str) -> dict:
    from cedb.store.db import make_engine

    engine = make_engine(url)
    try:
        return _counts(engine)
    finally:
        engine.dispose()


def run_workers(db: str, tmp_path: Path, *, workers: int, count: int, same: bool = False) -> list[dict]:
    """Start ``workers`` worker processes, release them together, return their JSON reports."""
    go = tmp_path / f"go-{uuid.uuid4().hex}"
    command = [
        sys.executable,
        str(WORKERS / "add_results.py"),
        "--db",
        db,
        "--count",
        str(count),
        "--paper",
        PAPER,
        "--go",
        str(go),
    ] + (["--same"] if same else [])
    processes = [
        subprocess.Popen(
            command + ["--worker", str(w)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path
        )
        for w in range(workers)
    ]
    try:
        for process in processes:  # every worker has imported cedb and waits
            line = process.stdout.readline()
            assert line.strip() == "ready", (line, process.stderr.read())
        go.touch()
        outputs = [process.communicate(timeout=300) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    reports = []
    for process, (out, err) in zip(processes, outputs):
        assert "Traceback" not in err, err
        lines = out.strip().splitlines()
        assert lines, err
        report = json.loads(lines[-1])
        report["returncode"] = process.returncode
        reports.append(report)
    return reports


# --------------------------------------------------------------------------- concurrency


def test_eight_processes_add_200_results_each_to_a_new_database(database_url, tmp_path, bundled):
    """8 writers on a database that does not exist yet: set up once, every row, nothing locked.

    200 results each on SQLite, whose failure under a long queue of writers is "database is
    locked"; 50 each on PostgreSQL, whose failures (the first-use set-up race, lost rows) do not
    grow with the count, and where 1,600 transactions take about a minute here."""
    sqlite = database_url.startswith("sqlite")
    if sqlite:
        assert not Path(sa.engine.make_url(database_url).database).exists()
    count = 200 if sqlite else 50
    reports = run_workers(database_url, tmp_path, workers=8, count=count)

    failures = [f for r in reports for f in r["failures"]]
    assert not [f for f in failures if "locked" in f.lower()], failures
    assert not failures, failures
    assert [r["returncode"] for r in reports] == [0] * 8
    assert sum(r["added"] for r in reports) == 8 * count

    after = counts(database_url)
    assert after["review"] == 1  # the bundled data was loaded exactly once
    assert after["reference"] == bundled["reference"]
    assert after["strategy"] == bundled["strategy"]
    assert after["measurement"] == bundled["measurement"] + 8 * count
    assert after["revisions"] == 1
    from cedb.store.db import make_engine

    engine = make_engine(database_url)
    with engine.connect() as connection:
        notes = connection.execute(sa.text("SELECT note FROM measurement WHERE note LIKE 'worker %'")).scalars().all()
        if sqlite:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    engine.dispose()
    assert sorted(notes) == sorted(f"worker {w}, result {i}" for w in range(8) for i in range(count))


def test_processes_adding_the_same_results_add_each_once(database_url, tmp_path, bundled):
    """The duplicate check holds under concurrency: the same 10 results from 4 writers are added once."""
    reports = run_workers(database_url, tmp_path, workers=4, count=10, same=True)
    failures = [f for r in reports for f in r["failures"]]
    assert not failures, failures
    assert sum(r["added"] for r in reports) == 10, reports
    assert sum(r["duplicates"] for r in reports) == 30
    assert counts(database_url)["measurement"] == bundled["measurement"] + 10


def test_concurrent_adds_of_the_same_result_keep_one(database_url):
    """Two transactions adding the same result at once: the second waits and is refused as a duplicate.

    Deterministic form of the race above: A adds and keeps its transaction open while B adds
    the same result in another thread; then A commits.
    """
    import threading

    from cedb import results
    from cedb.errors import DuplicateError
    from cedb.store import crud
    from cedb.store.db import make_engine, prepare, session_scope

    engine = make_engine(database_url)
    prepare(engine)
    raw = {"paper": PAPER, "ce": "99.4", "current": "1", "capacity": "3", "cycles": "4242"}
    outcome: dict = {}

    def second() -> None:
        try:
            with session_scope(engine) as session:
                crud.add_result(session=session, result=results.normalise(raw))
            outcome["b"] = "added"
        except DuplicateError:
            outcome["b"] = "duplicate"
        except Exception as exc:  # reported below
            outcome["b"] = f"{type(exc).__name__}: {exc}"

    with session_scope(engine) as session:
        crud.add_result(session=session, result=results.normalise(raw))
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(1.5)  # B either waits for A (SQLite: BEGIN IMMEDIATE) or is already done
    thread.join(90)
    assert not thread.is_alive()
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT count(*) FROM measurement WHERE cycles = 4242")).scalar_one()
    engine.dispose()
    assert (outcome["b"], rows) == ("duplicate", 1)


# --------------------------------------------------------------------------- crash safety

IMPORT_ROWS = 20_000


def _write_import(tmp_path: Path, rows: int, first_cycle: int = 10_000) -> tuple[Path, Path]:
    from cedb.resources import curation_dir

    # Spread over the bundled papers: the per-row duplicate check scans the rows of one paper.
    papers = sorted(p.stem for p in curation_dir().glob("*.yaml"))
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as handle:
        handle.write("paper,ce,current,capacity,cycles,note\n")
        for n in range(rows):
            handle.write(f"{papers[n % len(papers)]},99.{n % 10},{1 + n % 7} mA/cm2,3,{first_cycle + n},bulk row {n}\n")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns:\n  paper: paper\n  ce: ce\n  current: current\n  capacity: capacity\n"
        "  cycles: cycles\n  note: note\n",
        encoding="utf-8",
    )
    return big, mapping


def _writer_active(path: Path) -> bool:
    """Some connection holds the write lock of the SQLite file (a write transaction is open)."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return True
        raise
    finally:
        connection.close()


def _sqlite_state(path: Path) -> tuple[str, int]:
    connection = sqlite3.connect(path)
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        imported = connection.execute("SELECT count(*) FROM measurement WHERE note LIKE 'bulk row %'").fetchone()[0]
    finally:
        connection.close()
    return integrity, imported


@pytest.mark.end_to_end
def test_import_killed_midway_leaves_none_of_its_rows_and_a_rerun_completes_it(sqlite_cli, tmp_path, bundled):
    """SIGKILL during `cedb result import`: integrity_check ok, none or all rows, a re-run adds them all."""
    path = Path(sa.engine.make_url(sqlite_cli.url).database)
    sqlite_cli("init", check=True)
    before = database_snapshot(sqlite_cli.url)
    rows = IMPORT_ROWS
    for _attempt in range(3):  # a faster import than expected gets a bigger file
        big, mapping = _write_import(tmp_path, rows)
        process = subprocess.Popen(
            [sqlite_cli.executable, "result", "import", str(big), "--map", str(mapping)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env=sqlite_cli.env,
        )
        # Midway: the import's write transaction has held the write lock for a while (not just
        # the short set-up check at start-up) and the process is still running.
        deadline, held_since = time.monotonic() + 120, None
        while process.poll() is None and time.monotonic() < deadline:
            if not _writer_active(path):
                held_since = None
            elif held_since is None:
                held_since = time.monotonic()
            elif time.monotonic() - held_since >= 0.5:
                break
            time.sleep(0.01)
        still_running = process.poll() is None
        if still_running:
            os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)
        if still_running:
            break
        assert process.returncode == 0, process.stderr
        # It finished before it could be killed: start again from the state before, with more rows.
        path.unlink()
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        sqlite_cli("init", check=True)
        before = database_snapshot(sqlite_cli.url)  # the new file's own timestamps
        rows *= 4
    else:
        pytest.fail("the import always finished before it could be killed")
    assert process.returncode == -signal.SIGKILL
    print(f"killed the import of {rows} rows after {_attempt + 1} attempt(s)")

    integrity, imported = _sqlite_state(path)
    assert integrity == "ok"
    assert imported in (0, rows)  # one transaction: none or all of the import's rows
    if imported == 0:
        assert database_snapshot(sqlite_cli.url) == before

    rerun = sqlite_cli("result", "import", str(big), "--map", str(mapping), timeout=600)
    assert rerun.returncode == (0 if imported == 0 else 1), rerun.stderr
    integrity, imported = _sqlite_state(path)
    assert (integrity, imported) == ("ok", rows)
    assert counts(sqlite_cli.url)["measurement"] == bundled["measurement"] + rows


# --------------------------------------------------------------------------- round trip


@pytest.fixture
def second_database_url(database_url, tmp_path):
    """Another empty database of the same backend as ``database_url``."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'second.sqlite'}"
        return
    from tests.conftest import fresh_postgres_schema

    with fresh_postgres_schema() as url:
        yield url


TRICKY_BIB = r"""
@article{Zhou2023:li+host,
  title = {Li$_3$N--rich {SEI} on a \"{u}ber-porous Cu host: 99.9\% CE},
  author = {Zhou, Ana-Lucía and {van der} Berg, Jan and O'Neil, Å.},
  journal = {J. Électrochem. & Co},
  year = {2023}, volume = {7}, pages = {1--9}, doi = {10.1000/ABC.123_(x)}
}
"""


def _add_tricky_results(url: str) -> None:
    """Results whose values are hard on YAML, JSON and SQL, added out of dump order."""
    from cedb import bibliography, results
    from cedb.store import crud
    from cedb.store.db import make_engine, session_scope

    engine = make_engine(url)
    entries = bibliography.parse_bibtex(TRICKY_BIB).entries
    assert [e.error for e in entries] == [None]
    with session_scope(engine) as session:
        crud.add_reference(session=session, create=entries[0].reference)
        for n, extra in enumerate(
            [
                {
                    "label": "zeta: '; DROP TABLE measurement; --",
                    "category": "other",
                    "host": "%_'\"\\",
                    "note": "line one\r\nline two\n  indented\n",
                    "quote": "“99.9 %” — Li‖Cu, 𝛼-phase\ttab",
                    "cell": "Li||Cu",
                    "statistic": "max",
                    "status": "verified",
                    "curator": "Ö. Curator",
                },
                {
                    "label": "alpha",
                    "category": "electrolyte",
                    "electrolyte": "1 M LiPF6 in EC/DMC (1:1 v/v)",
                    "additive": "2% FEC + LiNO3",
                    "temperature": "25 degC",
                    "np_ratio": "2.5",
                    "ec_ratio": "3 g/Ah",
                    "cathode_loading": "4.2",
                    "full_cell_derived": True,
                    "source": "sun2025review",
                    "location": "Fig. 9c",
                    "note": "yes",
                    "quote": "null",
                },
                {"note": "~", "location": "0x10", "curator": "1e3", "method": "aurbach", "cycles": "1,000"},
                {
                    "label": "alpha",
                    "category": "electrolyte",
                    "electrolyte": "1 M LiPF6 in EC/DMC (1:1 v/v)",
                    "additive": "2% FEC + LiNO3",
                    "current": "0.1",
                    "capacity": "0.30000000000000004",
                    "note": "- not a list item\n# not a comment",
                },
            ]
        ):
            raw = {
                "paper": "Zhou2023:li+host" if n != 2 else PAPER,
                "ce": f"99.{9 - n}1",
                "current": "20 A/m^2",
                "capacity": "3 mAh cm-2",
                **extra,
            }
            crud.add_result(session=session, result=results.normalise(raw))
    engine.dispose()


def _dump(cli, directory: Path) -> dict[str, bytes]:
    cli("curate", "dump", str(directory), check=True)
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _without_ids(rows: list[dict]) -> list[str]:
    return sorted(json.dumps({k: v for k, v in row.items() if k != "id"}, sort_keys=True) for row in rows)


def test_dump_load_dump_gives_identical_files_and_json(request, database_url, second_database_url, tmp_path):
    """Everything dumped and loaded into an empty database dumps and queries the same again.

    Ids are not part of the curation format (they are local surrogate keys), so a result added
    after others of a paper that sorts later may get another id in the new database: the JSON is
    compared without ids, and the ids are checked to be a renumbering of the same rows.
    """
    from tests.conftest import make_cli

    first = make_cli(request, database_url, tmp_path)
    second = make_cli(request, second_database_url, tmp_path)
    first("init", check=True)
    _add_tricky_results(database_url)

    files = _dump(first, tmp_path / "one")
    rows = first.json("query")
    assert len(files) == BUNDLED_FILES + 1 and len(rows) >= 15  # the bundled papers and the tricky one

    second("init", "--empty", check=True)
    loaded = second("curate", "load", str(tmp_path / "one"), check=True)
    assert f"{BUNDLED_FILES + 1} file(s)" in loaded.stderr
    assert _dump(second, tmp_path / "two") == files
    again = second.json("query")
    assert _without_ids(again) == _without_ids(rows)
    assert sorted(r["id"] for r in again) == sorted(r["id"] for r in rows)  # same number of rows, 1..n

    # Loading the same files again changes nothing, and a third dump is still identical.
    reload = second("curate", "load", str(tmp_path / "one"), check=True)
    assert " 0 added, 0 updated," in reload.stderr, reload.stderr
    assert _dump(second, tmp_path / "three") == files


def test_bundled_dataset_round_trips_with_the_same_ids(sqlite_cli, tmp_path):
    """The bundled dataset alone: dump -> load into an empty database keeps files, JSON and ids."""
    sqlite_cli("init", check=True)
    files = _dump(sqlite_cli, tmp_path / "one")
    rows = sqlite_cli.json("query")
    second = type(sqlite_cli)(sqlite_cli.executable, f"sqlite:///{tmp_path / 'second.sqlite'}", tmp_path)
    second("init", "--empty", check=True)
    second("curate", "load", str(tmp_path / "one"), check=True)
    assert _dump(second, tmp_path / "two") == files
    assert second.json("query") == rows


def test_dump_writes_one_file_per_paper_even_when_keys_differ_only_in_punctuation(engine, tmp_path):
    from cedb import curation
    from cedb.store import crud
    from cedb.store.db import session_scope
    from cedb.store.models import ReferenceCreate

    with session_scope(engine) as session:
        for key, title in (("smith2020:a", "First paper"), ("smith2020_a", "Second paper")):
            crud.add_reference(session=session, create=ReferenceCreate(key=key, title=title, year=2020))
    with session_scope(engine) as session:
        written = curation.dump(session=session, directory=tmp_path / "dump")
    assert len(set(written)) == 2
    assert len(list((tmp_path / "dump").iterdir())) == 2


def test_import_killed_midway_on_postgresql_leaves_none_of_its_rows(cedb_bin, postgres_url, tmp_path, bundled):
    """SIGKILL during `cedb result import` on PostgreSQL: the server rolls the import back, a re-run
    completes it. The import's connection is found by its application name (PGAPPNAME)."""
    from cedb.config import database_url as resolve
    from tests.conftest import POSTGRES_URL, Cli

    cli = Cli(cedb_bin, postgres_url, tmp_path)
    cli("init", check=True)
    before = database_snapshot(postgres_url)
    admin = sa.create_engine(resolve(POSTGRES_URL), poolclass=sa.NullPool)
    token = f"cedb-import-{uuid.uuid4().hex[:12]}"
    activity = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = :token AND backend_xid IS NOT NULL"
    )  # a transaction of the import has written
    rows = IMPORT_ROWS
    try:
        for _attempt in range(3):
            big, mapping = _write_import(tmp_path, rows)
            process = subprocess.Popen(
                [cedb_bin, "result", "import", str(big), "--map", str(mapping)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=tmp_path,
                env={**cli.env, "PGAPPNAME": token},
            )
            deadline, writing_since = time.monotonic() + 120, None
            while process.poll() is None and time.monotonic() < deadline:
                with admin.connect() as connection:
                    writing = connection.execute(activity, {"token": token}).scalar_one() > 0
                if not writing:
                    writing_since = None
                elif writing_since is None:
                    writing_since = time.monotonic()
                elif time.monotonic() - writing_since >= 0.3:
                    break
                time.sleep(0.01)
            still_running = process.poll() is None
            if still_running:
                os.kill(process.pid, signal.SIGKILL)
            process.communicate(timeout=60)
            if still_running:
                break
            assert process.returncode == 0, process.stderr
            with admin.begin() as connection:  # back to the state before, then more rows
                schema = postgres_url.rsplit("%3D", 1)[1]
                connection.execute(
                    sa.text(f'DELETE FROM "{schema}".measurement WHERE note LIKE :n'), {"n": "bulk row %"}
                )
            rows *= 4
        else:
            pytest.fail("the import always finished before it could be killed")
        assert process.returncode == -signal.SIGKILL
        print(f"killed the import of {rows} rows after {_attempt + 1} attempt(s)")
        # The server notices the dropped connection and rolls its transaction back.
        gone = sa.text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :token")
        for _ in range(500):
            with admin.connect() as connection:
                if connection.execute(gone, {"token": token}).scalar_one() == 0:
                    break
            time.sleep(0.02)
        assert database_snapshot(postgres_url) == before
    finally:
        admin.dispose()
    rerun = cli("result", "import", str(big), "--map", str(mapping), timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert counts(postgres_url)["measurement"] == bundled["measurement"] + rows


def test_nul_characters_in_an_imported_spreadsheet_reject_their_rows(cli, database_url, tmp_path, request):
    """A NUL byte in a CSV cell (text field or paper key) rejects that row, in one line; the rest import."""
    cli("init", check=True)
    before = counts(database_url)
    (tmp_path / "nul.csv").write_bytes(
        b"paper,ce,current,capacity,cycles,note\n"
        b"sun2025review-ref98,99.1,1,3,901,a\x00b\n"
        b"sun2025review-r\x00ef98,99.2,1,3,902,ok\n"
        b"sun2025review-ref98,99.3,1,3,903,fine\n"
    )
    (tmp_path / "map.yaml").write_text(
        "columns:\n  paper: paper\n  ce: ce\n  current: current\n"
        "  capacity: capacity\n  cycles: cycles\n  note: note\n",
        encoding="utf-8",
    )
    process = cli("result", "import", "nul.csv", "--map", "map.yaml")
    assert process.returncode == 1, process.stderr
    assert "Traceback" not in process.stderr
    rejected = [line for line in process.stderr.splitlines() if ": rejected: " in line]
    assert [line.split(":")[0] for line in rejected] == ["row 2", "row 3"], process.stderr
    assert "1 / 3 rows added" in process.stderr
    assert counts(database_url)["measurement"] == before["measurement"] + 1
