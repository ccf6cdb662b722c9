"""A cheap change marker for one customer, polled by open profiles to notice others' writes.

One statement of scalar sub-queries, each an index look-up on ``customer_id``: the newest id
(catches inserts) and the newest ``updated_at`` (catches edits) of the tables an open profile
shows, plus row counts where rows can be deleted. Any write by this app also adds an
activity_log row for the customer, so its newest id catches the rest.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.sql.elements import ColumnElement

from c360.models import (
    ActivityLog,
    ChurnRisk,
    Customer,
    CustomerNote,
    CustomerTag,
    HealthScore,
    LoyaltyAccount,
    LoyaltyTransaction,
    Order,
    SupportTicket,
)

ChangeMarker = tuple[object, ...]


def _marker_columns(customer_id: int) -> list[ColumnElement[object]]:
    def newest(column, table_customer):  # type: ignore[no-untyped-def]
        return select(func.max(column)).where(table_customer == customer_id).scalar_subquery()

    def count(table_customer):  # type: ignore[no-untyped-def]
        return select(func.count()).where(table_customer == customer_id).scalar_subquery()

    return [
        newest(Customer.updated_at, Customer.id),
        newest(Order.id, Order.customer_id),
        newest(Order.updated_at, Order.customer_id),
        newest(LoyaltyAccount.updated_at, LoyaltyAccount.customer_id),
        newest(LoyaltyTransaction.id, LoyaltyTransaction.customer_id),
        newest(SupportTicket.id, SupportTicket.customer_id),
        newest(SupportTicket.updated_at, SupportTicket.customer_id),
        newest(CustomerNote.id, CustomerNote.customer_id),
        newest(CustomerNote.updated_at, CustomerNote.customer_id),
        count(CustomerNote.customer_id),
        newest(CustomerTag.id, CustomerTag.customer_id),
        count(CustomerTag.customer_id),
        newest(HealthScore.calculated_at, HealthScore.customer_id),
        newest(ChurnRisk.calculated_at, ChurnRisk.customer_id),
        newest(ActivityLog.id, ActivityLog.customer_id),
    ]


def change_marker(engine: Engine, customer_id: int) -> ChangeMarker:
    """A value that differs whenever anything an open profile shows has changed."""
    with engine.connect() as connection:
        row = connection.execute(select(*_marker_columns(customer_id))).one()
    return tuple(row)
