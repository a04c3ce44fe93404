"""Cycler files -> per-cycle capacity tables, and the stages of a CE or capacity curve.

Tables (CSV, XLSX) need a cycle column and charge and discharge capacity columns;
units come from the header (``Charge capacity (mAh)``, ``Q discharge/mA.h``,
``Charge_Capacity(Ah)``, ``Q_charge/mAh/cm2``) or from ``capacity_unit``. BioLogic
files (.mpr, .mpt) are read with galvani and their time series is reduced to
capacities per cycle.

Capacities end up in mAh (columns ``*_mAh``), or in mAh cm^-2 (``*_mAh_cm2``) when
the file gives areal capacities and no electrode area is passed: the column name
always carries the unit, so the two are never mixed.

Which half of a Li||Cu cycle plates Li depends on how the cycler labels current
(``plating="discharge"`` for Cu as the working electrode, the usual wiring;
``"charge"`` when the cycler calls the plating step charge).

Pure: no printing, no database; pandas, numpy and galvani are imported inside functions.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from cedb.errors import InvalidValue

if TYPE_CHECKING:
    import pandas as pd

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
BIOLOGIC_SUFFIXES = (".mpr", ".mpt")
PLATING_CHOICES = ("charge", "discharge")
CELL_CHOICES = ("half", "full")

# Unit suffixes of the capacity columns, by the dimension found in the file.
_ABSOLUTE = "mAh"
_AREAL = "mAh_cm2"
_PINT_UNITS = {_ABSOLUTE: "mA*h", _AREAL: "mA*h/cm**2"}


# --- header units ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def _registry():
    # One registry for the whole package: cedb.units builds it lazily.
    from cedb.units import registry

    return registry()


def _normalise_unit(text: str) -> str:
    text = text.strip().replace("µ", "u").replace("μ", "u").replace("·", "*")
    text = text.replace("⁻", "-").replace("²", "2").replace("^", "**")
    text = re.sub(r"\bmA\s*h\b", "mAh", text)
    # "cm2", "cm-2" -> "cm**2", "cm**-2"; pint reads "cm2" as an unknown unit.
    text = re.sub(r"([A-Za-z])(-?\d+)\b", r"\1**\2", text)
    return text


@lru_cache(maxsize=256)
def capacity_unit_factor(unit_text: str) -> tuple[str, float] | None:
    """(``"mAh"`` or ``"mAh_cm2"``, factor to that unit) for a capacity unit, else None.

    None means the text is not a unit, or a unit of something else (Wh, mAh/g, s).
    """
    import pint

    ureg = _registry()
    try:
        quantity = ureg.Quantity(1.0, _normalise_unit(unit_text))
    except (pint.errors.PintError, ValueError, TypeError, AttributeError, SyntaxError):
        return None
    for kind, pint_unit in _PINT_UNITS.items():
        try:
            return kind, float(quantity.to(pint_unit).magnitude)
        except pint.errors.DimensionalityError:
            continue
    return None


def parse_capacity(text: str | float) -> tuple[float, str | None]:
    """A capacity typed by a person: ``"5"`` -> (5.0, None), ``"3 mAh cm-2"`` -> (3.0, "mAh_cm2").

    With a unit the value is converted to mAh or mAh cm^-2 and the kind returned;
    a bare number keeps whatever unit the caller assumes (kind None).
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text), None
    match = re.match(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$", str(text))
    if not match:
        raise InvalidValue(
            f"capacity {text!r} is not a number; give e.g. 5, '5 mAh' or '3 mAh/cm2'"
        )
    value, unit = float(match.group(1)), match.group(2)
    if not unit:
        return value, None
    converted = capacity_unit_factor(unit)
    if converted is None:
        raise InvalidValue(
            f"capacity {text!r}: {unit!r} is not a capacity unit; use mAh, Ah or mAh/cm2"
        )
    kind, factor = converted
    return value * factor, kind


def split_header(header: str) -> tuple[str, str | None]:
    """A column header split into name and unit: ``"Q charge/mA.h"`` -> ("Q charge", "mA.h").

    Units in brackets (``Capacity (mAh)``, ``Cap [Ah]``) and after a slash
    (``Q discharge/mA.h``, ``Q_charge/mAh/cm2``) are found; with several slashes
    the longest tail that is a capacity unit wins, so ``Q charge/discharge/mA.h``
    keeps its name.
    """
    header = str(header).strip()
    bracket = re.match(r"^(.*?)\s*[\(\[]\s*([^\)\]]+?)\s*[\)\]]\s*$", header)
    if bracket:
        return bracket.group(1).strip(), bracket.group(2)
    parts = header.split("/")
    for cut in range(1, len(parts)):
        unit = "/".join(parts[cut:])
        if capacity_unit_factor(unit) is not None:
            return "/".join(parts[:cut]).strip(), unit
    # Not a capacity: keep the last slash part as the unit (time/s, Ewe/V) for messages.
    if len(parts) > 1 and parts[-1].strip():
        return "/".join(parts[:-1]).strip(), parts[-1].strip()
    return header, None


# --- column roles ---------------------------------------------------------------------

_ROLE_PATTERNS = {
    "cycle": re.compile(r"\bcycles?\b|\bcycle ?(index|number|no)\b|\bcyc\b"),
    # Neware writes "Chg. Cap." / "DChg. Cap.", Land "CapC" / "CapD".
    "discharge": re.compile(r"\b(discharge|dis ?charge|dchg|dischg|disch|capd)\b"),
    "charge": re.compile(r"\b(charge|chg|capc)\b"),
    "plated": re.compile(r"\bplat(ed|ing)?\b|\bdeposit(ed|ion)?\b"),
    "stripped": re.compile(r"\bstrip(ped|ping)?\b"),
}


def _plain_name(name: str) -> str:
    return re.sub(r"[_\-.]+", " ", name.lower()).strip()


def _roles(header: str) -> set[str]:
    name, _ = split_header(header)
    plain = _plain_name(name)
    found = {role for role, pattern in _ROLE_PATTERNS.items() if pattern.search(plain)}
    if "discharge" in found:
        # "charge" also matches inside "discharge"; a name with both words
        # ("Q charge/discharge", signed per half cycle) is neither.
        without = _ROLE_PATTERNS["discharge"].sub(" ", plain)
        if _ROLE_PATTERNS["charge"].search(without):
            return found - {"charge", "discharge"}
        found.discard("charge")
    capacity_roles = {"charge", "discharge", "plated", "stripped"}
    if "cycle" in found and (capacity_roles & found or "half" in plain):
        found.discard("cycle")  # "cycle charge", "half cycle" are not the cycle index
    if "efficiency" in plain or "energy" in plain or "time" in plain:
        found -= {"charge", "discharge", "plated", "stripped"}
    return found


def _pick(headers: list[str], role: str, capacity_unit: str | None) -> str | None:
    candidates = [h for h in headers if role in _roles(h)]
    if role != "cycle":
        # Specific (mAh/g) and energy columns share the words; keep capacity units only.
        def usable(header: str) -> bool:
            unit = split_header(header)[1]
            return (unit is None and capacity_unit is not None) or (
                unit is not None and capacity_unit_factor(unit) is not None
            )

        candidates = [h for h in candidates if usable(h)] or candidates
    if len(candidates) > 1:
        raise InvalidValue(
            f"several columns look like the {role} column ({', '.join(map(repr, candidates))}); "
            f"name the right one with columns={{'{role}': ...}}"
        )
    return candidates[0] if candidates else None


def _column_factor(header: str, capacity_unit: str | None) -> tuple[str, float]:
    _, unit = split_header(header)
    if unit is None:
        if capacity_unit is None:
            raise InvalidValue(
                f"column {header!r} names no unit; pass the capacity unit (e.g. 'mAh')"
            )
        unit = capacity_unit
    elif capacity_unit is not None:
        header_kind = capacity_unit_factor(unit)
        option_kind = capacity_unit_factor(capacity_unit)
        if header_kind != option_kind:
            raise InvalidValue(
                f"column {header!r} is in {unit} but the capacity unit {capacity_unit!r} was "
                "given; leave the option out or fix the header"
            )
    converted = capacity_unit_factor(unit)
    if converted is None:
        raise InvalidValue(
            f"column {header!r}: {unit!r} is not a capacity unit; use mAh, Ah, C or mAh/cm2"
        )
    return converted


# --- reading tables -------------------------------------------------------------------


def _read_frame(path: Path, sheet: str | int | None) -> "pd.DataFrame":
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            return pd.read_excel(path, sheet_name=0 if sheet is None else sheet)
        except ValueError as error:  # unknown sheet name
            raise InvalidValue(f"{path.name}: {error}; pass an existing sheet") from None
    for encoding in ("utf-8-sig", "latin-1"):  # EC-Lab and Neware exports are often latin-1
        try:
            # sep=None sniffs comma, semicolon or tab.
            return pd.read_csv(path, sep=None, engine="python", encoding=encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidValue(f"{path.name} is neither UTF-8 nor Latin-1 text; re-export it as CSV")


def read_table(
    path: str | Path,
    *,
    capacity_unit: str | None = None,
    sheet: str | int | None = None,
    electrode_area_cm2: float | None = None,
    columns: dict[str, str] | None = None,
) -> "pd.DataFrame":
    """Read a per-cycle CSV or XLSX table into columns cycle, charge_<unit>, discharge_<unit>.

    ``capacity_unit`` is used for capacity columns whose header names no unit
    (a header unit that disagrees with it is an error). ``columns`` maps the
    roles cycle/charge/discharge to header names when guessing fails. With
    ``electrode_area_cm2`` areal capacities are converted to mAh. Rows are
    sorted by cycle; the unit suffix is ``mAh`` or ``mAh_cm2``.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InvalidValue(f"file {str(path)!r} does not exist; check the path")
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise InvalidValue(
            f"{path.name}: cannot read {path.suffix or 'files without a suffix'} as a table; "
            f"use one of {', '.join(TABLE_SUFFIXES + BIOLOGIC_SUFFIXES)}"
        )
    raw = _read_frame(path, sheet)
    headers = [str(h) for h in raw.columns]
    where = f"{path.name}" + (f" (sheet {sheet!r})" if sheet is not None else "")
    chosen = dict(columns or {})
    for role in ("cycle", "charge", "discharge"):
        if role not in chosen:
            picked = _pick(headers, role, capacity_unit)
            if picked is None:
                raise InvalidValue(
                    f"{where} has no {role} column among {headers}; name it with "
                    f"columns={{'{role}': ...}}" + ("" if sheet is not None else " or pass sheet")
                )
            chosen[role] = picked
        elif chosen[role] not in headers:
            raise InvalidValue(f"{where} has no column {chosen[role]!r}; columns are {headers}")
    frame = pd.DataFrame({"cycle": pd.to_numeric(raw[chosen["cycle"]], errors="coerce")})
    kinds = set()
    for role in ("charge", "discharge"):
        kind, factor = _column_factor(chosen[role], capacity_unit)
        kinds.add(kind)
        frame[role] = pd.to_numeric(raw[chosen[role]], errors="coerce") * factor
    if len(kinds) > 1:
        raise InvalidValue(
            f"{where}: charge and discharge columns mix mAh and mAh/cm2; export both in one unit"
        )
    (kind,) = kinds
    frame = frame.dropna(how="all")
    missing = frame[frame.isna().any(axis=1)]
    if not missing.empty:
        row = int(missing.index[0]) + 2  # header is line 1, pandas counts from 0
        raise InvalidValue(
            f"{where} line {row}: a cycle or capacity is not a number; fix or delete it"
        )
    if (frame["cycle"] != frame["cycle"].round()).any():
        raise InvalidValue(f"{where}: the cycle column {chosen['cycle']!r} holds non-integers")
    frame["cycle"] = frame["cycle"].astype(int)
    if frame["cycle"].duplicated().any():
        repeated = int(frame.loc[frame["cycle"].duplicated(), "cycle"].iloc[0])
        raise InvalidValue(f"{where}: cycle {repeated} appears twice; keep one row per cycle")
    if (frame[["charge", "discharge"]] < 0).any().any():
        raise InvalidValue(f"{where}: negative capacities; export magnitudes per half cycle")
    if kind == _AREAL and electrode_area_cm2 is not None:
        area = float(electrode_area_cm2)
        if not area > 0:
            raise InvalidValue(f"electrode area must be positive, got {area:g} cm2")
        frame[["charge", "discharge"]] *= area
        kind = _ABSOLUTE
    frame = frame.sort_values("cycle").reset_index(drop=True)
    return frame.rename(columns={"charge": f"charge_{kind}", "discharge": f"discharge_{kind}"})


def capacity_unit_of(table: "pd.DataFrame") -> str:
    """The unit suffix (``mAh`` or ``mAh_cm2``) of a per-cycle table's capacity columns."""
    for column in table.columns:
        for kind in (_AREAL, _ABSOLUTE):  # the longer suffix first
            if column.endswith("_" + kind):
                return kind
    raise InvalidValue("the table has no *_mAh or *_mAh_cm2 capacity columns")


def half_cell(table: "pd.DataFrame", *, plating: str = "discharge") -> "pd.DataFrame":
    """Per-cycle Li||Cu table: cycle, plated_<unit>, stripped_<unit>, ce_percent (eqn 1).

    ``plating`` names the half cycle that plates Li on Cu: "discharge" when Cu
    is the working (positive) electrode, "charge" when the cycler labels it so.
    """
    if plating not in PLATING_CHOICES:
        raise InvalidValue(f"plating must be 'charge' or 'discharge', got {plating!r}")
    kind = capacity_unit_of(table)
    stripping = "charge" if plating == "discharge" else "discharge"
    out = table[["cycle"]].copy()
    out[f"plated_{kind}"] = table[f"{plating}_{kind}"].astype(float)
    out[f"stripped_{kind}"] = table[f"{stripping}_{kind}"].astype(float)
    plated = out[f"plated_{kind}"].where(out[f"plated_{kind}"] > 0)
    out["ce_percent"] = 100 * out[f"stripped_{kind}"] / plated
    return out


def full_cell(table: "pd.DataFrame") -> "pd.DataFrame":
    """Per-cycle full-cell table: cycle, charge_*, discharge_*, ce_percent, retention_percent.

    CE is discharge / charge of the same cycle; retention is relative to the
    first cycle's discharge capacity, as in eqn 6.
    """
    kind = capacity_unit_of(table)
    out = table[["cycle", f"charge_{kind}", f"discharge_{kind}"]].astype(
        {f"charge_{kind}": float, f"discharge_{kind}": float}
    )
    charge = out[f"charge_{kind}"].where(out[f"charge_{kind}"] > 0)
    out["ce_percent"] = 100 * out[f"discharge_{kind}"] / charge
    first = float(out[f"discharge_{kind}"].iloc[0]) if len(out) else math.nan
    out["retention_percent"] = 100 * out[f"discharge_{kind}"] / first if first > 0 else math.nan
    return out


# --- BioLogic time series -------------------------------------------------------------


def read_biologic(path: str | Path) -> "pd.DataFrame":
    """Read a BioLogic .mpt (EC-Lab text export) or .mpr file with galvani, one row per point.

    Columns keep galvani's names (``time/s``, ``I/mA``, ``dQ/mA.h``,
    ``(Q-Qo)/mA.h``, ``half cycle``, ``cycle number``, ...); the flags packed in
    an .mpr file (``mode``, ``ox/red``, ...) become columns too.
    """
    import pandas as pd
    from galvani import BioLogic

    path = Path(path)
    if not path.is_file():
        raise InvalidValue(f"file {str(path)!r} does not exist; check the path")
    suffix = path.suffix.lower()
    try:
        if suffix == ".mpt":
            # galvani opens str paths only, and decodes the column header line itself.
            for encoding in ("ascii", "latin-1"):
                try:
                    data, _comments = BioLogic.MPTfile(str(path), encoding=encoding)
                    break
                except UnicodeDecodeError:
                    continue
            frame = pd.DataFrame(data)
        elif suffix == ".mpr":
            mpr = BioLogic.MPRfile(str(path))
            frame = pd.DataFrame(mpr.data)
            for flag in mpr.flags_dict:
                frame[flag] = mpr.get_flag(flag)
            frame = frame.drop(columns=["flags"], errors="ignore")
        else:
            raise InvalidValue(f"{path.name}: BioLogic files end in .mpr or .mpt")
    except (ValueError, NotImplementedError, StopIteration, AttributeError) as error:
        raise InvalidValue(
            f"galvani cannot read {path.name} ({error}); export it from EC-Lab as .mpt text"
        ) from None
    return frame


def _charge_increments_mAh(raw: "pd.DataFrame") -> "pd.Series":
    """Charge passed since the previous point, signed (oxidation > 0), in mAh."""
    if "dQ/mA.h" in raw:  # galvani renames EC-Lab's "dq/mA.h" to this
        return raw["dQ/mA.h"].astype(float)
    if "(Q-Qo)/mA.h" in raw:
        q = raw["(Q-Qo)/mA.h"].astype(float)
        return q.diff().fillna(q.iloc[0])
    if "dQ/C" in raw:
        return raw["dQ/C"].astype(float) / 3.6
    if "I/mA" in raw and "time/s" in raw:
        # Rectangle rule with the current recorded at the end of each interval: EC-Lab
        # records a point when a step ends, so a step's current never leaks into the next.
        dt_h = raw["time/s"].astype(float).diff().fillna(0.0) / 3600
        return raw["I/mA"].astype(float) * dt_h
    raise InvalidValue(
        "the BioLogic data have no charge column (dq/mA.h, (Q-Qo)/mA.h) and no current and "
        f"time; columns are {list(raw.columns)}; export them from EC-Lab"
    )


def reduce_timeseries(raw: "pd.DataFrame") -> "pd.DataFrame":
    """Per-cycle capacities from a cycler time series: cycle, charge_mAh, discharge_mAh.

    Charge is the oxidation charge (current > 0 at the working electrode) and
    discharge the reduction charge of each cycle, summed from the per-point
    increments (``dQ/mA.h``, else differences of ``(Q-Qo)/mA.h``, else I dt).
    Cycles come from ``cycle number``, else from ``half cycle`` // 2; they are
    renumbered 1..N in order and cycles that pass no charge (rests) are dropped.
    """
    import pandas as pd

    if raw.empty:
        raise InvalidValue("the time series is empty; check the exported file")
    increments = _charge_increments_mAh(raw)
    if "cycle number" in raw:
        cycles = raw["cycle number"].astype(float)
    elif "half cycle" in raw:
        cycles = raw["half cycle"].astype(int) // 2
    else:
        raise InvalidValue(
            "the time series has no 'cycle number' or 'half cycle' column; "
            "export it from EC-Lab with the cycle number"
        )
    grouped = pd.DataFrame(
        {
            "cycle": cycles.to_numpy(),
            "charge_mAh": increments.clip(lower=0).to_numpy(),
            "discharge_mAh": (-increments.clip(upper=0)).to_numpy(),
        }
    ).groupby("cycle", sort=False)[["charge_mAh", "discharge_mAh"]].sum()
    grouped = grouped[(grouped["charge_mAh"] > 0) | (grouped["discharge_mAh"] > 0)]
    table = grouped.reset_index(drop=True)
    table.insert(0, "cycle", range(1, len(table) + 1))
    return table


# --- one entry point ------------------------------------------------------------------


def read_cycles(
    path: str | Path,
    *,
    cell: str = "half",
    plating: str = "discharge",
    capacity_unit: str | None = None,
    sheet: str | int | None = None,
    electrode_area_cm2: float | None = None,
) -> "pd.DataFrame":
    """Read any supported cycler file into a per-cycle half-cell or full-cell table.

    ``cell="half"`` gives cycle, plated_*, stripped_*, ce_percent (Li||Cu);
    ``cell="full"`` gives cycle, charge_*, discharge_*, ce_percent, retention_percent.
    The file type is chosen by suffix: .csv/.txt/.tsv/.xlsx tables or BioLogic .mpr/.mpt.
    """
    if cell not in CELL_CHOICES:
        raise InvalidValue(f"cell must be 'half' or 'full', got {cell!r}")
    path = Path(path)
    if path.suffix.lower() in BIOLOGIC_SUFFIXES:
        table = reduce_timeseries(read_biologic(path))
        if electrode_area_cm2 is not None:
            # .mpr/.mpt capacities are absolute; the area gives the areal form here.
            area = float(electrode_area_cm2)
            if not area > 0:
                raise InvalidValue(f"electrode area must be positive, got {area:g} cm2")
            table = table.rename(
                columns={"charge_mAh": "charge_mAh_cm2", "discharge_mAh": "discharge_mAh_cm2"}
            )
            table[["charge_mAh_cm2", "discharge_mAh_cm2"]] /= area
    else:
        table = read_table(
            path, capacity_unit=capacity_unit, sheet=sheet, electrode_area_cm2=electrode_area_cm2
        )
    return half_cell(table, plating=plating) if cell == "half" else full_cell(table)


# --- stage detection ------------------------------------------------------------------


@dataclass(frozen=True)
class HalfCellStages:
    """Stages of a Li||Cu CE curve (review Fig. 2a-b); cycles are the table's cycle numbers."""

    formation_end_cycle: int | None  # last cycle of stage I formation; None if stable at once
    stable_start_cycle: int | None
    stable_end_cycle: int | None
    stable_cycles: int
    stable_ce_percent: float | None  # mean of the measured CE over the stable window
    decay_onset_cycle: int | None  # first cycle of stage II; None if the data end stable
    tolerance_percent: float  # band below the plateau actually used
    params: dict = field(default_factory=dict)

    def spans(self) -> list[tuple[str, int, int]]:
        """(stage, first cycle, last cycle) for the formation, stable and decay stages found."""
        if self.stable_start_cycle is None:
            return []
        spans = []
        if self.formation_end_cycle is not None:
            spans.append(("formation", self.params["first_cycle"], self.formation_end_cycle))
        spans.append(("stable", self.stable_start_cycle, self.stable_end_cycle))
        if self.decay_onset_cycle is not None:
            spans.append(("decay", self.decay_onset_cycle, self.params["last_cycle"]))
        return spans

    def to_dict(self) -> dict:
        """A JSON-serialisable dict of the fields."""
        return asdict(self)


@dataclass(frozen=True)
class FullCellStages:
    """Where a full cell's Li reservoir runs out (review Fig. 2c-d)."""

    exhaustion_cycle: int | None  # first cycle whose capacity falls; None if not in the data
    stage1_slope_per_cycle: float | None  # d ln(capacity) / d cycle before the knee
    stage2_slope_per_cycle: float | None  # and after it: about ln(anode CE)
    params: dict = field(default_factory=dict)

    def spans(self) -> list[tuple[str, int, int]]:
        """(stage, first cycle, last cycle): reservoir stage and depletion stage."""
        first, last = self.params["first_cycle"], self.params["last_cycle"]
        if self.exhaustion_cycle is None:
            return [("reservoir", first, last)]
        spans = [("depleted", self.exhaustion_cycle, last)]
        if self.exhaustion_cycle > first:
            spans.insert(0, ("reservoir", first, self.exhaustion_cycle - 1))
        return spans

    def to_dict(self) -> dict:
        """A JSON-serialisable dict of the fields."""
        return asdict(self)


def _longest_run(mask: list[bool]) -> tuple[int, int]:
    """(start, stop) indices of the first longest run of True; (0, 0) if none."""
    best, start = (0, 0), None
    for index, value in enumerate([*mask, False]):
        if value and start is None:
            start = index
        elif not value and start is not None:
            if index - start > best[1] - best[0]:
                best = (start, index)
            start = None
    return best


def detect_half_cell_stages(
    per_cycle: "pd.DataFrame",
    *,
    window: int = 5,
    tolerance_percent: float = 0.2,
    min_stable_cycles: int = 5,
) -> HalfCellStages:
    """Find the formation stage, the stable window and the onset of decay of a Li||Cu CE curve.

    Rule (deterministic): smooth CE with a centred rolling median of ``window``
    cycles; the plateau level is the highest smoothed CE; a cycle is "stable"
    when its smoothed CE is within a band below that level, the band being
    ``tolerance_percent`` percentage points or three robust standard deviations
    of the measured CE about the smoothed one, whichever is wider. The stable
    window is the longest run of stable cycles (at least ``min_stable_cycles``),
    the cycles before it are the formation stage (stage I, CE rising while the
    SEI forms) and the first cycle after it is the onset of stage II decay.
    """
    import numpy as np

    if "ce_percent" not in per_cycle or "cycle" not in per_cycle:
        raise InvalidValue("stage detection needs a per-cycle table with cycle and ce_percent")
    if window < 1 or min_stable_cycles < 1 or tolerance_percent < 0:
        raise InvalidValue("window and min_stable_cycles must be >= 1, tolerance_percent >= 0")
    data = per_cycle[["cycle", "ce_percent"]].dropna().sort_values("cycle")
    if len(data) < min_stable_cycles:
        raise InvalidValue(
            f"only {len(data)} cycles with a CE; stage detection needs at least {min_stable_cycles}"
        )
    ce = data["ce_percent"].astype(float).reset_index(drop=True)
    cycles = data["cycle"].astype(int).tolist()
    smooth = ce.rolling(window, center=True, min_periods=1).median()
    noise = 1.4826 * float(np.median(np.abs(ce - smooth)))
    tolerance = max(float(tolerance_percent), 3 * noise)
    level = float(smooth.max())
    start, stop = _longest_run((smooth >= level - tolerance).tolist())
    params = {
        "window": int(window),
        "tolerance_percent": float(tolerance_percent),
        "min_stable_cycles": int(min_stable_cycles),
        "first_cycle": cycles[0],
        "last_cycle": cycles[-1],
        "plateau_level_percent": level,
    }
    if stop - start < min_stable_cycles:
        return HalfCellStages(None, None, None, 0, None, None, tolerance, params)
    return HalfCellStages(
        formation_end_cycle=cycles[start - 1] if start > 0 else None,
        stable_start_cycle=cycles[start],
        stable_end_cycle=cycles[stop - 1],
        stable_cycles=stop - start,
        stable_ce_percent=float(ce.iloc[start:stop].mean()),
        decay_onset_cycle=cycles[stop] if stop < len(cycles) else None,
        tolerance_percent=tolerance,
        params=params,
    )


def _discharge_column(per_cycle: "pd.DataFrame") -> str:
    for column in per_cycle.columns:
        if column.startswith("discharge_"):
            return column
    raise InvalidValue("reservoir detection needs a full-cell table with a discharge_* column")


def detect_reservoir_exhaustion(
    per_cycle: "pd.DataFrame",
    *,
    fit_until_retention: float = 0.6,
    min_slope_ratio: float = 3.0,
    min_drop: float = 0.02,
) -> FullCellStages:
    """Find the cycle where a full cell's excess Li runs out and its capacity starts to fall.

    Rule (deterministic): from cycle 2 (cycle 1 carries the cathode's
    irreversible capacity) until the smoothed capacity first falls below
    ``fit_until_retention`` of cycle 1, fit a continuous two-segment line to the
    logarithm of the discharge capacity, trying every cycle as the knee and
    keeping the least squares one. The logarithm because once the reservoir is
    gone each cycle keeps the anode's CE fraction of the capacity, a straight
    line in ln Q whose slope is ln(CE). The knee counts only when the second
    slope is at least ``min_slope_ratio`` times steeper than the first and the
    capacity falls by more than ``min_drop`` (a fraction of cycle 1) after it;
    the exhaustion cycle is the first cycle after the knee. Slopes are reported
    as fractional capacity change per cycle.
    """
    import numpy as np

    column = _discharge_column(per_cycle)
    data = per_cycle[["cycle", column]].dropna().sort_values("cycle")
    cycles = data["cycle"].astype(int).to_numpy()
    capacity = data[column].astype(float).to_numpy()
    params = {
        "fit_until_retention": float(fit_until_retention),
        "min_slope_ratio": float(min_slope_ratio),
        "min_drop": float(min_drop),
        "first_cycle": int(cycles[0]) if len(cycles) else 0,
        "last_cycle": int(cycles[-1]) if len(cycles) else 0,
    }
    if len(cycles) < 8:
        raise InvalidValue(f"only {len(cycles)} cycles; reservoir detection needs at least 8")
    if not capacity[0] > 0:
        raise InvalidValue("the first cycle's discharge capacity must be positive")
    smooth = (
        data[column].astype(float).rolling(5, center=True, min_periods=1).median().to_numpy()
    )
    below = np.nonzero(smooth < fit_until_retention * capacity[0])[0]
    end = int(below[0]) + 1 if below.size else len(cycles)
    x, y = cycles[1:end].astype(float), capacity[1:end]
    if len(x) < 6 or not (y > 0).all():
        return FullCellStages(None, None, None, params)
    best = None
    for knee in x[2:-2]:
        design = np.column_stack(
            [np.ones_like(x), np.minimum(x - knee, 0), np.maximum(x - knee, 0)]
        )
        coefficients, *_ = np.linalg.lstsq(design, np.log(y), rcond=None)
        sse = float(np.sum((design @ coefficients - np.log(y)) ** 2))
        if best is None or sse < best[0]:
            best = (sse, knee, coefficients)
    _, knee, (log_level, slope1, slope2) = best
    drop = math.exp(log_level) - float(np.min(y[x > knee]))
    is_knee = slope2 < 0 and abs(slope2) >= min_slope_ratio * abs(slope1)
    if not is_knee or drop <= min_drop * capacity[0]:
        return FullCellStages(None, float(slope1), float(slope2), params)
    following = cycles[cycles > knee]
    return FullCellStages(int(following[0]), float(slope1), float(slope2), params)
