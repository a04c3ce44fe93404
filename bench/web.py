"""Time the web view at scale: the served results page and the static site in headless Chromium.

    python bench/web.py --size 10000 [--work /tmp/cedb-web-bench]

Generates deterministic synthetic results (bench/generate.py), loads them with
`cedb curate load`, then measures (median of --repeat runs):
- the server: time to the full response of `/`, `/?practical=yes`, a sorted page, `/figures`;
- the static site: `cedb site build`, then, in Chromium behind a plain static file server,
  load-to-ready of index.html with and without filters, a form filter, a sort, and figures.html.
Not a test: it asserts nothing about time, it prints a Markdown table.
"""

import argparse
import functools
import http.server
import json
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import generate  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CEDB = str(Path(sys.executable).with_name("cedb"))


def median_time(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def serve_in_thread(url: str):
    import uvicorn

    from cedb.store.db import make_engine
    from cedb.web.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(make_engine(url)), host="127.0.0.1",
                                           port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return server, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/cedb-web-bench"))
    args = parser.parse_args()
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    generate.write_all(args.size, work / "data")
    db = work / "cedb.sqlite"
    subprocess.run([CEDB, "--db", str(db), "init", "--empty"], check=True, capture_output=True)
    subprocess.run([CEDB, "--db", str(db), "curate", "load", str(work / "data" / "curation")],
                   check=True, capture_output=True)
    url = f"sqlite:///{db}"
    rows = []

    server, base = serve_in_thread(url)
    for path in ("/", "/?practical=yes", "/?sort=-ce_percent&page=3", "/figures"):
        fetch = functools.partial(lambda u: urllib.request.urlopen(u).read(), base + path)
        fetch()  # warm
        rows.append((f"server `{path}`", median_time(fetch, args.repeat)))
    server.should_exit = True

    site = work / "site"
    start = time.perf_counter()
    subprocess.run([CEDB, "--db", str(db), "site", "build", str(site)], check=True, capture_output=True)
    build_s = time.perf_counter() - start
    size_mb = (site / "data" / "results.js").stat().st_size / 1e6

    from playwright.sync_api import sync_playwright

    handler = functools.partial(type("Quiet", (http.server.SimpleHTTPRequestHandler,),
                                     {"log_message": lambda *a: None}), directory=str(site))
    static = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=static.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{static.server_port}/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page()
        for name in ("index.html", "index.html?practical=yes&sort=-ce_percent",
                     "index.html?category=electrolyte&min_ce=99&salt=LiFSI", "figures.html",
                     "figures.html?practical=yes"):
            rows.append((f"static `{name}` load", median_time(
                lambda: page.goto(root + name, wait_until="load"), args.repeat)))

        def form_filter():
            page.goto(root + "index.html", wait_until="load")
            start = time.perf_counter()
            page.select_option("select[name=practical]", "yes")
            page.click("form.filters button[type=submit]")
            page.wait_for_function("location.search.includes('practical=yes')")
            return time.perf_counter() - start

        def sort():
            page.goto(root + "index.html?practical=yes", wait_until="load")
            start = time.perf_counter()
            page.click("th[data-key=ce_percent] a")
            page.wait_for_function("location.search.includes('sort=')")
            return time.perf_counter() - start

        rows.append(("static form filter (after load)", statistics.median(form_filter() for _ in range(args.repeat))))
        rows.append(("static sort (after load)", statistics.median(sort() for _ in range(args.repeat))))
        browser.close()
    static.shutdown()
    print(f"| {args.size:,} results | median of {args.repeat} (s) |")
    print("|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} |")
    print(f"| `cedb site build` (once) | {build_s:.1f} |")
    print(f"\ndata/results.js: {size_mb:.1f} MB")
    print(json.dumps({name: round(s, 3) for name, s in rows}))


if __name__ == "__main__":
    main()
