"""One of several processes adding results to one database at the same time.

Used by tests/test_reliability.py. It does what `cedb result add` does (cedb/cli/result.py
``add_command`` through cedb/cli/common.py): resolve the database like ``--db``, make the
engine, set a new database up on first use (``prepare``, bundled data included), then for
each result ``results.normalise`` the raw option values and ``crud.add_result`` in its own
transaction (``session_scope``), reading the new row back as the command does.

Protocol: after the imports it prints ``ready`` and waits until the file ``--go`` exists, so
that every worker starts the first-use set-up and its writes at the same moment. It ends
with one JSON line on stdout: {"worker", "added", "failures": ["ExcType: message", ...]}.
Exit 0 only if every result was added (or, with --expect-duplicates, refused as a duplicate).
"""

import argparse
import json
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, help="SQLite path or SQLAlchemy URL, as `cedb --db`.")
    parser.add_argument("--worker", type=int, required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--paper", default="sun2025review-ref98")
    parser.add_argument("--go", required=True, help="Start when this file exists.")
    parser.add_argument(
        "--same", action="store_true", help="Every worker adds the same results (a duplicate race), not its own."
    )
    args = parser.parse_args()

    from cedb import results
    from cedb.config import Settings
    from cedb.errors import DuplicateError
    from cedb.store import crud
    from cedb.store.db import make_engine, prepare, session_scope
    from cedb.store.models import Measurement

    print("ready", flush=True)
    go = Path(args.go)
    deadline = time.monotonic() + 120
    while not go.exists():
        if time.monotonic() > deadline:
            print(json.dumps({"worker": args.worker, "added": 0, "failures": ["never told to start"]}))
            return 2
        time.sleep(0.002)

    failures: list[str] = []
    added = duplicates = 0
    try:
        engine = make_engine(Settings.resolve(args.db).database_url)
        prepare(engine, load_bundled=True)
    except Exception as exc:  # reported to the test, which fails with the message
        print(json.dumps({"worker": args.worker, "added": 0, "failures": [f"set-up: {type(exc).__name__}: {exc}"]}))
        return 1
    for index in range(args.count):
        # Distinct conditions per worker (cycles), so nothing is a duplicate of another worker's row.
        cycles = index + 1 if args.same else args.worker * 1000 + index + 1
        raw = {
            "paper": args.paper,
            "ce": "99.5",
            "current": "1 mA/cm2",
            "capacity": "3",
            "cycles": str(cycles),
            "cell": "li-cu",
            "note": f"worker {args.worker}, result {index}",
        }
        if args.same:
            raw["note"] = "the same result from every worker"
        try:
            result = results.normalise(raw)
            with session_scope(engine) as session:
                measurement = crud.add_result(session=session, result=result)
                assert session.get(Measurement, measurement.id) is not None
            added += 1
        except DuplicateError as exc:
            if args.same:
                duplicates += 1
            else:
                failures.append(f"result {index}: DuplicateError: {exc}")
        except Exception as exc:
            failures.append(f"result {index}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    engine.dispose()
    print(json.dumps({"worker": args.worker, "added": added, "duplicates": duplicates, "failures": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
