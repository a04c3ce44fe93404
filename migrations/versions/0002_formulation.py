"""Store parsed electrolyte formulations beside the reported text

Adds three derived columns to strategy: the canonical electrolyte string, a
``|role:NAME|`` component index for queries, and the parsed formulation as JSON.
Existing rows are filled by parsing their electrolyte and additive texts with
cedb.formulations (a pure function of the text; rows it cannot read stay NULL).

Revision ID: 0002_formulation
Revises: 0001_initial
Create Date: 2026-11-25
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002_formulation"
down_revision: Union[str, None] = "0001_initial"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NEW_COLUMNS = ("electrolyte_canonical", "components", "formulation")


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): SQLite and PostgreSQL both do it in place.
    for name in NEW_COLUMNS:
        op.add_column("strategy", sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_index(op.f("ix_strategy_electrolyte_canonical"), "strategy", ["electrolyte_canonical"])

    from cedb.formulations import annotate

    connection = op.get_bind()
    strategy = sa.table("strategy", sa.column("id"), sa.column("electrolyte"), sa.column("additive"),
                        *(sa.column(name) for name in NEW_COLUMNS))
    rows = connection.execute(sa.select(strategy.c.id, strategy.c.electrolyte, strategy.c.additive)).all()
    for row in rows:
        fields = annotate(row.electrolyte, row.additive)
        if any(fields.values()):
            connection.execute(strategy.update().where(strategy.c.id == row.id).values(**fields))


def downgrade() -> None:
    # Native DROP COLUMN (SQLite >= 3.35): a batch copy of the table would fire the
    # ON DELETE SET NULL of measurement.strategy_id and lose every strategy link.
    op.drop_index(op.f("ix_strategy_electrolyte_canonical"), table_name="strategy")
    for name in reversed(NEW_COLUMNS):
        op.drop_column("strategy", name)
