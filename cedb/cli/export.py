"""cedb export: review tables (like the review's Table 2) with a matching .bib."""

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cedb.cli import common
from cedb.cli import filters as f
from cedb.terms import Convention

app = typer.Typer(help="Export review tables and data sets.", no_args_is_help=True)


class TableFormat(str, Enum):
    csv = "csv"
    md = "md"
    latex = "latex"
    xlsx = "xlsx"
    html = "html"
    json = "json"


@app.command("table")
@f.with_filters()
def table_command(
    ctx: typer.Context,
    filters,
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="Table format.")] = TableFormat.md,
    output: Annotated[
        Optional[Path],
        typer.Option("--output", "-o", help="File to write (default: stdout; required for xlsx).", show_default=False),
    ] = None,
    bib: Annotated[
        Optional[Path],
        typer.Option("--bib", help="Also write exactly the cited references to this .bib file.", show_default=False),
    ] = None,
    columns: Annotated[
        Optional[str],
        typer.Option(
            "--columns",
            help="Columns in order, comma-separated, from: strategy, materials, host, "
            "electrolyte, additive, cell, method, current, capacity, cycles, ce, statistic, ref "
            "[default: strategy,materials,current,capacity,cycles,ce,ref].",
            show_default=False,
        ),
    ] = None,
    caption: Annotated[
        Optional[str],
        typer.Option("--caption", help="Caption text in place of the one stating the selection.", show_default=False),
    ] = None,
    no_caption: Annotated[bool, typer.Option("--no-caption", help="No caption (the notes on markers stay).")] = False,
) -> None:
    """Export a Table 2-style table: grouped by strategy, numbered references, a caption stating the selection."""
    from cedb import exports
    from cedb.errors import InvalidValue

    if fmt == TableFormat.xlsx and output is None:
        raise InvalidValue("xlsx is a binary format: give the file with -o table.xlsx")
    if caption is not None and no_caption:
        raise InvalidValue("give --caption or --no-caption, not both")
    keys = exports.parse_columns(columns)
    from cedb import outputs

    with common.reading(ctx) as connection, outputs.writing() as batch:
        # Rows go from the cursor to the file as they are read; the table and its .bib are
        # renamed into place together at the end, or neither is.
        table = exports.export_table(connection, filters, columns=keys, caption_text=caption, no_caption=no_caption)
        if fmt == TableFormat.xlsx:
            assert output is not None  # xlsx is refused without -o (above)
            exports.write_xlsx(table, batch.path(output))
        elif output:
            with open(batch.path(output), "w", encoding="utf-8") as handle:
                handle.writelines(exports.pieces(table, fmt.value))
        else:
            common.echo_pieces(exports.pieces(table, fmt.value))
        if bib is not None:
            batch.write_text(bib, exports.bibtex(connection, table))
        written = [str(p) for p in (output, bib) if p]
        references = len(table.references)
    common.note(
        f"{table.count} results, {references} references" + (f"; wrote {', '.join(written)}" if written else "")
    )


class MlFormat(str, Enum):
    csv = "csv"
    parquet = "parquet"


@app.command("ml")
@f.with_filters()
def ml_command(
    ctx: typer.Context,
    filters,
    fmt: Annotated[MlFormat, typer.Option("--format", "-f", help="Output format.")] = MlFormat.csv,
    output: Annotated[
        Optional[Path],
        typer.Option(
            "--output", "-o", help="File to write (default: stdout; required for parquet).", show_default=False
        ),
    ] = None,
    dictionary: Annotated[
        Optional[Path],
        typer.Option(
            "--dictionary",
            help="Write the data dictionary (Markdown) here [default: next to -o as NAME.dictionary.md].",
            show_default=False,
        ),
    ] = None,
    convention: Annotated[
        Convention, typer.Option("--convention", help="Descriptor mole basis (kim2023: the paper's).")
    ] = Convention.kim2023,
) -> None:
    """Export one row per result with conditions, CE, LCE, verdict and electrolyte descriptors, for ML."""
    from cedb import mlexport
    from cedb.errors import InvalidValue

    if fmt == MlFormat.parquet and output is None:
        raise InvalidValue("parquet is a binary format: give the file with -o data.parquet")
    with common.transaction(ctx, write=False) as session:
        rows = mlexport.ml_rows(session.connection(), filters, convention=convention.value)
    table = mlexport.frame(rows)
    from cedb import outputs

    if dictionary is None and output is not None:
        dictionary = output.with_name(output.stem + ".dictionary.md")
    text = None
    with outputs.writing() as batch:  # the data and its dictionary, both or neither
        if fmt == MlFormat.parquet:
            assert output is not None  # parquet is refused without -o (above)
            table.to_parquet(batch.path(output), index=False)
        else:
            text = _ml_csv(table)
            if output:
                batch.write_text(output, text)
        if dictionary is not None:
            batch.write_text(dictionary, mlexport.dictionary_markdown())
    if text is not None and not output:
        typer.echo(text, nl=False)
    parsed = int((table["descriptor_status"] == "ok").sum()) if len(table) else 0
    common.note(
        f"{len(table)} rows, descriptors for {parsed}"
        + (f"; wrote {output}" if output else "")
        + (f" and {dictionary}" if dictionary else "")
    )


def _ml_csv(table) -> str:
    import pandas as pd

    from cedb.exports import csv_safe

    for column in table.columns:
        # pandas 3 has a str dtype besides object: neutralise formulas in both.
        if table[column].dtype == object or pd.api.types.is_string_dtype(table[column]):
            table[column] = table[column].map(lambda v: csv_safe(v) if isinstance(v, str) else v)
    return table.to_csv(index=False, lineterminator="\n")
