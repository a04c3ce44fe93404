"""Store parsed electrolyte formulations beside the reported text

Adds three derived columns to strategy: the canonical electrolyte string, a
``|role:NAME|`` component index for queries, and the parsed formulation as JSON.
The columns are derived data: cedb.store.migrate fills them for existing rows after the
upgrade (with today's parser), because a migration never imports live cedb code.

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


def downgrade() -> None:
    # Native DROP COLUMN (SQLite >= 3.35): a batch copy of the table would fire the
    # ON DELETE SET NULL of measurement.strategy_id and lose every strategy link.
    op.drop_index(op.f("ix_strategy_electrolyte_canonical"), table_name="strategy")
    for name in reversed(NEW_COLUMNS):
        op.drop_column("strategy", name)
