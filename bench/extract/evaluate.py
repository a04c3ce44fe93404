"""Measure ``cedb.extract`` against the hand labels in this folder.

    /work/venv/bin/python bench/extract/evaluate.py [--verbose] [--review PATH]
    /work/venv/bin/python bench/extract/evaluate.py --heldout heldout_batch3.jsonl [-v]
    /work/venv/bin/python bench/extract/evaluate.py --agreement REFERENCE OTHER [-v]
        (REFERENCE: a labelling or "heldout", the batches' own labels; OTHER: a labelling or "extractor")

Sets:
* ``review_labels.jsonl``: every CE result of the Sun et al. 2025 review text
  (EES Batteries 1, 340), one line per sentence with its offsets in the file;
  sentences with ``"results": []`` are statements that look like results and are not.
* ``abstract_labels.jsonl``: abstract-style sentences written for this bench, each
  read with ``extract_text(text, kind=...)``; 0..n results each.

* ``heldout_batch*.jsonl``: real abstracts (and a few full-text passages), each with
  its ``source``, labelled by hand before the extractor ran on them. ``--heldout``
  scores one of them alone: a result is *fully right* when CE (and range high end),
  current, capacity, cycles and cell all agree; false results are counted per 20
  sentences of the batch (negatives included). Targets: >= 95 % fully right and
  <= 1 false result per 20 sentences.

A prediction matches a label when its sentence overlaps the labelled sentence and
its CE (and range high end) is within 0.05 of the label's. Precision is matched
predictions / predictions, recall matched labels / labels. A field is right for a
label when the label was matched and the field agrees; so each field score is at
most the recall. Targets (each set and overall): every field >= 0.95 and precision
>= 0.95. The script prints a Markdown table and exits 1 when a target is missed.
"""

import argparse
import json
import math
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from cedb.extract import extract_file, extract_text  # noqa: E402

# The review's text: CEDB_REVIEW_TEXT, else shared/seeds beside the checkout or one level up
# (the same places tests/conftest.py looks).
_CHECKOUT = Path(__file__).resolve().parents[2]
_CANDIDATES = [base / "shared" / "seeds" / "sun2025-high-ce-li-metal-review.txt" for base in _CHECKOUT.parents[:2]]
REVIEW_TEXT = Path(os.environ.get("CEDB_REVIEW_TEXT") or next((c for c in _CANDIDATES if c.is_file()), _CANDIDATES[0]))
FIELDS = {
    "ce_percent": ("ce_percent", "ce_high_percent"),
    "qualifier": ("qualifier",),
    "current": ("current_density_mA_cm2",),
    "capacity": ("areal_capacity_mAh_cm2",),
    "cycles": ("cycles",),
    "cell": ("cell",),
    "complete": ("complete",),
}
TARGET_FIELD = 0.95
TARGET_PRECISION = 0.95
CE_TOLERANCE = 0.05


def load(name: str) -> list[dict]:
    path = HERE / name if (HERE / name).exists() else Path(name)  # a name here, or a path
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9%.]+", " ", text.lower()).split())


def repeats(name: str, window: int = 150) -> list[str]:
    """Passages of batch ``name`` that share text with another labelled file of this folder (the
    opening ``window`` characters of one inside the other, spacing, case and punctuation aside):
    the later-labelled of the two is not held-out material."""
    own = load(name)
    found = []
    for other in sorted(HERE.glob("*.jsonl")):
        if other.name == Path(name).name:
            continue
        texts = [
            (item.get("id", "?"), _plain(item.get("text") or item.get("sentence") or "")) for item in load(other.name)
        ]
        for item in own:
            text_here = _plain(item.get("text") or "")
            for other_id, text in texts:
                # Either way round: a passage may hold the whole of another, or open with it.
                if any(len(a) >= window and a[:window] in b for a, b in ((text_here, text), (text, text_here))):
                    found.append(f"{item.get('id')} shares text with {other_id} of {other.name}")
    return found


def _equal(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, abs_tol=1e-6)
    return a == b


def _ce_match(pred: dict, label: dict) -> bool:
    if abs(pred["ce_percent"] - label["ce_percent"]) > CE_TOLERANCE:
        return False
    hi_p, hi_l = pred.get("ce_high_percent"), label.get("ce_high_percent")
    return (hi_p is None and hi_l is None) or (
        hi_p is not None and hi_l is not None and abs(hi_p - hi_l) <= CE_TOLERANCE
    )


def match(labels: list[tuple[dict, tuple[int, int]]], preds: list[dict]) -> list[tuple[dict, dict | None]]:
    """Pair each labelled result (with its sentence span) with at most one prediction."""
    used: set[int] = set()
    pairs = []
    for label, (start, end) in labels:
        found = None
        for i, pred in enumerate(preds):
            if i in used or not (pred["start"] < end and start < pred["end"]):
                continue
            if _ce_match(pred, label):
                found = i
                break
        if found is not None:
            used.add(found)
        pairs.append((label, preds[found] if found is not None else None))
    return pairs


def _review(path: Path) -> tuple[list, list]:
    items = load("review_labels.jsonl")
    preds = [c.to_dict() for c in extract_file(path)]
    labels = [(r, (item["start"], item["end"])) for item in items for r in item["results"]]
    for label, _ in labels:
        label.setdefault("_id", next(i["id"] for i in items if label in i["results"]))
    pairs = match(labels, preds)
    matched = {id(p) for _, p in pairs if p is not None}
    false = [p for p in preds if id(p) not in matched]
    return pairs, [("review", p) for p in false], len(preds)


def _abstracts() -> tuple[list, list, int]:
    pairs, false, count = [], [], 0
    for item in load("abstract_labels.jsonl"):
        preds = [c.to_dict() for c in extract_text(item["text"], kind=item.get("kind", "text"))]
        count += len(preds)
        labels = [({**r, "_id": item["id"]}, (0, len(item["text"]))) for r in item["results"]]
        item_pairs = match(labels, preds)
        pairs += item_pairs
        matched = {id(p) for _, p in item_pairs if p is not None}
        false += [(item["id"], p) for p in preds if id(p) not in matched]
    return pairs, false, count


def score(pairs: list, false: list, predictions: int) -> dict:
    labels = len(pairs)
    matched = sum(1 for _, p in pairs if p is not None)
    result = {
        "labels": labels,
        "predictions": predictions,
        "precision": (predictions - len(false)) / predictions if predictions else 1.0,
        "recall": matched / labels if labels else 1.0,
    }
    for name, keys in FIELDS.items():
        right = sum(1 for label, p in pairs if p is not None and all(_equal(p.get(k), label.get(k)) for k in keys))
        result[name] = right / labels if labels else 1.0
    return result


def evaluate(review_path: Path = REVIEW_TEXT) -> dict:
    """Scores per set and overall, plus the errors, as a dict."""
    review_pairs, review_false, review_n = _review(review_path)
    abstract_pairs, abstract_false, abstract_n = _abstracts()
    scores = {
        "review": score(review_pairs, review_false, review_n),
        "abstracts": score(abstract_pairs, abstract_false, abstract_n),
        "overall": score(review_pairs + abstract_pairs, review_false + abstract_false, review_n + abstract_n),
    }
    errors = []
    for label, pred in review_pairs + abstract_pairs:
        if pred is None:
            errors.append(f"missed   {label['_id']}: CE {label['ce_percent']}")
            continue
        for name, keys in FIELDS.items():
            for key in keys:
                if not _equal(pred.get(key), label.get(key)):
                    errors.append(f"field    {label['_id']}: {key} = {pred.get(key)!r}, label {label.get(key)!r}")
    for where, pred in review_false + abstract_false:
        errors.append(
            f"false    {where}: CE {pred['ce_percent']} in {pred['sentence'][:90]!r} (offset {pred['start']})"
        )
    return {"scores": scores, "errors": errors, "passed": passed(scores)}


HELDOUT_FIELDS = ("current_density_mA_cm2", "areal_capacity_mAh_cm2", "cycles", "cell")


def heldout(name: str) -> dict:
    """Score one held-out batch: fully right results, false results per 20 sentences."""
    from cedb.extract.normalize import prepare
    from cedb.extract.sentences import split_sentences

    pairs, false, sentences = [], [], 0
    for item in load(name):
        kind = item.get("kind", "text")
        sentences += len(split_sentences(prepare(item["text"], kind).text))
        preds = [c.to_dict() for c in extract_text(item["text"], kind=kind)]
        labels = [({**r, "_id": item["id"]}, (0, len(item["text"]))) for r in item["results"]]
        item_pairs = match(labels, preds)
        pairs += item_pairs
        matched = {id(p) for _, p in item_pairs if p is not None}
        false += [(item["id"], p) for p in preds if id(p) not in matched]
    right = [
        (label, p)
        for label, p in pairs
        if p is not None and all(_equal(p.get(k), label.get(k)) for k in HELDOUT_FIELDS)
    ]
    errors = []
    for label, p in pairs:
        if p is None:
            errors.append(f"missed   {label['_id']}: CE {label['ce_percent']}")
            continue
        for key in (*HELDOUT_FIELDS, "qualifier"):
            if not _equal(p.get(key), label.get(key)):
                errors.append(f"field    {label['_id']}: {key} = {p.get(key)!r}, label {label.get(key)!r}")
    for where, p in false:
        errors.append(f"false    {where}: CE {p['ce_percent']} in {p['sentence'][:90]!r}")
    qualifier = sum(1 for label, p in right if _equal(p.get("qualifier"), label.get("qualifier")))
    n = len(pairs)
    return {
        "set": name,
        "results": n,
        "found": sum(1 for _, p in pairs if p is not None),
        "fully_right": len(right),
        "fully_right_share": len(right) / n if n else 1.0,
        "qualifier_right_too": qualifier,
        "false": len(false),
        "sentences": sentences,
        "false_per_20_sentences": 20 * len(false) / sentences if sentences else 0.0,
        "errors": errors,
    }


def _extracted() -> dict[str, list[dict]]:
    """What ``cedb extract`` finds in every passage of the held-out batches, by passage id."""
    return {
        item["id"]: [c.to_dict() for c in extract_text(item["text"], kind=item.get("kind", "text"))]
        for path in sorted(HERE.glob("heldout_batch*.jsonl"))
        for item in load(path.name)
    }


def _labelling(name: str) -> dict[str, list[dict]]:
    """Results by passage id of a labelling file, of ``heldout`` (the held-out batches' own labels)
    or of ``extractor`` (what ``cedb extract`` finds in those batches)."""
    if name == "extractor":
        return _extracted()
    items = [item for path in sorted(HERE.glob("heldout_batch*.jsonl")) for item in load(path.name)]
    return {item["id"]: item["results"] for item in (items if name == "heldout" else load(name))}


def agreement(reference: str, other: str) -> dict:
    """Score the labels of ``other`` against those of ``reference`` (each a labelling file,
    ``heldout`` or ``extractor``: see ``_labelling``) as ``heldout`` scores the extractor (same
    matching, same fields): how often two labellers, or a labeller and the extractor, agree on the
    same passages."""
    theirs = _labelling(other)
    pairs, extra = [], []
    for passage, results in _labelling(reference).items():
        if passage not in theirs:
            continue
        labels = [({**r, "_id": passage}, (0, 1)) for r in results]
        preds = [{**r, "start": 0, "end": 1} for r in theirs[passage]]
        item_pairs = match(labels, preds)
        pairs += item_pairs
        matched = {id(p) for _, p in item_pairs if p is not None}
        extra += [(passage, p) for p in preds if id(p) not in matched]
    right = sum(
        1 for label, p in pairs if p is not None and all(_equal(p.get(k), label.get(k)) for k in HELDOUT_FIELDS)
    )
    errors = [f"missed   {label['_id']}: CE {label['ce_percent']}" for label, p in pairs if p is None]
    errors += [
        f"field    {label['_id']}: {key} = {p.get(key)!r}, reference {label.get(key)!r}"
        for label, p in pairs
        if p is not None
        for key in HELDOUT_FIELDS
        if not _equal(p.get(key), label.get(key))
    ]
    errors += [f"extra    {where}: CE {p['ce_percent']}" for where, p in extra]
    return {"results": len(pairs), "found": sum(1 for _, p in pairs if p is not None), "fully_right": right,
            "extra": len(extra), "errors": errors}  # fmt: skip


def heldout_passed(report: dict) -> bool:
    return report["fully_right_share"] >= 0.95 and report["false_per_20_sentences"] <= 1.0


def passed(scores: dict) -> bool:
    return all(
        s["precision"] >= TARGET_PRECISION and all(s[name] >= TARGET_FIELD for name in FIELDS) for s in scores.values()
    )


def table(scores: dict) -> str:
    columns = ["labels", "predictions", "precision", "recall", *FIELDS]
    lines = ["| set | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, s in scores.items():
        cells = [str(s[c]) if isinstance(s[c], int) else f"{s[c]:.3f}" for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", "-v", action="store_true", help="list every miss, wrong field and false result")
    parser.add_argument("--review", type=Path, default=REVIEW_TEXT, help="path of the review text")
    parser.add_argument("--heldout", metavar="FILE", help="score one held-out batch of this folder instead")
    parser.add_argument(
        "--agreement",
        nargs=2,
        metavar=("REFERENCE", "OTHER"),
        help="score a labelling ('extractor': what it finds) against another ('heldout': the batches' labels)",
    )
    args = parser.parse_args(argv)
    if args.agreement:
        try:
            report = agreement(*args.agreement)
        except (OSError, json.JSONDecodeError, KeyError) as error:
            print(f"Error: --agreement cannot read {error}", file=sys.stderr)
            return 2
        n = report["results"]
        print(
            f"{args.agreement[1]} against {args.agreement[0]}: {report['fully_right']}/{n} results fully right "
            f"({report['fully_right'] / n if n else 1:.0%}; CE, current, capacity, cycles, cell), "
            f"{report['found']} found, {report['extra']} results the reference does not have"
        )
        if args.verbose:
            print("\n".join(report["errors"]))
        return 0
    if args.heldout:
        report = heldout(args.heldout)
        share = f"{report['fully_right_share']:.0%}" if report["results"] else "no results labelled"
        print(
            f"{report['set']}: {report['fully_right']}/{report['results']} results fully right "
            f"({share}; CE, current, capacity, cycles, cell), "
            f"{report['found']} found, qualifier also right for {report['qualifier_right_too']}; "
            f"{report['false']} false results in {report['sentences']} sentences "
            f"({report['false_per_20_sentences']:.2f} per 20 sentences)"
        )
        if args.verbose:
            print("\n".join(report["errors"]))
        for line in repeats(args.heldout):
            print(f"note: {line}: the later-labelled of the two is not held-out")
        ok = heldout_passed(report)
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    report = evaluate(args.review)
    print(table(report["scores"]))
    print(f"\nTargets: every field >= {TARGET_FIELD}, precision >= {TARGET_PRECISION} (each set and overall).")
    if args.verbose or not report["passed"]:
        for line in report["errors"]:
            print(line)
    print("PASS" if report["passed"] else "FAIL")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
