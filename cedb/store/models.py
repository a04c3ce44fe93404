"""The cedb schema: references, strategies and CE measurements.

Each entity has a family (as in the FastAPI full-stack template): ``XBase`` holds
the validated fields, ``XCreate`` is what callers pass in, ``X(table=True)`` is
the row. Table classes skip pydantic validation when constructed directly
(sqlmodel issues 52/406/453), so rows are built with ``X.model_validate(create)``
and the same limits are CHECK constraints in the database.

No ``from __future__ import annotations`` here: it breaks SQLModel (issue 196).
"""

import enum
import re
from datetime import datetime, timezone
from typing import Optional

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, SQLModel

# The controlled words live in cedb.terms (pure, so `--help` lists them without sqlmodel).
from cedb.terms import Category, Cell, Method, Statistic, Status  # noqa: F401  (re-exported)

# Mixed-case column names (units in names) must be quoted in CHECK text for PostgreSQL.
# Stable constraint names so Alembic can alter them on SQLite (batch mode) and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _values(enum_cls: type[enum.Enum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum_cls)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# --------------------------------------------------------------------------- references


class ReferenceBase(SQLModel):
    key: str = Field(min_length=1, max_length=100)
    doi: Optional[str] = Field(default=None, max_length=255)
    title: Optional[str] = None
    authors: Optional[str] = Field(default=None, description="BibTeX form: 'Family, Given and ...'")
    journal: Optional[str] = None
    year: Optional[int] = Field(default=None, ge=1800, le=2100)
    volume: Optional[str] = Field(default=None, max_length=50)
    pages: Optional[str] = Field(default=None, max_length=50)
    entry_type: str = Field(default="article", max_length=30)
    bibtex: Optional[str] = Field(default=None, description="the original BibTeX entry")
    note: Optional[str] = None


# What pybtex reads as an entry key (its KEY_PAREN/KEY_BRACE patterns): no white space
# and none of " # % ' ( ) , = { }. Such keys are stored as written (`doi:10.1073/...`,
# `https://doi.org/10.48550/...`); ``safe_key`` derives the form for file names.
_KEY = re.compile(r"^[^\s\"#%'(),={}\x00-\x1f\x7f]+$")
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")


def check_key(value: str) -> str:
    """A citation key as pybtex accepts it, or a one-sentence ValueError saying why not."""
    if not _KEY.match(value):
        raise ValueError(
            f"citation key {value!r} holds a character BibTeX does not allow in a key "
            "(white space or one of \" # % ' ( ) , = { })"
        )
    return value


def safe_key(key: str) -> str:
    """The one safe form of a citation key, for file names: the key itself when it is only
    letters, digits and _ . + - (starting with a letter or digit); else those characters
    with every other one as '_', plus a short hash of the key, so two keys never collide."""
    if _SAFE.fullmatch(key):
        return key
    import hashlib

    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", key).lstrip(".") + f"-{digest}"


class ReferenceCreate(ReferenceBase):
    @field_validator("key")
    @classmethod
    def _check_key(cls, value: str) -> str:
        return check_key(value)

    @field_validator("doi")
    @classmethod
    def _normalise_doi(cls, value: Optional[str]) -> Optional[str]:
        from cedb.bibliography import normalise_doi

        return normalise_doi(value) if value else None


class Reference(ReferenceBase, table=True):
    __tablename__ = "reference"
    __table_args__ = (sa.CheckConstraint("year IS NULL OR (year >= 1800 AND year <= 2100)", name="year_range"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(max_length=100, unique=True, index=True)
    doi: Optional[str] = Field(default=None, max_length=255, unique=True)
    # Normalised title (lower-case letters and digits) for duplicate detection.
    title_key: Optional[str] = Field(default=None, index=True)
    added_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class ReferenceAlias(SQLModel, table=True):
    """Another key of a paper (``cedb paper merge OLD NEW`` keeps OLD here): curation files,
    ``--paper`` filters and cite keys written with it still find the paper."""

    __tablename__ = "reference_alias"

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(max_length=100, unique=True, index=True)
    reference_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("reference.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    added_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


# --------------------------------------------------------------------------- strategies


class StrategyBase(SQLModel):
    category: Category = Field(sa_type=sa.String(20))
    label: str = Field(min_length=1, max_length=200)
    host: Optional[str] = None
    electrolyte: Optional[str] = None
    additive: Optional[str] = None
    description: Optional[str] = None


class StrategyCreate(StrategyBase):
    reference_id: int


class Strategy(StrategyBase, table=True):
    __tablename__ = "strategy"
    __table_args__ = (
        sa.UniqueConstraint("reference_id", "label", name="uq_strategy_reference_label"),
        sa.CheckConstraint(f"category IN ({_values(Category)})", name="category_known"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    reference_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("reference.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    # Derived from electrolyte/additive by cedb.formulations (the text stays as reported).
    electrolyte_canonical: Optional[str] = Field(default=None, index=True)
    components: Optional[str] = Field(default=None, description="|role:NAME|... index for filters")
    formulation: Optional[str] = Field(default=None, description="JSON of the parsed formulation")


# --------------------------------------------------------------------------- measurements


class MeasurementBase(SQLModel):
    cell: Optional[Cell] = Field(default=None, sa_type=sa.String(20))
    method: Method = Field(default=Method.unspecified, sa_type=sa.String(20))
    current_density_mA_cm2: Optional[float] = Field(default=None, gt=0)
    areal_capacity_mAh_cm2: Optional[float] = Field(default=None, gt=0)
    cycles: Optional[int] = Field(default=None, ge=1)
    ce_percent: float = Field(gt=0, le=100)
    # Decimals the CE was reported with (99.0 -> 1, 99.50 -> 2; cedb.precision), None if unknown.
    ce_decimals: Optional[int] = Field(default=None, ge=0, le=10)
    statistic: Optional[Statistic] = Field(default=None, sa_type=sa.String(20))
    full_cell_derived: bool = False
    temperature_C: Optional[float] = Field(default=None, ge=-100, le=200)
    ec_ratio_g_Ah: Optional[float] = Field(default=None, gt=0)
    np_ratio: Optional[float] = Field(default=None, gt=0)
    cathode_loading_mAh_cm2: Optional[float] = Field(default=None, gt=0)
    method_params: Optional[str] = Field(default=None, description="JSON of the method's inputs")
    location: Optional[str] = Field(default=None, max_length=200)
    quote: Optional[str] = None
    status: Status = Field(default=Status.draft, sa_type=sa.String(20))
    curator: Optional[str] = Field(default=None, max_length=100)
    note: Optional[str] = None


class MeasurementCreate(MeasurementBase):
    reference_id: int
    strategy_id: Optional[int] = None
    source_id: Optional[int] = None


class Measurement(MeasurementBase, table=True):
    __tablename__ = "measurement"
    __table_args__ = (
        sa.CheckConstraint("ce_percent > 0 AND ce_percent <= 100", name="ce_range"),
        sa.CheckConstraint("ce_decimals IS NULL OR (ce_decimals >= 0 AND ce_decimals <= 10)", name="ce_decimals_range"),
        sa.CheckConstraint('"current_density_mA_cm2" IS NULL OR "current_density_mA_cm2" > 0', name="current_positive"),
        sa.CheckConstraint(
            '"areal_capacity_mAh_cm2" IS NULL OR "areal_capacity_mAh_cm2" > 0', name="capacity_positive"
        ),
        sa.CheckConstraint("cycles IS NULL OR cycles >= 1", name="cycles_positive"),
        sa.CheckConstraint('"ec_ratio_g_Ah" IS NULL OR "ec_ratio_g_Ah" > 0', name="ec_positive"),
        sa.CheckConstraint("np_ratio IS NULL OR np_ratio > 0", name="np_positive"),
        sa.CheckConstraint(
            '"cathode_loading_mAh_cm2" IS NULL OR "cathode_loading_mAh_cm2" > 0',
            name="cathode_loading_positive",
        ),
        sa.CheckConstraint(f"cell IS NULL OR cell IN ({_values(Cell)})", name="cell_known"),
        sa.CheckConstraint(f"method IN ({_values(Method)})", name="method_known"),
        sa.CheckConstraint(f"statistic IS NULL OR statistic IN ({_values(Statistic)})", name="statistic_known"),
        sa.CheckConstraint(f"status IN ({_values(Status)})", name="status_known"),
        sa.Index("ix_measurement_practical", "current_density_mA_cm2", "areal_capacity_mAh_cm2"),
        sa.Index("ix_measurement_ce_percent", "ce_percent"),
        # An id is never handed out twice, even after `cedb result rm` (issue 10).
        {"sqlite_autoincrement": True},
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    reference_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("reference.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    strategy_id: Optional[int] = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("strategy.id", ondelete="SET NULL"), nullable=True, index=True),
    )
    # Where the number was read: the primary paper itself or a review citing it.
    source_id: Optional[int] = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("reference.id", ondelete="RESTRICT"), nullable=True, index=True),
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))
