"""`cedb --db X COMMAND`: every command that opens a database opens X, never the default.

The root callback puts --db on typer's context object (``cedb.cli.common.CliState``); a command
reaches it through its ``ctx`` parameter. A command that lost the way would open
CEDB_DATABASE_URL (here a file that must never appear) or the platformdirs default (under an
XDG_DATA_HOME that must never appear). Each case also shows that X itself was read (its
marker paper is in the output) or written (its rows changed).
"""

import shutil
import sys
import warnings
from pathlib import Path

import pytest
from builders import add_paper, add_result
from conftest import FIXTURES, assert_user_error, database_snapshot, make_cli

MARKER = "marker2026"  # a paper only the --db database holds
OTHER = "othermarker2026"
READS, WRITES = "reads", "writes"
CURATION = f"""\
reference: {{key: curated2026, title: Curated, year: 2026}}
strategies: [{{label: LHCE, category: electrolyte}}]
measurements:
- {{strategy: LHCE, cell: li-cu, method: conventional, current_density_mA_cm2: 1,
   areal_capacity_mAh_cm2: 1, ce_percent: 99.3, source: {MARKER}}}
"""
BIBTEX = "@article{added2026, title = {Added}, author = {Doe, Jane}, year = {2026}}\n"
CE_RECORD = ("--record", "--paper", MARKER, "--current", "1", "--capacity", "1")

# Every command that opens a database: (arguments after `cedb --db X`, what shows X was used).
# READS: the marker paper (or its result) is in stdout, stderr or the files written; WRITES: X's
# rows changed. test_every_command_that_takes_the_context_is_listed keeps this list complete.
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "init": (("init", "--empty"), READS),  # names the existing file
    "db upgrade": (("db", "upgrade"), READS),
    "db downgrade": (("db", "downgrade", "--", "-1"), WRITES),
    "db current": (("db", "current"), READS),
    "db check": (("db", "check"), READS),
    "paper add": (("paper", "add", "added.bib"), WRITES),
    "paper list": (("paper", "list"), READS),
    "paper show": (("paper", "show", MARKER), READS),
    "paper rm": (("paper", "rm", OTHER), WRITES),
    "paper merge": (("paper", "merge", OTHER, MARKER), WRITES),
    "paper conflicts": (("paper", "conflicts", MARKER, "--format", "json"), READS),
    "paper export": (("paper", "export"), READS),
    "result add": (("result", "add", "--paper", MARKER, "--ce", "99.5", "--no-input"), WRITES),
    "result edit": (("result", "edit", "1", "--ce", "99.2"), WRITES),
    "result rm": (("result", "rm", "1", "--yes"), WRITES),
    "result show": (("result", "show", "1"), READS),
    "result import": (("result", "import", "rows.csv", "--map", "map.yaml"), WRITES),
    "curate check": (("curate", "check", "curation"), READS),  # its source key is known only to X
    "curate load": (("curate", "load", "curation"), WRITES),
    "curate dump": (("curate", "dump", "dumped"), READS),
    "query": (("query",), READS),
    "export table": (("export", "table", "-o", "table.csv"), READS),
    "export ml": (("export", "ml", "-o", "ml.csv"), READS),
    "ce conventional": (("ce", "conventional", "--plated", "1", "--stripped", "0.99", *CE_RECORD), WRITES),
    "ce aurbach": (("ce", "aurbach", "--qt", "5", "--qc", "1", "-n", "10", "--qs", "4", *CE_RECORD), WRITES),
    "ce zhang": (
        ("ce", "zhang", "--q0", "1", "--qt", "5", "--qc", "1", "-n", "10", "--qs", "4", *CE_RECORD),
        WRITES,
    ),
    "ce chiang": (("ce", "chiang", "--q-li", "0", "--q-cathode", "4", "-n", "100", *CE_RECORD), WRITES),
    "ce zhang-full": (
        ("ce", "zhang-full", str(FIXTURES / "cycling" / "full_cell.csv"), "--q-li", "2", *CE_RECORD),
        WRITES,
    ),
    "plot progress": (("plot", "progress", "--all-conditions", "--label", "paper", "-o", "p.svg"), READS),
    "plot conditions": (("plot", "conditions", "--label", "paper", "-o", "c.svg"), READS),
    "extract --compare": (("extract", "text.txt", "--paper", MARKER, "--compare", "--format", "json"), READS),
    "extract --record": (("extract", "text.txt", "--paper", MARKER, "--record", "--yes"), WRITES),
    "chem unparsed": (("chem", "unparsed", "--format", "json"), READS),
    "serve": (("serve", "--port", "8765"), READS),  # in-process, with the server replaced (below)
    "site build": (("site", "build", "site"), READS),
}


def _named_database(path: Path, template: Path) -> str:
    """A copy of the migrated template holding the marker paper, a second paper and one result."""
    from cedb.store.db import make_engine, session_scope

    shutil.copyfile(template, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with session_scope(engine) as session, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the electrolyte is unparsed on purpose (`chem unparsed`)
        add_paper(session, MARKER, title="Marker", year=2026)
        add_paper(session, OTHER, title="Other", year=2026)
        add_result(
            session,
            {"paper": MARKER, "ce": "99.1", "current": "1", "capacity": "1", "cycles": "10",
             "category": "electrolyte", "label": "goo", "electrolyte": "1 M mystery goo in nothing"},
        )  # fmt: skip
    engine.dispose()
    return url


def _inputs(folder: Path) -> None:
    (folder / "added.bib").write_text(BIBTEX, encoding="utf-8")
    (folder / "rows.csv").write_text(f"Paper,CE,j,Q\n{MARKER},99.4,2,2\n", encoding="utf-8")
    (folder / "map.yaml").write_text("columns: {paper: Paper, ce: CE, current: j, capacity: Q}\n", encoding="utf-8")
    (folder / "curation").mkdir()
    (folder / "curation" / "curated2026.yaml").write_text(CURATION, encoding="utf-8")
    (folder / "text.txt").write_text(
        "Li||Cu cells give a CE of 98.0% at 5 mA cm-2 and 5 mAh cm-2 over 100 cycles.", encoding="utf-8"
    )


def _written(folder: Path) -> str:
    """The text of the files a command wrote (figures, tables, curation files, the site)."""
    texts = []
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in {".csv", ".svg", ".yaml", ".html", ".json"}:
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)


@pytest.fixture
def chosen(request, tmp_path, sqlite_template, monkeypatch):
    """(cli, named url, folder): `cedb` whose CEDB_DATABASE_URL and default both point at files
    that must stay absent, and a named database for --db."""
    named = _named_database(tmp_path / "named.sqlite", sqlite_template)
    work = tmp_path / "work"
    work.mkdir()
    _inputs(work)
    cli = make_cli(request, f"sqlite:///{tmp_path / 'default.sqlite'}", work)
    cli.env["XDG_DATA_HOME"] = str(tmp_path / "xdg")

    served = []

    def serve(engine, listener) -> None:  # `cedb serve` without a server: which engine it got
        served.append(engine.url.database)

    monkeypatch.setattr("cedb.web.app.serve", serve)
    monkeypatch.setattr("cedb.web.app.listen", lambda host, port: None)
    return cli, named, work, served


def _assert_default_untouched(tmp_path: Path) -> None:
    assert not (tmp_path / "default.sqlite").exists(), "CEDB_DATABASE_URL was opened instead of --db"
    assert not (tmp_path / "xdg").exists(), "the default database (platformdirs) was opened"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_opens_the_database_named_by_db(name, chosen, tmp_path):
    cli, named, work, served = chosen
    args, evidence = COMMANDS[name]
    before = database_snapshot(named)
    process = cli("--db", named.removeprefix("sqlite:///"), *args)
    assert process.returncode == 0, (process.stdout, process.stderr)
    _assert_default_untouched(tmp_path)
    if evidence == WRITES:
        assert database_snapshot(named) != before, "the --db database did not change"
    elif name == "serve":
        assert served == [named.removeprefix("sqlite:///")]
    else:
        shown = process.stdout + process.stderr + _written(work)
        assert MARKER in shown or "named.sqlite" in shown or _head_revision() in shown, shown[:2000]
        assert database_snapshot(named) == before, "a reading command changed the database"


def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    from cedb.store.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def test_every_command_that_takes_the_context_is_listed():
    """A command reaches the database only through typer's context: each one that takes it is
    in COMMANDS (the test above), and no CLI module resolves a database URL by itself."""
    import inspect

    import typer

    from cedb.cli.main import app

    taking: set[str] = set()

    def walk(command, path: str) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}".strip())
        callback = getattr(command, "callback", None)
        if path and callback is not None:
            parameters = inspect.signature(callback).parameters.values()
            if any(p.annotation is typer.Context for p in parameters):
                taking.add(path)

    walk(typer.main.get_command(app), "")
    listed = {name.split(" --")[0] for name in COMMANDS}
    assert taking == listed
    cli_sources = {
        p.name: p.read_text(encoding="utf-8") for p in Path(sys.modules["cedb.cli"].__file__).parent.glob("*.py")
    }
    for module, source in cli_sources.items():
        if module != "common.py":
            assert "Settings.resolve" not in source and "config.database_url" not in source, module


def test_in_process_runs_share_no_database(chosen, tmp_path):
    """The in-process runner: a --db run leaves nothing behind for the next run without it."""
    cli, named, work, _ = chosen
    path = named.removeprefix("sqlite:///")
    assert MARKER in cli("--db", path, "paper", "list", check=True).stdout
    without = cli("paper", "list", check=True)  # CEDB_DATABASE_URL: created with the bundled data
    assert MARKER not in without.stdout and (tmp_path / "default.sqlite").exists()
    assert MARKER in cli("--db", path, "paper", "list", check=True).stdout


@pytest.mark.end_to_end
def test_db_is_honoured_by_the_installed_command(chosen, tmp_path):
    cli, named, work, _ = chosen
    path = named.removeprefix("sqlite:///")
    before = database_snapshot(named)
    cli("--db", path, "result", "add", "--paper", MARKER, "--ce", "99.5", "--no-input", check=True)
    assert database_snapshot(named) != before
    assert MARKER in cli("--db", path, "query", "--format", "csv", check=True).stdout
    _assert_default_untouched(tmp_path)


def test_a_db_path_under_an_unknown_home_is_a_user_error(chosen, tmp_path):
    cli, _, _, _ = chosen
    assert_user_error(cli("--db", "~nosuchuser-cedb/x.sqlite", "paper", "list"), contains="give the full path")
    _assert_default_untouched(tmp_path)
