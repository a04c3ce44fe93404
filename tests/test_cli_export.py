"""cedb export table on the bundled dataset: the review's Table 2 selection, every format parsed back, --bib."""

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest
import yaml
from conftest import assert_user_error, database_snapshot

from cedb import exports
from cedb.resources import curation_dir

TABLE2 = ("export", "table", "--practical", "--min-ce", "99")
HEADERS = [exports.COLUMNS[c].header for c in exports.DEFAULT_COLUMNS]


def table2_from_the_curation_files() -> set[tuple[str, float, float, float]]:
    """Every bundled result with CE ≥ 99 % at ≥ 1 mA cm⁻² and ≥ 3 mAh cm⁻² (the review, Section 2.5 / Fig. 5)."""
    expected = set()
    for path in sorted(curation_dir().glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for m in data.get("measurements") or []:
            current, capacity = m.get("current_density_mA_cm2"), m.get("areal_capacity_mAh_cm2")
            if (
                current is not None
                and capacity is not None
                and current >= 1
                and capacity >= 3
                and m["ce_percent"] >= 99
            ):
                expected.add(
                    (
                        data["reference"]["key"],
                        float(m["ce_percent"]),
                        float(current),
                        float(capacity),
                    )
                )
    return expected


def _md_rows(text: str) -> tuple[list[str], list[list[str]], dict[str, str]]:
    lines = text.splitlines()
    table = [re.split(r"(?<!\\)\|", line.strip())[1:-1] for line in lines if line.startswith("|")]
    table = [[cell.strip() for cell in row] for row in table]
    numbers = {m.group(1): m.group(2) for m in (re.match(r"^(\d+)\. .*\[([^\]\s]+)\]$", line) for line in lines) if m}
    return table[0], table[2:], numbers


def test_table2_selection_in_markdown(cli):
    expected = table2_from_the_curation_files()
    # The review's text states these Table 2 / Fig. 5 results (refs 98-103, 106, 107, 109; ref 144 is 98.8 %).
    review = {key for key, *_ in expected if key.startswith("sun2025review-ref")}
    assert {key.rsplit("ref", 1)[1] for key in review} == {"98", "99", "100", "101", "102", "103", "106", "107", "109"}
    # The primary papers add theirs (xu2021mthf: 99.7 % at 1 mA cm-2 and 99.5 % at 3 mA cm-2, both 3 mAh cm-2).
    assert ("xu2021mthf", 99.7, 1.0, 3.0) in expected and ("xu2021mthf", 99.5, 3.0, 3.0) in expected
    process = cli(*TABLE2, "--format", "md", check=True)
    header, rows, numbers = _md_rows(process.stdout)
    assert header == HEADERS
    groups = [row[0] for row in rows if row[0].startswith("**")]
    assert groups == ["**Composite Li anodes**", "**Electrolyte engineering**"]
    data = [row for row in rows if not row[0].startswith("**")]
    got = {(numbers[row[6]], float(row[5].strip("#>*†")), float(row[2]), float(row[3])) for row in data}
    assert got == expected and len(data) == len(expected)
    assert sorted(numbers, key=int) == [str(i) for i in range(1, len(numbers) + 1)]
    assert numbers[str(len(numbers))] == "sun2025review"  # the review the placeholders are cited through
    assert [row[6] for row in data] == sorted((row[6] for row in data), key=int)  # numbered by first appearance
    caption = process.stdout.splitlines()[0]
    assert f"({len(expected)} results), at practical conditions" in caption
    assert "current ≥ 1 mA cm⁻², capacity ≥ 3 mAh cm⁻²" in caption and "with CE ≥ 99 %" in caption
    assert f"{len(expected)} results, {len(numbers)} references" in process.stderr


def test_caption_states_overridden_and_strict_thresholds(sqlite_cli):
    caption = sqlite_cli(
        "export",
        "table",
        "--practical",
        "--min-capacity",
        "4",
        "--strict",
        "--format",
        "md",
        check=True,
    ).stdout.splitlines()[0]
    assert "current > 1 mA cm⁻², capacity > 4 mAh cm⁻²" in caption


class _Html(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.tags, self._cell = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        self._cell = tag in ("td", "th")
        if self._cell:
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        self._cell = False

    def handle_data(self, data):
        if self._cell:
            self.rows[-1][-1] += data


def test_every_format_parses_back_to_the_same_table(cli, tmp_path):
    from openpyxl import load_workbook
    from pybtex.database import parse_file

    expected = {(key, ce) for key, ce, *_ in table2_from_the_curation_files()}

    as_csv = list(csv.DictReader(io.StringIO(cli(*TABLE2, "--format", "csv", check=True).stdout)))
    assert {(r["Key"], float(r["CE (%)"].rstrip("#"))) for r in as_csv} == expected
    assert {r["CE (%)"] for r in as_csv if r["Key"].endswith(("ref98", "ref101"))} == {"99.0"}  # as reported

    document = json.loads(cli(*TABLE2, "--format", "json", check=True).stdout)
    rows = [row for group in document["groups"] for row in group["rows"]]
    assert {(r["paper"], float(r["CE (%)"].rstrip("#"))) for r in rows} == expected
    numbers = {ref["number"]: ref["key"] for ref in document["references"]}
    assert all(numbers[int(r["Ref."])] == r["paper"] for r in rows)

    parser = _Html()
    parser.feed(cli(*TABLE2, "--format", "html", check=True).stdout)
    cells = [row for row in parser.rows if len(row) == len(HEADERS)]
    assert cells[0] == HEADERS and len(cells) - 1 == len(expected)

    latex, bib = tmp_path / "table.tex", tmp_path / "table.bib"
    process = cli(*TABLE2, "--format", "latex", "-o", latex, "--bib", bib, check=True)
    assert process.stdout == "" and f"wrote {latex}, {bib}" in process.stderr
    text = latex.read_text(encoding="utf-8")
    cited = list(dict.fromkeys(re.findall(r"\\cite\{([^}]+)\}", text)))
    # A result known only through the review is cited as "ref. N in \cite{review}", N from its key;
    # a curated primary paper is cited by its own key.
    primary = sorted({key for key, _ in expected if not key.startswith("sun2025review-ref")})
    assert cited == ["sun2025review", *primary]
    refs_in_review = set(re.findall(r"ref\.~(\d+) in \\cite\{sun2025review\}", text))
    assert refs_in_review == {key.rsplit("ref", 1)[1] for key, _ in expected if key.startswith("sun2025review-ref")}
    entries = parse_file(str(bib), "bibtex").entries
    assert sorted(entries) == sorted(cited)  # exactly the cited references, no empty placeholder
    assert "\\toprule" in text and "\\bottomrule" in text

    xlsx = tmp_path / "table.xlsx"
    cli(*TABLE2, "--format", "xlsx", "-o", xlsx, check=True)
    sheet = load_workbook(xlsx)["CE table"]
    assert [cell.value for cell in sheet[1]][:2] == [
        "Group",
        "Strategy",
    ] and sheet.freeze_panes == "A2"
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert {(row[-1], row[6]) for row in values} == expected


def test_export_errors_write_nothing(sqlite_cli, tmp_path):
    sqlite_cli("query", "--limit", "0", check=True)
    before = database_snapshot(sqlite_cli.url)
    assert_user_error(sqlite_cli("export", "table", "--format", "xlsx"), contains="give the file with -o")
    bad = sqlite_cli("export", "table", "--format", "docx")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert_user_error(
        sqlite_cli("export", "table", "--profile", "nope", "-o", tmp_path / "t.md"),
        contains="unknown profile 'nope'",
    )
    assert not (tmp_path / "t.md").exists()
    assert database_snapshot(sqlite_cli.url) == before


EVIL = "<script>alert(1)</script> =SUM(A1) 50% & $x_1^2$ {~} \\ #"


def test_hostile_text_is_escaped_in_every_format(sqlite_cli, tmp_path):
    sqlite_cli(
        "result",
        "add",
        "--paper",
        "sun2025review-ref107",
        "--ce",
        "99.9",
        "--current",
        "2",
        "--capacity",
        "4",
        "--category",
        "interface",
        "--label",
        EVIL,
        "--host",
        "@cmd|' /C calc'!A0",
        "--full-cell-derived",
        "--no-input",
        check=True,
    )
    # only the added row: the bundled primary papers also hold interface results
    select = ("export", "table", "--category", "interface", "--paper", "sun2025review-ref107")
    html = sqlite_cli(*select, "--format", "html", check=True).stdout
    parser = _Html()
    parser.feed(html)
    assert "script" not in parser.tags and "&lt;script&gt;" in html
    assert [row[0] for row in parser.rows if len(row) == 7][1] == EVIL

    rows = list(csv.reader(io.StringIO(sqlite_cli(*select, "--format", "csv", check=True).stdout)))
    assert rows[1][1] == EVIL and rows[1][2] == "'@cmd|' /C calc'!A0"
    assert rows[1][6] == "99.9#"

    latex = sqlite_cli(*select, "--format", "latex", check=True).stdout
    line = next(line for line in latex.splitlines() if r"\cite{" in line)
    from test_exports import assert_latex_safe

    for cell in re.split(r"(?<!\\)&", line[:-2])[:-1]:
        assert_latex_safe(cell)
    assert r"\textless{}script\textgreater{}" in line and r"99.9\#" in line

    xlsx = tmp_path / "evil.xlsx"
    sqlite_cli(*select, "--format", "xlsx", "-o", xlsx, check=True)
    import zipfile

    with zipfile.ZipFile(xlsx) as archive:
        assert not any("<f>" in archive.read(n).decode() for n in archive.namelist() if "worksheets" in n)


# --------------------------------------------------------------------------- in process (typer's CliRunner)


BIB = """\
@article{alpha2022,
  title = {A high CE electrolyte},
  author = {Alpha, Ann and Beta, Ben},
  journal = {Test J.},
  year = {2022}
}
@article{gamma2023,
  title = {An interface layer},
  author = {Gamma, Gil},
  journal = {Test J.},
  year = {2023}
}
"""
REPORTED = ("99.0", "99.50", "99.9")  # as a paper states them: the decimals are part of the value


@pytest.fixture
def run(tmp_path):
    """`cedb --db URL ...` in process, on an empty database with the two papers of BIB."""
    from typer.testing import CliRunner

    from cedb.cli.main import app

    url = f"sqlite:///{tmp_path / 'cedb.sqlite'}"
    runner = CliRunner()

    def invoke(*args, ok=True, db=url):
        result = runner.invoke(app, ["--db", db, *map(str, args)], env={"NO_COLOR": "1"})
        if ok:
            assert result.exit_code == 0, (args, result.output, result.exception)
        return result

    from cedb.store.db import make_engine, prepare

    engine = make_engine(url)
    prepare(engine, load_bundled=False)
    engine.dispose()
    (tmp_path / "p.bib").write_text(BIB)
    invoke("paper", "add", tmp_path / "p.bib")
    invoke.url = url
    return invoke


def _every_format(run, tmp_path, *select) -> dict[str, list[str]]:
    """The CE column of the table in each format, as text (XLSX: the number shown by its format)."""
    from openpyxl import load_workbook

    out = {}
    out["csv"] = [r["CE (%)"] for r in csv.DictReader(io.StringIO(run(*select, "-f", "csv").stdout))]
    out["json"] = [r["CE (%)"] for g in json.loads(run(*select, "-f", "json").stdout)["groups"] for r in g["rows"]]
    _, rows, _ = _md_rows(run(*select, "-f", "md").stdout)
    out["md"] = [row[5] for row in rows if not row[0].startswith("**")]
    parser = _Html()
    parser.feed(run(*select, "-f", "html").stdout)
    out["html"] = [row[5] for row in parser.rows[1:] if len(row) == 7]
    latex = run(*select, "-f", "latex").stdout
    out["latex"] = [re.split(r"(?<!\\)&", line)[5].strip() for line in latex.splitlines() if r"\cite{" in line]
    run(*select, "-f", "xlsx", "-o", tmp_path / "t.xlsx")
    sheet = load_workbook(tmp_path / "t.xlsx")["CE table"]
    out["xlsx"] = [
        f"{c.value:.{len(c.number_format) - 2}f}" if c.number_format.startswith("0.") else str(c.value)
        for c in sheet["G"][1:]
    ]
    return out


def test_reported_precision_round_trips_through_add_curation_and_import(run, tmp_path):
    for i, ce in enumerate(REPORTED, 1):
        run(
            "result",
            "add",
            "--paper",
            "alpha2022",
            "--ce",
            ce,
            "--current",
            str(i),
            "--capacity",
            "3",
            "--category",
            "electrolyte",
            "--label",
            "LHCE",
            "--no-input",
        )
    select = ("export", "table", "--sort", "id")
    assert _every_format(run, tmp_path, *select) == {
        fmt: list(REPORTED) for fmt in ("csv", "json", "md", "html", "latex", "xlsx")
    }
    # Curation files: dumped as written, loaded back into a new database unchanged.
    run("curate", "dump", tmp_path / "dumped")
    dumped = (tmp_path / "dumped" / "alpha2022.yaml").read_text()
    assert [line.split(": ")[1] for line in dumped.splitlines() if "ce_percent" in line] == list(REPORTED)
    assert "ce_decimals" not in dumped  # the digits say it
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    run("curate", "load", tmp_path / "dumped", db=other)
    csv_text = run(*select, "--paper", "alpha2022", "-f", "csv", db=other).stdout  # beside the bundled data
    assert [r["CE (%)"] for r in csv.DictReader(io.StringIO(csv_text))] == list(REPORTED)
    # An edit brings the precision of the new value.
    run("result", "edit", "1", "--ce", "99.10")
    assert [r["CE (%)"] for r in csv.DictReader(io.StringIO(run(*select, "-f", "csv").stdout))][0] == "99.10"
    # Import from a spreadsheet (CSV cells are text, so their digits count).
    (tmp_path / "r.csv").write_text(
        "Paper,CE,j,Q\n" + "".join(f"gamma2023,{ce},{i},4\n" for i, ce in enumerate(REPORTED, 1))
    )
    (tmp_path / "m.yaml").write_text("columns: {paper: Paper, ce: CE, current: j, capacity: Q}\n")
    run("result", "import", tmp_path / "r.csv", "--map", tmp_path / "m.yaml")
    imported = run("export", "table", "--paper", "gamma2023", "-f", "csv", "--sort", "id").stdout
    assert [r["CE (%)"] for r in csv.DictReader(io.StringIO(imported))] == list(REPORTED)


def test_curation_file_precision(run, tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "delta2024.yaml").write_text(
        "reference: {key: delta2024, title: Delta, year: 2024}\n"
        "measurements:\n"
        + "".join(
            f"- {{ce_percent: {ce}, current_density_mA_cm2: {i}}}\n" for i, ce in enumerate(REPORTED + ("99",), 1)
        )
    )
    run("curate", "load", tmp_path / "c")
    text = run("export", "table", "--paper", "delta2024", "-f", "csv", "--sort", "id").stdout
    assert [r["CE (%)"] for r in csv.DictReader(io.StringIO(text))] == [*REPORTED, "99"]
    rows = json.loads(run("query", "--paper", "delta2024", "--format", "json").stdout)
    assert [r["ce_percent"] for r in rows] == [99.0, 99.5, 99.9, 99.0]  # the numbers stay numbers


def test_columns_caption_and_no_caption(run):
    run(
        "result",
        "add",
        "--paper",
        "alpha2022",
        "--ce",
        "99.5",
        "--current",
        "1",
        "--capacity",
        "3",
        "--cell",
        "li-cu",
        "--method",
        "aurbach",
        "--statistic",
        "exceeding",
        "--category",
        "electrolyte",
        "--label",
        "LHCE",
        "--electrolyte",
        "LHCE (Fig. 2 caption)",
        "--no-input",
    )
    select = ("export", "table", "-f", "md")
    text = run(*select, "--columns", "ref,ce,cell,method,electrolyte").stdout
    header, rows, numbers = _md_rows(text)
    assert header == ["Ref.", "CE (%)", "Cell", "CE method", "Electrolyte"]
    assert rows[1] == ["1", "&gt;99.5", "li-cu", "aurbach", "LHCE"]  # the curation note is gone
    assert "Notes: &gt; CE reported as exceeding the value" in text
    assert numbers == {"1": "alpha2022"}
    assert run(*select, "--caption", "Table 2 of our paper.").stdout.startswith("**Table.** Table 2 of our paper.\n")
    bare = run(*select, "--no-caption").stdout
    assert "**Table.**" not in bare and bare.startswith("| Strategy |")
    assert "Notes: &gt;" in bare  # footnotes explain the markers whatever the caption
    both = run(*select, "--caption", "x", "--no-caption", ok=False)
    assert both.exit_code != 0 and "--caption or --no-caption" in str(both.exception)
    bad = run(*select, "--columns", "ce,doi", ok=False)
    assert "unknown column 'doi'" in str(bad.exception)


def test_bib_holds_exactly_the_cited_entries(run, tmp_path):
    from pybtex.database import parse_file

    for paper, ce in (("gamma2023", "99.2"), ("alpha2022", "99.6")):
        run(
            "result",
            "add",
            "--paper",
            paper,
            "--ce",
            ce,
            "--current",
            "2",
            "--capacity",
            "4",
            "--category",
            "interface",
            "--label",
            "layer",
            "--no-input",
        )
    run(
        "export",
        "table",
        "-f",
        "latex",
        "-o",
        tmp_path / "t.tex",
        "--bib",
        tmp_path / "t.bib",
        "--paper",
        "gamma2023",
    )
    assert list(parse_file(str(tmp_path / "t.bib"), "bibtex").entries) == ["gamma2023"]
    assert re.findall(r"\\cite\{([^}]+)\}", (tmp_path / "t.tex").read_text()) == ["gamma2023"]
