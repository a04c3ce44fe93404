"""`cedb query` and `cedb export table` print the same bytes as before the streaming rewrite.

The golden files in tests/fixtures/golden_output/ were captured with the code BEFORE
issue 16's streaming query/export (commit ce5a6e1, the row-list emitters), on a fixed
database: bench/generate.py's 240 synthetic measurements (seed 11) loaded with
`cedb curate load`, plus hostile text written by SQL (formula starts, a negative-number
label, quotes, commas, a newline, a tab, an escape character, non-ASCII). The export date
is replaced by DATE. Regenerate only on purpose: CEDB_REGEN_GOLDEN=1 pytest this file.

A second check is independent of cedb: the CSV query's id, paper, cell and CE columns equal
what sqlite3 + the csv module read from the same database.
"""

import csv
import io
import os
import sqlite3
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import InProcessCli, cedb_executable
from hypothesis import given, settings
from hypothesis import strategies as st

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden_output"
BENCH = Path(__file__).resolve().parents[1] / "bench"

# (name, arguments): every output format of both commands, with and without filters.
CASES = [
    ("query_all.csv", ["query", "--format", "csv"]),
    ("query_all.json", ["query", "--format", "json"]),
    ("query_all.jsonl", ["query", "--format", "jsonl"]),
    ("query_all.md", ["query", "--format", "md"]),
    ("query_all.table", ["query", "--format", "table"]),
    ("query_practical.csv", ["query", "--practical", "--min-ce", "99", "--format", "csv"]),
    ("query_sorted.json", ["query", "--sort", "-current_density_mA_cm2", "--limit", "40", "--format", "json"]),
    ("query_paper.table", ["query", "--paper", "synth000007", "--format", "table"]),
    ("query_none.csv", ["query", "--paper", "nosuch", "--format", "csv"]),
    ("query_none.json", ["query", "--paper", "nosuch", "--format", "json"]),
    ("export_all.csv", ["export", "table", "--format", "csv"]),
    ("export_all.md", ["export", "table", "--format", "md"]),
    ("export_all.latex", ["export", "table", "--format", "latex"]),
    ("export_all.html", ["export", "table", "--format", "html"]),
    ("export_all.json", ["export", "table", "--format", "json"]),
    (
        "export_columns.csv",
        [
            "export",
            "table",
            "--format",
            "csv",
            "--columns",
            "strategy,host,electrolyte,additive,cell,method,current,capacity,cycles,ce,statistic,ref",
        ],
    ),
    ("export_practical.md", ["export", "table", "--practical", "--format", "md"]),
]

HOSTILE = [
    # (SQL, parameters) on the fixed database, so every escaping path has something to do.
    ("UPDATE strategy SET label = ? WHERE id = 1", ['=HYPERLINK("http://x","y")']),
    ("UPDATE strategy SET label = ? WHERE id = 2", ["-12.5"]),
    ("UPDATE strategy SET label = ? WHERE id = 3", ["+cmd|' /C calc'!A0"]),
    ("UPDATE strategy SET label = ? WHERE id = 4", ["@SUM(1,2)"]),
    ("UPDATE strategy SET host = ? WHERE id = 5", ['Cu "foam", 3D\nline two']),
    ("UPDATE strategy SET host = ? WHERE id = 6", ["\tTab-led & 50% <b>bold</b> #1 $x$ _y_"]),
    ("UPDATE strategy SET electrolyte = ? WHERE id = 7", ["1 M LiFSI in DME \x1b[31mred µ–β ≥"]),
    ("UPDATE strategy SET additive = ? WHERE id = 8", ["-inf"]),
    ("UPDATE strategy SET label = ? WHERE id = 9", ["Li–Mg | alloy (Fig. 8b caption) *x*"]),
    ("UPDATE measurement SET ce_decimals = 1, ce_percent = 99.0 WHERE id = 3", []),
    ("UPDATE measurement SET full_cell_derived = 1 WHERE id IN (4, 5)", []),
    ("UPDATE measurement SET cycles = NULL, areal_capacity_mAh_cm2 = NULL WHERE id = 6", []),
    ("UPDATE measurement SET note = ?, method_params = ? WHERE id = 7", ["=1+1", '{"Q_T": 4.0, "n": 10}']),
]


@pytest.fixture(scope="module")
def fixed_db(tmp_path_factory):
    sys.path.insert(0, str(BENCH))
    import generate

    folder = tmp_path_factory.mktemp("golden")
    generate.write_all(240, folder / "data", seed=11)
    db = folder / "fixed.sqlite"
    cli = InProcessCli(cedb_executable(), f"sqlite:///{db}", folder)
    cli("init", "--empty", check=True)
    cli("curate", "load", str(folder / "data" / "curation"), check=True)
    with sqlite3.connect(db) as connection:
        for sql, parameters in HOSTILE:
            connection.execute(sql, parameters)
    return cli, db


def _normalised(text: str) -> str:
    return text.replace(date.today().isoformat(), "DATE")


@pytest.mark.parametrize("name,arguments", CASES, ids=[c[0] for c in CASES])
def test_output_is_unchanged(fixed_db, name, arguments):
    cli, _ = fixed_db
    process = cli(*arguments, env={"COLUMNS": "200"})
    assert process.returncode == 0, process.stderr
    # Bytes, not text: universal newlines would hide a changed line ending.
    output = _normalised(process.stdout_bytes.decode("utf-8"))
    golden = GOLDEN / name
    if os.environ.get("CEDB_REGEN_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(output.encode("utf-8"))
    assert output == golden.read_bytes().decode("utf-8")


def test_xlsx_cells_are_unchanged(fixed_db, tmp_path):
    from openpyxl import load_workbook

    cli, _ = fixed_db
    target = tmp_path / "t.xlsx"
    cli("export", "table", "--format", "xlsx", "-o", str(target), check=True)
    book = load_workbook(target)
    lines = []
    for sheet in book.worksheets:
        lines.append(f"## {sheet.title} freeze={sheet.freeze_panes}")
        for row in sheet.iter_rows():
            lines.append(
                "\t".join(
                    repr(c.value)
                    + (f"|{c.number_format}" if c.number_format != "General" else "")
                    + ("|b" if c.font and c.font.b else "")
                    for c in row
                )
            )
    output = _normalised("\n".join(lines) + "\n")
    golden = GOLDEN / "export_all.xlsx.txt"
    if os.environ.get("CEDB_REGEN_GOLDEN"):
        golden.write_bytes(output.encode("utf-8"))
    assert output == golden.read_bytes().decode("utf-8")


def test_query_csv_matches_sqlite_read_independently(fixed_db):
    """id, paper, cell, CE of `cedb query --format csv` against a hand-written SELECT."""
    cli, db = fixed_db
    printed = list(csv.DictReader(io.StringIO(cli("query", "--format", "csv", check=True).stdout)))
    with sqlite3.connect(db) as connection:
        expected = connection.execute(
            "SELECT m.id, r.key, m.cell, m.ce_percent FROM measurement m "
            "JOIN reference r ON r.id = m.reference_id ORDER BY m.id"
        ).fetchall()
    assert len(printed) == len(expected) == 240
    for row, (id_, key, cell, ce) in zip(printed, expected):
        assert (int(row["id"]), row["paper"], row["cell"]) == (id_, key, cell)
        assert float(row["ce_percent"]) == pytest.approx(ce, abs=5e-7 * ce)
    # The hostile label is neutralised in the CSV; the negative number stays a number.
    labels = {int(r["id"]): r["label"] for r in printed}
    with sqlite3.connect(db) as connection:
        strategy_of = dict(connection.execute("SELECT id, strategy_id FROM measurement"))
    for measurement, strategy in strategy_of.items():
        if strategy == 1:
            assert labels[measurement] == "'" + '=HYPERLINK("http://x","y")'
        if strategy == 2:
            assert labels[measurement] == "-12.5"


def test_stream_gives_the_rows_of_run_in_any_chunks(fixed_db):
    """query.stream (tuples, chunked, only the asked columns) == query.run (dicts, every column)."""
    from cedb.store import query
    from cedb.store.db import make_engine

    _, db = fixed_db
    engine = make_engine(f"sqlite:///{db}")
    everything = query.ROW_KEYS + query.EXTRA_KEYS
    with engine.connect() as connection:
        for filters, keys in (
            (query.Filters(), everything),
            # lce without ce_percent, sorted by a column the SELECT does not hold
            (query.Filters(sort="year", descending=True), ("lce", "paper", "practical")),
            (query.Filters(practical=True, min_ce=99), ("full_cell_derived", "id")),
        ):
            expected = [tuple(row[k] for k in keys) for row in query.run(connection, filters, extra=True)]
            assert expected
            for chunk in (1, 7, 5000):
                got = [tuple(row) for row in query.stream(connection, filters, keys=keys, chunk=chunk)]
                assert got == expected
    engine.dispose()


_CELL_TEXT = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.sampled_from(
        ["=1+1", "-12.5", "+x", "@A1", "\tx", "a,b", 'say "hi"', "a\nb", "a\rb", "\x1b[31mred", "-inf", ""]
    ),
)
_CSV_COLUMNS = {
    "id": ("number", st.integers(-5, 10**6)),
    "paper": ("text", _CELL_TEXT),
    "year": ("number", st.one_of(st.none(), st.integers(1800, 2100))),
    "ce": ("number", st.one_of(st.none(), st.floats(allow_nan=True), st.integers(-3, 3))),
    "flag": ("flag", st.one_of(st.none(), st.booleans())),
    "label": ("text", st.one_of(_CELL_TEXT, st.integers(-3, 3), st.floats(-1, 1))),  # not text: as its kind says
}


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(*(strategy for _, strategy in _CSV_COLUMNS.values())), max_size=12))
def test_query_csv_rows_are_csv_writers_rows_of_the_formatted_cells(rows):
    """cedb query's column-wise CSV (cedb.cli.common._csv_rows) writes what csv.writer writes for
    the cells its formatters make, chunk after chunk, whatever the text holds."""
    from unittest import mock

    from cedb.cli import common

    columns = list(_CSV_COLUMNS)
    kinds = {column: kind for column, (kind, _) in _CSV_COLUMNS.items()}
    formatters = [common._csv_formatter(kinds[c], common._strip_ansi) for c in columns]
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[f(v) for f, v in zip(formatters, row)] for row in rows])
    got = io.StringIO()
    with mock.patch.object(common, "_CHUNK", 5):  # several chunks, some plain, some quoted
        common._csv_rows(got, rows, columns, kinds)
    assert got.getvalue() == expected.getvalue()
