"""cedb extract: propose CE results found in a paper's text, PDF, Markdown or HTML."""

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cedb.cli import common


class Kind(str, Enum):
    text = "text"
    markdown = "markdown"
    html = "html"


TABLE_COLUMNS = ["ce_percent", "ce_high_percent", "qualifier", "current_density_mA_cm2", "areal_capacity_mAh_cm2",
                 "cycles", "cell", "complete", "confidence", "start", "end"]  # fmt: skip
COMPARE_COLUMNS = ["status", "existing_id", "existing_ce_percent"]


def extract_command(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(help="A .txt, .md, .html/.htm or .pdf file, or - for stdin.", metavar="FILE|-"),
    ],
    kind: Annotated[
        Optional[Kind],
        typer.Option(
            "--kind",
            help="Read the text as this [default: from the suffix; text for stdin].",
            show_default=False,
        ),
    ] = None,
    min_confidence: Annotated[
        float,
        typer.Option("--min-confidence", min=0.0, max=1.0, help="Only candidates at least this sure (0-1)."),
    ] = 0.0,
    paper: Annotated[
        Optional[str],
        typer.Option(
            "--paper",
            help="Citation key of the paper the text is from (for --compare, --to-curation, --record).",
            show_default=False,
        ),
    ] = None,
    compare: Annotated[
        bool,
        typer.Option(
            "--compare",
            help="Mark each candidate known, conflict or new against the paper's results in the database.",
        ),
    ] = False,
    to_curation: Annotated[
        Optional[Path],
        typer.Option(
            "--to-curation",
            metavar="DIR",
            help="Write the candidates as draft results to DIR/<paper>.yaml.",
            show_default=False,
        ),
    ] = None,
    location: Annotated[
        Optional[str],
        typer.Option(
            "--location",
            help="With --to-curation or --record: the location of every draft (e.g. abstract, "
            "'Fig. 3'); the file and character offsets then go to the note [default: the file "
            "and character offsets].",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="With --to-curation: replace an existing file.")] = False,
    record: Annotated[
        bool,
        typer.Option(
            "--record",
            help="Add complete candidates to the database as draft results, asking before each.",
        ),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="With --record: add without asking.")] = False,
    fmt: common.FormatOption = common.Format.table,
) -> None:
    """Find CE results (CE, conditions, cell) in a text and show them with a confidence and reason.

    Offsets start/end index the text as read: the file's characters (for HTML the raw
    markup, for a PDF the text pypdf extracts, pages joined by a blank line).
    """
    from cedb.errors import InvalidValue
    from cedb.extract import extract_text, read_bounded

    for flag, wanted in (
        ("--compare", compare),
        ("--to-curation", to_curation),
        ("--record", record),
    ):
        if wanted and not paper:
            raise InvalidValue(f"{flag} needs the paper's citation key: add --paper KEY")
    if location is not None and to_curation is None and not record:
        raise InvalidValue("--location is the location of drafts: use it with --to-curation or --record")
    from cedb.extract.drafts import check_location

    location = check_location(location)
    paper_key = paper or ""  # given whenever a flag above needs it
    if record and not yes and (source == "-" or not _can_ask()):
        raise InvalidValue(
            "--record asks before adding each result, but there is no terminal to ask: pass --yes to add them all"
        )
    if to_curation is not None and not force:
        from cedb.curation import file_name

        target = to_curation / file_name(paper_key.strip())
        if os.path.lexists(target):  # a symlink, even a dangling one, is an existing file here
            raise InvalidValue(f"{target} exists: review it, or pass --force to replace it")
    # Bounded input (README "Limits"): refused before it is read, or as soon as it is too long.
    limit_mb = common.state(ctx).max_input_mb
    if source == "-":
        from cedb import limits

        stdin = sys.stdin.read(limits.max_input_bytes(limit_mb) + 1)
        text = limits.check_text(stdin, "the text of stdin", max_input_mb=limit_mb)
        read_as, where = "text", "stdin"
    else:
        text, read_as = read_bounded(source, max_input_mb=limit_mb)
        where = Path(source).name
    if kind is not None and not source.lower().endswith(".pdf"):
        read_as = kind.value
    candidates = [c for c in extract_text(text, kind=read_as) if c.confidence >= min_confidence]

    rows = [c.to_dict() for c in candidates]
    columns = TABLE_COLUMNS + ["sentence"]
    if compare:
        from cedb.extract.record import compare_recorded

        with common.transaction(ctx, write=False) as session:
            compared = compare_recorded(session=session, candidates=candidates, paper=paper_key)
        rows = [r.to_dict() for r in compared]
        columns = TABLE_COLUMNS + COMPARE_COLUMNS + ["sentence"]
    if fmt == common.Format.table:
        shown = [{**r, "sentence": _short(r["sentence"])} for r in rows]
        common.emit(shown, fmt, columns)
    else:
        common.emit(rows, fmt, list(rows[0]) if rows else columns)
    common.note(f"{len(candidates)} candidate(s) in {where}")

    if to_curation is not None:
        from cedb.extract.drafts import write_drafts

        path = write_drafts(
            candidates,
            paper=paper_key,
            directory=to_curation,
            where=where,
            location=location,
            overwrite=force,
        )
        common.note(f"Wrote draft results to {path}: review them, then `cedb curate check {path}`")
    if record:
        _record(ctx, candidates, paper=paper_key, where=where, location=location, ask=not yes)


def _can_ask() -> bool:
    """Whether a person can answer the --record questions (stdin is a terminal)."""
    return sys.stdin.isatty()


def _short(sentence: str, width: int = 90) -> str:
    return sentence if len(sentence) <= width else sentence[: width - 1] + "…"


def _record(ctx: typer.Context, candidates, *, paper: str, where: str, location: str | None, ask: bool) -> None:
    """Add complete candidates as draft results in one transaction (asking before each new one
    when ``ask``); conflicts exit 1."""
    from cedb.extract.record import record

    def confirm(c) -> bool:
        summary = (f"CE {c.ce_percent:g} % at {c.current_density_mA_cm2:g} mA cm⁻², "
                   f"{c.areal_capacity_mAh_cm2:g} mAh cm⁻²"
                   + (f", {c.cycles} cycles" if c.cycles is not None else ""))  # fmt: skip
        return typer.confirm(f"Add {summary}?\n  {_short(c.sentence, 160)}\n", err=True)

    with common.transaction(ctx) as session:
        report = record(
            session=session,
            candidates=candidates,
            paper=paper,
            where=where,
            location=location,
            confirm=confirm if ask else None,
        )
    for message in report.conflicts:
        common.note(f"Conflict: {message}")
    common.note(report.summary())
    if report.conflicts:
        raise typer.Exit(1)
