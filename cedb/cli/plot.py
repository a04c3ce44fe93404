"""cedb plot: publication figures of the database (Fig. 5 style), cycle life and cycler files."""

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cedb.cli import ce as ce_options
from cedb.cli import common
from cedb.cli import filters as f

app = typer.Typer(
    help="Draw figures: CE progress, CE vs conditions, cycle life, cycling curves.",
    no_args_is_help=True,
)

Output = Annotated[
    Path,
    typer.Option("--output", "-o", metavar="FILE",
                 help="Figure file; the suffix chooses PNG, SVG or PDF.", show_default=False),
]  # fmt: skip


class Axis(str, Enum):
    capacity = "capacity"
    current = "current"


class Label(str, Enum):
    ref = "ref"
    paper = "paper"
    id = "id"


class CellKind(str, Enum):
    half = "half"
    full = "full"


class Plating(str, Enum):
    charge = "charge"
    discharge = "discharge"


def _rows(ctx: typer.Context, filters) -> "object":
    """Query rows as the DataFrame the figures take (``cedb.plots.rows_frame``)."""
    from cedb import plots
    from cedb.store import query

    with common.transaction(ctx, write=False) as session:
        rows = query.run(session.connection(), filters)
    return plots.rows_frame(rows)


def _save(result, output: Path) -> None:
    from cedb import plots

    path = plots.save(result.figure, output)
    shown = len(result.points) if result.points is not None else 0
    left_out = f"; {result.skipped} rows without a year, value or verdict left out"
    common.note(f"Wrote {path} ({shown} points{left_out if result.skipped else ''})")


@app.command("progress")
@f.with_filters(exclude=("practical", "sort", "limit"))
def progress_command(
    ctx: typer.Context,
    filters,
    output: Output,
    lce_axis: Annotated[bool, typer.Option("--lce", help="Add an LCE axis on the right.")] = False,
    all_conditions: Annotated[
        bool,
        typer.Option(
            "--all-conditions",
            help="Also draw results not at practical conditions (hollow) or with an unknown verdict (faded).",
        ),
    ] = False,
    label: Annotated[
        Label,
        typer.Option(
            "--label", help="Point labels: reference numbers as in `cedb export table`, citation keys or result ids."
        ),
    ] = Label.ref,
) -> None:
    """CE of practical-condition results by year (review Fig. 5), labelled by reference."""
    from cedb import plots

    filters.practical = None if all_conditions else True
    frame = _rows(ctx, filters)
    result = plots.progress(
        frame,
        label_column=label.value,
        practical_only=not all_conditions,
        lce_axis=lce_axis,
        profile=filters.resolved_profile(),
        strict=filters.strict,
    )
    _save(result, output)


@app.command("conditions")
@f.with_filters(exclude=("sort", "limit"))
def conditions_command(
    ctx: typer.Context,
    filters,
    output: Output,
    x: Annotated[Axis, typer.Option("--x", help="Quantity on the x axis; the other is on y.")] = Axis.capacity,
    log: Annotated[bool, typer.Option("--log", help="Logarithmic axes.")] = False,
    label: Annotated[
        Label,
        typer.Option(
            "--label", help="Point labels: reference numbers as in `cedb export table`, citation keys or result ids."
        ),
    ] = Label.ref,
) -> None:
    """CE results in the plane of current density and capacity, the practical region shaded."""
    from cedb import plots

    result = plots.conditions(
        _rows(ctx, filters),
        x=x.value,
        profile=filters.resolved_profile(),
        strict=filters.strict,
        log=log,
        label_column=label.value,
    )
    _save(result, output)


@app.command("life")
def life_command(
    output: Output,
    ce_min: Annotated[float, typer.Option("--ce-min", help="Lowest CE (%) on the x axis.")] = 99.0,
    ce_max: Annotated[float, typer.Option("--ce-max", help="Highest CE (%) on the x axis.")] = 99.99,
    excess_li: Annotated[
        Optional[list[float]],
        typer.Option(
            "--excess-li",
            help="Excess Li ratio R = Q_Li/Q_cathode per curve (repeatable; default 0, 1 and 3).",
            show_default=False,
        ),
    ] = None,
    retention: Annotated[
        float, typer.Option("--retention", help="Capacity retention that ends life (fraction).")
    ] = 0.8,
) -> None:
    """Cycle life against average CE (review Fig. 1b), anode-free and with excess Li."""
    from cedb import plots

    ratios = tuple(excess_li) if excess_li else (0.0, 1.0, 3.0)
    result = plots.life((ce_min, ce_max), excess_li_ratios=ratios, retention=retention)
    _save(result, output)


@app.command("cycling")
def cycling_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Cycler file: time series or per-cycle table.")],
    output: Output,
    cell: Annotated[CellKind, typer.Option("--cell", help="Li||Cu half cell or full cell.")] = (CellKind.half),
    plating: Annotated[
        Plating, typer.Option("--plating", help="Which half cycle plates Li on Cu (half cells).")
    ] = Plating.discharge,
    sheet: ce_options.Sheet = None,
    unit: ce_options.Unit = None,
    area: ce_options.Area = None,
    cycle_col: ce_options.CycleCol = None,
    charge_col: ce_options.ChargeCol = None,
    discharge_col: ce_options.DischargeCol = None,
    current_col: ce_options.CurrentCol = None,
) -> None:
    """CE (half cell) or capacity (full cell) against cycle, with the detected stages shaded."""
    from cedb import cycling, plots

    columns = ce_options.columns_of(cycle=cycle_col, charge=charge_col, discharge=discharge_col, current=current_col)
    read = cycling.read_cycle_file(
        file,
        cell=cell.value,
        plating=plating.value,
        capacity_unit=unit,
        sheet=sheet,
        electrode_area_cm2=area,
        columns=columns,
    )
    ce_options.report_read(read, file, common.Format.table)
    table = read.table
    stages = cycling.detect_stages(table, cell=cell.value)
    if stages is None:
        common.note(f"  {len(table)} cycles: too few to find stages; the points alone are drawn")
    result = plots.cycling(table, stages)
    _save(result, output)
    for stage, first, last in stages.spans() if stages is not None else []:
        common.note(f"  {stage}: cycles {first}-{last}")
    if isinstance(stages, cycling.HalfCellStages) and stages.outlier_cycles:
        cycles = ", ".join(map(str, stages.outlier_cycles))
        rule = stages.params["outlier_rule"]
        common.note(f"  left out of the stable CE: cycles {cycles} ({rule})")
    points = result.points if result.points is not None else {}
    clipped = int(points["clipped"].sum()) if "clipped" in points else 0
    if clipped:
        common.note(f"  {clipped} points lie beyond the CE axis: drawn as triangles on its edge")
