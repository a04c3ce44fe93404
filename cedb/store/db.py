"""Engines, connections and the one-transaction-per-command session.

Nothing is built at import time. SQLite gets foreign keys, WAL and a busy timeout
on every connection, and every transaction starts with ``BEGIN IMMEDIATE`` so that
concurrent writers queue on the busy timeout instead of failing when a read lock
would have to be upgraded ("database is locked").
"""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from cedb.errors import CedbError, ConflictError, DatabaseError, FileError, InvalidValue

if TYPE_CHECKING:
    from sqlmodel import Session


def __getattr__(name: str):
    # ``from cedb.store.db import Session`` (modules outside cedb.store annotate with it):
    # imported on first use, so a read without the ORM never loads SQLModel.
    if name == "Session":
        from sqlmodel import Session

        return Session
    raise AttributeError(name)


# The newest migration. tests/test_migrations.py proves it equals Alembic's head,
# so a database already at head is opened without importing Alembic (start-up time).
HEAD_REVISION = "0003_stable_ids"

SQLITE_BUSY_TIMEOUT_MS = 60_000
# Execution option marking a read-only transaction (see session_scope).
WRITE_OPTION = "cedb_write"
# Serialises first-use set-up, and then every transaction, on a shared PostgreSQL
# database (arbitrary constants).
_PG_SETUP_LOCK = 0xCEDB
_PG_WRITE_LOCK = 0xCEDB02


_PASSWORD = re.compile(r"(://[^:/@?#]*:)([^@/?#]*)(@)")


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def display_url(url: str) -> str:
    """``url`` as it may be shown: a SQLite file as its path, any password as ``***``."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///") :]
    return _PASSWORD.sub(r"\1***\3", url.replace("postgresql+psycopg://", "postgresql://", 1))


def mask_secrets(text: str, url: str | None) -> str:
    """``text`` with the password of ``url`` (if any) replaced by ``***``, wherever it appears."""
    match = _PASSWORD.search(url or "")
    if match and match.group(2):
        from urllib.parse import unquote

        for secret in {match.group(2), unquote(match.group(2))}:
            text = text.replace(secret, "***")
    return _PASSWORD.sub(r"\1***\3", text)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get their directory created on first use.

    A SQLite file that cannot be written (read-only file, folder or file system) is opened
    read-only, so it can still be queried. A URL cedb cannot use is a DatabaseError whose
    message never shows the password.
    """
    if is_sqlite(url):
        return _sqlite_engine(url)
    unusable = (
        f"cannot use database URL {display_url(url)!r}{{}}: cedb works with a SQLite file "
        "or PostgreSQL (postgresql://user@host:5432/dbname)"
    )
    try:
        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() != "postgresql":
            raise DatabaseError(unusable.format(""))
        engine = sa.create_engine(parsed, poolclass=sa.NullPool)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ValueError, ImportError) as exc:
        reason = mask_secrets(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, url)
        raise DatabaseError(unusable.format(f" ({reason})")) from None
    _configure_postgresql(engine)
    return engine


def _sqlite_engine(url: str) -> Engine:
    try:
        database = sa.engine.make_url(url).database
    except sa.exc.ArgumentError:
        database = None
    if not database or database == ":memory:" or database.startswith("file:"):
        raise DatabaseError(
            f"cannot use {url!r}: give a SQLite file (a path, or sqlite:////abs/path.sqlite); "
            "an in-memory database would be gone after the command"
        )
    path = Path(database)
    if path.is_dir():
        raise DatabaseError(f"cannot use the database {path}: it is a folder; give a file")
    read_only = path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))
    connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    if read_only:
        from urllib.parse import quote

        # No write access: read-only, and without a -shm file if none can be created (immutable).
        shm = Path(f"{path}-shm")
        can_share = os.access(path.parent, os.W_OK) or (shm.exists() and os.access(shm, os.W_OK))
        target = f"file:{quote(str(path.resolve()))}?mode=ro" + ("" if can_share else "&immutable=1")
        engine = sa.create_engine(
            "sqlite://",
            poolclass=sa.NullPool,
            creator=lambda: _sqlite3_connect(
                target, uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            ),
        )
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            from cedb.outputs import os_error_text

            raise FileError(f"cannot create the folder of the database {path}: {os_error_text(exc)}") from None
        engine = sa.create_engine(url, connect_args=connect_args, poolclass=sa.NullPool)
    _configure_sqlite(engine, read_only=read_only)
    return engine


def read_only_engine(url: str) -> Engine | None:
    """An engine that cannot change the database at ``url``, or None when there is none yet.

    For checks that only read (``cedb curate check``): a SQLite file that does not exist is
    not created (None), an existing one is opened with ``mode=ro`` (no journal-mode change,
    no folder made), and PostgreSQL transactions are read-only. Nothing is migrated.
    """
    if not is_sqlite(url):
        return make_engine(url).execution_options(postgresql_readonly=True)
    try:
        database = sa.engine.make_url(url).database
    except sa.exc.ArgumentError:
        database = None
    if not database or database == ":memory:" or database.startswith("file:"):
        return make_engine(url)  # refused there with its message
    path = Path(database)
    if not path.is_file():
        return None
    from urllib.parse import quote

    # Without a -wal file no other cedb has the database open: read it as immutable, so that
    # not even the -wal/-shm side files a WAL reader needs are created. With one, a plain
    # read-only connection shares them.
    idle = not Path(f"{path}-wal").exists()
    target = f"file:{quote(str(path.resolve()))}?mode=ro" + ("&immutable=1" if idle else "")
    engine = sa.create_engine(
        "sqlite://",
        poolclass=sa.NullPool,
        creator=lambda: _sqlite3_connect(
            target, uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        ),
    )
    _configure_sqlite(engine, read_only=True)
    return engine


def _sqlite3_connect(*args, **kwargs):
    import sqlite3

    return sqlite3.connect(*args, **kwargs)


def _use_wal(cursor) -> None:
    """WAL mode, which the file keeps once set. Switching needs the file to itself and SQLite
    does not wait on the busy timeout for it, so processes opening a new file at the same
    moment retry here instead of failing with "database is locked"."""
    import sqlite3
    import time

    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _configure_sqlite(engine: Engine, *, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if not read_only:  # a read-only file keeps the journal mode it has
            _use_wal(cursor)
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


# PostgreSQL errors that come from the database the user pointed at, not from cedb's SQL:
# no such schema or database, a table missing (another application's schema), no privilege.
_SETUP_SQLSTATES = {"3F000", "3D000", "42P01", "42501"}


def user_error(exc: BaseException, url: str | None) -> CedbError | None:
    """The one-line error a database failure means for the user, or None if it is a bug.

    Damaged, foreign, read-only, busy or unreachable databases are the user's to fix
    (exit code 5); SQL that the database rejects as wrong (ProgrammingError) is a bug.
    """
    import sqlite3

    if isinstance(exc, sa.exc.IntegrityError):
        return ConflictError(
            "another process changed the same record at the same time; nothing was written: run the command again"
        )
    if (
        isinstance(exc, sa.exc.ProgrammingError)
        and exc.statement is not None
        and getattr(exc.orig, "sqlstate", None) not in _SETUP_SQLSTATES
    ):
        return None  # SQL the database rejects: a bug (not an option or a schema the user gave)
    if isinstance(exc, sa.exc.DBAPIError):
        original: BaseException = exc.orig if exc.orig is not None else exc
    elif isinstance(exc, sqlite3.DatabaseError) or type(exc).__module__.startswith("psycopg"):
        original = exc
    else:
        return None
    lines = str(original).strip().splitlines()
    reason = mask_secrets(lines[0] if lines else type(original).__name__, url)
    where = display_url(url) if url else "the database"
    if isinstance(exc, sa.exc.DataError) or type(original).__name__ == "DataError":
        return InvalidValue(f"the database refused a value ({reason}); nothing was written")
    lowered = reason.lower()
    if "readonly" in lowered or "read-only" in lowered:
        return DatabaseError(f"{where} is read-only: it can be queried but not changed; nothing was written")
    if "not a database" in lowered or "malformed" in lowered or "no such table" in lowered:
        return DatabaseError(
            f"{where} is not a usable cedb database ({reason}): give another --db, or restore the file from a backup"
        )
    if "locked" in lowered:
        return DatabaseError(
            f"{where} stayed locked by another cedb for "
            f"{SQLITE_BUSY_TIMEOUT_MS // 1000} s; nothing was written: try again"
        )
    return DatabaseError(f"cannot use the database {where}: {reason}")


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
                from cedb.store import migrate

                if migrate.is_known(revision):
                    raise DatabaseError(
                        f"the database is at revision {revision}, this cedb needs {HEAD_REVISION}: "
                        "run `cedb db upgrade`"
                    )
                raise DatabaseError(
                    f"the database is at revision {revision}, which this cedb does not know: upgrade cedb"
                )
            from cedb.store import migrate

            migrate.upgrade_connection(connection, "head")
            if load_bundled:
                from sqlmodel import Session

                from cedb import curation

                with Session(bind=connection) as session:
                    curation.load_bundled(session=session)
                    session.flush()
            return True


@contextmanager
def session_scope(engine: Engine, *, write: bool = True) -> "Iterator[Session]":
    """One transaction: committed if the block finishes, rolled back on any error.

    ``write=False`` for commands that only read: they queue behind no writer.
    """
    from sqlmodel import Session

    bind = engine if write else engine.execution_options(**{WRITE_OPTION: False})
    with Session(bind, expire_on_commit=False) as session:
        with session.begin():
            yield session


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """One read-only transaction on a plain connection: no ORM session, so nothing imports
    sqlalchemy.orm, SQLModel or the models (``cedb query``, ``cedb export table``; start-up,
    issue 16). It queues behind no writer, as ``session_scope(write=False)``."""
    with engine.execution_options(**{WRITE_OPTION: False}).connect() as connection, connection.begin():
        yield connection


@contextmanager
def session_on(connection: Connection) -> "Iterator[Session]":
    """An ORM session inside ``connection``'s transaction, for the ORM helpers a reader
    sometimes needs (a .bib beside a table)."""
    from sqlmodel import Session

    with Session(bind=connection) as session:
        yield session
