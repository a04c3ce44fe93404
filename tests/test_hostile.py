"""Hostile and faulty input (issue 19): a corpus run through the installed `cedb`, bounded.

Each case is one file or argument the test generates. It runs as a user would run it,
under a 1 GiB address-space cap (RLIMIT_AS) and a 10 s wall-clock cap, and must end with
one `Error:` line (no traceback) and the exit code README.md documents, leaving the
database as it was: the SQLite file byte for byte, every row on PostgreSQL.
"""

import hashlib
import os
import resource
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from tests.conftest import POSTGRES_URL, database_snapshot, fresh_postgres_schema, postgres_available

MEMORY_CAP = 1 << 30
TIME_CAP_S = 10
SECRET = "s3cr3t-pw"
TOWER = "1 * 9**387420489 mA/cm2"
ESCAPES = "esc \x1b]0;pwned\x07 \x1b[2J"


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_capped(
    cedb_bin: str, args: list, *, url: str, cwd: Path, env: dict | None = None, prefix: list | None = None
) -> subprocess.CompletedProcess:
    """`cedb ARGS` under the memory and time caps (TimeoutExpired fails the test)."""
    environment = {**os.environ, "CEDB_DATABASE_URL": url, "NO_COLOR": "1", **(env or {})}
    environment.pop("CEDB_EMAIL", None)
    return subprocess.run(
        [*(prefix or []), cedb_bin, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=TIME_CAP_S,
        preexec_fn=_cap_memory,
    )


def assert_one_line(process: subprocess.CompletedProcess, code: int, contains: str) -> str:
    assert process.returncode == code, (process.returncode, process.stderr[-2000:])
    assert "Traceback" not in process.stderr, process.stderr[-2000:]
    # A batch command (paper add FILE.bib, result import) reports what it rejected, then its summary.
    errors = [
        line
        for line in process.stderr.splitlines()
        if line.startswith(("Error: ", "rejected ")) or ": rejected: " in line
    ]
    assert len(errors) == 1 and len(process.stderr.splitlines()) <= 2, process.stderr[-2000:]
    assert contains.lower() in errors[0].lower(), errors[0]
    return errors[0]


# --------------------------------------------------------------------------- the corpus


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _curation(path: Path, *, key: str = "hostile2024", current: str = "2", extra: str = "") -> Path:
    return _write(
        path,
        f"reference:\n  key: {key}\n  year: 2024\n{extra}measurements:\n- ce_percent: 99.1\n"
        f"  current_density_mA_cm2: {current}\n  areal_capacity_mAh_cm2: 3\n",
    )


def _alias_bomb(path: Path) -> Path:
    lines = ['reference:\n  key: bomb2024\n  note: &l0 "lol"\n', "defs:\n"]
    for level in range(1, 12):
        lines.append(f"  l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]\n")
    lines.append("title: *l11\n")
    return _write(path, "".join(lines))


def _string_doubling(path: Path) -> Path:
    lines = ['@string{s0 = "' + "x" * 64 + '"}\n']
    lines += [f"@string{{s{i} = s{i - 1} # s{i - 1}}}\n" for i in range(1, 40)]
    lines.append("@article{bomb2024, title = s39, year = 2024}\n")
    return _write(path, "".join(lines))


def _large(path: Path, megabytes: float, head: str = "", tail: str = "") -> Path:
    filler = "The cell cycled at 1 mA cm-2 with 99.1 % CE. " * 1000
    count = int(megabytes * 1e6 / len(filler)) + 1
    with path.open("w", encoding="utf-8") as stream:
        stream.write(head)
        for _ in range(count):
            stream.write(filler)
        stream.write(tail)
    return path


def _random_bytes(path: Path) -> Path:
    path.write_bytes(hashlib.sha256(b"cedb").digest() * 512)
    return path


def _truncated(path: Path, source: Path) -> Path:
    path.write_bytes(source.read_bytes()[:20_000])
    return path


def _malformed(path: Path, source: Path) -> Path:
    data = bytearray(source.read_bytes())
    data[4096:12288] = hashlib.sha512(b"cedb").digest() * 128  # pages 2-3 overwritten
    path.write_bytes(bytes(data))
    return path


@dataclass
class Case:
    """``make(tmp, ctx)`` returns the arguments; ``code``/``contains`` what the one line says."""

    name: str
    make: Callable
    code: int
    contains: str
    env: dict = field(default_factory=dict)
    after: Callable | None = None  # extra checks: after(tmp, process)


def _no_file(name: str):
    def check(tmp: Path, process) -> None:
        assert not (tmp / name).exists(), f"{name} was left behind"
        assert not [p for p in tmp.iterdir() if ".cedb-tmp" in p.name], "a temporary file was left behind"

    return check


def _secret_hidden(tmp: Path, process) -> None:
    assert SECRET not in process.stderr + process.stdout


def _other_sqlite(tmp: Path) -> Path:
    path = tmp / "other.sqlite"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    return path


CASES = [
    # 1. bounded parsing
    Case(
        "unit-tower-add",
        lambda t, c: [
            "result",
            "add",
            "--paper",
            c["paper"],
            "--ce",
            "99.1",
            "--current",
            TOWER,
            "--capacity",
            "3",
            "--no-input",
        ],
        1,
        "no arithmetic",
    ),
    Case(
        "unit-tower-inside",
        lambda t, c: [
            "result",
            "add",
            "--paper",
            c["paper"],
            "--ce",
            "99.1",
            "--current",
            "1 mA/cm2 * 2**99**9",
            "--capacity",
            "3",
            "--no-input",
        ],
        1,
        "cannot read current density",
    ),
    Case(
        "unit-tower-curation",
        lambda t, c: ["curate", "load", _curation(t / "tower.yaml", current=f'"{TOWER}"')],
        3,
        "nothing loaded",
    ),
    Case(
        "unit-tower-import",
        lambda t, c: [
            "result",
            "import",
            _write(t / "tower.csv", f'paper,ce,current,capacity\n{c["paper"]},99.1,"{TOWER}",3\n'),
            "--map",
            _write(t / "map.yaml", "columns:\n  paper: paper\n  ce: ce\n  current: current\n  capacity: capacity\n"),
        ],
        1,
        "no arithmetic",
    ),
    Case(
        "yaml-nul",
        lambda t, c: ["curate", "load", _curation(t / "nul.yaml", extra='  title: "A \\0 B"\n')],
        3,
        "nothing loaded",
    ),
    Case("yaml-alias-bomb", lambda t, c: ["curate", "load", _alias_bomb(t / "bomb.yaml")], 3, "nothing loaded"),
    Case(
        "yaml-deep",
        lambda t, c: ["curate", "check", _write(t / "deep.yaml", "reference: " + "[" * 3000 + "]" * 3000 + "\n")],
        3,
        "problem",
    ),
    Case(
        "yaml-int-over-1e308",
        lambda t, c: ["curate", "load", _curation(t / "int.yaml", current="1" + "0" * 400)],
        3,
        "nothing loaded",
    ),
    Case(
        "yaml-too-large",
        lambda t, c: ["curate", "load", _large(t / "big.yaml", 6, head="reference:\n  note: '", tail="'\n")],
        3,
        "nothing loaded",
    ),
    Case(
        "bibtex-string-doubling",
        lambda t, c: ["paper", "add", _string_doubling(t / "strings.bib")],
        1,
        "undefined string",
    ),
    Case(
        "bibtex-huge-field",
        lambda t, c: [
            "paper",
            "add",
            _large(t / "field.bib", 6, head="@article{big2024, title={", tail="}, year=2024}\n"),
        ],
        1,
        "input limit",
    ),
    Case(
        "bibtex-nul",
        lambda t, c: ["paper", "add", _write(t / "nul.bib", "@article{nul2024, title={A\x00B}, year=2024}\n")],
        1,
        "NUL",
    ),
    Case("extract-too-large", lambda t, c: ["extract", _large(t / "paper.txt", 6)], 1, "--max-input-mb"),
    Case(
        "electrolyte-zero-ratio",
        lambda t, c: ["electrolyte", "parse", "1 M LiPF6 in EC:DMC (0:0)"],
        1,
        "adds up to zero",
    ),
    # 4. files
    Case(
        "output-onto-database",
        lambda t, c: ["export", "table", "-f", "csv", "-o", c["sqlite_file"]],
        6,
        "SQLite database",
    ),
    Case(
        "output-onto-sqlite-wal",
        lambda t, c: ["export", "table", "-f", "csv", "-o", f"{_other_sqlite(t)}-wal"],
        6,
        "SQLite database",
    ),
    Case(
        "output-missing-bib-folder",
        lambda t, c: ["export", "table", "-f", "md", "-o", t / "x.md", "--bib", t / "missing" / "x.bib"],
        6,
        "does not exist",
        after=_no_file("x.md"),
    ),
    Case("output-missing-folder", lambda t, c: ["paper", "export", "-o", t / "missing" / "x.bib"], 6, "does not exist"),
    Case("output-is-folder", lambda t, c: ["export", "table", "-f", "md", "-o", t], 6, "is a folder"),
    Case("output-disk-full", lambda t, c: ["export", "table", "-f", "md", "-o", "/dev/full"], 6, "disk is full"),
    Case("plot-missing-folder", lambda t, c: ["plot", "life", "-o", t / "missing" / "life.png"], 6, "does not exist"),
    Case("curate-dump-onto-file", lambda t, c: ["curate", "dump", _write(t / "afile", "x")], 6, "not a folder"),
    # 5. inputs and databases
    Case("input-is-folder", lambda t, c: ["paper", "add", (t / "dir.bib").mkdir() or t / "dir.bib"], 6, "folder"),
    Case("input-missing", lambda t, c: ["curate", "check", t / "none.yaml"], 1, "no such file"),
    Case(
        "db-random-bytes",
        lambda t, c: ["--db", _random_bytes(t / "r.sqlite"), "query"],
        5,
        "not a usable cedb database",
    ),
    Case(
        "db-truncated",
        lambda t, c: ["--db", _truncated(t / "t.sqlite", c["template"]), "query"],
        5,
        "not a usable cedb database",
    ),
    Case(
        "db-malformed",
        lambda t, c: ["--db", _malformed(t / "m.sqlite", c["template"]), "query"],
        5,
        "not a usable cedb database",
    ),
    Case("db-folder", lambda t, c: ["--db", t, "query"], 5, "is a folder"),
    Case(
        "url-mysql",
        lambda t, c: ["--db", f"mysql://cedb:{SECRET}@db.example/cedb", "query"],
        5,
        "cedb works with a SQLite file or PostgreSQL",
        after=_secret_hidden,
    ),
    Case(
        "url-malformed-postgresql",
        lambda t, c: ["--db", f"postgresql://cedb:{SECRET}@localhost:notaport/cedb", "query"],
        5,
        "cannot use database URL",
        after=_secret_hidden,
    ),
    Case(
        "url-postgresql-refused",
        lambda t, c: ["--db", f"postgresql://cedb:{SECRET}@127.0.0.1:1/cedb", "query"],
        5,
        "cannot use the database",
        after=_secret_hidden,
    ),
    Case(
        "url-postgresql-unknown-option",
        lambda t, c: ["--db", f"postgresql://cedb:{SECRET}@127.0.0.1/cedb?foo=bar", "query"],
        5,
        "invalid connection option",
        after=_secret_hidden,
    ),
    Case("url-sqlite-memory", lambda t, c: ["--db", "sqlite://", "query"], 5, "in-memory"),
    Case(
        "bad-http-timeout",
        lambda t, c: ["paper", "add", "10.5555/x.y"],
        1,
        "CEDB_HTTP_TIMEOUT",
        env={"CEDB_HTTP_TIMEOUT": "soon"},
    ),
    Case("bad-max-input", lambda t, c: ["--max-input-mb", "-1", "extract", "-"], 1, "must be positive"),
]


# --------------------------------------------------------------------------- databases


def _hostile_rows(url: str) -> None:
    """The bundled dataset plus a paper whose texts hold control characters, braces and '-inf'."""
    from cedb import curation
    from cedb.store.db import make_engine, prepare, session_scope

    engine = make_engine(url)
    prepare(engine)
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "evil.yaml"
        path.write_text(
            "reference:\n  key: evil2024\n  year: 2024\n  journal: '<script>alert(1)</script> Letters'\n"
            '  title: "Unbalanced { brace <script>alert(1)</script> \\e[31m red \\a bell"\n'
            "strategies:\n- label: '-inf'\n  category: other\n  host: \"\\e[1mbold host\\a\"\n"
            "measurements:\n- strategy: '-inf'\n  ce_percent: 99.1\n  current_density_mA_cm2: 1\n"
            '  areal_capacity_mAh_cm2: 3\n  note: "\\e]0;pwned\\a \\e[2J"\n',
            encoding="utf-8",
        )
        with session_scope(engine) as session:
            report = curation.load(session=session, paths=[path])
        assert report is not None
    engine.dispose()


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("hostile-db")
    path = folder / "cedb.sqlite"
    url = f"sqlite:///{path}"
    _hostile_rows(url)
    with sqlite3.connect(path) as connection:  # fold the WAL in, so the file alone is the database
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"url": url, "sqlite_file": path, "template": path, "paper": "evil2024"}


@pytest.fixture(scope="module")
def postgres_db(tmp_path_factory, sqlite_db):
    if not postgres_available():
        pytest.skip(f"PostgreSQL does not answer at {POSTGRES_URL}")
    with fresh_postgres_schema() as url:
        _hostile_rows(url)
        yield {**sqlite_db, "url": url}


def _digest(path: Path) -> str:
    """The database file and its write-ahead log (the -shm index changes on every read)."""
    wal = Path(f"{path}-wal")
    return hashlib.sha256(path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")).hexdigest()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_ends_in_one_line_and_changes_nothing(case, cedb_bin, sqlite_db, tmp_path):
    before = _digest(sqlite_db["sqlite_file"])
    process = run_capped(cedb_bin, case.make(tmp_path, sqlite_db), url=sqlite_db["url"], cwd=tmp_path, env=case.env)
    assert_one_line(process, case.code, case.contains)
    if case.after:
        case.after(tmp_path, process)
    assert _digest(sqlite_db["sqlite_file"]) == before


# What reaches the database: the same checks on PostgreSQL (file and URL cases do not depend on it).
POSTGRES_CASES = [
    c for c in CASES if c.name.split("-")[0] in ("unit", "yaml", "bibtex") or c.name == "output-onto-database"
]


@pytest.mark.postgres
@pytest.mark.parametrize("case", POSTGRES_CASES, ids=[c.name for c in POSTGRES_CASES])
def test_hostile_input_on_postgresql(case, cedb_bin, postgres_db, tmp_path):
    before = database_snapshot(postgres_db["url"])
    process = run_capped(cedb_bin, case.make(tmp_path, postgres_db), url=postgres_db["url"], cwd=tmp_path, env=case.env)
    assert_one_line(process, case.code, case.contains)
    assert database_snapshot(postgres_db["url"]) == before


# --------------------------------------------------------------------------- what is shown and written


def test_stored_control_characters_braces_and_inf_are_shown_safely(cedb_bin, sqlite_db, tmp_path):
    """Terminal tables escape ESC/BEL; XLSX takes them; Markdown citations are escaped like
    cells; CSV neutralises '-inf'; an unbalanced brace in a title leaves a .bib that parses."""
    from openpyxl import load_workbook
    from pybtex.database import parse_file

    def run(*args):
        process = run_capped(cedb_bin, list(args), url=sqlite_db["url"], cwd=tmp_path)
        assert process.returncode == 0 and "Traceback" not in process.stderr, process.stderr
        return process

    import json

    (result,) = json.loads(run("query", "--paper", "evil2024", "-f", "json").stdout)
    for args in (["result", "show", str(result["id"])], ["paper", "list"]):
        shown = run(*args).stdout
        assert "\x1b" not in shown and "\x07" not in shown, args
        assert "\\x1b" in shown, (args, shown)
    run("export", "table", "--paper", "evil2024", "-f", "xlsx", "-o", tmp_path / "t.xlsx")
    cells = [c.value for sheet in load_workbook(tmp_path / "t.xlsx") for row in sheet.iter_rows() for c in row]
    assert any(isinstance(v, str) and "\\x1b[1mbold host\\x07" in v for v in cells), cells
    markdown = run("export", "table", "--paper", "evil2024", "-f", "md").stdout
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown.split("\n1. ", 1)[1]
    table_csv = run("export", "table", "--paper", "evil2024", "-f", "csv").stdout
    query_csv = run("query", "--paper", "evil2024", "-f", "csv").stdout
    for text in (table_csv, query_csv):
        assert ",'-inf," in text and ",-inf," not in text, text
    run("paper", "export", "evil2024", "-o", tmp_path / "evil.bib")
    title = parse_file(tmp_path / "evil.bib").entries["evil2024"].fields["title"]
    assert "textbraceleft" in title


def test_curate_dump_honours_the_umask_and_replaces_symlinks(cedb_bin, sqlite_db, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "outside.yaml"
    (out / "evil2024.yaml").symlink_to(outside)  # dangling: must not be created through the link

    def umask_022():
        os.umask(0o022)
        _cap_memory()

    environment = {**os.environ, "CEDB_DATABASE_URL": sqlite_db["url"]}
    process = subprocess.run(
        [cedb_bin, "curate", "dump", out],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        preexec_fn=umask_022,
    )
    assert process.returncode == 0, process.stderr
    files = sorted(out.iterdir())
    assert files and {oct(f.stat().st_mode & 0o777) for f in files} == {"0o644"}
    assert not (out / "evil2024.yaml").is_symlink() and not outside.exists()


def _unshare_works() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


needs_unshare = pytest.mark.skipif(not _unshare_works(), reason="needs root and unshare -m (mount namespaces)")


@needs_unshare
def test_curate_dump_on_a_full_disk_leaves_nothing(cedb_bin, sqlite_db, tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    script = (
        f'mount -t tmpfs -o size=12k tmpfs "{mount}" && "{cedb_bin}" curate dump "{mount}/out"; '
        f'code=$?; ls -A "{mount}" >&2; exit $code'
    )
    process = run_capped("sh", ["-c", script], url=sqlite_db["url"], cwd=tmp_path, prefix=["unshare", "-m"])
    assert process.returncode == 6, process.stderr
    lines = process.stderr.splitlines()
    assert lines[0].startswith("Error: ") and "disk is full" in lines[0], lines
    assert lines[1:] == [], f"left behind: {lines[1:]}"


@needs_unshare
def test_a_read_only_database_can_be_queried_not_changed(cedb_bin, sqlite_db, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    shutil.copy(sqlite_db["sqlite_file"], folder / "cedb.sqlite")
    before = _digest(folder / "cedb.sqlite")
    url = f"sqlite:///{folder / 'cedb.sqlite'}"
    script = (
        f'mount --bind -o ro "{folder}" "{folder}" && "{cedb_bin}" query --paper evil2024 -f json '
        f'&& "{cedb_bin}" result rm 1'
    )
    process = run_capped("sh", ["-c", script], url=url, cwd=tmp_path, prefix=["unshare", "-m"])
    assert '"paper": "evil2024"' in process.stdout, process.stderr
    assert_one_line(process, 5, "is read-only")
    assert _digest(folder / "cedb.sqlite") == before


def test_db_check_tells_a_newer_database_from_an_older_one(cedb_bin, sqlite_db, tmp_path):
    path = tmp_path / "cedb.sqlite"
    shutil.copy(sqlite_db["sqlite_file"], path)
    url = f"sqlite:///{path}"
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    check = run_capped(cedb_bin, ["db", "check"], url=url, cwd=tmp_path)
    assert "newer than this cedb" in check.stdout
    assert_one_line(check, 3, "upgrade cedb")
    assert_one_line(run_capped(cedb_bin, ["query"], url=url, cwd=tmp_path), 5, "upgrade cedb")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001_initial'")
    check = run_capped(cedb_bin, ["db", "check"], url=url, cwd=tmp_path)
    assert "older than this cedb" in check.stdout
    assert_one_line(check, 3, "run `cedb db upgrade`")


def test_extract_to_curation_never_follows_a_symlink_out_of_the_folder(cedb_bin, sqlite_db, tmp_path):
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    outside = tmp_path / "elsewhere" / "evil2024.yaml"
    outside.parent.mkdir()
    (drafts / "evil2024.yaml").symlink_to(outside)
    text = _write(tmp_path / "paper.txt", "The cell showed a CE of 99.2 % at 1 mA cm-2 and 3 mAh cm-2 over 200 cycles.")
    args = ["extract", text, "--to-curation", drafts, "--paper", "evil2024", "-f", "json"]
    assert_one_line(run_capped(cedb_bin, args, url=sqlite_db["url"], cwd=tmp_path), 1, "--force")
    assert not outside.exists()
    outside.write_text("mine\n", encoding="utf-8")
    process = run_capped(cedb_bin, [*args, "--force"], url=sqlite_db["url"], cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    assert outside.read_text(encoding="utf-8") == "mine\n"  # the file the link pointed to is untouched
    assert not (drafts / "evil2024.yaml").is_symlink()


def test_a_nul_byte_rejects_its_entry_and_keeps_the_good_ones(cli, tmp_path):
    """On PostgreSQL too, where a NUL cannot be stored: only the entry holding it is refused."""
    _write(
        tmp_path / "mixed.bib",
        "@article{nul2024, title={A\x00B}, year=2024}\n@article{good2024, title={A good paper}, year=2024}\n",
    )
    process = cli("paper", "add", "mixed.bib")
    assert process.returncode == 1 and "Traceback" not in process.stderr, process.stderr
    assert "rejected mixed.bib:1 nul2024: the entry holds a NUL character" in process.stderr
    assert "1 added" in process.stderr
    assert [p["key"] for p in cli.json("paper", "list") if p["key"].endswith("2024")] == ["good2024"]


@needs_unshare
def test_an_output_on_a_read_only_file_system_is_one_line(cedb_bin, sqlite_db, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    script = f'mount --bind -o ro "{folder}" "{folder}" && "{cedb_bin}" export table -f md -o "{folder}/t.md"'
    process = run_capped("sh", ["-c", script], url=sqlite_db["url"], cwd=tmp_path, prefix=["unshare", "-m"])
    assert_one_line(process, 6, "read-only")
    assert list(folder.iterdir()) == []
