"""The floor for imports: the same rows, plain ``sqlite3`` ``executemany``, one transaction.

    python bench/raw_load.py DB DATA_DIR --references   # setup: the papers (references.csv)
    python bench/raw_load.py DB DATA_DIR --rows         # results.csv -> strategy + measurement
    python bench/raw_load.py DB DATA_DIR --all          # both: what `cedb curate load` writes

DB is a file made by ``cedb init --empty`` (the same schema, indexes, CHECKs and foreign keys).
Rows are read with the csv module and inserted into the same columns cedb fills, with no
validation, no unit conversion and no duplicate check: what cedb's import costs beyond
that is its own work. Strategies are de-duplicated in a dict; the derived formulation
columns are left NULL (cedb parses the electrolyte text to fill them).
"""

import argparse
import csv
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import FIELDS, RESULT_COLUMNS  # noqa: E402


def _now() -> str:
    # The text SQLAlchemy's SQLite DateTime stores.
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def load_references(connection: sqlite3.Connection, folder: Path) -> int:
    now = _now()
    with (folder / "references.csv").open(newline="", encoding="utf-8") as handle:
        rows = [
            (
                r["key"],
                r["title"],
                r["authors"],
                r["journal"],
                int(r["year"]),
                "article",
                r["note"] or None,
                now,
            )
            for r in csv.DictReader(handle)
        ]
    connection.executemany(
        "INSERT INTO reference (key, title, authors, journal, year, entry_type, note, added_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def load_rows(connection: sqlite3.Connection, folder: Path, batch: int = 10_000) -> int:
    ids = dict(connection.execute("SELECT key, id FROM reference"))
    strategies: dict[tuple[int, str], int] = {}
    next_strategy = (connection.execute("SELECT max(id) FROM strategy").fetchone()[0] or 0) + 1
    now = _now()
    pending_strategies: list[tuple] = []
    pending: list[tuple] = []
    count = 0
    insert_strategy = (
        "INSERT INTO strategy (id, reference_id, category, label, host, electrolyte, additive) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)"
    )
    insert_measurement = (
        "INSERT INTO measurement (reference_id, strategy_id, source_id, cell, method, "
        '"current_density_mA_cm2", "areal_capacity_mAh_cm2", cycles, ce_percent, statistic, '
        "full_cell_derived, location, status, curator, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    with (folder / "results.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        at = {name: header.index(RESULT_COLUMNS[name]) for name in FIELDS}
        for row in reader:
            reference_id = ids[row[at["paper"]]]
            source = row[at["source"]]
            label = row[at["label"]]
            strategy_id = strategies.get((reference_id, label))
            if strategy_id is None:
                strategy_id = strategies[(reference_id, label)] = next_strategy
                next_strategy += 1
                pending_strategies.append(
                    (
                        strategy_id,
                        reference_id,
                        row[at["category"]],
                        label,
                        row[at["host"]] or None,
                        row[at["electrolyte"]] or None,
                        row[at["additive"]] or None,
                    )
                )
            pending.append(
                (
                    reference_id,
                    strategy_id,
                    ids[source] if source else None,
                    row[at["cell"]],
                    row[at["method"]],
                    float(row[at["current"]]),
                    float(row[at["capacity"]]),
                    int(row[at["cycles"]]),
                    float(row[at["ce"]]),
                    row[at["statistic"]],
                    0,
                    row[at["location"]],
                    row[at["status"]],
                    "bench",
                    now,
                    now,
                )
            )
            if len(pending) >= batch:
                connection.executemany(insert_strategy, pending_strategies)
                connection.executemany(insert_measurement, pending)
                count += len(pending)
                pending_strategies, pending = [], []
    connection.executemany(insert_strategy, pending_strategies)
    connection.executemany(insert_measurement, pending)
    return count + len(pending)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("data", type=Path)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--references", action="store_true")
    what.add_argument("--rows", action="store_true")
    what.add_argument("--all", action="store_true")
    args = parser.parse_args()
    # The same connection settings as cedb (cedb/store/db.py): WAL, synchronous=NORMAL, foreign keys.
    connection = sqlite3.connect(args.db, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("BEGIN IMMEDIATE")
    references = load_references(connection, args.data) if (args.references or args.all) else 0
    rows = load_rows(connection, args.data) if (args.rows or args.all) else 0
    connection.execute("COMMIT")
    connection.close()
    print(f"{references} references, {rows} measurements", file=sys.stderr)


if __name__ == "__main__":
    main()
