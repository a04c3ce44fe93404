"""cedb query: find results by conditions, CE, strategy, paper and year."""

from cedb.cli import common, filters as f


@f.with_filters()
def query_command(filters, fmt: common.FormatOption = common.Format.table) -> None:
    """Find CE results: filter by practical conditions, CE, strategy, paper, year and status."""
    from cedb import query

    with common.transaction(write=False) as session:
        rows = query.run(session.connection(), filters, extra=True)
        unjudged = query.unjudged(session.connection(), filters)
    if unjudged:
        common.note(f"{unjudged} result(s) have electrolytes cedb could not parse, so "
                    "--salt/--solvent/--diluent could not judge them: see `cedb chem unparsed`")
    if fmt in (common.Format.json, common.Format.jsonl):
        import json

        # The method's inputs (e.g. Aurbach's Q_T, Q_C, n, Q_S) travel with the row.
        for row in rows:
            row["method_params"] = json.loads(row["method_params"]) if row["method_params"] else None
        common.emit(rows, fmt, list(query.ROW_KEYS) + ["method_params"])
    elif fmt == common.Format.table:
        columns = ["id", "paper", "year", "category", "label", "cell", "current_density_mA_cm2",
                   "areal_capacity_mAh_cm2", "cycles", "ce_percent", "practical"]
        # Short headers on a terminal; csv/json keep the full, unit-bearing keys.
        headers = {"current_density_mA_cm2": "mA cm⁻²", "areal_capacity_mAh_cm2": "mAh cm⁻²",
                   "ce_percent": "CE (%)"}
        common.emit(rows, fmt, columns, headers=headers)
    else:
        common.emit(rows, fmt, list(query.ROW_KEYS))
