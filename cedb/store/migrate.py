"""Alembic, driven from cedb: upgrade, downgrade, current revision and drift check.

The script directory is ``migrations/`` (found in a checkout or inside the wheel,
see ``cedb.resources``). env.py takes the connection from ``config.attributes``.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection, Engine


def alembic_config(connection: Connection | None = None):
    from alembic.config import Config

    from cedb.resources import migrations_dir

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["connection"] = connection
    return config


def script_directory():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    return script_directory().get_current_head()


def is_known(revision: str) -> bool:
    from alembic.util import CommandError

    try:
        return script_directory().get_revision(revision) is not None
    except CommandError:
        return False


def upgrade_connection(connection: Connection, revision: str = "head") -> None:
    from alembic import command

    from cedb.store.db import current_revision

    before = current_revision(connection)
    with _user_errors(revision):
        command.upgrade(alembic_config(connection), revision)
    if before == "0001_initial" and current_revision(connection) != before:
        _fill_formulations(connection)


def _fill_formulations(connection: Connection) -> None:
    """Parse the electrolytes of rows written before revision 0002 added the formulation columns.

    The columns are derived data: they are filled here, with today's cedb.formulations,
    and not by the migration, because a migration never imports live cedb code (issue 18).
    Rows that do not parse stay NULL (and warn), as in a load.
    """
    import sqlalchemy as sa

    from cedb.formulations import annotate

    derived = ("electrolyte_canonical", "components", "formulation")
    strategy = sa.table(
        "strategy",
        sa.column("id"),
        sa.column("electrolyte"),
        sa.column("additive"),
        *(sa.column(name) for name in derived),
    )
    rows = connection.execute(sa.select(strategy.c.id, strategy.c.electrolyte, strategy.c.additive)).all()
    for row in rows:
        fields = annotate(row.electrolyte, row.additive)
        if any(fields.values()):
            connection.execute(strategy.update().where(strategy.c.id == row.id).values(**fields))


def downgrade_connection(connection: Connection, revision: str) -> None:
    from alembic import command

    with _user_errors(revision):
        command.downgrade(alembic_config(connection), revision)


@contextmanager
def _user_errors(revision: str):
    """An unknown or unreachable revision is the user's to fix: one line, not a traceback."""
    from alembic.util import CommandError

    from cedb.errors import InvalidValue

    try:
        yield
    except CommandError as exc:
        known = ", ".join(r.revision for r in script_directory().walk_revisions())
        raise InvalidValue(f"cannot migrate to {revision!r} ({exc}): revisions are {known}, head, base or -1") from None


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Upgrade in one transaction; returns (before, after) revisions."""
    from cedb.store.db import current_revision

    with engine.connect() as connection, connection.begin():
        before = current_revision(connection)
        upgrade_connection(connection, revision)
        return before, current_revision(connection)


def downgrade(engine: Engine, revision: str) -> tuple[str | None, str | None]:
    """Downgrade in one transaction; returns (before, after) revisions."""
    from cedb.store.db import current_revision

    with engine.connect() as connection, connection.begin():
        before = current_revision(connection)
        downgrade_connection(connection, revision)
        return before, current_revision(connection)


def drift(engine: Engine) -> list[str]:
    """Differences between the models and the database schema (empty list: they agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import cedb.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
        diffs = compare_metadata(context, SQLModel.metadata)
    return [_describe(diff) for diff in diffs]


@dataclass
class SchemaCheck:
    """What ``check`` found: the database's revision, the differences, and what to do about them."""

    revision: str | None
    problems: list[str] = field(default_factory=list)
    advice: str = "run `cedb db upgrade` or write a migration"


def check(engine: Engine) -> SchemaCheck:
    """Whether the database's schema is this cedb's: a revision newer than cedb knows, an older
    one, or (at the head) any drift between the models and the tables is a problem."""
    from cedb.store.db import HEAD_REVISION, current_revision

    with engine.connect() as connection:
        revision = current_revision(connection)
    found = SchemaCheck(revision)
    if revision is not None and revision != HEAD_REVISION and not is_known(revision):
        found.problems.append(f"database is at {revision}, newer than this cedb (which knows up to {HEAD_REVISION})")
        found.advice = "upgrade cedb (do not run `cedb db upgrade` or `downgrade` with this version)"
    elif revision != HEAD_REVISION:
        found.problems.append(f"database is at {revision or '(empty)'}, older than this cedb's {HEAD_REVISION}")
        found.advice = "run `cedb db upgrade`"
    else:
        found.problems.extend(drift(engine))
    return found


def _describe(diff) -> str:
    if isinstance(diff, list):  # column modifications come as lists of tuples
        return "; ".join(_describe(item) for item in diff)
    action, *rest = diff
    parts = []
    for item in rest:
        if item is None or isinstance(item, dict):
            continue
        name = getattr(item, "name", None)
        parts.append(str(name) if name is not None else str(item))
    return f"{action}: {' '.join(parts[:3])}"
