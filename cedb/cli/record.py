"""``--record``: store a computed CE as a result, with its method and the method's inputs.

``recordable`` adds the recording options to a command whose function returns a
``cedb.ce.CEResult``; it renders the result and, with ``--record``, stores it in
one transaction through the same validation as `cedb result add`.
"""

import functools
import inspect
from typing import Annotated, Optional

import typer

from cedb import terms
from cedb.cli import common
from cedb.terms import listed


def _option(*names: str, help: str):
    return typer.Option(*names, help=help, show_default=False, rich_help_panel="Recording")


_TEXT = Optional[str]
RECORD_OPTIONS = {
    "record": (Annotated[bool, _option("--record", help="Store the CE as a result of --paper.")], False),
    "paper": (Annotated[_TEXT, _option("--paper", help="Citation key of the paper the data belong to.")], None),
    "current": (
        Annotated[_TEXT, _option("--current", help="Current density of the test (mA cm⁻², or with a unit).")],
        None,
    ),
    "capacity": (
        Annotated[_TEXT, _option("--capacity", help="Areal capacity of the test (mAh cm⁻², or with a unit).")],
        None,
    ),
    "cell": (Annotated[_TEXT, _option("--cell", help=f"{listed(terms.Cell)} (default from the method).")], None),
    "category": (Annotated[_TEXT, _option("--category", help=f"Strategy category: {listed(terms.Category)}.")], None),
    "label": (Annotated[_TEXT, _option("--label", help="Strategy label.")], None),
    "host": (Annotated[_TEXT, _option("--host", help="Host material.")], None),
    "electrolyte": (Annotated[_TEXT, _option("--electrolyte", help="Electrolyte as reported.")], None),
    "additive": (Annotated[_TEXT, _option("--additive", help="Additive(s).")], None),
    "source": (Annotated[_TEXT, _option("--source", help="Key of the paper the data were read from.")], None),
    "location": (
        Annotated[_TEXT, _option("--location", help="Where in the source (e.g. 'Fig. 3b', 'SI Table S2').")],
        None,
    ),
    "note": (Annotated[_TEXT, _option("--note", help="Free-text note.")], None),
    "status": (Annotated[_TEXT, _option("--status", help=f"{listed(terms.Status)} (default draft).")], None),
}


def recordable(method: str, default_cell: str | None):
    """Decorate a `cedb ce` command that returns a CEResult: render it, and store it on --record.

    The command gets typer's context too (as ``_record_ctx``), for the database --record writes to.
    """

    def decorate(func):
        signature = inspect.signature(func)
        context = inspect.Parameter("_record_ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)
        extra = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
            for name, (annotation, default) in RECORD_OPTIONS.items()
        ]
        parameters = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in signature.parameters.values()]

        @functools.wraps(func)
        def command(**kwargs):
            ctx = kwargs.pop(context.name)
            options = {name: kwargs.pop(name) for name in RECORD_OPTIONS}
            result = func(**kwargs)
            common_render(result, kwargs.get("fmt"))
            if options.pop("record"):
                store(ctx, result, method=method, default_cell=default_cell, options=options)
            elif any(v is not None for v in options.values()):
                common.note("Recording options were given without --record: nothing was stored.")

        command.__signature__ = signature.replace(parameters=[context] + parameters + extra)
        command.__annotations__ = {
            context.name: typer.Context,
            **func.__annotations__,
            **{name: annotation for name, (annotation, _) in RECORD_OPTIONS.items()},
        }
        return command

    return decorate


def common_render(result, fmt) -> None:
    from cedb.cli.ce import render

    render(result.to_dict(), fmt or common.Format.table)


def store(ctx: typer.Context, result, *, method: str, default_cell: str | None, options: dict) -> int:
    """Add the computed CE as a measurement; returns its id."""
    from cedb import results
    from cedb.store import crud

    measurement_input = results.from_ce(result, method=method, default_cell=default_cell, **options)
    with common.transaction(ctx) as session:
        measurement = crud.add_result(session=session, result=measurement_input)
        measurement_id = measurement.id
        assert measurement_id is not None  # set by the insert
    common.note(f"Recorded result {measurement_id} for {options['paper']} (method {method})")
    return measurement_id
