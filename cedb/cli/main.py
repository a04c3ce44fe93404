"""The root of the ``cedb`` command: global options, command groups, the error boundary."""

import sys
from collections.abc import Sequence
from typing import Annotated, Optional

import typer

from cedb import __version__
from cedb.cli import coercion, common

# Before any command runs: plain option values skip typer's pydantic adapters (start-up).
coercion.install()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cedb {__version__}")
        raise typer.Exit()


def root(
    ctx: typer.Context,
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

    state = ctx.ensure_object(common.CliState)  # run() passes its own; tests may call the app directly
    state.db = db
    state.max_input_mb = limits.checked_max_input_mb(max_input_mb)
    ctx.call_on_close(state.close)
    common.route_warnings()


# Every command: name -> (module in cedb.cli, attribute, whether it is a group of commands),
# in the order they are registered (typer lists single commands first, then the groups).
COMMANDS: dict[str, tuple[str, str, bool]] = {
    "db": ("db", "app", True),
    "init": ("db", "init_command", False),
    "paper": ("paper", "app", True),
    "result": ("result", "app", True),
    "curate": ("curate", "app", True),
    "query": ("query", "query_command", False),
    "export": ("export", "app", True),
    "ce": ("ce", "app", True),
    "life": ("ce", "life_command", False),
    "plot": ("plot", "app", True),
    "extract": ("extract", "extract_command", False),
    "chem": ("chem", "app", True),
    "electrolyte": ("electrolyte", "app", True),
    "serve": ("serve", "serve_command", False),
    "site": ("site", "app", True),
}
# Root options that take a value: skipped when looking for the command a user named.
_VALUED_OPTIONS = ("--db", "--max-input-mb")


def build_app(names: Sequence[str] = tuple(COMMANDS)) -> typer.Typer:
    """The ``cedb`` command with the root options and the named commands (default: all)."""
    from importlib import import_module

    built = typer.Typer(
        name="cedb",
        help="A curated database of lithium metal anode coulombic efficiency (CE) results.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    built.callback()(root)
    for name in names:
        module, attribute, group = COMMANDS[name]
        target = getattr(import_module(f"cedb.cli.{module}"), attribute)
        if group:
            built.add_typer(target, name=name)
        else:
            built.command(name)(target)
    return built


def app_for(args: Sequence[str]) -> typer.Typer:
    """The app to run ``cedb ARGS``: only the command named, when one is (start-up, issue 16).

    Importing every command module and building all 400 options was a third of the start-up of
    `cedb life --ce 99`. Root help, an unknown name or any root option other than the valued ones
    gets the whole app, so listings, suggestions and errors are the same as before.
    """
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in _VALUED_OPTIONS:
            index += 2
        elif arg.split("=", 1)[0] in _VALUED_OPTIONS:
            index += 1
        else:
            break
    name = args[index] if index < len(args) else None
    if name in COMMANDS:
        return build_app([name])
    return build_app()


def __getattr__(name: str) -> typer.Typer:
    """``cedb.cli.main.app``: the whole app, built on first use (tests, docs)."""
    if name == "app":
        built = globals()["app"] = build_app()
        return built
    raise AttributeError(name)


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
    state = common.CliState()  # typer's context object; kept here for the error path's URL
    try:
        try:
            app_for(sys.argv[1:])(obj=state)
        except (CedbError, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            translated = _user_error(exc, state)
            if translated is None:
                raise
            raise translated from None
    except CedbError as exc:
        from cedb.safetext import terminal

        for finding in getattr(exc, "findings", []):
            typer.echo(terminal(finding), err=True)
        message = " ".join(_masked(str(exc), state).split("\n"))
        typer.echo(f"Error: {terminal(message)}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("Interrupted; nothing was written.", err=True)
        sys.exit(130)


def _masked(text: str, state: common.CliState) -> str:
    from cedb.store.db import mask_secrets

    return mask_secrets(text, _url(state))


def _url(state: common.CliState) -> str | None:
    try:
        return state.database_url()
    except Exception:  # an unusable --db or CEDB_DATABASE_URL (e.g. ~nosuchuser/x): nothing to mask
        return None


def _user_error(exc: Exception, state: common.CliState):
    """The CedbError that ``exc`` means for the user, or None for a bug."""
    from cedb.errors import FileError
    from cedb.store.db import user_error

    if isinstance(exc, OSError) and not isinstance(exc, (ConnectionError, TimeoutError)):
        from cedb.outputs import os_error_text

        where = f" {exc.filename}" if exc.filename else ""
        return FileError(f"cannot use the file{where}: {os_error_text(exc)}")
    return user_error(exc, _url(state))
