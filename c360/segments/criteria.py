"""Segment criteria: a whitelisted tree of conditions, validated, then compiled to SQLAlchemy.

The stored JSON form is a group ``{"and": [...]}`` or ``{"or": [...]}`` whose items are
conditions ``{"field": "lifetime_value", "op": "gte", "value": 500}`` or nested groups.
Fields and operators come from the whitelist below; values are type-checked and only ever
reach SQL as bound parameters. A customer with no value for a field (never scored, no orders,
no loyalty account) matches no condition on that field, ``ne`` included.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    and_,
    exists,
    false,
    func,
    not_,
    or_,
    select,
    true,
)

from c360.errors import ValidationError
from c360.models import (
    OPEN_TICKET_STATUSES,
    Channel,
    ChurnLevel,
    ChurnRisk,
    Customer,
    CustomerStats,
    CustomerStatus,
    CustomerTag,
    HealthLevel,
    HealthScore,
    LoyaltyAccount,
    LoyaltyTier,
    MarketingConsent,
    SupportTicket,
    Tag,
)

MAX_DEPTH = 5
MAX_CONDITIONS = 50
MAX_LIST_VALUES = 100
MAX_NUMBER = 10**12
MAX_TEXT = 60


class Kind(enum.StrEnum):
    INTEGER = "integer"
    NUMBER = "number"
    MONEY = "money"  # currency units in the criteria, integer cents in SQL
    DAYS = "days"  # whole days elapsed since a timestamp, as of the evaluation time
    CHOICE = "choice"
    BOOLEAN = "boolean"
    TAG = "tag"


ORDERED_OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "between", "in")
OPERATORS_BY_KIND: dict[Kind, tuple[str, ...]] = {
    Kind.INTEGER: ORDERED_OPERATORS,
    Kind.NUMBER: ORDERED_OPERATORS,
    Kind.MONEY: ORDERED_OPERATORS,
    Kind.DAYS: ORDERED_OPERATORS,
    Kind.CHOICE: ("eq", "ne", "in"),
    Kind.BOOLEAN: ("eq", "ne"),
    Kind.TAG: ("eq", "ne", "in"),
}
OPERATOR_LABELS = {
    "eq": "is",
    "ne": "is not",
    "lt": "less than",
    "lte": "at most",
    "gt": "more than",
    "gte": "at least",
    "between": "between",
    "in": "is one of",
}


@dataclass(frozen=True)
class FieldSpec:
    """One field a criterion may test."""

    name: str
    label: str
    kind: Kind
    help: str
    choices: tuple[str, ...] = ()
    enum_type: type[enum.Enum] | None = None

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS_BY_KIND[self.kind]


def _choice(name: str, label: str, enum_type: type[enum.Enum], help: str) -> FieldSpec:
    return FieldSpec(
        name, label, Kind.CHOICE, help, tuple(m.value for m in enum_type), enum_type=enum_type
    )


FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("lifetime_value", "Lifetime value", Kind.MONEY, "Sum of completed orders"),
        FieldSpec(
            "avg_order_value",
            "Average order value",
            Kind.MONEY,
            "Lifetime value / completed orders (empty without a completed order)",
        ),
        FieldSpec("order_count", "Orders", Kind.INTEGER, "Orders of any status"),
        FieldSpec("completed_order_count", "Completed orders", Kind.INTEGER, "Delivered/completed"),
        FieldSpec(
            "days_since_last_order",
            "Days since last order",
            Kind.DAYS,
            "Whole days since the newest order (empty without orders)",
        ),
        FieldSpec(
            "days_since_first_order",
            "Days since first order",
            Kind.DAYS,
            "Whole days since the oldest order (empty without orders)",
        ),
        FieldSpec("registered_days_ago", "Registered (days ago)", Kind.DAYS, "Account age"),
        _choice("status", "Account status", CustomerStatus, "Account status"),
        _choice("loyalty_tier", "Loyalty tier", LoyaltyTier, "Empty without a loyalty account"),
        FieldSpec("loyalty_points", "Points balance", Kind.INTEGER, "Current loyalty points"),
        FieldSpec("health_score", "Health score", Kind.NUMBER, "0–100; empty until scored"),
        _choice("health_level", "Health level", HealthLevel, "Empty until scored"),
        FieldSpec("churn_score", "Churn score", Kind.NUMBER, "0–100; empty until scored"),
        _choice("churn_level", "Churn level", ChurnLevel, "Empty until scored"),
        FieldSpec("tag", "Tag", Kind.TAG, "Has (or has not) a tag, by name"),
        FieldSpec("open_tickets", "Open tickets", Kind.INTEGER, "Tickets open or in progress"),
        FieldSpec("email_opt_in", "E-mail opt-in", Kind.BOOLEAN, "Opted in to e-mail"),
        FieldSpec("sms_opt_in", "SMS opt-in", Kind.BOOLEAN, "Opted in to SMS"),
    )
}


@dataclass(frozen=True)
class Condition:
    """``field op value`` with a normalised value (cents for money, enum values for choices)."""

    field: str
    op: str
    value: Any

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of this condition."""
        return {"field": self.field, "op": self.op, "value": _value_to_json(self)}


@dataclass(frozen=True)
class Group:
    """Every (``and``) or any (``or``) of its items must hold; an empty ``and`` matches all."""

    combinator: str
    items: tuple[Condition | Group, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of this group."""
        return {self.combinator: [item.to_dict() for item in self.items]}

    def conditions(self) -> list[Condition]:
        """Every condition in the tree, depth first."""
        found: list[Condition] = []
        for item in self.items:
            found.extend(item.conditions() if isinstance(item, Group) else [item])
        return found


# --------------------------------------------------------------------------- validation


def parse_criteria(raw: Any) -> Group:
    """Validate a criteria tree (dict from JSON) and return it normalised; raise ValidationError."""
    if raw is None or raw == {}:
        return Group("and")
    if not isinstance(raw, dict):
        raise ValidationError('Criteria must be a group such as {"and": [...]}.')
    if "field" in raw:
        raw = {"and": [raw]}
    group = _parse_group(raw, depth=1)
    count = len(group.conditions())
    if count > MAX_CONDITIONS:
        raise ValidationError(f"Criteria have {count} conditions; at most {MAX_CONDITIONS}.")
    return group


def _parse_group(raw: dict, depth: int) -> Group:
    if depth > MAX_DEPTH:
        raise ValidationError(f"Groups may be nested at most {MAX_DEPTH} deep.")
    keys = list(raw)
    if len(keys) != 1 or keys[0] not in ("and", "or"):
        raise ValidationError(
            f"A group must have exactly one key, 'and' or 'or' (got {_show(keys)})."
        )
    combinator = keys[0]
    items = raw[combinator]
    if not isinstance(items, list):
        raise ValidationError(f"The '{combinator}' group must hold a list of conditions.")
    parsed: list[Condition | Group] = []
    for item in items:
        if not isinstance(item, dict):
            raise ValidationError(f"Each item of a group must be an object (got {_show(item)}).")
        parsed.append(_parse_condition(item) if "field" in item else _parse_group(item, depth + 1))
    return Group(combinator, tuple(parsed))


def _parse_condition(raw: dict) -> Condition:
    extra = set(raw) - {"field", "op", "value"}
    if extra:
        raise ValidationError(f"Unknown key(s) in a condition: {_show(sorted(extra))}.")
    name = raw.get("field")
    spec = FIELDS.get(name) if isinstance(name, str) else None
    if spec is None:
        allowed = ", ".join(FIELDS)
        raise ValidationError(f"Unknown field {_show(name)}. Allowed fields: {allowed}.")
    op = raw.get("op")
    if op not in spec.operators:
        raise ValidationError(
            f"Operator {_show(op)} cannot be used with {spec.label}; "
            f"use one of: {', '.join(spec.operators)}."
        )
    if "value" not in raw:
        raise ValidationError(f"The condition on {spec.label} needs a value.")
    value = raw["value"]
    if op == "between":
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ValidationError(f"{spec.label} between needs two values, [low, high].")
        low, high = (_parse_value(spec, v) for v in value)
        if low > high:
            raise ValidationError(f"{spec.label} between: the low value is above the high one.")
        return Condition(spec.name, op, (low, high))
    if op == "in":
        if not isinstance(value, list | tuple) or not value:
            raise ValidationError(f"{spec.label} is one of: give a non-empty list of values.")
        if len(value) > MAX_LIST_VALUES:
            raise ValidationError(f"{spec.label} is one of: at most {MAX_LIST_VALUES} values.")
        parsed = tuple(dict.fromkeys(_parse_value(spec, v) for v in value))
        return Condition(spec.name, op, parsed)
    return Condition(spec.name, op, _parse_value(spec, value))


def _parse_value(spec: FieldSpec, value: Any) -> Any:
    if spec.kind is Kind.BOOLEAN:
        if not isinstance(value, bool):
            raise ValidationError(f"{spec.label} takes true or false (got {_show(value)}).")
        return value
    if spec.kind is Kind.CHOICE:
        if isinstance(value, str):
            for choice in spec.choices:
                if choice.casefold() == value.strip().casefold():
                    return choice
        raise ValidationError(
            f"{spec.label} must be one of {', '.join(spec.choices)} (got {_show(value)})."
        )
    if spec.kind is Kind.TAG:
        if (
            not isinstance(value, str)
            or not value.strip()
            or len(value) > MAX_TEXT
            or "\x00" in value
        ):
            raise ValidationError(f"A tag name is 1–{MAX_TEXT} characters (got {_show(value)}).")
        return value.strip()
    return _parse_number(spec, value)


def _parse_number(spec: FieldSpec, value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValidationError(f"{spec.label} needs a number (got {_show(value)}).")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f"{spec.label} needs a number (got {_show(value)}).") from None
    if not number.is_finite() or abs(number) > MAX_NUMBER:
        raise ValidationError(f"{spec.label}: {_show(value)} is out of range.")
    if spec.kind is Kind.MONEY:
        cents = number * 100
        if cents != cents.to_integral_value():
            raise ValidationError(f"{spec.label}: amounts have at most two decimals.")
        return int(cents)
    if spec.kind in (Kind.INTEGER, Kind.DAYS):
        if number != number.to_integral_value():
            raise ValidationError(f"{spec.label} needs a whole number (got {_show(value)}).")
        return int(number)
    result = float(number)
    if math.isnan(result):
        raise ValidationError(f"{spec.label} needs a number.")
    return result


def _value_to_json(condition: Condition) -> Any:
    spec = FIELDS[condition.field]

    def one(v: Any) -> Any:
        if spec.kind is Kind.MONEY:
            return v // 100 if v % 100 == 0 else v / 100
        return v

    if condition.op in ("between", "in"):
        return [one(v) for v in condition.value]
    return one(condition.value)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe(group: Group) -> str:
    """A one-line human reading of the criteria ("Lifetime value at least 500 and ...")."""
    if not group.items:
        return "everyone"
    parts = []
    for item in group.items:
        if isinstance(item, Group):
            parts.append(f"({describe(item)})")
        else:
            spec = FIELDS[item.field]
            value = _value_to_json(item)
            if item.op == "between":
                shown = f"{value[0]} and {value[1]}"
            elif item.op == "in":
                shown = ", ".join(str(v) for v in value)
            else:
                shown = str(value).lower() if isinstance(value, bool) else str(value)
            parts.append(f"{spec.label} {OPERATOR_LABELS[item.op]} {shown}")
    return f" {group.combinator} ".join(parts)


# --------------------------------------------------------------------------- compilation


def customer_source() -> FromClause:
    """customers LEFT JOIN its one-row-per-customer tables: what compiled criteria refer to."""
    return (
        Customer.__table__.outerjoin(CustomerStats, CustomerStats.customer_id == Customer.id)
        .outerjoin(HealthScore, HealthScore.customer_id == Customer.id)
        .outerjoin(ChurnRisk, ChurnRisk.customer_id == Customer.id)
        .outerjoin(LoyaltyAccount, LoyaltyAccount.customer_id == Customer.id)
    )


def compile_criteria(group: Group, as_of: datetime) -> ColumnElement[bool]:
    """A boolean SQL expression over ``customer_source()``; day counts are taken at ``as_of``."""
    parts = [
        compile_criteria(item, as_of) if isinstance(item, Group) else _compile(item, as_of)
        for item in group.items
    ]
    if group.combinator == "and":
        return and_(true(), *parts)
    return or_(false(), *parts)


def _compare(column: Any, op: str, value: Any) -> ColumnElement[bool]:
    if op == "between":
        return column.between(*value)
    if op == "in":
        return column.in_(list(value))
    return {
        "eq": column.__eq__,
        "ne": column.__ne__,
        "lt": column.__lt__,
        "lte": column.__le__,
        "gt": column.__gt__,
        "gte": column.__ge__,
    }[op](value)


def _open_tickets() -> Any:
    return (
        select(func.count())
        .where(
            SupportTicket.customer_id == Customer.id,
            SupportTicket.status.in_(OPEN_TICKET_STATUSES),
        )
        .scalar_subquery()
    )


_NUMERIC_COLUMNS: dict[str, Callable[[], Any]] = {
    "lifetime_value": lambda: func.coalesce(CustomerStats.lifetime_value_cents, 0),
    "order_count": lambda: func.coalesce(CustomerStats.order_count, 0),
    "completed_order_count": lambda: func.coalesce(CustomerStats.completed_order_count, 0),
    "loyalty_points": lambda: LoyaltyAccount.points_balance,
    "health_score": lambda: HealthScore.score,
    "churn_score": lambda: ChurnRisk.score,
    "open_tickets": _open_tickets,
}
_CHOICE_COLUMNS: dict[str, Any] = {
    "status": Customer.status,
    "loyalty_tier": LoyaltyAccount.tier,
    "health_level": HealthScore.level,
    "churn_level": ChurnRisk.level,
}
_TIMESTAMPS: dict[str, Any] = {
    "days_since_last_order": CustomerStats.last_order_at,
    "days_since_first_order": CustomerStats.first_order_at,
    "registered_days_ago": Customer.registered_at,
}
_CONSENT_CHANNELS = {"email_opt_in": Channel.EMAIL, "sms_opt_in": Channel.SMS}


def _compile(condition: Condition, as_of: datetime) -> ColumnElement[bool]:
    name, op, value = condition.field, condition.op, condition.value
    if name in _NUMERIC_COLUMNS:
        return _compare(_NUMERIC_COLUMNS[name](), op, value)
    if name in _CHOICE_COLUMNS:
        enum_type = FIELDS[name].enum_type
        assert enum_type is not None
        members = (
            tuple(enum_type(v) for v in value) if op == "in" else enum_type(value)  # type: ignore[call-arg]
        )
        return _compare(_CHOICE_COLUMNS[name], op, members)
    if name in _TIMESTAMPS:
        return _days_condition(_TIMESTAMPS[name], op, value, as_of)
    if name == "avg_order_value":
        return _average_order_condition(op, value)
    if name == "tag":
        return _tag_condition(op, value)
    if name in _CONSENT_CHANNELS:
        opted_in = exists().where(
            MarketingConsent.customer_id == Customer.id,
            MarketingConsent.channel == _CONSENT_CHANNELS[name],
            MarketingConsent.opted_in.is_(True),
        )
        wanted = value if op == "eq" else not value
        return opted_in if wanted else not_(opted_in)
    raise ValidationError(f"Unknown field {name!r}.")  # unreachable after parse_criteria


def _days_condition(ts: Any, op: str, value: Any, as_of: datetime) -> ColumnElement[bool]:
    # floor((as_of - ts) / 1 day) compared with whole days, rewritten as a range on ts so an
    # index on the timestamp applies and both dialects agree to the microsecond.
    def at_least(n: int) -> ColumnElement[bool]:
        return ts <= as_of - timedelta(days=n)

    def at_most(n: int) -> ColumnElement[bool]:
        return ts > as_of - timedelta(days=n + 1)

    def exactly(n: int) -> ColumnElement[bool]:
        return and_(at_least(n), at_most(n))

    if op == "eq":
        return exactly(value)
    if op == "ne":
        return or_(at_most(value - 1), at_least(value + 1))
    if op == "lt":
        return at_most(value - 1)
    if op == "lte":
        return at_most(value)
    if op == "gt":
        return at_least(value + 1)
    if op == "gte":
        return at_least(value)
    if op == "between":
        return and_(at_least(value[0]), at_most(value[1]))
    return or_(*[exactly(n) for n in value])


def _average_order_condition(op: str, value: Any) -> ColumnElement[bool]:
    # LTV / n  op  v  <=>  LTV  op  v * n  for n > 0: integer arithmetic, no division.
    total = CustomerStats.lifetime_value_cents
    count = CustomerStats.completed_order_count
    if op == "between":
        matched = and_(total >= value[0] * count, total <= value[1] * count)
    elif op == "in":
        matched = or_(*[total == v * count for v in value])
    else:
        matched = _compare(total, op, value * count)
    return and_(count > 0, matched)


def _tag_condition(op: str, value: Any) -> ColumnElement[bool]:
    names: Sequence[str] = value if op == "in" else (value,)
    has = exists().where(
        CustomerTag.customer_id == Customer.id,
        CustomerTag.tag_id == Tag.id,
        Tag.name.in_(list(names)),
    )
    return not_(has) if op == "ne" else has
