"""Publication figures from DataFrames: CE progress, CE vs conditions, cycle life, cycling curves.

Each function takes pandas DataFrames (query rows or per-cycle tables), never
touches the database, and returns a ``PlotResult`` with the matplotlib Figure and
the data it drew, so tests and notebooks can check the points against the input.
Figures are sized for a single journal column (3.5 in) and drawn on the Agg
canvas without pyplot, so no global state or display is involved; ``save``
writes PNG, SVG or PDF by suffix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cedb.errors import InvalidValue

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from cedb.cycling import FullCellStages, HalfCellStages
    from cedb.practical import Profile


def rows_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Query rows (``cedb.query.run``) as the DataFrame the figures take, with ``ref``
    numbered as `cedb export table` numbers the papers (``cedb.exports.reference_numbers``)."""
    import pandas as pd

    from cedb import exports
    from cedb.store import query

    frame = pd.DataFrame(rows, columns=list(query.ROW_KEYS))
    frame["ref"] = frame["paper"].map(exports.reference_numbers(rows))
    return frame


COLUMN_WIDTH_IN = 3.5
SAVE_SUFFIXES = (".png", ".svg", ".pdf")
CE_LABEL = "Coulombic efficiency (%)"
LCE_LABEL = "LCE, $-\\log_{10}(1-\\mathrm{CE})$"
CAPACITY_LABEL = "Areal capacity (mAh cm$^{-2}$)"
CURRENT_LABEL = "Current density (mA cm$^{-2}$)"
GUIDES_PERCENT = (99.0, 99.9)  # the review's milestones (section 2.5, Fig. 5)

# Strategy categories of the review (cedb.store.models.Category) -> marker, colour, legend title.
CATEGORY_STYLE: dict[Any, tuple[str, str, str]] = {
    "composite-anode": ("s", "#1f77b4", "Composite Li anode"),
    "electrolyte": ("o", "#ff7f0e", "Electrolyte engineering"),
    "interface": ("D", "#2ca02c", "Interface engineering"),
    "other": ("^", "#9467bd", "Other"),
    None: ("v", "#7f7f7f", "Not recorded"),
}
_NO_CATEGORY = "(none)"  # grouping key for a missing category: pandas cannot group on None
OUTLINED_CATEGORY = "interface"  # Fig. 5: black borders mark interface engineering
FULL_CELL_MARK = "#"  # Fig. 5: '#' marks CEs derived from full-cell data

_STYLE = {
    "font.size": 8,
    "axes.labelsize": 8,
    "axes.titlesize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 6,
    "legend.frameon": False,
    "lines.linewidth": 1.0,
    "lines.markersize": 4,
    "axes.linewidth": 0.6,
    "xtick.direction": "in",
    "ytick.direction": "in",
}
# Read when saving: keep text as text in SVG and as TrueType in PDF (editable, journal-safe).
_SAVE_STYLE: Any = {"svg.fonttype": "none", "pdf.fonttype": 42, "ps.fonttype": 42}

STAGE_COLOURS = {
    "formation": "#fdd49e",
    "stable": "#c7e9c0",
    "decay": "#fcbba1",
    "reservoir": "#c7e9c0",
    "depleted": "#fcbba1",
}


@dataclass(frozen=True)
class PlotResult:
    """A figure and the data drawn on it (points, curves, shaded spans)."""

    figure: "Figure"
    points: "pd.DataFrame | None" = None
    curves: "pd.DataFrame | None" = None
    spans: "pd.DataFrame | None" = None
    skipped: int = 0  # input rows left out (missing values, not practical)


# --- helpers --------------------------------------------------------------------------


def _new_figure(height_in: float = 2.6) -> "Figure":
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(COLUMN_WIDTH_IN, height_in), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _style():
    import matplotlib

    return matplotlib.rc_context(_STYLE)


def _require(df: "pd.DataFrame", columns: tuple[str, ...], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InvalidValue(f"the {what} plot needs columns {missing}; pass query rows that have them")


def _category_key(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _NO_CATEGORY
    return str(value)


def _category_style(key: str) -> tuple[str, str, str]:
    return CATEGORY_STYLE.get(None if key == _NO_CATEGORY else key, ("P", "#8c564b", key))


def _ce_to_lce(ce_percent):
    import numpy as np

    from cedb.ce import lce

    # Clip inside (0, 100 %): the LCE of 100 % is infinite and would break the axis transform.
    clipped = np.clip(np.asarray(ce_percent, dtype=float), 1e-9, 99.99999)
    return np.vectorize(lce, otypes=[float])(clipped)


def _lce_to_ce(lce_value):
    import numpy as np

    from cedb.ce import ce_percent_from_lce

    # Clip to LCE > 0 (CE > 0 %), where the one inverse is defined.
    clipped = np.clip(np.asarray(lce_value, dtype=float), 1e-12, None)
    return np.vectorize(ce_percent_from_lce, otypes=[float])(clipped)


def _add_lce_axis(ax) -> None:
    secondary = ax.secondary_yaxis("right", functions=(_ce_to_lce, _lce_to_ce))
    secondary.set_ylabel(LCE_LABEL)


def _draw_guides(ax, guides: tuple[float, ...]) -> None:
    for level in guides:
        ax.axhline(level, color="0.4", linestyle="--", linewidth=0.7, zorder=1)
        ax.annotate(
            f"{level:g} %",
            xy=(0.005, level),
            xycoords=("axes fraction", "data"),
            xytext=(1, 1),
            textcoords="offset points",
            fontsize=6,
            color="0.3",
            va="bottom",
        )


def _is_true(value: Any) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(value)


NO_RESULTS = "no results match; nothing to plot"


def _verdicts(data: "pd.DataFrame", profile: "Profile | None", strict: bool) -> list:
    """True / False / None per row: the query's ``practical`` column, else cedb.practical's verdict.

    The rule has one owner (cedb.practical): a figure never compares thresholds itself.
    """
    from cedb import practical

    if "practical" in data:
        return [None if v is None or (isinstance(v, float) and math.isnan(v)) else bool(v) for v in data["practical"]]
    profile = profile or practical.get_profile()
    fields = [t.field for t in profile.thresholds]
    missing = [f for f in fields if f not in data]
    if missing:  # a missing column is not a missing value: never guess "unknown"
        raise InvalidValue(
            f"the {profile.name} verdict needs columns {missing}, or pass query rows with their 'practical' column"
        )
    values = data.reindex(columns=fields)
    rows = values.astype(object).where(values.notna(), None).to_dict("records")
    return [practical.verdict(row, profile, strict=strict).practical for row in rows]


# Verdict styles: filled at practical conditions, hollow when not, faded when unknown.
VERDICT_STYLE = {
    True: ("practical", 1.0),
    False: ("not practical", 0.0),
    None: ("verdict unknown", 0.3),
}


def _label_texts(data: "pd.DataFrame", label_column: str) -> list[str]:
    if label_column in data:
        labels = data[label_column].map(
            lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else
            (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
        )  # fmt: skip
    else:
        labels = [""] * len(data)
    return [
        label + (FULL_CELL_MARK if _is_true(full) else "")
        for label, full in zip(
            labels, data["full_cell_derived"] if "full_cell_derived" in data else [False] * len(data)
        )
    ]


def _place_labels(ax, xs, ys, texts) -> list:
    """Numbered labels beside their points, moved apart so none overlaps (adjustText).

    adjustText leaves an occasional overlap of a point or two; a last pass moves such a
    label up or down by the overlap, and a thin leader line joins a moved label to its point.
    """
    from adjustText import adjust_text

    placed = [(x, y, text) for x, y, text in zip(xs, ys, texts) if text]
    if not placed:
        return []
    # Settle the constrained layout, then freeze it: labels are placed in its pixels, and a
    # later re-layout would move the axes under them.
    ax.figure.canvas.draw()
    ax.figure.set_layout_engine("none")
    artists = [ax.text(x, y, text, fontsize=5.5, zorder=5) for x, y, text in placed]
    adjust_text(artists, x=list(xs), y=list(ys), ax=ax, expand=(1.3, 1.6))
    _separate(ax, artists)
    for artist, (x, y, _) in zip(artists, placed):
        start, end = ax.transData.transform([(x, y), artist.get_position()])
        if math.dist(start, end) > 10:  # pixels: the label no longer touches its point
            ax.annotate(
                "",
                xy=(x, y),
                xytext=artist.get_position(),
                zorder=4,
                arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.4, "shrinkA": 0, "shrinkB": 2},
            )
    return artists


def _separate(ax, artists, attempts: int = 100) -> None:
    """Move overlapping labels apart vertically, in display space (deterministic)."""
    renderer = ax.figure.canvas.get_renderer()
    to_data = ax.transData.inverted()
    for _ in range(attempts):
        boxes = [artist.get_window_extent(renderer) for artist in artists]
        moved = False
        for i, first in enumerate(boxes):
            for j in range(i + 1, len(boxes)):
                second = boxes[j]
                if not first.overlaps(second):
                    continue
                if second.y0 >= first.y0:
                    shift = first.y1 - second.y0 + 1
                else:
                    shift = first.y0 - second.y1 - 1
                x, y = ax.transData.transform(artists[j].get_position())
                artists[j].set_position(to_data.transform((x, y + shift)))
                boxes[j] = artists[j].get_window_extent(renderer)
                moved = True
        if not moved:
            return


def _scatter_by_category(ax, points: "pd.DataFrame", x: str, y: str = "ce_percent", *, colours: "list | None" = None):
    """Draw points grouped by category and verdict; interface engineering gets a black border.

    ``points['verdict']`` (True/False/None) sets the fill: filled, hollow or faded. Returns the
    legend handles: one per category drawn and one per verdict style drawn.
    """
    from matplotlib.lines import Line2D

    handles = []
    verdicts = points["verdict"] if "verdict" in points else [True] * len(points)
    points = points.assign(_verdict=list(verdicts))
    if colours is not None:
        points = points.assign(_colour=list(colours))
    for key in sorted(points["category_key"].unique(), key=lambda k: (k == _NO_CATEGORY, k)):
        group = points[points["category_key"] == key]
        marker, colour, title = _category_style(key)
        outlined = key == OUTLINED_CATEGORY
        for verdict, (_, alpha) in VERDICT_STYLE.items():
            members = group[group["_verdict"].map(lambda v, verdict=verdict: v is verdict)]
            if members.empty:
                continue
            face = list(members["_colour"]) if colours is not None else [colour] * len(members)
            edges = ["black" if outlined else c for c in face]
            ax.scatter(
                members[x],
                members[y],
                marker=marker,
                s=22,
                facecolors=["none"] if alpha == 0 else face,
                edgecolors=edges,
                alpha=None if alpha in (0.0, 1.0) else alpha,
                linewidths=0.9 if outlined else 0.8,
                zorder=3,
            )
        shown = "0.6" if colours is not None else colour  # CE colours: the legend shows the shape
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker=marker,
                markerfacecolor=shown,
                markeredgecolor="black" if outlined else shown,
                markersize=4.5,
                label=title,
            )
        )
    drawn = {v for v in points["_verdict"]}
    if drawn != {True}:  # filled, hollow and faded markers each get a legend entry
        for verdict, (text, alpha) in VERDICT_STYLE.items():
            if verdict in drawn:
                handles.append(
                    Line2D(
                        [],
                        [],
                        linestyle="none",
                        marker="o",
                        markersize=4.5,
                        markerfacecolor="none" if alpha == 0 else "0.4",
                        alpha=alpha or None,
                        markeredgecolor="0.4",
                        label=text,
                    )
                )
    return handles


# --- Fig. 5: progress by year ---------------------------------------------------------


YEAR_SPREAD = 0.3  # points of one year stay within +/- this of it: never beside another year


def progress(
    df: "pd.DataFrame",
    *,
    label_column: str = "ref",
    practical_only: bool = True,
    lce_axis: bool = False,
    guides: tuple[float, ...] = GUIDES_PERCENT,
    profile: "Profile | None" = None,
    strict: bool = False,
) -> PlotResult:
    """CE of practical-condition results by publication year (review Fig. 5).

    Marker and colour by strategy category, interface engineering outlined in
    black, labels from ``label_column`` (the reference numbers) with '#' added
    for CEs derived from full cells, placed without overlaps, guide lines at 99.0
    and 99.9 %, and an optional LCE axis on the right. Points sharing a year are
    spread within +/- 0.3 of it (alternate years are banded), so no point sits
    nearer another year; ``points`` keeps both. The verdict is the query's
    ``practical`` column, else cedb.practical's under ``profile`` and ``strict``.
    """
    _require(df, ("year", "ce_percent", "category", "full_cell_derived"), "progress")
    if df.empty:
        raise InvalidValue(NO_RESULTS)
    data = df.copy()
    total = len(data)
    data["verdict"] = _verdicts(data, profile, strict)
    if practical_only:
        data = data[data["verdict"].map(lambda v: v is True)]
    data = data.dropna(subset=["year", "ce_percent"])
    if data.empty:
        raise InvalidValue(
            "no results with a year of publication to plot" + (" among the practical ones" if practical_only else "")
        )
    data = data.sort_values(["year", "ce_percent"], kind="stable")
    data["category_key"] = data["category"].map(_category_key)
    data["outlined"] = data["category_key"] == OUTLINED_CATEGORY
    data["full_cell_derived"] = data["full_cell_derived"].map(_is_true)
    offsets = []
    for _, group in data.groupby("year", sort=False):
        n = len(group)
        half = min(YEAR_SPREAD, 0.1 * (n - 1))  # two points sit close together, many fill the band
        offsets += [0.0] if n == 1 else [-half + 2 * half * i / (n - 1) for i in range(n)]
    data["x"] = data["year"].astype(float) + offsets
    data["text"] = _label_texts(data, label_column)
    with _style():
        figure = _new_figure(3.0)
        ax = figure.add_subplot()
        years = data["year"].astype(int)
        for year in range(int(years.min()), int(years.max()) + 1):
            if year % 2:  # alternate bands: each point visibly belongs to one year
                ax.axvspan(year - 0.5, year + 0.5, color="0.95", zorder=0, linewidth=0)
        handles = _scatter_by_category(ax, data, "x")
        _draw_guides(ax, guides)
        ax.set_xlim(years.min() - 0.5, years.max() + 0.5)
        ax.set_xticks(range(int(years.min()), int(years.max()) + 1))
        ax.set_xlabel("Year of publication")
        ax.set_ylabel(CE_LABEL)
        if data["full_cell_derived"].any():
            from matplotlib.lines import Line2D

            handles.append(Line2D([], [], linestyle="none", label="# full-cell derived"))
        # Above the axes: inside, the legend would hide points of a crowded year.
        figure.legend(handles=handles, loc="outside upper center", ncols=2)
        if lce_axis:
            _add_lce_axis(ax)
        _place_labels(ax, data["x"], data["ce_percent"], data["text"])
    columns = ["x", "year", "ce_percent", "category", "outlined", "full_cell_derived", "verdict", "text"]
    keep = [c for c in ("id", label_column) if c in data and c not in columns]
    points = data[keep + columns].rename(columns={"verdict": "practical"}).reset_index(drop=True)
    return PlotResult(figure, points=points, skipped=total - len(data))


# --- CE vs test conditions ------------------------------------------------------------


AXES = {
    "capacity": ("areal_capacity_mAh_cm2", CAPACITY_LABEL),
    "current": ("current_density_mA_cm2", CURRENT_LABEL),
}


def conditions(
    df: "pd.DataFrame",
    *,
    x: str = "capacity",
    profile: "Profile | None" = None,
    strict: bool = False,
    log: bool = False,
    label_column: str = "ref",
) -> PlotResult:
    """Results in the plane of test conditions (capacity and current), coloured by CE.

    ``x`` ("capacity" or "current") is the quantity on the x axis, the other is on y.
    The profile's thresholds on either axis are drawn, and the region meeting them is
    shaded. Each result is filled when practical, hollow when not and faded when the
    verdict is unknown, the verdict being the query's ``practical`` column (else
    cedb.practical's under ``profile`` and ``strict``): a threshold the axes do not show
    (N/P, E/C, cathode loading) still counts. Labels are the table's reference numbers,
    placed without overlaps; results at the same conditions are drawn side by side.
    """

    from cedb import practical

    if x not in AXES:
        raise InvalidValue(f"x must be 'capacity' or 'current', got {x!r}")
    profile = profile or practical.get_profile()
    (x_column, x_label), (y_column, y_label) = AXES[x], next(v for k, v in AXES.items() if k != x)
    _require(df, ("ce_percent", "category", x_column, y_column), "conditions")
    if df.empty:
        raise InvalidValue(NO_RESULTS)
    data = df.copy()
    data["verdict"] = _verdicts(data, profile, strict)
    data = data.dropna(subset=[x_column, y_column, "ce_percent"])
    if data.empty:
        raise InvalidValue("no results with both a current density and an areal capacity to plot")
    if log and ((data[x_column] <= 0).any() or (data[y_column] <= 0).any()):
        raise InvalidValue("a log axis needs positive values; leave out --log")
    data = data.sort_values([x_column, y_column, "ce_percent"], kind="stable")
    data["category_key"] = data["category"].map(_category_key)
    data["text"] = _label_texts(data, label_column)
    on_axes = [t for t in profile.thresholds if t.field in (x_column, y_column)]
    data["x_drawn"], data["y_drawn"] = _side_by_side(data, x_column, y_column, on_axes, strict, log)
    with _style():
        from matplotlib import colormaps
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        figure = _new_figure(3.4)
        ax = figure.add_subplot()
        low = min(float(data["ce_percent"].min()), 99.0)
        norm = Normalize(vmin=low, vmax=max(float(data["ce_percent"].max()), low + 0.1))
        cmap = colormaps["viridis"]
        colours = [cmap(norm(v)) for v in data["ce_percent"]]
        handles = _scatter_by_category(ax, data, "x_drawn", "y_drawn", colours=colours)
        if log:
            ax.set_xscale("log")
            ax.set_yscale("log")
        else:  # from zero: the conditions below the thresholds are part of the picture
            ax.set_xlim(0, ax.get_xlim()[1] * 1.05)
            ax.set_ylim(0, ax.get_ylim()[1] * 1.05)
        # Room for the thresholds: the region beyond them must be visible.
        for threshold, axis in ((t, "x" if t.field == x_column else "y") for t in on_axes):
            lo, hi = ax.get_xlim() if axis == "x" else ax.get_ylim()
            lo, hi = min(lo, threshold.value * 0.8), max(hi, threshold.value * 1.25)
            (ax.set_xlim if axis == "x" else ax.set_ylim)(lo, hi)
        x_lo, x_hi = ax.get_xlim()
        y_lo, y_hi = ax.get_ylim()
        box = {"x": [x_lo, x_hi], "y": [y_lo, y_hi]}
        for threshold in on_axes:
            axis = "x" if threshold.field == x_column else "y"
            above = threshold.passes(threshold.value * 2, strict)  # which side passes
            low, high = box[axis]
            box[axis] = [threshold.value, high] if above else [low, threshold.value]
            line = ax.axvline if axis == "x" else ax.axhline
            line(threshold.value, color="0.3", linestyle="--", linewidth=0.7, zorder=1)
            handles.append(
                Line2D([], [], color="0.3", linestyle="--", linewidth=0.7, label=_math_units(threshold.text(strict)))
            )
        if on_axes:
            ax.fill_between(box["x"], box["y"][0], box["y"][1], color="#e5f5e0", zorder=0, linewidth=0)
            others = [t.text(strict) for t in profile.thresholds if t not in on_axes]
            region = f"practical region ({profile.name})"
            if others:  # thresholds the axes cannot show: the verdict (fill) includes them
                import textwrap

                region += "\n" + textwrap.fill("if also " + ", ".join(others), 38)
            handles.append(Patch(facecolor="#e5f5e0", edgecolor="none", label=_math_units(region)))
        ax.set_xlim(x_lo, x_hi)
        ax.set_ylim(y_lo, y_hi)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        bar = figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, pad=0.02, fraction=0.05)
        bar.set_label(CE_LABEL)
        if "full_cell_derived" in data and data["full_cell_derived"].map(_is_true).any():
            handles.append(Line2D([], [], linestyle="none", label="# full-cell derived"))
        figure.legend(handles=handles, loc="outside upper center", ncols=2)
        _place_labels(ax, data["x_drawn"], data["y_drawn"], data["text"])
    keep = [c for c in ("id", label_column) if c in data]
    points = data[keep + [x_column, y_column, "x_drawn", "y_drawn", "ce_percent", "category", "verdict", "text"]]
    points = points.rename(columns={x_column: "x", y_column: "y", "verdict": "practical"})
    return PlotResult(figure, points=points.reset_index(drop=True), skipped=len(df) - len(data))


def _side_by_side(data, x_column: str, y_column: str, thresholds, strict: bool, log: bool):
    """Drawn positions: results at the same conditions sit in a small grid, never across a
    threshold.

    Along an axis where the point is on a threshold the grid runs only into the side of its
    verdict (inside under >=, outside under >); elsewhere it is centred on the point.
    """
    import numpy as np

    drawn = {
        x_column: data[x_column].to_numpy(dtype=float).copy(),
        y_column: data[y_column].to_numpy(dtype=float).copy(),
    }
    steps = {}
    for column, values in drawn.items():
        # About one marker width: 3 % of the axis (linear axes start at 0).
        if log:
            steps[column] = 0.03 * max(math.log10(values.max() / values.min()), 0.5)
        else:
            steps[column] = 0.03 * max(float(values.max()), 1.0)
    on = {column: {t.value: t for t in thresholds if t.field == column} for column in drawn}
    for (xv, yv), index in data.groupby([x_column, y_column], sort=False).indices.items():
        n = len(index)
        if n < 2:
            continue
        width = math.ceil(math.sqrt(n))
        cells = {x_column: np.arange(n) % width, y_column: np.arange(n) // width}
        for column, value in ((x_column, xv), (y_column, yv)):
            count = int(cells[column].max()) + 1
            if count == 1:
                continue
            threshold = on[column].get(value)
            if threshold is None:
                offsets = (cells[column] - (count - 1) / 2) * 1.1
            else:
                inside = threshold.passes(threshold.value * 2, strict)  # the passing side is above
                passes = threshold.passes(float(value), strict)
                offsets = (cells[column] + 0.6) * 1.1 * (1 if inside == passes else -1)
            step = steps[column]
            drawn[column][index] = value * 10 ** (offsets * step) if log else value + offsets * step
    return drawn[x_column], drawn[y_column]


def _math_units(text: str) -> str:
    """'mA cm⁻²' -> 'mA cm$^{-2}$' for matplotlib (a real minus, the font's own)."""
    return (
        text.replace("cm⁻²", "cm$^{-2}$").replace("Ah⁻¹", "Ah$^{-1}$").replace("≥", "$\\geq$").replace("≤", "$\\leq$")
    )


# --- Fig. 1b: cycle life vs CE --------------------------------------------------------


def life(
    ce_range: tuple[float, float] = (99.0, 99.99),
    *,
    excess_li_ratios: tuple[float, ...] = (0.0, 1.0, 3.0),
    retention: float = 0.8,
    n_points: int = 200,
) -> PlotResult:
    """Cycle life against average CE (review Fig. 1b), anode-free and with excess Li.

    Curves are ``cedb.ce.cycle_life``: n = R / (1 - CE) + ln(r) / ln(CE) with
    R = Q_Li / Q_cathode; R = 0 is the anode-free cell. CE values are spaced
    evenly in log(1 - CE) so the high-CE end is resolved; the y axis is log.
    The anode-free whole-cycle counts at the ends of the range are marked.
    """
    import numpy as np
    import pandas as pd

    from cedb import ce

    low, high = (float(v) for v in ce_range)
    if not 0 < low < high < 100:
        raise InvalidValue(f"ce_range must be two CEs in percent, 0 < low < high < 100; got {ce_range}")
    if n_points < 2:
        raise InvalidValue("n_points must be at least 2")
    ratios = tuple(float(r) for r in excess_li_ratios)
    if not ratios:
        raise InvalidValue("give at least one excess Li ratio (0 for anode-free)")
    ce_values = 100 - np.geomspace(100 - low, 100 - high, n_points)

    def cycles_exact(value: float, ratio: float) -> float:
        return ce.cycle_life(value, retention=retention, excess_li_ratio=ratio).cycles_exact

    curves = pd.DataFrame(
        [(ratio, value, cycles_exact(value, ratio)) for ratio in ratios for value in ce_values],
        columns=["excess_li_ratio", "ce_percent", "cycles_exact"],
    )
    marks = pd.DataFrame(
        [(v, ce.cycle_life(v, retention=retention).cycles) for v in (low, high)],
        columns=["ce_percent", "cycles"],
    )
    with _style():
        figure = _new_figure()
        ax = figure.add_subplot()
        for ratio, curve in curves.groupby("excess_li_ratio", sort=False):
            label = "Anode-free" if ratio == 0 else f"Excess Li, $R$ = {ratio:g}"
            ax.plot(curve["ce_percent"], curve["cycles_exact"], label=label)
        if 0.0 in ratios:
            ax.plot(marks["ce_percent"], marks["cycles"], "o", color="black", markersize=3, zorder=3)
            for value, cycles in zip(marks["ce_percent"], marks["cycles"]):
                ax.annotate(
                    f"{value:g} %: {cycles} cycles", (value, cycles), xytext=(-4, 5),
                    textcoords="offset points", ha="right" if value == high else "left", fontsize=6,
                )  # fmt: skip
        ax.set_yscale("log")
        ax.set_xlabel("Average coulombic efficiency (%)")
        ax.set_ylabel(f"Cycles to {100 * retention:g} % capacity")
        ax.legend(loc="upper left", title=r"$R = Q_\mathrm{Li}/Q_\mathrm{cathode}$", title_fontsize=6)
    return PlotResult(figure, points=marks, curves=curves)


# --- per-cycle curves with stages -----------------------------------------------------


def _spans_frame(stages) -> "pd.DataFrame":
    import pandas as pd

    rows = stages.spans() if stages is not None else []
    return pd.DataFrame(rows, columns=["stage", "first_cycle", "last_cycle"])


def _shade(ax, spans: "pd.DataFrame") -> None:
    for stage, first, last in spans.itertuples(index=False):
        # half a cycle either side so a one-cycle stage is still visible
        colour = STAGE_COLOURS.get(stage, "0.9")
        ax.axvspan(first - 0.5, last + 0.5, color=colour, zorder=0, label=stage)


CLIP_SPAN_PERCENT = 15.0  # CE axis half-height around the stable CE when far points are clipped


def _half_cell_points(ax, per_cycle: "pd.DataFrame", stages) -> "pd.DataFrame":
    """CE points, every one visible: those beyond the axis are drawn at its edge as triangles.

    The axis shows every CE unless some lie more than ``CLIP_SPAN_PERCENT`` points
    from the stable CE (a 0 % cycle, a 400 % one); then it spans the stable CE
    +/- that much and the others sit on the edge, marked and counted in the legend.
    Cycles left out of the stable mean (``stages.outlier_cycles``) are hollow.
    """
    points = per_cycle[["cycle", "ce_percent"]].dropna().reset_index(drop=True)
    values = points["ce_percent"].astype(float)
    stable = getattr(stages, "stable_ce_percent", None)
    outliers = set(getattr(stages, "outlier_cycles", None) or [])
    low, high = float(values.min()), float(values.max())
    if stable is not None:
        low = max(low, stable - CLIP_SPAN_PERCENT)
        high = min(high, stable + CLIP_SPAN_PERCENT)
        low, high = min(low, stable), max(high, stable)
    pad = max(0.5, 0.05 * (high - low))
    bottom, top = low - pad, high + pad
    points["clipped"] = (values < bottom) | (values > top)
    points["outlier"] = points["cycle"].isin(outliers)
    shown = points[~points["clipped"]]
    kept = shown[~shown["outlier"]]
    ax.plot(kept["cycle"], kept["ce_percent"], "o", markersize=2, color="#08519c", label="CE")
    left_out = shown[shown["outlier"]]
    if not left_out.empty:
        ax.plot(
            left_out["cycle"],
            left_out["ce_percent"],
            "o",
            markersize=3,
            mfc="none",
            color="#08519c",
            label="excluded from the stable mean",
        )
    for side, marker, edge in (("below", "v", bottom), ("above", "^", top)):
        beyond = points[(values < bottom) if side == "below" else (values > top)]
        if not beyond.empty:
            # on the axis edge, so no point is silently lost
            ax.plot(
                beyond["cycle"],
                [edge] * len(beyond),
                marker,
                markersize=4,
                clip_on=False,
                color="#a50f15",
                label=f"{len(beyond)} beyond the axis",
            )
    if stable is not None:
        label = f"stable {stable:.2f} % ({stages.stable_cycles} cycles"
        label += f", {len(outliers)} excluded)" if outliers else ")"
        ax.axhline(stable, color="black", linestyle="--", linewidth=0.7, label=label)
    ax.set_ylim(bottom, top)
    return points


def cycling(
    per_cycle: "pd.DataFrame",
    stages: "HalfCellStages | FullCellStages | None" = None,
) -> PlotResult:
    """CE (Li||Cu) or capacity and CE (full cell) against cycle, with detected stages shaded.

    A half-cell table (``plated_*`` columns) gives CE vs cycle with the
    formation, stable and decay stages and the stable CE (every point shown, those
    beyond the axis marked on its edge, see ``_half_cell_points``); a full-cell table
    (``discharge_*``) gives discharge capacity with CE on a second axis and the
    cycle where the Li reservoir ran out.
    """
    from cedb.cycling import capacity_unit_of

    _require(per_cycle, ("cycle", "ce_percent"), "cycling")
    if per_cycle.empty:
        raise InvalidValue("the per-cycle table is empty; nothing to plot")
    kind = capacity_unit_of(per_cycle)
    unit_label = "mAh" if kind == "mAh" else "mAh cm$^{-2}$"
    full = f"discharge_{kind}" in per_cycle and f"plated_{kind}" not in per_cycle
    spans = _spans_frame(stages)
    with _style():
        figure = _new_figure(3.0)
        ax = figure.add_subplot()
        _shade(ax, spans)
        if not full:
            points = _half_cell_points(ax, per_cycle, stages)
            ax.set_ylabel(CE_LABEL)
        else:
            column = f"discharge_{kind}"
            points = per_cycle[["cycle", column, "ce_percent"]].reset_index(drop=True)
            ax.plot(points["cycle"], points[column], "o", markersize=2, color="#08519c",
                    label="Discharge capacity")  # fmt: skip
            ax.set_ylabel(f"Discharge capacity ({unit_label})")
            exhausted = getattr(stages, "exhaustion_cycle", None)
            if exhausted is not None:
                ax.axvline(exhausted, color="black", linestyle="--", linewidth=0.7,
                           label=f"reservoir exhausted, cycle {exhausted}")  # fmt: skip
            right = ax.twinx()
            right.plot(points["cycle"], points["ce_percent"], "-", color="#a50f15", linewidth=0.7)
            right.set_ylabel(CE_LABEL, color="#a50f15")
            ce_values = points["ce_percent"].dropna()  # every CE within the axis
            if not ce_values.empty:
                right.set_ylim(float(ce_values.min()) - 0.5, float(ce_values.max()) + 0.5)
        ax.set_xlabel("Cycle number")
        figure.legend(loc="outside upper center", ncols=2 if not full else 3)
    return PlotResult(figure, points=points, spans=spans)


# --- saving ---------------------------------------------------------------------------


def save(figure: "Figure", path: str | Path, *, dpi: int = 300) -> Path:
    """Write the figure to PNG, SVG or PDF, chosen by the file suffix; returns the path."""
    import matplotlib

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SAVE_SUFFIXES:
        raise InvalidValue(
            f"cannot save a figure as {suffix or 'a file without a suffix'!r}; "
            f"end the name in {', '.join(SAVE_SUFFIXES)}"
        )
    from cedb import outputs

    with outputs.writing() as batch, matplotlib.rc_context(_SAVE_STYLE):
        figure.savefig(batch.path(path), format=suffix[1:], dpi=dpi, metadata=_metadata(suffix))
    return path


def _metadata(suffix: str) -> dict:
    # Without a fixed date, each PDF/SVG written differs; keep outputs reproducible.
    if suffix == ".pdf":
        return {"Creator": "cedb", "CreationDate": None}
    if suffix == ".svg":
        return {"Creator": "cedb", "Date": None}
    return {"Software": "cedb"}
