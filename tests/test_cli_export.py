"""cedb export table on the bundled dataset: the review's Table 2 selection, every format parsed back, --bib."""

import csv
import io
import json
import re
from html.parser import HTMLParser
import yaml

from cedb import exports
from cedb.resources import curation_dir
from conftest import assert_user_error, database_snapshot

TABLE2 = ("export", "table", "--practical", "--min-ce", "99")


def table2_from_the_curation_files() -> set[tuple[str, float, float, float]]:
    """Every bundled result with CE ≥ 99 % at ≥ 1 mA cm⁻² and ≥ 3 mAh cm⁻² (the review, Section 2.5 / Fig. 5)."""
    expected = set()
    for path in sorted(curation_dir().glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for m in data.get("measurements") or []:
            current, capacity = m.get("current_density_mA_cm2"), m.get("areal_capacity_mAh_cm2")
            if current is not None and capacity is not None and current >= 1 and capacity >= 3 and m["ce_percent"] >= 99:
                expected.add((data["reference"]["key"], float(m["ce_percent"]), float(current), float(capacity)))
    return expected


def _md_rows(text: str) -> tuple[list[str], list[list[str]], dict[str, str]]:
    lines = text.splitlines()
    table = [re.split(r"(?<!\\)\|", line.strip())[1:-1] for line in lines if line.startswith("|")]
    table = [[cell.strip() for cell in row] for row in table]
    numbers = {m.group(1): m.group(2) for m in (re.match(r"^(\d+)\. ([^:\s]+)", line) for line in lines) if m}
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
    assert header == list(exports.TABLE_COLUMNS)
    groups = [row[0] for row in rows if row[0].startswith("**")]
    assert groups == ["**Composite Li anodes**", "**Electrolyte engineering**"]
    data = [row for row in rows if not row[0].startswith("**")]
    got = {(numbers[row[6]], float(row[5].rstrip("#")), float(row[2]), float(row[3])) for row in data}
    assert got == expected and len(data) == len(expected)
    assert sorted(numbers, key=int) == [str(i) for i in range(1, len(numbers) + 1)]
    assert [row[6] for row in data] == sorted((row[6] for row in data), key=int)  # numbered by first appearance
    caption = process.stdout.splitlines()[0]
    assert f"({len(expected)} results), at practical conditions" in caption
    assert "current ≥ 1 mA cm⁻², capacity ≥ 3 mAh cm⁻²" in caption and "with CE ≥ 99 %" in caption
    assert f"{len(expected)} results, {len(numbers)} references" in process.stderr


def test_caption_states_overridden_and_strict_thresholds(sqlite_cli):
    caption = sqlite_cli("export", "table", "--practical", "--min-capacity", "4", "--strict",
                         "--format", "md", check=True).stdout.splitlines()[0]
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

    document = json.loads(cli(*TABLE2, "--format", "json", check=True).stdout)
    rows = [row for group in document["groups"] for row in group["rows"]]
    assert {(r["paper"], float(r["CE (%)"].rstrip("#"))) for r in rows} == expected
    numbers = {ref["number"]: ref["key"] for ref in document["references"]}
    assert all(numbers[int(r["Ref."])] == r["paper"] for r in rows)

    parser = _Html()
    parser.feed(cli(*TABLE2, "--format", "html", check=True).stdout)
    cells = [row for row in parser.rows if len(row) == len(exports.TABLE_COLUMNS)]
    assert cells[0] == list(exports.TABLE_COLUMNS) and len(cells) - 1 == len(expected)

    latex, bib = tmp_path / "table.tex", tmp_path / "table.bib"
    process = cli(*TABLE2, "--format", "latex", "-o", latex, "--bib", bib, check=True)
    assert process.stdout == "" and f"wrote {latex}, {bib}" in process.stderr
    text = latex.read_text(encoding="utf-8")
    cited = list(dict.fromkeys(re.findall(r"\\cite\{([^}]+)\}", text)))
    assert set(cited) == {key for key, _ in expected}
    entries = parse_file(str(bib), "bibtex").entries
    assert list(entries) == cited  # exactly the cited references, keyed as cited, in citation order
    assert "\\toprule" in text and "\\bottomrule" in text

    xlsx = tmp_path / "table.xlsx"
    cli(*TABLE2, "--format", "xlsx", "-o", xlsx, check=True)
    sheet = load_workbook(xlsx)["CE table"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]
    assert {(row[-1], float(str(row[5]).rstrip("#"))) for row in values if row[-1]} == expected


def test_export_errors_write_nothing(sqlite_cli, tmp_path):
    sqlite_cli("query", "--limit", "0", check=True)
    before = database_snapshot(sqlite_cli.url)
    assert_user_error(sqlite_cli("export", "table", "--format", "xlsx"), contains="give the file with -o")
    bad = sqlite_cli("export", "table", "--format", "docx")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert_user_error(sqlite_cli("export", "table", "--profile", "nope", "-o", tmp_path / "t.md"),
                      contains="unknown profile 'nope'")
    assert not (tmp_path / "t.md").exists()
    assert database_snapshot(sqlite_cli.url) == before


EVIL = "<script>alert(1)</script> =SUM(A1) 50% & $x_1^2$ {~} \\ #"


def test_hostile_text_is_escaped_in_every_format(sqlite_cli, tmp_path):
    sqlite_cli("result", "add", "--paper", "sun2025review-ref107", "--ce", "99.9", "--current", "2",
               "--capacity", "4", "--category", "interface", "--label", EVIL, "--host", "@cmd|' /C calc'!A0",
               "--full-cell-derived", "--no-input", check=True)
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
