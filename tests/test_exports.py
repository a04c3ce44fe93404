"""Review tables (cedb.exports): grouping, numbering, caption, and every format parsed back and checked for safety."""

import csv
import io
import json
import re
import shutil
import subprocess
import zipfile
from datetime import date
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cedb import exports

EVIL = "<script>alert('x')</script> 50% & $x_1^2$ {~} \\ # | =cmd()"


def _row(id, paper, year, category, ce, label="host", **extra):
    return {"id": id, "paper": paper, "year": year, "category": category, "label": label, "host": extra.get("host"),
            "electrolyte": extra.get("electrolyte"), "additive": extra.get("additive"),
            "current_density_mA_cm2": extra.get("current", 1.0), "areal_capacity_mAh_cm2": extra.get("capacity", 3.0),
            "cycles": extra.get("cycles"), "ce_percent": ce, "full_cell_derived": extra.get("full", False)}


ROWS = [
    _row(1, "zhang2023", 2023, "electrolyte", 99.6, "LiNO3/CuF2", electrolyte="1 M LiPF6 EC/DEC", additive="LiNO3",
         current=3, cycles=150),
    _row(2, "ref100", None, "composite-anode", 99.2, "Mo2N host", host="Mo2N-CNF", current=4),
    _row(3, "ref98", None, "composite-anode", 99.0, "3D-HCF", host="hollow carbon fibres", current=2, capacity=4),
    _row(4, "mai2018", 2018, "composite-anode", 99.5, "ZnO-CNT", host="ZnO-CNT", current=2),
    _row(5, "zhang2023", 2023, "electrolyte", 99.9, "full cell", full=True, cycles=200),
    _row(6, "xu2021", 2021, "electrolyte", 99.4, "LHCE"),
    _row(7, "kim2022", 2022, None, 99.1, "unfiled"),
    _row(8, "evil2024", 2024, "interface", 99.3, EVIL, host="=HYPERLINK(\"http://x\")", additive="@SUM(A1)",
         electrolyte="-2+3"),
]


@pytest.fixture
def table():
    built = exports.build_table(ROWS, caption=exports.caption(
        profile_description="≥ 1 mA cm⁻² and ≥ 3 mAh cm⁻²", practical=True, strict=False, min_ce=99, max_ce=None,
        count=len(ROWS), today=date(2025, 2, 19)))
    built.citations = {"zhang2023": "Zhang et al., Nature Energy, 2023"}
    return built


def test_groups_order_years_and_numbering(table):
    titles = [title for title, _ in table.groups]
    assert titles == ["Composite Li anodes", "Electrolyte engineering", "Interface engineering",
                      "Strategy not recorded"]
    composite = [row["paper"] for row in table.groups[0][1]]
    assert composite == ["mai2018", "ref98", "ref100"]  # by year, missing years last, ref98 before ref100
    electrolyte = [(row["paper"], row["CE (%)"]) for row in table.groups[1][1]]
    assert electrolyte == [("xu2021", "99.4"), ("zhang2023", "99.6"), ("zhang2023", "99.9#")]
    assert table.references == ["mai2018", "ref98", "ref100", "xu2021", "zhang2023", "evil2024", "kim2022"]
    refs = [row["Ref."] for _, rows in table.groups for row in rows]
    assert refs == ["1", "2", "3", "4", "5", "5", "6", "7"]  # numbered by first appearance, reused
    first = table.groups[1][1][1]
    assert first["Host / electrolyte / additive"] == "1 M LiPF6 EC/DEC; LiNO3"
    assert (first["Current density (mA cm⁻²)"], first["Capacity (mAh cm⁻²)"], first["Cycles"]) == ("3", "3", "150")
    assert table.groups[0][1][1]["Cycles"] == ""


def test_caption_states_the_selection():
    text = exports.caption(profile_description="rule", practical=True, strict=True, min_ce=99, max_ce=99.9, count=1,
                           today=date(2025, 1, 2))
    assert text == ("CE of Li metal anodes from the cedb database (1 result), at practical conditions (rule; strict "
                    "inequalities), with CE between 99 % and 99.9 %; exported 2025-01-02. # CE derived from full-cell "
                    "data.")
    assert "not at practical conditions (rule)" in exports.caption(profile_description="rule", practical=False,
                                                                   strict=False, min_ce=None, max_ce=None, count=0)
    assert "with CE ≤ 98 %" in exports.caption(profile_description=None, practical=None, strict=False, min_ce=None,
                                               max_ce=98, count=2)


@pytest.mark.parametrize(("text", "safe"), [
    ("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("-2", "-2"), ("+1.5", "+1.5"), ("plain", "plain"), ("", ""), ("a=b", "a=b"),
])
def test_csv_safe(text, safe):
    assert exports.csv_safe(text) == safe


# --------------------------------------------------------------------------- every format parsed back


def _expected_rows(table):
    return [[row[c] for c in exports.TABLE_COLUMNS] for _, rows in table.groups for row in rows]


def test_csv_parsed_back_cannot_start_formulas(table):
    rows = list(csv.reader(io.StringIO(exports.to_csv(table))))
    assert rows[0] == ["Group", *exports.TABLE_COLUMNS, "Key"]
    body = rows[1:]
    assert len(body) == len(ROWS)
    for cell in (cell for row in body for cell in row):
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
            float(cell)  # only plain numbers may start like a formula
    evil = next(row for row in body if row[-1] == "evil2024")
    assert evil[1] == EVIL  # starts with "<": nothing to neutralise
    assert evil[2] == "'=HYPERLINK(\"http://x\"); -2+3; @SUM(A1)"
    assert [row[1:-1] for row in body] == [[exports.csv_safe(v) for v in row] for row in _expected_rows(table)]


def test_json_parsed_back(table):
    document = json.loads(exports.to_json(table))
    assert document["caption"] == table.caption
    assert document["columns"] == list(exports.TABLE_COLUMNS)
    assert [g["title"] for g in document["groups"]] == [title for title, _ in table.groups]
    got = [[row[c] for c in exports.TABLE_COLUMNS] for g in document["groups"] for row in g["rows"]]
    assert got == _expected_rows(table)
    assert document["references"][4] == {"number": 5, "key": "zhang2023",
                                         "citation": "Zhang et al., Nature Energy, 2023"}


def _split_md(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    # Markdown renders raw HTML, so the writer emits < and > as entities: read them back.
    return [c.strip().replace("\\|", "|").replace("\\\\", "\\").replace("&lt;", "<").replace("&gt;", ">")
            for c in cells]


def test_markdown_parsed_back(table):
    text = exports.to_markdown(table)
    lines = text.splitlines()
    assert lines[0] == f"**Table.** {table.caption}"
    table_lines = [line for line in lines if line.startswith("|")]
    assert _split_md(table_lines[0]) == list(exports.TABLE_COLUMNS)
    assert set(table_lines[1]) <= set("|-")
    body = [_split_md(line) for line in table_lines[2:]]
    assert all(len(cells) == len(exports.TABLE_COLUMNS) for cells in body)
    assert [cells for cells in body if not cells[0].startswith("**")] == _expected_rows(table)
    assert [cells[0] for cells in body if cells[0].startswith("**")] == [f"**{t}**" for t, _ in table.groups]
    assert "5. zhang2023: Zhang et al., Nature Energy, 2023" in lines
    assert "1. mai2018" in lines


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.rows, self.caption, self.items = [], [], "", []
        self._where = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th", "caption", "li"):
            self._where = tag
            if tag in ("td", "th"):
                self.rows[-1].append("")
            elif tag == "li":
                self.items.append("")

    def handle_endtag(self, tag):
        self._where = None

    def handle_data(self, data):
        if self._where in ("td", "th"):
            self.rows[-1][-1] += data
        elif self._where == "caption":
            self.caption += data
        elif self._where == "li":
            self.items[-1] += data


def test_html_parsed_back_escapes_everything(table):
    text = exports.to_html(table)
    assert "<script>" not in text and "&lt;script&gt;" in text
    parser = _Cells()
    parser.feed(text)
    assert "script" not in parser.tags
    assert parser.caption == table.caption
    assert parser.rows[0] == list(exports.TABLE_COLUMNS)
    data_rows = [row for row in parser.rows[1:] if len(row) == len(exports.TABLE_COLUMNS)]
    assert data_rows == _expected_rows(table)
    assert EVIL in [row[0] for row in data_rows]
    assert parser.items[4] == "zhang2023: Zhang et al., Nature Energy, 2023"


def test_xlsx_parsed_back_holds_no_formulas(table, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "table.xlsx"
    exports.write_xlsx(table, path)
    with zipfile.ZipFile(path) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in sheet or "<f " in sheet for sheet in sheets)
    book = load_workbook(path)
    sheet = book["CE table"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == table.caption
    assert values[2] == list(exports.TABLE_COLUMNS) + ["Key"]
    data = [row for row in values[3:] if row[-1] is not None]  # group title rows have no key
    assert len(data) == len(ROWS)
    evil = next(row for row in data if row[-1] == "evil2024")
    assert evil[0] == EVIL and evil[1] == "=HYPERLINK(\"http://x\"); -2+3; @SUM(A1)"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    numbers = next(row for row in data if row[-1] == "zhang2023")
    assert numbers[2:5] == [3, 3, 150] and numbers[5] == 99.6  # numbers stay numbers
    refs = [[c.value for c in row] for row in book["References"].iter_rows()]
    assert refs[0] == ["Ref.", "Key", "Citation"]
    assert [r[1] for r in refs[1:]] == table.references


LATEX_COMMANDS = {"textbackslash", "textasciitilde", "textasciicircum", "textless", "textgreater", "textbar",
                  "textsuperscript", "textsubscript", "textdegree", "textmu", "textit", "multicolumn", "begin", "end",
                  "cite", "caption", "label", "centering", "begin", "end", "toprule", "midrule", "bottomrule"}
MATH = re.compile(r"\$\\(geq|leq|times|alpha|beta|gamma|delta|Vert)\$")


def assert_latex_safe(text: str) -> None:
    """A tiny tokenizer: no special character is left unescaped outside the commands cedb emits."""
    i, depth = 0, 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            command = re.match(r"\\([A-Za-z]+)", text[i:])
            if command:
                assert command.group(1) in LATEX_COMMANDS, (command.group(1), text)
                i += len(command.group(0))
                if text[i:i + 1] == "{":
                    depth += 1
                    i += 1
                continue
            assert text[i + 1:i + 2] in set("&%$#_{},\\"), (text[i:i + 5], text)
            i += 2
            continue
        if char == "$":
            math = MATH.match(text, i)
            assert math, ("unescaped $", text[i:i + 10], text)
            i = math.end()
            continue
        if char == "}":
            assert depth > 0, ("unbalanced }", text)
            depth -= 1
        elif char == "{":
            if text[i - 1:i] == "}":  # the next argument of a command (\multicolumn{7}{l}{...})
                depth += 1
            else:
                raise AssertionError(("unescaped {", text[max(0, i - 10):i + 10]))
        else:
            assert char not in "%&#_~^", (char, text[max(0, i - 10):i + 10])
        i += 1
    assert depth == 0, text


def _detex(text: str) -> str:
    """Undo cedb's escaping of plain text (the inverse of latex_escape for ASCII input)."""
    words = {"textbackslash": "\\", "textasciitilde": "~", "textasciicircum": "^", "textless": "<",
             "textgreater": ">", "textbar": "|"}
    text = re.sub(r"\\textsubscript\{(\d+)\}", r"\1", text)
    text = re.sub(r"\\([A-Za-z]+)\{\}", lambda m: words[m.group(1)], text)
    return re.sub(r"\\([&%$#_{}])", r"\1", text)


@pytest.mark.parametrize("char", list("\\&%$#_{}~^<>|"))
def test_every_latex_special_character_is_escaped(char):
    text = f"a{char}b {char}{char} LiNO3{char}"
    escaped = exports.latex_escape(text)
    assert_latex_safe(escaped)
    assert _detex(escaped) == text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="\\&%$#_{}~^<>| aZiLNO3(2)-=+@.,;:'\"!?", max_size=40))
def test_latex_escape_property(text):
    escaped = exports.latex_escape(text)
    assert_latex_safe(escaped)
    assert _detex(escaped) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("LiNO3", r"LiNO\textsubscript{3}"),
    ("LiNO3/CuF2", r"LiNO\textsubscript{3}/CuF\textsubscript{2}"),
    ("Li2O-rich SEI", r"Li\textsubscript{2}O-rich SEI"),
    ("Mo2N-CNF", r"Mo\textsubscript{2}N-CNF"),
    ("NCM523", "NCM523"),  # a cathode name, not a formula
    ("3D-HCF", "3D-HCF"),
    ("1 M LiPF6 in EC/DEC", r"1 M LiPF\textsubscript{6} in EC/DEC"),
    ("≥ 99.9 % at 1 mA cm⁻²", r"$\geq$ 99.9 \% at 1 mA cm\textsuperscript{-}\textsuperscript{2}"),
    ("line\nbreak", "line break"),
])
def test_latex_formulas_and_unicode(text, expected):
    assert exports.latex_escape(text) == expected


def test_latex_table_structure(table):
    text = exports.to_latex(table)
    lines = text.splitlines()
    for marker in (r"\begin{table}[htbp]", r"\toprule", r"\midrule", r"\bottomrule", r"\end{tabular}",
                   r"\end{table}"):
        assert marker in lines
    assert re.search(r"\\begin\{tabular\}\{[^}]*\}", text)
    assert lines.index(r"\toprule") < lines.index(r"\bottomrule")
    assert r"\caption{" + exports.latex_escape(table.caption) + "}" in lines
    rows = [line for line in lines if line.endswith(r"\\") and r"\cite{" in line]
    assert len(rows) == len(ROWS)
    for row in rows:
        cells = re.split(r"(?<!\\)&", row[:-2])
        assert len(cells) == 7
        assert re.fullmatch(r"\s*\\cite\{[A-Za-z0-9_:.+-]+\}\s*", cells[-1])
        for cell in cells[:-1]:  # the text cells: nothing unescaped
            assert_latex_safe(cell)
    caption = next(line for line in lines if line.startswith(r"\caption{"))
    assert_latex_safe(caption[len(r"\caption{"):-1])
    assert [re.search(r"\\cite\{([^}]*)\}", row).group(1) for row in rows] == [
        row["paper"] for _, members in table.groups for row in members]
    assert sum(r"\multicolumn{7}{l}{\textit{" in line for line in lines) == len(table.groups)
    assert r"LiNO\textsubscript{3}/CuF\textsubscript{2}" in text
    assert "99.9\\#" in text


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_latex_table_compiles(table, tmp_path):
    document = ("\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage[utf8]{inputenc}\n"
                "\\usepackage{booktabs,textcomp}\n\\begin{document}\n" + exports.to_latex(table)
                + "\\end{document}\n")
    (tmp_path / "table.tex").write_text(document, encoding="utf-8")
    process = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "table.tex"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stdout[-3000:]
    assert (tmp_path / "table.pdf").exists()


def test_render_refuses_unknown_and_binary_formats(table):
    from cedb.errors import InvalidValue

    with pytest.raises(InvalidValue, match="xlsx needs -o"):
        exports.render(table, "xlsx")
    assert exports.render(table, "md") == exports.to_markdown(table)
