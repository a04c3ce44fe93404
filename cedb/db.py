"""Engines, connections and the one-transaction-per-command session.

Nothing is built at import time. SQLite gets foreign keys, WAL and a busy timeout
on every connection, and every transaction starts with ``BEGIN IMMEDIATE`` so that
concurrent writers queue on the busy timeout instead of failing when a read lock
would have to be upgraded ("database is locked").
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from cedb.errors import CedbError

# The newest migration. tests/test_migrations.py proves it equals Alembic's head,
# so a database already at head is opened without importing Alembic (start-up time).
HEAD_REVISION = "0004_ce_decimals"

SQLITE_BUSY_TIMEOUT_MS = 60_000
# Execution option marking a read-only transaction (see session_scope).
WRITE_OPTION = "cedb_write"
# Serialises first-use set-up, and then every transaction, on a shared PostgreSQL
# database (arbitrary constants).
_PG_SETUP_LOCK = 0xCEDB
_PG_WRITE_LOCK = 0xCEDB02


class DatabaseError(CedbError):
    """The database cannot be opened or is at a revision this cedb does not know."""


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get their directory created on first use."""
    if is_sqlite(url):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, poolclass=sa.NullPool
        )
        _configure_sqlite(engine)
        return engine
    try:
        engine = sa.create_engine(url, poolclass=sa.NullPool)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        raise DatabaseError(f"cannot use database URL {url!r}: {exc}") from None
    if engine.dialect.name == "postgresql":
        _configure_postgresql(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A reader (session_scope(write=False)) takes no write lock, so WAL lets it run
        # beside a writer.
        writes = connection.get_execution_options().get(WRITE_OPTION, True)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # The PostgreSQL counterpart of SQLite's BEGIN IMMEDIATE: writing transactions queue
        # instead of racing, so two processes adding the same result or paper cannot both
        # pass the duplicate check. Held until commit or rollback; readers skip it.
        if connection.get_execution_options().get(WRITE_OPTION, True):
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_WRITE_LOCK})")


def current_revision(connection: Connection) -> str | None:
    """The Alembic revision stamped in the database, or None for an empty database."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _lock_for_setup(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SETUP_LOCK})


def prepare(engine: Engine, *, load_bundled: bool = True) -> bool:
    """Bring a new database to the newest schema (and the bundled dataset); True if it was new.

    Runs in one locked transaction so that several processes opening a new file at
    once set it up exactly once. An existing database at an older revision is not
    touched: the user upgrades it with ``cedb db upgrade`` (after a backup, if they wish).
    """
    # The usual case, a database already at head, is read without any write lock.
    with engine.connect() as connection:
        connection = connection.execution_options(**{WRITE_OPTION: False})
        with connection.begin():
            if current_revision(connection) == HEAD_REVISION:
                return False
    with engine.connect() as connection:
        with connection.begin():
            _lock_for_setup(connection)
            revision = current_revision(connection)
            if revision == HEAD_REVISION:
                return False
            if revision is not None:
                from cedb import migrate

                if migrate.is_known(revision):
                    raise DatabaseError(
                        f"the database is at revision {revision}, this cedb needs {HEAD_REVISION}: "
                        "run `cedb db upgrade`"
                    )
                raise DatabaseError(
                    f"the database is at revision {revision}, which this cedb does not know: "
                    "upgrade cedb"
                )
            from cedb import migrate

            migrate.upgrade_connection(connection, "head")
            if load_bundled:
                from cedb import curation

                with Session(bind=connection) as session:
                    curation.load_bundled(session=session)
                    session.flush()
            return True


@contextmanager
def session_scope(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One transaction: committed if the block finishes, rolled back on any error.

    ``write=False`` for commands that only read: they queue behind no writer.
    """
    bind = engine if write else engine.execution_options(**{WRITE_OPTION: False})
    with Session(bind, expire_on_commit=False) as session:
        with session.begin():
            yield session
