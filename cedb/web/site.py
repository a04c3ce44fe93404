"""`cedb site build`: the pages as static files that any static host can serve.

The results and figures pages carry every result; data/results.js holds the rows
with their verdicts under every profile (computed here by cedb.practical), their
CSV lines and the papers' BibTeX, so the browser filters, sorts and downloads a
selection without a server and without a network.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cedb.errors import InvalidValue
from cedb.web import pages, render, views

# Written by `cedb site build`; its presence marks a directory the command may replace.
MARKER = ".cedb-site"


@dataclass
class BuildReport:
    directory: Path
    results: int
    papers: int
    files: int

    def summary(self) -> str:
        return f"Wrote {self.files} files to {self.directory}: {self.results} results, {self.papers} papers"


def _check(directory: Path) -> None:
    """A new or empty directory, or a former site (replaced); other content is refused."""
    if directory.exists():
        if not directory.is_dir():
            raise InvalidValue(f"{directory} is a file: give a directory for the site")
        if any(directory.iterdir()) and not (directory / MARKER).is_file():
            raise InvalidValue(f"{directory} is not empty and holds no cedb site: give a new or empty directory")


def _remove_stale(directory: Path, written: set[str]) -> None:
    """Files of a former site that this build did not write (results since deleted), and the
    folders they leave empty."""
    for path in sorted(directory.rglob("*"), reverse=True):
        name = path.relative_to(directory).as_posix()
        if path.is_file() and name not in written:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def chemical_index() -> dict[str, str]:
    """Every vocabulary name's match key -> its abbreviation, so the browser reads a salt,
    solvent or diluent by any synonym as `cedb query --salt` does."""
    from cedb.chemistry.vocabulary import default_vocabulary

    return {key: chemical.abbreviation for key, chemical in default_vocabulary().index.items()}


def site_data(session, rows: list[dict], links) -> dict:
    """What data/results.js holds: rows with every verdict (word, reason number), CSV lines,
    the reasons' texts and the papers' BibTeX."""
    from cedb.bibliography import to_bibtex
    from cedb.store import crud
    from cedb.store.query import JSON_KEYS

    references = crud.list_references(session=session)  # every paper gets its page and entry
    out_rows = []
    reasons: dict[str, int] = {}  # each reason text once: rows refer to it by number
    for row in rows:
        public = views.public_row(row)
        verdicts = {
            key: [word, reasons.setdefault(reason, len(reasons))]
            for key, (word, reason) in views.every_verdict(row).items()
        }
        public.update(
            source=row["source"],
            components=row["components"],
            verdicts=verdicts,
            csv=views.csv_line(row),
            href=links.result(row["id"]),
            paper_href=links.paper(row["paper"]),
        )
        out_rows.append(public)
    return {
        "keys": list(views.ROW_KEYS),
        "json_keys": list(JSON_KEYS),  # the keys of `cedb query --format json`, in its order
        "csv_header": views.csv_header(),
        "profiles": pages.profiles(),
        "rows": out_rows,
        "reasons": list(reasons),
        "chemicals": chemical_index(),
        "bibtex": {reference.key: to_bibtex([reference]) for reference in references},
    }


def build(session, directory: Path) -> BuildReport:
    """Write the site for every result of the database into ``directory`` (atomically: a
    failed build leaves a former site as it was)."""
    from cedb import outputs

    directory = Path(directory)
    _check(directory)
    with outputs.writing() as batch:  # every page renamed into place at the end, or none
        report = _build(session, directory, batch)
    _remove_stale(directory, set(report.written))
    return BuildReport(directory, results=report.results, papers=report.papers, files=len(report.written))


@dataclass
class _Built:
    results: int
    papers: int
    written: list[str]


def _build(session, directory: Path, batch) -> _Built:
    from importlib.resources import files

    built = date.today().isoformat()
    top = render.SiteLinks(0)
    nested = render.SiteLinks(1)
    from cedb.store import query

    rows = query.run(session.connection(), views.to_filters({}), extra=True)
    written = []

    def write(name: str, text: str) -> None:
        batch.directory((directory / name).parent)
        batch.write_text(directory / name, text)
        written.append(name)

    write(MARKER, "Built by `cedb site build`; the command replaces this directory.\n")
    write("index.html", pages.results_page(session, {}, top, rows=rows, built=built))
    write("figures.html", pages.figures_page(session, {}, top, rows=rows))
    write("cite.html", pages.cite_page(top, built=built))
    data = site_data(session, rows, top)
    write("data/results.js", "window.CEDB_DATA = " + render.script_json(data) + ";\n")
    write("download/results.csv", views.to_csv(rows))
    write("download/results.json", views.to_json(rows))
    write("download/results.bib", "\n".join(data["bibtex"].values()))
    # Every row in the session's identity map once, so each page reads no row again
    # (a list keeps them: the map holds rows weakly).
    from cedb.store import crud

    loaded = crud.load_everything(session=session)
    for row in rows:
        write(f"result/{row['id']}.html", pages.result_page(session, row["id"], nested))
    by_paper: dict[str, list[dict]] = {}
    for row in rows:  # in id order, as `cedb query --paper` lists them
        by_paper.setdefault(row["paper"], []).append(dict(row))
    for key, text in data["bibtex"].items():
        write(
            "paper/" + render.paper_file(key),
            pages.paper_page(session, key, nested, rows=by_paper.get(key, []), bibtex_text=text),
        )
    del loaded
    static = files("cedb.web") / "static"
    for item in static.iterdir():
        if item.is_file():
            write("static/" + item.name, item.read_text(encoding="utf-8"))
    return _Built(results=len(rows), papers=len(data["bibtex"]), written=written)
