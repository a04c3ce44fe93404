"""`cedb paper`: add from BibTeX and DOI (a local Crossref), duplicates, list, show, rm, export.

Every test runs the installed `cedb` on a new database of each backend (the `cli`
fixture), so first use also loads the bundled review dataset.
"""

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, assert_user_error, database_snapshot
from crossref_server import GARBAGE, NOT_HTTP, SLOW, TRICKLE, UNAVAILABLE, WRONG_SHAPE, CrossrefServer

from cedb.resources import curation_dir

MESSY = FIXTURES / "bib" / "messy.bib"
MESSY_ADDED = ["Muller2021Nitrate", "fresh2024", "keller2023note", "ortiz2022sulfide", "wang2020host"]
BUNDLED_PAPERS = len(list(curation_dir().glob("*.yaml")))  # one curation file per bundled paper


@pytest.fixture(scope="module")
def crossref():
    with CrossrefServer() as server:
        yield server


@pytest.fixture
def crossref_env(crossref) -> dict:
    crossref.requests.clear()
    return {"CEDB_CROSSREF_URL": crossref.url, "CEDB_HTTP_TIMEOUT": "1"}


def _papers(url: str) -> dict[str, dict]:
    """Every reference row by key, read directly (cheaper than one more `cedb paper list`)."""
    import sqlalchemy as sa

    from cedb.store.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text('SELECT * FROM "reference"')).mappings().all()
    engine.dispose()
    return {row["key"]: dict(row) for row in rows}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- BibTeX


@pytest.mark.end_to_end(backends=("sqlite",))  # PostgreSQL: the same steps in-process
def test_add_messy_bibtex_file_then_duplicates(cli, tmp_path):
    process = cli("paper", "add", MESSY)
    assert process.returncode == 1, process.stderr  # an entry was rejected; the good ones are kept
    assert "Traceback" not in process.stderr and process.stdout == ""
    lines = process.stderr.splitlines()
    assert lines[-1] == "5 added, 2 skipped as duplicates, 2 rejected"
    assert f"skipped {MESSY}:54 duplicateByDoi: same DOI 10.5555/synth.2021.001 as Muller2021Nitrate" in lines
    assert f"skipped {MESSY}:62 ortizCopy: same title and year as ortiz2022sulfide" in lines
    assert f"rejected {MESSY}:34 broken2019: cannot parse: syntax error in line 36: '}}' expected" in lines
    assert f"rejected {MESSY}:48 unbalanced2018: unbalanced braces" in lines

    listed = {row["key"]: row for row in cli.json("paper", "list")}
    assert len(listed) == BUNDLED_PAPERS + 5 and set(MESSY_ADDED) <= set(listed)
    assert listed["Muller2021Nitrate"] == {
        "key": "Muller2021Nitrate",
        "year": 2021,
        "authors": "Müller et al.",
        "title": "A LiNO3 additive that stabilises plated lithium in carbonate electrolytes",
        "journal": "Journal of Synthetic Lithium Anodes",
        "doi": "10.5555/synth.2021.001",
    }
    assert listed["ortiz2022sulfide"]["title"] == "Li2S-rich interphases for dense lithium deposition"
    assert listed["fresh2024"]["title"] == "Coulombic efficiency at 99.9 % under lean electrolyte & high loading"
    assert {k: listed[k]["doi"] for k in MESSY_ADDED} == {
        "Muller2021Nitrate": "10.5555/synth.2021.001",
        "fresh2024": "10.5555/fresh.2024.3",
        "keller2023note": "10.5555/note.2023.42",
        "ortiz2022sulfide": "10.5555/abc",
        "wang2020host": "10.5555/host.2020.7",
    }

    rows = _papers(cli.url)
    muller = rows["Muller2021Nitrate"]
    assert muller["authors"] == "Müller, Jörg and Durand, Émile and Zhang, Wei"
    assert (muller["pages"], muller["volume"], muller["entry_type"]) == ("101–115", "12", "article")
    # The entry is kept for export: with the file's @string expanded ...
    assert 'title = "A {LiNO$_3$} additive' in muller["bibtex"]
    assert 'journal = "Journal of Synthetic Lithium Anodes"' in muller["bibtex"]
    # ... else exactly as written.
    raw = MESSY.read_text(encoding="utf-8").split("@article{ortiz2022sulfide,")[1].split("\n}\n")[0]
    assert rows["ortiz2022sulfide"]["bibtex"] == "@article{ortiz2022sulfide," + raw + "\n}"
    assert rows["wang2020host"]["entry_type"] == "misc"

    if cli.url.startswith("sqlite"):  # rendering does not depend on the backend
        csv_lines = cli("paper", "list", "--format", "csv", check=True).stdout.splitlines()
        assert csv_lines[0] == "key,year,authors,title,journal,doi"
        assert (
            "wang2020host,2020,Wang,A porous copper host for dendrite-free lithium plating,,10.5555/host.2020.7"
        ) in csv_lines
        assert len(csv_lines) == 1 + len(listed)

    # The same file again: everything is a duplicate now, and nothing changes.
    before = database_snapshot(cli.url)
    again = cli("paper", "add", MESSY)
    assert again.returncode == 1
    assert again.stderr.splitlines()[-1] == "0 added, 7 skipped as duplicates, 2 rejected"
    assert f"skipped {MESSY}:8 Muller2021Nitrate: same DOI 10.5555/synth.2021.001 as Muller2021Nitrate" in again.stderr

    # --on-duplicate error: refused naming the existing key, and the good entry before it is not kept.
    dup = _write(
        tmp_path / "dup.bib",
        "@article{fresh, title = {A new paper}, year = 2020, doi = {10.5555/fresh.1}}\n"
        "@article{again, title={Other}, year=2021, url={https://doi.org/10.5555/HOST.2020.7}}\n",
    )
    line = assert_user_error(
        cli("paper", "add", dup, "--on-duplicate", "error"),
        1,
        "is already in the database as wang2020host (same DOI 10.5555/host.2020.7)",
    )
    assert f"{dup}:2 again" in line

    # Nothing that can be added: exit 1, nothing written.
    broken = _write(tmp_path / "broken.bib", "@article{a1, title = {No comma} year = 2020}\n")
    process = cli("paper", "add", broken)
    assert process.returncode == 1 and "Traceback" not in process.stderr
    assert process.stderr.splitlines()[-1] == "0 added, 0 skipped as duplicates, 1 rejected"
    assert database_snapshot(cli.url) == before

    # Same title and year under another key: error, skip, replace.
    newer = _write(
        tmp_path / "newer.bib",
        (
            "@article{ortiz2022v2,\n  author = {Ortiz, Ana},\n"
            "  title = {Li$_2$S-Rich Interphases for Dense Lithium Deposition.},\n"
            "  journal = {Synthetic Battery Letters}, year = {2022}, volume = {3}, pages = {1--9},\n}\n"
        ),
    )
    assert_user_error(
        cli("paper", "add", newer, "--on-duplicate", "error"),
        1,
        "is already in the database as ortiz2022sulfide (same title and year)",
    )
    skipped = cli("paper", "add", newer, "--on-duplicate", "skip", check=True)
    assert skipped.stderr.splitlines()[-1] == "0 added, 1 skipped as duplicates, 0 rejected"
    assert database_snapshot(cli.url) == before
    doi = _papers(cli.url)["ortiz2022sulfide"]["doi"]
    replaced = cli("paper", "add", newer, "--on-duplicate", "replace", check=True)
    assert replaced.stderr.splitlines()[-1] == "0 added, 0 skipped as duplicates, 1 replaced, 0 rejected"
    rows = _papers(cli.url)
    assert "ortiz2022v2" not in rows  # the key stays, the metadata is the new entry's
    assert (rows["ortiz2022sulfide"]["volume"], rows["ortiz2022sulfide"]["pages"]) == ("3", "1–9")
    assert rows["ortiz2022sulfide"]["doi"] == doi  # a field the new entry lacks is kept


# --------------------------------------------------------------------------- show, rm, export


def test_rm_refuses_cited_papers_unless_cascade(cli):
    cli("paper", "list", check=True)
    before = database_snapshot(cli.url)
    # The review's results belong to the papers it quotes: they block the removal, --cascade or not.
    for extra in ([], ["--cascade"], ["--cascade", "--yes"]):
        assert_user_error(
            cli("paper", "rm", "sun2025review", *extra),
            1,
            "11 result(s) of other papers were read from sun2025review (ids ",
        )
    assert_user_error(cli("paper", "rm", "nosuchkey"), 1, "no paper with key 'nosuchkey'")
    assert_user_error(cli("paper", "rm", "sun2025review-ref107"), 1, "sun2025review-ref107 has 1 result(s) (ids ")
    assert_user_error(cli("paper", "rm", "sun2025review", "--detach-sources"), 1, "give --yes")
    assert database_snapshot(cli.url) == before
    removed = cli("paper", "rm", "sun2025review", "--detach-sources", "--yes", check=True)
    assert (
        removed.stdout == ""
        and removed.stderr.strip().splitlines()[-1].startswith("Removed sun2025review; ")
        and "result(s) of other papers kept without a source" in removed.stderr
    )
    after = database_snapshot(cli.url)
    assert len(after["measurement"]) == len(before["measurement"])  # kept, without a source
    assert len(after["reference"]) == BUNDLED_PAPERS - 1
    removed = cli("paper", "rm", "sun2025review-ref107", "--cascade", "--yes", check=True)
    assert removed.stderr.strip().splitlines()[-1] == "Removed sun2025review-ref107 and 1 result(s)"
    assert len(database_snapshot(cli.url)["measurement"]) == len(before["measurement"]) - 1
    removed = cli("paper", "rm", "sun2025review-ref99", "--cascade", "--yes", check=True)  # has a strategy
    # Last line only: crud.remove_reference currently also prints an SAWarning (reported).
    assert removed.stderr.strip().splitlines()[-1] == "Removed sun2025review-ref99 and 1 result(s)"
    assert "sun2025review-ref99" not in _papers(cli.url)


def test_export_round_trips_through_pybtex_and_cedb(cli, tmp_path):
    from pybtex.database import parse_string

    from cedb.store.db import make_engine, prepare

    cli("paper", "add", MESSY)
    out = tmp_path / "out.bib"
    written = cli("paper", "export", "--format", "bibtex", "-o", out, check=True)
    assert written.stdout == "" and written.stderr.strip() == f"Wrote {BUNDLED_PAPERS + 5} entries to {out}"
    text = out.read_text(encoding="utf-8")
    data = parse_string(text, "bibtex")
    assert len(data.entries) == BUNDLED_PAPERS + 5
    assert data.entries["Muller2021Nitrate"].fields["title"] == (
        "A {LiNO$_3$} additive that stabilises plated lithium in carbonate electrolytes"
    )
    assert data.entries["Muller2021Nitrate"].fields["journal"] == "Journal of Synthetic Lithium Anodes"
    assert data.entries["sun2025review"].fields["doi"] == "10.1039/d4eb00034j"

    only = cli("paper", "export", "ortiz2022sulfide", "fresh2024", check=True).stdout  # stdout by default
    assert list(parse_string(only, "bibtex").entries) == ["fresh2024", "ortiz2022sulfide"]
    assert_user_error(cli("paper", "export", "nosuchkey"), 1, "no paper with key nosuchkey")

    # Into an empty database: every entry comes back, with the same metadata, and exports the same.
    other = type(cli)(cli.executable, f"sqlite:///{tmp_path / 'other.sqlite'}", tmp_path)
    prepare(make_engine(other.url), load_bundled=False)
    imported = other("paper", "add", out, check=True)
    assert imported.stderr.splitlines()[-1] == f"{BUNDLED_PAPERS + 5} added, 0 skipped as duplicates, 0 rejected"
    fields = ("title", "authors", "journal", "year", "volume", "pages", "doi", "entry_type")
    original, copied = _papers(cli.url), _papers(other.url)
    assert {k: [r[f] for f in fields] for k, r in copied.items()} == {
        k: [r[f] for f in fields] for k, r in original.items()
    }
    assert other("paper", "export", check=True).stdout == text


# --------------------------------------------------------------------------- DOI and Crossref


def test_add_doi_from_crossref(cli, crossref, crossref_env):
    cli("paper", "add", MESSY)
    env = {**crossref_env, "CEDB_EMAIL": "curator@example.org"}
    process = cli("paper", "add", "10.5555/CROSSREF.2023.001", env=env)
    assert process.returncode == 0, process.stderr
    assert process.stderr.splitlines()[-1] == "1 added, 0 skipped as duplicates, 0 rejected"
    (request,) = crossref.requests
    assert request.path == "/works/10.5555/crossref.2023.001"
    assert request.headers["User-Agent"].startswith("cedb/")
    assert "mailto:curator@example.org" in request.headers["User-Agent"]

    shown = cli.json("paper", "show", "ortiz2023dense")
    assert shown["title"] == "Dense lithium plating from a LiNO3-saturated ether electrolyte"
    assert shown["authors"] == "Ortiz, Ana and Müller, Jörg"
    assert (shown["journal"], shown["year"], shown["volume"], shown["pages"], shown["doi"], shown["entry_type"]) == (
        "Synthetic Battery Letters",
        2023,
        "7",
        "100–112",
        "10.5555/crossref.2023.001",
        "article",
    )

    # The same DOI in another spelling is refused, naming the paper; skip is not an error.
    assert_user_error(
        cli("paper", "add", "doi:10.5555/crossref.2023.001", env=crossref_env),
        1,
        "already in the database as ortiz2023dense (same DOI 10.5555/crossref.2023.001)",
    )
    skipped = cli(
        "paper",
        "add",
        "https://doi.org/10.5555/Crossref.2023.001",
        "--on-duplicate",
        "skip",
        env=crossref_env,
        check=True,
    )
    assert "0 added, 1 skipped as duplicates" in skipped.stderr
    assert "mailto:" not in crossref.requests[-1].headers["User-Agent"]  # no CEDB_EMAIL, no mailto
    # Same title and year as a BibTeX entry (another DOI): refused, naming it.
    assert_user_error(
        cli("paper", "add", "10.5555/crossref.2024.002", env=crossref_env),
        1,
        "already in the database as fresh2024 (same title and year)",
    )
    # Same DOI as Muller2021Nitrate: replace takes Crossref's metadata and keeps the key.
    replaced = cli("paper", "add", "10.5555/synth.2021.001", "--on-duplicate", "replace", env=crossref_env, check=True)
    assert "1 replaced" in replaced.stderr
    rows = _papers(cli.url)
    assert [key for key in rows if key.startswith("ortiz2023")] == ["ortiz2023dense"]
    muller = rows["Muller2021Nitrate"]
    assert muller["title"].endswith("(version of record)") and muller["bibtex"] is None
    assert muller["authors"] == "Müller, Jörg and Durand, Émile"


def test_add_doi_failures_write_nothing(cli, crossref_env):
    import socket

    cli("paper", "list", check=True)
    before = database_snapshot(cli.url)
    failures = [
        (GARBAGE, 4, "Crossref sent a malformed answer"),
        ("10.5555/unknown.doi", 1, "Crossref does not know DOI 10.5555/unknown.doi"),
    ]
    if cli.url.startswith("sqlite"):  # how the answer fails does not depend on the backend
        failures += [
            (SLOW, 4, f"cannot reach Crossref at {crossref_env['CEDB_CROSSREF_URL']} (timed out)"),
            # A byte every 0.5 s: no single read waits CEDB_HTTP_TIMEOUT=1, the whole answer would take 20 s.
            (TRICKLE, 4, f"cannot reach Crossref at {crossref_env['CEDB_CROSSREF_URL']} (timed out)"),
            (UNAVAILABLE, 4, "Crossref answered HTTP 503"),
            (WRONG_SHAPE, 4, "Crossref sent a malformed answer"),
            (NOT_HTTP, 4, "sent a broken HTTP answer"),
        ]
    for doi, code, message in failures:
        process = cli("paper", "add", doi, env=crossref_env)
        assert_user_error(process, code, message)
        assert process.stdout == "" and len(process.stderr.splitlines()) == 1, process.stderr

    with socket.socket() as unused:  # offline: a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    process = cli(
        "paper",
        "add",
        MESSY,
        "10.5555/crossref.2023.001",
        env={"CEDB_CROSSREF_URL": f"http://127.0.0.1:{port}", "CEDB_HTTP_TIMEOUT": "1"},
    )
    assert_user_error(process, 4, f"cannot reach Crossref at http://127.0.0.1:{port}")
    assert database_snapshot(cli.url) == before  # the .bib entries before the DOI are not kept either


# --------------------------------------------------------------------------- one transaction, byte for byte


def _sqlite_bytes(url: str) -> bytes:
    path = Path(url[len("sqlite:///") :])
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "a write was left in the WAL"
    return path.read_bytes()


def test_failed_commands_leave_the_sqlite_file_byte_for_byte(sqlite_cli, crossref_env, tmp_path):
    cli = sqlite_cli
    cli("paper", "add", MESSY)  # a successful write (with rejected entries)
    before = _sqlite_bytes(cli.url)
    dup = _write(tmp_path / "dup.bib", "@article{copy, title = {Anything}, doi = {doi:10.5555/FRESH.2024.3}}\n")
    assert_user_error(cli("paper", "add", dup, "--on-duplicate", "error"), 1, "as fresh2024")
    assert _sqlite_bytes(cli.url) == before
    assert_user_error(cli("paper", "add", GARBAGE, env=crossref_env), 4, "malformed")
    assert _sqlite_bytes(cli.url) == before
    assert_user_error(cli("paper", "add", MESSY, UNAVAILABLE, "--on-duplicate", "replace", env=crossref_env), 4)
    assert_user_error(cli("paper", "rm", "sun2025review"), 1, "--detach-sources")
    assert _sqlite_bytes(cli.url) == before
    assert json.loads(cli("paper", "show", "fresh2024", "-f", "json", check=True).stdout)["key"] == "fresh2024"
