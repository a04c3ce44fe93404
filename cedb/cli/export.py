"""cedb export: review tables (like the review's Table 2) with a matching .bib."""

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cedb.cli import common, filters as f

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
    filters,
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="Table format.")] = TableFormat.md,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (default: stdout; required for xlsx).", show_default=False)] = None,
    bib: Annotated[Optional[Path], typer.Option("--bib", help="Also write the cited references to this .bib file.", show_default=False)] = None,
) -> None:
    """Export a Table 2-style table: grouped by strategy, numbered references, a caption stating the selection."""
    from cedb import exports, query
    from cedb.errors import InvalidValue
    from cedb.practical import rule_text

    if fmt == TableFormat.xlsx and output is None:
        raise InvalidValue("xlsx is a binary format: give the file with -o table.xlsx")
    with common.transaction(write=False) as session:
        rows = query.run(session.connection(), filters)
        profile_obj = filters.resolved_profile()
        caption = exports.caption(
            profile_description=rule_text(profile_obj, strict=filters.strict),
            practical=filters.practical, strict=filters.strict, min_ce=filters.min_ce,
            max_ce=filters.max_ce, count=len(rows),
        )
        table = exports.build_table(rows, caption=caption)
        from cedb import crud

        cited = crud.references_by_key(session=session, keys=table.references)
        table.citations = {r.key: exports.citation_text(r) for r in cited}
        bib_text = None
        if bib is not None:
            from cedb.bibliography import to_bibtex

            bib_text = to_bibtex(cited)
    if fmt == TableFormat.xlsx:
        exports.write_xlsx(table, output)
    else:
        text = exports.render(table, fmt.value)
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            typer.echo(text, nl=False)
    if bib is not None:
        bib.write_text(bib_text, encoding="utf-8")
    written = [str(p) for p in (output, bib) if p]
    common.note(f"{len(rows)} results, {len(table.references)} references"
                + (f"; wrote {', '.join(written)}" if written else ""))


class MlFormat(str, Enum):
    csv = "csv"
    parquet = "parquet"


class Convention(str, Enum):
    kim2023 = "kim2023"
    physical = "physical"


@app.command("ml")
@f.with_filters()
def ml_command(
    filters,
    fmt: Annotated[MlFormat, typer.Option("--format", "-f", help="csv or parquet.")] = MlFormat.csv,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (default: stdout; required for parquet).", show_default=False)] = None,
    dictionary: Annotated[Optional[Path], typer.Option("--dictionary", help="Write the data dictionary (Markdown) here [default: next to -o as NAME.dictionary.md].", show_default=False)] = None,
    convention: Annotated[Convention, typer.Option("--convention", help="Descriptor mole basis: kim2023 (the paper's) or physical.")] = Convention.kim2023,
) -> None:
    """Export one row per result with conditions, CE, LCE, verdict and electrolyte descriptors, for ML."""
    from cedb import mlexport
    from cedb.errors import InvalidValue

    if fmt == MlFormat.parquet and output is None:
        raise InvalidValue("parquet is a binary format: give the file with -o data.parquet")
    with common.transaction(write=False) as session:
        rows = mlexport.ml_rows(session.connection(), filters, convention=convention.value)
    table = mlexport.frame(rows)
    if fmt == MlFormat.parquet:
        table.to_parquet(output, index=False)
    else:
        from cedb.exports import csv_safe

        import pandas as pd

        for column in table.columns:
            # pandas 3 has a str dtype besides object: neutralise formulas in both.
            if table[column].dtype == object or pd.api.types.is_string_dtype(table[column]):
                table[column] = table[column].map(lambda v: csv_safe(v) if isinstance(v, str) else v)
        text = table.to_csv(index=False, lineterminator="\n")
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            typer.echo(text, nl=False)
    if dictionary is None and output is not None:
        dictionary = output.with_name(output.stem + ".dictionary.md")
    if dictionary is not None:
        dictionary.write_text(mlexport.dictionary_markdown(), encoding="utf-8")
    parsed = int((table["descriptor_status"] == "ok").sum()) if len(table) else 0
    common.note(f"{len(table)} rows, descriptors for {parsed}"
                + (f"; wrote {output}" if output else "") + (f" and {dictionary}" if dictionary else ""))
