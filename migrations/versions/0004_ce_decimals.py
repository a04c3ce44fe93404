"""Store the decimals a CE was reported with

Adds measurement.ce_decimals (99.0 -> 1, 99.50 -> 2), so tables print a CE as the
paper stated it. Existing rows keep every value and get NULL (precision unknown:
printed as before, as short as possible); reloading their curation files fills it.

The CHECK is a column constraint of ADD COLUMN, which SQLite and PostgreSQL both
take in place: a batch copy of measurement is not needed.

Revision ID: 0004_ce_decimals
Revises: 0002_formulation
Create Date: 2026-11-29
"""

from typing import Sequence, Union

from alembic import op

revision: str = "0004_ce_decimals"
down_revision: Union[str, None] = "0002_formulation"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE measurement ADD COLUMN ce_decimals INTEGER "
        "CONSTRAINT ck_measurement_ce_decimals_range "
        "CHECK (ce_decimals IS NULL OR (ce_decimals >= 0 AND ce_decimals <= 10))"
    )


def downgrade() -> None:
    # Native DROP COLUMN (SQLite >= 3.35; the CHECK belongs to the column and goes with it).
    op.drop_column("measurement", "ce_decimals")
