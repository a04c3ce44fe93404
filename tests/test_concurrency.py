"""Concurrent writers: several `cedb` processes on one database that does not exist yet.

The first-use set-up races too: it must happen exactly once (the bundled dataset
loaded once), every writer must succeed, and SQLite must never say "database is
locked". Runs on SQLite and on PostgreSQL (the `cli` fixture).
"""

import json
import subprocess

import pytest
import yaml
from conftest import Cli, database_snapshot

from cedb.resources import curation_dir

BUNDLED_MEASUREMENTS = sum(
    len((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("measurements") or [])
    for path in curation_dir().glob("*.yaml")
)


def _run_together(cli: Cli, commands: list[list[str]]) -> list[tuple[int, str, str]]:
    """Start every command before waiting for any, so that they overlap."""
    processes = [
        subprocess.Popen(
            [cli.executable, *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cli.cwd,
            env=cli.env,
        )
        for args in commands
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        results.append((process.returncode, out, err))
    return results


def _bib(path, key: str, doi: str, title: str):
    path.write_text(
        f"@article{{{key},\n  author = {{Writer, Test}},\n  title = {{{title}}},\n"
        f"  year = {{2024}},\n  doi = {{{doi}}},\n}}\n",
        encoding="utf-8",
    )
    return path


def _count(rows, value: str) -> int:
    """Rows with a column equal to ``value`` (a citation key: only the key column can be)."""
    return sum(1 for row in rows if value in row)


@pytest.mark.end_to_end
def test_concurrent_writers_on_a_new_database(cli, tmp_path):
    papers = [
        _bib(tmp_path / f"p{i}.bib", f"writer2024p{i}", f"10.5555/writer.{i}", f"Concurrent paper {i}")
        for i in range(3)
    ]
    commands = [["paper", "add", path] for path in papers]
    commands += [
        [
            "result",
            "add",
            "--paper",
            "sun2025review",
            "--ce",
            f"99.{i}",
            "--current",
            str(i + 1),
            "--capacity",
            "2",
            "--no-input",
            "--format",
            "json",
        ]
        for i in range(3)
    ]

    results = _run_together(cli, commands)
    for code, out, err in results:
        assert code == 0, err
        assert "database is locked" not in err and "Traceback" not in err, err
    created = [err for _, _, err in results if "Created a new cedb database" in err]
    assert len(created) == 1, [err for _, _, err in results]  # set up exactly once
    assert [err.splitlines()[-1] for _, _, err in results[:3]] == ["1 added, 0 skipped as duplicates, 0 rejected"] * 3
    assert len({json.loads(out)["id"] for _, out, _ in results[3:]}) == 3  # each `result add` its own new row

    snapshot = database_snapshot(cli.url)
    references, measurements = snapshot["reference"], snapshot["measurement"]
    assert _count(references, "sun2025review") == 1  # the bundled dataset loaded once
    assert [_count(references, f"writer2024p{i}") for i in range(3)] == [1, 1, 1]
    assert len(measurements) == BUNDLED_MEASUREMENTS + 3
    assert len(snapshot["alembic_version"]) == 1

    # The same paper from several processes at once: added once, skipped by the others, no error.
    same = _bib(tmp_path / "same.bib", "same2024paper", "10.5555/writer.same", "One paper, four writers")
    results = _run_together(cli, [["paper", "add", same]] * 4)
    for code, _, err in results:
        assert code == 0 and "Traceback" not in err and "database is locked" not in err, err
    summaries = sorted(err.splitlines()[-1] for _, _, err in results)
    assert summaries == ["0 added, 1 skipped as duplicates, 0 rejected"] * 3 + [
        "1 added, 0 skipped as duplicates, 0 rejected"
    ]
    assert _count(database_snapshot(cli.url)["reference"], "same2024paper") == 1


@pytest.mark.end_to_end
def test_readers_do_not_wait_for_a_writer(cli):
    """A long write transaction (an import, an idle client) must not block `cedb query` or exports."""
    import sqlalchemy as sa

    from cedb.store.db import make_engine, session_scope

    cli("init", check=True)
    engine = make_engine(cli.url)
    with session_scope(engine) as session:  # holds SQLite's write lock / the PostgreSQL write lock
        session.execute(sa.text("UPDATE reference SET note = note WHERE key = 'sun2025review'"))
        query = cli("query", "--format", "json", timeout=20)
        export = cli("export", "table", "--format", "csv", timeout=20)
    engine.dispose()
    assert query.returncode == 0 and export.returncode == 0, (query.stderr, export.stderr)
    assert len(json.loads(query.stdout)) >= 10


# --- in process: the write lock is taken only after the input is read and validated ----------


def _invoke(url: str, *args):
    from typer.testing import CliRunner

    from cedb.cli.main import app

    return CliRunner().invoke(app, ["--db", url, *map(str, args)], env={"NO_COLOR": "1"})


def _writes_meanwhile(path, calls: list):
    """Wrap a parsing step so that it first commits another writer's row (0.5 s busy timeout):
    this fails with "database is locked" if the command already holds the write lock."""
    import sqlite3

    def wrap(step):
        def parse_step(*args, **kwargs):
            if not calls:
                other = sqlite3.connect(path, timeout=0.5, isolation_level=None)
                try:
                    other.execute("BEGIN IMMEDIATE")
                    other.execute("CREATE TABLE IF NOT EXISTS other_writer (n INTEGER)")
                    other.execute("INSERT INTO other_writer VALUES (1)")
                    other.execute("COMMIT")
                finally:
                    other.close()
                calls.append(step.__name__)
            return step(*args, **kwargs)

        return parse_step

    return wrap


def test_files_are_parsed_before_the_write_lock(monkeypatch, tmp_path):
    from conftest import FIXTURES

    from cedb import curation
    from cedb.store import bulk

    path = tmp_path / "db.sqlite"
    url = f"sqlite:///{path}"
    assert _invoke(url, "init", "--empty").exit_code == 0
    calls: list = []
    wrap = _writes_meanwhile(path, calls)

    monkeypatch.setattr(curation, "_check_file", wrap(curation._check_file))
    loaded = _invoke(url, "curate", "load", FIXTURES / "curation" / "good")
    assert loaded.exit_code == 0, loaded.output
    assert calls == ["_check_file"]

    calls.clear()
    monkeypatch.setattr(bulk, "normalise", wrap(bulk.normalise))
    sheets = FIXTURES / "spreadsheets"
    imported = _invoke(url, "result", "import", sheets / "messy.csv", "--map", sheets / "messy-mapping.yaml")
    assert "database is locked" not in imported.output and "rows added" in imported.output, imported.output
    assert calls == ["normalise"]

    import sqlite3

    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM other_writer").fetchone() == (2,)
    assert database_snapshot(url)["measurement"]  # and the commands still wrote
