"""CSV export: a stamp, the customer's metrics, then every order (one row each)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import Engine

from c360.db import session_factory
from c360.export.common import ExportFile, all_orders, file_stem, record_export, stamp
from c360.models import utcnow
from c360.permissions import Actor, Permission, requires
from c360.profile import build_customer_360

ORDER_COLUMNS = ["order_number", "created_at", "status", "total", "item_count"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: object) -> str:
    # A spreadsheet would run "=..." as a formula: quote text that starts like one.
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


@requires(Permission.EXPORT)
def export_csv(actor: Actor, engine: Engine, customer_id: int) -> ExportFile:
    """Build the CSV of ``customer_id`` for ``actor`` and record the export."""
    at = utcnow()
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    with session_factory(engine)() as session:
        view = build_customer_360(session, actor, customer_id, now=at)
        metrics = view.metrics
        out.writerow(["Customer 360 export"])
        out.writerow(["customer_id", view.profile.id])
        out.writerow(["customer", _text(view.profile.name)])
        out.writerow(["exported_at", f"{at:%Y-%m-%d %H:%M:%S} UTC"])
        out.writerow(["exported_by", _text(f"{actor.name} ({actor.email})")])
        out.writerow(["stamp", _text(stamp(actor, at))])
        out.writerow([])
        out.writerow(["metric", "value"])
        for name, value in (
            ("lifetime_value", metrics.lifetime_value),
            ("total_orders", metrics.total_orders),
            ("completed_orders", metrics.completed_orders),
            ("average_order_value", metrics.average_order_value),
            ("total_spent", metrics.total_spent),
            ("first_order_at", metrics.first_order_at),
            ("last_order_at", metrics.last_order_at),
            ("days_since_last_purchase", metrics.days_since_last_purchase),
            ("purchase_frequency_per_month", round(metrics.purchase_frequency_per_month, 4)),
            ("tenure_days", metrics.tenure_days),
            ("health_score", view.health.score if view.health else "not scored yet"),
            (
                "churn_risk",
                f"{view.churn.level.value} ({view.churn.score:.0f})"
                if view.churn
                else "not scored yet",
            ),
            ("loyalty_tier", view.loyalty.tier.value if view.loyalty else "not enrolled"),
            ("points_balance", view.loyalty.points_balance if view.loyalty else 0),
        ):
            out.writerow([name, "" if value is None else value])
        out.writerow([])
        out.writerow(ORDER_COLUMNS)
        count = 0
        for order in all_orders(session, customer_id):
            out.writerow(
                [
                    _text(order.order_number),
                    f"{order.created_at:%Y-%m-%d %H:%M:%S}",
                    order.status.value,
                    f"{order.total:.2f}",
                    order.item_count,
                ]
            )
            count += 1
    content = buffer.getvalue().encode("utf-8-sig")  # BOM: spreadsheets then read UTF-8
    record_export(engine, actor, customer_id, "csv", at, {"orders": count, "bytes": len(content)})
    return ExportFile(
        filename=file_stem(view.profile.name, customer_id, at) + ".csv",
        mime="text/csv",
        content=content,
        exported_at=at,
        exported_by=actor.name,
    )
