"""Declarative base, naming convention and the column types shared by every model."""

from __future__ import annotations

import enum
import json
from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Enum, Integer, MetaData, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# 64-bit ids on PostgreSQL; SQLite needs plain INTEGER for its rowid autoincrement.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
JsonValue = JSON().with_variant(JSONB(), "postgresql")


class JsonText(TypeDecorator[Any]):
    """JSON kept as plain text on every database: for values written in bulk, never queried.

    The score rows' explanation arrays are loaded a million at a time; PostgreSQL stores text
    without parsing it (1M health rows: COPY 2.2 s as text, 4.0 s as JSONB), and nothing
    filters or indexes inside them.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


int_pk = Annotated[int, mapped_column(BigId, primary_key=True, autoincrement=True)]
str_short = Annotated[str, mapped_column(String(120))]
str_long = Annotated[str, mapped_column(String(2000))]
# All times are stored as naive UTC; the UI converts for display.
utc_time = Annotated[datetime, mapped_column(DateTime(timezone=False))]
money_cents = Annotated[int, mapped_column(BigInteger, default=0)]
json_value = Annotated[Any, mapped_column(JsonValue)]


def utcnow() -> datetime:
    """The current time as naive UTC, the form every timestamp is stored in."""
    return datetime.now(UTC).replace(tzinfo=None)


def str_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum: VARCHAR plus a CHECK constraint on both databases."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    """Base of every table; constraint names follow NAMING_CONVENTION."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
