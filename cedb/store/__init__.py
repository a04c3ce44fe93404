"""The database: the only package that imports sqlalchemy or sqlmodel (ruff TID251).

models (the schema), db (engines, sessions, write locks), migrate (Alembic), crud and bulk
(the one write path), query (the one select), tables (the schema's tables read from the
database, so readers need not import the models). Everything else reaches the database here.
"""
