"""The schema's tables as SQLAlchemy Core objects, for reading without building the models.

``cedb.store.models`` is the schema. Importing it imports sqlalchemy.orm, SQLModel and
pydantic and builds every model class: about 0.15 s of CPU, a third of a `cedb query` that
returns nothing (bench/FINDINGS.md), and reading never uses those classes. A database at
``HEAD_REVISION`` holds exactly the models' tables (tests/test_migrations.py finds no drift on
SQLite and PostgreSQL; commands open only such a database), so a reader takes each table's
columns, names and types, from the database itself: one PRAGMA (SQLite) or catalog query
(PostgreSQL) per table, once per engine. Nothing here states a column.
tests/test_query.py checks that the SQL built on these tables is the SQL built on the models.
"""

import weakref
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection


class Tables(NamedTuple):
    reference: sa.Table
    reference_alias: sa.Table
    strategy: sa.Table
    measurement: sa.Table


# Reflected tables by engine pool (shared by an engine and its execution_options() copies),
# so `cedb serve` and a test's many queries read the catalogue once per database.
_REFLECTED: "weakref.WeakKeyDictionary[object, Tables]" = weakref.WeakKeyDictionary()


def tables_of(connection: Connection) -> Tables:
    """The tables of the database ``connection`` is on (read from its catalogue)."""
    pool = connection.engine.pool
    found = _REFLECTED.get(pool)
    if found is None:
        inspector = sa.inspect(connection)
        metadata = sa.MetaData()
        try:
            found = Tables(
                *(
                    sa.Table(name, metadata, *(sa.Column(c["name"], c["type"]) for c in inspector.get_columns(name)))
                    for name in Tables._fields
                )
            )
        except sa.exc.NoSuchTableError:
            # Not a cedb database after all: the models' SQL fails on it as it always did.
            return of_models()
        _REFLECTED[pool] = found
    return found


def of_models() -> Tables:
    """The models' own tables (imports cedb.store.models): for SQL built without a connection."""
    from sqlmodel import SQLModel

    import cedb.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

    tables = SQLModel.metadata.tables
    return Tables(*(tables[name] for name in Tables._fields))
