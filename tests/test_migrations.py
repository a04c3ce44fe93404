"""The schema is made only by migrations; models and migrations agree; upgrades keep every row."""

import ast
from pathlib import Path

import sqlalchemy as sa

from cedb.store import migrate
from cedb.store.db import HEAD_REVISION, current_revision, make_engine, prepare
from tests.conftest import database_snapshot


def test_head_revision_constant_matches_alembic():
    # cedb.store.db skips importing Alembic when a database is at HEAD_REVISION; it must be the real head.
    assert migrate.head_revision() == HEAD_REVISION


def test_migrations_never_import_live_cedb_code():
    # A migration must keep doing what it did when it was written: cedb's modules change later.
    versions = sorted((Path(__file__).parents[1] / "migrations" / "versions").glob("*.py"))
    assert len(versions) >= 4
    for path in versions:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not [n for n in names if n == "cedb" or n.startswith("cedb.")], path.name


def test_single_linear_history():
    heads = migrate.script_directory().get_heads()
    assert heads == [HEAD_REVISION]


def test_upgrade_of_empty_database_leaves_no_drift(database_url):
    engine = make_engine(database_url)
    migrate.upgrade(engine, "head")
    assert migrate.drift(engine) == []
    with engine.connect() as connection:
        assert current_revision(connection) == HEAD_REVISION


def test_drift_is_detected(database_url):
    engine = make_engine(database_url)
    migrate.upgrade(engine, "head")
    with engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE measurement ADD COLUMN stray INTEGER"))
    assert any("stray" in d for d in migrate.drift(engine))


def _fill(engine):
    from cedb import curation
    from cedb.resources import curation_dir
    from cedb.store.db import session_scope

    with session_scope(engine) as session:
        curation.load(session=session, paths=[curation_dir()])


def test_downgrade_and_upgrade_keep_every_row(database_url):
    engine = make_engine(database_url)
    prepare(engine, load_bundled=True)
    with engine.begin() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM measurement WHERE ce_decimals IS NOT NULL")).scalar()
        # Below 0004 nothing can hold the reported precision: a downgrade drops it (and only it).
        connection.execute(sa.text("UPDATE measurement SET ce_decimals = NULL"))
    before = database_snapshot(database_url)
    assert len(before["measurement"]) >= 10
    revisions = [r.revision for r in migrate.script_directory().walk_revisions()]
    oldest = revisions[-1]
    migrate.downgrade(engine, oldest)
    migrate.upgrade(engine, "head")
    after = database_snapshot(database_url)
    # Every row and value survives; derived columns are recomputed to the same values.
    assert after == before
    assert migrate.drift(engine) == []


def test_database_filled_at_first_revision_upgrades_in_place(database_url):
    engine = make_engine(database_url)
    migrate.upgrade(engine, "0001_initial")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO reference (id, key, entry_type, added_at) "
                "VALUES (1, 'old2020paper', 'article', CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO strategy (id, reference_id, category, label, electrolyte, additive) "
                "VALUES (1, 1, 'electrolyte', 'LHCE', '1.2M LiFSI DMC-BTFE (1:2 mol)', 'LiNO3')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO measurement (id, reference_id, strategy_id, method, ce_percent, "
                '"current_density_mA_cm2", "areal_capacity_mAh_cm2", cycles, full_cell_derived, status, '
                "created_at, updated_at) VALUES (1, 1, 1, 'unspecified', 99.3, 0.5, 1, 200, false, 'draft', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    before = database_snapshot(database_url)
    migrate.upgrade(engine, "head")
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT components, electrolyte_canonical FROM strategy")).one()
        measurement = connection.execute(sa.text("SELECT strategy_id, ce_percent, cycles FROM measurement")).one()
    assert "|salt:LiFSI|" in row.components and "|diluent:BTFE|" in row.components
    assert "|additive:LiNO3|" in row.components
    assert row.electrolyte_canonical
    assert tuple(measurement) == (1, 99.3, 200)
    migrate.downgrade(engine, "0001_initial")
    assert database_snapshot(database_url) == before
    migrate.upgrade(engine, "head")
    assert migrate.drift(engine) == []


def test_downgrade_to_base_and_back(database_url):
    engine = make_engine(database_url)
    migrate.upgrade(engine, "head")
    migrate.downgrade(engine, "base")
    with engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
    assert not tables & {"reference", "strategy", "measurement"}
    migrate.upgrade(engine, "head")
    assert migrate.drift(engine) == []


def test_cli_db_commands(cli):
    assert cli("db", "current").stdout.strip() == "(empty)"
    cli("db", "upgrade", check=True)
    assert cli("db", "current").stdout.strip() == HEAD_REVISION
    check = cli("db", "check")
    assert check.returncode == 0, check.stderr
    assert "matches the models" in check.stderr


def test_cli_db_check_reports_drift_with_exit_3(cli):
    cli("db", "upgrade", check=True)
    engine = make_engine(cli.url)
    with engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE reference ADD COLUMN stray INTEGER"))
    process = cli("db", "check")
    assert process.returncode == 3
    assert "stray" in process.stdout


def test_older_revision_is_refused_with_advice(cli):
    revisions = [r.revision for r in migrate.script_directory().walk_revisions()]
    if len(revisions) < 2:
        import pytest

        pytest.skip("only one revision")
    cli("db", "upgrade", revisions[-1], check=True)
    process = cli("query")
    assert process.returncode == 5  # the database cannot be used as it is (README: exit codes)
    assert "cedb db upgrade" in process.stderr
    assert "Traceback" not in process.stderr


def test_cli_unknown_revision_is_one_line(cli):
    from tests.conftest import assert_user_error, database_snapshot

    cli("init", check=True)
    before = database_snapshot(cli.url)
    assert_user_error(cli("db", "downgrade", "zzz"), 1, "cannot migrate to 'zzz'")
    assert_user_error(cli("db", "upgrade", "zzz"), 1, "cannot migrate to 'zzz'")
    assert database_snapshot(cli.url) == before


def test_0003_keeps_every_row_and_never_reuses_an_id(database_url):
    """Issue 10: a database filled at 0004 (0003 comes after it) keeps every row and id; afterwards a removed id
    (even the largest) is never handed out again, on SQLite (AUTOINCREMENT) and PostgreSQL."""
    engine = make_engine(database_url)
    migrate.upgrade(engine, "0004_ce_decimals")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO reference (id, key, entry_type, added_at) "
                "VALUES (1, 'p2020', 'article', CURRENT_TIMESTAMP)"
            )
        )
        for id, ce in ((3, 99.1), (5, 99.2), (9, 99.3)):
            connection.execute(
                sa.text(
                    "INSERT INTO measurement (id, reference_id, method, ce_percent, full_cell_derived, status, "
                    "created_at, updated_at) VALUES (:id, 1, 'unspecified', :ce, false, 'draft', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": id, "ce": ce},
            )
        if engine.dialect.name == "postgresql":  # rows inserted with explicit ids: as a server would have them
            connection.execute(sa.text("SELECT setval('measurement_id_seq', 9)"))
    before = database_snapshot(database_url)
    migrate.upgrade(engine, "head")
    assert database_snapshot(database_url) == {**before, "reference_alias": [], "alembic_version": [(HEAD_REVISION,)]}
    assert migrate.drift(engine) == []
    insert = sa.text(
        "INSERT INTO measurement (reference_id, method, ce_percent, full_cell_derived, status, "
        "created_at, updated_at) VALUES (1, 'unspecified', 98, false, 'draft', "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM measurement WHERE id = 9"))
        connection.execute(insert)
        connection.execute(sa.text("DELETE FROM measurement WHERE ce_percent = 98"))
        connection.execute(insert)
        ids = [row[0] for row in connection.execute(sa.text("SELECT id FROM measurement ORDER BY id"))]
    assert ids == [3, 5, 11]
    # Down to 0004 and back: every row and id again.
    before = database_snapshot(database_url)
    migrate.downgrade(engine, "0004_ce_decimals")
    migrate.upgrade(engine, "head")
    assert database_snapshot(database_url) == before


def test_check_finds_an_older_revision_drift_and_nothing_at_head(database_url):
    engine = make_engine(database_url)
    migrate.upgrade(engine, "head")
    found = migrate.check(engine)
    assert (found.revision, found.problems) == (HEAD_REVISION, [])
    migrate.downgrade(engine, "-1")
    older = migrate.check(engine)
    assert older.problems == [f"database is at {older.revision}, older than this cedb's {HEAD_REVISION}"]
    assert older.revision != HEAD_REVISION and older.advice == "run `cedb db upgrade`"
    migrate.upgrade(engine, "head")
    with engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE measurement ADD COLUMN stray INTEGER"))
    drifted = migrate.check(engine)
    assert len(drifted.problems) == 1 and "stray" in drifted.problems[0]
