"""Realistic synthetic CE data for the benchmarks, deterministic by seed.

    /work/venv/bin/python bench/generate.py 100000 -o bench/data/100000 [--seed 7]

Writes into the output folder:

- ``references.csv``  every paper and review (key, title, authors, journal, year, note);
- ``results.csv`` + ``mapping.yaml``  the measurements for ``cedb result import --map``
  (the papers must exist first: bench/run.py inserts references.csv before timing);
- ``curation/*.yaml``  one curation file per paper and per review, for ``cedb curate load``;
- ``meta.json``  the counts.

The distributions are documented in bench/README.md. Every key and title is obviously
synthetic (``synth000123``, ``synthrev0012``, "Synthetic paper 123 ..."); there are no DOIs.
"""

import argparse
import csv
import json
import math
import random
from pathlib import Path

YEARS = list(range(2010, 2026))
# Publication years skewed recent: weight grows 25 % a year (2025 is ~28x 2010).
YEAR_WEIGHTS = [1.25 ** (y - 2010) for y in YEARS]
CATEGORIES = ["composite-anode", "electrolyte", "interface", "other"]
CATEGORY_WEIGHTS = [0.35, 0.40, 0.20, 0.05]
CURRENTS = [0.5, 1, 2, 3, 4, 5, 10]  # mA cm-2
CURRENT_WEIGHTS = [0.25, 0.35, 0.15, 0.08, 0.05, 0.07, 0.05]
CAPACITIES = [0.5, 1, 2, 3, 4, 5, 6, 10]  # mAh cm-2
CAPACITY_WEIGHTS = [0.15, 0.35, 0.12, 0.18, 0.07, 0.07, 0.03, 0.03]
CYCLES = [20, 50, 100, 150, 200, 300, 500, 1000]
CYCLE_WEIGHTS = [0.05, 0.15, 0.25, 0.15, 0.15, 0.1, 0.1, 0.05]
CELLS = ["li-cu", "li-li", "full", "anode-free"]
CELL_WEIGHTS = [0.70, 0.10, 0.12, 0.08]
METHODS = ["conventional", "aurbach", "zhang", "unspecified"]
METHOD_WEIGHTS = [0.40, 0.25, 0.05, 0.30]
STATISTICS = ["average", "maximum", "stabilised", "exceeding"]
STATISTIC_WEIGHTS = [0.60, 0.20, 0.15, 0.05]
LOCATIONS = ["Fig. 2a", "Fig. 3b", "Fig. 3c", "Fig. 4a", "Fig. S12", "Table 1", "Section 3.2"]

HOSTS = [
    "Cu foam",
    "carbon nanofibers",
    "3D Ni scaffold",
    "graphene aerogel",
    "Ag-coated carbon cloth",
    "ZnO-decorated carbon fibers",
    "MXene framework",
    "Mo2N-modified CNF",
    "porous Cu mesh",
    "N-doped carbon host",
    "CuO nanowire array",
    "Li-Mg alloy",
]
ELECTROLYTES = [
    "1 M LiPF6 in EC/DEC (1:1 v/v)",
    "1 M LiTFSI in DOL/DME (1:1 v/v) + 2 wt% LiNO3",
    "4 M LiFSI in DME",
    "1.2 M LiFSI in DMC/TTE (1:2 v/v)",
    "1 M LiFSI in FDMB",
    "2 M LiFSI in DME/TTE",
    "1 M LiPF6 in FEC/DMC",
    "5 M LiFSI in DMC",
    "1 M LiTFSI in DOL/DME",
    "0.8 M LiDFOB + 0.2 M LiBF4 in FEC/DEC",
]
ADDITIVES = ["LiNO3", "CuF2", "FEC", "LiDFP", "CsPF6", "InF3", "LiNO3 + CuF2", "KNO3", "TEOS"]
COATINGS = [
    "LiF-rich artificial SEI",
    "Al2O3 ALD coating",
    "Li3N layer",
    "polymer-inorganic coating",
    "Li-Sn alloy layer",
    "graphite fluoride layer",
]

RESULT_COLUMNS = {  # cedb field -> spreadsheet column header
    "paper": "Paper",
    "source": "Source",
    "category": "Category",
    "label": "Strategy",
    "host": "Host",
    "electrolyte": "Electrolyte",
    "additive": "Additive",
    "cell": "Cell",
    "method": "Method",
    "current": "Current density (mA cm-2)",
    "capacity": "Capacity (mAh cm-2)",
    "cycles": "Cycles",
    "ce": "CE (%)",
    "statistic": "Statistic",
    "location": "Location",
    "status": "Status",
}
# The CSV columns in the order of the Measurement/Strategy fields they fill (bench/raw_load.py).
FIELDS = list(RESULT_COLUMNS)


def _pick(rng: random.Random, values, weights):
    return rng.choices(values, weights)[0]


def _ce(rng: random.Random) -> float:
    """CE near 95-99.9 %: 100 minus a lognormal loss (median 0.6 %), 2 decimals, in [90, 99.99]."""
    loss = rng.lognormvariate(math.log(0.6), 0.9)
    return round(min(max(100 - loss, 90.0), 99.99), 2)


def _strategy(rng: random.Random, number: int) -> dict:
    category = _pick(rng, CATEGORIES, CATEGORY_WEIGHTS)
    values = {
        "category": category,
        "label": f"synth strategy {number}",
        "host": "",
        "electrolyte": "",
        "additive": "",
    }
    if category == "composite-anode":
        values["host"] = rng.choice(HOSTS)
    elif category == "electrolyte":
        values["electrolyte"] = rng.choice(ELECTROLYTES)
        if rng.random() < 0.4:
            values["additive"] = rng.choice(ADDITIVES)
    elif category == "interface":
        values["host"] = rng.choice(COATINGS)
    return values


def generate(n_measurements: int, seed: int = 7) -> tuple[list[dict], list[dict]]:
    """(references, rows): papers with 1-9 measurements each (~3), plus reviews as sources."""
    rng = random.Random(seed)
    n_reviews = max(2, n_measurements // 500)
    references = [
        {
            "key": f"synthrev{i:04d}",
            "title": f"Synthetic review {i} of lithium metal anodes",
            "authors": "Synth, Review and Bench, Mark",
            "journal": "Synthetic Reviews",
            "year": 2016 + i % 10,
            "note": "Synthetic benchmark record (bench/generate.py).",
        }
        for i in range(n_reviews)
    ]
    # Popular reviews are cited much more (Zipf-like weights).
    review_weights = [1 / (i + 1) for i in range(n_reviews)]
    review_keys = [r["key"] for r in references]
    rows: list[dict] = []
    paper = 0
    strategy_number = 0
    while len(rows) < n_measurements:
        paper += 1
        key = f"synth{paper:06d}"
        references.append(
            {
                "key": key,
                "title": f"Synthetic paper {paper} on lithium metal anode CE",
                "authors": "Synth, Alice and Bench, Bob",
                "journal": "Synthetic Journal",
                "year": _pick(rng, YEARS, YEAR_WEIGHTS),
                "note": "",
            }
        )
        strategies = []
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            strategy_number += 1
            strategies.append(_strategy(rng, strategy_number))
        # A measurement's source is often a review (60 %), otherwise the paper itself.
        source = rng.choices(review_keys, review_weights)[0] if rng.random() < 0.6 else ""
        count = min(1 + int(rng.expovariate(1 / 2.5)), 9, n_measurements - len(rows))
        seen = set()
        attempts = 0
        while len(seen) < count and attempts < 50:
            attempts += 1
            strategy = rng.choice(strategies)
            conditions = (
                strategy["label"],
                _pick(rng, CELLS, CELL_WEIGHTS),
                _pick(rng, METHODS, METHOD_WEIGHTS),
                _pick(rng, CURRENTS, CURRENT_WEIGHTS),
                _pick(rng, CAPACITIES, CAPACITY_WEIGHTS),
                _pick(rng, CYCLES, CYCLE_WEIGHTS),
            )
            if conditions in seen:  # same paper, strategy and conditions would be a duplicate
                continue
            seen.add(conditions)
            _, cell, method, current, capacity, cycles = conditions
            rows.append(
                {
                    "paper": key,
                    "source": source,
                    **strategy,
                    "cell": cell,
                    "method": method,
                    "current": current,
                    "capacity": capacity,
                    "cycles": cycles,
                    "ce": _ce(rng),
                    "statistic": _pick(rng, STATISTICS, STATISTIC_WEIGHTS),
                    "location": rng.choice(LOCATIONS),
                    "status": "verified" if rng.random() < 0.7 else "draft",
                }
            )
    return references, rows


# --------------------------------------------------------------------------- writers


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([RESULT_COLUMNS[f] for f in FIELDS])
        for row in rows:
            writer.writerow([_number(row[f]) for f in FIELDS])


def write_references(path: Path, references: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(
            handle, ["key", "title", "authors", "journal", "year", "note"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(references)


def write_mapping(path: Path) -> None:
    lines = ["# cedb result import mapping for bench/generate.py's results.csv", "columns:"]
    lines += [f"  {name}: '{header}'" for name, header in RESULT_COLUMNS.items()]
    # Bare numbers in these columns carry the stated unit (the canonical one, as papers tabulate).
    lines += [
        "units:",
        "  current: mA/cm^2",
        "  capacity: mAh/cm^2",
        "defaults:",
        "  curator: bench",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def _yaml_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def write_curation(folder: Path, references: list[dict], rows: list[dict]) -> int:
    """One YAML file per paper (written by hand: the values are simple and yaml.dump is slow)."""
    folder.mkdir(parents=True, exist_ok=True)
    by_paper: dict[str, list[dict]] = {}
    for row in rows:
        by_paper.setdefault(row["paper"], []).append(row)
    for reference in references:
        out = [
            "# cedb curation file, format 1",
            "reference:",
            f"  key: {reference['key']}",
            f"  title: {_yaml_text(reference['title'])}",
            "  authors:",
        ]
        out += [f"  - {_yaml_text(a)}" for a in reference["authors"].split(" and ")]
        out += [f"  year: {reference['year']}", f"  journal: {_yaml_text(reference['journal'])}"]
        if reference["note"]:
            out.append(f"  note: {_yaml_text(reference['note'])}")
        members = by_paper.get(reference["key"], [])
        strategies = {}
        for row in members:
            strategies.setdefault(row["label"], row)
        if strategies:
            out.append("strategies:")
            for label, row in strategies.items():
                out += [f"- label: {_yaml_text(label)}", f"  category: {row['category']}"]
                out += [
                    f"  {k}: {_yaml_text(row[k])}"
                    for k in ("host", "electrolyte", "additive")
                    if row[k]
                ]
        if members:
            out.append("measurements:")
            for row in members:
                out += [
                    f"- strategy: {_yaml_text(row['label'])}",
                    f"  cell: {row['cell']}",
                    f"  method: {row['method']}",
                    f"  current_density_mA_cm2: {_number(row['current'])}",
                    f"  areal_capacity_mAh_cm2: {_number(row['capacity'])}",
                    f"  cycles: {row['cycles']}",
                    f"  ce_percent: {_number(row['ce'])}",
                    f"  statistic: {row['statistic']}",
                ]
                if row["source"]:
                    out.append(f"  source: {row['source']}")
                out += [
                    f"  location: {_yaml_text(row['location'])}",
                    f"  status: {row['status']}",
                    "  curator: bench",
                ]
        (folder / f"{reference['key']}.yaml").write_text("\n".join(out) + "\n", encoding="utf-8")
    return len(references)


def write_all(n_measurements: int, folder: Path, seed: int = 7, curation: bool = True) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    references, rows = generate(n_measurements, seed)
    write_references(folder / "references.csv", references)
    write_csv(folder / "results.csv", rows)
    write_mapping(folder / "mapping.yaml")
    files = write_curation(folder / "curation", references, rows) if curation else 0
    meta = {
        "measurements": len(rows),
        "references": len(references),
        "papers": sum(1 for r in references if not r["key"].startswith("synthrev")),
        "strategies": len({(r["paper"], r["label"]) for r in rows}),
        "curation_files": files,
        "seed": seed,
    }
    (folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("measurements", type=int)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-curation", action="store_true", help="Skip the curation YAML files.")
    args = parser.parse_args()
    print(json.dumps(write_all(args.measurements, args.output, args.seed, not args.no_curation)))


if __name__ == "__main__":
    main()
