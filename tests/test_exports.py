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
from cedb.errors import InvalidValue

EVIL = "<script>alert('x')</script> 50% & $x_1^2$ {~} \\ # | =cmd()"


def _row(id, paper, year, category, ce, label="host", **extra):
    return {
        "id": id,
        "paper": paper,
        "year": year,
        "category": category,
        "label": label,
        "host": extra.get("host"),
        "electrolyte": extra.get("electrolyte"),
        "additive": extra.get("additive"),
        "current_density_mA_cm2": extra.get("current", 1.0),
        "areal_capacity_mAh_cm2": extra.get("capacity", 3.0),
        "cycles": extra.get("cycles"),
        "ce_percent": ce,
        "ce_decimals": extra.get("decimals"),
        "full_cell_derived": extra.get("full", False),
        "statistic": extra.get("statistic"),
        "cell": extra.get("cell"),
        "method": extra.get("method", "unspecified"),
        "source": extra.get("source"),
    }


ROWS = [
    _row(
        1,
        "zhang2023",
        2023,
        "electrolyte",
        99.6,
        "LiNO3/CuF2",
        electrolyte="1 M LiPF6 EC/DEC",
        additive="LiNO3",
        current=3,
        cycles=150,
    ),
    _row(2, "ref100", None, "composite-anode", 99.2, "Mo2N host", host="Mo2N-CNF", current=4),
    _row(
        3,
        "ref98",
        None,
        "composite-anode",
        99.0,
        "3D-HCF",
        host="hollow carbon fibres",
        current=2,
        capacity=4,
    ),
    _row(4, "mai2018", 2018, "composite-anode", 99.5, "ZnO-CNT", host="ZnO-CNT", current=2),
    _row(5, "zhang2023", 2023, "electrolyte", 99.9, "full cell", full=True, cycles=200),
    _row(6, "xu2021", 2021, "electrolyte", 99.4, "LHCE"),
    _row(7, "kim2022", 2022, None, 99.1, "unfiled"),
    _row(
        8,
        "evil2024",
        2024,
        "interface",
        99.3,
        EVIL,
        host='=HYPERLINK("http://x")',
        additive="@SUM(A1)",
        electrolyte="-2+3",
    ),
]
HEADERS = [exports.COLUMNS[c].header for c in exports.DEFAULT_COLUMNS]


@pytest.fixture
def table():
    built = exports.build_table(
        ROWS,
        caption=exports.caption(
            profile_description="≥ 1 mA cm⁻² and ≥ 3 mAh cm⁻²",
            practical=True,
            strict=False,
            min_ce=99,
            max_ce=None,
            count=len(ROWS),
        ),
        references={
            "zhang2023": {
                "authors": "Zhang, A. and Li, B.",
                "journal": "Nature Energy",
                "year": 2023,
                "doi": "10.1/x",
                "title": "T",
            }
        },
    )
    built.exported = date(2025, 2, 19)
    return built


def _cells(row):
    return [row["cells"][c] for c in exports.DEFAULT_COLUMNS]


def test_groups_order_years_and_numbering(table):
    titles = [title for title, _ in table.groups]
    assert titles == [
        "Composite Li anodes",
        "Electrolyte engineering",
        "Interface engineering",
        "Strategy not recorded",
    ]
    composite = [row["paper"] for row in table.groups[0][1]]
    assert composite == [
        "mai2018",
        "ref98",
        "ref100",
    ]  # by year, missing years last, ref98 before ref100
    electrolyte = [(row["paper"], row["cells"]["ce"]) for row in table.groups[1][1]]
    assert electrolyte == [("xu2021", "99.4"), ("zhang2023", "99.6"), ("zhang2023", "99.9#")]
    assert table.references == [
        "mai2018",
        "ref98",
        "ref100",
        "xu2021",
        "zhang2023",
        "evil2024",
        "kim2022",
    ]
    refs = [row["cells"]["ref"] for _, rows in table.groups for row in rows]
    assert refs == ["1", "2", "3", "4", "5", "5", "6", "7"]  # numbered by first appearance, reused
    first = table.groups[1][1][1]
    assert first["cells"]["materials"] == "1 M LiPF6 EC/DEC; LiNO3"
    assert [first["cells"][c] for c in ("current", "capacity", "cycles")] == ["3", "3", "150"]
    assert table.groups[0][1][1]["cells"]["cycles"] == ""
    assert exports.reference_numbers(ROWS) == {key: i for i, key in enumerate(table.references, 1)}


def test_columns_are_chosen_and_ordered():
    keys = exports.parse_columns("ref, ce,cell,method,statistic,host")
    assert keys == ("ref", "ce", "cell", "method", "statistic", "host")
    built = exports.build_table(
        [
            _row(
                1,
                "a2020",
                2020,
                "electrolyte",
                99.5,
                host="Cu",
                cell="li-cu",
                method="aurbach",
                statistic="exceeding",
                decimals=2,
            )
        ],
        caption="c",
        columns=keys,
    )
    assert built.headers == ["Ref.", "CE (%)", "Cell", "CE method", "Statistic", "Host"]
    row = built.groups[0][1][0]
    # With a Statistic column, the CE carries no statistic marker (and no footnote explains one).
    assert [row["cells"][c] for c in keys] == ["1", "99.50", "li-cu", "aurbach", "exceeding", "Cu"]
    assert built.notes == []
    assert exports.parse_columns(None) == exports.DEFAULT_COLUMNS
    for bad, message in (
        ("ce,nope", "unknown column 'nope'"),
        ("ce,ce", "twice"),
        (" , ", "at least one"),
    ):
        with pytest.raises(InvalidValue, match=message):
            exports.parse_columns(bad)


def test_caption_states_the_selection():
    text = exports.caption(profile_description="rule", practical=True, strict=True, min_ce=99, max_ce=99.9, count=1)
    assert text == (
        "CE of Li metal anodes from the cedb database (1 result), at practical conditions (rule; strict "
        "inequalities), with CE between 99 % and 99.9 %."
    )
    assert "not at practical conditions (rule)" in exports.caption(
        profile_description="rule", practical=False, strict=False, min_ce=None, max_ce=None, count=0
    )
    assert "with CE ≤ 98 %" in exports.caption(
        profile_description=None, practical=None, strict=False, min_ce=None, max_ce=98, count=2
    )


def test_footnotes_list_only_the_markers_used():
    plain = exports.build_table([_row(1, "a", 2020, "electrolyte", 99.5)], caption="c")
    assert plain.notes == [] and "#" not in exports.to_markdown(plain) and "Notes" not in exports.to_markdown(plain)
    assert r"ootnotesize \#" not in exports.to_latex(plain)
    marked = exports.build_table(
        [
            _row(1, "a", 2020, "electrolyte", 99.5, statistic="exceeding"),
            _row(2, "a", 2020, "electrolyte", 99.6, full=True, statistic="average", current=2),
            _row(3, "a", 2020, "electrolyte", 99.7, statistic="maximum", current=3),
        ],
        caption="c",
    )
    assert [row["cells"]["ce"] for _, rows in marked.groups for row in rows] == [
        ">99.5",
        "99.6#",
        "99.7*",
    ]
    assert marked.notes == [
        ("#", "CE derived from full-cell data"),
        (">", "CE reported as exceeding the value"),
        ("*", "maximum CE reported"),
    ]  # no † : no stabilised CE in the table
    assert (
        "Notes: # CE derived from full-cell data; &gt; CE reported as exceeding the value; \\* maximum CE"
        in exports.to_markdown(marked)
    )
    assert (
        r"{\footnotesize \# CE derived from full-cell data; \textgreater{} CE reported as exceeding the value; "
        r"* maximum CE reported}"
    ) in exports.to_latex(marked)


def test_curation_notes_never_reach_a_cell():
    text = (
        "localized high-concentration electrolyte (Fig. 8b caption) with strong anion–cation coordination "
        "(see Table 2) in a low-polarity solvent (LHCE)"
    )
    built = exports.build_table(
        [_row(1, "a", 2020, "electrolyte", 99.6, "LHCE (Fig. 3)", electrolyte=text)],
        caption="c",
        columns=("strategy", "materials", "electrolyte"),
    )
    cells = built.groups[0][1][0]["cells"]
    assert cells["strategy"] == "LHCE"
    expected = (
        "localized high-concentration electrolyte with strong anion–cation coordination in a "
        "low-polarity solvent (LHCE)"
    )
    assert cells["materials"] == cells["electrolyte"] == expected


def test_papers_known_through_a_review_cite_it():
    references = {
        "sun2025review": {
            "journal": "EES Batteries",
            "year": 2025,
            "doi": "10.1039/d4eb00034j",
            "title": None,
        },
        "sun2025review-ref103": {
            "authors": "Mai",
            "year": 2018,
            "note": "Ref. 103 of the review sun2025review",
        },
        "lee2020": {
            "authors": "Lee, C.",
            "journal": "J. Test",
            "year": 2020,
            "doi": "10.1/lee",
            "title": "A",
        },
        "odd-key": {"authors": "Odd", "note": "Ref. 7 of the review sun2025review (Section 3)"},
    }
    rows = [
        _row(1, "sun2025review-ref103", 2018, "composite-anode", 99.5, source="sun2025review"),
        _row(2, "lee2020", 2020, "electrolyte", 99.4, source="lee2020"),
        _row(3, "odd-key", 2021, "electrolyte", 99.3, source="sun2025review"),
    ]
    built = exports.build_table(rows, caption="c", references=references)
    assert built.references == ["sun2025review-ref103", "lee2020", "odd-key", "sun2025review"]
    assert built.citation("sun2025review-ref103") == "Mai, 2018, ref. 103 in [4] [sun2025review-ref103]"
    assert built.citation("odd-key") == "Odd, ref. 7 in [4] [odd-key]"
    assert built.citation("lee2020") == "Lee, J. Test, 2020, doi:10.1/lee [lee2020]"
    assert built.citation("sun2025review") == "EES Batteries, 2025, doi:10.1039/d4eb00034j [sun2025review]"
    # The .bib holds the papers with entries of their own and the review, never a placeholder.
    assert built.bib_keys() == ["lee2020", "sun2025review"]
    latex = exports.to_latex(built)
    assert r"ref.~103 in \cite{sun2025review}" in latex and r"\cite{lee2020}" in latex
    assert r"\cite{sun2025review-ref103}" not in latex
    references_json = json.loads(exports.to_json(built))["references"]
    assert references_json[0] == {
        "number": 1,
        "key": "sun2025review-ref103",
        "citation": "Mai, 2018",
        "via": "sun2025review",
        "via_number": 4,
        "ref_in_via": "103",
    }


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("-2", "-2"),
        ("+1.5", "+1.5"),
        ("plain", "plain"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_csv_safe(text, safe):
    assert exports.csv_safe(text) == safe


# --------------------------------------------------------------------------- every format parsed back


def _expected_rows(table):
    return [_cells(row) for _, rows in table.groups for row in rows]


def test_csv_parsed_back_cannot_start_formulas(table):
    rows = list(csv.reader(io.StringIO(exports.to_csv(table))))
    assert rows[0] == ["Group", *HEADERS, "Key"]
    body = rows[1:]
    assert len(body) == len(ROWS)
    for cell in (cell for row in body for cell in row):
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
            float(cell)  # only plain numbers may start like a formula
    evil = next(row for row in body if row[-1] == "evil2024")
    assert evil[1] == EVIL  # starts with "<": nothing to neutralise
    assert evil[2] == '\'=HYPERLINK("http://x"); -2+3; @SUM(A1)'
    assert [row[1:-1] for row in body] == [[exports.csv_safe(v) for v in row] for row in _expected_rows(table)]


def test_json_parsed_back(table):
    document = json.loads(exports.to_json(table))
    assert document["caption"] == table.caption and document["exported"] == "2025-02-19"
    assert document["notes"] == [{"mark": "#", "text": "CE derived from full-cell data"}]
    assert [c["header"] for c in document["columns"]] == HEADERS
    assert [g["title"] for g in document["groups"]] == [title for title, _ in table.groups]
    got = [[row[h] for h in HEADERS] for g in document["groups"] for row in g["rows"]]
    assert got == _expected_rows(table)
    assert document["references"][4] == {
        "number": 5,
        "key": "zhang2023",
        "citation": "Zhang et al., Nature Energy, 2023, doi:10.1/x",
    }


def _split_md(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    # Markdown renders raw HTML, so the writer emits < and > as entities: read them back.
    return [
        c.strip().replace("\\|", "|").replace("\\\\", "\\").replace("&lt;", "<").replace("&gt;", ">") for c in cells
    ]


def test_markdown_parsed_back(table):
    text = exports.to_markdown(table)
    lines = text.splitlines()
    assert lines[0] == f"**Table.** {table.caption}"
    table_lines = [line for line in lines if line.startswith("|")]
    assert _split_md(table_lines[0]) == HEADERS
    assert set(table_lines[1]) <= set("|-")
    body = [_split_md(line) for line in table_lines[2:]]
    assert all(len(cells) == len(HEADERS) for cells in body)
    assert [cells for cells in body if not cells[0].startswith("**")] == _expected_rows(table)
    assert [cells[0] for cells in body if cells[0].startswith("**")] == [f"**{t}**" for t, _ in table.groups]
    assert "5. Zhang et al., Nature Energy, 2023, doi:10.1/x [zhang2023]" in lines
    assert "1. [mai2018]" in lines
    assert "Notes: # CE derived from full-cell data" in lines


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
    assert parser.rows[0] == HEADERS
    data_rows = [row for row in parser.rows[1:] if len(row) == len(HEADERS)]
    assert data_rows == _expected_rows(table)
    assert EVIL in [row[0] for row in data_rows]
    assert parser.items[4] == "Zhang et al., Nature Energy, 2023, doi:10.1/x [zhang2023]"


def test_xlsx_header_frozen_numbers_and_about_sheet(table, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "table.xlsx"
    exports.write_xlsx(table, path)
    with zipfile.ZipFile(path) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in sheet or "<f " in sheet for sheet in sheets)
    book = load_workbook(path)
    assert book.sheetnames == ["CE table", "About", "References"]
    sheet = book["CE table"]
    assert sheet.freeze_panes == "A2"  # the header row stays in view
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["Group", *HEADERS, "Marks", "Key"]
    assert all(cell.font.b for cell in sheet[1])
    data = values[1:]
    assert len(data) == len(ROWS) and all(row[-1] for row in data)
    evil = next(row for row in data if row[-1] == "evil2024")
    assert evil[1] == EVIL and evil[2] == '=HYPERLINK("http://x"); -2+3; @SUM(A1)'
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    numbers = next(row for row in data if row[-1] == "zhang2023")
    assert numbers[3:8] == [3, 3, 150, 99.6, 5]  # numbers are numbers, the reference number too
    assert all(isinstance(v, (int, float)) for v in numbers[3:8])
    full = next(row for row in data if row[6] == 99.9)
    assert full[-2] == "#"  # the marker sits beside the number, not inside it
    widths = {key: dim.width for key, dim in sheet.column_dimensions.items()}
    assert widths["C"] > widths["F"] >= 8  # sized to content: materials wider than cycles
    about = {row[0].value: row[1].value for row in book["About"].iter_rows()}
    assert about["Caption"] == table.caption and about["Exported"] == "2025-02-19"
    assert about["Notes"] == "# CE derived from full-cell data"
    refs = [[c.value for c in row] for row in book["References"].iter_rows()]
    assert refs[0] == ["Ref.", "Key", "Citation"]
    assert [r[1] for r in refs[1:]] == table.references


def test_xlsx_export_time_grows_linearly(tmp_path):
    """Issue 16: 10x the rows take at most 15x the time (openpyxl write-only; was quadratic)."""
    import time

    def table_of(n):
        rows = [
            _row(
                i,
                f"p{i % 700}",
                2000 + i % 25,
                "electrolyte",
                99.0 + (i % 9) / 10,
                f"s{i}",
                electrolyte="1 M LiPF6 in EC/DEC",
                cycles=i % 500 + 1,
                decimals=1,
            )
            for i in range(n)
        ]
        return exports.build_table(rows, caption="c")

    small, large = table_of(300), table_of(3000)

    def seconds(built):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            exports.write_xlsx(built, tmp_path / "t.xlsx")
            best = min(best, time.perf_counter() - start)
        return best

    ratio = seconds(large) / seconds(small)
    assert ratio <= 15, ratio


@pytest.mark.parametrize(
    ("ce", "decimals", "text"),
    [(99.0, 1, "99.0"), (99.5, 2, "99.50"), (99.9, 1, "99.9"), (99.0, 0, "99"), (99.0, None, "99")],
)
def test_ce_prints_as_reported_in_every_format(ce, decimals, text, tmp_path):
    from openpyxl import load_workbook

    built = exports.build_table([_row(1, "a2020", 2020, "electrolyte", ce, decimals=decimals)], caption="c")
    assert next(r for r in csv.reader(io.StringIO(exports.to_csv(built))) if r[-1] == "a2020")[6] == text
    assert json.loads(exports.to_json(built))["groups"][0]["rows"][0]["CE (%)"] == text
    assert f"| {text} |" in exports.to_markdown(built)
    assert f"<td>{text}</td>" in exports.to_html(built)
    assert f" & {text} & " in exports.to_latex(built)
    exports.write_xlsx(built, tmp_path / "t.xlsx")
    cell = load_workbook(tmp_path / "t.xlsx")["CE table"]["G2"]
    assert cell.value == ce and cell.data_type == "n"
    shown = {None: "General", 0: "0", 1: "0.0", 2: "0.00"}[decimals]
    assert cell.number_format == shown  # Excel shows 99.50 as 99.50


LATEX_COMMANDS = {
    "textbackslash",
    "textasciitilde",
    "textasciicircum",
    "textless",
    "textgreater",
    "textbar",
    "textsuperscript",
    "textsubscript",
    "textdegree",
    "textmu",
    "textit",
    "multicolumn",
    "begin",
    "end",
    "cite",
    "caption",
    "label",
    "centering",
    "begin",
    "end",
    "toprule",
    "midrule",
    "bottomrule",
}
MATH = re.compile(r"\$(\\(geq|leq|times|alpha|beta|gamma|delta|Vert|pm|approx)|\^\{[-+0-9]+\}|-)\$")


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
                if text[i : i + 1] == "{":
                    depth += 1
                    i += 1
                continue
            assert text[i + 1 : i + 2] in set("&%$#_{},\\"), (text[i : i + 5], text)
            i += 2
            continue
        if char == "$":
            math = MATH.match(text, i)
            assert math, ("unescaped $", text[i : i + 10], text)
            i = math.end()
            continue
        if char == "}":
            assert depth > 0, ("unbalanced }", text)
            depth -= 1
        elif char == "{":
            if text[i - 1 : i] == "}":  # the next argument of a command (\multicolumn{7}{l}{...})
                depth += 1
            else:
                raise AssertionError(("unescaped {", text[max(0, i - 10) : i + 10]))
        else:
            assert char not in "%&#_~^", (char, text[max(0, i - 10) : i + 10])
        i += 1
    assert depth == 0, text


def _detex(text: str) -> str:
    """Undo cedb's escaping of plain text (the inverse of latex_escape for ASCII input)."""
    words = {
        "textbackslash": "\\",
        "textasciitilde": "~",
        "textasciicircum": "^",
        "textless": "<",
        "textgreater": ">",
        "textbar": "|",
    }
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LiNO3", r"LiNO\textsubscript{3}"),
        ("LiNO3/CuF2", r"LiNO\textsubscript{3}/CuF\textsubscript{2}"),
        ("Li2O-rich SEI", r"Li\textsubscript{2}O-rich SEI"),
        ("Mo2N-CNF", r"Mo\textsubscript{2}N-CNF"),
        ("NCM523", "NCM523"),  # a cathode name, not a formula
        ("3D-HCF", "3D-HCF"),
        ("1 M LiPF6 in EC/DEC", r"1 M LiPF\textsubscript{6} in EC/DEC"),
        (
            "≥ 99.9 % at 1 mA cm⁻²",
            r"$\geq$ 99.9 \% at 1 mA cm$^{-2}$",
        ),  # a real minus, in math mode
        ("−20 °C", r"$-$20 \textdegree{}C"),
        ("Zhang–Müller", r"Zhang--M\"uller"),
        ("line\nbreak", "line break"),
    ],
)
def test_latex_formulas_and_unicode(text, expected):
    assert exports.latex_escape(text) == expected


def test_latex_table_structure(table):
    text = exports.to_latex(table)
    lines = text.splitlines()
    for marker in (
        r"\begin{table}[htbp]",
        r"\toprule",
        r"\midrule",
        r"\bottomrule",
        r"\end{tabularx}",
        r"\end{table}",
    ):
        assert marker in lines
    assert re.search(r"\\begin\{tabularx\}\{\\linewidth\}\{[^\n]*X[^\n]*\}", text)
    assert lines.index(r"\toprule") < lines.index(r"\bottomrule")
    assert r"\caption{" + exports.latex_escape(table.caption) + "}" in lines
    assert r"(mA\,cm$^{-2}$)" in text and "textsuperscript" not in text  # units with a real minus
    rows = [line for line in lines if line.endswith(r"\\") and r"\cite{" in line]
    assert len(rows) == len(ROWS)
    for row in rows:
        cells = re.split(r"(?<!\\)&", row[:-2])
        assert len(cells) == 7
        assert re.fullmatch(r"\s*\\cite\{[A-Za-z0-9_:.+-]+\}\s*", cells[-1])
        for cell in cells[:-1]:  # the text cells: nothing unescaped
            assert_latex_safe(cell)
    caption = next(line for line in lines if line.startswith(r"\caption{"))
    assert_latex_safe(caption[len(r"\caption{") : -1])
    assert [re.search(r"\\cite\{([^}]*)\}", row).group(1) for row in rows] == [
        row["paper"] for _, members in table.groups for row in members
    ]
    assert sum(r"\multicolumn{7}{l}{\textit{" in line for line in lines) == len(table.groups)
    assert r"LiNO\textsubscript{3}/CuF\textsubscript{2}" in text
    assert "99.9\\#" in text
    assert lines[-3:] == [
        r"\par\smallskip",
        r"{\footnotesize \# CE derived from full-cell data}",
        r"\end{table}",
    ]
    no_caption = exports.build_table(ROWS, caption=None)
    assert r"\caption" not in exports.to_latex(no_caption) and "**Table.**" not in exports.to_markdown(no_caption)
    assert "<caption>" not in exports.to_html(no_caption)


def compile_latex(tmp_path, table_tex: str, bib: str | None) -> str:
    """Compile a document holding the table (and its .bib through BibTeX); returns the warnings."""
    document = (
        "\\documentclass{article}\n\\usepackage[margin=2.5cm]{geometry}\n\\usepackage{booktabs,tabularx}\n"
        "\\begin{document}\n\\input{table.tex}\n"
        + ("\\bibliographystyle{unsrt}\n\\bibliography{table}\n" if bib is not None else "")
        + "\\end{document}\n"
    )
    (tmp_path / "doc.tex").write_text(document, encoding="utf-8")
    (tmp_path / "table.tex").write_text(table_tex, encoding="utf-8")
    steps = [["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"]]
    if bib is not None:
        (tmp_path / "table.bib").write_text(bib, encoding="utf-8")
        steps += [["bibtex", "doc"], steps[0], steps[0]]
    warnings = []
    for step in steps:
        process = subprocess.run(step, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert process.returncode == 0, process.stdout[-3000:]
        if step[0] == "bibtex":
            warnings += [line for line in process.stdout.splitlines() if line.startswith("Warning")]
    assert (tmp_path / "doc.pdf").exists()
    log = (tmp_path / "doc.log").read_text(encoding="latin-1")
    warnings += [line for line in log.splitlines() if re.search(r"Warning|Overfull|Underfull", line)]
    return "\n".join(warnings)


needs_pdflatex = pytest.mark.skipif(
    shutil.which("pdflatex") is None or shutil.which("bibtex") is None,
    reason="pdflatex/bibtex are not installed (.ci/run installs them with apt)",
)


@needs_pdflatex
def test_latex_table_compiles_without_warnings(tmp_path):
    from types import SimpleNamespace

    from cedb.bibliography import to_bibtex

    papers = {
        "lee2020": SimpleNamespace(
            key="lee2020",
            title="A LiNO3 electrolyte",
            authors="Lee, Chan and Park, Min",
            journal="J. Test",
            year=2020,
            volume="3",
            pages="1–9",
            doi="10.1/lee",
            entry_type="article",
            bibtex=None,
            note=None,
        ),
        "rev2025": SimpleNamespace(
            key="rev2025",
            title="High-CE Li metal anodes: a review",
            authors="Sun, Ying",
            journal="EES Batteries",
            year=2025,
            volume="1",
            pages="340–363",
            doi="10.1039/d4eb00034j",
            entry_type="article",
            bibtex=None,
            note=None,
        ),
    }
    references = {key: vars(p) for key, p in papers.items()}
    references["rev2025-ref12"] = {"authors": "Mai", "year": 2018}
    realistic = [row for row in ROWS if row["paper"] != "evil2024"]  # "<script>..." cannot break a line
    rows = realistic + [
        _row(
            9,
            "lee2020",
            2020,
            "electrolyte",
            99.5,
            "LiNO3 (Fig. 2)",
            decimals=2,
            statistic="exceeding",
        ),
        _row(
            10,
            "rev2025-ref12",
            2018,
            "interface",
            99.0,
            "Cu–Zn layer",
            decimals=1,
            source="rev2025",
            full=True,
        ),
    ]
    built = exports.build_table(
        rows, caption="Review-style table at ≥ 1 mA cm⁻², −20 °C to 25 °C", references=references
    )
    papers.update(
        {
            key: SimpleNamespace(
                key=key,
                title=f"Paper {key}",
                authors="Doe, J.",
                journal="J. Test",
                year=2020,
                volume=None,
                pages=None,
                doi=None,
                entry_type="article",
                bibtex=None,
                note=None,
            )
            for key in built.bib_keys()
            if key not in papers
        }
    )
    bib = to_bibtex([papers[key] for key in built.bib_keys()])
    assert "rev2025-ref12" not in bib and "@article{rev2025," in bib
    warnings = compile_latex(tmp_path, exports.to_latex(built), bib)
    assert warnings == ""
    aux = (tmp_path / "doc.aux").read_text()
    assert set(re.findall(r"\\bibcite\{([^}]+)\}", aux)) == set(built.bib_keys())  # every \cite resolved
    # Hostile text compiles too (its unbreakable words may overflow a column: a warning only).
    compile_latex(tmp_path, exports.to_latex(exports.build_table(ROWS, caption=EVIL)), None)


def test_render_refuses_unknown_and_binary_formats(table):
    from cedb.errors import InvalidValue

    with pytest.raises(InvalidValue, match="xlsx needs -o"):
        exports.render(table, "xlsx")
    assert exports.render(table, "md") == exports.to_markdown(table)
