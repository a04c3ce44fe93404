"""Stable ids and paper aliases

Result ids are never handed out twice (issue 10): on SQLite the measurement table is
rebuilt with AUTOINCREMENT, every row and id kept (SQLite then records the largest id
in sqlite_sequence and never goes below it). PostgreSQL sequences never hand out a
value twice already, so there only the alias table is added.

``reference_alias`` holds the old keys of merged papers (`cedb paper merge OLD NEW`).

The measurement table is rebuilt by hand, not by batch mode: its definition is written
out here (data migrations never import cedb.store.models), and only the measurement table is
rebuilt, because nothing refers to it. Rebuilding reference or strategy would drop a
parent table, which fires ON DELETE CASCADE / SET NULL on their children.

Revision ID: 0003_stable_ids
Revises: 0004_ce_decimals (written beside it; chained after it)
Create Date: 2026-11-29
"""

from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003_stable_ids"
down_revision: Union[str, None] = "0004_ce_decimals"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEXES = {
    "ix_measurement_ce_percent": ["ce_percent"],
    "ix_measurement_practical": ["current_density_mA_cm2", "areal_capacity_mAh_cm2"],
    "ix_measurement_reference_id": ["reference_id"],
    "ix_measurement_source_id": ["source_id"],
    "ix_measurement_strategy_id": ["strategy_id"],
}


def _measurement(name: str, *, autoincrement: bool) -> sa.Table:
    """The measurement table as of 0004 (0001 plus ce_decimals), under ``name``."""
    metadata = sa.MetaData()
    for parent in ("reference", "strategy"):  # only as targets of the foreign keys
        sa.Table(parent, metadata, sa.Column("id", sa.Integer(), primary_key=True))
    return sa.Table(
        name,
        metadata,
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
        # A column constraint, last, as 0004 added it (SQLite drops a column only with its own CHECK).
        sa.Column(
            "ce_decimals",
            sa.Integer(),
            sa.CheckConstraint(
                "ce_decimals IS NULL OR (ce_decimals >= 0 AND ce_decimals <= 10)",
                name="ck_measurement_ce_decimals_range",
            ),
            nullable=True,
        ),
        sa.CheckConstraint(
            "cell IS NULL OR cell IN ('li-cu', 'li-li', 'full', 'anode-free')", name="ck_measurement_cell_known"
        ),
        sa.CheckConstraint(
            "method IN ('conventional', 'aurbach', 'zhang', 'chiang', 'zhang-full', 'unspecified')",
            name="ck_measurement_method_known",
        ),
        sa.CheckConstraint(
            "statistic IS NULL OR statistic IN ('average', 'maximum', 'stabilised', 'exceeding')",
            name="ck_measurement_statistic_known",
        ),
        sa.CheckConstraint("status IN ('draft', 'verified', 'rejected')", name="ck_measurement_status_known"),
        sa.CheckConstraint(
            '"areal_capacity_mAh_cm2" IS NULL OR "areal_capacity_mAh_cm2" > 0', name="ck_measurement_capacity_positive"
        ),
        sa.CheckConstraint(
            '"cathode_loading_mAh_cm2" IS NULL OR "cathode_loading_mAh_cm2" > 0',
            name="ck_measurement_cathode_loading_positive",
        ),
        sa.CheckConstraint("ce_percent > 0 AND ce_percent <= 100", name="ck_measurement_ce_range"),
        sa.CheckConstraint(
            '"current_density_mA_cm2" IS NULL OR "current_density_mA_cm2" > 0', name="ck_measurement_current_positive"
        ),
        sa.CheckConstraint("cycles IS NULL OR cycles >= 1", name="ck_measurement_cycles_positive"),
        sa.CheckConstraint('"ec_ratio_g_Ah" IS NULL OR "ec_ratio_g_Ah" > 0', name="ck_measurement_ec_positive"),
        sa.CheckConstraint("np_ratio IS NULL OR np_ratio > 0", name="ck_measurement_np_positive"),
        sa.ForeignKeyConstraint(
            ["reference_id"], ["reference.id"], name="fk_measurement_reference_id_reference", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["reference.id"], name="fk_measurement_source_id_reference", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["strategy_id"], ["strategy.id"], name="fk_measurement_strategy_id_strategy", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_measurement"),
        sqlite_autoincrement=autoincrement,
    )


def _rebuild_measurement(*, autoincrement: bool) -> None:
    """Copy measurement into a new table (with or without AUTOINCREMENT), ids included."""
    connection = op.get_bind()
    new = _measurement("measurement_rebuilt", autoincrement=autoincrement)
    new.create(connection)
    columns = ", ".join(f'"{c.name}"' for c in new.columns)
    op.execute(f"INSERT INTO measurement_rebuilt ({columns}) SELECT {columns} FROM measurement")
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("DROP TABLE measurement")
    op.execute("ALTER TABLE measurement_rebuilt RENAME TO measurement")
    for name, columns in INDEXES.items():
        op.create_index(name, "measurement", columns, unique=False)


def upgrade() -> None:
    op.create_table(
        "reference_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reference_id"],
            ["reference.id"],
            name=op.f("fk_reference_alias_reference_id_reference"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_alias")),
    )
    op.create_index(op.f("ix_reference_alias_key"), "reference_alias", ["key"], unique=True)
    op.create_index(op.f("ix_reference_alias_reference_id"), "reference_alias", ["reference_id"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_measurement(autoincrement=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_measurement(autoincrement=False)
    op.drop_index(op.f("ix_reference_alias_reference_id"), table_name="reference_alias")
    op.drop_index(op.f("ix_reference_alias_key"), table_name="reference_alias")
    op.drop_table("reference_alias")
