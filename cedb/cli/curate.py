"""cedb curate: check, load and dump the YAML curation files (one per paper)."""

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cedb.cli import common

app = typer.Typer(help="Check, load and dump curation files (one YAML file per paper).", no_args_is_help=True)

Paths = Annotated[
    Optional[list[Path]], typer.Argument(help="Files or folders (default: ./curation).", show_default=False)
]


def _paths(paths: Optional[list[Path]]) -> list[Path]:
    return paths or [Path("curation")]


@app.command("check")
def check_command(
    ctx: typer.Context,
    paths: Paths = None,
    offline: Annotated[bool, typer.Option("--offline", help="Do not consult the database for source keys.")] = False,
) -> None:
    """Validate curation files and report every problem with file and line (exit 3 if any).

    Never creates or changes a database: source keys are also looked up, read-only, in the
    database given by --db or CEDB_DATABASE_URL when it exists; without one the check is offline.
    """
    from cedb import curation
    from cedb.errors import ChecksFailed

    known: set[str] = set()
    url = None if offline else common.state(ctx).chosen_database()
    if url is not None:
        found = curation.database_keys(url=url)
        if found is None:
            common.note(f"No database at {common.display_url(url)}: source keys are checked against the files only")
        known = found or set()
    report = curation.check(_paths(paths), known_keys=known, max_input_mb=common.state(ctx).max_input_mb)
    for problem in report.problems:
        typer.echo(str(problem))
    if report.problems:
        raise ChecksFailed(f"{len(report.problems)} problem(s) in {report.files} file(s)")
    measurements = sum(len(r.measurements) for r in report.records)
    common.note(f"OK: {report.files} file(s), {measurements} measurement(s)")


class OnConflict(str, Enum):
    error = "error"
    keep = "keep"
    replace = "replace"  # type: ignore[assignment]  # shadows str.replace, as the CLI word


OnConflictOption = Annotated[
    OnConflict,
    typer.Option(
        "--on-conflict",
        help="Same paper and conditions, another CE: stop (error), keep the recorded "
        "value (keep) or write the file's over it (replace).",
    ),
]


@app.command("load")
def load_command(
    ctx: typer.Context,
    paths: Paths = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Check and count everything and print each field that would change (old -> new); write nothing.",
        ),
    ] = False,
    on_conflict: OnConflictOption = OnConflict.error,
) -> None:
    """Merge curation files into the database in one transaction (a second run changes nothing).

    A recorded field that a file does not mention is kept; an explicit null clears it.
    """
    from cedb import curation

    # Read and validate the files before taking the write lock: a slow or bad file blocks no writer.
    parsed = curation.parse(_paths(paths), max_input_mb=common.state(ctx).max_input_mb)
    with common.unparsed_electrolytes_counted() as unparsed, common.transaction(ctx) as session:
        with common.progress_bar("Loading curation files") as progress:
            report = curation.load(
                session=session, parsed=parsed, progress=progress, on_conflict=on_conflict.value, dry_run=dry_run
            )
    for warning in report.warnings:
        common.note(f"warning: {warning}")
    if dry_run:
        for change in report.changes:
            typer.echo(str(change))
    common.note(report.summary())
    common.note_unparsed(unparsed)


@app.command("dump")
def dump_command(
    ctx: typer.Context, directory: Annotated[Path, typer.Argument(help="Folder to write the files into.")]
) -> None:
    """Write the database out as curation files, one per paper."""
    from cedb import curation

    with common.transaction(ctx, write=False) as session:
        written = curation.dump(session=session, directory=directory)
    common.note(f"Wrote {len(written)} file(s) to {directory}")
