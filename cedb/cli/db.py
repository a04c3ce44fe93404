"""cedb db: create, upgrade, downgrade and check the database schema."""

from typing import Annotated

import typer

from cedb.cli import common

app = typer.Typer(help="Create, upgrade, downgrade and check the database schema.", no_args_is_help=True)


def init_command(
    ctx: typer.Context,
    empty: Annotated[
        bool, typer.Option("--empty", help="Create the schema only, without the bundled dataset.")
    ] = False,
) -> None:
    """Create the database (schema and, unless --empty, the bundled dataset)."""
    from cedb.store.db import make_engine, prepare

    url = common.state(ctx).database_url()
    created = prepare(make_engine(url), load_bundled=not empty)
    where = common.display_url(url)
    if created:
        common.note(f"Created {where}" + ("" if empty else " with the bundled dataset"))
    else:
        common.note(f"{where} already exists at the newest schema; nothing to do")


@app.command("upgrade")
def upgrade_command(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Upgrade the schema in place (rows are kept), by default to the newest revision."""
    from cedb.store import migrate
    from cedb.store.db import make_engine

    before, after = migrate.upgrade(make_engine(common.state(ctx).database_url()), revision)
    common.note(f"Upgraded {before or '(empty)'} -> {after}" if before != after else f"Already at {after}")


@app.command("downgrade")
def downgrade_command(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. 0001_initial, -1 or base.")],
) -> None:
    """Downgrade the schema to REVISION (columns added later are dropped)."""
    from cedb.store import migrate
    from cedb.store.db import make_engine

    before, after = migrate.downgrade(make_engine(common.state(ctx).database_url()), revision)
    common.note(f"Downgraded {before} -> {after or '(empty)'}")


@app.command("current")
def current_command(ctx: typer.Context) -> None:
    """Print the schema revision of the database."""
    from cedb.store.db import current_revision, make_engine

    with make_engine(common.state(ctx).database_url()).connect() as connection:
        revision = current_revision(connection)
    typer.echo(revision or "(empty)")


@app.command("check")
def check_command(ctx: typer.Context) -> None:
    """Check that the database schema matches the models (exit 3 if not)."""
    from cedb.errors import ChecksFailed
    from cedb.store import migrate
    from cedb.store.db import make_engine

    found = migrate.check(make_engine(common.state(ctx).database_url()))
    for problem in found.problems:
        typer.echo(problem)
    if found.problems:
        raise ChecksFailed(f"{len(found.problems)} difference(s) between the models and the database; {found.advice}")
    common.note(f"OK: the database at {found.revision} matches the models")
