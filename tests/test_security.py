"""Security: hostile text in data, filters, exports, curation and BibTeX files.

- SQL-looking text is stored and matched literally (every filter is a bound parameter);
- exports cannot carry a live spreadsheet formula, LaTeX command or HTML script;
- YAML is loaded safely (a python tag is a reported problem, nothing runs);
- a BibTeX or curation file cannot make cedb read or write files it was not given;
- hostile `cedb result add` values are refused in one line, the database unchanged.
"""

import csv
import io
import json
import os
import subprocess
import uuid
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import InProcessCli, assert_user_error, cedb_executable, database_snapshot, make_cli

PAPER = "sec2024evil"
NASTY = {
    "drop": "'; DROP TABLE measurement; --",
    "percent": "100% Li",
    "underscore": "a_b",
    "quotes": 'O\'Brien "quoted" `tick`',
    "backslash": "C:\\new\\table",
    "formula": '=HYPERLINK("http://evil.example","click")',
    "plus": "+1+1",
    "minus": "-2+3",
    "at": "@SUM(A1:A2)",
    "cmd": "=cmd|' /C calc'!A0",
    "latex": "\\input{/etc/passwd}",
    "write18": "\\immediate\\write18{touch pwned}",
    "html": "<script>alert('x')</script>",
}
FORMULA_START = ("=", "+", "-", "@")


def add_nasty_results(url: str) -> None:
    """One paper whose strategies and results carry the hostile texts in every text field."""
    from cedb import results
    from cedb.store import crud
    from cedb.store.db import make_engine, prepare, session_scope
    from cedb.store.models import ReferenceCreate

    engine = make_engine(url)
    prepare(engine, load_bundled=False)
    with session_scope(engine) as session:
        crud.add_reference(
            session=session,
            create=ReferenceCreate(
                key=PAPER,
                title=NASTY["latex"] + " " + NASTY["html"],
                journal=NASTY["write18"],
                year=2024,
                authors="Tables, Bobby and " + NASTY["latex"],
                note=NASTY["drop"],
            ),
        )
        for cycles, text in enumerate(NASTY.values(), 1):
            crud.add_result(
                session=session,
                result=results.normalise(
                    {
                        "paper": PAPER,
                        "ce": "99.5",
                        "current": "2",
                        "capacity": "4",
                        "cycles": str(cycles),
                        "category": "other",
                        "label": text,
                        "host": text,
                        "electrolyte": text,
                        "additive": text,
                        "location": text,
                        "note": text,
                        "quote": text,
                        "curator": text[:100],
                    }
                ),
            )
    engine.dispose()


# --------------------------------------------------------------------------- SQL-like text


def test_sql_like_text_is_stored_and_matched_literally_by_every_filter(database_url):
    from cedb.errors import CedbError
    from cedb.store import query
    from cedb.store.db import make_engine

    add_nasty_results(database_url)
    before = database_snapshot(database_url)
    engine = make_engine(database_url)
    texts = list(NASTY.values())
    with engine.connect() as connection:
        rows = query.run(connection, query.Filters(), extra=True)
        assert sorted(r["label"] for r in rows) == sorted(texts)
        assert all(
            r["host"] == r["label"] == r["electrolyte"] == r["additive"] == r["note"] == r["location"] for r in rows
        )
        for needle in texts + ["%", "_", "'", '"', "\\", "%%", "_%", "' OR '1'='1", "--", ";"]:
            expected = sorted(t for t in texts if needle.lower() in t.lower())
            for name in ("host", "electrolyte", "additive"):
                found = query.run(connection, query.Filters(**{name: needle}))
                assert sorted(r[name] for r in found) == expected, (name, needle)
        assert len(query.run(connection, query.Filters(paper=PAPER))) == len(texts)
        for paper in (PAPER + "' OR '1'='1", "%", "_" * len(PAPER), NASTY["drop"]):
            assert query.run(connection, query.Filters(paper=paper)) == []
        hostile = [
            {"category": [NASTY["drop"]]},
            {"cell": ["li-cu' OR 1=1 --"]},
            {"method": ["%"]},
            {"status": ["draft'; --"]},
            {"sort": "id; DROP TABLE measurement"},
            {"salt": [NASTY["drop"]]},
            {"solvent": ["%"]},
            {"diluent": ["_"]},
            {"profile": NASTY["drop"]},
        ]
        for filters in hostile:
            with pytest.raises(CedbError):
                query.run(connection, query.Filters(**filters))
    engine.dispose()
    assert database_snapshot(database_url) == before


def test_sql_like_filters_on_the_command_line_match_literally(request, database_url, tmp_path):
    add_nasty_results(database_url)
    before = database_snapshot(database_url)
    cli = make_cli(request, database_url, tmp_path)
    found = cli.json("query", "--host", NASTY["drop"])
    assert [r["host"] for r in found] == [NASTY["drop"]]
    found = cli.json("query", "--electrolyte", "%", "--additive", "_")
    assert found == []  # no text holds both
    process = cli("query", "--sort", "id; DROP TABLE measurement")
    assert_user_error(process, 1, "cannot sort")
    assert database_snapshot(database_url) == before


# --------------------------------------------------------------------------- exports


@pytest.fixture(scope="module")
def nasty_exports(tmp_path_factory) -> dict:
    """Every export of the hostile results, produced by the command (in-process)."""
    tmp_path = tmp_path_factory.mktemp("exports")
    sqlite_url = f"sqlite:///{tmp_path / 'cedb.sqlite'}"
    add_nasty_results(sqlite_url)
    cli = InProcessCli(cedb_executable(), sqlite_url, tmp_path)
    runs = {
        "csv": ["export", "table", "--format", "csv", "-o", "t.csv"],
        "xlsx": ["export", "table", "--format", "xlsx", "-o", "t.xlsx"],
        "latex": ["export", "table", "--format", "latex", "-o", "t.tex", "--bib", "t.bib"],
        "html": ["export", "table", "--format", "html", "-o", "t.html"],
        "md": ["export", "table", "--format", "md", "-o", "t.md"],
        "json": ["export", "table", "--format", "json", "-o", "t.json"],
        "query-csv": ["query", "--format", "csv"],
        "ml-csv": ["export", "ml", "--format", "csv", "-o", "ml.csv"],
    }
    outputs = {}
    for name, args in runs.items():
        process = cli(*args)
        assert process.returncode == 0, (name, process.stderr)
        assert "Traceback" not in process.stderr
        outputs[name] = process.stdout
    return {"dir": tmp_path, "query-csv": outputs["query-csv"]}


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _assert_no_live_formula(text: str) -> None:
    cells = _csv_cells(text)
    live = []
    for cell in cells:
        if cell.startswith(FORMULA_START):
            try:
                float(cell)
            except ValueError:
                live.append(cell)
    assert not live, sorted(set(live))
    # The hostile texts are still there, behind the apostrophe that makes them text.
    for key in ("formula", "plus", "minus", "at", "cmd"):
        assert "'" + NASTY[key] in cells, key


def test_csv_exports_cannot_start_a_formula(nasty_exports):
    _assert_no_live_formula((nasty_exports["dir"] / "t.csv").read_text(encoding="utf-8"))
    _assert_no_live_formula(nasty_exports["query-csv"])


def test_ml_csv_export_cannot_start_a_formula(nasty_exports):
    _assert_no_live_formula((nasty_exports["dir"] / "ml.csv").read_text(encoding="utf-8"))


def test_xlsx_export_stores_formula_like_text_as_text(nasty_exports):
    from openpyxl import load_workbook

    path = nasty_exports["dir"] / "t.xlsx"
    workbook = load_workbook(path)
    seen = set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value, cell.data_type)
                    seen.add(cell.value)
    assert {NASTY[k] for k in ("formula", "plus", "minus", "at", "cmd")} <= seen
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name


def test_latex_export_escapes_commands(nasty_exports):
    text = (nasty_exports["dir"] / "t.tex").read_text(encoding="utf-8")
    assert "\\input{" not in text and "\\write18" not in text and "\\immediate" not in text
    assert "\\textbackslash{}input\\{/etc/passwd\\}" in text
    body = [line for line in text.splitlines() if not line.startswith("%")]
    for line in body:  # an unescaped % would comment out the rest of a row
        assert "%" not in line.replace("\\%", ""), line


def test_html_export_escapes_markup(nasty_exports):
    text = (nasty_exports["dir"] / "t.html").read_text(encoding="utf-8")
    assert "<script" not in text.lower()
    assert "&lt;script&gt;" in text
    assert '"http://evil.example"' not in text  # quotes are escaped too (&quot;)


def test_json_export_keeps_the_text_exactly(nasty_exports):
    document = json.loads((nasty_exports["dir"] / "t.json").read_text(encoding="utf-8"))
    labels = {row["Strategy"] for group in document["groups"] for row in group["rows"]}
    assert labels == set(NASTY.values())


def test_markdown_export_does_not_carry_live_html(nasty_exports):
    text = (nasty_exports["dir"] / "t.md").read_text(encoding="utf-8")
    assert "<script" not in text.lower()


def test_bib_export_of_stored_metadata_escapes_latex_commands(nasty_exports):
    text = (nasty_exports["dir"] / "t.bib").read_text(encoding="utf-8")
    assert "\\input{" not in text and "\\write18" not in text


# --------------------------------------------------------------------------- YAML and file access


PYTHON_TAGS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/apply:subprocess.check_output [['touch', '{marker}']]",
    "!!python/object/new:os.system ['touch {marker}']",
    "!!python/name:os.system",
]


def test_python_tags_in_yaml_files_are_reported_and_never_run(sqlite_cli, tmp_path):
    sqlite_cli("init", "--empty", check=True)
    before = database_snapshot(sqlite_cli.url)
    marker = tmp_path / "pwned"
    for n, tag in enumerate(PYTHON_TAGS):
        tag = tag.format(marker=marker)
        paper = tmp_path / f"evil{n}.yaml"
        paper.write_text(
            f"reference:\n  key: evil{n}\n  note: {tag}\nmeasurements:\n- ce_percent: 99\n", encoding="utf-8"
        )
        mapping = tmp_path / f"map{n}.yaml"
        mapping.write_text(f"columns:\n  paper: {tag}\n", encoding="utf-8")
        (tmp_path / "rows.csv").write_text("paper,ce\np,99\n", encoding="utf-8")
        for args in (
            ["curate", "check", str(paper)],
            ["curate", "load", str(paper)],
            ["result", "import", "rows.csv", "--map", str(mapping)],
        ):
            completed = sqlite_cli(*args)
            if args[1] == "import":
                assert_user_error(completed, 1, "not valid YAML")
                continue
            assert_user_error(completed, 3)
            problems = [
                line for line in (completed.stdout + completed.stderr).splitlines() if ":3: refused YAML tag" in line
            ]
            assert problems, (completed.stdout, completed.stderr)
    assert not marker.exists()
    assert database_snapshot(sqlite_cli.url) == before


def test_bibtex_cannot_make_cedb_read_other_files(sqlite_cli, tmp_path):
    secret = tmp_path / "secret.tex"
    token = f"TOPSECRET{uuid.uuid4().hex}"
    secret.write_text(token + "\n", encoding="utf-8")
    bib = tmp_path / "evil.bib"
    bib.write_text(
        f'@preamble{{"\\input{{{secret}}}"}}\n'
        f'@string{{evil = "\\input{{{secret}}}"}}\n'
        f"@article{{evil2024a, title = evil # {{ and more}}, year = 2024, note = {{\\input{{{secret}}}}}}}\n"
        f"@article{{evil2024b, title = {{\\include{{secret}} \\openin5={secret} \\read5 to\\x}}, year = 2024}}\n"
        f"@comment{{\\input{{{secret}}}}}\n",
        encoding="utf-8",
    )
    sqlite_cli("init", "--empty", check=True)
    listing = sorted(p.name for p in tmp_path.iterdir())
    added = sqlite_cli("paper", "add", str(bib))
    assert added.returncode == 0, added.stderr
    papers = sqlite_cli.json("paper", "list")
    assert sorted(p["key"] for p in papers) == ["evil2024a", "evil2024b"]
    exported = sqlite_cli("export", "table", "--format", "md")
    everything = json.dumps(database_snapshot(sqlite_cli.url)) + added.stdout + added.stderr + exported.stdout
    assert token not in everything
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # nothing new written next to the files


def test_curation_keys_cannot_lead_dump_outside_its_folder(engine, database_url, tmp_path):
    """Keys that look like paths: a key is stored as written (any key BibTeX accepts, issue 10),
    and dump still writes only inside DIR, under the key's safe form (models.safe_key)."""
    from cedb import curation
    from cedb.store.db import session_scope

    evil = tmp_path / "evil.yaml"
    evil.write_text("reference:\n  key: ../../evil\nmeasurements:\n- ce_percent: 99\n", encoding="utf-8")
    report = curation.check([evil])
    assert report.problems == [] and report.records[0].reference["key"] == "../../evil"
    assert "/" not in curation.file_name("../../evil")

    keys = ["../../evil", "/etc/passwd", "..", "a/b/../../../c", "..\\..\\win", "C:evil", ".hidden", "~root"]
    with engine.begin() as connection:
        for key in keys:
            connection.execute(
                sa.text(
                    "INSERT INTO reference (key, entry_type, added_at) VALUES (:key, 'article', CURRENT_TIMESTAMP)"
                ),
                {"key": key},
            )
    outside = tmp_path / "outside"
    directory = outside / "a" / "dump"
    with session_scope(engine) as session:
        written = curation.dump(session=session, directory=directory)
    assert len(written) == len(keys)
    for path in written:
        assert path.parent == directory, path
        assert path.resolve().parent == directory.resolve(), path
        assert path.suffix == ".yaml" and "/" not in path.name and "\\" not in path.name
    assert sorted(p for p in outside.rglob("*") if p.is_file()) == sorted(written)
    assert not (tmp_path / "evil.yaml.yaml").exists() and not Path("/etc/passwd.yaml").exists()


def test_dump_does_not_write_through_a_symlink_in_its_folder(sqlite_cli, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    directory = tmp_path / "dump"
    directory.mkdir()
    (directory / "sun2025review.yaml").symlink_to(victim)
    sqlite_cli("init", check=True)
    sqlite_cli("curate", "dump", str(directory), check=True)
    assert victim.read_text(encoding="utf-8") == "precious\n"


# --------------------------------------------------------------------------- hostile CLI values


HOSTILE_ADDS = [
    (["--ce", "nan"], "CE"),
    (["--ce", "inf"], "CE"),
    (["--ce", "-inf"], "CE"),
    (["--ce", "1e309"], "CE"),
    (["--ce", "0.995"], "fraction"),
    (["--ce", "100.5"], "above 100"),
    (["--current", "-1 mA/cm2"], "positive"),
    (["--current", "1 kg"], "wrong unit"),
    (["--current", "mA/cm2"], "current density"),
    (["--capacity", "3,5"], "comma"),
    (["--cycles", "1.5"], "whole number"),
    (["--cycles", "0"], "at least 1"),
    (["--cycles", "nan"], "whole number"),
    (["--temperature", "300 degC"], "temperature"),
    (["--cell", "Li||Xx'; DROP TABLE measurement; --"], "cell"),
    (["--label", "L" * 201, "--category", "other"], "at most 200"),
    (["--location", "é" * 201], "at most 200"),
    (["--curator", "𝛼" * 101], "at most 100"),
    (["--paper", "nope'; DROP TABLE measurement; --"], "no paper"),
    (["--source", "%"], "no paper"),
    (["--host", "Cu foam"], "category"),
]


def test_hostile_result_add_values_are_refused_in_one_line(sqlite_cli):
    sqlite_cli("init", check=True)
    before = database_snapshot(sqlite_cli.url)
    base = [
        "result",
        "add",
        "--paper",
        "sun2025review-ref98",
        "--ce",
        "99.2",
        "--current",
        "1",
        "--capacity",
        "3",
        "--cycles",
        "777",
        "--no-input",
    ]
    for extra, expected in HOSTILE_ADDS:
        process = sqlite_cli(*base, *extra)  # a later option wins over the same option in base
        line = assert_user_error(process, 1, expected)
        assert process.stdout == "", (extra, process.stdout)
        assert len(line) < 400, line  # a long value is not echoed back in full
    assert database_snapshot(sqlite_cli.url) == before


def test_hostile_but_valid_text_is_stored_exactly(sqlite_cli):
    text = "Li‖Cu 𝛼-phase ☃ \u202eRTL\u202c 'q' \"dq\" \\ % _ <b> ; -- " + "長" * 20_000
    sqlite_cli("init", check=True)
    added = sqlite_cli(
        "result",
        "add",
        "--paper",
        "sun2025review-ref98",
        "--ce",
        "99.2",
        "--current",
        "1",
        "--capacity",
        "3",
        "--cycles",
        "778",
        "--note",
        text,
        "--quote",
        NASTY["drop"],
        "--label",
        NASTY["html"],
        "--category",
        "other",
        "--no-input",
        check=True,
    )
    record = sqlite_cli.json("result", "show", added.stdout.strip())
    assert (record["note"], record["quote"], record["label"]) == (text, NASTY["drop"], NASTY["html"])


@pytest.mark.end_to_end
def test_a_value_that_is_not_utf8_is_refused_in_one_line(sqlite_cli):
    sqlite_cli("init", check=True)
    before = database_snapshot(sqlite_cli.url)
    args = [
        os.fsencode(sqlite_cli.executable),
        b"result",
        b"add",
        b"--paper",
        b"sun2025review-ref98",
        b"--ce",
        b"99.2",
        b"--current",
        b"1",
        b"--capacity",
        b"3",
        b"--note",
        b"bad \xff byte",
        b"--no-input",
    ]
    process = subprocess.run(args, capture_output=True, text=True, cwd=sqlite_cli.cwd, env=sqlite_cli.env, timeout=60)
    assert_user_error(process, 1)
    assert database_snapshot(sqlite_cli.url) == before


def test_a_huge_cycle_count_on_the_command_line_is_refused_in_one_line(sqlite_cli):
    sqlite_cli("init", check=True)
    before = database_snapshot(sqlite_cli.url)
    process = sqlite_cli(
        "result",
        "add",
        "--paper",
        "sun2025review-ref98",
        "--ce",
        "99.2",
        "--current",
        "1",
        "--capacity",
        "3",
        "--cycles",
        "1e30",
        "--no-input",
    )
    assert_user_error(process, 1, "cycles")
    assert database_snapshot(sqlite_cli.url) == before
