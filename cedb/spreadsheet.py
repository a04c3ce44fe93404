"""Bulk import of an existing spreadsheet (CSV/XLSX) through a column mapping (documented in curation/README.md).

Every row is validated like `cedb result add`; a bad row is reported with its
number and reason and skipped, the others are added. With ``dry_run`` nothing is written.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session

from cedb import crud
from cedb.errors import CedbError, InvalidValue, NotFound
from cedb.results import ALIASES, MEASUREMENT_FIELDS, STRATEGY_FIELDS, normalise

FIELDS = ("paper", "source") + STRATEGY_FIELDS + MEASUREMENT_FIELDS
MAPPING_KEYS = ("columns", "units", "defaults", "sheet")


@dataclass
class Mapping:
    columns: dict[str, str]  # cedb field -> spreadsheet column
    units: dict[str, str] = field(default_factory=dict)  # cedb field -> unit of bare numbers
    defaults: dict[str, Any] = field(default_factory=dict)  # cedb field -> value for every row
    sheet: str | int | None = None


def _field(name: str) -> str:
    canonical = ALIASES.get(name, name)
    if canonical not in FIELDS:
        raise InvalidValue(f"mapping names unknown field {name!r}: use one of {', '.join(FIELDS)}")
    return canonical


def read_mapping(path: Path) -> Mapping:
    import yaml

    if not path.is_file():
        raise NotFound(f"no such mapping file: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidValue(f"{path} is not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
        raise InvalidValue(f"{path} needs a 'columns' mapping of cedb field: spreadsheet column")
    unknown = set(data) - set(MAPPING_KEYS)
    if unknown:
        raise InvalidValue(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; allowed are {', '.join(MAPPING_KEYS)}")
    return Mapping(
        columns={_field(k): str(v) for k, v in data["columns"].items()},
        units={_field(k): str(v) for k, v in (data.get("units") or {}).items()},
        defaults={_field(k): v for k, v in (data.get("defaults") or {}).items()},
        sheet=data.get("sheet"),
    )


def read_table(path: Path, sheet: str | int | None = None):
    import pandas as pd

    if not path.is_file():
        raise NotFound(f"no such file: {path}")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return pd.read_excel(path, sheet_name=sheet or 0, dtype=object)
        if path.suffix.lower() in (".csv", ".txt", ".tsv"):
            # utf-8-sig: Excel's "CSV UTF-8" starts with a byte-order mark that would stick to the first header.
            return pd.read_csv(path, dtype=object, sep=None, engine="python", keep_default_na=False,
                               encoding="utf-8-sig")
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise InvalidValue(f"cannot read {path}: {exc}") from None
    raise InvalidValue(f"{path}: unsupported file type; give a .csv or .xlsx file")


@dataclass
class ImportReport:
    total: int = 0
    added: list[int] = field(default_factory=list)  # row numbers (spreadsheet lines, header = 1)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    dry_run: bool = False

    def summary(self) -> str:
        verb = "would be added" if self.dry_run else "added"
        return f"{len(self.added)} / {self.total} rows {verb}, {len(self.rejected)} rejected"


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    try:
        import math

        if isinstance(value, float) and math.isnan(value):
            return True
    except TypeError:
        pass
    return isinstance(value, str) and not value.strip()


def import_rows(*, session: Session, path: Path, mapping: Mapping, dry_run: bool = False) -> ImportReport:
    """Add every valid row; each row runs in a savepoint so a rejected row leaves no trace."""
    frame = read_table(path, mapping.sheet)
    missing = [c for c in mapping.columns.values() if c not in frame.columns]
    if missing:
        raise InvalidValue(f"{path} has no column(s) {', '.join(repr(m) for m in missing)}; "
                           f"it has {', '.join(repr(str(c)) for c in frame.columns)}")
    report = ImportReport(dry_run=dry_run)
    # A dry run keeps its rows until the end, so a later row is checked against the earlier ones
    # (duplicates and conflicts inside the file are reported exactly as a real import would).
    outer = session.begin_nested() if dry_run else None
    for index, record in enumerate(frame.to_dict(orient="records")):
        row_number = index + 2  # the header is line 1
        if all(_is_blank(record.get(column)) for column in mapping.columns.values()):
            continue  # an empty line is not a result
        report.total += 1
        raw = dict(mapping.defaults)
        for name, column in mapping.columns.items():
            value = record.get(column)
            if _is_blank(value):
                continue
            if name in mapping.units and _is_number(value):
                value = f"{value} {mapping.units[name]}"
            raw[name] = value
        try:
            result = normalise(raw)
            savepoint = session.begin_nested()
            try:
                crud.add_result(session=session, result=result)
            except BaseException:
                savepoint.rollback()
                raise
            savepoint.commit()
        except CedbError as exc:
            report.rejected.append((row_number, str(exc)))
            continue
        report.added.append(row_number)
    if outer is not None:
        outer.rollback()
    return report


def _is_number(value: Any) -> bool:
    try:
        float(str(value).replace(",", ""))
        return True
    except ValueError:
        return False
