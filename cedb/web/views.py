"""What the pages show: URL parameters -> query filters, query rows -> rows with verdicts.

Every page reads through ``cedb.store.query`` (the module behind `cedb query`) and asks
``cedb.practical`` for verdicts and their reasons; nothing here decides what is
practical. The server and the static site both use these functions.
"""

import csv
import io
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from cedb.errors import InvalidValue
from cedb.precision import cell_text
from cedb.store.query import ROW_KEYS, Filters

# The filter form's parameters, as they appear in a URL (the `cedb query` option names).
LIST_PARAMS = ("category", "cell", "method", "salt", "solvent", "diluent")
NUMBER_PARAMS = ("min_ce", "max_ce")
YEAR_PARAMS = ("year_from", "year_to")
TEXT_PARAMS = ("practical", "profile", "strict", "paper", "sort")
PARAMS = TEXT_PARAMS[:3] + NUMBER_PARAMS + LIST_PARAMS + YEAR_PARAMS + TEXT_PARAMS[3:] + ("page",)
# Rows per page of the results table: all rows are selected and counted, a page is drawn.
PAGE_SIZE = 500

# The results table: key, header, unit.
COLUMNS = (
    ("id", "ID", ""),
    ("paper", "Paper", ""),
    ("year", "Year", ""),
    ("category", "Category", ""),
    ("label", "Strategy", ""),
    ("cell", "Cell", ""),
    ("method", "Method", ""),
    ("current_density_mA_cm2", "Current", "mA cm⁻²"),
    ("areal_capacity_mAh_cm2", "Capacity", "mAh cm⁻²"),
    ("cycles", "Cycles", ""),
    ("ce_percent", "CE", "%"),
)
# The "how to cite this dataset" section.
CITATION = {
    "software": "cedb, a curated database of lithium metal anode coulombic efficiency results",
    "review": "Sun et al., EES Batteries 2025, 1, 340–363, doi:10.1039/d4eb00034j",
    "review_doi": "10.1039/d4eb00034j",
}


# --------------------------------------------------------------------------- parameters


def clean_params(items: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """The known, non-empty filter parameters of a query string, in PARAMS order."""
    values: dict[str, list[str]] = {}
    for name, value in items:
        value = value.strip()
        if name in PARAMS and value:
            values.setdefault(name, []).append(value)
    return {name: values[name] for name in PARAMS if name in values}


def _number(name: str, text: str, kind=float):
    try:
        return kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise InvalidValue(f"{name} {text!r} is not {what}") from None


def to_filters(params: dict[str, list[str]]) -> Filters:
    """The query filters a page's parameters stand for (bad values raise InvalidValue)."""
    first = {name: values[0] for name, values in params.items()}
    practical: Any = {"yes": True, "no": False, "any": None}.get(first.get("practical", "any"), "?")
    if practical == "?":
        raise InvalidValue(f"practical {first['practical']!r} is not yes, no or any")
    sort = first.get("sort")
    given: dict[str, Any] = {
        **{name: params.get(name, []) for name in LIST_PARAMS},
        **{name: _number(name, first[name]) if name in first else None for name in NUMBER_PARAMS},
        **{name: _number(name, first[name], int) if name in first else None for name in YEAR_PARAMS},
    }
    filters = Filters(
        practical=practical,
        profile=first.get("profile", "review"),
        strict=first.get("strict") in ("1", "on", "yes", "true"),
        paper=first.get("paper"),
        sort=sort.lstrip("-") if sort else None,
        descending=bool(sort and sort.startswith("-")),
        **given,
    )
    filters.resolved_profile()  # an unknown profile is an error before any query runs
    return filters


def page_number(params: dict[str, list[str]], total: int) -> tuple[int, int]:
    """The page asked for (1 when none) and the number of pages for ``total`` rows."""
    pages = max(1, -(-total // PAGE_SIZE))
    page = _number("page", params["page"][0], int) if "page" in params else 1
    if not 1 <= page <= pages:
        raise InvalidValue(f"page {page} does not exist: the selection has {pages} page(s)")
    return page, pages


def query_string(params: dict[str, list[str]], **changes: str | None) -> str:
    """``params`` with some changed (None removes one), as '?a=1&b=2' (or '' when empty)."""
    merged = {name: list(values) for name, values in params.items()}
    for name, value in changes.items():
        merged.pop(name, None)
        if value is not None:
            merged[name] = [value]
    pairs = [(name, value) for name in PARAMS for value in merged.get(name, [])]
    return "?" + urlencode(pairs) if pairs else ""


def verdict_key(profile: str, strict: bool) -> str:
    return profile + ("-strict" if strict else "")


# --------------------------------------------------------------------------- options


def options() -> dict[str, Any]:
    """The choices of the filter form: profiles, categories, cells, methods, components."""
    from cedb.chemistry.vocabulary import default_vocabulary
    from cedb.practical import PROFILES, rule_text
    from cedb.store.models import Category, Cell, Method

    chemicals = default_vocabulary().chemicals
    return {
        "profiles": [(name, rule_text(p)) for name, p in PROFILES.items()],
        "category": [c.value for c in Category],
        "cell": [c.value for c in Cell],
        "method": [m.value for m in Method],
        **{
            role: sorted({c.abbreviation for c in chemicals if c.role == role}, key=str.lower)
            for role in ("salt", "solvent", "diluent")
        },
    }


def categories() -> list[dict[str, str]]:
    """Colour and legend title of each strategy category, as `cedb plot` draws them."""
    from cedb.plots import CATEGORY_STYLE

    return [
        {"key": key or "", "colour": colour, "title": title} for key, (_marker, colour, title) in CATEGORY_STYLE.items()
    ]


def thresholds(filters: Filters) -> dict[str, float]:
    """The profile's current and capacity thresholds (the conditions map shades beyond them)."""
    profile = filters.resolved_profile()
    return {
        t.field: t.value for t in profile.thresholds if t.field in ("current_density_mA_cm2", "areal_capacity_mAh_cm2")
    }


# --------------------------------------------------------------------------- rows


def verdict(row: dict[str, Any], filters: Filters) -> tuple[str, str]:
    """The verdict word (yes, no, unknown) and its reason under the filters' profile."""
    from cedb.practical import verdict as practical_verdict

    result = practical_verdict(row, filters.resolved_profile(), strict=filters.strict)
    return result.word, result.reason


def results(connection, filters: Filters) -> list[dict[str, Any]]:
    """Query rows (as `cedb query` returns them) with their verdict word and reason."""
    from cedb.store import query

    return with_verdicts(query.run(connection, filters, extra=True), filters)


def with_verdicts(rows: list[dict[str, Any]], filters: Filters) -> list[dict[str, Any]]:
    for row in rows:
        row["verdict"], row["reason"] = verdict(row, filters)
    return rows


def every_verdict(row: dict[str, Any]) -> dict[str, list[str]]:
    """The row's verdict and reason under every profile, plain and strict (for the static site)."""
    from cedb.practical import PROFILES
    from cedb.practical import verdict as practical_verdict

    out = {}
    for name, profile in PROFILES.items():
        for strict in (False, True):
            result = practical_verdict(row, profile, strict=strict)
            out[verdict_key(name, strict)] = [result.word, result.reason]
    return out


def public_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row as `cedb query --format json` prints it (its JSON_KEYS: the method's inputs as a mapping)."""
    from cedb.store.query import JSON_KEYS

    out = {key: row[key] for key in JSON_KEYS}
    params = row.get("method_params")
    out["method_params"] = json.loads(params) if isinstance(params, str) and params else None
    return out


def csv_cell(value: Any) -> str:
    from cedb.exports import csv_safe

    return csv_safe(cell_text(value))


def csv_line(row: dict[str, Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([csv_cell(row.get(k)) for k in ROW_KEYS])
    return buffer.getvalue()


def csv_header() -> str:
    return ",".join(ROW_KEYS) + "\n"


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as `cedb query --format csv` writes them (cells cannot start a formula)."""
    return csv_header() + "".join(csv_line(row) for row in rows)


def to_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps([public_row(row) for row in rows], ensure_ascii=False, indent=2) + "\n"


def to_bibtex(session, rows: list[dict[str, Any]]) -> str:
    """The BibTeX entries of the papers of ``rows`` (and of the sources they were read from)."""
    from cedb.bibliography import to_bibtex as bibtex
    from cedb.store import crud

    keys = list(dict.fromkeys([row["paper"] for row in rows] + [row["source"] for row in rows if row.get("source")]))
    return bibtex(crud.references_by_key(session=session, keys=keys)) if keys else ""


number = cell_text  # a number as the tables print it (99.6, 3, 1e-05); empty when missing


def figure_row(row: dict[str, Any], href: str, paper_href: str) -> dict[str, Any]:
    """What the figures need of a row: values, verdict and where a click goes."""
    keys = (
        "id",
        "paper",
        "year",
        "category",
        "label",
        "cell",
        "method",
        "current_density_mA_cm2",
        "areal_capacity_mAh_cm2",
        "cycles",
        "ce_percent",
        "full_cell_derived",
        "verdict",
        "reason",
    )
    return {**{key: row.get(key) for key in keys}, "href": href, "paper_href": paper_href}


# --------------------------------------------------------------------------- one result, one paper


def _reference(session, id: int | None):
    from cedb.store.models import Reference

    return session.get(Reference, id) if id is not None else None


def _conflict_groups(session, **which) -> list[list[dict[str, Any]]] | None:
    """Results of one paper, strategy and conditions whose CE differs (``crud.conflicts``), or
    None where this cedb records no conflicts (the paper-aliases feature is not installed)."""
    from cedb.store import crud

    if not hasattr(crud, "conflicts"):
        return None
    groups = []
    for group in crud.conflicts(session=session, **which):
        groups.append(
            [
                {
                    "id": m.id,
                    "ce_percent": m.ce_percent,
                    "source": getattr(_reference(session, m.source_id), "key", None),
                    "location": m.location,
                }
                for m in group
            ]
        )
    return groups


def _aliases(session, reference) -> list[str] | None:
    from cedb.store import crud

    return crud.aliases(session=session, reference=reference) if hasattr(crud, "aliases") else None


def result_detail(session, id: int) -> dict[str, Any]:
    """Every field of one result, its strategy, paper, source and verdict under each profile."""
    from cedb.practical import PROFILES, rule_text
    from cedb.practical import verdict as practical_verdict
    from cedb.results import STRATEGY_FIELDS
    from cedb.store import crud
    from cedb.store.models import Measurement, MeasurementBase, Strategy

    # By primary key: a site build has every row in the session already (no query per page).
    measurement = session.get(Measurement, id) or crud.get_measurement(session=session, id=id)
    strategy = session.get(Strategy, measurement.strategy_id) if measurement.strategy_id else None
    fields = []
    for name in MeasurementBase.model_fields:
        if name in ("method_params", "quote", "location"):
            continue
        value = getattr(measurement, name)
        fields.append((name, getattr(value, "value", value)))
    params = json.loads(measurement.method_params) if measurement.method_params else {}
    verdicts = []
    for name, profile in PROFILES.items():
        plain = practical_verdict(measurement, profile)
        strict = practical_verdict(measurement, profile, strict=True)
        verdicts.append(
            {
                "profile": name,
                "description": profile.description,
                "rule": rule_text(profile),
                "strict_rule": rule_text(profile, strict=True),
                "plain": plain,
                "strict": strict,
            }
        )
    return {
        "measurement": measurement,
        "fields": fields,
        "method_params": sorted(params.items()),
        "strategy": [(name, getattr(strategy, name)) for name in STRATEGY_FIELDS] if strategy else [],
        "strategy_extra": (
            [("electrolyte_canonical", strategy.electrolyte_canonical), ("components", strategy.components)]
            if strategy
            else []
        ),
        "paper": _reference(session, measurement.reference_id),
        "source": _reference(session, measurement.source_id),
        "verdicts": verdicts,
        "conflicts": _conflict_groups(session, result_id=measurement.id),
    }


def paper_detail(
    session, key: str, filters: Filters, *, rows: list[dict[str, Any]] | None = None, bibtex_text: str | None = None
) -> dict[str, Any]:
    """One paper: its fields, BibTeX, strategies, results, and the results read from it.

    A site build passes the paper's query rows and BibTeX it already has."""
    from cedb.bibliography import to_bibtex as bibtex
    from cedb.store import crud

    reference = crud.get_reference(session=session, key=key)
    strategies = crud.strategies_of(session=session, reference=reference)
    if rows is None:
        rows = results(session.connection(), Filters(paper=key, profile=filters.profile, strict=filters.strict))
    else:
        rows = with_verdicts(rows, filters)
    read_from = crud.count_read_from(session=session, reference=reference)
    fields = [
        (name, getattr(reference, name))
        for name in ("key", "title", "authors", "journal", "year", "volume", "pages", "entry_type", "note")
    ]
    return {
        "reference": reference,
        "fields": fields,
        "bibtex": bibtex_text if bibtex_text is not None else bibtex([reference]),
        "strategies": strategies,
        "rows": rows,
        "read_from": read_from,
        "aliases": _aliases(session, reference),
        "conflicts": _conflict_groups(session, key=reference.key),
    }


def doi_url(doi: str | None) -> str | None:
    from urllib.parse import quote

    return "https://doi.org/" + quote(doi, safe="/:;()._-") if doi else None
