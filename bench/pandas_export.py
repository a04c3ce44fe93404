"""The baseline for `cedb export table`: a Python process that reads the same rows with
pandas and writes them with ``DataFrame.to_csv``, ``DataFrame.to_latex`` or ``DataFrame.to_excel`` (openpyxl).

    python bench/pandas_export.py DB csv|latex|xlsx OUT

Timed as a whole process, like `cedb export table -o OUT`, so both pay the interpreter
start, their imports, one query and the writing. The frame has the export's seven
columns plus the group and key, in the export's order (category, year, paper, id);
what cedb does on top (numbered references, a caption, LaTeX escaping of chemical
formulas, formula-safe CSV cells) is its own cost. ``to_latex`` needs jinja2.
"""

import sqlite3
import sys

import pandas as pd  # noqa: TID253 (a standalone script, not cedb)

SQL = """
SELECT CASE s.category WHEN 'composite-anode' THEN 'Composite Li anodes'
         WHEN 'electrolyte' THEN 'Electrolyte engineering'
         WHEN 'interface' THEN 'Interface engineering'
         WHEN 'other' THEN 'Other strategies' ELSE 'Strategy not recorded' END AS "Group",
       s.label AS "Strategy",
       trim(coalesce(s.host, '') || '; ' || coalesce(s.electrolyte, '') || '; '
            || coalesce(s.additive, ''), '; ')
         AS "Host / electrolyte / additive",
       m.current_density_mA_cm2 AS "Current density (mA cm⁻²)",
       m.areal_capacity_mAh_cm2 AS "Capacity (mAh cm⁻²)",
       m.cycles AS "Cycles", m.ce_percent AS "CE (%)", r.key AS "Key"
FROM measurement m JOIN reference r ON r.id = m.reference_id
LEFT JOIN strategy s ON s.id = m.strategy_id
ORDER BY CASE s.category WHEN 'composite-anode' THEN 0 WHEN 'electrolyte' THEN 1
         WHEN 'interface' THEN 2
         WHEN 'other' THEN 3 ELSE 4 END, r.year IS NULL, r.year, r.key, m.id
"""


def main() -> None:
    database, fmt, output = sys.argv[1:4]
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    frame = pd.read_sql_query(SQL, connection)
    frame["Ref."] = pd.factorize(frame["Key"])[0] + 1
    if fmt == "csv":
        frame.to_csv(output, index=False)
    elif fmt == "xlsx":
        frame.to_excel(output, index=False, engine="openpyxl")
    else:
        frame.drop(columns=["Key"]).to_latex(output, index=False, escape=True)


if __name__ == "__main__":
    main()
