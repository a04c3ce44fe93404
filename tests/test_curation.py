"""Curation files (cedb.curation): check with file and line, load as an idempotent upsert, dump round trips."""

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, REPO
from sqlmodel import delete, select

from cedb import curation
from cedb.errors import ChecksFailed, ConflictError, NotFound
from cedb.resources import curation_dir
from cedb.store.models import Measurement, Reference, Strategy

GOOD = FIXTURES / "curation" / "good"
BAD = FIXTURES / "curation" / "bad"


def _problems(report) -> set[tuple[str, int]]:
    return {(Path(p.path).name, p.line) for p in report.problems}


def _find(report, name: str, line: int) -> str:
    found = [p.message for p in report.problems if Path(p.path).name == name and p.line == line]
    assert found, f"no problem reported at {name}:{line}; got {[str(p) for p in report.problems]}"
    return " | ".join(found)


# --------------------------------------------------------------------------- check


def test_good_files_check_clean_and_are_canonical():
    report = curation.check([GOOD])
    assert report.problems == []
    assert report.files == 2
    (nitrate,) = [r for r in report.records if r.reference["key"] == "demo2023nitrate"]
    by_ce = {m["ce_percent"]: m for m in nitrate.measurements}
    assert set(by_ce) == {99.6, 99.2, 99.8}
    aurbach = by_ce[99.2]
    assert (aurbach["cell"], aurbach["current_density_mA_cm2"], aurbach["areal_capacity_mAh_cm2"]) == (
        "li-cu",
        0.5,
        1.0,
    )
    assert json.loads(aurbach["method_params"]) == {"n": 10, "q_c_mAh_cm2": 1, "q_t_mAh_cm2": 5}
    full = by_ce[99.8]
    assert (full["current_density_mA_cm2"], full["ec_ratio_g_Ah"], full["temperature_C"]) == (2.0, 1.4, 25.0)
    assert full["full_cell_derived"] is True
    assert nitrate.reference["authors"] == "Example, Ada"


def test_bundled_curation_files_check_clean():
    report = curation.check([curation_dir()])
    assert report.problems == []
    assert report.files >= 11


def test_every_problem_is_reported_with_file_and_line():
    report = curation.check([BAD / "problems.yaml"])
    assert report.records == []
    expected = {
        5: "duplicate key 'year'",
        6: "unknown key 'colour' in the reference",
        10: "strategy label 'Host A' appears twice",
        11: "category 'wizardry' is not known",
        14: "current density '2 mAh/cm2' has the wrong unit",
        16: "CE 100.5 % is above 100 %",
        17: "cycles must be at least 1",
        18: "unknown key 'flavour' in a measurement",
        19: "strategy 'Host Z' is not a label of this file's strategies",
        22: "looks like a fraction",
        23: "source 'nobody1999' is not a key of any curation file",
        24: "a measurement needs ce_percent",
        27: "cell 'coin cell' is not known",
        28: "statistic 'median' is not known",
        33: "same strategy and conditions as the measurement on line 29",  # 10 A m-2 is 1 mA cm-2
    }
    for line, message in expected.items():
        assert message in _find(report, "problems.yaml", line)
    assert _problems(report) == {("problems.yaml", line) for line in expected}
    assert all(str(p).startswith(f"{p.path}:{p.line}: ") for p in report.problems)


def test_unsafe_yaml_is_a_problem_and_never_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = curation.check([BAD / "unsafe.yaml"])
    assert "refused YAML tag" in _find(report, "unsafe.yaml", 4)
    assert "python/object/apply:os.system" in _find(report, "unsafe.yaml", 4)
    assert not (tmp_path / "CEDB_PWNED").exists()


def test_syntax_errors_and_non_mappings():
    report = curation.check([BAD / "broken.yaml", BAD / "not-a-mapping.yaml"])
    assert "not valid YAML" in _find(report, "broken.yaml", 5)
    assert "expected a mapping" in _find(report, "not-a-mapping.yaml", 1)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("measurements: []\n", 1, "missing 'reference' mapping"),
        ("reference:\n  year: 2020\n", 2, "the reference needs a key"),
        ("reference:\n  key: bad key!\n", 2, "key: citation key 'bad key!' holds a character BibTeX does not allow"),
        ("reference:\n  key: a2020\n  year: 1492\n", 3, "year: Input should be greater than or equal to 1800"),
        ("reference:\n  key: a2020\nmeasurements: {ce_percent: 99}\n", 3, "'measurements' must be a list"),
        ("reference:\n  key: a2020\nstrategies:\n- just a label\n", 3, "each strategy must be a mapping"),
        ("reference:\n  key: a2020\nstrategies:\n- label: x\n", 4, "a strategy needs a category"),
        (
            "reference:\n  key: a2020\nmeasurements:\n- ce_percent: 99\n  ce_percent: 98\n",
            5,
            "duplicate key 'ce_percent'",
        ),
        ("reference:\n  key: a2020\nmeasurements:\n- ce_percent: 99\n  method_params: '{oops'\n", 5, "not JSON"),
        ("reference:\n  key: a2020\nmeasurements:\n- ce_percent: 99\n  temperature_C: 900\n", 5, "at most 200"),
        ("reference:\n  key: a2020\ncolour: red\n", 3, "unknown key 'colour' in the file"),
        ("reference:\n  key: a2020\n  1999: year as key\n", 3, "key 1999 is not text"),
    ],
)
def test_schema_problems(tmp_path, text, line, message):
    path = tmp_path / "paper.yaml"
    path.write_text(text)
    assert message in _find(curation.check([path]), "paper.yaml", line)


def test_problems_across_files_and_sources(tmp_path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text("reference:\n  key: same2020\n  doi: 10.1234/same.2020\n")
    (tmp_path / "c.yaml").write_text(
        "reference:\n  key: c2020\nmeasurements:\n- ce_percent: 99\n  source: review2024\n"
    )
    report = curation.check([tmp_path])
    assert "key 'same2020' is also used by" in _find(report, "b.yaml", 1)
    assert "DOI 10.1234/same.2020 is also used by" in _find(report, "b.yaml", 1)
    assert "source 'review2024'" in _find(report, "c.yaml", 5)
    # A source that is a paper in the database resolves.
    assert _problems(curation.check([tmp_path / "c.yaml"], known_keys={"review2024"})) == set()


def test_missing_path():
    with pytest.raises(NotFound, match="no such file or folder"):
        curation.check([GOOD / "nope.yaml"])


# --------------------------------------------------------------------------- load and dump


def _counts(session) -> tuple[int, int, int]:
    return tuple(len(session.exec(select(model)).all()) for model in (Reference, Strategy, Measurement))


def _outcomes(report, outcome: str) -> tuple[int, int, int]:
    return tuple(report.counts.counts[e][outcome] for e in ("papers", "strategies", "results"))


def test_load_is_an_idempotent_upsert(session, tmp_path):
    files = tmp_path / "curation"
    shutil.copytree(GOOD, files)
    first = curation.load(session=session, paths=[files])
    assert _outcomes(first, "added") == (2, 2, 3) and first.files == 2
    assert _outcomes(first, "updated") == _outcomes(first, "unchanged") == (0, 0, 0)
    assert _counts(session) == (2, 2, 3)
    second = curation.load(session=session, paths=[files])
    assert _outcomes(second, "added") == _outcomes(second, "updated") == (0, 0, 0)
    assert _outcomes(second, "unchanged") == (2, 2, 3)
    assert second.summary() == (
        "2 file(s) loaded: papers: 0 added, 0 updated, 2 unchanged; "
        "strategies: 0 added, 0 updated, 2 unchanged; "
        "results: 0 added, 0 updated, 3 unchanged"
    )
    assert second.changes == []

    path = files / "demo2023nitrate.yaml"
    path.write_text(path.read_text().replace("ce_percent: 99.6", "ce_percent: 99.65"))
    # Another CE for the same paper and conditions is a conflict: a choice, never silent.
    with pytest.raises(ConflictError, match=r"records CE 99.6 % .* not 99.65 %.*--on-conflict keep\|replace"):
        curation.load(session=session, paths=[files], dry_run=True)
    kept = curation.load(session=session, paths=[files], on_conflict="keep")
    assert _outcomes(kept, "conflicting") == (0, 0, 1) and kept.changes == []
    assert 99.65 not in {m.ce_percent for m in session.exec(select(Measurement))}
    third = curation.load(session=session, paths=[files], on_conflict="replace")
    assert _outcomes(third, "updated") == (0, 0, 1)
    assert sorted(str(c).split(": ", 1)[1] for c in third.changes) == [
        "ce_decimals: 1 -> 2",
        "ce_percent: 99.6 -> 99.65",
    ]
    assert _counts(session) == (2, 2, 3)
    assert 99.65 in {m.ce_percent for m in session.exec(select(Measurement))}
    source = session.exec(select(Reference).where(Reference.key == "demo2024review")).one()
    assert {m.source_id for m in session.exec(select(Measurement))} == {source.id, None}


def test_load_with_a_problem_writes_nothing(session, tmp_path):
    shutil.copytree(GOOD, tmp_path / "mixed")
    shutil.copy(BAD / "problems.yaml", tmp_path / "mixed")
    with pytest.raises(ChecksFailed) as caught:
        curation.load(session=session, paths=[tmp_path / "mixed"])
    assert caught.value.exit_code == 3
    assert any(f.startswith(str(tmp_path / "mixed" / "problems.yaml") + ":14: ") for f in caught.value.findings)
    assert _counts(session) == (0, 0, 0)


def _wipe(session) -> None:
    for model in (Measurement, Strategy, Reference):
        session.exec(delete(model))
    session.flush()


def _read_dir(directory: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(directory.iterdir())}


def test_dump_load_dump_is_identical(session, tmp_path):
    curation.load(session=session, paths=[GOOD, curation_dir()])
    first = tmp_path / "first"
    written = curation.dump(session=session, directory=first)
    assert {p.name for p in written} == {p.name for p in curation_dir().glob("*.yaml")} | {
        "demo2023nitrate.yaml",
        "demo2024review.yaml",
    }
    assert all(text.startswith(curation.FORMAT_HEADER) for text in _read_dir(first).values())
    assert curation.check([first]).problems == []

    _wipe(session)
    report = curation.load(session=session, paths=[first])
    assert _outcomes(report, "updated") == _outcomes(report, "unchanged") == (0, 0, 0)
    second = tmp_path / "second"
    curation.dump(session=session, directory=second)
    assert _read_dir(second) == _read_dir(first)


def _meaning(path: Path) -> dict:
    """A curation file's content with nulls dropped and lists in a stable order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    def clean(mapping):
        return {k: v for k, v in mapping.items() if v is not None}

    return {
        "reference": clean(data["reference"]),
        "strategies": sorted((clean(s) for s in data.get("strategies") or []), key=lambda s: s["label"]),
        "measurements": sorted(
            (clean(m) for m in data.get("measurements") or []), key=lambda m: json.dumps(m, sort_keys=True, default=str)
        ),
    }


def test_dump_of_the_bundled_dataset_means_the_same_as_the_files(session, tmp_path):
    curation.load(session=session, paths=[curation_dir()])
    curation.dump(session=session, directory=tmp_path)
    for source in sorted(curation_dir().glob("*.yaml")):
        assert _meaning(tmp_path / source.name) == _meaning(source), source.name


def test_method_params_and_special_text_round_trip(session, tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text(
        "reference:\n  key: odd2021\n  title: 'Quotes '' and # and: colons'\n"
        "strategies:\n- label: 'x: y # z'\n  category: other\n  description: |\n    two\n    lines\n"
        "measurements:\n- strategy: 'x: y # z'\n  ce_percent: 99\n  method_params: {n: 10, q_t: 5.5}\n"
        '  quote: "CE of 99% at 1 mA cm−2"\n',
        encoding="utf-8",
    )
    curation.load(session=session, paths=[path])
    out = tmp_path / "out"
    curation.dump(session=session, directory=out)
    data = yaml.safe_load((out / "odd2021.yaml").read_text(encoding="utf-8"))
    assert data["reference"]["title"] == "Quotes ' and # and: colons"
    assert data["strategies"][0]["description"] == "two\nlines"  # text is stripped
    assert data["measurements"][0]["method_params"] == {"n": 10, "q_t": 5.5}
    assert data["measurements"][0]["quote"] == "CE of 99% at 1 mA cm−2"


def test_the_readme_example_is_the_fixture_and_its_mapping_reads(tmp_path):
    from cedb.spreadsheet import read_mapping

    readme = (REPO / "curation" / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)
    example = next(b for b in blocks if "demo2023nitrate" in b)
    assert yaml.safe_load(example) == yaml.safe_load((GOOD / "demo2023nitrate.yaml").read_text(encoding="utf-8"))
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text(next(b for b in blocks if "sheet:" in b), encoding="utf-8")
    mapping = read_mapping(mapping_file)
    assert mapping.sheet == "CE data" and mapping.units == {"current_density_mA_cm2": "A/m^2"}


def _paper_file(folder, key, quote, source=None):
    lines = [
        f"reference:\n  key: {key}\n",
        "measurements:\n- ce_percent: 99.2\n  location: abstract\n",
        f"  quote: '{quote}'\n",
    ]
    if source:
        lines.append(f"  source: {source}\n")
    (folder / f"{key}.yaml").write_text("".join(lines), encoding="utf-8")


def test_the_same_own_quote_in_two_files_is_reported_as_one_paper_curated_twice(tmp_path):
    sentence = "An average  Coulombic efficiency of 99.2% was obtained over 150 cycles."
    _paper_file(tmp_path, "first2019", sentence)
    _paper_file(tmp_path, "second-copy", sentence.replace("  ", " ").upper())  # spacing and case differ
    problems = [str(p) for p in curation.check([tmp_path]).problems]
    assert len(problems) == 1 and "second-copy.yaml" in problems[0]
    assert "also in" in problems[0] and "first2019.yaml" in problems[0]


def test_a_review_sentence_quoted_for_two_cited_papers_is_not_a_duplicate(tmp_path):
    sentence = "Refs. 98 and 99 reached 99.2 % at 1 mA cm-2."
    (tmp_path / "review.yaml").write_text("reference:\n  key: review2025\n", encoding="utf-8")
    _paper_file(tmp_path, "review2025-ref98", sentence, source="review2025")
    _paper_file(tmp_path, "review2025-ref99", sentence, source="review2025")
    assert curation.check([tmp_path]).problems == []
