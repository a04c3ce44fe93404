"""The bundled curation files load into an empty database as they are written (issue 14).

Counts, DOIs and a sample of values are read from the YAML files directly here and compared
with what `cedb curate load` stores, so a loader that drops, rounds or mixes up fields fails.
"""

import yaml
from sqlmodel import select

from cedb import curation
from cedb.resources import curation_dir
from cedb.store.models import Measurement, Reference

FIELDS = (
    "ce_percent",
    "current_density_mA_cm2",
    "areal_capacity_mAh_cm2",
    "cycles",
    "cell",
    "statistic",
    "location",
    "quote",
    "status",
)


def _files() -> list[dict]:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(curation_dir().glob("*.yaml"))]


def test_bundled_files_hold_the_primary_papers():
    files = _files()
    primary = [f for f in files if not f["reference"]["key"].startswith("sun2025review")]
    # What ships (README, DATA): the review and its 10 cited placeholders, plus the primary papers.
    assert len(files) - len(primary) == 11
    assert len(primary) >= 25
    for f in primary:
        note = f["reference"].get("note") or ""
        assert "http" in note, f"{f['reference']['key']}: the note names no page the metadata was read on"
        for m in f.get("measurements") or []:
            assert m["quote"] and m["location"] and m["status"] == "verified"
            # The CE is written in the quote the curator read it from.
            assert str(m["ce_percent"]).rstrip("0").rstrip(".") in m["quote"]


def test_load_into_an_empty_database_matches_the_files(session):
    files = _files()
    report = curation.load(session=session, paths=[curation_dir()])
    assert report is not None

    references = {r.key: r for r in session.exec(select(Reference)).all()}
    assert set(references) == {f["reference"]["key"] for f in files}
    for f in files:
        ref = f["reference"]
        assert references[ref["key"]].doi == (ref.get("doi") or None)
        assert references[ref["key"]].year == ref.get("year")

    expected = {
        (
            f["reference"]["key"],
            m["ce_percent"],
            m.get("current_density_mA_cm2"),
            m.get("areal_capacity_mAh_cm2"),
            m.get("cycles"),
        ): m
        for f in files
        for m in f.get("measurements") or []
    }
    key_of = {r.id: r.key for r in references.values()}
    stored = {
        (key_of[m.reference_id], m.ce_percent, m.current_density_mA_cm2, m.areal_capacity_mAh_cm2, m.cycles): m
        for m in session.exec(select(Measurement)).all()
    }
    assert stored.keys() == expected.keys()
    for identity, m in expected.items():
        row = stored[identity]
        for field in FIELDS:
            want = m.get(field)
            got = getattr(row, field)
            got = getattr(got, "value", got)  # enums store their word
            assert (got if got is not None else None) == want, (identity, field, got, want)


def test_a_sample_of_values_by_hand(session):
    """Values read off the curation files by a person, not by the code under test."""
    curation.load(session=session, paths=[curation_dir()])
    refs = {r.key: r for r in session.exec(select(Reference)).all()}
    assert refs["zhao2022mxene"].doi == "10.1002/advs.202103930"
    assert refs["wang2018lifsi"].doi == "10.1021/acs.jpcc.8b02314"
    assert refs["xu2021mthf"].doi is None  # no DOI on the pages read: left empty, not guessed
    # DOI printed on a second page (an abstract index) with the same title, authors and journal
    assert refs["zhao2021ncnt"].doi == "10.1016/j.cclet.2020.12.056"
    # journal and volume on a second stored version of the portal page; its DOI value is not shown
    assert (refs["yin2020cumof"].journal, refs["yin2020cumof"].doi) == ("iScience", None)
    rows = {
        (r.key, m.ce_percent): m
        for m in session.exec(select(Measurement)).all()
        for r in refs.values()
        if r.id == m.reference_id
    }
    xu = rows[("xu2021mthf", 99.5)]
    assert (xu.current_density_mA_cm2, xu.areal_capacity_mAh_cm2, xu.cycles) == (3.0, 3.0, None)
    mxene = rows[("zhao2022mxene", 98.4)]
    assert (mxene.current_density_mA_cm2, mxene.areal_capacity_mAh_cm2, mxene.cycles) == (0.5, 1.0, 400)
    dms = rows[("siloxane-dms3", 98.8)]
    assert (dms.current_density_mA_cm2, dms.cycles, getattr(dms.cell, "value", dms.cell)) == (1.0, 800, "li-cu")


# What the README's DATA section states, counted by hand from the files' text (`ls`, and
# `grep -c` of the "  ce_percent:" and non-null "  doi:" lines), not through cedb.
BUNDLED_PAPERS = 79
BUNDLED_RESULTS = 90
BUNDLED_DOIS = 42  # 41 primary papers and the review


def test_bundled_totals_match_the_readme(session):
    import re

    texts = [p.read_text(encoding="utf-8") for p in sorted(curation_dir().glob("*.yaml"))]
    results = sum(len(re.findall(r"(?m)^  ce_percent: \S", t)) for t in texts)
    dois = sum(len(re.findall(r"(?m)^  doi: (?!null)\S", t)) for t in texts)
    assert (len(texts), results, dois) == (BUNDLED_PAPERS, BUNDLED_RESULTS, BUNDLED_DOIS)
    curation.load(session=session, paths=[curation_dir()])
    references = session.exec(select(Reference)).all()
    assert len(references) == BUNDLED_PAPERS
    assert sum(1 for r in references if r.doi) == BUNDLED_DOIS
    assert len(session.exec(select(Measurement)).all()) == BUNDLED_RESULTS


def test_a_sample_of_the_electrolyte_papers_by_hand(session):
    """Values read off the pages by a person (issue 14, electrolytes), not by the code under test."""
    curation.load(session=session, paths=[curation_dir()])
    refs = {r.key: r for r in session.exec(select(Reference)).all()}
    assert refs["zhang2024lpifd"].doi == "10.1038/s41560-023-01443-0"
    assert refs["joule2019-liquefiedgas"].doi == "10.1016/j.joule.2019.06.008"
    assert refs["natcommun2022-nfnsc"].title is None  # not on the page read: left empty
    rows = {
        (r.key, m.ce_percent): m
        for m in session.exec(select(Measurement)).all()
        for r in refs.values()
        if r.id == m.reference_id
    }
    lpifd = rows[("zhang2024lpifd", 99.1)]
    # the 3.7 mA cm−2 of its sentence is a critical current density, not the CE's current
    assert lpifd.current_density_mA_cm2 is None
    gas = rows[("joule2019-liquefiedgas", 99.6)]
    assert (gas.cycles, getattr(gas.statistic, "value", gas.statistic)) == (500, "average")
    deep = [m for m in session.exec(select(Measurement)).all() if m.reference_id == refs["lino3-slowrelease-deep"].id]
    assert sorted(m.areal_capacity_mAh_cm2 for m in deep) == [10.0, 20.0]


def test_query_json_carries_each_results_quote_and_location(sqlite_cli):
    """`cedb query --format json` gives the provenance a reader needs to check a number."""
    files = _files()
    quoted = sorted(
        (f["reference"]["key"], m["quote"], m["location"])
        for f in files
        for m in f.get("measurements") or []
        if m.get("quote")
    )
    rows = sqlite_cli.json("query")
    assert sorted((r["paper"], r["quote"], r["location"]) for r in rows if r["quote"]) == quoted
    assert {"status", "source", "location", "quote"} <= set(rows[0])
