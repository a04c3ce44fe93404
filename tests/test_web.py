"""The web view without a browser: parameters, the served pages over HTTP, downloads, the static site.

The server runs for real (uvicorn on a free loopback port, in a thread); downloads are
compared with what `cedb query` prints for the same filters.
"""

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

from cedb.cli.main import app

HOSTILE = "<script>alert(1)</script>"
runner = CliRunner()


def invoke(url: str, *args: str):
    result = runner.invoke(app, ["--db", url, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout  # notes go to stderr


def query_json(url: str, *args: str) -> list[dict]:
    return json.loads(invoke(url, "query", *args, "--format", "json"))


def make_database(path) -> str:
    """The bundled review dataset plus one paper whose texts are HTML (escaping must hold)."""
    url = f"sqlite:///{path}"
    bib = path.parent / "hostile.bib"
    bib.write_text(
        '@article{evil2024,\n  title = {Evil <b>bold</b> & "quoted" title},\n'
        "  author = {Doe, Jane},\n  journal = {J. Test},\n  year = {2024},\n"
        "  doi = {10.1234/evil-2024}\n}\n",
        encoding="utf-8",
    )
    invoke(url, "paper", "add", str(bib))
    invoke(
        url,
        "result",
        "add",
        "--paper",
        "evil2024",
        "--ce",
        "99.3",
        "--current",
        "2",
        "--capacity",
        "4",
        "--cycles",
        "100",
        "--category",
        "electrolyte",
        "--label",
        HOSTILE,
        "--electrolyte",
        "1 M LiFSI in DME",
        "--quote",
        "CE was <img src=x onerror=alert(2)>",
        "--location",
        "Fig. 2 <i>",
        "--cell",
        "li-cu",
        "--method",
        "aurbach",
    )
    return url


@contextmanager
def running_server(url: str):
    """`cedb serve`'s app on a free loopback port, in a thread; yields its base URL."""
    import uvicorn

    from cedb.store.db import make_engine
    from cedb.web.app import create_app

    engine = make_engine(url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        engine.dispose()


@contextmanager
def static_server(directory):
    """A plain static file server (as any static host) over ``directory``."""
    import functools
    import http.server

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def get(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.read().decode("utf-8"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8"), dict(error.headers)


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    return make_database(tmp_path_factory.mktemp("web") / "cedb.sqlite")


@pytest.fixture(scope="module")
def server(db_url):
    with running_server(db_url) as base:
        yield base


# --------------------------------------------------------------------------- parameters


def test_parameters_become_query_filters():
    from cedb.web import views

    params = views.clean_params(
        [
            ("practical", "yes"),
            ("strict", "1"),
            ("min_ce", " 99.5 "),
            ("category", "electrolyte"),
            ("category", "interface"),
            ("salt", "LiFSI"),
            ("year_from", "2019"),
            ("sort", "-ce_percent"),
            ("unknown", "x"),
            ("paper", ""),
        ]
    )
    filters = views.to_filters(params)
    assert (filters.practical, filters.strict, filters.min_ce) == (True, True, 99.5)
    assert filters.category == ["electrolyte", "interface"] and filters.salt == ["LiFSI"]
    assert (filters.year_from, filters.sort, filters.descending) == (2019, "ce_percent", True)
    assert filters.paper is None and "unknown" not in params
    # The URL a page links to keeps the filters, in a stable order.
    assert views.query_string(params, sort=None) == (
        "?practical=yes&strict=1&min_ce=99.5&category=electrolyte&category=interface&salt=LiFSI&year_from=2019"
    )


@pytest.mark.parametrize(
    "params, message",
    [
        ({"min_ce": ["abc"]}, "min_ce 'abc' is not a number"),
        ({"year_to": ["2020.5"]}, "year_to '2020.5' is not a whole number"),
        ({"practical": ["maybe"]}, "practical 'maybe' is not yes, no or any"),
        ({"profile": ["nope"]}, "unknown profile 'nope'"),
    ],
)
def test_bad_parameters_are_one_line_errors(params, message):
    from cedb.errors import InvalidValue
    from cedb.web import views

    with pytest.raises(InvalidValue, match=message):
        views.to_filters(params)


# --------------------------------------------------------------------------- the server


def test_pages_answer_and_filter_through_the_query(server, db_url):
    status, html, headers = get(server + "/?practical=yes&sort=-ce_percent")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in headers["content-security-policy"]  # no inline script can run
    expected = query_json(db_url, "--practical", "--sort", "-ce_percent")
    ids = [int(part.split('"')[0]) for part in html.split('<tr data-id="')[1:]]
    assert ids == [row["id"] for row in expected] and len(ids) > 5
    assert f'<strong id="count">{len(expected)}</strong>' in html
    # Each row says its verdict and why, under the chosen profile.
    assert "current 2 ≥ 1 mA cm⁻²; capacity 3 ≥ 3 mAh cm⁻²" in html
    status, html, _ = get(server + "/?practical=yes&strict=1")
    assert status == 200
    strict = query_json(db_url, "--practical", "--strict")
    assert html.count('<tr data-id="') == len(strict) < len(expected)


def test_escaping_on_every_page(server, db_url):
    rows = query_json(db_url, "--paper", "evil2024")
    pages = ["/", "/figures", f"/result/{rows[0]['id']}", "/paper/evil2024", "/?paper=" + urllib.request.quote(HOSTILE)]
    for path in pages:
        status, html, _ = get(server + path)
        assert status in (200,), (path, status)
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html, path
    _, html, _ = get(server + "/paper/evil2024")
    assert "Evil &lt;b&gt;bold&lt;/b&gt; &amp; &#34;quoted&#34; title" in html
    _, html, _ = get(server + f"/result/{rows[0]['id']}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "CE was &lt;img src=x onerror=alert(2)&gt;" in html


def test_result_and_paper_pages(server, db_url):
    row = query_json(db_url, "--paper", "evil2024")[0]
    status, html, _ = get(server + f"/result/{row['id']}")
    assert status == 200
    for text in (
        "Practical conditions",
        "review",
        "recommended",
        "pouch-500",
        "aurbach",
        "Fig. 2 &lt;i&gt;",
        'href="/paper/evil2024"',
        "Conflicts with other sources",
    ):
        assert text in html, text
    status, html, _ = get(server + "/paper/evil2024")
    assert status == 200
    assert 'href="https://doi.org/10.1234/evil-2024"' in html and "@article{evil2024," in html
    assert f'href="/result/{row["id"]}"' in html and "Aliases and conflicts" in html


def test_errors_are_pages_with_one_message(server):
    status, html, _ = get(server + "/?min_ce=abc")
    assert status == 400 and "Error: min_ce &#39;abc&#39; is not a number" in html
    assert "Traceback" not in html
    status, html, _ = get(server + "/result/999999")
    assert status == 404 and "no result with id 999999" in html
    assert get(server + "/paper/nobody")[0] == 404
    assert get(server + "/download/results.exe")[0] == 404
    assert get(server + "/?page=99")[0] == 400


def test_no_write_endpoints(server, db_url):
    from conftest import database_snapshot

    before = database_snapshot(db_url)
    for path in ("/", "/result/1", "/paper/evil2024", "/download/results.csv"):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            request = urllib.request.Request(server + path, data=b"x=1", method=method)
            with pytest.raises(urllib.error.HTTPError) as error:
                urllib.request.urlopen(request)
            assert error.value.code == 405, (method, path)
    assert database_snapshot(db_url) == before


def test_downloads_are_what_cedb_query_prints(server, db_url):
    _, text, headers = get(server + "/download/results.csv?practical=yes&min_ce=99")
    assert text == invoke(db_url, "query", "--practical", "--min-ce", "99", "--format", "csv")
    assert "attachment" in headers["content-disposition"]
    _, text, _ = get(server + "/download/results.json?category=electrolyte")
    assert json.loads(text) == query_json(db_url, "--category", "electrolyte")
    _, text, _ = get(server + "/download/results.bib?paper=evil2024")
    assert text == invoke(db_url, "paper", "export", "evil2024")


def test_figures_page_carries_the_selected_rows(server, db_url):
    _, html, _ = get(server + "/figures?category=composite-anode")
    config = json.loads(html.split('<script id="figure-config" type="application/json">')[1].split("</script>")[0])
    expected = query_json(db_url, "--category", "composite-anode")
    assert [r["id"] for r in config["rows"]] == [r["id"] for r in expected]
    assert {r["verdict"] for r in config["rows"]} <= {"yes", "no", "unknown"}
    assert config["thresholds"]["review"] == {"current_density_mA_cm2": 1.0, "areal_capacity_mAh_cm2": 3.0}


def test_postgresql_is_served_too(postgres_url, tmp_path):
    invoke(postgres_url, "query", "--limit", "1")  # first use loads the bundled dataset
    with running_server(postgres_url) as base:
        status, html, _ = get(base + "/?practical=yes")
    assert status == 200
    assert html.count('<tr data-id="') == len(query_json(postgres_url, "--practical"))
    invoke(postgres_url, "site", "build", str(tmp_path / "site"))
    rows = query_json(postgres_url)
    assert json.loads((tmp_path / "site" / "download" / "results.json").read_text()) == rows
    assert len(list((tmp_path / "site" / "result").iterdir())) == len(rows)


# --------------------------------------------------------------------------- the static site


def test_site_build_writes_every_page_and_download(db_url, tmp_path):
    from cedb.web import render

    out = tmp_path / "site"
    result = runner.invoke(app, ["--db", db_url, "site", "build", str(out)])
    assert result.exit_code == 0, result.output
    rows = query_json(db_url)
    assert f"{len(rows)} results" in result.output
    for name in (
        "index.html",
        "figures.html",
        "cite.html",
        "data/results.js",
        "static/cedb.js",
        "static/cedb.css",
        "download/results.csv",
        "download/results.json",
        "download/results.bib",
    ):
        assert (out / name).is_file(), name
    assert all((out / "result" / f"{row['id']}.html").is_file() for row in rows)
    assert (out / "paper" / render.paper_file("evil2024")).is_file()
    assert json.loads((out / "download/results.json").read_text()) == rows
    assert (out / "download/results.csv").read_text() == invoke(db_url, "query", "--format", "csv")
    data = (out / "data/results.js").read_text()
    assert "<" not in data  # no markup can close a script element
    # A second build replaces the site; a directory holding other files is refused.
    assert runner.invoke(app, ["--db", db_url, "site", "build", str(out)]).exit_code == 0
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["--db", db_url, "site", "build", str(other)])
    assert result.exit_code == 1 and "is not empty and holds no cedb site" in str(result.exception)
    assert (other / "keep.txt").read_text() == "mine"


def test_a_failed_site_build_leaves_the_former_site(db_url, tmp_path, monkeypatch):
    from cedb.web import pages

    out = tmp_path / "site"
    assert runner.invoke(app, ["--db", db_url, "site", "build", str(out)]).exit_code == 0
    (out / "result" / "999999.html").write_text("a result since deleted")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pages, "paper_page", full_disk)  # fails after many pages are written
    failed = runner.invoke(app, ["--db", db_url, "site", "build", str(out)])
    assert failed.exit_code != 0 and "nothing was written" in str(failed.exception)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # no temporaries left

    monkeypatch.undo()
    assert runner.invoke(app, ["--db", db_url, "site", "build", str(out)]).exit_code == 0
    assert not (out / "result" / "999999.html").exists()  # a stale page is removed


def test_site_verdicts_are_practical_verdicts(db_url, tmp_path):
    """The static site looks verdicts up; they come from cedb.practical under every profile."""
    from cedb.practical import PROFILES
    from cedb.store.db import make_engine, session_scope
    from cedb.web import render, site

    engine = make_engine(db_url)
    with session_scope(engine, write=False) as session:
        from cedb.store import query

        rows = query.run(session.connection(), query.Filters(), extra=True)
        data = site.site_data(session, rows, render.SiteLinks())
    engine.dispose()
    assert set(data["rows"][0]["verdicts"]) == {f"{p}{s}" for p in PROFILES for s in ("", "-strict")}
    for profile in PROFILES:
        for strict in (False, True):
            flags = ["--profile", profile] + (["--strict"] if strict else [])
            practical = {r["id"] for r in query_json(db_url, "--practical", *flags)}
            key = profile + ("-strict" if strict else "")
            assert {r["id"] for r in data["rows"] if r["verdicts"][key][0] == "yes"} == practical
    from cedb.practical import get_profile, verdict

    for row, out in zip(rows, data["rows"]):
        word, reason = out["verdicts"]["pouch-500-strict"]
        expected = verdict(row, get_profile("pouch-500"), strict=True)
        assert (word, data["reasons"][reason]) == (expected.word, expected.reason)


def test_serve_help_names_its_options():
    result = runner.invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "--host" in result.output and "--port" in result.output
    assert "127.0.0.1" in result.output


def test_serve_on_a_busy_port_is_a_user_error(sqlite_cli):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = sqlite_cli("serve", "--port", str(port))
    from conftest import assert_user_error

    assert_user_error(process, contains=f"cannot listen on 127.0.0.1:{port}")
    assert "Serving" not in process.stderr


def test_aliases_and_conflicts_are_shown_where_cedb_records_them(db_url, monkeypatch):
    """Where crud has aliases() and conflicts() (the paper-aliases feature), pages list them;
    without it, a marked place says they are not recorded."""
    from cedb.store import crud
    from cedb.store.db import make_engine, session_scope
    from cedb.web import pages, render

    links = render.ServerLinks()
    engine = make_engine(db_url)
    row = query_json(db_url, "--paper", "evil2024")[0]
    with session_scope(engine, write=False) as session:
        if not hasattr(crud, "conflicts"):
            html = pages.paper_page(session, "evil2024", links)
            assert 'data-placeholder="aliases"' in html and 'data-placeholder="conflicts"' in html
        measurement = crud.get_measurement(session=session, id=row["id"])
        # a result read from the review (the bundled data also holds primary papers)
        read = next(r for r in query_json(db_url) if r["paper"].startswith("sun2025review-ref"))
        other = crud.get_measurement(session=session, id=read["id"])
        monkeypatch.setattr(crud, "aliases", lambda *, session, reference: ["old<key>"], raising=False)
        monkeypatch.setattr(
            crud, "conflicts", lambda *, session, key=None, result_id=None: [[measurement, other]], raising=False
        )
        paper = pages.paper_page(session, "evil2024", links)
        result = pages.result_page(session, row["id"], links)
    engine.dispose()
    assert "Also cited as: <code>old&lt;key&gt;</code>" in paper and "data-placeholder" not in paper
    for html in (paper, result):
        assert f'<a href="/result/{row["id"]}">result {row["id"]}</a> 99.3 %' in html
        assert f'<a href="/result/{other.id}">result {other.id}</a>' in html
        assert "(read from sun2025review, Section" in html


def test_site_build_into_a_file_is_a_user_error(sqlite_cli, tmp_path):
    from conftest import assert_user_error

    target = tmp_path / "site.txt"
    target.write_text("mine")
    assert_user_error(sqlite_cli("site", "build", target), contains="is a file")
    assert target.read_text() == "mine"
