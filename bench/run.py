"""cedb benchmarks: each figure beside its baseline, in the same run, as a ratio of medians.

    /work/venv/bin/python bench/run.py [--sizes 10000,100000,1000000] [--repeat 3]
        [--only import,query,export,startup] [-o bench/REPORT.md]

Prints a Markdown report (and writes it with -o). Raw timings are kept in
bench/results.json, one entry per size, so a long size can be run by itself and the
report still shows every size measured (``--report-only`` re-renders it). See
bench/README.md for what each figure measures and how the baselines are made fair.
"""

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import generate  # noqa: E402

PYTHON = sys.executable
BIN = Path(sys.executable).parent
CEDB = str(BIN / "cedb")
SQLITE_UTILS = str(BIN / "sqlite-utils")
SQLITE3 = shutil.which("sqlite3")
TIME = "/usr/bin/time"  # GNU time (apt-get install time)
RESULTS = BENCH / "results.json"

# The SQL `cedb query --practical --min-ce 99 --format csv` runs, written by hand: the same
# columns, rows and order (the review profile: >= 1 mA cm-2 and >= 3 mAh cm-2).
QUERY_COLUMNS = """m.id, r.key AS paper, r.doi, r.year, s.category, s.label, s.host, s.electrolyte,
  s.additive, m.cell, m.method, m.current_density_mA_cm2, m.areal_capacity_mAh_cm2, m.cycles,
  m.ce_percent, m.statistic, m.full_cell_derived,
  CASE WHEN (m.current_density_mA_cm2 IS NOT NULL AND NOT m.current_density_mA_cm2 >= 1.0)
         OR (m.areal_capacity_mAh_cm2 IS NOT NULL AND NOT m.areal_capacity_mAh_cm2 >= 3.0) THEN 0
       WHEN m.current_density_mA_cm2 >= 1.0 AND m.areal_capacity_mAh_cm2 >= 3.0 THEN 1
  END AS practical,
  -log10(1 - m.ce_percent / 100) AS lce
FROM measurement m JOIN reference r ON r.id = m.reference_id
LEFT JOIN strategy s ON s.id = m.strategy_id"""
PRACTICAL_SQL = (
    f"SELECT {QUERY_COLUMNS} WHERE m.current_density_mA_cm2 >= 1.0 "
    "AND m.areal_capacity_mAh_cm2 >= 3.0 AND m.ce_percent >= 99 ORDER BY m.id"
)
PAPER = "synth000100"
PAPER_SQL = f"SELECT {QUERY_COLUMNS} WHERE r.key = '{PAPER}' ORDER BY m.id"


# --------------------------------------------------------------------------- running


def timed(
    command: list[str], *, stdout=None, env: dict | None = None, check: bool = True
) -> tuple[float, int]:
    """Wall time (s) and peak RSS (KiB) of one process.

    The RSS comes from GNU time (``%M``), not from os.wait4 here: Linux carries the parent's
    peak RSS over fork + exec, so a child of this (pandas-importing) process would report
    at least this process's size.
    """
    rss_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"cedb-bench-rss-{os.getpid()}"
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL
    start = time.perf_counter()
    process = subprocess.run(
        [TIME, "-f", "%M", "-o", str(rss_file), *command],
        stdout=out,
        stderr=subprocess.PIPE,
        env=env or ENV,
    )
    elapsed = time.perf_counter() - start
    if stdout:
        out.close()
    if check and process.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({process.returncode}):\n{process.stderr.decode()[-2000:]}"
        )
    rss = int(rss_file.read_text().split()[-1])
    rss_file.unlink()
    return elapsed, rss


ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
ENV.pop("CEDB_DATABASE_URL", None)


def fresh(template: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, target)
    return target


def run(command: list[str]) -> None:
    subprocess.run(command, check=True, capture_output=True, env=ENV)


def measure(pairs: dict[str, callable], repeat: int) -> dict[str, list]:
    """Run each callable ``repeat`` times, interleaved (A B C A B C ...): drift hits all alike."""
    times: dict[str, list] = {name: [] for name in pairs}
    for _ in range(repeat):
        for name, function in pairs.items():
            times[name].append(function())
    return times


def lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(1 for _ in handle)


# --------------------------------------------------------------------------- figures


def data_for(size: int, root: Path) -> Path:
    folder = root / "data" / str(size)
    meta = folder / "meta.json"
    if not (meta.exists() and json.loads(meta.read_text())["measurements"] == size):
        print(f"generating {size} measurements ...", file=sys.stderr)
        generate.write_all(size, folder)
    return folder


def import_figures(size: int, data: Path, work: Path, repeat: int) -> dict:
    template = work / "template.sqlite"
    if not template.exists():
        run([CEDB, "--db", str(template), "init", "--empty"])
    kept = work / "query.sqlite"

    def csv_cedb():
        db = fresh(template, work / "csv.sqlite")
        run(
            [PYTHON, str(BENCH / "raw_load.py"), str(db), str(data), "--references"]
        )  # setup, untimed
        result = timed(
            [
                CEDB,
                "--db",
                str(db),
                "result",
                "import",
                str(data / "results.csv"),
                "--map",
                str(data / "mapping.yaml"),
            ]
        )
        os.replace(db, kept)
        return result

    def csv_raw():
        db = fresh(template, work / "raw.sqlite")
        run([PYTHON, str(BENCH / "raw_load.py"), str(db), str(data), "--references"])
        return timed([PYTHON, str(BENCH / "raw_load.py"), str(db), str(data), "--rows"])

    def curate_cedb():
        db = fresh(template, work / "curate.sqlite")
        return timed([CEDB, "--db", str(db), "curate", "load", str(data / "curation")])

    def curate_raw():
        db = fresh(template, work / "raw.sqlite")
        return timed([PYTHON, str(BENCH / "raw_load.py"), str(db), str(data), "--all"])

    results = measure(
        {
            "csv_cedb": csv_cedb,
            "csv_raw": csv_raw,
            "curate_cedb": curate_cedb,
            "curate_raw": curate_raw,
        },
        repeat,
    )
    for name in ("csv.sqlite", "raw.sqlite", "curate.sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work / name}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(kept) as connection:
        stored = connection.execute("SELECT count(*) FROM measurement").fetchone()[0]
    assert stored == size, f"cedb result import stored {stored} of {size} rows"
    return {
        name: {"s": [t for t, _ in values], "rss_kib": [r for _, r in values]}
        for name, values in results.items()
    }


def query_figures(db: Path, work: Path, repeat: int) -> dict:
    out = {
        name: work / f"{name}.csv"
        for name in ("cedb", "sqlite_utils", "sqlite3", "cedb_paper", "sqlite_utils_paper")
    }
    pairs = {
        "cedb": lambda: timed(
            [CEDB, "--db", str(db), "query", "--practical", "--min-ce", "99", "--format", "csv"],
            stdout=out["cedb"],
        ),
        "sqlite_utils": lambda: timed(
            [SQLITE_UTILS, "query", str(db), PRACTICAL_SQL, "--csv"], stdout=out["sqlite_utils"]
        ),
        "sqlite3": lambda: timed(
            [SQLITE3, "-csv", "-header", str(db), PRACTICAL_SQL], stdout=out["sqlite3"]
        ),
        "cedb_paper": lambda: timed(
            [CEDB, "--db", str(db), "query", "--paper", PAPER, "--format", "csv"],
            stdout=out["cedb_paper"],
        ),
        "sqlite_utils_paper": lambda: timed(
            [SQLITE_UTILS, "query", str(db), PAPER_SQL, "--csv"], stdout=out["sqlite_utils_paper"]
        ),
    }
    results = measure(pairs, repeat)
    rows = {name: lines(path) - 1 for name, path in out.items()}
    assert rows["cedb"] == rows["sqlite_utils"] == rows["sqlite3"], rows
    assert rows["cedb_paper"] == rows["sqlite_utils_paper"], rows
    figures = {
        name: {"s": [t for t, _ in v], "rss_kib": [r for _, r in v]} for name, v in results.items()
    }
    figures["rows"] = {"practical": rows["cedb"], "paper": rows["cedb_paper"]}
    return figures


def export_figures(db: Path, work: Path, repeat: int) -> dict:
    pairs = {}
    for fmt, suffix in (("csv", "csv"), ("latex", "tex")):
        target = work / f"export.{suffix}"
        pairs[f"cedb_{fmt}"] = lambda fmt=fmt, target=target: timed(
            [CEDB, "--db", str(db), "export", "table", "--format", fmt, "-o", str(target)]
        )
        pairs[f"pandas_{fmt}"] = lambda fmt=fmt, suffix=suffix: timed(
            [PYTHON, str(BENCH / "pandas_export.py"), str(db), fmt, str(work / f"pandas.{suffix}")]
        )
    results = measure(pairs, repeat)
    return {
        name: {"s": [t for t, _ in v], "rss_kib": [r for _, r in v]} for name, v in results.items()
    }


def startup_figures(db: Path, repeat: int) -> dict:
    pairs = {
        "python": lambda: timed([PYTHON, "-c", "pass"]),
        "cedb_help": lambda: timed([CEDB, "--help"]),
        "cedb_query": lambda: timed(
            [CEDB, "--db", str(db), "query", "--paper", "nosuch", "--format", "csv"]
        ),
    }
    results = measure(pairs, repeat)
    return {name: {"s": [t for t, _ in v]} for name, v in results.items()}


# --------------------------------------------------------------------------- report


def machine() -> dict:
    import pandas
    import sqlalchemy

    import cedb

    memory_kib = next(
        int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")
    )
    shell = subprocess.run([SQLITE3, "--version"], capture_output=True, text=True).stdout.split()[0]
    utils = subprocess.run(
        [SQLITE_UTILS, "--version"], capture_output=True, text=True
    ).stdout.split()[-1]
    return {
        "date": date.today().isoformat(),
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 2**20, 1),
        "cpu": _cpu(),
        "python": platform.python_version(),
        "sqlite (python)": sqlite3.sqlite_version,
        "sqlite3 shell": shell,
        "sqlalchemy": sqlalchemy.__version__,
        "pandas": pandas.__version__,
        "sqlite-utils": utils,
        "cedb": cedb.__version__,
    }


def _cpu() -> str:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def med(figure: dict) -> float:
    return statistics.median(figure["s"])


def _fmt_s(seconds: float) -> str:
    return (
        f"{seconds:.3f}" if seconds < 1 else f"{seconds:.2f}" if seconds < 100 else f"{seconds:.0f}"
    )


def render(results: dict) -> str:
    info = results.get("machine", {})
    sizes = sorted(int(s) for s in results.get("sizes", {}))
    by = {size: results["sizes"][str(size)] for size in sizes}
    out = ["# cedb benchmarks", ""]
    out.append(
        f"Measured {info.get('date', '?')} on {info.get('cores')} cores, "
        f"{info.get('memory_gib')} GiB "
        f"({info.get('cpu')}); Python {info.get('python')}, SQLite {info.get('sqlite (python)')} "
        f"(shell {info.get('sqlite3 shell')}), SQLAlchemy {info.get('sqlalchemy')}, pandas "
        f"{info.get('pandas')}, sqlite-utils {info.get('sqlite-utils')}, cedb {info.get('cedb')}."
    )
    out.append(
        "Every time is the median of the runs of one `bench/run.py` invocation per size, "
        "the cedb command and its baseline interleaved; ratio = cedb / baseline. "
        "What was run at each size:"
    )
    out.append("")
    for size in sizes:
        entry = by[size]
        commands = "; ".join(f"`{c}`" for c in entry.get("commands", [entry.get("command", "?")]))
        out.append(f"- {size:,} measurements: {', '.join(entry['ran'])} ({commands}).")
    out.append("")

    def ratio_rows(title, cedb_name, base_name, section, note=""):
        rows = []
        for size in sizes:
            figures = by[size].get(section)
            if not figures or cedb_name not in figures:
                continue
            a, b = med(figures[cedb_name]), med(figures[base_name])
            rows.append(
                f"| {size:,} | {_fmt_s(a)} | {_fmt_s(b)} | {a / b:.2f}x | {size / a:,.0f} |"
            )
        if rows:
            out.extend(
                [
                    f"### {title}",
                    note,
                    "",
                    "| measurements | cedb (s) | baseline (s) | ratio | cedb rows/s |",
                    "|---:|---:|---:|---:|---:|",
                    *rows,
                    "",
                ]
            )

    goals = _goals(by, sizes)
    out.append("## Goals")
    out.append("")
    out.append("| goal | target | measured | met |")
    out.append("|---|---|---|---|")
    out.extend(goals)
    out.append("")
    out.append("## Import")
    out.append("")
    ratio_rows(
        "`cedb result import` (CSV + mapping) vs sqlite3 executemany",
        "csv_cedb",
        "csv_raw",
        "import",
        "Papers inserted beforehand by the same raw script (untimed) for both; timed: strategies + "
        "measurements from results.csv.",
    )
    ratio_rows(
        "`cedb curate load` (one YAML file per paper) vs sqlite3 executemany",
        "curate_cedb",
        "curate_raw",
        "import",
        "Timed: references + strategies + measurements; the baseline reads results.csv and "
        "references.csv (no YAML parsing).",
    )
    rss = [
        f"| {size:,} | {max(by[size]['import']['csv_cedb']['rss_kib']) / 1024:.0f} | "
        f"{max(by[size]['import']['curate_cedb']['rss_kib']) / 1024:.0f} | "
        f"{max(by[size]['import']['csv_raw']['rss_kib']) / 1024:.0f} |"
        for size in sizes
        if "import" in by[size]
    ]
    if rss:
        out += [
            "### Peak memory (RSS of the process, MiB, largest of the runs)",
            "",
            "| measurements | cedb result import | cedb curate load | raw executemany (rows) |",
            "|---:|---:|---:|---:|",
            *rss,
            "",
        ]
    out.append("## Query")
    out.append("")
    ratio_rows(
        "`cedb query --practical --min-ce 99 --format csv` vs `sqlite-utils query DB SQL --csv`",
        "cedb",
        "sqlite_utils",
        "query",
    )
    ratio_rows("the same vs the `sqlite3` shell (the floor)", "cedb", "sqlite3", "query")
    ratio_rows(
        f"`cedb query --paper {PAPER} --format csv` (one paper, indexed) vs sqlite-utils",
        "cedb_paper",
        "sqlite_utils_paper",
        "query",
    )
    counts = [
        f"| {s:,} | {by[s]['query']['rows']['practical']:,} | {by[s]['query']['rows']['paper']} |"
        for s in sizes
        if "query" in by[s]
    ]
    if counts:
        out += [
            "Rows returned (identical from all three):",
            "",
            "| measurements | practical, CE >= 99 | one paper |",
            "|---:|---:|---:|",
            *counts,
            "",
        ]
    out.append("## Export")
    out.append("")
    ratio_rows(
        "`cedb export table --format csv -o` vs pandas `to_csv` (whole process)",
        "cedb_csv",
        "pandas_csv",
        "export",
        "Every measurement of the database is exported; the pandas process runs the equivalent "
        "query with `read_sql_query` and writes the frame.",
    )
    ratio_rows(
        "`cedb export table --format latex -o` vs pandas `to_latex` (whole process)",
        "cedb_latex",
        "pandas_latex",
        "export",
    )
    startup = [(s, by[s]["startup"]) for s in sizes if "startup" in by[s]]
    if startup:
        size, figures = startup[0]
        python = med(figures["python"])
        out += [
            "## Start-up",
            "",
            "| command | median (s) | minus `python -c pass` (s) |",
            "|---|---:|---:|",
        ]
        for name, label in (
            ("python", "`python -c pass`"),
            ("cedb_help", "`cedb --help`"),
            ("cedb_query", f"`cedb query --paper nosuch` ({size:,}-row database)"),
        ):
            out.append(
                f"| {label} | {med(figures[name]):.3f} | {med(figures[name]) - python:.3f} |"
            )
        out.append("")
    growth = _growth(by, sizes)
    if growth:
        out += [
            "## Growth from the smallest to the largest size",
            "",
            "Time at each size divided by the time at the smallest (rows grow "
            + " / ".join(f"{s // sizes[0]}x" for s in sizes)
            + ").",
            "",
            "| figure | " + " | ".join(f"{s:,}" for s in sizes) + " |",
            "|---|" + "---:|" * len(sizes),
            *growth,
            "",
        ]
    before = results.get("before", {}).get("sizes", {})
    if before:
        out += [
            "## Before and after cedb/bulk.py",
            "",
            "The same figures measured with the per-row ORM import (a duplicate-check query "
            "and a savepoint per row) before cedb.spreadsheet and cedb.curation used cedb.bulk:",
            "",
            "| figure | measurements | before (s) | after (s) | speed-up |",
            "|---|---:|---:|---:|---:|",
        ]
        for size, entry in sorted(before.items(), key=lambda kv: int(kv[0])):
            now = by.get(int(size), {}).get("import")
            for name, label in (
                ("csv_cedb", "cedb result import"),
                ("curate_cedb", "cedb curate load"),
            ):
                if name in entry.get("import", {}) and now:
                    b, a = med(entry["import"][name]), med(now[name])
                    out.append(
                        f"| {label} | {int(size):,} | {_fmt_s(b)} | {_fmt_s(a)} | {b / a:.0f}x |"
                    )
        out.append("")
    findings = BENCH / "FINDINGS.md"
    if findings.exists():
        out += [findings.read_text(encoding="utf-8").rstrip(), ""]
    return "\n".join(out) + "\n"


def _growth(by: dict, sizes: list[int]) -> list[str]:
    rows = []
    for section, name, label in (
        ("import", "csv_cedb", "cedb result import"),
        ("import", "csv_raw", "raw executemany"),
        ("import", "curate_cedb", "cedb curate load"),
        ("query", "cedb", "cedb query --practical --min-ce 99"),
        ("query", "sqlite_utils", "sqlite-utils (same query)"),
        ("query", "cedb_paper", "cedb query --paper (indexed)"),
        ("export", "cedb_csv", "cedb export table csv"),
        ("export", "cedb_latex", "cedb export table latex"),
    ):
        present = [s for s in sizes if name in by[s].get(section, {})]
        if len(present) < 2:
            continue
        first = med(by[present[0]][section][name])
        cells = [f"{med(by[s][section][name]) / first:.1f}x" if s in present else "" for s in sizes]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return rows


def _goals(by: dict, sizes: list[int]) -> list[str]:
    rows = []

    def largest(section, name):
        present = [s for s in sizes if name in by[s].get(section, {})]
        return present[-1] if present else None

    size = largest("import", "csv_cedb")
    if size:
        ratios = {
            s: med(by[s]["import"]["csv_cedb"]) / med(by[s]["import"]["csv_raw"])
            for s in sizes
            if "import" in by[s]
        }
        curate = {
            s: med(by[s]["import"]["curate_cedb"]) / med(by[s]["import"]["curate_raw"])
            for s in sizes
            if "import" in by[s]
        }

        def verdict(found):
            met = [f"{s:,}" for s, r in found.items() if r <= 3]
            missed = [f"{s:,}" for s, r in found.items() if r > 3]
            return "; ".join(
                part
                for part in (
                    f"yes at {', '.join(met)}" if met else "",
                    f"no at {', '.join(missed)}" if missed else "",
                )
                if part
            )

        def listed(found):
            return ", ".join(f"{r:.2f}x ({s:,})" for s, r in found.items())

        rows.append(
            f"| import within 3x raw executemany | <= 3x | result import {listed(ratios)}; "
            f"curate load {listed(curate)} | "
            f"result import: {verdict(ratios)}; curate load: {verdict(curate)} |"
        )
        rss = max(by[size]["import"]["csv_cedb"]["rss_kib"]) / 1024
        curate_rss = max(by[size]["import"]["curate_cedb"]["rss_kib"]) / 1024
        rows.append(
            f"| {size:,}-row import under 1 GB RSS | < 1024 MiB | result import {rss:.0f} MiB, "
            f"curate load {curate_rss:.0f} MiB ({size:,}) | "
            f"{'yes' if rss < 1024 else 'no'} (result import); "
            f"{'yes' if curate_rss < 1024 else 'no'} (curate load) |"
        )
    if largest("query", "cedb"):
        ratios = {
            s: med(by[s]["query"]["cedb"]) / med(by[s]["query"]["sqlite_utils"])
            for s in sizes
            if "query" in by[s]
        }
        rows.append(
            f"| `cedb query` no slower than `sqlite-utils query` | <= 1x | "
            f"{', '.join(f'{r:.2f}x ({s:,})' for s, r in ratios.items())} | "
            f"{'yes' if max(ratios.values()) <= 1 else 'no'} |"
        )
    if largest("export", "cedb_csv"):
        parts, met = [], True
        for s in sizes:
            if "export" not in by[s]:
                continue
            for fmt in ("csv", "latex"):
                r = med(by[s]["export"][f"cedb_{fmt}"]) / med(by[s]["export"][f"pandas_{fmt}"])
                parts.append(f"{fmt} {r:.2f}x ({s:,})")
                met = met and r <= 2
        rows.append(
            f"| export within 2x pandas | <= 2x | {', '.join(parts)} | {'yes' if met else 'no'} |"
        )
    startup = [by[s]["startup"] for s in sizes if "startup" in by[s]]
    if startup:
        help_s = med(startup[0]["cedb_help"])
        rows.append(
            f"| `cedb --help` under 0.2 s | < 0.2 s | {help_s:.3f} s (python -c pass: "
            f"{med(startup[0]['python']):.3f} s) | {'yes' if help_s < 0.2 else 'no'} |"
        )
    return rows


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--only",
        default="import,query,export,startup",
        help="Figures to run (comma-separated): import, query, export, startup.",
    )
    parser.add_argument(
        "--export-max", type=int, default=100_000, help="Largest size to run the export at."
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(os.environ.get("TMPDIR", "/tmp")) / "cedb-bench",
        help="Where the data and databases go (large at 1M: ~1.5 GB).",
    )
    parser.add_argument(
        "--label", default="sizes", help="Store under this label ('before' for the old code)."
    )
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if not args.report_only:
        only = set(args.only.split(","))
        results["machine"] = machine()
        for size in [int(s) for s in args.sizes.split(",")]:
            data = data_for(size, args.work)
            work = args.work / "db" / str(size)
            work.mkdir(parents=True, exist_ok=True)
            # A size's figures from an earlier run stay unless this run measures them again.
            store = results.setdefault("before" if args.label == "before" else "sizes", {})
            if args.label == "before":
                store = store.setdefault("sizes", {})
            entry = store.get(str(size), {})
            command = "python bench/run.py " + " ".join(sys.argv[1:])
            entry["commands"] = sorted(set(entry.get("commands", [])) | {command})
            entry["repeat"] = args.repeat
            entry["ran"] = [r for r in entry.get("ran", []) if r.split(" ")[0] not in only]
            print(f"{size}: import ...", file=sys.stderr)
            if "import" in only:
                entry["import"] = import_figures(size, data, work, args.repeat)
                entry["ran"].append(f"import + memory ({args.repeat} runs)")
            db = work / "query.sqlite"
            if not db.exists():
                raise SystemExit(f"{db} is missing: run the import figure at this size first")
            if "query" in only:
                print(f"{size}: query ...", file=sys.stderr)
                entry["query"] = query_figures(db, work, max(args.repeat, 5))
                entry["ran"].append(f"query ({max(args.repeat, 5)} runs)")
            if "export" in only and size <= args.export_max:
                print(f"{size}: export ...", file=sys.stderr)
                entry["export"] = export_figures(db, work, args.repeat)
                entry["ran"].append(f"export ({args.repeat} runs)")
            if "startup" in only:
                entry["startup"] = startup_figures(db, max(args.repeat, 10))
                entry["ran"].append(f"startup ({max(args.repeat, 10)} runs)")
            store[str(size)] = entry
            RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    text = render(results)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
