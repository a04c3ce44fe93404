"""The web view in a real browser: Debian's headless Chromium driven by Playwright.

The served app (uvicorn on a loopback port) and the built static site (behind a plain
static file server) are filtered, sorted and followed from a result to its paper; the
figures' points are checked against `cedb query --format json`; a label that is a
<script> must show as text. Screenshots go to a temporary folder; with
CEDB_SCREENSHOTS=docs/screenshots they refresh the README's pictures (a test run never
changes tracked files on its own).
"""

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
from test_web import HOSTILE, make_database, query_json, running_server, static_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ["CEDB_SCREENSHOTS"]) if os.environ.get("CEDB_SCREENSHOTS") else None

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the test extra not installed
    sync_playwright = None

pytestmark = [
    pytest.mark.xdist_group("browser"),  # one worker, one Chromium (pytest -n: --dist loadgroup)
    pytest.mark.skipif(sync_playwright is None, reason="Playwright is not installed (pip install '.[test]')"),
    pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Chromium is not installed (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A desktop-sized page that fails the test on any JavaScript error or dialog (alert)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    page.on("dialog", lambda dialog: (problems.append(f"a dialog opened: {dialog.message}"), dialog.dismiss()))
    yield page
    context.close()
    assert not problems, problems


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    return make_database(tmp_path_factory.mktemp("browser") / "cedb.sqlite")


@pytest.fixture(scope="module")
def server(db_url):
    with running_server(db_url) as base:
        yield base


@pytest.fixture(scope="module")
def site(db_url, tmp_path_factory):
    from typer.testing import CliRunner

    from cedb.cli.main import app

    out = tmp_path_factory.mktemp("site") / "site"
    result = CliRunner().invoke(app, ["--db", db_url, "site", "build", str(out)])
    assert result.exit_code == 0, result.output
    with static_server(out) as base:
        yield base


def shot(page, name: str, full_page: bool = False) -> None:
    folder = SCREENSHOTS or Path(tempfile.gettempdir()) / f"cedb-screenshots-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


def table_ids(page) -> list[int]:
    return [
        int(i)
        for i in page.locator("#results tbody tr").evaluate_all("rows => rows.map(r => r.getAttribute('data-id'))")
    ]


def point_ids(page, chart: str) -> list[int]:
    return sorted(
        int(i)
        for i in page.locator(f"#{chart} a.point").evaluate_all("points => points.map(p => p.getAttribute('data-id'))")
    )


def figure_expectation(db_url: str, *flags: str) -> tuple[list[int], list[int]]:
    """The ids Fig. 5 and the conditions map must draw, from `cedb query --format json`."""
    rows = query_json(db_url, *flags)
    practical = {r["id"] for r in query_json(db_url, "--practical", *flags)}
    fig5 = sorted(r["id"] for r in rows if r["id"] in practical and r["year"] is not None)
    conditions = sorted(r["id"] for r in rows if r["current_density_mA_cm2"] and r["areal_capacity_mAh_cm2"])
    return fig5, conditions


# --------------------------------------------------------------------------- the served app


def test_server_filter_sort_and_follow_a_result_to_its_paper(page, server, db_url):
    page.goto(server + "/")
    assert page.locator("h1").inner_text() == "CE results"
    assert table_ids(page) == [r["id"] for r in query_json(db_url)]
    page.select_option("select[name=practical]", "yes")
    page.check("input[name=category][value=composite-anode]")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"practical=yes"))
    assert "category=composite-anode" in page.url  # the view can be linked
    expected = query_json(db_url, "--practical", "--category", "composite-anode")
    assert table_ids(page) == [r["id"] for r in expected]
    assert page.locator("#count").inner_text() == str(len(expected))
    page.click("th[data-key=ce_percent] a")
    page.wait_for_url(re.compile(r"sort=ce_percent"))
    assert page.get_attribute("th[data-key=ce_percent]", "aria-sort") == "ascending"
    ascending = query_json(db_url, "--practical", "--category", "composite-anode", "--sort", "ce_percent")
    assert table_ids(page) == [r["id"] for r in ascending]
    page.click("th[data-key=ce_percent] a")
    page.wait_for_url(re.compile(r"sort=-ce_percent"))
    assert page.get_attribute("th[data-key=ce_percent]", "aria-sort") == "descending"
    descending = query_json(db_url, "--practical", "--category", "composite-anode", "--sort", "-ce_percent")
    assert table_ids(page) == [r["id"] for r in descending]
    verdicts = page.locator("#results tbody td.verdict").all_inner_texts()
    assert all(v.startswith("yes ") and "mAh cm⁻²" in v for v in verdicts)
    shot(page, "results")
    top = descending[0]
    page.click(f"#results tbody tr[data-id='{top['id']}'] td:first-child a")
    page.wait_for_url(re.compile(rf"/result/{top['id']}$"))
    assert page.locator("h1").inner_text().startswith(f"Result {top['id']}: CE ")
    assert page.locator("h2").all_inner_texts()[:2] == ["Practical conditions", "Provenance"]
    shot(page, "result")
    page.click(f"dl.fields a[href='/paper/{top['paper']}']")
    page.wait_for_url(re.compile(rf"/paper/{re.escape(top['paper'])}$"))
    assert page.locator(f"tr[data-id='{top['id']}']").count() == 1
    assert "@article{" in page.locator("pre.bibtex").inner_text()
    shot(page, "paper")


def test_server_figures_match_the_query_and_open_results(page, server, db_url):
    page.goto(server + "/figures?category=composite-anode&category=electrolyte")
    fig5, conditions = figure_expectation(db_url, "--category", "composite-anode", "--category", "electrolyte")
    assert point_ids(page, "fig5") == fig5 and len(fig5) >= 5
    assert point_ids(page, "map") == conditions
    # Each point sits at its value: CE on Fig. 5, both conditions on the map.
    rows = {r["id"]: r for r in query_json(db_url)}
    for node in page.locator("#fig5 a.point").all():
        row = rows[int(node.get_attribute("data-id"))]
        assert float(node.get_attribute("data-ce")) == row["ce_percent"]
        assert int(node.get_attribute("data-year")) == row["year"]
    for node in page.locator("#map a.point").all():
        row = rows[int(node.get_attribute("data-id"))]
        assert float(node.get_attribute("data-current")) == row["current_density_mA_cm2"]
        assert float(node.get_attribute("data-capacity")) == row["areal_capacity_mAh_cm2"]
    first = page.locator("#fig5 a.point").first
    first.hover()
    tip = page.locator("#tooltip")
    assert tip.is_visible()
    row = rows[int(first.get_attribute("data-id"))]
    assert row["paper"] in tip.inner_text() and "mA cm⁻²" in tip.inner_text()
    shot(page, "figures", full_page=True)
    first.click()
    page.wait_for_url(re.compile(rf"/result/{row['id']}$"))
    # The figures follow the filters: the strict reading draws fewer practical points.
    page.goto(server + "/figures?strict=1")
    strict, _ = figure_expectation(db_url, "--strict")
    assert point_ids(page, "fig5") == strict


def test_server_escapes_a_script_label(page, server, db_url):
    page.goto(server + "/?paper=evil2024")
    assert page.locator("#results tbody td").nth(4).inner_text() == HOSTILE
    row = query_json(db_url, "--paper", "evil2024")[0]
    page.goto(server + f"/result/{row['id']}")
    assert HOSTILE in page.locator("h1").inner_text()
    assert page.locator("blockquote").inner_text() == "CE was <img src=x onerror=alert(2)>"
    page.goto(server + "/paper/evil2024")
    assert page.locator("h1").inner_text() == 'Evil <b>bold</b> & "quoted" title'
    page.goto(server + "/figures?paper=evil2024")
    page.locator("#map a.point").first.hover()
    assert HOSTILE in page.locator("#tooltip").inner_text()
    page.goto(server + "/?paper=" + quote(HOSTILE))
    assert page.locator("input[name=paper]").input_value() == HOSTILE
    assert page.locator("#count").inner_text() == "0"


def test_keyboard_and_phone(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(server + "/?practical=yes")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    # Only the table scrolls sideways; the page itself fits the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    headings = page.locator("h1, h2").all_inner_texts()
    assert headings[:3] == ["CE results", "Filters", "Selection"]
    assert page.locator("#results thead th[scope=col]").count() == 12
    page.locator("#selection-title").scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, document.getElementById('selection-title').offsetTop - 8)")
    shot(page, "phone-results")
    page.goto(server + "/figures")
    focused = []
    for _ in range(60):  # tab through the form into the figure's points
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('point')"):
            focused.append(page.evaluate("document.activeElement.getAttribute('data-id')"))
            break
    assert focused and page.locator("#tooltip").is_visible()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/result/{focused[0]}$"))
    context.close()


# --------------------------------------------------------------------------- the static site


@pytest.mark.parametrize(
    "query, flags",
    [
        ("practical=yes&sort=-ce_percent", ["--practical", "--sort", "-ce_percent"]),
        ("profile=recommended&practical=no", ["--profile", "recommended", "--not-practical"]),
        ("practical=yes&strict=1", ["--practical", "--strict"]),
        (
            "category=electrolyte&min_ce=99.2&max_ce=99.8",
            ["--category", "electrolyte", "--min-ce", "99.2", "--max-ce", "99.8"],
        ),
        ("salt=LiFSI&solvent=DME", ["--salt", "LiFSI", "--solvent", "DME"]),
        ("salt=LiFSA", ["--salt", "LiFSA"]),  # a synonym
        ("salt=lithium%20bis(fluorosulfonyl)imide", ["--salt", "lithium bis(fluorosulfonyl)imide"]),
        ("cell=li-cu&method=aurbach", ["--cell", "li-cu", "--method", "aurbach"]),
        ("year_from=2019&year_to=2021&sort=-year", ["--year-from", "2019", "--year-to", "2021", "--sort", "-year"]),
        ("paper=evil2024", ["--paper", "evil2024"]),
        ("paper=10.1234/EVIL-2024", ["--paper", "10.1234/EVIL-2024"]),
        ("sort=label", ["--sort", "label"]),
    ],
)
def test_site_selects_what_cedb_query_selects(page, site, db_url, query, flags):
    page.goto(site + "index.html?" + query)
    assert table_ids(page) == [r["id"] for r in query_json(db_url, *flags)]


def test_site_filter_sort_download_and_follow(page, site, db_url):
    page.goto(site + "index.html")
    assert table_ids(page) == [r["id"] for r in query_json(db_url)]
    page.select_option("select[name=practical]", "yes")
    page.select_option("select[name=profile]", "review")
    page.fill("input[name=min_ce]", "99")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"min_ce=99"))
    expected = query_json(db_url, "--practical", "--min-ce", "99")
    assert table_ids(page) == [r["id"] for r in expected]
    page.click("th[data-key=ce_percent] a")
    page.click("th[data-key=ce_percent] a")
    page.wait_for_url(re.compile(r"sort=-ce_percent"))
    expected = query_json(db_url, "--practical", "--min-ce", "99", "--sort", "-ce_percent")
    assert table_ids(page) == [r["id"] for r in expected]
    assert page.get_attribute("th[data-key=ce_percent]", "aria-sort") == "descending"
    shot(page, "site-results")
    with page.expect_download() as download:
        page.click("#dl-csv")
    from test_web import invoke

    assert Path(download.value.path()).read_text(encoding="utf-8") == invoke(
        db_url, "query", "--practical", "--min-ce", "99", "--sort", "-ce_percent", "--format", "csv"
    )
    with page.expect_download() as download:
        page.click("#dl-json")
    assert json.loads(Path(download.value.path()).read_text(encoding="utf-8")) == expected
    with page.expect_download() as download:
        page.click("#dl-bib")
    bib = Path(download.value.path()).read_text(encoding="utf-8")
    assert {r["paper"] for r in expected} <= set(re.findall(r"@\w+\{([^,]+),", bib))
    page.go_back()  # the browser's history holds each filtered view
    page.wait_for_url(re.compile(r"sort=ce_percent"))
    top = expected[0]
    page.goto(site + "index.html?practical=yes&min_ce=99&sort=-ce_percent")
    page.click(f"#results tbody tr[data-id='{top['id']}'] td:first-child a")
    page.wait_for_url(re.compile(rf"result/{top['id']}\.html$"))
    page.click("dl.fields dd a >> nth=0")
    page.wait_for_url(re.compile(r"paper/.+\.html$"))
    assert page.locator(f"tr[data-id='{top['id']}']").count() == 1


def test_site_figures_follow_the_filters(page, site, db_url):
    page.goto(site + "figures.html?category=composite-anode&category=electrolyte")
    fig5, conditions = figure_expectation(db_url, "--category", "composite-anode", "--category", "electrolyte")
    assert point_ids(page, "fig5") == fig5 and point_ids(page, "map") == conditions
    page.select_option("select[name=profile]", "recommended")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(re.compile(r"profile=recommended"))
    fig5, conditions = figure_expectation(
        db_url, "--category", "composite-anode", "--category", "electrolyte", "--profile", "recommended"
    )
    assert point_ids(page, "fig5") == fig5 and point_ids(page, "map") == conditions
    page.goto(site + "figures.html")
    shot(page, "site-figures")
    page.locator("#map a.point").last.click()  # the last is drawn on top of any it overlaps
    page.wait_for_url(re.compile(r"result/\d+\.html$"))


def test_site_escapes_and_reports_bad_filters(page, site):
    page.goto(site + "index.html?paper=evil2024")
    assert page.locator("#results tbody td").nth(4).inner_text() == HOSTILE
    page.goto(site + "paper/evil2024.html")
    assert page.locator("h1").inner_text() == 'Evil <b>bold</b> & "quoted" title'
    page.goto(site + "figures.html?paper=evil2024")
    page.locator("#fig5 a.point").first.hover()
    assert HOSTILE in page.locator("#tooltip").inner_text()
    page.goto(site + "index.html?salt=nonsense")
    assert page.locator("#error").inner_text().startswith("Error: unknown chemical 'nonsense'")
    page.goto(site + "index.html?min_ce=abc")
    assert page.locator("#error").inner_text() == "Error: min_ce 'abc' is not a number"
    assert page.locator("#count").inner_text() == "0"
