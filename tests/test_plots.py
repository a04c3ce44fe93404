"""Figures: the data drawn equals the input, the life curve equals the formula, saving works."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cedb import ce, cycling, plots
from cedb.errors import FileError, InvalidValue

FIXTURES = Path(__file__).parent / "fixtures" / "cycling"


def _rows() -> pd.DataFrame:
    """Query rows as cedb.store.query returns them, plus the reference number."""
    specs = [
        # year, category, current, capacity, CE, full-cell derived, ref
        (2019, "electrolyte", 1.0, 3.0, 99.1, False, 98),
        (2020, "interface", 2.0, 4.0, 99.5, False, 99),
        (2020, "electrolyte", 1.0, 3.0, 99.3, True, 100),
        (2021, "composite-anode", 3.0, 6.0, 99.6, False, 101),
        (2023, "interface", 1.0, 3.0, 99.85, False, 102),
        (2023, "electrolyte", 0.5, 1.0, 98.5, False, 103),  # not practical
        (2024, None, 1.0, 5.0, 99.2, False, 104),  # category not recorded
        (None, "electrolyte", 1.0, 3.0, 99.0, False, 105),  # no year
    ]
    rows = []
    for i, (year, category, current, capacity, value, full, ref) in enumerate(specs, start=1):
        rows.append(
            {
                "id": i, "paper": f"paper{i}", "doi": None, "year": year, "category": category,
                "label": f"result {i}", "host": None, "electrolyte": "LiFSI-DME", "additive": None,
                "cell": "Li||Cu", "method": "conventional", "current_density_mA_cm2": current,
                "areal_capacity_mAh_cm2": capacity, "cycles": 100, "ce_percent": value,
                "statistic": "average", "full_cell_derived": full,
                "practical": current >= 1 and capacity >= 3, "lce": ce.lce(value), "ref": ref,
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def _scatter_offsets(ax) -> np.ndarray:
    """All (x, y) points drawn by scatter on an axes."""
    from matplotlib.collections import PathCollection

    arrays = [c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)]
    return np.concatenate(arrays) if arrays else np.empty((0, 2))


# --- progress (Fig. 5) ----------------------------------------------------------------


def test_progress_draws_every_practical_point_once():
    rows = _rows()
    result = plots.progress(rows)
    # practical with a year: refs 98-102 and 104; 103 is not practical, 105 has no year
    assert sorted(result.points["ref"]) == [98, 99, 100, 101, 102, 104]
    assert result.skipped == 2
    drawn = _scatter_offsets(result.figure.axes[0])
    assert len(drawn) == 6  # the uncategorised point is drawn too
    assert sorted(drawn[:, 1]) == sorted(result.points["ce_percent"])
    merged = result.points.merge(rows, on="ref", suffixes=("", "_in"))
    assert (merged["ce_percent"] == merged["ce_percent_in"]).all()
    assert (merged["year"] == merged["year_in"]).all()


def test_progress_labels_outlines_and_full_cell_mark():
    points = plots.progress(_rows()).points.set_index("ref")
    assert points.loc[100, "text"] == "100#"  # full-cell derived
    assert points.loc[98, "text"] == "98"
    assert points["outlined"].to_dict() == {
        98: False, 99: True, 100: False, 101: False, 102: True, 104: False
    }  # fmt: skip


def test_progress_keeps_points_within_their_year():
    points = plots.progress(_rows()).points.set_index("ref")
    # two points in 2020, sorted by CE: 99.3 left, 99.5 right; a lone year stays put
    assert points.loc[100, "x"] < 2020 < points.loc[99, "x"]
    assert points.loc[101, "x"] == 2021
    many = pd.concat([_rows()] * 6, ignore_index=True)  # 12 points in 2020
    drawn = plots.progress(many).points
    # every point nearer its own year than any other: never beside the neighbouring year
    assert ((drawn["x"] - drawn["year"]).abs() <= plots.YEAR_SPREAD).all()
    assert plots.YEAR_SPREAD < 0.5


def test_progress_black_border_only_on_interface():
    ax = plots.progress(_rows()).figure.axes[0]
    for collection in ax.collections:
        edges = collection.get_edgecolors()
        if len(edges) == 0:  # the year bands
            continue
        edge = edges[0][:3]
        face = collection.get_facecolors()[0][:3]
        is_black = tuple(edge) == (0.0, 0.0, 0.0)
        # the interface marker is the diamond, orange-faced electrolyte points have no border
        assert is_black == (tuple(np.round(face, 3)) == (0.173, 0.627, 0.173))


def test_progress_guides_and_lce_axis():
    figure = plots.progress(_rows(), lce_axis=True).figure
    ax = figure.axes[0]
    levels = sorted(line.get_ydata()[0] for line in ax.get_lines())
    assert levels == [99.0, 99.9]
    assert ax.get_ylabel() == "Coulombic efficiency (%)"
    (secondary,) = ax.child_axes  # secondary_yaxis lives inside the main axes
    assert "LCE" in secondary.get_ylabel()
    # the secondary scale is the LCE transform: 99.9 % sits at LCE 3
    assert plots._ce_to_lce(99.9) == pytest.approx(3.0)
    assert plots._lce_to_ce(2.0) == pytest.approx(99.0)


def test_progress_needs_data():
    with pytest.raises(InvalidValue, match="needs columns \\['year'\\]"):
        plots.progress(_rows().drop(columns="year"))
    rows = _rows()
    rows["practical"] = False
    with pytest.raises(InvalidValue, match="among the practical ones"):
        plots.progress(rows)
    assert len(plots.progress(rows, practical_only=False).points) == 7
    for plot in (plots.progress, plots.conditions):
        with pytest.raises(InvalidValue, match="^no results match; nothing to plot$"):
            plot(_rows().iloc[0:0])


def test_progress_all_conditions_shows_the_verdict_with_a_legend():
    rows = _rows()
    rows["practical"] = rows["practical"].astype(object)
    rows.loc[rows["ref"] == 104, "practical"] = None  # unknown
    result = plots.progress(rows, practical_only=False)
    legend = [t.get_text() for t in result.figure.legends[0].get_texts()]
    assert {"practical", "not practical", "verdict unknown"} <= set(legend)
    assert dict(zip(result.points["ref"], result.points["practical"]))[103] is False


def _labels(ax):
    return [t for t in ax.texts if t.get_text()[:1].isdigit() and "%" not in t.get_text()]


def test_labels_do_not_overlap():
    rows = pd.concat([_rows()] * 3, ignore_index=True)
    rows["ref"] = range(1, len(rows) + 1)
    for result in (plots.progress(rows), plots.conditions(rows)):
        ax = result.figure.axes[0]
        result.figure.canvas.draw()
        boxes = [t.get_window_extent() for t in _labels(ax)]
        assert len(boxes) == len(result.points)
        overlaps = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.overlaps(b)]
        assert overlaps == []


# --- conditions -----------------------------------------------------------------------


def test_conditions_plane_with_both_thresholds_and_region():
    from cedb.practical import get_profile

    rows = _rows()
    result = plots.conditions(rows, x="capacity", profile=get_profile("review"))
    assert len(result.points) == len(rows)
    assert sorted(result.points["x"]) == sorted(rows["areal_capacity_mAh_cm2"])
    ax = result.figure.axes[0]
    drawn = _scatter_offsets(ax)
    assert sorted(map(tuple, drawn)) == sorted(zip(result.points["x_drawn"], result.points["y_drawn"]))
    # Side by side, but never across a threshold: a point at 3 mAh cm-2 stays on the practical side.
    at_boundary = result.points[result.points["x"] == 3.0]
    assert (at_boundary["x_drawn"] >= 3.0).all()
    assert ((result.points["x_drawn"] - result.points["x"]).abs() < 0.4).all()  # about two markers
    assert ax.get_xlabel() == "Areal capacity (mAh cm$^{-2}$)"
    assert ax.get_ylabel() == "Current density (mA cm$^{-2}$)"
    vertical = [line.get_xdata()[0] for line in ax.get_lines() if line.get_xdata()[0] == line.get_xdata()[1]]
    horizontal = [line.get_ydata()[0] for line in ax.get_lines() if line.get_ydata()[0] == line.get_ydata()[1]]
    assert 3.0 in vertical and 1.0 in horizontal  # both thresholds
    (region,) = [c for c in ax.collections if type(c).__name__ in ("PolyCollection", "FillBetweenPolyCollection")]
    vertices = region.get_paths()[0].vertices
    assert vertices[:, 0].min() == pytest.approx(3.0) and vertices[:, 1].min() == pytest.approx(1.0)
    legend = [t.get_text() for t in result.figure.legends[0].get_texts()]
    assert "practical region (review)" in legend and "not practical" in legend
    assert "capacity $\\geq$ 3 mAh cm$^{-2}$" in legend and "current $\\geq$ 1 mA cm$^{-2}$" in legend
    swapped = plots.conditions(rows, x="current").figure.axes[0]
    assert swapped.get_xlabel() == "Current density (mA cm$^{-2}$)"


def test_conditions_takes_the_profile_verdict_when_the_query_gives_none():
    from cedb.practical import get_profile

    rows = _rows().drop(columns="practical")
    result = plots.conditions(rows, x="current", profile=get_profile("review", capacity=4))
    practical = dict(zip(result.points["ref"], result.points["practical"]))
    # at least 1 mA cm-2 and 4 mAh cm-2: only refs 99 (2, 4), 101 (3, 6) and 104 (1, 5)
    assert sorted(ref for ref, ok in practical.items() if ok) == [99, 101, 104]
    with pytest.raises(InvalidValue, match="verdict needs columns"):  # not stated is not missing
        plots.conditions(rows, profile=get_profile("pouch-500"))
    rows = rows.assign(np_ratio=None, ec_ratio_g_Ah=None, cathode_loading_mAh_cm2=None)
    pouch = plots.conditions(rows, profile=get_profile("pouch-500"))
    # N/P, E/C and cathode loading are not stated: unknown, or no where the current fails
    assert set(pouch.points["practical"]) == {None, False}
    legend = " ".join(t.get_text() for t in pouch.figure.legends[0].get_texts())
    assert "capacity" not in legend.split("practical region")[0]  # pouch-500 has no capacity threshold
    assert "N/P < 2" in legend and "verdict unknown" in legend


def test_conditions_checks():
    with pytest.raises(InvalidValue, match="x must be 'capacity' or 'current'"):
        plots.conditions(_rows(), x="cycles")
    with pytest.raises(InvalidValue, match="needs columns"):
        plots.conditions(_rows().drop(columns="current_density_mA_cm2"))


# --- life (Fig. 1b) -------------------------------------------------------------------


def test_life_curve_equals_the_formula():
    result = plots.life((99.0, 99.99), excess_li_ratios=(0.0, 2.0), n_points=50)
    curves = result.curves
    assert len(curves) == 100
    for row in curves.itertuples():
        fraction = row.ce_percent / 100
        expected = row.excess_li_ratio / (1 - fraction) + math.log(0.8) / math.log(fraction)
        assert row.cycles_exact == pytest.approx(expected)
    # the drawn lines carry the same numbers
    ax = result.figure.axes[0]
    first = ax.get_lines()[0]
    anode_free = curves[curves["excess_li_ratio"] == 0]
    assert np.allclose(first.get_xdata(), anode_free["ce_percent"])
    assert np.allclose(first.get_ydata(), anode_free["cycles_exact"])
    assert ax.get_yscale() == "log"


def test_life_marks_the_review_numbers():
    marks = plots.life().points
    assert marks["cycles"].tolist() == [22, 2231]
    assert marks["ce_percent"].tolist() == [99.0, 99.99]


def test_life_checks():
    with pytest.raises(InvalidValue, match="ce_range must be two CEs"):
        plots.life((99.9, 99.0))
    with pytest.raises(InvalidValue, match="excess Li ratio"):
        plots.life(excess_li_ratios=(-1,))


# --- cycling --------------------------------------------------------------------------


def test_cycling_half_cell_with_stages():
    table = cycling.read_cycles(FIXTURES / "li_cu.csv")
    stages = cycling.detect_half_cell_stages(table)
    result = plots.cycling(table, stages)
    assert result.points["ce_percent"].tolist() == table["ce_percent"].tolist()
    assert result.spans["stage"].tolist() == ["formation", "stable", "decay"]
    assert result.spans.iloc[1]["first_cycle"] == stages.stable_start_cycle
    ax = result.figure.axes[0]
    # every CE on the axis is drawn where it is; the rest sit on the axis edge, marked
    on_axis = result.points[~result.points["clipped"] & ~result.points["outlier"]]
    assert np.allclose(ax.get_lines()[0].get_ydata(), on_axis["ce_percent"])
    assert len(ax.get_lines()[0].get_ydata()) + result.points["clipped"].sum() + (
        result.points["outlier"] & ~result.points["clipped"]
    ).sum() == len(table)
    assert len(ax.patches) == 3  # three shaded stages


def test_cycling_full_cell_marks_exhaustion():
    table = cycling.read_cycles(FIXTURES / "full_cell.csv", cell="full")
    stages = cycling.detect_reservoir_exhaustion(table)
    result = plots.cycling(table, stages)
    assert result.spans["stage"].tolist() == ["reservoir", "depleted"]
    ax = result.figure.axes[0]
    assert ax.get_ylabel() == "Discharge capacity (mAh)"
    verticals = [line for line in ax.get_lines() if len(set(line.get_xdata())) == 1]
    assert verticals[0].get_xdata()[0] == stages.exhaustion_cycle
    assert len(result.figure.axes) == 2  # CE on the right


def test_cycling_without_stages():
    table = cycling.read_cycles(FIXTURES / "li_cu.csv")
    result = plots.cycling(table)
    assert result.spans.empty
    assert not result.figure.axes[0].patches


# --- save -----------------------------------------------------------------------------

MAGIC = {".png": b"\x89PNG", ".pdf": b"%PDF", ".svg": b"<?xml"}


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_save_by_suffix(tmp_path, suffix):
    figure = plots.life(n_points=10).figure
    path = plots.save(figure, tmp_path / f"life{suffix}")
    assert path.read_bytes().startswith(MAGIC[suffix])


def test_save_is_single_column_width(tmp_path):
    from PIL import Image

    figure = plots.life(n_points=10).figure
    assert figure.get_size_inches()[0] == pytest.approx(3.5)
    path = plots.save(figure, tmp_path / "life.png", dpi=100)
    assert Image.open(path).size[0] == 350


def test_save_rejects_unknown_suffix_and_missing_directory(tmp_path):
    figure = plots.life(n_points=10).figure
    with pytest.raises(InvalidValue, match=r"cannot save a figure as '.jpg'; end the name in .png"):
        plots.save(figure, tmp_path / "life.jpg")
    with pytest.raises(FileError, match="does not exist; create it first"):
        plots.save(figure, tmp_path / "missing" / "life.png")


def test_rows_frame_numbers_papers_as_the_export_table(session):
    from cedb import exports
    from cedb.store import query
    from tests.builders import add_papers, add_result

    add_papers(session, "b2021", "a2020", year=2020)
    for paper, ce_value, capacity in (("b2021", 99.1, 3), ("a2020", 99.5, 3), ("b2021", 99.8, 4)):
        add_result(session, {"paper": paper, "ce": ce_value, "current": 1, "capacity": capacity})
    rows = query.run(session.connection(), query.Filters())
    frame = plots.rows_frame(rows)
    assert list(frame.columns) == [*query.ROW_KEYS, "ref"]
    assert len(frame) == 3 and frame["ce_percent"].tolist() == [r["ce_percent"] for r in rows]
    numbers = dict(zip(frame["paper"], frame["ref"]))
    assert numbers == exports.reference_numbers(rows) and sorted(numbers.values()) == [1, 2]
