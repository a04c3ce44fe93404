"""cedb curate: check, load and dump the YAML curation files (one per paper)."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from cedb.cli import common

app = typer.Typer(help="Check, load and dump curation files (one YAML file per paper).", no_args_is_help=True)

Paths = Annotated[Optional[list[Path]], typer.Argument(help="Files or folders (default: ./curation).", show_default=False)]


def _paths(paths: Optional[list[Path]]) -> list[Path]:
    return paths or [Path("curation")]


@app.command("check")
def check_command(
    paths: Paths = None,
    offline: Annotated[bool, typer.Option("--offline", help="Do not consult the database for source keys.")] = False,
) -> None:
    """Validate curation files and report every problem with file and line (exit 3 if any)."""
    from cedb import curation
    from cedb.errors import ChecksFailed

    known: set[str] = set()
    if not offline:
        from sqlmodel import select

        from cedb.models import Reference

        with common.transaction(write=False) as session:
            known = set(session.exec(select(Reference.key)))
    report = curation.check(_paths(paths), known_keys=known)
    for problem in report.problems:
        typer.echo(str(problem))
    if report.problems:
        raise ChecksFailed(f"{len(report.problems)} problem(s) in {report.files} file(s)")
    measurements = sum(len(r.measurements) for r in report.records)
    common.note(f"OK: {report.files} file(s), {measurements} measurement(s)")


@app.command("load")
def load_command(paths: Paths = None) -> None:
    """Upsert curation files into the database in one transaction (a second run changes nothing)."""
    from cedb import curation

    with common.transaction() as session:
        with common.progress_bar("Loading curation files") as progress:
            report = curation.load(session=session, paths=_paths(paths), progress=progress)
    common.note(report.summary())


@app.command("dump")
def dump_command(directory: Annotated[Path, typer.Argument(help="Folder to write the files into.")]) -> None:
    """Write the database out as curation files, one per paper."""
    from cedb import curation

    with common.transaction(write=False) as session:
        written = curation.dump(session=session, directory=directory)
    common.note(f"Wrote {len(written)} file(s) to {directory}")
