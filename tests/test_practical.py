"""The practical verdict (cedb.practical) at and around every threshold, and its SQL twin
(cedb.store.query.practical_expr).

The review (Section 2.5, Table 2 / Fig. 5) counts ≥ 1 mA cm⁻² and ≥ 3 mAh cm⁻² as practical;
--strict reads its words literally (>); missing values give "unknown", never "no".
"""

import itertools

import pytest
import sqlalchemy as sa
from sqlmodel import select

from cedb.errors import InvalidValue
from cedb.practical import PROFILES, get_profile, verdict
from cedb.store import query
from cedb.store.models import Measurement, MeasurementCreate, Reference, ReferenceCreate

EPS = 1e-9


def judge(profile="review", strict=False, **values):
    return verdict(values, get_profile(profile), strict=strict)


# --------------------------------------------------------------------------- review profile


@pytest.mark.parametrize(
    ("current", "capacity", "inclusive", "strict"),
    [
        (
            1.0,
            3.0,
            True,
            False,
        ),  # exactly at both thresholds: Table 2 includes it, the literal text does not
        (1.0, 4.0, True, False),
        (2.0, 3.0, True, False),
        (1.0 + EPS, 3.0 + EPS, True, True),
        (2.0, 4.0, True, True),
        (1.0 - EPS, 3.0, False, False),
        (1.0, 3.0 - EPS, False, False),
        (0.5, 5.0, False, False),
        (5.0, 2.0, False, False),
    ],
)
def test_review_profile_at_and_around_the_thresholds(current, capacity, inclusive, strict):
    values = {"current_density_mA_cm2": current, "areal_capacity_mAh_cm2": capacity}
    assert judge(**values).practical is inclusive
    assert judge(strict=True, **values).practical is strict


def test_reasons_say_why():
    yes = judge(current_density_mA_cm2=1, areal_capacity_mAh_cm2=3)
    assert yes.word == "yes"
    assert yes.reason == "current 1 ≥ 1 mA cm⁻²; capacity 3 ≥ 3 mAh cm⁻²"
    strict_no = judge(strict=True, current_density_mA_cm2=1, areal_capacity_mAh_cm2=3)
    assert strict_no.word == "no"
    assert strict_no.reasons == ("current 1 ≤ 1 mA cm⁻²", "capacity 3 ≤ 3 mAh cm⁻²")
    no = judge(current_density_mA_cm2=0.5, areal_capacity_mAh_cm2=4)
    assert no.reasons == ("current 0.5 < 1 mA cm⁻²",)


@pytest.mark.parametrize("strict", [False, True])
def test_missing_is_unknown_never_no(strict):
    assert judge(strict=strict).practical is None
    assert judge(strict=strict).reasons == ("current not stated", "capacity not stated")
    unknown = judge(strict=strict, current_density_mA_cm2=2)
    assert unknown.practical is None and unknown.word == "unknown"
    assert unknown.reasons == ("capacity not stated",)
    assert judge(strict=strict, areal_capacity_mAh_cm2=4).practical is None
    # A stated value that fails makes it "no" even when another is missing.
    failed = judge(strict=strict, current_density_mA_cm2=0.2)
    assert failed.practical is False
    assert failed.reasons == (f"current 0.2 {'≤' if strict else '<'} 1 mA cm⁻²",)


def test_verdict_reads_objects_as_well_as_mappings():
    row = Measurement(ce_percent=99.5, current_density_mA_cm2=1.0, areal_capacity_mAh_cm2=3.0)
    assert verdict(row).practical is True
    assert verdict(row, strict=True).practical is False


# --------------------------------------------------------------------------- other profiles


@pytest.mark.parametrize(
    ("capacity", "expected", "strict_expected"),
    [
        (5.0, True, False),
        (5.0 + EPS, True, True),
        (5.0 - EPS, False, False),
        (4.0, False, False),
        (None, None, None),
    ],
)
def test_recommended_profile_needs_5_mAh_cm2(capacity, expected, strict_expected):
    values = {"current_density_mA_cm2": 1.0 + EPS, "areal_capacity_mAh_cm2": capacity}
    assert judge("recommended", **values).practical is expected
    assert judge("recommended", strict=True, **values).practical is strict_expected


POUCH_OK = {
    "np_ratio": 1.8,
    "ec_ratio_g_Ah": 1.4,
    "cathode_loading_mAh_cm2": 5.2,
    "current_density_mA_cm2": 2.0,
}


@pytest.mark.parametrize(
    ("field", "value", "expected", "strict_expected"),
    [
        ("np_ratio", 2.0, False, False),  # N/P < 2 is strict in the review's own words
        ("np_ratio", 2.0 - EPS, True, True),
        ("np_ratio", 2.0 + EPS, False, False),
        ("ec_ratio_g_Ah", 1.5, False, False),
        ("ec_ratio_g_Ah", 1.5 - EPS, True, True),
        ("cathode_loading_mAh_cm2", 5.0, True, False),
        ("cathode_loading_mAh_cm2", 5.0 - EPS, False, False),
        ("current_density_mA_cm2", 1.0, True, False),
        ("current_density_mA_cm2", 0.9, False, False),
        ("np_ratio", None, None, None),
        ("ec_ratio_g_Ah", None, None, None),
    ],
)
def test_pouch_500_profile(field, value, expected, strict_expected):
    values = dict(POUCH_OK, **{field: value})
    assert judge("pouch-500", **values).practical is expected
    assert judge("pouch-500", strict=True, **values).practical is strict_expected


def test_pouch_500_reasons_name_each_requirement():
    result = judge(
        "pouch-500",
        np_ratio=2.5,
        ec_ratio_g_Ah=3,
        cathode_loading_mAh_cm2=2,
        current_density_mA_cm2=0.5,
    )
    assert result.reasons == (
        "N/P 2.5 ≥ 2",
        "E/C 3 ≥ 1.5 g Ah⁻¹",
        "cathode loading 2 < 5 mAh cm⁻²",
        "current 0.5 < 1 mA cm⁻²",
    )


def test_profile_overrides_and_unknown_profiles():
    profile = get_profile("review", capacity=4)
    assert verdict({"current_density_mA_cm2": 1, "areal_capacity_mAh_cm2": 3.5}, profile).practical is False
    assert verdict({"current_density_mA_cm2": 1, "areal_capacity_mAh_cm2": 4}, profile).practical is True
    assert get_profile("review", current=None) == PROFILES["review"]
    with pytest.raises(InvalidValue, match="unknown profile 'nope'"):
        get_profile("nope")
    with pytest.raises(InvalidValue, match="has no threshold 'capacity'"):
        get_profile("pouch-500", capacity=3)


# --------------------------------------------------------------------------- SQL agrees with Python, both backends


def _around(value):
    return [value - EPS, value, value + EPS]


GRID_REVIEW = list(
    itertools.product(
        [None, 0.5] + _around(1.0) + [4.0],
        [None, 2.0] + _around(3.0) + _around(5.0) + [6.0],
    )
)
GRID_POUCH = list(
    itertools.product(
        [None, 1.5] + _around(2.0),
        [None, 1.0] + _around(1.5),
        [None, 4.0] + _around(5.0),
        [None] + _around(1.0),
    )
)
CASES = [(name, strict) for name in PROFILES for strict in (False, True)] + [
    ("review-capacity-4", False),
    ("review-capacity-4", True),
]


def _profile(name):
    return get_profile("review", capacity=4.0) if name == "review-capacity-4" else get_profile(name)


@pytest.fixture
def grid(session):
    reference = Reference.model_validate(ReferenceCreate(key="grid2025"))
    session.add(reference)
    session.flush()
    rows = [{"current_density_mA_cm2": j, "areal_capacity_mAh_cm2": q} for j, q in GRID_REVIEW]
    rows += [
        {
            "np_ratio": n,
            "ec_ratio_g_Ah": e,
            "cathode_loading_mAh_cm2": c,
            "current_density_mA_cm2": j,
            "areal_capacity_mAh_cm2": 4.0,
        }
        for n, e, c, j in GRID_POUCH
    ]
    for values in rows:
        session.add(Measurement.model_validate(MeasurementCreate(reference_id=reference.id, ce_percent=99.5, **values)))
    session.flush()
    return session


def test_sql_practical_expression_agrees_with_python_on_the_grid(grid):
    measurements = {m.id: m for m in grid.exec(select(Measurement))}
    assert len(measurements) == len(GRID_REVIEW) + len(GRID_POUCH)
    connection = grid.connection()
    disagreements = []
    for name, strict in CASES:
        profile = _profile(name)
        expression = query.practical_expr(profile, strict)
        for row_id, value in connection.execute(sa.select(Measurement.id, expression)):
            sql = None if value is None else bool(value)
            python = verdict(measurements[row_id], profile, strict=strict).practical
            if sql is not python:
                disagreements.append((name, strict, row_id, sql, python))
    assert disagreements == []


def test_practical_filters_select_exactly_the_python_verdicts(grid):
    measurements = list(grid.exec(select(Measurement)))
    connection = grid.connection()
    for name, strict in CASES:
        profile = _profile(name)
        base = name.split("-capacity")[0]
        capacity = 4.0 if name == "review-capacity-4" else None
        expected = {
            word: {m.id for m in measurements if verdict(m, profile, strict=strict).practical is word}
            for word in (True, False, None)
        }
        got = {}
        for wanted in (True, False):
            filters = query.Filters(practical=wanted, profile=base, strict=strict, min_capacity=capacity)
            got[wanted] = {row["id"] for row in query.run(connection, filters)}
        everything = {
            row["id"]: row["practical"]
            for row in query.run(connection, query.Filters(profile=base, strict=strict, min_capacity=capacity))
        }
        assert got[True] == expected[True], (name, strict)
        assert got[False] == expected[False], (name, strict)
        # "unknown" is in neither selection, and the row key says None.
        assert {i for i, p in everything.items() if p is None} == expected[None]
        assert not (got[True] | got[False]) & expected[None]


# --------------------------------------------------------------------------- one comparison, every consumer


def test_threshold_passes_compares_numbers_and_columns_alike():
    from sqlalchemy.dialects import sqlite

    threshold = get_profile("review").thresholds[1]  # capacity >= 3
    assert threshold.passes(3.0) is True and threshold.passes(3.0, strict=True) is False
    assert threshold.passes(2.9) is False and threshold.passes(3.1, strict=True) is True
    expression = threshold.passes(Measurement.areal_capacity_mAh_cm2, strict=True)
    compiled = expression.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    assert str(compiled) == 'measurement."areal_capacity_mAh_cm2" > 3.0'
    assert threshold.text(strict=True) == "capacity > 3 mAh cm⁻²"


@pytest.mark.parametrize(("name", "strict"), CASES)
def test_every_figure_export_and_query_give_the_same_verdict(grid, name, strict):
    """Issue 18: query (SQL), cedb.practical (Python), exported tables and both figures agree."""
    from dataclasses import replace

    import pandas as pd

    from cedb import exports, plots

    grid.exec(sa.update(Reference).values(year=2024))  # the progress figure needs a year
    profile = _profile(name)
    filters = query.Filters(
        profile=name.split("-capacity")[0],
        strict=strict,
        min_capacity=4.0 if name == "review-capacity-4" else None,
    )
    rows = query.run(grid.connection(), filters)
    sql = {row["id"]: row["practical"] for row in rows}
    python = {m.id: verdict(m, profile, strict=strict).practical for m in grid.exec(select(Measurement))}
    assert sql == python
    for wanted in (True, False):  # `cedb export table --practical / --not-practical`
        table = exports.export_table(grid.connection(), replace(filters, practical=wanted), columns=("ce", "ref"))
        assert {row["id"] for _, row in table.rows()} == {i for i, v in sql.items() if v is wanted}
    frame = pd.DataFrame(rows)
    fields = [t.field for t in profile.thresholds if t.field not in frame]
    stated = pd.DataFrame([{"id": m.id, **{f: getattr(m, f) for f in fields}} for m in grid.exec(select(Measurement))])
    own = frame.drop(columns="practical").merge(stated[["id", *fields]], on="id")  # what verdict() reads
    if fields:
        with pytest.raises(InvalidValue, match="verdict needs columns"):
            plots.conditions(frame.drop(columns="practical"), profile=profile)
    expected_practical = {i for i, v in sql.items() if v is True}
    # Each figure, given the query's verdict or left to ask cedb.practical itself.
    for data in (frame, own):
        drawn = plots.conditions(data, profile=profile, strict=strict, label_column="none").points
        assert len(drawn) == frame[["current_density_mA_cm2", "areal_capacity_mAh_cm2"]].notna().all(axis=1).sum()
        assert all(v is sql[i] for i, v in zip(drawn["id"], drawn["practical"]))
        everything = plots.progress(
            data, practical_only=False, profile=profile, strict=strict, label_column="none"
        ).points
        assert all(v is sql[i] for i, v in zip(everything["id"], everything["practical"]))
        if expected_practical:
            shown = plots.progress(data, profile=profile, strict=strict, label_column="none").points
            assert set(shown["id"]) == expected_practical
        else:
            with pytest.raises(InvalidValue, match="among the practical ones"):
                plots.progress(data, profile=profile, strict=strict, label_column="none")
