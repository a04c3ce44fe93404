"""cedb site: the web view as static files for any static host."""

from pathlib import Path
from typing import Annotated

import typer

from cedb.cli import common

app = typer.Typer(help="Build the web view as a static site.", no_args_is_help=True)


@app.command("build")
def build_command(
    ctx: typer.Context,
    directory: Annotated[
        Path,
        typer.Argument(metavar="DIR", help="Directory to write (new, empty, or a former site, which is replaced)."),
    ],
) -> None:
    """Write the results, figures, result and paper pages and the downloads as static files."""
    from cedb.web import site

    with common.transaction(ctx, write=False) as session:
        report = site.build(session, directory)
    common.note(report.summary())
