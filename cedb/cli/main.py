"""The root of the ``cedb`` command: global options, command groups, the error boundary."""

import sys
from typing import Annotated, Optional

import typer

from cedb import __version__
from cedb.cli import ce as ce_cli
from cedb.cli import coercion
from cedb.cli import chem as chem_cli
from cedb.cli import common
from cedb.cli import curate as curate_cli
from cedb.cli import db as db_cli
from cedb.cli import electrolyte as electrolyte_cli
from cedb.cli import export as export_cli
from cedb.cli import extract as extract_cli
from cedb.cli import paper as paper_cli
from cedb.cli import plot as plot_cli
from cedb.cli import query as query_cli
from cedb.cli import result as result_cli
from cedb.cli import serve as serve_cli
from cedb.cli import site as site_cli

# Before any command runs: plain option values skip typer's pydantic adapters (start-up).
coercion.install()

app = typer.Typer(
    name="cedb",
    help="A curated database of lithium metal anode coulombic efficiency (CE) results.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cedb {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: Annotated[
        Optional[str],
        typer.Option(
            "--db", help="SQLite file or SQLAlchemy URL. Overrides CEDB_DATABASE_URL.", envvar=None, show_default=False
        ),
    ] = None,
    max_input_mb: Annotated[
        Optional[float],
        typer.Option(
            "--max-input-mb",
            metavar="MB",
            show_default=False,
            help="Refuse input files (BibTeX, curation YAML, texts to extract) larger than "
            "this. Overrides CEDB_MAX_INPUT_MB [default: 5].",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """A curated database of lithium metal anode coulombic efficiency (CE) results.

    The database is --db, else CEDB_DATABASE_URL, else a SQLite file in your user
    data directory, created with the bundled dataset on first use.
    """
    from cedb import limits

    common.set_database(db)
    common.route_warnings()
    limits.set_max_input_mb(max_input_mb)


app.add_typer(db_cli.app, name="db")
app.command("init")(db_cli.init_command)
app.add_typer(paper_cli.app, name="paper")
app.add_typer(result_cli.app, name="result")
app.add_typer(curate_cli.app, name="curate")
app.command("query")(query_cli.query_command)
app.add_typer(export_cli.app, name="export")
app.add_typer(ce_cli.app, name="ce")
app.command("life")(ce_cli.life_command)
app.add_typer(plot_cli.app, name="plot")
app.command("extract")(extract_cli.extract_command)
app.add_typer(chem_cli.app, name="chem")
app.add_typer(electrolyte_cli.app, name="electrolyte")
app.command("serve")(serve_cli.serve_command)
app.add_typer(site_cli.app, name="site")
# Command groups of later features register here.


def run() -> None:
    """Entry point, and the one error boundary: user errors become one line and an exit code.

    CedbError carries its own exit code; database failures (damaged, read-only, locked,
    unreachable) become DatabaseError (5) and operating-system errors on files FileError
    (6); a password in any message is masked. Anything else is a bug and keeps its traceback.
    """
    import gc

    from cedb.errors import CedbError

    # A command is one short, allocation-heavy process: collecting the young generation every
    # 700 allocations was a fifth of the CPU of a 100k-row import or export (issue 16).
    gc.set_threshold(100_000, 50, 100)
    try:
        try:
            app()
        except (CedbError, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            translated = _user_error(exc)
            if translated is None:
                raise
            raise translated from None
    except CedbError as exc:
        from cedb.safetext import terminal

        for finding in getattr(exc, "findings", []):
            typer.echo(terminal(finding), err=True)
        message = " ".join(_masked(str(exc)).split("\n"))
        typer.echo(f"Error: {terminal(message)}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("Interrupted; nothing was written.", err=True)
        sys.exit(130)


def _masked(text: str) -> str:
    from cedb.db import mask_secrets

    try:
        url = common.settings().database_url
    except Exception:  # an unusable CEDB_* setting: nothing to mask
        url = None
    return mask_secrets(text, url)


def _user_error(exc: Exception):
    """The CedbError that ``exc`` means for the user, or None for a bug."""
    from cedb.db import user_error
    from cedb.errors import FileError

    if isinstance(exc, OSError) and not isinstance(exc, (ConnectionError, TimeoutError)):
        from cedb.outputs import os_error_text

        where = f" {exc.filename}" if exc.filename else ""
        return FileError(f"cannot use the file{where}: {os_error_text(exc)}")
    try:
        url = common.settings().database_url
    except Exception:
        url = None
    return user_error(exc, url)
