"""Issue 14 point 2: a merge written in the curation files. The primary paper's file lists the
placeholder's key under ``aliases`` (with the placeholder's strategy label mapped to its own);
`curate load` then does what `cedb paper merge OLD NEW --strategy ...` does, once, and the
review's and the paper's values for the same conditions show as a conflict with both sources.
SQLite and PostgreSQL through the ``engine`` fixture."""

import json
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from cedb import curation
from cedb.errors import ChecksFailed, ConflictError, InvalidValue
from cedb.store import crud
from cedb.store.db import session_scope
from cedb.store.models import Measurement, Reference, ReferenceAlias

# The numbers of the review's ref. 109 (review text: 99.6 %) and of the paper (abstract: 99.7 %
# and 99.5 %), written out here rather than read back from cedb.
REVIEW = """\
# cedb curation file, format 1
reference:
  key: rev2025
  year: 2025
"""
PLACEHOLDER = """\
# cedb curation file, format 1
reference:
  key: rev2025-ref109
  title: null
  authors: [Xu]
  year: 2021
strategies:
- label: low-polarity LHCE
  category: electrolyte
  electrolyte: LHCE in a low-polarity solvent
measurements:
- strategy: low-polarity LHCE
  current_density_mA_cm2: 1
  areal_capacity_mAh_cm2: 3
  ce_percent: 99.6
  statistic: average
  source: rev2025
  location: Section 3.2.2
"""
PRIMARY = """\
# cedb curation file, format 1
reference:
  key: xu2021
  title: A primary paper
  year: 2021
  aliases:
  - key: rev2025-ref109
    strategies:
      low-polarity LHCE: 2-MeTHF electrolyte
strategies:
- label: 2-MeTHF electrolyte
  category: electrolyte
  electrolyte: 2-methyl tetrahydrofuran
measurements:
- strategy: 2-MeTHF electrolyte
  current_density_mA_cm2: 1
  areal_capacity_mAh_cm2: 3
  ce_percent: 99.7
  location: abstract
- strategy: 2-MeTHF electrolyte
  current_density_mA_cm2: 3
  areal_capacity_mAh_cm2: 3
  ce_percent: 99.5
  location: abstract
"""


def _files(tmp_path: Path, primary: str = PRIMARY) -> Path:
    folder = tmp_path / "curation"
    folder.mkdir(exist_ok=True)
    for name, text in (("rev2025.yaml", REVIEW), ("rev2025-ref109.yaml", PLACEHOLDER), ("xu2021.yaml", primary)):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _state(engine) -> dict:
    with session_scope(engine) as session:
        papers = sorted(r.key for r in session.exec(select(Reference)))
        aliases = {a.key: session.get(Reference, a.reference_id).key for a in session.exec(select(ReferenceAlias))}
        rows = sorted(
            (
                session.get(Reference, m.reference_id).key,
                m.current_density_mA_cm2,
                m.ce_percent,
                m.source_id is not None,
                m.location,
            )
            for m in session.exec(select(Measurement))
        )
        groups = [sorted(m.ce_percent for m in g) for g in crud.conflicts(session=session)]
        strategies = sorted(s.label for s in session.exec(select(crud.Strategy)))
    return {"papers": papers, "aliases": aliases, "rows": rows, "conflicts": groups, "strategies": strategies}


def test_load_merges_the_placeholder_and_records_the_disagreement(engine, tmp_path):
    folder = _files(tmp_path)
    with session_scope(engine) as session:
        report = curation.load(session=session, paths=[folder])
    assert report.merged == ["rev2025-ref109 -> xu2021"]
    assert report.summary().endswith("; merged rev2025-ref109 -> xu2021")
    state = _state(engine)
    assert state["papers"] == ["rev2025", "xu2021"]
    assert state["aliases"] == {"rev2025-ref109": "xu2021"}
    assert state["strategies"] == ["2-MeTHF electrolyte"]  # the placeholder's label joined it
    assert state["rows"] == [
        ("xu2021", 1.0, 99.6, True, "Section 3.2.2"),
        ("xu2021", 1.0, 99.7, False, "abstract"),
        ("xu2021", 3.0, 99.5, False, "abstract"),
    ]
    assert state["conflicts"] == [[99.6, 99.7]]
    with session_scope(engine) as session:
        primary = crud.get_reference(session=session, key="rev2025-ref109")  # the old key resolves
        assert (primary.key, primary.title, primary.authors) == ("xu2021", "A primary paper", "Xu")


def test_loading_the_merged_files_again_changes_nothing(engine, tmp_path):
    folder = _files(tmp_path)
    with session_scope(engine) as session:
        curation.load(session=session, paths=[folder])
    before = _state(engine)
    with session_scope(engine) as session:
        again = curation.load(session=session, paths=[folder])
    assert again.merged == []
    assert again.counts.summary() == (
        "papers: 0 added, 0 updated, 3 unchanged; strategies: 0 added, "
        "0 updated, 1 unchanged; results: 0 added, 0 updated, 3 unchanged"
    )
    assert _state(engine) == before


def test_the_conflict_shows_in_paper_conflicts_with_both_sources(engine, tmp_path):
    from cedb.cli.main import app

    with session_scope(engine) as session:
        curation.load(session=session, paths=[_files(tmp_path)])
    url = engine.url.render_as_string(hide_password=False)
    listed = CliRunner().invoke(app, ["--db", url, "paper", "conflicts", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert {(r["ce_percent"], r["source"], r["location"]) for r in json.loads(listed.stdout)} == {
        (99.6, "rev2025", "Section 3.2.2"),
        (99.7, "xu2021", "abstract"),
    }


def test_an_alias_that_is_no_paper_becomes_an_alias_and_dump_writes_it(engine, tmp_path):
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "xu2021.yaml").write_text(
        "reference:\n  key: xu2021\n  aliases: [old-key-2020]\nmeasurements:\n- ce_percent: 98.5\n  cycles: 50\n",
        encoding="utf-8",
    )
    with session_scope(engine) as session:
        assert curation.load(session=session, paths=[folder]).merged == []
        assert crud.get_reference(session=session, key="old-key-2020").key == "xu2021"
        written = curation.dump(session=session, directory=tmp_path / "out")
    text = written[0].read_text(encoding="utf-8")
    assert "  key: xu2021\n  aliases:\n  - old-key-2020\n" in text


def test_a_dumped_alias_loads_into_an_empty_database_byte_identically(engine, tmp_path):
    from cedb.store.db import make_engine, prepare

    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "xu2021.yaml").write_text(
        "reference:\n  key: xu2021\n  aliases: [old-key-2020]\nmeasurements:\n- ce_percent: 98.5\n  cycles: 50\n",
        encoding="utf-8",
    )
    with session_scope(engine) as session:
        curation.load(session=session, paths=[folder])
        first = curation.dump(session=session, directory=tmp_path / "first")
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    prepare(empty, load_bundled=False)
    try:
        with session_scope(empty) as session:
            curation.load(session=session, paths=[tmp_path / "first"])
            assert crud.get_reference(session=session, key="old-key-2020").key == "xu2021"
            second = curation.dump(session=session, directory=tmp_path / "second")
    finally:
        empty.dispose()
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


@pytest.mark.parametrize(
    ("aliases", "message"),
    [
        ("  aliases: [xu2021]\n", "alias 'xu2021' is the file's own key"),
        ("  aliases: [a-key, a-key]\n", "alias 'a-key' appears twice"),
        ('  aliases: ["has space"]\n', "alias 'has space'"),
        (
            "  aliases:\n  - key: rev2025-ref109\n    strategies: {low-polarity LHCE: no such label}\n",
            "'no such label' (for 'low-polarity LHCE') is not a strategy label of this file",
        ),
        ("  aliases:\n  - key: rev2025-ref109\n    labels: {}\n", "unknown key 'labels'"),
    ],
)
def test_check_reports_bad_aliases_with_their_line(tmp_path, aliases, message):
    path = tmp_path / "xu2021.yaml"
    path.write_text("reference:\n  key: xu2021\n" + aliases + "measurements:\n- ce_percent: 98.5\n", encoding="utf-8")
    report = curation.check(paths=[path])
    assert any(message in str(p) and str(p).startswith(f"{path}:") for p in report.problems), report.problems


def test_two_files_declaring_one_alias_is_a_problem(tmp_path):
    for key in ("a2020", "b2021"):
        (tmp_path / f"{key}.yaml").write_text(f"reference:\n  key: {key}\n  aliases: [old-key]\n", encoding="utf-8")
    report = curation.check(paths=[tmp_path])
    assert any("alias 'old-key' is also declared by" in str(p) for p in report.problems)


def test_a_mapped_label_the_old_paper_lacks_loads_nothing(engine, tmp_path):
    folder = _files(
        tmp_path,
        PRIMARY.replace("      low-polarity LHCE: 2-MeTHF electrolyte", "      no such label: 2-MeTHF electrolyte"),
    )
    with pytest.raises(InvalidValue, match="rev2025-ref109 has no strategy 'no such label'"):
        with session_scope(engine) as session:
            curation.load(session=session, paths=[folder])
    assert _state(engine)["papers"] == []


def test_an_alias_of_another_paper_loads_nothing(engine, tmp_path):
    with session_scope(engine) as session:
        crud.add_reference(session=session, create=crud.ReferenceCreate(key="other2019"))
        crud.add_reference(session=session, create=crud.ReferenceCreate(key="gone2018"))
        crud.merge_references(session=session, old="gone2018", new="other2019")
    path = tmp_path / "xu2021.yaml"
    path.write_text("reference:\n  key: xu2021\n  aliases: [gone2018]\n", encoding="utf-8")
    with pytest.raises((ConflictError, ChecksFailed), match="gone2018"):
        with session_scope(engine) as session:
            curation.load(session=session, paths=[path])
    with session_scope(engine) as session:
        assert session.exec(select(Reference).where(Reference.key == "xu2021")).first() is None


def test_paper_merge_strategy_option_joins_the_labels(engine):
    from cedb.cli.main import app

    with session_scope(engine) as session:
        for key in ("rev2025", "rev2025-ref109", "xu2021"):
            crud.add_reference(session=session, create=crud.ReferenceCreate(key=key))
    url = engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    for paper, label, ce, source in (
        ("rev2025-ref109", "low-polarity LHCE", "99.6", ["--source", "rev2025"]),
        ("xu2021", "2-MeTHF electrolyte", "99.7", []),
    ):
        added = runner.invoke(
            app,
            [
                "--db",
                url,
                "result",
                "add",
                "--paper",
                paper,
                "--ce",
                ce,
                "--current",
                "1",
                "--capacity",
                "3",
                "--category",
                "electrolyte",
                "--label",
                label,
                "--no-input",
                *source,
            ],
        )
        assert added.exit_code == 0, added.output
    bad = runner.invoke(app, ["--db", url, "paper", "merge", "rev2025-ref109", "xu2021", "--strategy", "no equals"])
    assert bad.exit_code != 0 and "OLD LABEL=NEW LABEL" in bad.output
    merged = runner.invoke(
        app,
        [
            "--db",
            url,
            "paper",
            "merge",
            "rev2025-ref109",
            "xu2021",
            "--strategy",
            "low-polarity LHCE=2-MeTHF electrolyte",
        ],
    )
    assert merged.exit_code == 0, merged.output
    assert "1 place(s) where sources disagree" in merged.output
    assert _state(engine)["strategies"] == ["2-MeTHF electrolyte"]
    assert _state(engine)["conflicts"] == [[99.6, 99.7]]
