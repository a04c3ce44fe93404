"""cedb query: find results by conditions, CE, strategy, paper and year."""

import typer

from cedb.cli import common
from cedb.cli import filters as f

# How each output key prints: numbers and flags are never neutralised as spreadsheet formulas.
KINDS = {
    key: "number"
    for key in ("id", "year", "current_density_mA_cm2", "areal_capacity_mAh_cm2", "cycles", "ce_percent", "lce")
} | {"full_cell_derived": "flag", "practical": "flag"}
TABLE_COLUMNS = (
    "id",
    "paper",
    "year",
    "category",
    "label",
    "cell",
    "current_density_mA_cm2",
    "areal_capacity_mAh_cm2",
    "cycles",
    "ce_percent",
    "practical",
)
# Short headers on a terminal; csv/json keep the full, unit-bearing keys.
TABLE_HEADERS = {"current_density_mA_cm2": "mA cm⁻²", "areal_capacity_mAh_cm2": "mAh cm⁻²", "ce_percent": "CE (%)"}


@f.with_filters()
def query_command(ctx: typer.Context, filters, fmt: common.FormatOption = common.Format.table) -> None:
    """Find CE results: filter by practical conditions, CE, strategy, paper, year and status."""
    from cedb.store import query

    prepare = None
    if fmt in (common.Format.json, common.Format.jsonl):
        # The method's inputs (e.g. Aurbach's Q_T, Q_C, n, Q_S) and the provenance (curation
        # status, the paper it was read from, where, and the quoted text) travel with the row.
        columns: tuple[str, ...] = query.JSON_KEYS
        at = columns.index("method_params")

        def prepare(row):
            import json

            params = row[at]
            return (*row[:at], json.loads(params) if params else None, *row[at + 1 :])
    elif fmt == common.Format.table:
        columns = TABLE_COLUMNS
    else:
        columns = query.ROW_KEYS
    with common.reading(ctx) as connection:
        unjudged = query.unjudged(connection, filters)
        if unjudged:
            common.note(
                f"{unjudged} result(s) have electrolytes cedb could not parse, so "
                "--salt/--solvent/--diluent could not judge them: see `cedb chem unparsed`"
            )
        # Rows go from the cursor to stdout in chunks: memory stays flat at any size.
        rows = query.stream(connection, filters, keys=columns)
        common.emit_rows(rows, fmt, columns, KINDS, headers=TABLE_HEADERS, prepare=prepare)
