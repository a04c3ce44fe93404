"""Figures: the data drawn equals the input, the life curve equals the formula, saving works."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cedb import ce, cycling, plots
from cedb.errors import InvalidValue

FIXTURES = Path(__file__).parent / "fixtures" / "cycling"


def _rows() -> pd.DataFrame:
    """Query rows as cedb.query returns them, plus the reference number."""
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


def test_progress_spreads_points_of_one_year():
    points = plots.progress(_rows()).points.set_index("ref")
    # two points in 2020, sorted by CE: 99.3 left, 99.5 right; a lone year stays put
    assert points.loc[100, "x"] == pytest.approx(2019.7)
    assert points.loc[99, "x"] == pytest.approx(2020.3)
    assert points.loc[101, "x"] == 2021


def test_progress_black_border_only_on_interface():
    ax = plots.progress(_rows()).figure.axes[0]
    for collection in ax.collections:
        edge = collection.get_edgecolors()[0][:3]
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
    with pytest.raises(InvalidValue, match="pass practical_only=False"):
        plots.progress(rows)
    assert len(plots.progress(rows, practical_only=False).points) == 7


# --- conditions -----------------------------------------------------------------------


def test_conditions_by_capacity():
    rows = _rows()
    result = plots.conditions(rows, x="capacity")
    assert len(result.points) == len(rows)
    assert result.points["x"].tolist() == rows["areal_capacity_mAh_cm2"].tolist()
    drawn = _scatter_offsets(result.figure.axes[0])
    expected = zip(rows["areal_capacity_mAh_cm2"], rows["ce_percent"])
    assert sorted(map(tuple, drawn)) == sorted(expected)
    ax = result.figure.axes[0]
    assert ax.get_xlabel() == "Areal capacity (mAh cm$^{-2}$)"
    # the threshold is drawn at 3 and the shaded region starts there
    assert any(line.get_xdata()[0] == 3.0 for line in ax.get_lines())
    assert ax.patches[0].get_x() == 3.0


def test_conditions_by_current_computes_practical_when_missing():
    rows = _rows().drop(columns="practical")
    result = plots.conditions(rows, x="current", thresholds=(1.0, 4.0))
    practical = dict(zip(result.points["ref"], result.points["practical"]))
    # at least 1 mA cm-2 and 4 mAh cm-2: only refs 99 (2, 4), 101 (3, 6) and 104 (1, 5)
    assert [ref for ref, ok in practical.items() if ok] == [99, 101, 104]
    assert result.figure.axes[0].get_xlabel() == "Current density (mA cm$^{-2}$)"


def test_conditions_checks():
    with pytest.raises(InvalidValue, match="x must be 'capacity' or 'current'"):
        plots.conditions(_rows(), x="cycles")
    with pytest.raises(InvalidValue, match="thresholds must be positive"):
        plots.conditions(_rows(), thresholds=(0, 3))


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
        result.points["outlier"] & ~result.points["clipped"]).sum() == len(table)
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
    with pytest.raises(InvalidValue, match="does not exist; create it first"):
        plots.save(figure, tmp_path / "missing" / "life.png")
