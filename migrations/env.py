"""Alembic environment: metadata from cedb.store.models, connection from cedb.

cedb passes an open connection (``config.attributes['connection']``); the
``alembic`` command line works too, with ``-x url=...`` or CEDB_DATABASE_URL.
"""

from alembic import context
from sqlmodel import SQLModel

import cedb.store.models  # noqa: F401  (registers the tables)

target_metadata = SQLModel.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER constraints; batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from cedb.config import database_url
    from cedb.store.db import make_engine

    url = context.get_x_argument(as_dictionary=True).get("url") or database_url()
    with make_engine(url).connect() as connection:
        _run(connection)
        connection.commit()
