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
) -> tuple[float, int, float]:
    """Wall time (s), peak RSS (KiB) and CPU time (user + system, s) of one process.

    The RSS comes from GNU time (``%M``), not from os.wait4 here: Linux carries the parent's
    peak RSS over fork + exec, so a child of this (pandas-importing) process would report
    at least this process's size.
    """
    rss_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"cedb-bench-rss-{os.getpid()}"
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL
    start = time.perf_counter()
    process = subprocess.run(
        [TIME, "-f", "%M %U %S", "-o", str(rss_file), *command],
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
    rss, user, system = rss_file.read_text().split()[-3:]
    rss_file.unlink()
    return elapsed, int(rss), float(user) + float(system)


ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
ENV.pop("CEDB_DATABASE_URL", None)


def _figure(runs: list[tuple[float, int, float]]) -> dict:
    return {
        "s": [t for t, _, _ in runs],
        "rss_kib": [r for _, r, _ in runs],
        "cpu_s": [c for _, _, c in runs],
    }


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


def import_figures(size: int, data: Path, work: Path, repeat: int, curate: bool = True) -> dict:
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

    pairs = {"csv_cedb": csv_cedb, "csv_raw": csv_raw}
    if curate:
        pairs |= {"curate_cedb": curate_cedb, "curate_raw": curate_raw}
    results = measure(pairs, repeat)
    for name in ("csv.sqlite", "raw.sqlite", "curate.sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work / name}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(kept) as connection:
        stored = connection.execute("SELECT count(*) FROM measurement").fetchone()[0]
    assert stored == size, f"cedb result import stored {stored} of {size} rows"
    return {
        name: _figure(values) for name, values in results.items()
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
        # JSON: every row of the practical query as a JSON array (sqlite-utils' default output).
        "cedb_json": lambda: timed(
            [CEDB, "--db", str(db), "query", "--practical", "--min-ce", "99", "--format", "json"],
            stdout=work / "cedb.json",
        ),
        "sqlite_utils_json": lambda: timed(
            [SQLITE_UTILS, "query", str(db), PRACTICAL_SQL], stdout=work / "sqlite_utils.json"
        ),
    }
    results = measure(pairs, repeat)
    rows = {name: lines(path) - 1 for name, path in out.items()}
    assert rows["cedb"] == rows["sqlite_utils"] == rows["sqlite3"], rows
    assert rows["cedb_paper"] == rows["sqlite_utils_paper"], rows
    figures = {
        name: _figure(v) for name, v in results.items()
    }
    figures["rows"] = {"practical": rows["cedb"], "paper": rows["cedb_paper"]}
    return figures


# Text formats without a pandas baseline: timed for growth and peak RSS (the < 200 MiB goal).
EXPORT_ONLY = (("md", "md"), ("json", "json"), ("html", "html"))


def export_figures(db: Path, work: Path, repeat: int, slow_baselines: bool = True) -> dict:
    pairs = {}
    for fmt, suffix in (("csv", "csv"), ("latex", "tex"), ("xlsx", "xlsx"), *EXPORT_ONLY):
        target = work / f"export.{suffix}"
        pairs[f"cedb_{fmt}"] = lambda fmt=fmt, target=target: timed(  # noqa: B023
            [CEDB, "--db", str(db), "export", "table", "--format", fmt, "-o", str(target)]
        )
        if (fmt, suffix) in EXPORT_ONLY or (fmt != "csv" and not slow_baselines):
            continue  # pandas' to_latex and to_excel take minutes at 1M rows
        pairs[f"pandas_{fmt}"] = lambda fmt=fmt, suffix=suffix: timed(
            [PYTHON, str(BENCH / "pandas_export.py"), str(db), fmt, str(work / f"pandas.{suffix}")]
        )
    results = measure(pairs, repeat)
    return {
        name: _figure(v) for name, v in results.items()
    }


def startup_figures(db: Path, repeat: int) -> dict:
    pairs = {
        "python": lambda: timed([PYTHON, "-c", "pass"]),
        "typer": lambda: timed([PYTHON, "-c", "import typer"]),
        "cedb_help": lambda: timed([CEDB, "--help"]),
        "cedb_query_help": lambda: timed([CEDB, "query", "--help"]),
        "cedb_life": lambda: timed([CEDB, "life", "--ce", "99"]),
        "cedb_query": lambda: timed(
            [CEDB, "--db", str(db), "query", "--paper", "nosuch", "--format", "csv"]
        ),
    }
    results = measure(pairs, repeat)
    return {
        name: _figure(v) for name, v in results.items()
    }


# --------------------------------------------------------------------------- report


def compile_cedb() -> None:
    """Write cedb's bytecode once, as ``pip install`` does: with PYTHONDONTWRITEBYTECODE set
    (as on the machine of the committed report) an editable install would otherwise compile
    every module from source in every timed run, while its baselines' packages are compiled."""
    import compileall

    import cedb

    compileall.compile_dir(str(Path(cedb.__file__).parent), quiet=1)


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


# (section, cedb figure, baseline figure, operation, baseline, goal ratio or None,
#  sizes the ratio goal applies from (None: every size)).
OPERATIONS = [
    ("import", "csv_cedb", "csv_raw", "`cedb result import` (CSV + mapping)",
     "raw `executemany`", 3.0, None),
    ("import", "csv_cedb", "csv_raw", "`cedb result import`, 100k and up",
     "raw `executemany`", 2.0, 100_000),
    ("import", "curate_cedb", "curate_raw", "`cedb curate load` (YAML per paper)",
     "raw `executemany`", None, None),
    ("query", "cedb", "sqlite_utils", "`cedb query --practical --min-ce 99 --format csv`",
     "`sqlite-utils query --csv`", 1.0, None),
    ("query", "cedb_json", "sqlite_utils_json", "the same, `--format json`",
     "`sqlite-utils query` (JSON)", 1.0, None),
    ("query", "cedb", "sqlite3", "the same, CSV", "`sqlite3 -csv` shell (the floor)", None, None),
    ("query", "cedb_paper", "sqlite_utils_paper", f"`cedb query --paper {PAPER}` (indexed)",
     "`sqlite-utils query --csv`", None, None),
    ("export", "cedb_csv", "pandas_csv", "`cedb export table --format csv -o`",
     "pandas `read_sql` + `to_csv`", 2.0, None),
    ("export", "cedb_latex", "pandas_latex", "`cedb export table --format latex -o`",
     "pandas `read_sql` + `to_latex`", 2.0, None),
    ("export", "cedb_xlsx", "pandas_xlsx", "`cedb export table --format xlsx -o`",
     "pandas `read_sql` + `to_excel`", 2.0, None),
    ("export", "cedb_md", None, "`cedb export table --format md -o`", "", None, None),
    ("export", "cedb_json", None, "`cedb export table --format json -o`", "", None, None),
    ("export", "cedb_html", None, "`cedb export table --format html -o`", "", None, None),
    ("startup", "cedb_help", "typer", "`cedb --help`", '`python -c "import typer"`', 2.0, None),
    ("startup", "cedb_query_help", "typer", "`cedb query --help`", '`python -c "import typer"`',
     2.0, None),
    ("startup", "cedb_life", "typer", "`cedb life --ce 99`", '`python -c "import typer"`', 2.0,
     None),
    ("startup", "cedb_query", "typer", "`cedb query --paper nosuch` (opens the database)",
     '`python -c "import typer"`', None, None),
]
RSS_LIMIT_MIB = 200  # streaming query/export: flat memory


def _present(by: dict, size: int, section: str, *names: str) -> bool:
    figures = by[size].get(section) or {}
    return all(name in figures and figures[name].get("s") for name in names)


def _rss(figure: dict) -> float | None:
    return max(figure["rss_kib"]) / 1024 if figure.get("rss_kib") else None


def _cpu_ratio(a: dict, b: dict) -> str:
    if not (a.get("cpu_s") and b.get("cpu_s")):
        return ""
    base = statistics.median(b["cpu_s"])
    return f"{statistics.median(a['cpu_s']) / base:.2f}x" if base else ""


def _exponent(
    by: dict, section: str, name: str, small: int, large: int, key: str = "s"
) -> float | None:
    import math

    if not (_present(by, small, section, name) and _present(by, large, section, name)):
        return None
    a, b = by[small][section][name].get(key), by[large][section][name].get(key)
    if not (a and b):
        return None
    return math.log(statistics.median(b) / statistics.median(a)) / math.log(large / small)


GROWTH_GOAL = 1.1  # issue 16: near-linear from 100k to 1M


def _growth_goal(by: dict, section: str, name: str, sizes: list[int]) -> str:
    """The 100k -> 1M exponent goal of a cedb figure: met on the wall clock or on CPU time
    (the CPU time varies less on a loaded machine); empty for baselines or without both sizes."""
    if not name.startswith(("csv_cedb", "cedb")) or not {100_000, 1_000_000} <= set(sizes):
        return ""
    wall = _exponent(by, section, name, 100_000, 1_000_000)
    cpu = _exponent(by, section, name, 100_000, 1_000_000, "cpu_s")
    known = [k for k in (wall, cpu) if k is not None]
    if not known:
        return ""
    return "yes" if min(known) <= GROWTH_GOAL else "**no**"


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
        "Generated by one command (below); every figure is from that run. Each cedb command "
        "and its baseline ran interleaved (cedb, baseline, cedb, baseline ...) as whole "
        "processes; times are the minimum and the median of the runs, ratio = cedb / baseline "
        "of each (the goals are judged on both). The CPU ratio (user + system time, GNU time's "
        "`%U + %S`, medians) is shown where recorded: on a loaded machine it varies less than "
        "the wall clock. Peak RSS is GNU time's `%M`, the largest of the runs. "
        "What ran at each size:"
    )
    out.append("")
    for size in sizes:
        entry = by[size]
        commands = "; ".join(f"`{c}`" for c in entry.get("commands", [entry.get("command", "?")]))
        out.append(f"- {size:,} measurements: {', '.join(entry['ran'])} ({commands}).")
    out += ["", "## Goals and figures", ""]
    out.append(
        "| operation | rows | cedb min / median (s) | baseline | baseline min / median (s) "
        "| ratio min / median | CPU ratio (median) | cedb peak RSS (MiB) | goal | met |"
    )
    out.append("|---|---:|---:|---|---:|---:|---:|---:|---|---|")
    for section, name, base, label, baseline, goal, from_size in OPERATIONS:
        for size in sizes:
            if not _present(by, size, section, name):
                continue
            if section == "startup" and size != min(s for s in sizes if "startup" in by[s]):
                continue
            a = by[size][section][name]
            if base is None or not _present(by, size, section, base):
                # No baseline here (a format pandas has no writer for, or one too slow to run
                # at this size): the time, the peak RSS and its goal.
                if section != "export":
                    continue
                rss = _rss(a)
                met = "" if rss is None else ("yes" if rss < RSS_LIMIT_MIB else "**no**")
                out.append(
                    f"| {label} | {size:,} | {_fmt_s(min(a['s']))} / {_fmt_s(med(a))} | "
                    f"{baseline or 'none'} |  |  |  | {'' if rss is None else f'{rss:.0f}'} | "
                    f"< {RSS_LIMIT_MIB} MiB | {met} |"
                )
                continue
            b = by[size][section][base]
            amin, amed, bmin, bmed = min(a["s"]), med(a), min(b["s"]), med(b)
            rss = _rss(a)
            verdicts = []
            goal_text = ""
            if goal is not None and (from_size is None or size >= from_size):
                goal_text = f"<= {goal:g}x"
                verdicts.append(amed / bmed <= goal and amin / bmin <= goal)
            elif from_size is not None:
                continue
            if section in ("query", "export") and name != "cedb_paper":
                goal_text += (", " if goal_text else "") + f"< {RSS_LIMIT_MIB} MiB"
                verdicts.append(rss is not None and rss < RSS_LIMIT_MIB)
            met = "" if not verdicts else ("yes" if all(verdicts) else "**no**")
            rows = ""
            if section == "query":
                rows = by[size]["query"].get("rows", {}).get(
                    "paper" if name == "cedb_paper" else "practical", "")
                rows = f"{rows:,}" if isinstance(rows, int) else rows
            elif section != "startup":
                rows = f"{size:,}"
            out.append(
                f"| {label} | {rows} | {_fmt_s(amin)} / {_fmt_s(amed)} | {baseline} | "
                f"{_fmt_s(bmin)} / {_fmt_s(bmed)} | {amin / bmin:.2f}x / {amed / bmed:.2f}x | "
                f"{_cpu_ratio(a, b)} | {'' if rss is None else f'{rss:.0f}'} | {goal_text} | {met} |"
            )
    out.append("")
    pairs = [(a, b) for a, b in zip(sizes, sizes[1:])]
    if pairs:
        out += [
            "## Growth exponents",
            "",
            "k in time ~ rows^k between consecutive sizes, from the medians "
            "(1.0 = linear; the goal is <= 1.1 from 100k to 1M), of the wall time and, where "
            "both sizes recorded it, of the CPU time. The database grows with the "
            "rows, so the query's returned rows grow alike.",
            "",
            "| figure | "
            + " | ".join(f"{a:,} -> {b:,} (wall)" for a, b in pairs)
            + " | "
            + " | ".join(f"{a:,} -> {b:,} (CPU)" for a, b in pairs)
            + " |",
            "|---|" + "---:|" * (2 * len(pairs)) + "---|",
        ]
        out[-2] = out[-2] + " exponent goal (100,000 -> 1,000,000, wall or CPU <= 1.1) |"
        for section, name, label in (
            ("import", "csv_cedb", "cedb result import"),
            ("import", "csv_raw", "raw executemany"),
            ("import", "curate_cedb", "cedb curate load"),
            ("query", "cedb", "cedb query (CSV)"),
            ("query", "cedb_json", "cedb query (JSON)"),
            ("query", "sqlite_utils", "sqlite-utils query (CSV)"),
            ("query", "cedb_paper", "cedb query --paper (indexed)"),
            ("export", "cedb_csv", "cedb export table csv"),
            ("export", "cedb_latex", "cedb export table latex"),
            ("export", "cedb_xlsx", "cedb export table xlsx"),
            ("export", "cedb_md", "cedb export table md"),
            ("export", "cedb_json", "cedb export table json"),
            ("export", "cedb_html", "cedb export table html"),
            ("export", "pandas_csv", "pandas to_csv"),
        ):
            cells = [_exponent(by, section, name, a, b) for a, b in pairs] + [
                _exponent(by, section, name, a, b, "cpu_s") for a, b in pairs
            ]
            if any(c is not None for c in cells):
                out.append(
                    f"| {label} | "
                    + " | ".join("" if c is None else f"{c:.2f}" for c in cells)
                    + f" | {_growth_goal(by, section, name, sizes)} |"
                )
        out.append("")
    findings = BENCH / "FINDINGS.md"
    if findings.exists():
        out += [findings.read_text(encoding="utf-8").rstrip(), ""]
    return "\n".join(out) + "\n"


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
        "--export-max", type=int, default=1_000_000, help="Largest size to run the export at."
    )
    parser.add_argument(
        "--slow-baseline-max",
        type=int,
        default=100_000,
        help="Largest size to run pandas' to_latex and to_excel at (minutes each at 1M).",
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
    parser.add_argument(
        "--no-curate", action="store_true", help="Skip `cedb curate load` in the import figure."
    )
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if not args.report_only:
        compile_cedb()
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
                entry["import"] = import_figures(
                    size, data, work, args.repeat, curate=not args.no_curate
                )
                entry["ran"].append(
                    f"import{'' if args.no_curate else ' + curate load'} ({args.repeat} runs)"
                )
            db = work / "query.sqlite"
            if not db.exists():
                raise SystemExit(f"{db} is missing: run the import figure at this size first")
            if "query" in only:
                print(f"{size}: query ...", file=sys.stderr)
                entry["query"] = query_figures(db, work, max(args.repeat, 5))
                entry["ran"].append(f"query ({max(args.repeat, 5)} runs)")
            if "export" in only and size <= args.export_max:
                print(f"{size}: export ...", file=sys.stderr)
                entry["export"] = export_figures(
                    db, work, args.repeat, slow_baselines=size <= args.slow_baseline_max
                )
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
