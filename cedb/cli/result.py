"""cedb result: add, edit, show, remove and import CE results."""

import sys
from contextlib import closing
from pathlib import Path
from typing import Annotated, Optional

import typer

from cedb import terms
from cedb.cli import common, filters
from cedb.cli.curate import OnConflict, OnConflictOption
from cedb.terms import listed

app = typer.Typer(help="Add, edit, show, remove and import CE results.", no_args_is_help=True)

_Text = Optional[str]


def _opt(*names: str, help: str):
    return typer.Option(*names, help=help, show_default=False)


Ce = Annotated[_Text, _opt("--ce", help="CE in percent, e.g. 99.6.")]
Current = Annotated[
    _Text, _opt("--current", help="Current density; bare number = mA cm⁻², or with a unit ('20 A/m^2').")
]
Capacity = Annotated[_Text, _opt("--capacity", help="Areal capacity; bare number = mAh cm⁻², or with a unit.")]
Cycles = Annotated[_Text, _opt("--cycles", help="Number of cycles the CE refers to.")]
Cell = Annotated[_Text, _opt("--cell", help=f"{listed(terms.Cell)} (Li||Cu, Li|Cu accepted).")]
Method = Annotated[_Text, _opt("--method", help=f"{listed(terms.Method)}.")]
Category = Annotated[_Text, _opt("--category", help=f"{listed(terms.Category)}.")]
Label = Annotated[_Text, _opt("--label", help="Short strategy label, e.g. 'RCF host'.")]
Host = Annotated[_Text, _opt("--host", help="Host material.")]
Electrolyte = Annotated[_Text, _opt("--electrolyte", help="Electrolyte as reported.")]
Additive = Annotated[_Text, _opt("--additive", help="Additive(s) as reported.")]
Statistic = Annotated[_Text, _opt("--statistic", help=f"{listed(terms.Statistic)}.")]
Source = Annotated[_Text, _opt("--source", help="Key of the paper the number was read from (e.g. a review).")]
Location = Annotated[_Text, _opt("--location", help="Where in the source: 'Fig. 9c', 'Table 2', 'Section 3.1'.")]
Note = Annotated[_Text, _opt("--note", help="Free-text note.")]
FullCell = Annotated[
    Optional[bool],
    _opt("--full-cell-derived/--not-full-cell-derived", help="CE derived from full-cell data (marked # in tables)."),
]
Temperature = Annotated[_Text, _opt("--temperature", help="Temperature (°C, or with a unit).")]
EcRatio = Annotated[_Text, _opt("--ec-ratio", help="Electrolyte/capacity ratio (g Ah⁻¹).")]
NpRatio = Annotated[_Text, _opt("--np-ratio", help="N/P ratio.")]
CathodeLoading = Annotated[_Text, _opt("--cathode-loading", help="Cathode areal capacity (mAh cm⁻²).")]
Status = Annotated[_Text, _opt("--status", help=f"{listed(terms.Status)}.")]
Curator = Annotated[_Text, _opt("--curator", help="Who curated it.")]
Quote = Annotated[_Text, _opt("--quote", help="The sentence the value was read from.")]


# The field options of `result add` and `result edit`, declared once: name -> annotation.
FIELD_OPTIONS = {
    "ce": Ce,
    "current": Current,
    "capacity": Capacity,
    "cycles": Cycles,
    "cell": Cell,
    "method": Method,
    "category": Category,
    "label": Label,
    "host": Host,
    "electrolyte": Electrolyte,
    "additive": Additive,
    "statistic": Statistic,
    "source": Source,
    "location": Location,
    "note": Note,
    "full_cell": FullCell,
    "temperature": Temperature,
    "ec_ratio": EcRatio,
    "np_ratio": NpRatio,
    "cathode_loading": CathodeLoading,
    "status": Status,
    "curator": Curator,
    "quote": Quote,
}


def with_fields(paper_help: str):
    """Add --paper and every field option to a command; it receives the given ones as ``values``."""
    import functools
    import inspect

    options = {"paper": Annotated[_Text, _opt("--paper", help=paper_help)], **FIELD_OPTIONS}

    def decorate(func):
        signature = inspect.signature(func)
        own = [p for p in signature.parameters.values() if p.name != "values"]
        positional = [p for p in own if p.default is inspect.Parameter.empty]
        keyword = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own if p not in positional]
        fields = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
            for name, annotation in options.items()
        ]

        @functools.wraps(func)
        def command(**kwargs):
            given = {name: kwargs.pop(name) for name in options}
            renamed = {"full_cell": "full_cell_derived"}
            values = {renamed.get(k, k): v for k, v in given.items() if v is not None}
            return func(values=values, **kwargs)

        command.__signature__ = signature.replace(parameters=positional + fields + keyword)
        command.__annotations__ = {**{p.name: p.annotation for p in own}, **options}
        return command

    return decorate


def _can_ask() -> bool:
    """A person at a terminal can answer prompts (tests replace this)."""
    return sys.stdin.isatty()


REQUIRED = (("paper", "Paper (citation key)"), ("ce", "CE (%)"))
# Asked for on a terminal when not given; an empty answer means unknown (the verdict is then
# `unknown`), as a curation file or a spreadsheet may leave them out.
ASKED = (
    ("current", "Current density (mA cm⁻²; empty = unknown)"),
    ("capacity", "Areal capacity (mAh cm⁻²; empty = unknown)"),
    ("cycles", "Cycles (empty = unknown)"),
)


@app.command("add")
@with_fields("Citation key of the paper reporting the result.")
def add_command(
    ctx: typer.Context,
    values,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Never prompt; missing required values are an error.")
    ] = False,
    on_conflict: OnConflictOption = OnConflict.error,
    allow_duplicate: Annotated[
        bool,
        typer.Option(
            "--allow-duplicate",
            help=(
                "Add it even when the paper has a result with the same conditions and CE under another strategy label."
            ),
        ),
    ] = False,
    fmt: common.FormatOption = common.Format.table,
) -> None:
    """Add one CE result (paper and CE are required; current, capacity and cycles may be unknown)."""
    from cedb import results
    from cedb.errors import InvalidValue
    from cedb.store import crud
    from cedb.store.bulk import LikelyDuplicate

    interactive = _can_ask() and not no_input
    for name, prompt in REQUIRED:
        if values.get(name) in (None, ""):
            if not interactive:
                raise InvalidValue(f"missing --{name}: give it on the command line (prompting is off)")
            values[name] = typer.prompt(prompt, err=True)  # keep stdout for data
    if interactive:
        for name, prompt in ASKED:
            if name not in values:
                values[name] = typer.prompt(prompt, default="", show_default=False, err=True)
    result = results.normalise(values)

    def confirm(refusal) -> bool:
        # A warning naming what is recorded; on a terminal the person decides.
        common.note(f"warning: {refusal}")
        question = (
            "Add it anyway?"
            if isinstance(refusal, LikelyDuplicate)
            else "Change the strategy to these values (for all its results)?"
        )
        return typer.confirm(question, default=False, err=True)

    with common.transaction(ctx) as session:
        measurement = crud.add_result_asking(
            session=session,
            result=result,
            confirm=confirm if interactive else None,
            on_conflict=on_conflict.value,
            allow_duplicate=allow_duplicate,
        )
        if measurement is None:  # the person said no
            raise typer.Exit(1)
        assert measurement.id is not None  # set by the insert
        record = crud.result_record(session=session, id=measurement.id)
    common.note(f"Added result {measurement.id} (see `cedb result show {measurement.id}`)")
    if fmt == common.Format.table:
        typer.echo(measurement.id)  # the id alone on stdout, for scripts
    else:
        common.emit_record(record, fmt)


@app.command("edit")
@with_fields("Move the result to another paper.")
def edit_command(
    ctx: typer.Context,
    values,
    id: Annotated[int, typer.Argument(help="Result id (see `cedb query`).")],
) -> None:
    """Change fields of a result; conditions may not come to duplicate another result."""
    from cedb import results
    from cedb.errors import InvalidValue
    from cedb.store import crud

    if not values:
        raise InvalidValue("nothing to change: give at least one --field value")
    changes = results.changes(values)
    with common.transaction(ctx) as session:
        writer = crud.update_results(session=session, edits=[(id, changes)])
        if writer.errors:
            raise writer.errors[0]
    for change in writer.counts.changes:  # what changed, field by field (old -> new)
        common.note(str(change))
    common.note(f"Updated result {id}" if writer.counts.changes else f"Result {id} unchanged")


@app.command("rm")
def rm_command(
    ctx: typer.Context,
    id: Annotated[int, typer.Argument(help="Result id.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask on a terminal.")] = False,
) -> None:
    """Remove a result (shown and asked first on a terminal; its id is never handed out again)."""
    from cedb.store import crud

    with common.transaction(ctx) as session:
        if _can_ask() and not yes:
            record = crud.result_record(session=session, id=id)
            common.note(
                f"This removes result {id}: {record['paper']}, CE {record['ce_percent']:g} %"
                + (f", {record['label']}" if record["label"] else "")
            )
            if not typer.confirm("Remove?", default=False, err=True):
                raise typer.Exit(1)
        crud.remove_result(session=session, id=id)
    common.note(f"Removed result {id}")


@app.command("show")
def show_command(
    ctx: typer.Context,
    id: Annotated[int, typer.Argument(help="Result id.")],
    profile: filters.Profile = "review",
    strict: filters.Strict = False,
    fmt: common.FormatOption = common.Format.table,
) -> None:
    """Show every field of a result, its provenance and the practical verdict with the reason."""
    from cedb.store import crud

    with common.transaction(ctx, write=False) as session:
        record = crud.result_record(session=session, id=id, profile=profile, strict=strict)
    common.emit_record(record, fmt)


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Spreadsheet (.csv or .xlsx).")],
    mapping: Annotated[Path, typer.Option("--map", help="YAML column mapping (see curation/README.md).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate every row, write nothing.")] = False,
    on_conflict: OnConflictOption = OnConflict.error,
    no_duplicates: Annotated[
        bool,
        typer.Option(
            "--no-likely-duplicates",
            help=(
                "Reject a row with the same paper, conditions and CE as a result under another "
                "strategy label (default: add it with a warning)."
            ),
        ),
    ] = False,
    clear_empty: Annotated[
        bool,
        typer.Option(
            "--clear-empty",
            help=(
                "An empty cell of a mapped column clears that field of a replaced result "
                "(default: an empty cell is 'not given' and the stored value is kept)."
            ),
        ),
    ] = False,
) -> None:
    """Import results from a spreadsheet through a column mapping, reporting each rejected row."""
    from cedb import spreadsheet

    column_map = spreadsheet.read_mapping(mapping)
    with common.progress_bar(f"Importing {file.name}") as progress:
        # Read and validate every row before taking the write lock: a slow or bad file blocks no writer.
        prepared = spreadsheet.prepare(path=file, mapping=column_map, progress=progress, clear_empty=clear_empty)
        # closing: rows of a large file wait in a temporary file until they are written
        with closing(prepared), common.unparsed_electrolytes_counted() as unparsed, common.transaction(ctx) as session:
            report = spreadsheet.import_rows(
                session=session,
                prepared=prepared,
                dry_run=dry_run,
                on_conflict=on_conflict.value,
                allow_duplicate=not no_duplicates,
            )
    for row, reason in report.warnings:
        common.note(f"row {row}: warning: {reason}")
    for row, reason in report.rejected:
        common.note(f"row {row}: rejected: {reason}")
    common.note(report.summary())
    common.note_unparsed(unparsed)
    if report.rejected:
        raise typer.Exit(1)
