"""The query filters shared by `cedb query`, `cedb export` and `cedb plot` (same flags everywhere).

``with_filters`` adds every filter option to a command and hands it one ``Filters``
object, so the flags are declared once (the `output_options` idea of sqlite-utils).
"""

import functools
import inspect
from typing import Annotated, Optional

import typer

from cedb import terms
from cedb.practical import PROFILES
from cedb.terms import listed

Practical = Annotated[
    Optional[bool],
    typer.Option(
        "--practical/--not-practical",
        help="Only results at (or not at) practical conditions; unknown ones are in neither.",
        show_default=False,
    ),
]
Profile = Annotated[str, typer.Option("--profile", help=f"Practical-condition profile: {', '.join(PROFILES)}.")]
Strict = Annotated[bool, typer.Option("--strict", help="Read the thresholds as strict inequalities (> instead of ≥).")]
MinCurrent = Annotated[
    Optional[float],
    typer.Option(
        "--min-current", help="Override the profile's current-density threshold (mA cm⁻²).", show_default=False
    ),
]
MinCapacity = Annotated[
    Optional[float],
    typer.Option("--min-capacity", help="Override the profile's capacity threshold (mAh cm⁻²).", show_default=False),
]
MinCe = Annotated[Optional[float], typer.Option("--min-ce", help="Lowest CE (%) to include.", show_default=False)]
MaxCe = Annotated[Optional[float], typer.Option("--max-ce", help="Highest CE (%) to include.", show_default=False)]
Category = Annotated[
    Optional[list[str]],
    typer.Option("--category", help=f"{listed(terms.Category, ', ')} (repeatable).", show_default=False),
]
Cell = Annotated[
    Optional[list[str]], typer.Option("--cell", help=f"{listed(terms.Cell, ', ')} (repeatable).", show_default=False)
]
Method = Annotated[
    Optional[list[str]],
    typer.Option("--method", help=f"CE method: {listed(terms.Method, ', ')} (repeatable).", show_default=False),
]
Host = Annotated[
    Optional[str], typer.Option("--host", help="Host contains this text (case-insensitive).", show_default=False)
]
Electrolyte = Annotated[
    Optional[str],
    typer.Option("--electrolyte", help="Electrolyte contains this text (case-insensitive).", show_default=False),
]
Additive = Annotated[
    Optional[str],
    typer.Option(
        "--additive",
        help="Additive text contains this (case-insensitive), or a parsed additive is this chemical.",
        show_default=False,
    ),
]
Salt = Annotated[
    Optional[list[str]],
    typer.Option(
        "--salt", help="Electrolyte contains this salt (any synonym, e.g. LiFSI; repeatable).", show_default=False
    ),
]
Solvent = Annotated[
    Optional[list[str]],
    typer.Option(
        "--solvent", help="Electrolyte contains this solvent (any synonym, e.g. DME; repeatable).", show_default=False
    ),
]
Diluent = Annotated[
    Optional[list[str]],
    typer.Option("--diluent", help="Electrolyte contains this diluent (e.g. TTE; repeatable).", show_default=False),
]
Paper = Annotated[
    Optional[str], typer.Option("--paper", help="Only this paper (citation key or DOI).", show_default=False)
]
YearFrom = Annotated[
    Optional[int], typer.Option("--year-from", help="Published in or after this year.", show_default=False)
]
YearTo = Annotated[
    Optional[int], typer.Option("--year-to", help="Published in or before this year.", show_default=False)
]
Status = Annotated[
    Optional[list[str]],
    typer.Option("--status", help=f"{listed(terms.Status, ', ')} (repeatable).", show_default=False),
]
Sort = Annotated[
    Optional[str],
    typer.Option(
        "--sort", help="Sort by this output key (e.g. ce_percent, year); prefix - for descending.", show_default=False
    ),
]
Limit = Annotated[Optional[int], typer.Option("--limit", help="At most this many rows.", show_default=False)]


def make_filters(
    *,
    practical=None,
    profile="review",
    strict=False,
    min_current=None,
    min_capacity=None,
    min_ce=None,
    max_ce=None,
    category=None,
    cell=None,
    method=None,
    host=None,
    electrolyte=None,
    additive=None,
    paper=None,
    year_from=None,
    year_to=None,
    status=None,
    sort=None,
    limit=None,
    salt=None,
    solvent=None,
    diluent=None,
):
    from cedb.store.query import Filters

    descending = bool(sort and sort.startswith("-"))
    return Filters(
        practical=practical,
        profile=profile,
        strict=strict,
        min_current=min_current,
        min_capacity=min_capacity,
        min_ce=min_ce,
        max_ce=max_ce,
        category=category or [],
        cell=cell or [],
        method=method or [],
        host=host,
        electrolyte=electrolyte,
        additive=additive,
        salt=salt or [],
        solvent=solvent or [],
        diluent=diluent or [],
        paper=paper,
        year_from=year_from,
        year_to=year_to,
        status=status or [],
        sort=sort.lstrip("-") if sort else None,
        descending=descending,
        limit=limit,
    )


# Option name -> (annotation, default), in the order `--help` lists them.
FILTER_OPTIONS = {
    "practical": (Practical, None),
    "profile": (Profile, "review"),
    "strict": (Strict, False),
    "min_current": (MinCurrent, None),
    "min_capacity": (MinCapacity, None),
    "min_ce": (MinCe, None),
    "max_ce": (MaxCe, None),
    "category": (Category, None),
    "cell": (Cell, None),
    "method": (Method, None),
    "host": (Host, None),
    "electrolyte": (Electrolyte, None),
    "additive": (Additive, None),
    "salt": (Salt, None),
    "solvent": (Solvent, None),
    "diluent": (Diluent, None),
    "paper": (Paper, None),
    "year_from": (YearFrom, None),
    "year_to": (YearTo, None),
    "status": (Status, None),
    "sort": (Sort, None),
    "limit": (Limit, None),
}


def with_filters(*, exclude: tuple[str, ...] = ()):
    """Give a command every filter option (but ``exclude``) and call it with ``filters=Filters``."""
    names = [name for name in FILTER_OPTIONS if name not in exclude]

    def decorate(func):
        signature = inspect.signature(func)
        own = [
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in signature.parameters.values() if p.name != "filters"
        ]
        added = [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=FILTER_OPTIONS[name][1],
                annotation=FILTER_OPTIONS[name][0],
            )
            for name in names
        ]

        @functools.wraps(func)
        def command(**kwargs):
            values = {name: kwargs.pop(name) for name in names}
            return func(filters=make_filters(**values), **kwargs)

        command.__signature__ = signature.replace(parameters=own + added)
        command.__annotations__ = {
            **{p.name: p.annotation for p in own},
            **{name: FILTER_OPTIONS[name][0] for name in names},
        }
        return command

    return decorate
