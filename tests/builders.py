"""Shared builders for sample rows: papers and results through the one write path (cedb.store.crud)."""

from typing import Any

from cedb.results import normalise
from cedb.store import crud
from cedb.store.models import Measurement, Reference, ReferenceCreate


def add_paper(session, key: str, **fields: Any) -> Reference:
    """A paper ``key`` (other fields as ReferenceCreate takes them)."""
    return crud.add_reference(session=session, create=ReferenceCreate(key=key, **fields)).reference


def add_papers(session, *keys: str, **fields: Any) -> list[Reference]:
    """Several papers sharing ``fields`` (e.g. ``year=2020``)."""
    return [add_paper(session, key, **fields) for key in keys]


def add_result(session, raw: dict[str, Any] | None = None, /, **options: Any) -> Measurement:
    """A result from a flat mapping as `cedb result add` reads it (paper, ce, current, ...)."""
    return crud.add_result(session=session, result=normalise(raw or {}), **options)
