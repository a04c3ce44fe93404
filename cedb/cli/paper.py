"""cedb paper: add papers from BibTeX or DOI, list, show, remove and export them."""

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cedb.cli import common

app = typer.Typer(help="Add, list, show, remove and export papers (references).", no_args_is_help=True)


class OnDuplicate(str, Enum):
    error = "error"
    skip = "skip"
    replace = "replace"


@app.command("add")
def add_command(
    sources: Annotated[list[str], typer.Argument(help="BibTeX files and/or DOIs (10.x/..., doi:..., https://doi.org/...).")],
    on_duplicate: Annotated[Optional[OnDuplicate], typer.Option(help="What to do with a paper already in the database [default: skip for BibTeX entries, error for a DOI].", show_default=False)] = None,
) -> None:
    """Add papers from BibTeX files (every entry) or DOIs (metadata from Crossref)."""
    from cedb import papers

    resolved = papers.fetch(sources, settings=common.settings())
    with common.transaction() as session:
        report = papers.add(session=session, sources=resolved,
                            on_duplicate=on_duplicate.value if on_duplicate else None)
    for line in report.lines():
        common.note(line)
    common.note(report.summary())
    if report.rejected:
        raise typer.Exit(1)


@app.command("list")
def list_command(fmt: common.FormatOption = common.Format.table) -> None:
    """List the papers in the database."""
    from cedb import crud

    with common.transaction(write=False) as session:
        rows = [_summary(r) for r in crud.list_references(session=session)]
    common.emit(rows, fmt, ["key", "year", "authors", "title", "journal", "doi"])


def _summary(reference) -> dict:
    authors = reference.authors or ""
    names = [a.split(",")[0] for a in authors.split(" and ") if a]
    short = names[0] + (" et al." if len(names) > 1 else "") if names else ""
    return {"key": reference.key, "year": reference.year, "authors": short, "title": reference.title,
            "journal": reference.journal, "doi": reference.doi}


@app.command("show")
def show_command(
    key: Annotated[str, typer.Argument(help="Citation key (see `cedb paper list`).")],
    fmt: common.FormatOption = common.Format.table,
) -> None:
    """Show every field of one paper and how many results cite it."""
    from cedb import crud

    with common.transaction(write=False) as session:
        reference = crud.get_reference(session=session, key=key)
        record = reference.model_dump(exclude={"id", "title_key"})
        record["results"] = crud.count_citing(session=session, reference=reference)
    common.emit_record(record, fmt)


@app.command("rm")
def rm_command(
    key: Annotated[str, typer.Argument(help="Citation key (see `cedb paper list`).")],
    cascade: Annotated[bool, typer.Option("--cascade", help="Also remove the results that cite it.")] = False,
) -> None:
    """Remove a paper (refused while results cite it, unless --cascade)."""
    from cedb import crud

    with common.transaction() as session:
        removed = crud.remove_reference(session=session, key=key, cascade=cascade)
    common.note(f"Removed {key}" + (f" and {removed} result(s)" if removed else ""))


class BibFormat(str, Enum):
    bibtex = "bibtex"


@app.command("export")
def export_command(
    fmt: Annotated[BibFormat, typer.Option("--format", "-f", help="Output format.")] = BibFormat.bibtex,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
    keys: Annotated[Optional[list[str]], typer.Argument(help="Only these keys.")] = None,
) -> None:
    """Export papers as a BibTeX file that round-trips through pybtex."""
    from cedb import crud
    from cedb.bibliography import to_bibtex

    with common.transaction(write=False) as session:
        references = crud.list_references(session=session)
        if keys:
            missing = sorted(set(keys) - {r.key for r in references})
            if missing:
                from cedb.errors import NotFound

                raise NotFound(f"no paper with key {', '.join(missing)}: see `cedb paper list`")
            references = [r for r in references if r.key in set(keys)]
        text = to_bibtex(references)
    if output:
        from cedb import outputs

        outputs.write_text(output, text)
        common.note(f"Wrote {len(references)} entries to {output}")
    else:
        typer.echo(text, nl=False)
