"""Create references, strategies and measurements

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-25
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0001_initial"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "reference",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("doi", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("authors", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("journal", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("volume", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("pages", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
        sa.Column("entry_type", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("bibtex", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_key", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("year IS NULL OR (year >= 1800 AND year <= 2100)", name=op.f("ck_reference_year_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference")),
        sa.UniqueConstraint("doi", name=op.f("uq_reference_doi")),
    )
    with op.batch_alter_table("reference", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reference_key"), ["key"], unique=True)
        batch_op.create_index(batch_op.f("ix_reference_title_key"), ["title_key"], unique=False)

    op.create_table(
        "strategy",
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("electrolyte", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("additive", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "category IN ('composite-anode', 'electrolyte', 'interface', 'other')",
            name=op.f("ck_strategy_category_known"),
        ),
        sa.ForeignKeyConstraint(
            ["reference_id"], ["reference.id"], name=op.f("fk_strategy_reference_id_reference"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy")),
        sa.UniqueConstraint("reference_id", "label", name="uq_strategy_reference_label"),
    )
    with op.batch_alter_table("strategy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_strategy_reference_id"), ["reference_id"], unique=False)

    op.create_table(
        "measurement",
        sa.Column("cell", sa.String(length=20), nullable=True),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("current_density_mA_cm2", sa.Float(), nullable=True),
        sa.Column("areal_capacity_mAh_cm2", sa.Float(), nullable=True),
        sa.Column("cycles", sa.Integer(), nullable=True),
        sa.Column("ce_percent", sa.Float(), nullable=False),
        sa.Column("statistic", sa.String(length=20), nullable=True),
        sa.Column("full_cell_derived", sa.Boolean(), nullable=False),
        sa.Column("temperature_C", sa.Float(), nullable=True),
        sa.Column("ec_ratio_g_Ah", sa.Float(), nullable=True),
        sa.Column("np_ratio", sa.Float(), nullable=True),
        sa.Column("cathode_loading_mAh_cm2", sa.Float(), nullable=True),
        sa.Column("method_params", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("quote", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("curator", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("strategy_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cell IS NULL OR cell IN ('li-cu', 'li-li', 'full', 'anode-free')", name=op.f("ck_measurement_cell_known")
        ),
        sa.CheckConstraint(
            "method IN ('conventional', 'aurbach', 'zhang', 'chiang', 'zhang-full', 'unspecified')",
            name=op.f("ck_measurement_method_known"),
        ),
        sa.CheckConstraint(
            "statistic IS NULL OR statistic IN ('average', 'maximum', 'stabilised', 'exceeding')",
            name=op.f("ck_measurement_statistic_known"),
        ),
        sa.CheckConstraint("status IN ('draft', 'verified', 'rejected')", name=op.f("ck_measurement_status_known")),
        sa.CheckConstraint(
            '"areal_capacity_mAh_cm2" IS NULL OR "areal_capacity_mAh_cm2" > 0',
            name=op.f("ck_measurement_capacity_positive"),
        ),
        sa.CheckConstraint(
            '"cathode_loading_mAh_cm2" IS NULL OR "cathode_loading_mAh_cm2" > 0',
            name=op.f("ck_measurement_cathode_loading_positive"),
        ),
        sa.CheckConstraint("ce_percent > 0 AND ce_percent <= 100", name=op.f("ck_measurement_ce_range")),
        sa.CheckConstraint(
            '"current_density_mA_cm2" IS NULL OR "current_density_mA_cm2" > 0',
            name=op.f("ck_measurement_current_positive"),
        ),
        sa.CheckConstraint("cycles IS NULL OR cycles >= 1", name=op.f("ck_measurement_cycles_positive")),
        sa.CheckConstraint('"ec_ratio_g_Ah" IS NULL OR "ec_ratio_g_Ah" > 0', name=op.f("ck_measurement_ec_positive")),
        sa.CheckConstraint("np_ratio IS NULL OR np_ratio > 0", name=op.f("ck_measurement_np_positive")),
        sa.ForeignKeyConstraint(
            ["reference_id"], ["reference.id"], name=op.f("fk_measurement_reference_id_reference"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["reference.id"], name=op.f("fk_measurement_source_id_reference"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"], ["strategy.id"], name=op.f("fk_measurement_strategy_id_strategy"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurement")),
    )
    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.create_index("ix_measurement_ce_percent", ["ce_percent"], unique=False)
        batch_op.create_index(
            "ix_measurement_practical", ["current_density_mA_cm2", "areal_capacity_mAh_cm2"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_measurement_reference_id"), ["reference_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_measurement_source_id"), ["source_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_measurement_strategy_id"), ["strategy_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measurement_strategy_id"))
        batch_op.drop_index(batch_op.f("ix_measurement_source_id"))
        batch_op.drop_index(batch_op.f("ix_measurement_reference_id"))
        batch_op.drop_index("ix_measurement_practical")
        batch_op.drop_index("ix_measurement_ce_percent")

    op.drop_table("measurement")
    with op.batch_alter_table("strategy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_strategy_reference_id"))

    op.drop_table("strategy")
    with op.batch_alter_table("reference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_title_key"))
        batch_op.drop_index(batch_op.f("ix_reference_key"))

    op.drop_table("reference")
