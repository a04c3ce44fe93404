"""Cycler files -> per-cycle capacity tables, and the stages of a CE or capacity curve.

How a file becomes cycles (one rule for every format)
-----------------------------------------------------
The content of a file decides how it is read, not its suffix: BioLogic .mpr/.mpt
(galvani), Arbin .res (galvani, with mdbtools), Neware .nda/.ndax (NewareNDA),
XLSX workbooks (openpyxl) and text exports (pandas; Arbin, Neware, Maccor .txt and
.0xx, Novonix, PEC, battery-data-format CSV). A file then holds either

- a per-cycle table: one row per cycle, with charge and discharge capacities whose
  unit is in the header (``Charge_Capacity(Ah)``, ``Q charge/mA.h``, ``Chg. Cap.(Ah)``,
  ``charge_capacity_mAh``) or given as ``capacity_unit``. Its rows are taken as the
  exporting software paired them; or
- a time series: one row per recorded point, recognised by a current, a charge
  increment or a step-type column, or by a cycle column that repeats. It is reduced
  to cycles by the segmentation rule:

1. Every point gets a direction, charge (+), discharge (-) or none: from the step
   type where the file records one (``State`` C/D/R, ``Status`` CC_Chg/CC_DChg/Rest,
   ``Step Type`` charge/discharge/rest), else from the sign of the current, else from
   the sign of the charge increment. Rests, OCV, EIS and pauses have no direction.
2. A half cycle is a run of points of one direction. Points without a direction
   (rests, OCV, EIS) neither end nor split it.
3. A run passing less than ``NEGLIGIBLE_FRACTION`` (1 %) of the charge of the
   largest run is not a half cycle (a current blip at a step change, noise at rest);
   the runs either side of it join when they have the same direction.
4. The charge of a half cycle is the sum of the file's per-point increments: the
   recorded ``dq``, else the differences of the cumulative charge and discharge
   capacity columns (restarting where the cycler resets them), else current x time.
5. Each plating half cycle is paired with the stripping half cycle that follows it
   (``plating="discharge"``: a discharge and the charge after it; ``"charge"``: a
   charge and the discharge after it; full cells: a charge and the discharge after
   it). A leading strip and a trailing plate have no partner: they are dropped and
   reported in ``CycleFile.dropped``.

Cycles are numbered 1..N in the order they ran; the cycler's own cycle counter is
not used, because cyclers start a cycle at different half cycles (EC-Lab at an
oxidation, so its "cycle 1" holds a strip and the plate after it). Worked example
with ``plating="discharge"``::

    points:      charge 0.40 | rest | discharge 1.00 | charge 0.95 | OCV |
                 discharge 1.00 | charge 0.97 | discharge 1.00
    half cycles: strip 0.40, plate 1.00, strip 0.95, plate 1.00, strip 0.97, plate 1.00
    dropped:     the leading strip (0.40) and the trailing plate (1.00)
    cycles:      1: 1.00 plated, 0.95 stripped (95 %); 2: 1.00, 0.97 (97 %)

A file with no plate followed by a strip (MB pulses, EIS only, a single half cycle)
is an error: "no complete plating/stripping cycle in FILE (found: ...)".

Capacities end up in mAh (columns ``*_mAh``), or in mAh cm^-2 (``*_mAh_cm2``) when
the file gives areal capacities and no electrode area is passed: the column name
always carries the unit, so the two are never mixed.

Which half of a Li||Cu cycle plates Li depends on how the cycler labels current
(``plating="discharge"`` for Cu as the working electrode, the usual wiring;
``"charge"`` when the cycler calls the plating step charge).

Pure: no printing, no database; pandas, numpy, galvani and NewareNDA are imported
inside functions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from cedb.errors import InvalidValue

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from cedb.ce import CEResult

PLATING_CHOICES = ("charge", "discharge")
CELL_CHOICES = ("half", "full")
COLUMN_ROLES = ("cycle", "charge", "discharge", "current")
# The CLI option that names the column of each role (messages name options, not arguments).
COLUMN_OPTIONS = {role: f"--{role}-col" for role in COLUMN_ROLES}
NEGLIGIBLE_FRACTION = 0.01  # rule 3: runs below 1 % of the largest run are not half cycles

# Unit suffixes of the capacity columns, by the dimension found in the file.
_ABSOLUTE = "mAh"
_AREAL = "mAh_cm2"
_PINT_UNITS = {_ABSOLUTE: "mA*h", _AREAL: "mA*h/cm**2"}


# --- header units ---------------------------------------------------------------------


@lru_cache(maxsize=256)
def capacity_unit_factor(unit_text: str) -> tuple[str, float] | None:
    """(``"mAh"`` or ``"mAh_cm2"``, factor to that unit) for a capacity unit, else None.

    None means the text is not a unit, or a unit of something else (Wh, mAh/g, s).
    """
    import pint

    from cedb.units import normalise_unit_text, registry

    ureg = registry()  # the package's one registry
    try:
        quantity = ureg.Quantity(1.0, normalise_unit_text(unit_text))
    except Exception:  # pint's parser fails in many ways on header words (TokenError, ...)
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
        raise InvalidValue(f"capacity {text!r} is not a number; give e.g. 5, '5 mAh' or '3 mAh/cm2'")
    value, unit = float(match.group(1)), match.group(2)
    if not unit:
        return value, None
    converted = capacity_unit_factor(unit)
    if converted is None:
        raise InvalidValue(f"capacity {text!r}: {unit!r} is not a capacity unit; use mAh, Ah or mAh/cm2")
    kind, factor = converted
    return value * factor, kind


def split_header(header: str) -> tuple[str, str | None]:
    """A column header split into name and unit: ``"Q charge/mA.h"`` -> ("Q charge", "mA.h").

    Units in brackets (``Capacity (mAh)``, ``Cap [Ah]``), after a slash
    (``Q discharge/mA.h``, ``Q_charge/mAh/cm2``) and as a last word
    (``charge_capacity_mAh``) are found; with several slashes the longest tail that
    is a capacity unit wins, so ``Q charge/discharge/mA.h`` keeps its name.
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
    # A unit as the last word: "charge_capacity_mAh", "Q discharge mAh_cm2".
    last = re.match(r"^(.*?)[_\s]+([^_\s]+)$", header)
    if last:
        name, unit = last.groups()
        before = re.match(r"^(.*?)[_\s]+([^_\s]+)$", name)
        if before and re.fullmatch(r"cm\^?-?2", unit):
            name, unit = before.group(1), f"{before.group(2)}/cm2"
        if capacity_unit_factor(unit) is not None:
            return name, unit
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
# Columns of a time series, matched on the whole name without its unit.
_SERIES_PATTERNS = {
    "current": re.compile(r"^(i|current|amps?|curr)$"),
    "time": re.compile(r"^(time|test ?time|total ?time|run ?time|elapsed ?time|test)$"),
    "increment": re.compile(r"^d ?q$"),  # EC-Lab dq/mA.h: charge since the previous point
    "since_start": re.compile(r"^\(?q ?qo\)?$"),  # EC-Lab (Q-Qo)/mA.h
    "capacity": re.compile(r"^(capacity|cap|amp ?hr)$"),  # one column, reset per step
    "state": re.compile(r"^(state|step ?state|status|step ?type)$"),
    "step": re.compile(r"^(step|step ?(id|index|number|no))$"),
}
# Units the instruments leave out of their headers: Maccor "Amps", "Amp-hr".
_IMPLIED_UNITS = {"amps": "A", "amp": "A", "amp hr": "Ah"}
# Arbin (MITS Pro exports and .res tables) writes bare names in A, Ah and s.
_ARBIN_MARKERS = {"data point", "step index", "cycle index"}
_ARBIN_UNITS = {"current": "A", "charge capacity": "Ah", "discharge capacity": "Ah",
                "test time": "s"}  # fmt: skip


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
    if any(word in plain for word in ("efficiency", "energy", "time", "capacitance")):
        found -= {"charge", "discharge", "plated", "stripped"}
    return found


def _series_role(header: str) -> str | None:
    plain = _plain_name(split_header(header)[0]).replace("#", "")
    for role, pattern in _SERIES_PATTERNS.items():
        if pattern.match(plain):
            return role
    return None


def _unit_of(header: str, implied: dict[str, str]) -> str | None:
    name, unit = split_header(header)
    return unit if unit is not None else implied.get(_plain_name(name))


def _ambiguous(where: str, role: str, candidates: list[str]) -> InvalidValue:
    return InvalidValue(
        f"{where}: several columns look like the {role} column "
        f"({', '.join(map(repr, candidates))}); name the right one with {COLUMN_OPTIONS[role]}"
    )


def _pick(headers: list[str], role: str, capacity_unit: str | None, where: str = "the file",
          implied: dict[str, str] | None = None) -> str | None:  # fmt: skip
    candidates = [h for h in headers if role in _roles(h)]
    if role != "cycle":
        # Specific (mAh/g) and energy columns share the words; keep capacity units only.
        def usable(header: str) -> bool:
            unit = _unit_of(header, implied or {})
            return (unit is None and capacity_unit is not None) or (
                unit is not None and capacity_unit_factor(unit) is not None
            )

        candidates = [h for h in candidates if usable(h)] or candidates
    if len(candidates) > 1:
        raise _ambiguous(where, role, candidates)
    return candidates[0] if candidates else None


def _column_factor(header: str, capacity_unit: str | None,
                   implied: dict[str, str] | None = None) -> tuple[str, float]:  # fmt: skip
    unit = _unit_of(header, implied or {})
    if unit is None:
        if capacity_unit is None:
            raise InvalidValue(f"column {header!r} names no unit; give the capacity unit with --unit (e.g. mAh)")
        unit = capacity_unit
    elif capacity_unit is not None:
        header_kind = capacity_unit_factor(unit)
        option_kind = capacity_unit_factor(capacity_unit)
        if header_kind != option_kind:
            raise InvalidValue(
                f"column {header!r} is in {unit} but the capacity unit {capacity_unit!r} was "
                "given; leave --unit out or fix the header"
            )
    converted = capacity_unit_factor(unit)
    if converted is None:
        raise InvalidValue(f"column {header!r}: {unit!r} is not a capacity unit; use mAh, Ah, C or mAh/cm2")
    return converted


# --- reading files: the content decides the reader --------------------------------------

# (format, reader) per kind of file, for messages and the README's table.
READERS = {
    "mpr": "BioLogic EC-Lab .mpr (galvani)",
    "mpt": "BioLogic EC-Lab .mpt text (galvani)",
    "res": "Arbin .res (galvani res2sqlite + mdbtools)",
    "nda": "Neware .nda (NewareNDA)",
    "ndax": "Neware .ndax (NewareNDA)",
    "xlsx": "XLSX workbook (pandas + openpyxl)",
    "text": "text export (pandas)",
}
_TEXT_DELIMITERS = ("\t", ",", ";")
_HEADER_SCAN_LINES = 400  # instruments write up to a few hundred lines of settings first


def file_kind(path: Path) -> str:
    """The kind of cycler file, from its first bytes: one of the keys of ``READERS``."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"BIO-LOGIC MODULAR FILE"):
        return "mpr"
    if head.startswith((b"EC-Lab ASCII FILE", b"BT-Lab ASCII FILE")):
        return "mpt"
    if head[4:19] in (b"Standard Jet DB", b"Standard ACE DB"):  # MS Access, as Arbin writes
        return "res"
    if head.startswith(b"NEWARE"):
        return "nda"
    if head.startswith(b"PK\x03\x04"):
        import zipfile

        try:
            names = set(zipfile.ZipFile(path).namelist())
        except zipfile.BadZipFile:
            raise InvalidValue(f"{path.name} is a damaged ZIP archive; export it again") from None
        if "data.ndc" in names:
            return "ndax"
        if any(name.startswith("xl/") for name in names):
            return "xlsx"
        raise InvalidValue(f"{path.name} is a ZIP archive but not an XLSX workbook or .ndax file")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InvalidValue(f"{path.name} is an old Excel .xls workbook; save it as .xlsx or CSV")
    from cedb.limits import looks_binary

    if looks_binary(head):
        raise InvalidValue(
            f"{path.name} is a binary file of no format cedb reads; export it as CSV "
            "(cedb reads .mpr, .mpt, .res, .nda, .ndax, XLSX and text exports)"
        )
    return "text"


def _read_mpr(path: Path) -> "pd.DataFrame":
    import pandas as pd
    from galvani import BioLogic

    with open(path, "rb") as handle:  # galvani leaves a file it opened itself unclosed
        mpr = BioLogic.MPRfile(handle)
    frame = pd.DataFrame(mpr.data)
    for flag in mpr.flags_dict:
        frame[flag] = mpr.get_flag(flag)
    return frame.drop(columns=["flags"], errors="ignore")


def _read_mpt(path: Path) -> "pd.DataFrame":
    import io

    import pandas as pd
    from galvani import BioLogic

    # galvani wants EC-Lab's CRLF line ends; files copied through git or Unix tools have LF.
    data = re.sub(rb"\r?\n", b"\r\n", path.read_bytes())
    for encoding in ("ascii", "latin-1"):
        try:
            rows, _comments = BioLogic.MPTfile(io.BytesIO(data), encoding=encoding)
            return pd.DataFrame(rows)
        except UnicodeDecodeError:
            continue
    raise InvalidValue(f"{path.name}: the EC-Lab header is neither ASCII nor Latin-1")


def _read_res(path: Path) -> "pd.DataFrame":
    import contextlib
    import io
    import shutil
    import sqlite3
    import subprocess
    import tempfile

    import pandas as pd
    from galvani import res2sqlite

    if shutil.which("mdb-export") is None:
        raise InvalidValue(
            f"reading the Arbin file {path.name} needs mdb-export: install mdbtools "
            "(apt-get install mdbtools, brew install mdbtools), or export the test as CSV"
        )
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "res.sqlite"
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # res2sqlite reports progress
                res2sqlite.convert_arbin_to_sqlite(str(path), str(target))
        except subprocess.CalledProcessError:
            raise InvalidValue(f"mdb-export cannot read {path.name}; is it an Arbin .res file?")
        with contextlib.closing(sqlite3.connect(target)) as connection:
            return pd.read_sql("SELECT * FROM Channel_Normal_Table ORDER BY Test_ID, Data_Point", connection)


def _read_neware(path: Path) -> "pd.DataFrame":
    import warnings

    import NewareNDA

    with warnings.catch_warnings():  # its pandas deprecation warnings are not the user's to fix
        warnings.simplefilter("ignore")
        return NewareNDA.read(str(path))


def _read_xlsx(path: Path, sheet: str | int | None) -> tuple["pd.DataFrame", str]:
    """The named sheet, else the first sheet that is a time series, else the first table."""
    import pandas as pd

    if sheet is not None:
        try:
            return pd.read_excel(path, sheet_name=sheet), f"{path.name} (sheet {sheet!r})"
        except ValueError as error:  # unknown sheet name
            raise InvalidValue(f"{path.name}: {error}; pass an existing --sheet") from None
    import openpyxl

    # Choose by the header rows alone: reading every sheet in full costs seconds.
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        headers = {
            name: [str(h) for h in next(book[name].iter_rows(max_row=1, values_only=True), ())
                   if h is not None]
            for name in book.sheetnames
        }  # fmt: skip
    finally:
        book.close()
    tables = [(name, names) for name, names in headers.items() if len(names) >= 3]
    series_roles = ("current", "state")
    chosen = next((name for name, names in tables
                   if any(_series_role(h) in series_roles for h in names)), None)  # fmt: skip
    if chosen is None:
        chosen = next((name for name, names in tables
                       if all(any(r in _roles(h) for h in names)
                              for r in ("cycle", "charge", "discharge"))),
                      book.sheetnames[0])  # fmt: skip
    return pd.read_excel(path, sheet_name=chosen), f"{path.name} (sheet {chosen!r})"


def _header_line(lines: list[str]) -> tuple[int, str]:
    """(index, delimiter) of the column header among an export's first lines.

    The header is the first line that splits into at least three fields, two of
    which name a cycler column, one of them a current or capacity; the settings
    that instruments write above it (Maccor, Novonix, PEC) are skipped.
    """
    strong = {"current", "increment", "since_start", "capacity", "charge", "discharge"}
    for index, line in enumerate(lines):
        line = line.strip().strip('"')
        for delimiter in _TEXT_DELIMITERS:
            fields = [f.strip() for f in line.split(delimiter)]
            if len(fields) < 3:
                continue
            roles = [({_series_role(f)} | _roles(f)) - {None} for f in fields if f]
            named = [r for r in roles if r]
            if len(named) >= 2 and any(r & strong for r in named):
                return index, delimiter
    return 0, ","


def _read_text(path: Path) -> "pd.DataFrame":
    import io

    import pandas as pd

    data = path.read_bytes()
    for encoding in ("utf-8-sig", "latin-1"):  # EC-Lab and Neware exports are often latin-1
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    head = text[:200_000].splitlines()[:_HEADER_SCAN_LINES]
    index, delimiter = _header_line(head)
    offset = 0
    for line in head[:index]:
        offset = text.index(line, offset) + len(line)
    body = text[offset:].lstrip("\r\n")
    if body.startswith('"') and body.split("\n", 1)[0].rstrip().endswith('"'):
        body = re.sub(r'(?m)^"(.*)"\r?$', r"\1", body)  # Novonix quotes whole lines
    # European exports (EC-Lab, Neware on a German or French Windows) write "0,95" with ";".
    sample = head[index + 1] if index + 1 < len(head) else ""
    decimal = "," if delimiter != "," and re.search(r"\d,\d", sample) else "."
    try:
        return pd.read_csv(io.StringIO(body), sep=delimiter, index_col=False, low_memory=False,
                           decimal=decimal)  # fmt: skip
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InvalidValue(
            f"{path.name}: cannot read it as a {repr(delimiter)}-separated table below line "
            f"{index + 1} ({str(error).strip()}); export it again as CSV"
        ) from None


def load_frame(path: str | Path, *, sheet: str | int | None = None) -> tuple["pd.DataFrame", str, str]:
    """(rows of the file, where (name and sheet, for messages), reader) for any cycler file."""
    path = Path(path)
    if not path.is_file():
        raise InvalidValue(f"file {str(path)!r} does not exist; check the path")
    kind = file_kind(path)
    where = path.name
    readers = {"mpr": _read_mpr, "mpt": _read_mpt, "res": _read_res, "nda": _read_neware,
               "ndax": _read_neware, "text": _read_text}  # fmt: skip
    if sheet is not None and kind != "xlsx":
        raise InvalidValue(f"--sheet is for XLSX workbooks; {path.name} is a {READERS[kind]}")
    try:
        if kind == "xlsx":
            frame, where = _read_xlsx(path, sheet)
        else:
            frame = readers[kind](path)
    except InvalidValue:
        raise
    except Exception as error:  # the readers' own exceptions: a file they cannot parse
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InvalidValue(
            f"{READERS[kind].split(' (')[0]} reader cannot read {path.name} ({reason[:200]}); "
            "export it from the instrument's software as CSV"
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, where, READERS[kind]


# --- per-cycle tables -------------------------------------------------------------------


def _chosen(headers: list[str], columns: dict[str, str] | None, where: str) -> dict[str, str]:
    chosen = {role: name for role, name in (columns or {}).items() if name is not None}
    for role, name in chosen.items():
        if role not in COLUMN_ROLES:
            raise InvalidValue(f"unknown column role {role!r}; use one of {COLUMN_ROLES}")
        if name not in headers:
            raise InvalidValue(f"{where} has no column {name!r} ({COLUMN_OPTIONS[role]}); columns are {headers}")
    return chosen


def _implied_units(headers: list[str]) -> dict[str, str]:
    plain = {_plain_name(split_header(h)[0]) for h in headers}
    return {**_IMPLIED_UNITS, **(_ARBIN_UNITS if _ARBIN_MARKERS <= plain else {})}


def _per_cycle_table(
    raw: "pd.DataFrame",
    where: str,
    *,
    capacity_unit: str | None,
    columns: dict[str, str] | None,
    electrode_area_cm2: float | None,
) -> "pd.DataFrame":
    import pandas as pd

    headers = list(raw.columns)
    implied = _implied_units(headers)
    chosen = _chosen(headers, columns, where)
    for role in ("cycle", "charge", "discharge"):
        if role not in chosen:
            picked = _pick(headers, role, capacity_unit, where, implied)
            if picked is None:
                raise InvalidValue(
                    f"{where} has no {role} column among {headers}; name it with "
                    f"{COLUMN_OPTIONS[role]}" + (" or pass --sheet" if "sheet" not in where else "")
                )
            chosen[role] = picked
    frame = pd.DataFrame({"cycle": pd.to_numeric(raw[chosen["cycle"]], errors="coerce")})
    kinds = set()
    for role in ("charge", "discharge"):
        kind, factor = _column_factor(chosen[role], capacity_unit, implied)
        kinds.add(kind)
        frame[role] = pd.to_numeric(raw[chosen[role]], errors="coerce") * factor
    if len(kinds) > 1:
        raise InvalidValue(f"{where}: charge and discharge columns mix mAh and mAh/cm2; export both in one unit")
    (kind,) = kinds
    frame = frame.dropna(how="all")
    missing = frame[frame.isna().any(axis=1)]
    if not missing.empty:
        row = int(missing.index[0]) + 2  # header is line 1, pandas counts from 0
        raise InvalidValue(f"{where} line {row}: a cycle or capacity is not a number; fix or delete it")
    if (frame["cycle"] != frame["cycle"].round()).any():
        raise InvalidValue(f"{where}: the cycle column {chosen['cycle']!r} holds non-integers")
    frame["cycle"] = frame["cycle"].astype(int)
    if frame["cycle"].duplicated().any():
        repeated = int(frame.loc[frame["cycle"].duplicated(), "cycle"].iloc[0])
        raise InvalidValue(
            f"{where}: cycle {repeated} appears twice and no current or step-type column says "
            "how to cut the rows into half cycles; name the current with --current-col, "
            "or keep one row per cycle"
        )
    if (frame[["charge", "discharge"]] < 0).any().any():
        raise InvalidValue(f"{where}: negative capacities; export magnitudes per half cycle")
    if kind == _AREAL and electrode_area_cm2 is not None:
        frame[["charge", "discharge"]] *= _area(electrode_area_cm2)
        kind = _ABSOLUTE
    frame = frame.sort_values("cycle").reset_index(drop=True)
    return frame.rename(columns={"charge": f"charge_{kind}", "discharge": f"discharge_{kind}"})


def _area(electrode_area_cm2: float) -> float:
    area = float(electrode_area_cm2)
    if not area > 0:
        raise InvalidValue(f"electrode area must be positive, got {area:g} cm2")
    return area


def read_table(
    path: str | Path,
    *,
    capacity_unit: str | None = None,
    sheet: str | int | None = None,
    electrode_area_cm2: float | None = None,
    columns: dict[str, str] | None = None,
) -> "pd.DataFrame":
    """Read a per-cycle table (CSV, XLSX) into columns cycle, charge_<unit>, discharge_<unit>.

    ``capacity_unit`` is used for capacity columns whose header names no unit
    (a header unit that disagrees with it is an error). ``columns`` maps the
    roles cycle/charge/discharge to header names when guessing fails. With
    ``electrode_area_cm2`` areal capacities are converted to mAh. Rows are
    sorted by cycle; the unit suffix is ``mAh`` or ``mAh_cm2``.
    """
    raw, where, _reader = load_frame(path, sheet=sheet)
    return _per_cycle_table(raw, where, capacity_unit=capacity_unit, columns=columns,
                            electrode_area_cm2=electrode_area_cm2)  # fmt: skip


def capacity_unit_of(table: "pd.DataFrame") -> str:
    """The unit suffix (``mAh`` or ``mAh_cm2``) of a per-cycle table's capacity columns."""
    for column in table.columns:
        for kind in (_AREAL, _ABSOLUTE):  # the longer suffix first
            if column.endswith("_" + kind):
                return kind
    raise InvalidValue("the table has no *_mAh or *_mAh_cm2 capacity columns")


# --- time series: points -> half cycles -> cycles ---------------------------------------

_CURRENT_TO_MA = {"a": 1000.0, "ma": 1.0, "ua": 1e-3, "µa": 1e-3, "μa": 1e-3, "na": 1e-6}
_TIME_TO_S = {"s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0, "min": 60.0,
              "h": 3600.0, "hr": 3600.0, "hour": 3600.0, "hours": 3600.0}  # fmt: skip


@dataclass(frozen=True)
class TimeSeries:
    """A time series in cedb's terms, one entry per point.

    ``charge_mAh`` and ``discharge_mAh`` are what each point adds to a charge or a
    discharge half cycle; ``direction`` is +1 (charge), -1 (discharge) or 0 (rest,
    OCV, EIS). ``source`` says which columns gave them.
    """

    charge_mAh: "np.ndarray"
    discharge_mAh: "np.ndarray"
    direction: "np.ndarray"
    source: dict
    begins_inside_a_step: bool = False  # the first point's step counter is not at 0


def _numbers(frame: "pd.DataFrame", header: str) -> "np.ndarray":
    import pandas as pd

    return pd.to_numeric(frame[header], errors="coerce").to_numpy(dtype=float)


def step_increments(cumulative: "np.ndarray") -> "np.ndarray":
    """Per-point increments of a capacity that cyclers reset to 0 at each step or cycle.

    Where the value falls by more than it now holds, the counter was reset and the
    point adds its whole value; a smaller fall (noise) is a negative increment. The
    first point adds nothing: what it holds was passed before the file begins.
    """
    import numpy as np

    values = np.nan_to_num(cumulative, nan=0.0)
    increments = np.diff(values, prepend=values[:1])
    reset = (increments < 0) & (values <= -increments)
    increments[reset] = values[reset]
    return increments


def _direction_of_states(values: "pd.Series") -> "np.ndarray | None":
    """+1/-1/0 per point from a step-type column, or None if its values name no direction."""
    import numpy as np
    import pandas as pd

    codes, labels = pd.factorize(values.astype(str).str.strip())
    signs = []
    for label in labels:
        # Neware CC_DChg, Maccor and Landt D / RateD, "discharge"; then the charges.
        lower = label.lower()
        if re.search(r"d ?chg|dis", lower) or re.search(r"(?:^|[^A-Z])D$", label):
            signs.append(-1)
        elif re.search(r"chg|charge", lower) or re.search(r"(?:^|[^A-Z])C$", label):
            signs.append(1)
        else:  # rest, OCV, EIS, pause, numbers
            signs.append(0)
    if not any(signs):
        return None
    return np.append(np.array(signs, dtype=np.int8), np.int8(0))[codes]


def _one(where: str, role: str, candidates: list[str]) -> str | None:
    if len(candidates) > 1:
        if role in COLUMN_OPTIONS:
            raise _ambiguous(where, role, candidates)
        raise InvalidValue(
            f"{where}: several columns look like the {role} column "
            f"({', '.join(map(repr, candidates))}); export only one"
        )
    return candidates[0] if candidates else None


def time_series(frame: "pd.DataFrame", where: str = "the file",
                columns: dict[str, str] | None = None,
                capacity_unit: str | None = None) -> TimeSeries:  # fmt: skip
    """The charge and direction of every point of a cycler time series (rules 1 and 4).

    ``capacity_unit`` is the unit of capacity columns whose header names none.
    """
    import numpy as np

    headers = list(frame.columns)
    implied = _implied_units(headers)
    chosen = _chosen(headers, columns, where)
    by_role: dict[str, list[str]] = {}
    for header in headers:
        role = _series_role(header)
        if role is not None:
            by_role.setdefault(role, []).append(header)

    def capacity_units(candidates: list[str]) -> list[str]:
        return [h for h in candidates
                if capacity_unit_factor(_unit_of(h, implied) or capacity_unit or "")]  # fmt: skip

    current = chosen.get("current") or _one(where, "current", by_role.get("current", []))
    for role in ("charge", "discharge"):
        if role not in chosen:
            found = _one(where, role, capacity_units([h for h in headers if role in _roles(h)]))
            if found is not None:
                chosen[role] = found
    source: dict[str, str] = {}

    def factor(header: str) -> float:
        given = capacity_unit if _unit_of(header, implied) is None else None
        kind, value = _column_factor(header, given, implied)
        if kind != _ABSOLUTE:
            raise InvalidValue(f"{where}: column {header!r} is areal; a time series needs mAh")
        return value

    increment = _one(where, "charge increment", capacity_units(by_role.get("increment", [])))
    since_start = _one(where, "charge", capacity_units(by_role.get("since_start", [])))
    single = _one(where, "capacity", capacity_units(by_role.get("capacity", [])))
    # A step layer (Neware's step export) has one row per step holding the step's total.
    steps = by_role.get("step", [])
    whole_steps = (
        bool(steps) and len(frame) > 1 and not (frame[steps[0]].to_numpy()[1:] == frame[steps[0]].to_numpy()[:-1]).any()
    )
    increments = (lambda values: np.nan_to_num(values)) if whole_steps else step_increments
    if "charge" in chosen and "discharge" in chosen and not (increment and "charge" not in (columns or {})):
        counters = [_numbers(frame, chosen[role]) * factor(chosen[role])
                    for role in ("charge", "discharge")]  # fmt: skip
        charge, discharge = (increments(values) for values in counters)
        source["charge"] = f"{chosen['charge']} and {chosen['discharge']}"
    elif increment or since_start:
        counters = []
        header = increment or since_start or ""
        values = np.nan_to_num(_numbers(frame, header) * factor(header), nan=0.0)
        charge = values if increment else np.diff(values, prepend=values[:1])
        discharge = -charge
        source["charge"] = header
    elif single:
        counters = [np.abs(_numbers(frame, single) * factor(single))]
        charge = discharge = increments(counters[0])
        source["charge"] = single
    elif current and by_role.get("time"):
        time_header = by_role["time"][0]
        to_mA = _current_factor(current, implied, where)
        current_mA = np.nan_to_num(_numbers(frame, current) * to_mA)
        seconds = _numbers(frame, time_header) * _time_factor(time_header, implied)
        # Rectangle rule with the current at the end of each interval: cyclers record a
        # point when a step ends, so a step's current never leaks into the next.
        charge = current_mA * np.nan_to_num(np.diff(seconds, prepend=seconds[:1])) / 3600
        discharge = -charge
        counters = []
        source["charge"] = f"{current} x {time_header}"
    else:
        unitless = [h for h in headers if _roles(h) & {"charge", "discharge"}
                    and _unit_of(h, implied) is None]  # fmt: skip
        hint = f"; {unitless} name no unit: give it with --unit" if unitless else ""
        raise InvalidValue(
            f"{where}: no charge, capacity or current and time columns among {headers}; "
            f"name them with --charge-col and --discharge-col, or --current-col{hint}"
        )
    direction = None
    for header in by_role.get("state", []):
        direction = _direction_of_states(frame[header])
        if direction is not None:
            source["direction"] = f"step type ({header})"
            break
    if direction is None and current is not None:
        amps = np.nan_to_num(_numbers(frame, current))
        scale = float(np.max(np.abs(amps))) if amps.size else 0.0
        direction = np.where(np.abs(amps) > 1e-5 * scale, np.sign(amps), 0).astype(np.int8)
        source["direction"] = f"sign of the current ({current})"
    if direction is None:
        if single:
            raise InvalidValue(
                f"{where}: the capacity column {single!r} is unsigned and no current or step "
                "type says its direction; name the current with --current-col"
            )
        direction = np.sign(charge - discharge).astype(np.int8)
        source["direction"] = "sign of the charge increment"
    inside = not whole_steps and bool(direction[0]) and any(np.nan_to_num(c[:1]).sum() > 0 for c in counters)
    return TimeSeries(charge, discharge, direction, source, inside)


def _current_factor(header: str, implied: dict[str, str], where: str) -> float:
    unit = (_unit_of(header, implied) or "").strip().lower()
    if unit not in _CURRENT_TO_MA:
        raise InvalidValue(
            f"{where}: the current column {header!r} has no unit in A, mA or uA; "
            "name a capacity column with --charge-col and --discharge-col instead"
        )
    return _CURRENT_TO_MA[unit]


def _time_factor(header: str, implied: dict[str, str]) -> float:
    unit = (_unit_of(header, implied) or "s").strip().lower()
    return _TIME_TO_S.get(unit, 1.0)


@dataclass(frozen=True)
class HalfCycles:
    """The half cycles of a time series, in the order they ran (rules 2 and 3)."""

    direction: "np.ndarray"  # +1 charge, -1 discharge, strictly alternating
    charge_mAh: "np.ndarray"
    first_point: "np.ndarray"  # 0-based positions of the first and last point
    last_point: "np.ndarray"
    negligible_runs: int  # runs below NEGLIGIBLE_FRACTION of the largest, not counted


def half_cycles(series: TimeSeries) -> HalfCycles:
    """Cut a time series into half cycles: runs of one direction, rests ignored (rules 2-3)."""
    import numpy as np

    active = np.flatnonzero(series.direction != 0)
    direction = series.direction[active]
    charge = np.where(direction > 0, series.charge_mAh[active], series.discharge_mAh[active])
    if not active.size:
        empty = np.array([], dtype=int)
        return HalfCycles(empty, np.array([], dtype=float), empty, empty, 0)
    starts = np.flatnonzero(np.r_[True, direction[1:] != direction[:-1]])
    ends = np.r_[starts[1:], direction.size] - 1
    run_charge = np.add.reduceat(charge, starts)
    largest = float(run_charge.max())
    keep = run_charge > NEGLIGIBLE_FRACTION * largest if largest > 0 else run_charge > 0
    signs, run_charge = direction[starts][keep], run_charge[keep]
    first, last = active[starts][keep], active[ends][keep]
    if signs.size:  # runs that a dropped run separated join (rule 3)
        joined = np.flatnonzero(np.r_[True, signs[1:] != signs[:-1]])
        joined_ends = np.r_[joined[1:], signs.size] - 1
        signs, run_charge = signs[joined], np.add.reduceat(run_charge, joined)
        first, last = first[joined], last[joined_ends]
    return HalfCycles(signs.astype(int), run_charge, first, last, int((~keep).sum()))


def _describe(halves: HalfCycles, index: int, position: str) -> dict:
    """A half cycle left out: why (leading, trailing, incomplete), direction, charge, points."""
    return {
        "position": position,
        "direction": "charge" if halves.direction[index] > 0 else "discharge",
        "charge_mAh": float(halves.charge_mAh[index]),
        "points": [int(halves.first_point[index]) + 1, int(halves.last_point[index]) + 1],
    }


def pair_half_cycles(
    halves: HalfCycles, *, first: int, begins_inside: bool = False
) -> tuple["pd.DataFrame", list[dict]]:
    """Pair each half cycle of direction ``first`` with the one after it (rule 5).

    Returns the per-cycle table (cycle, charge_mAh, discharge_mAh) and the
    half cycles dropped for want of a partner (a leading one of the other
    direction, a trailing one of direction ``first``), or because the file
    begins inside it (``begins_inside``: its capacity counter is not at 0).
    """
    import pandas as pd

    signs = halves.direction
    dropped = []
    start = 1 if begins_inside and signs.size and halves.first_point[0] == 0 else 0
    if start:
        dropped.append(_describe(halves, 0, "incomplete"))
    if signs.size > start and signs[start] != first:
        dropped.append(_describe(halves, start, "leading"))
        start += 1
    pairs = (signs.size - start) // 2

    if (signs.size - start) % 2:
        dropped.append(_describe(halves, signs.size - 1, "trailing"))
    leading = halves.charge_mAh[start : start + 2 * pairs : 2]
    following = halves.charge_mAh[start + 1 : start + 2 * pairs : 2]
    charge, discharge = (leading, following) if first > 0 else (following, leading)
    table = pd.DataFrame({"cycle": range(1, pairs + 1), "charge_mAh": charge, "discharge_mAh": discharge})
    return table, dropped


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


# --- one entry point ------------------------------------------------------------------


@dataclass(frozen=True)
class CycleFile:
    """A cycler file read into cycles, with what the reading left out."""

    table: "pd.DataFrame"  # half_cell() or full_cell() output
    reader: str  # the format and the library that read it
    layout: str  # "time series" or "per-cycle table"
    half_cycles: int  # half cycles found in a time series (0 for a per-cycle table)
    dropped: list[dict]  # half cycles without a partner (rule 5)
    negligible_runs: int  # runs below NEGLIGIBLE_FRACTION of the largest (rule 3)
    source: dict  # the columns the charge and the direction came from

    def summary(self) -> dict:
        """What a report needs: reader, layout, cycles used, half cycles dropped."""
        return {
            "reader": self.reader,
            "layout": self.layout,
            "cycles_used": len(self.table),
            "half_cycles_found": self.half_cycles,
            "half_cycles_dropped": self.dropped,
            "negligible_runs": self.negligible_runs,
            **({"read_from": self.source} if self.source else {}),
        }


def _is_time_series(frame: "pd.DataFrame", columns: dict[str, str] | None) -> bool:
    if (columns or {}).get("current"):
        return True
    roles = {_series_role(str(h)) for h in frame.columns}
    return bool(roles & {"current", "increment", "since_start", "state"})


def _no_complete_cycle(where: str, halves: HalfCycles, first: int, cell: str) -> InvalidValue:
    names = {1: "charge", -1: "discharge"}
    if cell == "half":
        names = {first: "plating", -first: "stripping"}
    found = [f"{names[int(s)]} {q:.4g} mAh" for s, q in zip(halves.direction, halves.charge_mAh)]
    if not found:
        text = "no half cycle" + (
            f"; {halves.negligible_runs} runs below {NEGLIGIBLE_FRACTION:.0%} of the largest"
            if halves.negligible_runs
            else ", no charge passed"
        )
    else:
        text = f"{len(found)} half cycle{'s' * (len(found) > 1)}: " + ", ".join(found[:4])
    what = "plating/stripping" if cell == "half" else "charge/discharge"
    return InvalidValue(f"no complete {what} cycle in {where} (found: {text})")


def read_cycle_file(
    path: str | Path,
    *,
    cell: str = "half",
    plating: str = "discharge",
    capacity_unit: str | None = None,
    sheet: str | int | None = None,
    electrode_area_cm2: float | None = None,
    columns: dict[str, str] | None = None,
) -> CycleFile:
    """Read any supported cycler file into a per-cycle half-cell or full-cell table.

    ``cell="half"`` gives cycle, plated_*, stripped_*, ce_percent (Li||Cu);
    ``cell="full"`` gives cycle, charge_*, discharge_*, ce_percent, retention_percent.
    Time series are cut into half cycles and paired by the rule of this module's
    docstring; ``columns`` names the cycle, charge, discharge or current column
    where guessing fails. The reader is chosen by content (see ``file_kind``).
    """
    if cell not in CELL_CHOICES:
        raise InvalidValue(f"cell must be 'half' or 'full', got {cell!r}")
    if plating not in PLATING_CHOICES:
        raise InvalidValue(f"plating must be 'charge' or 'discharge', got {plating!r}")
    frame, where, reader = load_frame(path, sheet=sheet)
    if frame.empty:
        raise InvalidValue(f"{where} holds no rows; check the exported file")
    halves, source = None, {}
    dropped: list = []
    if _is_time_series(frame, columns):
        series = time_series(frame, where, columns, capacity_unit)
        halves = half_cycles(series)
        first = 1 if cell == "full" or plating == "charge" else -1
        table, dropped = pair_half_cycles(halves, first=first, begins_inside=series.begins_inside_a_step)
        if table.empty:
            raise _no_complete_cycle(where, halves, first, cell)
        source = series.source
        if electrode_area_cm2 is not None:
            # time series give absolute charge; the area gives the areal form here.
            table = table.rename(columns={"charge_mAh": "charge_mAh_cm2", "discharge_mAh": "discharge_mAh_cm2"})
            table[["charge_mAh_cm2", "discharge_mAh_cm2"]] /= _area(electrode_area_cm2)
    else:
        table = _per_cycle_table(frame, where, capacity_unit=capacity_unit, columns=columns,
                                 electrode_area_cm2=electrode_area_cm2)  # fmt: skip
        if table.empty:
            raise InvalidValue(f"no complete plating/stripping cycle in {where} (found: no rows)")
    out = half_cell(table, plating=plating) if cell == "half" else full_cell(table)
    return CycleFile(
        table=out,
        reader=reader,
        layout="time series" if halves is not None else "per-cycle table",
        half_cycles=int(halves.direction.size) if halves is not None else 0,
        dropped=dropped,
        negligible_runs=halves.negligible_runs if halves is not None else 0,
        source=source,
    )


def read_cycles(path: str | Path, **options) -> "pd.DataFrame":
    """``read_cycle_file(path, **options).table``: the per-cycle table alone."""
    return read_cycle_file(path, **options).table


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
    # cycles of the stable window left out of its mean: measured CE off the rolling median
    # by more than the band (a bad cycle, a short circuit, a cycler glitch)
    outlier_cycles: list[int] = field(default_factory=list)

    def spans(self) -> list[tuple[str, int, int | None]]:
        """(stage, first cycle, last cycle) for the formation, stable and decay stages found."""
        if self.stable_start_cycle is None:
            return []
        spans: list[tuple[str, int, int | None]] = []
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
    The stable CE is the mean of the window's measured CE without its outliers:
    cycles whose measured CE is off the smoothed one by more than the band
    (``outlier_cycles``), so one bad cycle moves neither the window nor its mean.
    """
    import numpy as np

    if "ce_percent" not in per_cycle or "cycle" not in per_cycle:
        raise InvalidValue("stage detection needs a per-cycle table with cycle and ce_percent")
    if window < 1 or min_stable_cycles < 1 or tolerance_percent < 0:
        raise InvalidValue("window and min_stable_cycles must be >= 1, tolerance_percent >= 0")
    data = per_cycle[["cycle", "ce_percent"]].dropna().sort_values("cycle")
    if len(data) < min_stable_cycles:
        raise InvalidValue(f"only {len(data)} cycles with a CE; stage detection needs at least {min_stable_cycles}")
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
    window_ce, window_smooth = ce.iloc[start:stop], smooth.iloc[start:stop]
    outlier = (window_ce - window_smooth).abs() > tolerance
    params["outlier_rule"] = f"|CE - rolling median of {window} cycles| > {tolerance:.3g} percentage points"
    return HalfCellStages(
        formation_end_cycle=cycles[start - 1] if start > 0 else None,
        stable_start_cycle=cycles[start],
        stable_end_cycle=cycles[stop - 1],
        stable_cycles=stop - start,
        stable_ce_percent=float(window_ce[~outlier].mean()),
        decay_onset_cycle=cycles[stop] if stop < len(cycles) else None,
        tolerance_percent=tolerance,
        params=params,
        outlier_cycles=[cycles[start + i] for i in range(stop - start) if outlier.iloc[i]],
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
    smooth = data[column].astype(float).rolling(5, center=True, min_periods=1).median().to_numpy()
    below = np.nonzero(smooth < fit_until_retention * capacity[0])[0]
    end = int(below[0]) + 1 if below.size else len(cycles)
    x, y = cycles[1:end].astype(float), capacity[1:end]
    if len(x) < 6 or not (y > 0).all():
        return FullCellStages(None, None, None, params)
    best: tuple | None = None
    for knee in x[2:-2]:
        design = np.column_stack([np.ones_like(x), np.minimum(x - knee, 0), np.maximum(x - knee, 0)])
        coefficients, *_ = np.linalg.lstsq(design, np.log(y), rcond=None)
        sse = float(np.sum((design @ coefficients - np.log(y)) ** 2))
        if best is None or sse < best[0]:
            best = (sse, knee, coefficients)
    assert best is not None  # x has at least 6 points, so the loop ran
    _, knee, (log_level, slope1, slope2) = best
    drop = math.exp(log_level) - float(np.min(y[x > knee]))
    is_knee = slope2 < 0 and abs(slope2) >= min_slope_ratio * abs(slope1)
    if not is_knee or drop <= min_drop * capacity[0]:
        return FullCellStages(None, float(slope1), float(slope2), params)
    following = cycles[cycles > knee]
    return FullCellStages(int(following[0]), float(slope1), float(slope2), params)


# --- CE and stages from a file -----------------------------------------------------------

MIN_CYCLES_FOR_STAGES = 5  # the stable window of a half cell needs at least this many cycles
MIN_CYCLES_FOR_EXHAUSTION = 8  # a full cell's two-segment fit needs at least this many


def parse_capacities(**texts: str | float | None) -> dict[str, float]:
    """Capacities typed by a person, by name (None: not given, left out), each as
    ``parse_capacity`` reads it; those given with units must agree in kind (all mAh or all
    mAh cm^-2), since the CE methods divide one by another."""
    values, kinds = {}, {}
    for name, text in texts.items():
        if text is None:
            continue
        values[name], kind = parse_capacity(text)
        if kind is not None:
            kinds[name] = kind
    if len(set(kinds.values())) > 1:
        named = ", ".join(f"{k}: {v.replace('_', '/')}" for k, v in kinds.items())
        raise InvalidValue(f"capacities mix mAh and mAh/cm2 ({named}); give them in one kind of unit")
    return values


def _file_inputs(path: str | Path, **options: object) -> dict:
    """The inputs of a CE computed from a file: its name and the reading options given."""
    return {"file": Path(path).name, **{k: v for k, v in options.items() if v is not None}}


def conventional_ce(
    path: str | Path,
    *,
    plating: str = "discharge",
    skip_cycles: int = 0,
    capacity_unit: str | None = None,
    sheet: str | int | None = None,
    electrode_area_cm2: float | None = None,
    columns: dict[str, str] | None = None,
    on_read: Callable[[CycleFile], None] | None = None,
) -> CEResult:
    """Conventional CE (eqns 1-2) of a Li||Cu cycler file: the file read by
    ``read_cycle_file(cell="half")``, then ``cedb.ce.conventional`` over its cycles.

    The result's inputs name the file, the reading options given and what the reading found
    (``CycleFile.summary``). ``on_read`` is called with the file as read before the CE is
    computed, so a caller can report what the reading left out even when the CE then fails.
    """
    from cedb import ce

    read = read_cycle_file(path, cell="half", plating=plating, capacity_unit=capacity_unit, sheet=sheet,
                           electrode_area_cm2=electrode_area_cm2, columns=columns)  # fmt: skip
    if on_read is not None:
        on_read(read)
    kind = capacity_unit_of(read.table)
    result = ce.conventional(read.table[f"plated_{kind}"], read.table[f"stripped_{kind}"], skip_cycles=skip_cycles)
    inputs = _file_inputs(path, plating=plating, skip_cycles=skip_cycles, sheet=sheet, unit=capacity_unit,
                          area_cm2=electrode_area_cm2, columns=columns or None)  # fmt: skip
    inputs.update(read.summary())
    return replace(result, inputs=inputs)


def zhang_full_ce(
    path: str | Path,
    *,
    q_li: str | float,
    retention: float = 0.8,
    capacity_unit: str | None = None,
    sheet: str | int | None = None,
    electrode_area_cm2: float | None = None,
    columns: dict[str, str] | None = None,
    on_read: Callable[[CycleFile], None] | None = None,
) -> CEResult:
    """Zhang's full-cell CE (eqn 6) of a full-cell cycler file, with the excess Li ``q_li``
    (a bare number in the file's capacity unit, or with a unit of the same kind).

    Inputs and ``on_read`` as in ``conventional_ce``.
    """
    from cedb import ce

    read = read_cycle_file(path, cell="full", capacity_unit=capacity_unit, sheet=sheet,
                           electrode_area_cm2=electrode_area_cm2, columns=columns)  # fmt: skip
    if on_read is not None:
        on_read(read)
    kind = capacity_unit_of(read.table)
    value, q_kind = parse_capacity(q_li)
    if q_kind is not None and q_kind != kind:
        raise InvalidValue(
            f"--q-li is in {q_kind.replace('_', '/')} but the file's capacities are in "
            f"{kind.replace('_', '/')}; give --q-li in the file's unit"
            + (" or pass --area" if kind == "mAh_cm2" else "")
        )
    result = ce.zhang_full(read.table[f"charge_{kind}"], read.table[f"discharge_{kind}"], value, retention=retention)
    inputs = _file_inputs(path, sheet=sheet, unit=capacity_unit, area_cm2=electrode_area_cm2, columns=columns or None)
    inputs.update(result.inputs, capacity_unit=kind.replace("_", "/"), **read.summary())
    return replace(result, inputs=inputs)


def detect_stages(per_cycle: pd.DataFrame, *, cell: str) -> HalfCellStages | FullCellStages | None:
    """The stages of a per-cycle table's curve: a half cell's formation, stable window and
    decay (``detect_half_cell_stages``, from ``MIN_CYCLES_FOR_STAGES`` cycles), a full cell's
    reservoir exhaustion (``detect_reservoir_exhaustion``, from ``MIN_CYCLES_FOR_EXHAUSTION``);
    None when the table has too few cycles to tell."""
    if cell not in CELL_CHOICES:
        raise InvalidValue(f"cell must be 'half' or 'full', got {cell!r}")
    if cell == "half" and len(per_cycle) >= MIN_CYCLES_FOR_STAGES:
        return detect_half_cell_stages(per_cycle, min_stable_cycles=MIN_CYCLES_FOR_STAGES)
    if cell == "full" and len(per_cycle) >= MIN_CYCLES_FOR_EXHAUSTION:
        return detect_reservoir_exhaustion(per_cycle)
    return None
