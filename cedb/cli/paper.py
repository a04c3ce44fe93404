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
    replace = "replace"  # type: ignore[assignment]  # shadows str.replace, as the CLI word


@app.command("add")
def add_command(
    ctx: typer.Context,
    sources: Annotated[
        list[str], typer.Argument(help="BibTeX files and/or DOIs (10.x/..., doi:..., https://doi.org/...).")
    ],
    on_duplicate: Annotated[
        Optional[OnDuplicate],
        typer.Option(
            help="What to do with a paper already in the database [default: skip for BibTeX entries, error for a DOI].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Add papers from BibTeX files (every entry) or DOIs (metadata from Crossref)."""
    from cedb import papers

    state = common.state(ctx)
    resolved = papers.fetch(sources, settings=state.settings(), max_input_mb=state.max_input_mb)
    with common.transaction(ctx) as session:
        report = papers.add(
            session=session, sources=resolved, on_duplicate=on_duplicate.value if on_duplicate else None
        )
    for line in report.lines():
        common.note(line)
    common.note(report.summary())
    if report.rejected:
        raise typer.Exit(1)


@app.command("list")
def list_command(ctx: typer.Context, fmt: common.FormatOption = common.Format.table) -> None:
    """List the papers in the database."""
    from cedb.store import crud

    with common.transaction(ctx, write=False) as session:
        rows = [_summary(r) for r in crud.list_references(session=session)]
    common.emit(rows, fmt, ["key", "year", "authors", "title", "journal", "doi"])


def _summary(reference) -> dict:
    authors = reference.authors or ""
    names = [a.split(",")[0] for a in authors.split(" and ") if a]
    short = names[0] + (" et al." if len(names) > 1 else "") if names else ""
    return {
        "key": reference.key,
        "year": reference.year,
        "authors": short,
        "title": reference.title,
        "journal": reference.journal,
        "doi": reference.doi,
    }


@app.command("show")
def show_command(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Citation key (see `cedb paper list`).")],
    fmt: common.FormatOption = common.Format.table,
) -> None:
    """Show every field of one paper and how many results cite it."""
    from cedb.store import crud

    with common.transaction(ctx, write=False) as session:
        record = crud.reference_record(session=session, key=key)
    common.emit_record(record, fmt)


@app.command("rm")
def rm_command(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Citation key (see `cedb paper list`).")],
    cascade: Annotated[
        bool, typer.Option("--cascade", help="Also remove the paper's own results (only its own).")
    ] = False,
    detach_sources: Annotated[
        bool,
        typer.Option(
            "--detach-sources",
            help=(
                "Keep the results of other papers that were read from it, without a source "
                "(else they block the removal)."
            ),
        ),
    ] = False,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            "-y",
            help="Do not ask (for scripts): needed without a terminal when results go or lose their source.",
        ),
    ] = False,
) -> None:
    """Remove a paper: prints what goes, asks on a terminal (refused while results cite it, unless --cascade)."""
    import sys

    from cedb.errors import InvalidValue
    from cedb.store import crud

    with common.transaction(ctx) as session:
        plan = crud.plan_removal(session=session, key=key, cascade=cascade, detach_sources=detach_sources)
        if plan.results or plan.detached:
            common.note("This removes:\n" + "\n".join(f"  {line}" for line in plan.lines()))
            if not yes:
                if not sys.stdin.isatty():
                    raise InvalidValue("nothing removed: give --yes to confirm (there is no terminal to ask on)")
                if not typer.confirm("Remove?", default=False, err=True):
                    raise typer.Exit(1)
        removal = crud.remove_reference(session=session, key=key, cascade=cascade, detach_sources=detach_sources)
    message = f"Removed {removal.key}"
    if removal.results:
        message += f" and {len(removal.results)} result(s)"
    if removal.detached:
        message += f"; {len(removal.detached)} result(s) of other papers kept without a source"
    common.note(message)


@app.command("merge")
def merge_command(
    ctx: typer.Context,
    old: Annotated[
        str, typer.Argument(help="Key of the paper that goes (e.g. a placeholder 'Ref. 109 of the review').")
    ],
    new: Annotated[str, typer.Argument(help="Key of the paper that stays (e.g. the primary paper with its DOI).")],
    strategy: Annotated[
        Optional[list[str]],
        typer.Option(
            "--strategy",
            help=(
                "'OLD LABEL=NEW LABEL': a strategy of OLD that is a strategy of NEW in other words; "
                "its results join NEW's (repeatable)."
            ),
            show_default=False,
        ),
    ] = None,
) -> None:
    """Merge paper OLD into NEW: results move, their provenance stays, OLD becomes an alias of NEW."""
    from cedb.store import crud

    mapping = {}
    for pair in strategy or []:
        label, sep, into = pair.partition("=")
        if not sep or not label.strip() or not into.strip():
            raise typer.BadParameter(f"{pair!r}: write 'OLD LABEL=NEW LABEL'", param_hint="'--strategy'")
        mapping[label.strip()] = into.strip()
    with common.transaction(ctx) as session:
        counts = crud.merge_references(session=session, old=old, new=new, strategies=mapping)
        disagreements = crud.conflicts(session=session, key=new)
    common.note(
        f"Merged {old} into {new}: {counts['results']} result(s) and {counts['strategies']} "
        f"strateg{'y' if counts['strategies'] == 1 else 'ies'} moved; {old} is now an alias of {new}"
    )
    if disagreements:
        common.note(f"{len(disagreements)} place(s) where sources disagree: see `cedb paper conflicts {new}`")


@app.command("conflicts")
def conflicts_command(
    ctx: typer.Context,
    key: Annotated[
        Optional[str], typer.Argument(help="Only this paper (default: every paper).", show_default=False)
    ] = None,
    fmt: common.FormatOption = common.Format.table,
) -> None:
    """List results where two sources disagree: same paper, strategy and conditions, another CE."""
    from cedb.store import crud

    with common.transaction(ctx, write=False) as session:
        rows = crud.conflict_rows(session=session, key=key)
    common.emit(
        rows,
        fmt,
        [
            "group",
            "id",
            "paper",
            "label",
            "current_density_mA_cm2",
            "areal_capacity_mAh_cm2",
            "cycles",
            "ce_percent",
            "source",
            "location",
        ],
    )
    if fmt == common.Format.table:
        common.note(f"{len({r['group'] for r in rows})} conflict(s)")


class BibFormat(str, Enum):
    bibtex = "bibtex"


@app.command("export")
def export_command(
    ctx: typer.Context,
    fmt: Annotated[BibFormat, typer.Option("--format", "-f", help="Output format.")] = BibFormat.bibtex,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
    keys: Annotated[Optional[list[str]], typer.Argument(help="Only these keys.")] = None,
) -> None:
    """Export papers as a BibTeX file that round-trips through pybtex."""
    from cedb import papers

    with common.transaction(ctx, write=False) as session:
        text, entries = papers.bibtex(session=session, keys=keys)
    if output:
        from cedb import outputs

        outputs.write_text(output, text)
        common.note(f"Wrote {entries} entries to {output}")
    else:
        typer.echo(text, nl=False)
