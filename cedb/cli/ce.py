"""cedb ce and cedb life: CE by the review's methods (Table 1) and the cycle life it implies."""

from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from cedb.cli import common
from cedb.cli.record import recordable

app = typer.Typer(
    help="Compute the average CE by the methods of the review's Table 1 (eqns 1-6).",
    no_args_is_help=True,
)


class Plating(str, Enum):
    charge = "charge"
    discharge = "discharge"


def _opt(*names: str, help: str, **kwargs):
    return typer.Option(*names, help=help, show_default=kwargs.pop("show_default", False), **kwargs)


def _q(name: str, help: str):
    """A capacity option: text, so that a unit may follow the number."""
    return _opt(name, metavar="Q", help=help)


_CAPACITY_HELP = "bare number, or with a unit ('5 mAh', '3 mAh/cm2'); all in one unit"
Qt = Annotated[str, _q("--qt", f"Q_T, the Li reservoir deposited on Cu: {_CAPACITY_HELP}.")]
Qc = Annotated[str, _q("--qc", "Q_C, the capacity plated and stripped each cycle.")]
Qs = Annotated[str, _q("--qs", "Q_S, what the final strip to the cut-off recovers.")]
N = Annotated[int, _opt("-n", "--cycles", metavar="N", help="n, the number of Q_C cycles.")]
Retention = Annotated[
    float, _opt("--retention", help="Capacity retention that ends the test, as a fraction.",
                show_default=True)
]  # fmt: skip
Sheet = Annotated[Optional[str], _opt("--sheet", help="XLSX sheet name (default: the first).")]
Unit = Annotated[
    Optional[str],
    _opt("--unit", help="Capacity unit of columns whose header names none (e.g. mAh)."),
]
Area = Annotated[Optional[float], _opt("--area", help="Electrode area (cm2): converts areal capacities to mAh.")]
_COLUMN_HELP = "where detection is ambiguous (the header as written in the file)."
CycleCol = Annotated[Optional[str], _opt("--cycle-col", metavar="COLUMN", help=f"The cycle column, {_COLUMN_HELP}")]
ChargeCol = Annotated[
    Optional[str], _opt("--charge-col", metavar="COLUMN", help=f"The charge capacity column, {_COLUMN_HELP}")
]
DischargeCol = Annotated[
    Optional[str], _opt("--discharge-col", metavar="COLUMN", help=f"The discharge capacity column, {_COLUMN_HELP}")
]
CurrentCol = Annotated[
    Optional[str], _opt("--current-col", metavar="COLUMN", help=f"The current column, {_COLUMN_HELP}")
]


# --------------------------------------------------------------------------- helpers


def render(record: dict[str, Any], fmt: common.Format) -> None:
    """JSON keeps ``inputs`` nested; a table shows one ``inputs.<name>`` row per input."""
    if fmt in (common.Format.json, common.Format.jsonl):
        common.emit_record(record, fmt)
        return
    flat = {k: v for k, v in record.items() if not isinstance(v, dict)}
    for key, value in record.items():
        if isinstance(value, dict):
            for name, inner in value.items():
                shown = inner
                if isinstance(inner, list):  # per-cycle capacities: short lists in full
                    shown = ", ".join(_short(v) for v in inner) if len(inner) <= 8 else (f"{len(inner)} values")
                flat[f"{key}.{name}"] = shown
    common.emit_record(flat, fmt)


def _short(value: Any) -> str:
    if isinstance(value, dict):  # a dropped half cycle
        return f"{value['position']} {value['direction']} {value['charge_mAh']:.4g} mAh"
    return f"{value:g}"


def report_read(read, path: Path, fmt: common.Format) -> None:
    """Tell a person on stderr what reading a cycler file (a ``cedb.cycling.CycleFile``) left out."""
    if fmt in (common.Format.json, common.Format.jsonl):
        return
    for half in read.dropped:
        common.note(
            f"Dropped the {half['position']} {half['direction']} half cycle "
            f"({half['charge_mAh']:.4g} mAh, points {half['points'][0]}-{half['points'][1]}): "
            + ("the file begins inside it" if half["position"] == "incomplete" else "no partner to pair it with")
        )
    if read.layout == "time series":
        common.note(f"Read {path.name} ({read.reader}): {read.half_cycles} half cycles, {len(read.table)} cycles used")


def columns_of(**names: Optional[str]) -> dict[str, str]:
    """The --cycle-col/--charge-col/--discharge-col/--current-col options given, by role."""
    return {role: name for role, name in names.items() if name is not None}


# --------------------------------------------------------------------------- half cells


@app.command("conventional")
@recordable("conventional", default_cell="li-cu")
def conventional_command(
    file: Annotated[
        Optional[Path],
        typer.Argument(
            help="Cycler file: time series or per-cycle table (see README: formats).",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    plated: Annotated[Optional[list[str]], _q("--plated", "Q_plating of a cycle (repeat per cycle).")] = None,
    stripped: Annotated[Optional[list[str]], _q("--stripped", "Q_stripping of a cycle (repeat per cycle).")] = None,
    plating: Annotated[
        Plating, _opt("--plating", help="Which half cycle plates Li on Cu in the file.", show_default=True)
    ] = Plating.discharge,
    skip: Annotated[int, _opt("--skip", help="Leave out the first K formation cycles.", show_default=True)] = 0,
    sheet: Sheet = None,
    unit: Unit = None,
    area: Area = None,
    cycle_col: CycleCol = None,
    charge_col: ChargeCol = None,
    discharge_col: DischargeCol = None,
    current_col: CurrentCol = None,
    fmt: common.FormatOption = common.Format.table,
) -> Any:  # the result @recordable renders
    """Conventional CE, mean of Q_stripping / Q_plating (eqns 1-2), from values or a file."""
    from cedb import ce, cycling
    from cedb.errors import InvalidValue

    if file is not None:
        if plated or stripped:
            raise InvalidValue("give either a FILE or --plated/--stripped values, not both")
        return cycling.conventional_ce(
            file,
            plating=plating.value,
            skip_cycles=skip,
            capacity_unit=unit,
            sheet=sheet,
            electrode_area_cm2=area,
            columns=columns_of(cycle=cycle_col, charge=charge_col, discharge=discharge_col, current=current_col),
            on_read=lambda read: report_read(read, file, fmt),
        )
    if not plated or not stripped:
        raise InvalidValue("give a FILE, or --plated and --stripped (once per cycle)")
    if len(plated) != len(stripped):
        raise InvalidValue(f"got {len(plated)} --plated and {len(stripped)} --stripped; give one of each per cycle")
    values = cycling.parse_capacities(
        **{f"p{i}": t for i, t in enumerate(plated)}, **{f"s{i}": t for i, t in enumerate(stripped)}
    )
    return ce.conventional(
        [values[f"p{i}"] for i in range(len(plated))],
        [values[f"s{i}"] for i in range(len(stripped))],
        skip_cycles=skip,
    )


@app.command("aurbach")
@recordable("aurbach", default_cell="li-cu")
def aurbach_command(
    qt: Qt, qc: Qc, n: N, qs: Qs, fmt: common.FormatOption = common.Format.table
) -> Any:  # the result @recordable renders
    """Aurbach's reservoir CE, (n Q_C + Q_S) / (n Q_C + Q_T) (eqn 3)."""
    from cedb import ce, cycling

    q = cycling.parse_capacities(qt=qt, qc=qc, qs=qs)
    return ce.aurbach(q["qt"], q["qc"], n, q["qs"])


@app.command("zhang")
@recordable("zhang", default_cell="li-cu")
def zhang_command(
    q0: Annotated[str, _q("--q0", "Q_0 = n i t, the charge passed to pre-form the SEI (eqn 4).")],
    qt: Qt,
    qc: Qc,
    n: N,
    qs: Qs,
    fmt: common.FormatOption = common.Format.table,
) -> Any:  # the result @recordable renders
    """Zhang's reservoir CE: SEI pre-formation with Q_0 (eqn 4), then eqn 3."""
    from cedb import ce, cycling

    q = cycling.parse_capacities(q0=q0, qt=qt, qc=qc, qs=qs)
    return ce.zhang(q["q0"], q["qt"], q["qc"], n, q["qs"])


# --------------------------------------------------------------------------- full cells


@app.command("chiang")
@recordable("chiang", default_cell="full")
def chiang_command(
    q_li: Annotated[str, _q("--q-li", "Q_Li, the excess Li on the anode (0 if anode-free).")],
    q_cathode: Annotated[str, _q("--q-cathode", "Q_cathode, the cathode capacity.")],
    n: Annotated[int, _opt("-n", "--cycles", metavar="N", help="n, the cycles until the retention is reached.")],
    retention: Retention = 0.8,
    fmt: common.FormatOption = common.Format.table,
) -> Any:  # the result @recordable renders
    """Chiang's full-cell estimate, 1 - (Q_Li + (1-r) Q_cathode) / (n Q_cathode) (eqn 5)."""
    from cedb import ce, cycling

    q = cycling.parse_capacities(q_li=q_li, q_cathode=q_cathode)
    return ce.chiang(q["q_li"], q["q_cathode"], n, retention=retention)


@app.command("zhang-full")
@recordable("zhang-full", default_cell="full")
def zhang_full_command(
    file: Annotated[
        Path, typer.Argument(help="Full-cell cycler file: time series or per-cycle table.", metavar="FILE")
    ],
    q_li: Annotated[str, _q("--q-li", "Q_Li, the excess Li, in the file's unit or with a unit.")],
    retention: Retention = 0.8,
    sheet: Sheet = None,
    unit: Unit = None,
    area: Area = None,
    cycle_col: CycleCol = None,
    charge_col: ChargeCol = None,
    discharge_col: DischargeCol = None,
    current_col: CurrentCol = None,
    fmt: common.FormatOption = common.Format.table,
) -> Any:  # the result @recordable renders
    """Zhang's full-cell estimate, 1 - (Q_Li + Q_ch,1 - r Q_dis,1) / sum Q_charge (eqn 6)."""
    from cedb import cycling

    return cycling.zhang_full_ce(
        file,
        q_li=q_li,
        retention=retention,
        capacity_unit=unit,
        sheet=sheet,
        electrode_area_cm2=area,
        columns=columns_of(cycle=cycle_col, charge=charge_col, discharge=discharge_col, current=current_col),
        on_read=lambda read: report_read(read, file, fmt),
    )


# --------------------------------------------------------------------------- cycle life


def life_command(
    ce_value: Annotated[
        Optional[str], _opt("--ce", metavar="CE", help="Average anode CE in percent, e.g. 99.9.")
    ] = None,
    cycles: Annotated[
        Optional[int], _opt("--cycles", metavar="N", help="Cycles wanted: prints the CE they need.")
    ] = None,
    retention: Retention = 0.8,
    excess_li: Annotated[
        float, _opt("--excess-li", help="Excess Li ratio R = Q_Li / Q_cathode (0: anode-free).", show_default=True)
    ] = 0.0,
    fmt: common.FormatOption = common.Format.table,
) -> None:
    """Cycle life from the average CE (--ce), or the CE needed for a cycle life (--cycles)."""
    from cedb import ce, units
    from cedb.errors import InvalidValue

    if (ce_value is None) == (cycles is None):
        raise InvalidValue("give exactly one of --ce (to get cycles) or --cycles (to get the CE)")
    if ce_value is not None:
        result = ce.cycle_life(units.ce_percent(ce_value), retention=retention, excess_li_ratio=excess_li)
    else:
        assert cycles is not None  # exactly one of the two is given (checked above)
        result = ce.ce_for_cycles(cycles, retention=retention, excess_li_ratio=excess_li)
    render(result.to_dict(), fmt)
