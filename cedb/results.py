"""Turning what a user typed (CLI, curation file, spreadsheet) into a validated result (pure).

Every entry point passes raw values through ``normalise``, so "20 A/m^2", "Li||Cu"
and "99.6 %" mean the same everywhere and a bad value is refused the same way.
"""

import functools
import json
import operator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from cedb import precision, units
from cedb.ce import CEResult
from cedb.errors import InvalidValue
from cedb.store.models import (
    Category,
    Cell,
    MeasurementBase,
    Method,
    ReferenceBase,
    Statistic,
    Status,
    StrategyBase,
)
from cedb.terms import listed, parse_word

# Measurement fields a user can set, with how to read each one.
QUANTITY_FIELDS = {
    "current_density_mA_cm2": units.CURRENT_DENSITY,
    "areal_capacity_mAh_cm2": units.AREAL_CAPACITY,
    "cathode_loading_mAh_cm2": units.AREAL_CAPACITY,
    "temperature_C": units.TEMPERATURE,
    "ec_ratio_g_Ah": units.EC_RATIO,
}
WORD_FIELDS: dict[str, type[Enum]] = {"cell": Cell, "method": Method, "statistic": Statistic, "status": Status}
TEXT_FIELDS = ("location", "quote", "curator", "note")
# The one list of each entity's fields (curation files, spreadsheets, bulk loads and views use these).
REFERENCE_FIELDS = (
    "key",
    "doi",
    "title",
    "authors",
    "year",
    "journal",
    "volume",
    "pages",
    "entry_type",
    "note",
    "bibtex",
)  # in curation-file order
STRATEGY_FIELDS = tuple(StrategyBase.model_fields)  # category, label, host, electrolyte, ...
MEASUREMENT_FIELDS = tuple(MeasurementBase.model_fields)  # cell, method, current_density_mA_cm2, ...


def _defaults(model) -> dict[str, Any]:
    return {
        name: getattr(f.default, "value", f.default)
        for name, f in model.model_fields.items()
        if not f.is_required() and f.default is not None
    }


# The models' defaults as stored words: method unspecified, status draft, full_cell_derived
# False; entry_type article. Bulk writes and duplicate checks apply these, never copies.
MEASUREMENT_DEFAULTS = _defaults(MeasurementBase)
REFERENCE_DEFAULTS = _defaults(ReferenceBase)

# Short names used by the CLI and spreadsheets.
ALIASES = {
    "ce": "ce_percent",
    "current": "current_density_mA_cm2",
    "capacity": "areal_capacity_mAh_cm2",
    "temperature": "temperature_C",
    "ec_ratio": "ec_ratio_g_Ah",
    "cathode_loading": "cathode_loading_mAh_cm2",
    "e/c": "ec_ratio_g_Ah",
    "n/p": "np_ratio",
}


@dataclass
class ResultInput:
    """A validated result: the measurement values, its strategy, its paper and source keys."""

    paper: str
    measurement: dict[str, Any] = field(default_factory=dict)
    strategy: dict[str, Any] = field(default_factory=dict)
    source: str | None = None


def _bool(value: object, what: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "y", "1", "#"):
        return True
    if text in ("false", "no", "n", "0", ""):
        return False
    raise InvalidValue(f"{what} {value!r} is not true or false")


def normalise_field(name: str, value: Any) -> Any:
    """One measurement or strategy field, validated and in its canonical unit or word."""
    name = ALIASES.get(name, name)
    value = _normalise_field(name, value)
    _check_limits(name, value)
    return value


def _check_limits(name: str, value: Any) -> None:
    """The model's limits (also CHECKs in the database) as a one-line error, not a pydantic traceback."""
    if value is None:
        return
    for check in _limits(name):
        check(value)


@functools.lru_cache(maxsize=None)
def _limits(name: str) -> tuple:
    """The checks of field ``name``'s limits, built once per field (not once per value)."""
    import annotated_types as at

    from cedb.store.models import MeasurementBase, StrategyBase

    model = StrategyBase if name in STRATEGY_FIELDS else MeasurementBase
    info = model.model_fields.get(name)
    if info is None:
        return ()
    checks = []
    for limit in info.metadata:
        if isinstance(limit, at.MaxLen):
            checks.append(functools.partial(_max_length, name, limit.max_length))
        for kind, attribute, fails, text in (
            (at.Ge, "ge", operator.lt, "at least"),
            (at.Le, "le", operator.gt, "at most"),
            (at.Gt, "gt", operator.le, "more than"),
            (at.Lt, "lt", operator.ge, "less than"),
        ):
            if isinstance(limit, kind):
                checks.append(functools.partial(_bound, name, fails, getattr(limit, attribute), text))
    return tuple(checks)


def _max_length(name: str, most: int, value: Any) -> None:
    if len(value) > most:
        raise InvalidValue(f"{name} is {len(value)} characters long: at most {most} allowed")


def _bound(name: str, fails, bound: float, text: str, value: Any) -> None:
    if fails(value, bound):
        raise InvalidValue(f"{name} {value:g} is out of range: it must be {text} {bound:g}")


def _normalise_field(name: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str) and not value.strip() and name not in ("ce_percent",):
        return None
    if name == "ce_percent":
        return units.ce_percent(value)
    if name in QUANTITY_FIELDS:
        quantity = QUANTITY_FIELDS[name]
        if name == "temperature_C":
            return units.to_canonical(value, quantity)
        return units.positive(value, quantity)
    if name == "np_ratio":
        number = units.to_canonical(value, units.Quantity("N/P ratio", "dimensionless", "a plain number"))
        if number <= 0:
            raise InvalidValue(f"N/P ratio must be positive, got {value!r}")
        return number
    if name == "cycles":
        return units.cycles(value)
    if name == "ce_decimals":
        whole = precision.decimals(value) == 0  # a whole number, as text or int
        places = int(str(value).strip()) if whole else -1
        if not 0 <= places <= precision.MAX_DECIMALS:
            raise InvalidValue(f"ce_decimals {value!r} is not a count of decimals from 0 to {precision.MAX_DECIMALS}")
        return places
    if name in WORD_FIELDS:
        return parse_word(WORD_FIELDS[name], value, name).value
    if name == "category":
        return parse_word(Category, value, "category").value
    if name == "full_cell_derived":
        return _bool(value, "full_cell_derived")
    if name == "method_params":
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise InvalidValue(f"method_params {value!r} is not JSON") from None
        if not isinstance(value, dict):
            raise InvalidValue("method_params must be a mapping of parameter names to values")
        try:
            return json.dumps(value, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError):
            raise InvalidValue("method_params must hold only numbers, text, lists and mappings") from None
    if name in TEXT_FIELDS or name in STRATEGY_FIELDS:
        return clean_text(value, name)
    raise InvalidValue(f"unknown field {name!r}")


def clean_text(value: Any, name: str) -> str | None:
    """Text as stored: stripped; NUL and invalid Unicode (lone surrogates) refused."""
    text = str(value).strip()
    if "\x00" in text:
        raise InvalidValue(f"{name} contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue(f"{name} is not valid UTF-8 text") from None
    return text or None


def normalise(raw: dict[str, Any]) -> ResultInput:
    """Validate a flat mapping (paper, ce, current, ..., label, host, source) into a ResultInput."""
    values = {ALIASES.get(k, k): v for k, v in raw.items()}
    paper = values.pop("paper", None)
    if not paper or not str(paper).strip():
        raise InvalidValue("a result needs its paper: give the citation key (see `cedb paper list`)")
    if values.get("ce_percent") is None:
        raise InvalidValue("a result needs its CE: give it in percent, e.g. --ce 99.6")
    source = values.pop("source", None)
    result = ResultInput(paper=str(clean_text(paper, "paper")), source=clean_text(source, "source") if source else None)
    for name, value in values.items():
        if name in STRATEGY_FIELDS:
            result.strategy[name] = normalise_field(name, value)
        elif name in MEASUREMENT_FIELDS:
            result.measurement[name] = normalise_field(name, value)
        else:
            raise InvalidValue(f"unknown field {name!r}")
    result.strategy = {k: v for k, v in result.strategy.items() if v is not None}
    # Blank is "not given": the model's default applies (None is not a status or a method).
    result.measurement = {k: v for k, v in result.measurement.items() if v is not None}
    precision.derive(result.measurement, values.get("ce_percent"))
    if result.strategy and "label" not in result.strategy:
        result.strategy["label"] = _default_label(result.strategy)
    if result.strategy and "category" not in result.strategy:
        raise InvalidValue(f"a strategy needs its category: {listed(Category)}")
    # The database's default, set here so that duplicate and conflict checks compare like with like.
    if result.measurement.get("method") is None:
        result.measurement["method"] = MEASUREMENT_DEFAULTS["method"]
    return result


def _default_label(strategy: dict[str, Any]) -> str:
    for name in ("host", "electrolyte", "additive"):
        if strategy.get(name):
            return str(strategy[name])[:200]
    return strategy.get("category", "unlabelled")


CONDITION_FIELDS = ("cell", "method", "current_density_mA_cm2", "areal_capacity_mAh_cm2", "cycles")


def changes(values: dict[str, Any]) -> ResultInput:
    """The changes of an edit (`cedb result edit`) from a flat mapping as ``normalise`` reads
    it: only the given fields, each validated; an empty ``paper`` keeps the result's paper. A new
    CE brings its own reported precision (or none)."""
    values = dict(values)
    edit = ResultInput(paper=values.pop("paper", ""), source=values.pop("source", None))
    for name, value in values.items():
        name = ALIASES.get(name, name)
        target = edit.strategy if name in STRATEGY_FIELDS else edit.measurement
        target[name] = normalise_field(name, value)
        if name == "ce_percent":
            edit.measurement["ce_decimals"] = precision.decimals(value)
    return edit


def from_ce(ce: CEResult, *, method: str, default_cell: str | None = None, **options: Any) -> ResultInput:
    """A computed CE as a result to store: average CE by ``method``,
    with the method's inputs as ``method_params`` and its cycles; ``options`` are the flat
    fields of ``normalise`` (paper, current, capacity, cell, label, source, ...; None = not given).
    The cell defaults to the method's (``default_cell``)."""
    if not options.get("paper"):
        raise InvalidValue("--record needs --paper KEY: the paper these data belong to")
    raw = {k: v for k, v in options.items() if v is not None}
    raw.setdefault("cell", default_cell)
    if raw.get("cell") is None:
        raw.pop("cell")
    if any(raw.get(k) for k in ("host", "electrolyte", "additive", "label")) and "category" not in raw:
        raise InvalidValue("a strategy needs its category: give --category with --label/--host/--electrolyte")
    raw.update(ce=ce.ce_percent, method=method, statistic="average", method_params={"method": method, **ce.inputs})
    if ce.cycles:
        raw["cycles"] = ce.cycles
    return normalise(raw)
