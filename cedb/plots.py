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

COLUMN_WIDTH_IN = 3.5
SAVE_SUFFIXES = (".png", ".svg", ".pdf")
CE_LABEL = "Coulombic efficiency (%)"
LCE_LABEL = "LCE, $-\\log_{10}(1-\\mathrm{CE})$"
CAPACITY_LABEL = "Areal capacity (mAh cm$^{-2}$)"
CURRENT_LABEL = "Current density (mA cm$^{-2}$)"
GUIDES_PERCENT = (99.0, 99.9)  # the review's milestones (section 2.5, Fig. 5)

# Strategy categories of the review (cedb.models.Category) -> marker, colour, legend title.
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
_SAVE_STYLE = {"svg.fonttype": "none", "pdf.fonttype": 42, "ps.fonttype": 42}

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
        raise InvalidValue(
            f"the {what} plot needs columns {missing}; pass query rows that have them"
        )


def _category_key(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _NO_CATEGORY
    return str(value)


def _category_style(key: str) -> tuple[str, str, str]:
    return CATEGORY_STYLE.get(None if key == _NO_CATEGORY else key, ("P", "#8c564b", key))


def _ce_to_lce(ce_percent):
    import numpy as np

    # Clip below 100 %: the LCE of 100 % is infinite and would break the axis transform.
    fraction = np.clip(np.asarray(ce_percent, dtype=float), 0, 99.99999) / 100
    return -np.log10(1 - fraction)


def _lce_to_ce(lce_value):
    import numpy as np

    return 100 * (1 - 10 ** (-np.asarray(lce_value, dtype=float)))


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


def _scatter_by_category(ax, points: "pd.DataFrame", x: str, *, hollow: "pd.Series | None" = None):
    """Draw points grouped by category; interface engineering gets a black border."""
    from matplotlib.lines import Line2D

    handles = []
    for key in sorted(points["category_key"].unique(), key=lambda k: (k == _NO_CATEGORY, k)):
        group = points[points["category_key"] == key]
        marker, colour, title = _category_style(key)
        outlined = key == OUTLINED_CATEGORY
        faces = [
            "none" if hollow is not None and hollow.loc[i] else colour for i in group.index
        ]
        ax.scatter(
            group[x],
            group["ce_percent"],
            marker=marker,
            s=22,
            facecolors=faces,
            edgecolors="black" if outlined else colour,
            linewidths=0.9 if outlined else 0.8,
            zorder=3,
        )
        handles.append(
            Line2D(
                [], [], linestyle="none", marker=marker, markerfacecolor=colour,
                markeredgecolor="black" if outlined else colour, markersize=4.5, label=title,
            )
        )  # fmt: skip
    return handles


# --- Fig. 5: progress by year ---------------------------------------------------------


def progress(
    df: "pd.DataFrame",
    *,
    label_column: str = "ref",
    practical_only: bool = True,
    lce_axis: bool = False,
    guides: tuple[float, ...] = GUIDES_PERCENT,
) -> PlotResult:
    """CE of practical-condition results by publication year (review Fig. 5).

    Marker and colour by strategy category, interface engineering outlined in
    black, labels from ``label_column`` (the reference numbers) with '#' added
    for CEs derived from full cells, guide lines at 99.0 and 99.9 %, and an
    optional LCE axis on the right. Points sharing a year are spread evenly
    across +/- 0.3 year so their labels stay readable; ``points`` keeps both.
    """
    import pandas as pd

    _require(df, ("year", "ce_percent", "category", "full_cell_derived"), "progress")
    data = df.copy()
    total = len(data)
    if practical_only and "practical" in data:
        data = data[data["practical"].map(_is_true)]
    data = data.dropna(subset=["year", "ce_percent"])
    if data.empty:
        raise InvalidValue(
            "no results with a year and a CE to plot"
            + (" among practical ones; pass practical_only=False" if practical_only else "")
        )
    data = data.sort_values(["year", "ce_percent"], kind="stable")
    data["category_key"] = data["category"].map(_category_key)
    data["outlined"] = data["category_key"] == OUTLINED_CATEGORY
    data["full_cell_derived"] = data["full_cell_derived"].map(_is_true)
    offsets = []
    for _, group in data.groupby("year", sort=False):
        n = len(group)
        offsets += [0.0] if n == 1 else [-0.3 + 0.6 * i / (n - 1) for i in range(n)]
    data["x"] = data["year"].astype(float) + offsets
    if label_column in data:
        labels = data[label_column].map(
            lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else
            (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
        )  # fmt: skip
    else:
        labels = pd.Series("", index=data.index)
    data["text"] = [
        label + (FULL_CELL_MARK if full else "")
        for label, full in zip(labels, data["full_cell_derived"])
    ]
    with _style():
        figure = _new_figure(3.0)
        ax = figure.add_subplot()
        handles = _scatter_by_category(ax, data, "x")
        for x, y, text in zip(data["x"], data["ce_percent"], data["text"]):
            if text:
                ax.annotate(text, (x, y), xytext=(2.5, 2), textcoords="offset points", fontsize=5.5)
        _draw_guides(ax, guides)
        years = data["year"].astype(int)
        ax.set_xlim(years.min() - 0.7, years.max() + 0.7)
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
    columns = ["x", "year", "ce_percent", "category", "outlined", "full_cell_derived", "text"]
    keep = [c for c in ("id", label_column) if c in data and c not in columns]
    points = data[keep + columns].reset_index(drop=True)
    return PlotResult(figure, points=points, skipped=total - len(data))


# --- CE vs test conditions ------------------------------------------------------------


def conditions(
    df: "pd.DataFrame",
    *,
    x: str = "capacity",
    thresholds: tuple[float, float] = (1.0, 3.0),
    log_x: bool = False,
    guides: tuple[float, ...] = GUIDES_PERCENT,
) -> PlotResult:
    """CE against areal capacity or current density, with the practical region shaded.

    ``x`` is "capacity" or "current"; ``thresholds`` are (current mA cm^-2,
    capacity mAh cm^-2), 1 and 3 in the review. Results meeting both (at least
    the threshold, as cedb.practical's default profile; the query's ``practical``
    column wins when present) are filled, others hollow; the region beyond the
    threshold of the plotted quantity is shaded and its threshold drawn.
    """
    import pandas as pd

    if x not in ("capacity", "current"):
        raise InvalidValue(f"x must be 'capacity' or 'current', got {x!r}")
    current_min, capacity_min = (float(t) for t in thresholds)
    if current_min <= 0 or capacity_min <= 0:
        raise InvalidValue("thresholds must be positive: (current mA cm-2, capacity mAh cm-2)")
    column = "areal_capacity_mAh_cm2" if x == "capacity" else "current_density_mA_cm2"
    threshold = capacity_min if x == "capacity" else current_min
    _require(df, ("ce_percent", "category", column), "conditions")
    data = df.dropna(subset=[column, "ce_percent"]).copy()
    if data.empty:
        raise InvalidValue(f"no results with both {column} and a CE to plot")
    if log_x and (data[column] <= 0).any():
        raise InvalidValue(f"a log x axis needs positive {column}; pass log_x=False")
    data["category_key"] = data["category"].map(_category_key)

    def verdict(row) -> bool:
        if "practical" in row and row["practical"] is not None and not pd.isna(row["practical"]):
            return bool(row["practical"])
        current = row.get("current_density_mA_cm2")
        capacity = row.get("areal_capacity_mAh_cm2")
        if current is None or capacity is None or pd.isna(current) or pd.isna(capacity):
            return False
        return current >= current_min and capacity >= capacity_min

    data["practical"] = data.apply(verdict, axis=1).astype(bool)
    with _style():
        figure = _new_figure(3.0)
        ax = figure.add_subplot()
        handles = _scatter_by_category(ax, data, column, hollow=~data["practical"])
        if log_x:
            ax.set_xscale("log")
        low, high = ax.get_xlim()
        high = max(high, threshold * 1.1)
        ax.axvspan(threshold, high, color="#e5f5e0", zorder=0, label="practical region")
        ax.axvline(threshold, color="0.3", linestyle=":", linewidth=0.8, zorder=1)
        ax.set_xlim(low, high)
        _draw_guides(ax, guides)
        ax.set_xlabel(CAPACITY_LABEL if x == "capacity" else CURRENT_LABEL)
        ax.set_ylabel(CE_LABEL)
        from matplotlib.patches import Patch

        unit = "mAh cm$^{-2}$" if x == "capacity" else "mA cm$^{-2}$"
        handles.append(
            Patch(facecolor="#e5f5e0", edgecolor="0.3", linewidth=0.5,
                  label=f"practical, $\\geq$ {threshold:g} {unit}")
        )  # fmt: skip
        figure.legend(handles=handles, loc="outside upper center", ncols=2)
    keep = [c for c in ("id", "ref") if c in data]
    points = data[keep + [column, "ce_percent", "category", "practical"]]
    points = points.rename(columns={column: "x"}).reset_index(drop=True)
    return PlotResult(figure, points=points, skipped=len(df) - len(data))


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
        raise InvalidValue(
            f"ce_range must be two CEs in percent, 0 < low < high < 100; got {ce_range}"
        )
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
            ax.plot(
                marks["ce_percent"], marks["cycles"], "o", color="black", markersize=3, zorder=3
            )
            for value, cycles in zip(marks["ce_percent"], marks["cycles"]):
                ax.annotate(
                    f"{value:g} %: {cycles} cycles", (value, cycles), xytext=(-4, 5),
                    textcoords="offset points", ha="right" if value == high else "left", fontsize=6,
                )  # fmt: skip
        ax.set_yscale("log")
        ax.set_xlabel("Average coulombic efficiency (%)")
        ax.set_ylabel(f"Cycles to {100 * retention:g} % capacity")
        ax.legend(
            loc="upper left", title=r"$R = Q_\mathrm{Li}/Q_\mathrm{cathode}$", title_fontsize=6
        )
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
        ax.plot(left_out["cycle"], left_out["ce_percent"], "o", markersize=3, mfc="none",
                color="#08519c", label="excluded from the stable mean")
    for side, marker, edge in (("below", "v", bottom), ("above", "^", top)):
        beyond = points[(values < bottom) if side == "below" else (values > top)]
        if not beyond.empty:
            # on the axis edge, so no point is silently lost
            ax.plot(beyond["cycle"], [edge] * len(beyond), marker, markersize=4, clip_on=False,
                    color="#a50f15", label=f"{len(beyond)} beyond the axis")
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
    if not path.parent.is_dir():
        raise InvalidValue(f"directory {str(path.parent)!r} does not exist; create it first")
    with matplotlib.rc_context(_SAVE_STYLE):
        figure.savefig(path, format=suffix[1:], dpi=dpi, metadata=_metadata(suffix))
    return path


def _metadata(suffix: str) -> dict:
    # Without a fixed date, each PDF/SVG written differs; keep outputs reproducible.
    if suffix == ".pdf":
        return {"Creator": "cedb", "CreationDate": None}
    if suffix == ".svg":
        return {"Creator": "cedb", "Date": None}
    return {"Software": "cedb"}
