"""Shared test fixtures: real SQLite files, a real PostgreSQL server, the installed `cedb` command.

PostgreSQL tests use CEDB_TEST_POSTGRES_URL (default: the local server) and are
skipped when it does not answer. Each test gets its own schema, so runs and tests
never see each other's rows.
"""

import functools
import json
import os
import shutil
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
# Tests see the shipped chemical vocabulary only, never the developer's own (cedb chem add): a test
# that adds chemicals points CEDB_CHEMICALS at a file in its own tmp_path.
os.environ["CEDB_CHEMICALS"] = ""
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _review_text() -> Path:
    """The review's text: CEDB_REVIEW_TEXT, else ../shared/seeds beside the checkout (as in CI)."""
    name = "sun2025-high-ce-li-metal-review.txt"
    if os.environ.get("CEDB_REVIEW_TEXT"):
        return Path(os.environ["CEDB_REVIEW_TEXT"])
    candidates = [REPO.parent / "shared" / "seeds" / name, REPO.parent.parent / "shared" / "seeds" / name]
    return next((c for c in candidates if c.is_file()), candidates[-1])


REVIEW_TEXT = _review_text()
# Tests on the review's own text run where it is (a checkout beside shared/, as in CI).
needs_review = pytest.mark.skipif(
    not REVIEW_TEXT.is_file(), reason=f"the review text is not at {REVIEW_TEXT} (set CEDB_REVIEW_TEXT)"
)
POSTGRES_URL = os.environ.get("CEDB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@functools.cache
def postgres_available() -> bool:
    """The server answers (asked once per process, when a test first needs it: a library run never does)."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return True
    except Exception:
        return False


def cedb_executable() -> str:
    """The installed `cedb` console script (next to this Python), as a user runs it."""
    candidate = Path(sys.executable).with_name("cedb")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("cedb")
    if not found:
        pytest.fail("the `cedb` command is not installed: pip install '.[test]'")
    return found


@pytest.fixture(scope="session")
def cedb_bin() -> str:
    return cedb_executable()


def _pg_schema_url(schema: str) -> str:
    from cedb.config import database_url

    return database_url(POSTGRES_URL) + f"?options=-csearch_path%3D{schema}"


@contextmanager
def fresh_postgres_schema():
    """A new, empty PostgreSQL schema (dropped afterwards), as a SQLAlchemy URL."""
    from cedb.config import database_url

    schema = f"cedb_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(database_url(POSTGRES_URL), poolclass=sa.NullPool)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL schema for one test (skipped when the server does not answer)."""
    if not postgres_available():
        pytest.skip(f"PostgreSQL does not answer at {POSTGRES_URL}")
    with fresh_postgres_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """An empty database of each backend (the schema is not created yet)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cedb.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cedb.sqlite'}"


def _schema_of(url: str) -> str:
    return url.rsplit("%3D", 1)[1]


@pytest.fixture(scope="session")
def postgres_template() -> str | None:
    """One migrated, empty PostgreSQL schema per test run, as the SQL that rebuilds it (pg_dump:
    tables, constraints, indexes, sequences and the alembic_version row), with __cedb_schema__ for
    its name; replaying it takes ~0.3 s where migrating takes ~2 s. None without a usable pg_dump
    (tests then migrate their own schema)."""
    from cedb.store.db import make_engine, prepare

    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        return None
    with fresh_postgres_schema() as url:
        schema = _schema_of(url)
        engine = make_engine(url)
        prepare(engine, load_bundled=False)
        engine.dispose()
        libpq_url = sa.make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False)
        dump = subprocess.run(
            [pg_dump, "--no-owner", "--no-privileges", "--inserts", "--schema", schema, libpq_url],
            capture_output=True,
            text=True,
        )
    if dump.returncode != 0:  # e.g. a pg_dump older than the server
        return None
    lines = [
        line
        for line in dump.stdout.splitlines()
        if not line.startswith("\\") and line.strip() != f"CREATE SCHEMA {schema};"  # psql meta-commands; it exists
    ]
    return "\n".join(lines).replace(schema, "__cedb_schema__")


def _replay(template: str, url: str) -> None:
    import psycopg

    libpq_url = sa.make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq_url) as connection:
        connection.execute(template.replace("__cedb_schema__", _schema_of(url)).encode())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One migrated, empty SQLite file per test run; tests get copies (migrating takes ~1.5 s)."""
    from cedb.store.db import make_engine, prepare

    path = tmp_path_factory.mktemp("template") / "empty.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    prepare(engine, load_bundled=False)
    engine.dispose()
    return path


@pytest.fixture
def engine(database_url, request):
    """A migrated, empty database (no bundled data): a copy of the template of its backend."""
    from cedb.store.db import make_engine, prepare

    if database_url.startswith("sqlite:///"):
        shutil.copyfile(request.getfixturevalue("sqlite_template"), database_url.removeprefix("sqlite:///"))
    elif template := request.getfixturevalue("postgres_template"):
        _replay(template, database_url)
    engine = make_engine(database_url)
    prepare(engine, load_bundled=False)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    """A session in one transaction, committed at the end of the test body when it succeeds."""
    from cedb.store.db import session_scope

    with session_scope(engine) as session:
        yield session


class Cli:
    """Runs the installed `cedb` command against one database, as a user would."""

    def __init__(self, executable: str, url: str, cwd: Path, env: dict | None = None):
        self.executable = executable
        self.url = url
        self.cwd = cwd
        self.env = {**os.environ, "CEDB_DATABASE_URL": url, "NO_COLOR": "1", **(env or {})}
        self.env.pop("CEDB_EMAIL", None)

    def run(self, args: list[str], input: str | None, env: dict, timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.executable, *args],
            input=input,
            capture_output=True,
            text=True,
            cwd=self.cwd,
            env=env,
            timeout=timeout,
        )

    def __call__(
        self,
        *args: str,
        input: str | None = None,
        check: bool | None = None,
        env: dict | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess:
        process = self.run(list(map(str, args)), input, {**self.env, **(env or {})}, timeout)
        if check is True and process.returncode != 0:
            raise AssertionError(
                f"cedb {' '.join(map(str, args))} failed ({process.returncode}):\n{process.stdout}\n{process.stderr}"
            )
        return process

    def json(self, *args: str, **kwargs):
        process = self(*args, "--format", "json", check=True, **kwargs)
        return json.loads(process.stdout)


class InProcessCli(Cli):
    """The same `cedb` run in this process (typer's CliRunner around the entry point
    ``cedb.cli.main.run``, so the error boundary and exit codes are the real ones): it saves
    the ~1 s of interpreter start-up and imports per call. A bug's traceback goes to stderr
    and the exit code is 1, as in a real process. ``timeout`` does not apply in-process."""

    def run(self, args: list[str], input: str | None, env: dict, timeout: float) -> subprocess.CompletedProcess:
        import contextlib
        import gc
        import traceback
        import warnings

        from click.testing import CliRunner  # typer's wrapper takes a Typer app, not the entry point

        from cedb.cli.main import run as entry_point

        class Entry:  # what CliRunner.invoke calls: the console script's `run` with this argv
            @staticmethod
            def main(args, prog_name, **_):
                sys.argv = [prog_name, *args]
                entry_point()

        changes = {key: value for key, value in env.items() if os.environ.get(key) != value}
        changes.update({key: None for key in os.environ if key not in env})
        argv, threshold = sys.argv, gc.get_threshold()
        try:
            with contextlib.chdir(self.cwd), warnings.catch_warnings():
                result = CliRunner().invoke(Entry, args, input=input, env=changes, prog_name="cedb")  # type: ignore[arg-type]
        finally:
            sys.argv = argv
            gc.set_threshold(*threshold)
        stderr = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            stderr += "".join(traceback.format_exception(result.exception))
        process = subprocess.CompletedProcess(["cedb", *args], result.exit_code, result.stdout, stderr)
        process.stdout_bytes = result.stdout_bytes  # type: ignore[attr-defined]  # before universal newlines
        return process


def _in_a_real_process(node, backend: str | None) -> bool:
    """Marked end_to_end, on one of the marker's ``backends`` if it names them: a workflow run as a
    user runs it needs one backend in a real process; the other runs the same steps in-process."""
    marker = node.get_closest_marker("end_to_end")
    if marker is None:
        return False
    backends = marker.kwargs.get("backends")
    return backends is None or backend in backends


def make_cli(request, url: str, cwd: Path) -> Cli:
    """In-process, or the installed `cedb` in a real process for tests marked end_to_end."""
    if _in_a_real_process(request.node, "sqlite" if url.startswith("sqlite") else "postgres"):
        return Cli(cedb_executable(), url, cwd)
    return InProcessCli(cedb_executable(), url, cwd)  # .executable: for tests that start processes themselves


@pytest.fixture
def cli(request, database_url, tmp_path) -> Cli:
    """`cedb` on a new database of each backend (first use loads the bundled dataset)."""
    return make_cli(request, database_url, tmp_path)


@pytest.fixture
def sqlite_cli(request, sqlite_url, tmp_path) -> Cli:
    """`cedb` on a new SQLite database only."""
    return make_cli(request, sqlite_url, tmp_path)


def assert_user_error(process: subprocess.CompletedProcess, code: int = 1, contains: str = "") -> str:
    """A user error: the given exit code, one `Error: ...` line on stderr, no traceback."""
    assert process.returncode == code, (process.returncode, process.stdout, process.stderr)
    assert "Traceback" not in process.stderr, process.stderr
    lines = [line for line in process.stderr.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, process.stderr
    assert contains.lower() in lines[0].lower(), lines[0]
    return lines[0]


def database_snapshot(url: str) -> dict:
    """Every row of every cedb table, for comparing a database before and after a command."""
    from cedb.store.db import make_engine

    engine = make_engine(url)
    snapshot = {}
    with engine.connect() as connection:
        for table in ("reference", "reference_alias", "strategy", "measurement", "alembic_version"):
            if sa.inspect(connection).has_table(table):
                rows = connection.execute(sa.text(f'SELECT * FROM "{table}"')).all()
                snapshot[table] = sorted(tuple(map(str, row)) for row in rows)
    engine.dispose()
    return snapshot


# `pytest -m "not slow"` is the fast part. Slow: every test that runs the installed `cedb` in a
# subprocess (end-to-end, about a second per call: it uses `cedb_bin` or is marked end_to_end),
# the browser tests, and the long ones below (measured with --durations on this machine).
SLOW_FILES = {"test_web_browser.py"}
SLOW_TESTS = {
    "test_corpus_ce_agrees_with_the_instrument",  # reads every public cycler file
    "test_extraction_time_grows_linearly_with_the_text",  # times growth over large texts
}


# `pytest -m library` is the pure-library part: the modules that need no database and no `cedb`
# process (units, CE methods, cycler files, chemistry, extraction, BibTeX, outputs, plots, the
# practical rule), less any test of theirs that asks for a database fixture.
LIBRARY_FILES = {
    "test_bibliography.py",
    "test_ce.py",
    "test_cycling.py",
    "test_extract.py",
    "test_outputs.py",
    "test_plots.py",
    "test_practical.py",
    "test_units.py",
}
DATABASE_FIXTURES = {"engine", "session", "database_url", "sqlite_url", "postgres_url", "cli", "sqlite_cli", "cedb_bin"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if (item.path.name in LIBRARY_FILES or item.path.name.startswith("test_chemistry_")) and not (
            DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        ):
            item.add_marker(pytest.mark.library)
        if (
            "cedb_bin" in getattr(item, "fixturenames", ())
            or _in_a_real_process(item, getattr(item, "callspec", None) and item.callspec.params.get("database_url"))
            or item.path.name in SLOW_FILES
            or item.originalname in SLOW_TESTS
        ):
            item.add_marker(pytest.mark.slow)


def _library_only(config) -> bool:
    """`-m` can select library tests only (`library`, `library and not slow`, ...): files without
    any need not be imported. Read conservatively: an `or` anywhere means it may select others."""
    expression = " ".join((config.option.markexpr or "").split())
    return expression == "library" or (expression.startswith("library and ") and " or " not in expression)


def pytest_ignore_collect(collection_path, config):
    name = collection_path.name
    if collection_path.suffix == ".py" and name.startswith("test_") and _library_only(config):
        return not (name in LIBRARY_FILES or name.startswith("test_chemistry_")) or None
    return None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """`-n auto` (pyproject.toml's addopts) runs one worker per core, except for the library tests
    (`-m library`) and when the command line names only test files or test ids: for these, starting
    workers (each collects the tests again) costs more than it saves."""
    where = config.invocation_params.dir
    named = [arg for arg in config.args if "::" in arg or (where / arg).is_file()]
    return 0 if _library_only(config) or (config.args and len(named) == len(config.args)) else None
