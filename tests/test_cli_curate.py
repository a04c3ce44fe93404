"""cedb curate check / load / dump with the installed command on SQLite and PostgreSQL."""

import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import FIXTURES, POSTGRES_URL, Cli, _pg_schema_url, assert_user_error, database_snapshot

GOOD = FIXTURES / "curation" / "good"
BAD = FIXTURES / "curation" / "bad"


@pytest.fixture
def empty_cli(cli, tmp_path):
    """A second database of the same backend as ``cli``, not created yet (for `cedb init --empty`)."""
    if cli.url.startswith("sqlite"):
        yield type(cli)(cli.executable, f"sqlite:///{tmp_path / 'empty.sqlite'}", tmp_path)
        return
    from cedb.config import database_url

    schema = f"cedb_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(database_url(POSTGRES_URL), poolclass=sa.NullPool)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield type(cli)(cli.executable, _pg_schema_url(schema), tmp_path)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_check_reports_every_problem_with_file_and_line(sqlite_cli):
    process = sqlite_cli("curate", "check", BAD, "--offline")
    assert_user_error(process, code=3, contains="problem(s) in 4 file(s)")
    lines = process.stdout.splitlines()
    for where in (
        "problems.yaml:5: duplicate key 'year'",
        "problems.yaml:14: current density",
        "problems.yaml:23: source 'nobody1999'",
        "problems.yaml:33: same strategy and conditions",
        "unsafe.yaml:4: refused YAML tag",
        "broken.yaml:5: not valid YAML",
        "not-a-mapping.yaml:1: expected a mapping",
    ):
        assert any(where in line for line in lines), where
    assert all(line.startswith(str(BAD)) for line in lines)
    assert not (sqlite_cli.cwd / "CEDB_PWNED").exists()

    good = sqlite_cli("curate", "check", GOOD, "--offline", check=True)
    assert good.stdout == "" and "OK: 2 file(s), 3 measurement(s)" in good.stderr


def test_load_twice_then_a_failed_load(cli, tmp_path):
    files = tmp_path / "curation"
    shutil.copytree(GOOD, files)
    first = cli("curate", "load", files, check=True)
    assert (
        "2 file(s) loaded: papers: 2 added, 0 updated, 0 unchanged; strategies: 2 added, 0 updated, "
        "0 unchanged; results: 3 added, 0 updated, 0 unchanged"
    ) in first.stderr
    after_first = database_snapshot(cli.url)
    second = cli("curate", "load", files, check=True)
    assert (
        "2 file(s) loaded: papers: 0 added, 0 updated, 2 unchanged; strategies: 0 added, 0 updated, "
        "2 unchanged; results: 0 added, 0 updated, 3 unchanged"
    ) in second.stderr
    assert database_snapshot(cli.url) == after_first
    (row,) = cli.json("query", "--paper", "demo2023nitrate", "--cell", "full")
    assert (row["current_density_mA_cm2"], row["full_cell_derived"], row["method"]) == (2.0, True, "zhang-full")

    # One bad file among good ones: nothing is loaded, every problem is listed, exit 3.
    shutil.copy(BAD / "problems.yaml", files)
    (files / "demo2023nitrate.yaml").write_text(
        (files / "demo2023nitrate.yaml").read_text().replace("ce_percent: 99.6", "ce_percent: 99.65")
    )
    process = cli("curate", "load", files)
    assert_user_error(process, code=3, contains="nothing loaded")
    assert "problems.yaml:14: " in process.stderr
    assert database_snapshot(cli.url) == after_first


def test_dump_init_empty_load_dump_gives_identical_files(cli, empty_cli, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    dumped = cli("curate", "dump", first, check=True)
    count = len(list(first.iterdir()))
    assert count >= 11 and f"Wrote {count} file(s)" in dumped.stderr
    empty_cli("init", "--empty", check=True)
    assert database_snapshot(empty_cli.url)["reference"] == []
    loaded = empty_cli("curate", "load", first, check=True)
    assert " 0 updated, 0 unchanged" in loaded.stderr
    empty_cli("curate", "dump", second, check=True)
    assert _files(second) == _files(first)
    # The reloaded database answers like the original.
    assert empty_cli.json("query", "--practical", "--min-ce", "99") == cli.json(
        "query", "--practical", "--min-ce", "99"
    )


def test_missing_path_is_an_error(sqlite_cli, tmp_path):
    assert_user_error(sqlite_cli("curate", "check", tmp_path / "nope", "--offline"), contains="no such file or folder")


# --- curate check never creates or changes a database (curators' report, issue #14) ------

CITING = """reference:
  key: mine2025
measurements:
- ce_percent: 99.1
  source: sun2025review
  quote: a CE of 99.1 %
"""


def _tree(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_check_without_db_creates_no_database(cedb_bin, tmp_path):
    import os

    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "curation").mkdir()
    for name in ("demo2023nitrate.yaml", "demo2024review.yaml"):
        shutil.copy(GOOD / name, tmp_path / "curation")
    env = {k: v for k, v in os.environ.items() if k != "CEDB_DATABASE_URL"}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "share"), NO_COLOR="1")
    cli = Cli(cedb_bin, "", tmp_path)
    cli.env = env
    process = cli("curate", "check", "curation")
    assert process.returncode == 0, process.stderr
    assert "OK: 2 file(s)" in process.stderr
    assert list(home.rglob("*")) == []  # no ~/.local/share/cedb, no database file
    # a file citing a paper no file and no database holds fails offline, and still creates nothing
    (tmp_path / "curation" / "mine2025.yaml").write_text(CITING, encoding="utf-8")
    failed = cli("curate", "check", "curation")
    assert failed.returncode == 3 and "'sun2025review' is not a key" in failed.stdout
    assert list(home.rglob("*")) == []


def test_check_with_a_db_that_does_not_exist_leaves_it_absent(sqlite_cli, tmp_path):
    target = tmp_path / "cedb.sqlite"
    assert not target.exists()
    process = sqlite_cli("curate", "check", GOOD)
    assert process.returncode == 0, process.stderr
    assert "No database at" in process.stderr
    assert not target.exists() and not (tmp_path / "cedb.sqlite-wal").exists()


def test_check_reads_keys_from_an_existing_db_without_changing_it(sqlite_cli, tmp_path):
    dbdir = tmp_path
    sqlite_cli("init", check=True)  # the bundled dataset holds the review sun2025review
    files = tmp_path / "files"
    files.mkdir()
    (files / "mine2025.yaml").write_text(CITING, encoding="utf-8")
    before = {k: v for k, v in _tree(dbdir).items() if k.startswith("cedb.sqlite")}
    process = sqlite_cli("curate", "check", files)
    assert process.returncode == 0, process.stdout + process.stderr
    after = {k: v for k, v in _tree(dbdir).items() if k.startswith("cedb.sqlite")}
    assert after == before  # same files, same bytes: nothing written, no -wal/-shm made
    offline = sqlite_cli("curate", "check", "--offline", files)
    assert offline.returncode == 3  # the key came from the database, not from the files
