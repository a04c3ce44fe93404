"""Issue 10: curation you can trust. One write path, merges that never erase, conflicts as
choices, safe removal, stable ids, paper merge and aliases, any BibTeX key (SQLite and
PostgreSQL through the ``engine`` fixture)."""

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select
from typer.testing import CliRunner

from cedb import curation, papers, results, spreadsheet
from cedb.errors import ConflictError, InvalidValue
from cedb.store import bulk, crud
from cedb.store.db import session_scope
from cedb.store.models import Measurement, Reference, ReferenceCreate
from tests.builders import add_papers, add_result
from tests.conftest import FIXTURES, database_snapshot

MESSY = FIXTURES / "bib" / "messy.bib"
LAB = FIXTURES / "bib" / "lab-bibliography-real.bib"  # real public entries, see its header
BIB_FIELDS = (
    "key",
    "doi",
    "title",
    "authors",
    "journal",
    "year",
    "volume",
    "pages",
    "entry_type",
    "bibtex",
    "note",
    "title_key",
)


class _Ran:
    """A CliRunner result with the CLI root's error boundary (``cedb.cli.main.run``) applied."""

    def __init__(self, result):
        from cedb.errors import CedbError

        self.stdout, self.stderr, self.exit_code = result.stdout, result.stderr, result.exit_code
        self.output = result.output
        if isinstance(result.exception, CedbError):
            findings = "".join(f"{f}\n" for f in getattr(result.exception, "findings", []))
            self.stderr += f"{findings}Error: {result.exception}\n"
            self.exit_code = result.exception.exit_code
        elif result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception


def _cli(url: str, *args: str, input: str | None = None) -> _Ran:
    from cedb.cli.main import app

    return _Ran(CliRunner().invoke(app, ["--db", url, *map(str, args)], input=input))


# --------------------------------------------------------------------------- merges never erase


def test_minimal_curation_file_leaves_every_bibliographic_field(engine, tmp_path):
    with session_scope(engine) as session:
        papers.add(session=session, sources=[MESSY], on_duplicate=None)
        before = {r.key: {f: getattr(r, f) for f in BIB_FIELDS} for r in session.exec(select(Reference))}
    assert before["Muller2021Nitrate"]["title"] and before["Muller2021Nitrate"]["bibtex"]
    folder = tmp_path / "curation"
    folder.mkdir()
    for key in before:
        (folder / f"{curation.file_name(key)}").write_text(
            f"reference:\n  key: {key}\nmeasurements:\n- ce_percent: 99.1\n  current_density_mA_cm2: 1\n",
            encoding="utf-8",
        )
    with session_scope(engine) as session:
        report = curation.load(session=session, paths=[folder])
        after = {r.key: {f: getattr(r, f) for f in BIB_FIELDS} for r in session.exec(select(Reference))}
    assert after == before
    counts = report.counts.counts
    assert counts["papers"] == {"added": 0, "updated": 0, "unchanged": len(before), "conflicting": 0}
    assert counts["results"]["added"] == len(before)
    assert report.changes == []


def test_explicit_null_clears_and_dry_run_lists_each_field(engine, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine) as session:
        papers.add(session=session, sources=[MESSY], on_duplicate=None)
        add_result(
            session,
            {
                "paper": "Muller2021Nitrate",
                "ce": 99.2,
                "current": 1,
                "capacity": 1,
                "note": "from Fig. 2",
                "quote": "a CE of 99.2 %",
            },
        )
    path = tmp_path / "m.yaml"
    path.write_text(
        "reference:\n  key: Muller2021Nitrate\n  volume: null\n  title: A new title\n"
        "measurements:\n- ce_percent: 99.2\n  current_density_mA_cm2: 1\n"
        "  areal_capacity_mAh_cm2: 1\n  note: null\n",
        encoding="utf-8",
    )
    before = database_snapshot(url)
    dry = _cli(url, "curate", "load", path, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert database_snapshot(url) == before
    lines = dry.stdout.splitlines()
    assert "paper Muller2021Nitrate: volume: '12' -> (empty)" in lines
    assert (
        "paper Muller2021Nitrate: title: 'A LiNO3 additive that stabilises plated lithium in "
        "carbonate electrolytes' -> 'A new title'"
    ) in lines
    assert any(line.startswith("result ") and line.endswith(": note: 'from Fig. 2' -> (empty)") for line in lines)
    # The file states the CE as 99.2: its one decimal is recorded too (cedb.precision).
    assert any(line.endswith(": ce_decimals: (empty) -> 1") for line in lines)
    assert len(lines) == 4
    assert (
        "1 file(s) would load: papers: 0 added, 1 updated, 0 unchanged; strategies: 0 added, "
        "0 updated, 0 unchanged; results: 0 added, 1 updated, 0 unchanged"
    ) in dry.stderr
    done = _cli(url, "curate", "load", path)
    assert done.exit_code == 0, done.output
    with session_scope(engine) as session:
        reference = crud.get_reference(session=session, key="Muller2021Nitrate")
        measurement = session.exec(select(Measurement)).one()
        assert (reference.volume, reference.title, reference.journal) == (
            None,
            "A new title",
            "Journal of Synthetic Lithium Anodes",
        )
        assert (measurement.note, measurement.quote) == (None, "a CE of 99.2 %")


# --------------------------------------------------------------------------- conflicts


def test_every_route_refuses_the_same_conflict_with_the_same_message(engine, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine) as session:
        add_papers(session, "p1", "rev", year=2020)
        first = add_result(
            session, {"paper": "p1", "ce": 99.6, "current": 1, "capacity": 3, "cycles": 100, "source": "rev"}
        )
        second = add_result(session, {"paper": "p1", "ce": 99.7, "current": 1, "capacity": 3, "cycles": 200})
    expected = bulk.conflict_message(first.id, 99.6, "rev", 99.7, "p1")
    before = database_snapshot(url)
    messages = {}
    # `cedb result edit`: the edit would give `second` the conditions of `first`
    edited = _cli(url, "result", "edit", second.id, "--cycles", "100")
    messages["result edit"] = edited.stderr
    # `cedb result add` (and `ce --record`, `extract --record`: the same crud.add_result)
    added = _cli(
        url,
        "result",
        "add",
        "--paper",
        "p1",
        "--ce",
        "99.7",
        "--current",
        "1",
        "--capacity",
        "3",
        "--cycles",
        "100",
        "--no-input",
    )
    messages["result add"] = added.stderr
    # `cedb result import`
    csv = tmp_path / "rows.csv"
    csv.write_text("paper,ce,current,capacity,cycles\np1,99.7,1,3,100\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns: {paper: paper, ce: ce, current: current, capacity: capacity, cycles: cycles}\n", encoding="utf-8"
    )
    imported = _cli(url, "result", "import", csv, "--map", mapping)
    messages["result import"] = imported.stderr
    # `cedb curate load`
    path = tmp_path / "p1.yaml"
    path.write_text(
        "reference:\n  key: p1\nmeasurements:\n- ce_percent: 99.7\n"
        "  current_density_mA_cm2: 1\n  areal_capacity_mAh_cm2: 3\n  cycles: 100\n",
        encoding="utf-8",
    )
    loaded = _cli(url, "curate", "load", path)
    messages["curate load"] = loaded.stderr
    for route, text in messages.items():
        assert expected in text, (route, text)
    assert added.exit_code == imported.exit_code == loaded.exit_code == edited.exit_code == 1
    assert database_snapshot(url) == before
    # Resolved only by a choice: keep leaves it, replace writes the new value.
    assert _cli(url, "curate", "load", path, "--on-conflict", "keep").exit_code == 0
    assert database_snapshot(url) == before
    assert _cli(url, "result", "import", csv, "--map", mapping, "--on-conflict", "replace").exit_code == 0
    with session_scope(engine) as session:
        assert crud.get_measurement(session=session, id=first.id).ce_percent == 99.7


def test_strategy_label_reused_with_other_values_is_a_conflict(engine):
    with session_scope(engine) as session:
        add_papers(session, "p1", year=2020)
        add_result(
            session,
            {
                "paper": "p1",
                "ce": 99.1,
                "category": "electrolyte",
                "label": "LHCE",
                "electrolyte": "1.2 M LiFSI in DMC/BTFE",
            },
        )
        with pytest.raises(
            ConflictError,
            match="strategy 'LHCE' of p1 is recorded with electrolyte "
            "'1.2 M LiFSI in DMC/BTFE', not '4 M LiFSI in DME'",
        ):
            add_result(
                session,
                {
                    "paper": "p1",
                    "ce": 99.3,
                    "category": "electrolyte",
                    "label": "LHCE",
                    "electrolyte": "4 M LiFSI in DME",
                },
            )
        same = add_result(
            session, {"paper": "p1", "ce": 99.3, "current": 2, "category": "electrolyte", "label": "LHCE"}
        )
        assert same.strategy_id is not None


def test_likely_duplicate_across_labels(engine):
    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine) as session:
        add_papers(session, "p1", year=2020)
        first = add_result(
            session,
            {
                "paper": "p1",
                "ce": 99.5,
                "current": 0.5,
                "capacity": 1,
                "category": "electrolyte",
                "label": "1.2 M LiFSI/F5DEE",
            },
        )
    args = [
        "result",
        "add",
        "--paper",
        "p1",
        "--ce",
        "99.5",
        "--current",
        "0.5",
        "--capacity",
        "1",
        "--category",
        "electrolyte",
        "--label",
        "1.2 M LiFSI in F5DEE",
        "--no-input",
    ]
    refused = _cli(url, *args)
    assert refused.exit_code == 1
    assert (
        f"looks like result {first.id} (strategy '1.2 M LiFSI/F5DEE'): same paper, conditions and "
        "CE 99.5 % under another strategy label"
    ) in refused.stderr
    allowed = _cli(url, *args, "--allow-duplicate")
    assert allowed.exit_code == 0, allowed.output


# --------------------------------------------------------------------------- unknown allowed


def test_result_add_without_current_capacity_or_cycles_is_unknown(engine):
    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine) as session:
        add_papers(session, "p1", year=2020)
    added = _cli(url, "result", "add", "--paper", "p1", "--ce", "99.7", "--no-input")
    assert added.exit_code == 0, added.output
    shown = _cli(url, "result", "show", added.stdout.strip(), "--format", "json")
    import json

    record = json.loads(shown.stdout)
    assert record["areal_capacity_mAh_cm2"] is None and record["practical"] is None
    assert record["practical_reason"].startswith("unknown")


def test_empty_answers_at_the_prompt_mean_unknown(engine, monkeypatch):
    from cedb.cli import result as result_cli

    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine) as session:
        add_papers(session, "p1", year=2020)
    monkeypatch.setattr(result_cli, "_can_ask", lambda: True)
    added = _cli(url, "result", "add", "--paper", "p1", "--ce", "99.7", input="\n\n\n")
    assert added.exit_code == 0, added.output
    assert "Cycles (empty = unknown)" in added.stderr  # it asked, and an empty answer was taken
    with session_scope(engine) as session:
        m = session.exec(select(Measurement)).one()
        assert (m.current_density_mA_cm2, m.areal_capacity_mAh_cm2, m.cycles) == (None, None, None)


# --------------------------------------------------------------------------- safe removal, stable ids


def test_paper_rm_cascade_leaves_other_papers_results(engine):
    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine) as session:
        add_papers(session, "review", "a", "b", year=2020)
        own = add_result(session, {"paper": "review", "ce": 99.0})
        cited = [add_result(session, {"paper": key, "ce": 99.3, "source": "review"}).id for key in ("a", "b")]
    before = database_snapshot(url)
    blocked = _cli(url, "paper", "rm", "review", "--cascade", "--yes")
    assert blocked.exit_code == 1 and "2 result(s) of other papers were read from review" in blocked.stderr
    unconfirmed = _cli(url, "paper", "rm", "review", "--cascade", "--detach-sources")
    assert unconfirmed.exit_code == 1 and "give --yes" in unconfirmed.stderr
    assert f"1 result(s) of review: ids {own.id}" in unconfirmed.stderr  # the preview
    assert database_snapshot(url) == before
    done = _cli(url, "paper", "rm", "review", "--cascade", "--detach-sources", "--yes")
    assert done.exit_code == 0, done.output
    with session_scope(engine) as session:
        left = {m.id: m for m in session.exec(select(Measurement))}
    assert sorted(left) == sorted(cited)
    assert all(m.source_id is None and m.ce_percent == 99.3 for m in left.values())


def test_a_removed_id_is_never_handed_out_again(engine):
    with session_scope(engine) as session:
        add_papers(session, "p1", year=2020)
        ids = [add_result(session, {"paper": "p1", "ce": 99, "current": n + 1}).id for n in range(3)]
        crud.remove_result(session=session, id=ids[-1])
    with session_scope(engine) as session:
        again = add_result(session, {"paper": "p1", "ce": 99.9, "current": 9}).id
        rows = bulk.ResultWriter(session)
        rows.add(1, results.normalise({"paper": "p1", "ce": 98.1, "current": 7}))
        rows.add(2, results.normalise({"paper": "p1", "ce": 98.2, "current": 8}))
        rows.close()
    assert again > ids[-1]
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT min(id) FROM measurement WHERE ce_percent < 99")).scalar() > again


# --------------------------------------------------------------------------- merge and aliases


def test_merge_keeps_results_and_provenance_and_both_keys_resolve(engine, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine) as session:
        add_papers(session, "review", "review-ref109", year=2020)
        crud.add_reference(
            session=session,
            create=ReferenceCreate(
                key="doi:10.5555/primary.2023", doi="10.5555/primary.2023", title="A primary paper", year=2023
            ),
        )
        quoted = add_result(
            session,
            {
                "paper": "review-ref109",
                "ce": 99.6,
                "current": 1,
                "capacity": 3,
                "category": "electrolyte",
                "label": "LHCE",
                "host": "Cu",
                "source": "review",
                "location": "Table 2",
            },
        )
        other = add_result(session, {"paper": "review-ref109", "ce": 98.0, "source": "review"})
        primary = add_result(
            session,
            {
                "paper": "doi:10.5555/primary.2023",
                "ce": 99.7,
                "current": 1,
                "capacity": 3,
                "category": "electrolyte",
                "label": "LHCE",
                "location": "Abstract",
            },
        )
    merged = _cli(url, "paper", "merge", "review-ref109", "doi:10.5555/primary.2023")
    assert merged.exit_code == 0, merged.output
    assert "2 result(s) and 0 strategies moved" in merged.stderr
    with session_scope(engine) as session:
        target = crud.get_reference(session=session, key="doi:10.5555/primary.2023")
        assert crud.get_reference(session=session, key="review-ref109").id == target.id
        rows = {m.id: m for m in session.exec(select(Measurement))}
        assert sorted(rows) == sorted([quoted.id, other.id, primary.id])
        assert all(m.reference_id == target.id for m in rows.values())
        review = crud.get_reference(session=session, key="review")
        assert (rows[quoted.id].source_id, rows[quoted.id].location) == (review.id, "Table 2")
        assert rows[primary.id].source_id is None
        assert rows[quoted.id].strategy_id == rows[primary.id].strategy_id  # one LHCE, host kept
        groups = crud.conflicts(session=session, key="review-ref109")
        assert [[m.id for m in g] for g in groups] == [sorted([quoted.id, primary.id])]
    listed = _cli(url, "paper", "conflicts", "--format", "json")
    import json

    assert {(r["id"], r["ce_percent"], r["source"]) for r in json.loads(listed.stdout)} == {
        (quoted.id, 99.6, "review"),
        (primary.id, 99.7, "doi:10.5555/primary.2023"),
    }
    shown = json.loads(_cli(url, "result", "show", str(quoted.id), "--format", "json").stdout)
    assert shown["conflicts"] == f"id {primary.id}: 99.7 % read from doi:10.5555/primary.2023"
    # --paper filters and curation files written with the old key still find the paper.
    by_alias = json.loads(_cli(url, "query", "--paper", "review-ref109", "--format", "json").stdout)
    assert sorted(r["id"] for r in by_alias) == sorted(rows)
    path = tmp_path / "old.yaml"
    path.write_text(
        "reference:\n  key: review-ref109\nmeasurements:\n- ce_percent: 97\n  cycles: 5\n", encoding="utf-8"
    )
    loaded = _cli(url, "curate", "load", path)
    assert loaded.exit_code == 0, loaded.output
    with session_scope(engine) as session:
        new = session.exec(select(Measurement).where(Measurement.ce_percent == 97)).one()
        assert new.reference_id == target.id
        assert crud.get_reference(session=session, key="doi:10.5555/primary.2023").title == "A primary paper"


# --------------------------------------------------------------------------- citation keys


def test_a_lab_bibliography_with_doi_keys_imports_every_entry_pybtex_parses(engine, tmp_path):
    """A real researcher's .bib (keys as the ACM Digital Library, dblp and ACS export them):
    every entry pybtex parses is stored under its key as written, with its DOI, year and
    original text, or skipped as the same paper as another, and said so; none is rejected."""
    import re

    from pybtex.database import parse_string

    text = LAB.read_text(encoding="utf-8")
    parsed = parse_string(text, "bibtex").entries
    assert {
        "10.1145/3408971",
        "10.1017/S0956796806006034",
        "doi:10.1021/acs.jpclett.3c03129",
        "DBLP:conf/popl/DamasM82",
        "cite:linear-logic",
    } <= set(parsed)
    with session_scope(engine) as session:
        report = papers.add(session=session, sources=[LAB], on_duplicate=None)
        stored = {r.key: r for r in session.exec(select(Reference))}
        # The ICFP paper and its SIGPLAN Notices reprint share title and year (two DOIs): one
        # paper for cedb's duplicate rule, the second skipped and said so; nothing else is left out.
        reprint = "10.1145/1159803.1159811"
        assert set(stored) == set(parsed) - {reprint}
        line = text[: text.index("@inproceedings{" + reprint)].count(chr(10)) + 1
        assert report.rejected == []
        assert report.skipped == [f"{LAB}:{line} {reprint}: same title and year as 10.1145/1160074.1159811"]
        for key, entry in parsed.items():
            if key == reprint:
                continue
            fields = {name.lower(): str(value) for name, value in entry.fields.items()}
            row = stored[key]
            # Independently of cedb's DOI reader: the doi field without its resolver address.
            doi = re.sub(r"^https?://(dx\.)?doi\.org/", "", fields["doi"].strip()) if "doi" in fields else None
            assert (row.doi or None) == (doi.lower() if doi else None), key
            years = re.findall(r"\d{4}", fields.get("year", ""))
            assert row.year == (int(years[0]) if years else None), key
            assert f"{{{key}," in row.bibtex.replace(" ", ""), key  # the original entry, key as written
    # ACS's in-press export says year = {0}: kept without a year, and said so.
    assert stored["doi:10.1021/acs.jpclett.3c03129"].year is None
    assert report.warnings == [
        f"{LAB}:{text[: text.index('@article{doi:10.1021')].count(chr(10)) + 1} "
        "doi:10.1021/acs.jpclett.3c03129: year '0' is not a year: kept without a year"
    ]
    # Importing it again adds nothing: every entry is the same paper (its DOI).
    with session_scope(engine) as session:
        again = papers.add(session=session, sources=[LAB], on_duplicate=None)
    assert again.added == [] and len(again.skipped) == len(parsed)
    # The one safe form: file names never hold '/' or ':', and two keys never share one.
    with session_scope(engine) as session:
        written = curation.dump(session=session, directory=tmp_path / "dump")
    assert len({p.name for p in written}) == len(stored)
    assert all(p.parent == tmp_path / "dump" and ":" not in p.name for p in written)
    with session_scope(engine) as session:
        loaded = curation.load(session=session, paths=[tmp_path / "dump"])
    assert loaded.counts.counts["papers"]["unchanged"] == len(stored) and loaded.changes == []


def test_a_rejected_entry_is_one_sentence_with_file_line_and_key(engine, tmp_path):
    """Made-up entries (not data): a key longer than the database keeps is refused plainly."""
    long_key = "k" * 120
    bib = tmp_path / "made-up.bib"
    bib.write_text(
        f"@misc{{ok:1,\n  title = {{A}},\n}}\n\n@misc{{{long_key},\n  title = {{B}},\n}}\n", encoding="utf-8"
    )
    with session_scope(engine) as session:
        report = papers.add(session=session, sources=[bib], on_duplicate=None)
    assert report.added == ["ok:1"]
    assert report.rejected == [f"{bib}:5 {long_key}: key: String should have at most 100 characters"]


# --------------------------------------------------------------------------- load(dump(db))


TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12).map(str.strip)
ROW = st.fixed_dictionaries(
    {
        "paper": st.sampled_from(["p1", "p2"]),
        # As typed on the command line (text): the decimals it is stated with are recorded too.
        "ce": st.floats(90, 100, allow_nan=False).map(lambda x: f"{x:.2f}"),
        "current": st.one_of(st.none(), st.sampled_from([0.5, 1, 3])),
        "capacity": st.one_of(st.none(), st.sampled_from([1, 3, 4.5])),
        "cycles": st.one_of(st.none(), st.integers(1, 500)),
        "label": st.one_of(st.none(), st.sampled_from(["A", "B"])),
        "note": st.one_of(st.none(), TEXT),
        "source": st.one_of(st.none(), st.just("rev")),
    }
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, max_size=12))
def test_loading_a_dump_into_its_database_changes_nothing(engine, tmp_path_factory, rows):
    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine) as session:
        if crud.find_reference(session=session, key="p1") is None:
            add_papers(session, "p1", "p2", "rev", year=2020)
        writer = bulk.ResultWriter(session)
        for number, raw in enumerate(rows, 1):
            raw = {k: v for k, v in raw.items() if v is not None and v != ""}
            if "label" in raw:
                raw["category"] = "electrolyte"
            try:
                writer.add(number, results.normalise(raw))
            except InvalidValue:
                continue
        writer.close()
    folder = tmp_path_factory.mktemp("dump")
    with session_scope(engine) as session:
        curation.dump(session=session, directory=folder)
    before = database_snapshot(url)
    with session_scope(engine) as session:
        report = curation.load(session=session, paths=[folder])
    assert database_snapshot(url) == before
    assert report.changes == []
    assert all(c["added"] == c["updated"] == c["conflicting"] == 0 for c in report.counts.counts.values())
    shutil.rmtree(folder)


def test_one_row_form_is_the_batch_form():
    """crud.add_result is add_results of one row, crud.update_result update_results of one edit:
    there is no second writer to keep equal."""
    import inspect

    source = inspect.getsource(crud.add_result)
    assert "add_results(" in source and "Measurement.model_validate" not in source
    assert "ResultWriter(" in inspect.getsource(crud.add_results)
    assert "update_results(" in inspect.getsource(crud.update_result)
    assert ".edit(" in inspect.getsource(crud.update_results)
    # No ORM writes of results or strategies are left in crud (only removal and paper merge).
    assert not hasattr(crud, "upsert_strategy") and not hasattr(crud, "check_new_result")
    assert "setattr(measurement" not in Path(crud.__file__).read_text(encoding="utf-8")
    assert "ResultWriter(" in inspect.getsource(spreadsheet.import_rows)
    assert "ResultWriter(" in inspect.getsource(bulk.load_records)
    assert Path(bulk.__file__).read_text(encoding="utf-8").count("class ResultWriter") == 1


def test_on_a_terminal_a_changed_strategy_or_a_likely_duplicate_is_asked(engine, monkeypatch):
    from cedb.cli import result as result_cli
    from cedb.store.models import Strategy

    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine) as session:
        add_papers(session, "p1", year=2020)
        add_result(
            session,
            {
                "paper": "p1",
                "ce": 99.1,
                "current": 1,
                "capacity": 1,
                "cycles": 9,
                "category": "electrolyte",
                "label": "LHCE",
                "electrolyte": "1 M LiFSI in DME",
            },
        )
    monkeypatch.setattr(result_cli, "_can_ask", lambda: True)
    base = ["result", "add", "--paper", "p1", "--current", "1", "--capacity", "1", "--cycles", "9"]
    changed = base + [
        "--ce",
        "99.4",
        "--current",
        "2",
        "--category",
        "electrolyte",
        "--label",
        "LHCE",
        "--electrolyte",
        "4 M LiFSI in DME",
    ]
    declined = _cli(url, *changed, input="n\n")
    assert declined.exit_code == 1 and "is recorded with electrolyte '1 M LiFSI in DME'" in declined.stderr
    accepted = _cli(url, *changed, input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    twin = base + ["--ce", "99.1", "--category", "electrolyte", "--label", "LHCE 2"]
    assert _cli(url, *twin, input="n\n").exit_code == 1
    assert _cli(url, *twin, input="y\n").exit_code == 0
    with session_scope(engine) as session:
        labels = {s.label: s.electrolyte for s in session.exec(select(Strategy))}
        assert labels == {"LHCE": "4 M LiFSI in DME", "LHCE 2": None}
        assert len(session.exec(select(Measurement)).all()) == 3


def test_a_refused_likely_duplicate_leaves_no_new_strategy(engine):
    from cedb.store.bulk import LikelyDuplicate
    from cedb.store.models import Strategy

    with session_scope(engine) as session:
        add_papers(session, "p1", year=2020)
        add_result(session, {"paper": "p1", "ce": 99.5, "current": 1, "category": "electrolyte", "label": "A"})
        with pytest.raises(LikelyDuplicate):
            add_result(
                session,
                {"paper": "p1", "ce": 99.5, "current": 1, "category": "electrolyte", "label": "B"},
                allow_duplicate=False,
            )
        assert [s.label for s in session.exec(select(Strategy))] == ["A"]


def test_edits_in_one_batch_see_each_other_and_list_each_changed_field(engine):
    """ResultWriter.edit: a batch of edits, each validated and checked as `result add` checks a row."""
    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine) as session:
        add_papers(session, "p1", "p2", "rev", year=2020)
        a = add_result(session, {"paper": "p1", "ce": 99.1, "current": 1, "note": "Fig. 2"})
        b = add_result(session, {"paper": "p1", "ce": 99.2, "current": 2})
        writer = crud.update_results(
            session=session,
            edits=[
                (a.id, results.ResultInput(paper="p2", source="rev", measurement={"note": None})),
                # b now takes a's old conditions: allowed, a has moved to p2 in the edit before.
                (b.id, results.ResultInput(paper="", measurement={"current_density_mA_cm2": 1.0})),
                # a's new conditions with a's CE under p2 again: the duplicate message of `result add`.
                (b.id, results.ResultInput(paper="p2", measurement={"ce_percent": 99.1})),
            ],
        )
        assert [row for row, _ in writer.rejected] == [3]
        assert writer.rejected[0][1] == bulk.duplicate_message(a.id, 99.1)
        shown = {(c.name, c.field, c.old, c.new) for c in writer.counts.changes}
        assert shown == {
            (f"{a.id} (p2)", "paper", "p1", "p2"),
            (f"{a.id} (p2)", "source", None, "rev"),
            (f"{a.id} (p2)", "note", "Fig. 2", None),
            (f"{b.id} (p1)", "current_density_mA_cm2", 2.0, 1.0),
        }
    # The CLI shows the same per-field changes.
    done = _cli(url, "result", "edit", b.id, "--current", "3")
    assert done.exit_code == 0, done.output
    assert f"result {b.id} (p1): current_density_mA_cm2: 1 -> 3" in done.stderr
    with session_scope(engine) as session:
        assert crud.get_measurement(session=session, id=b.id).current_density_mA_cm2 == 3


def test_an_edit_to_another_label_joins_that_strategy_without_rewriting_it(engine):
    """`result edit ID --label L` puts a result under the paper's strategy L without rewriting L's
    fields, and refuses, with the conflict message of every route, to make two CEs one result."""
    from cedb.store.models import Strategy

    with session_scope(engine) as session:
        add_papers(session, "review", "ref9", "primary", year=2020)
        quoted = add_result(
            session,
            {
                "paper": "ref9",
                "ce": 99.6,
                "current": 1,
                "capacity": 3,
                "source": "review",
                "category": "electrolyte",
                "label": "LHCE (review's words)",
                "electrolyte": "LiFSI in DME",
            },
        )
        other = add_result(
            session,
            {
                "paper": "ref9",
                "ce": 99.0,
                "current": 2,
                "capacity": 3,
                "source": "review",
                "category": "electrolyte",
                "label": "LHCE (review's words)",
            },
        )
        stated = add_result(
            session,
            {
                "paper": "primary",
                "ce": 99.7,
                "current": 1,
                "capacity": 3,
                "category": "electrolyte",
                "label": "2-MeTHF LHCE",
                "electrolyte": "2-MeTHF",
            },
        )
        crud.merge_references(session=session, old="ref9", new="primary")
        assert crud.conflicts(session=session, key="primary") == []  # two labels: two strategies
        crud.update_result(
            session=session, id=other.id, changes=results.ResultInput(paper="", strategy={"label": "2-MeTHF LHCE"})
        )
        joined = session.get(Strategy, stated.strategy_id, populate_existing=True)
        assert (joined.label, joined.electrolyte) == ("2-MeTHF LHCE", "2-MeTHF")
        assert crud.get_measurement(session=session, id=other.id).strategy_id == joined.id
        with pytest.raises(ConflictError) as refused:
            crud.update_result(
                session=session, id=quoted.id, changes=results.ResultInput(paper="", strategy={"label": "2-MeTHF LHCE"})
            )
        assert str(refused.value) == bulk.conflict_message(stated.id, 99.7, "primary", 99.6, "review")
    # Once merged into one strategy (merge --strategy), the two stay listed as a conflict, and
    # the curator can still edit other fields of either.
    with session_scope(engine) as session:
        add_papers(session, "ref10", year=2020)
        quoted2 = add_result(
            session,
            {
                "paper": "ref10",
                "ce": 99.5,
                "current": 1,
                "capacity": 3,
                "source": "review",
                "category": "electrolyte",
                "label": "in the review's words",
            },
        )
        crud.merge_references(
            session=session, old="ref10", new="primary", strategies={"in the review's words": "2-MeTHF LHCE"}
        )
        assert {m.id for g in crud.conflicts(session=session, key="primary") for m in g} == {quoted2.id, stated.id}
        crud.update_result(
            session=session, id=quoted2.id, changes=results.ResultInput(paper="", measurement={"location": "Fig. 8b"})
        )
        assert crud.get_measurement(session=session, id=quoted2.id).location == "Fig. 8b"


def test_an_empty_cell_clears_a_replaced_field_only_with_clear_empty(engine, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine) as session:
        add_papers(session, "p1", year=2020)
        first = add_result(session, {"paper": "p1", "ce": 99.1, "current": 1, "note": "Fig. 2", "location": "Table 1"})
    csv = tmp_path / "rows.csv"
    csv.write_text("paper,ce,current,note,location\np1,99.3,1,,Table 1\n", encoding="utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(
        "columns: {paper: paper, ce_percent: ce, current_density_mA_cm2: current, note: note, location: location}\n",
        encoding="utf-8",
    )
    kept = _cli(url, "result", "import", csv, "--map", mapping, "--on-conflict", "replace")
    assert kept.exit_code == 0, kept.output
    with session_scope(engine) as session:
        m = crud.get_measurement(session=session, id=first.id)
        assert (m.ce_percent, m.note, m.location) == (99.3, "Fig. 2", "Table 1")  # empty = not given
    csv.write_text("paper,ce,current,note,location\np1,99.4,1,,Table 1\n", encoding="utf-8")
    cleared = _cli(url, "result", "import", csv, "--map", mapping, "--on-conflict", "replace", "--clear-empty")
    assert cleared.exit_code == 0, cleared.output
    with session_scope(engine) as session:
        m = crud.get_measurement(session=session, id=first.id)
        assert (m.ce_percent, m.note, m.location) == (99.4, None, "Table 1")


def test_a_cite_key_written_with_the_old_key_still_resolves(engine):
    """After `paper merge`, the BibTeX export names the old key in biblatex's `ids` field, and
    `paper export OLD` finds the paper."""
    from pybtex.database import parse_string

    url = engine.url.render_as_string(hide_password=False)
    with session_scope(engine) as session:
        add_papers(session, "review-ref9", "primary2023", year=2020)
    assert _cli(url, "paper", "merge", "review-ref9", "primary2023").exit_code == 0
    exported = _cli(url, "paper", "export", "review-ref9")
    assert exported.exit_code == 0, exported.output
    entries = parse_string(exported.stdout, "bibtex").entries
    assert list(entries) == ["primary2023"] and entries["primary2023"].fields["ids"] == "review-ref9"
