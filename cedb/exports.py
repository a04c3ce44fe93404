"""Review tables like the review's Table 2: query rows -> grouped table -> CSV/Markdown/LaTeX/XLSX/HTML/JSON.

Every writer is safe for its medium: CSV and XLSX cells cannot start a formula,
LaTeX special characters are escaped (chemical formulas get proper subscripts),
HTML is escaped.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cedb.errors import InvalidValue

TABLE_COLUMNS = (
    "Strategy",
    "Host / electrolyte / additive",
    "Current density (mA cm⁻²)",
    "Capacity (mAh cm⁻²)",
    "Cycles",
    "CE (%)",
    "Ref.",
)
CATEGORY_ORDER = ("composite-anode", "electrolyte", "interface", "other", None)
CATEGORY_TITLES = {
    "composite-anode": "Composite Li anodes",
    "electrolyte": "Electrolyte engineering",
    "interface": "Interface engineering",
    "other": "Other strategies",
    None: "Strategy not recorded",
}
FORMATS = ("csv", "md", "latex", "xlsx", "html", "json")


@dataclass
class ReviewTable:
    """Table 2-style rows grouped by category, references numbered by first appearance."""

    caption: str
    groups: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    references: list[str] = field(default_factory=list)  # citation keys, index + 1 = number
    citations: dict[str, str] = field(default_factory=dict)  # key -> short citation text

    def citation(self, key: str) -> str:
        text = self.citations.get(key)
        return f"{key}: {text}" if text else key

    def flat_rows(self) -> list[dict[str, Any]]:
        return [dict(row, group=title) for title, rows in self.groups for row in rows]


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def _materials(row: dict[str, Any]) -> str:
    parts = [row.get(k) for k in ("host", "electrolyte", "additive")]
    return "; ".join(p for p in parts if p) or ""


def build_table(rows: list[dict[str, Any]], *, caption: str) -> ReviewTable:
    """Group ``rows`` (query rows) by category (composite anodes first), by year within a group."""
    table = ReviewTable(caption=caption)
    numbers: dict[str, int] = {}

    def group_key(row):
        category = row.get("category")
        return CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else len(CATEGORY_ORDER)

    def within(row):
        year = row.get("year")
        # Natural order of keys within a year: ...-ref98 before ...-ref100.
        paper = [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", row.get("paper") or "")]
        return (year is None, year or 0, paper, row.get("id") or 0)

    ordered = sorted(rows, key=lambda r: (group_key(r), within(r)))
    for category in CATEGORY_ORDER:
        members = [r for r in ordered if r.get("category") == category]
        if not members:
            continue
        out = []
        for row in members:
            key = row["paper"]
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                table.references.append(key)
            ce = _number(row.get("ce_percent"))
            if row.get("full_cell_derived"):
                ce += "#"
            out.append({
                "id": row.get("id"),
                "Strategy": row.get("label") or "",
                "Host / electrolyte / additive": _materials(row),
                "Current density (mA cm⁻²)": _number(row.get("current_density_mA_cm2")),
                "Capacity (mAh cm⁻²)": _number(row.get("areal_capacity_mAh_cm2")),
                "Cycles": "" if row.get("cycles") is None else str(row["cycles"]),
                "CE (%)": ce,
                "Ref.": str(numbers[key]),
                "paper": key,
                "year": row.get("year"),
                "category": category,
            })
        table.groups.append((CATEGORY_TITLES[category], out))
    return table


def citation_text(reference) -> str:
    """A short citation from what is recorded: first author, journal, year, DOI; else the note's first clause."""
    parts = []
    if reference.authors:
        names = reference.authors.split(" and ")
        parts.append(names[0].split(",")[0] + (" et al." if len(names) > 1 else ""))
    if reference.journal:
        parts.append(reference.journal)
    if reference.year:
        parts.append(str(reference.year))
    if reference.doi:
        parts.append(f"doi:{reference.doi}")
    if not (reference.journal or reference.doi) and reference.note:  # known only through a citing text
        parts.append(re.split(r"\s\(|;", reference.note, maxsplit=1)[0].rstrip(".;"))
    return ", ".join(parts)


def caption(*, profile_description: str | None, practical: bool | None, strict: bool,
            min_ce: float | None, max_ce: float | None, count: int, today: date | None = None) -> str:
    """A caption that states the selection, so the table can be reproduced."""
    parts = [f"CE of Li metal anodes from the cedb database ({count} result{'s' if count != 1 else ''})"]
    if practical is True:
        rule = profile_description or "practical conditions"
        parts.append(f"at practical conditions ({rule}{'; strict inequalities' if strict else ''})")
    elif practical is False:
        parts.append(f"not at practical conditions ({profile_description})")
    if min_ce is not None and max_ce is not None:
        parts.append(f"with CE between {min_ce:g} % and {max_ce:g} %")
    elif min_ce is not None:
        parts.append(f"with CE ≥ {min_ce:g} %")
    elif max_ce is not None:
        parts.append(f"with CE ≤ {max_ce:g} %")
    text = ", ".join(parts)
    text += f"; exported {(today or date.today()).isoformat()}. # CE derived from full-cell data."
    return text


# --------------------------------------------------------------------------- cell safety


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ gets a leading apostrophe.

    Plain negative numbers stay numbers (they cannot run anything).
    """
    if text and text.startswith(_FORMULA_START):
        try:
            float(text)
            return text
        except ValueError:
            return "'" + text
    return text


# --------------------------------------------------------------------------- writers


def markdown_table(columns: list[str], rows: list[list[str]]) -> str:
    def cell(text: str) -> str:
        # Markdown renders raw HTML: < and > are written as entities.
        return (str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
                .replace("<", "&lt;").replace(">", "&gt;"))

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def to_markdown(table: ReviewTable) -> str:
    lines = [f"**Table.** {table.caption}", ""]
    rows = []
    for title, members in table.groups:
        rows.append([f"**{title}**"] + [""] * (len(TABLE_COLUMNS) - 1))
        rows += [[row[c] for c in TABLE_COLUMNS] for row in members]
    lines.append(markdown_table(list(TABLE_COLUMNS), rows))
    lines.append("")
    lines += [f"{i}. {table.citation(key)}" for i, key in enumerate(table.references, 1)]
    return "\n".join(lines) + "\n"


def to_csv(table: ReviewTable) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("Group",) + TABLE_COLUMNS + ("Key",))
    for title, members in table.groups:
        for row in members:
            writer.writerow([csv_safe(str(v)) for v in [title] + [row[c] for c in TABLE_COLUMNS] + [row["paper"]]])
    return buffer.getvalue()


def to_json(table: ReviewTable) -> str:
    document = {
        "caption": table.caption,
        "columns": list(TABLE_COLUMNS),
        "groups": [{"title": title, "rows": [{c: row[c] for c in TABLE_COLUMNS} | {"paper": row["paper"], "id": row["id"]}
                                              for row in members]} for title, members in table.groups],
        "references": [{"number": i, "key": key, "citation": table.citations.get(key)}
                       for i, key in enumerate(table.references, 1)],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def to_html(table: ReviewTable) -> str:
    from html import escape

    out = ['<table class="cedb-table">', f"<caption>{escape(table.caption)}</caption>", "<thead><tr>"]
    out += [f"<th>{escape(c)}</th>" for c in TABLE_COLUMNS]
    out.append("</tr></thead>")
    for title, members in table.groups:
        out.append(f'<tbody><tr><th colspan="{len(TABLE_COLUMNS)}">{escape(title)}</th></tr>')
        for row in members:
            out.append("<tr>" + "".join(f"<td>{escape(str(row[c]))}</td>" for c in TABLE_COLUMNS) + "</tr>")
        out.append("</tbody>")
    out.append("</table>")
    out.append("<ol>" + "".join(f"<li>{escape(table.citation(key))}</li>" for key in table.references) + "</ol>")
    return "\n".join(out) + "\n"


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}
_UNICODE_LATEX = {
    "⁻": r"\textsuperscript{-}", "²": r"\textsuperscript{2}", "³": r"\textsuperscript{3}",
    "–": "--", "—": "---", "−": "--", "·": r"\,", "≥": r"$\geq$", "≤": r"$\leq$", "°": r"\textdegree{}",
    "µ": r"\textmu{}", "μ": r"\textmu{}", "×": r"$\times$", "α": r"$\alpha$", "β": r"$\beta$",
    "δ": r"$\delta$", "γ": r"$\gamma$", "‖": r"$\Vert$", "’": "'", "‘": "`", "“": "``", "”": "''",
}
# A chemical formula token: element symbols with counts (LiNO3, Mo2N, Li2S5, LiPF6, CuF2).
_FORMULA = re.compile(r"\b(?:[A-Z][a-z]?\d*){2,}\b")
_ELEMENT = re.compile(r"([A-Z][a-z]?)\d*")
# Only real element symbols make a formula: NCM523 and NMC811 are cathode names, not N-C-M.
_ELEMENTS = frozenset(
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr Rb Sr Y "
    "Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re "
    "Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu".split()
)


def _is_formula(token: str) -> bool:
    return re.search(r"[A-Za-z]\d", token) is not None and all(
        symbol in _ELEMENTS for symbol in _ELEMENT.findall(token))


def latex_escape(text: str) -> str:
    """Escape every LaTeX special character; digits inside chemical formulas become subscripts."""
    out = []
    position = 0
    for match in _FORMULA.finditer(text):
        out.append(_escape_plain(text[position:match.start()]))
        token = match.group(0)
        out.append(re.sub(r"(\d+)", r"\\textsubscript{\1}", token) if _is_formula(token) else token)
        position = match.end()
    out.append(_escape_plain(text[position:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    result = []
    for char in text:
        if char in _LATEX_SPECIAL:
            result.append(_LATEX_SPECIAL[char])
        elif char in _UNICODE_LATEX:
            result.append(_UNICODE_LATEX[char])
        elif ord(char) < 32:
            result.append(" ")
        else:
            result.append(char)
    return "".join(result)


def _two_lines(first: str, second: str) -> str:
    # A nested tabular breaks a header cell without extra packages (makecell is not in every TeX).
    return r"\begin{tabular}[c]{@{}c@{}}" + first + r"\\" + second + r"\end{tabular}"


def to_latex(table: ReviewTable) -> str:
    """A booktabs table with \\cite{key} references (pair it with the --bib file)."""
    header = [
        "Strategy", "Host / electrolyte / additive",
        _two_lines("Current density", r"(mA\,cm\textsuperscript{-2})"),
        _two_lines("Capacity", r"(mAh\,cm\textsuperscript{-2})"), "Cycles", r"CE (\%)", "Ref.",
    ]
    lines = [
        "% Generated by cedb; needs \\usepackage{booktabs}",
        r"\begin{table}[htbp]",
        r"\centering",
        r"\caption{" + latex_escape(table.caption) + "}",
        r"\label{tab:cedb-ce}",
        r"\begin{tabular}{p{3.2cm}p{4.2cm}rrrrr}",
        r"\toprule",
        " & ".join(header) + r" \\",
        r"\midrule",
    ]
    for index, (title, members) in enumerate(table.groups):
        if index:
            lines.append(r"\midrule")
        lines.append(r"\multicolumn{7}{l}{\textit{" + latex_escape(title) + r"}} \\")
        for row in members:
            cells = [latex_escape(str(row[c])) for c in TABLE_COLUMNS[:-1]]
            cells.append(r"\cite{" + _cite_key(row["paper"]) + "}")
            lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def _cite_key(key: str) -> str:
    # BibTeX keys may not contain these; cedb keys never do, but the export must not break LaTeX.
    return re.sub(r"[{}\\%#,~\s]", "", key)


def write_xlsx(table: ReviewTable, path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "CE table"
    sheet.append([table.caption])
    sheet.append([])
    sheet.append(list(TABLE_COLUMNS) + ["Key"])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for title, members in table.groups:
        sheet.append([title])
        sheet.cell(row=sheet.max_row, column=1).font = Font(italic=True)
        for row in members:
            values = [row[c] for c in TABLE_COLUMNS] + [row["paper"]]
            sheet.append([_xlsx_value(v) for v in values])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl would treat "=..." as a formula
    references = workbook.create_sheet("References")
    references.append(["Ref.", "Key", "Citation"])
    for number, key in enumerate(table.references, 1):
        references.append([number, key, table.citations.get(key) or ""])
        for column in (2, 3):
            references.cell(row=references.max_row, column=column).data_type = "s"
    workbook.save(path)


def _xlsx_value(value: Any) -> Any:
    text = str(value)
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text) if "." in text else int(text)
    return text


def render(table: ReviewTable, fmt: str) -> str:
    writers = {"csv": to_csv, "md": to_markdown, "latex": to_latex, "html": to_html, "json": to_json}
    if fmt not in writers:
        raise InvalidValue(f"format {fmt!r} is not a text format: use one of {', '.join(writers)} (xlsx needs -o)")
    return writers[fmt](table)
