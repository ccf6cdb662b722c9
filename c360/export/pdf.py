"""PDF export: a one-page profile with charts (B9) followed by the full detail (R17).

Charts are Plotly figures rendered to PNG by kaleido (Debian's Chromium; the first image of a
process starts the browser, later ones reuse it). When no browser is available the report is
still built, and says that the charts could not be drawn.
"""

from __future__ import annotations

import atexit
import io
import os
import threading
import warnings
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy import Engine

from c360.db import session_factory
from c360.export.common import (
    ExportFile,
    Progress,
    all_orders,
    file_stem,
    no_progress,
    record_export,
    stamp,
)
from c360.models import REVENUE_STATUSES, utcnow
from c360.permissions import Actor, Permission, requires
from c360.profile import build_customer_360
from c360.views import Customer360View, OrderSummary

PDF_ORDER_ROWS = 60
CHART_MONTHS = 24
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_CHROMIUM = Path("/usr/bin/chromium")
_kaleido_lock = threading.Lock()
_kaleido_started = False

INK = (31, 41, 55)
MUTED = (107, 114, 128)
ACCENT = (37, 99, 235)
LEVEL_COLOURS = {
    "excellent": (22, 163, 74),
    "good": (101, 163, 13),
    "fair": (234, 179, 8),
    "poor": (220, 38, 38),
    "LOW": (22, 163, 74),
    "MEDIUM": (234, 179, 8),
    "HIGH": (220, 38, 38),
}


# --- charts ---------------------------------------------------------------------------------


def _png(figure, width: int, height: int) -> bytes:  # type: ignore[no-untyped-def]
    global _kaleido_started
    import kaleido

    if _CHROMIUM.exists():
        os.environ.setdefault("BROWSER_PATH", str(_CHROMIUM))
    with _kaleido_lock:
        if not _kaleido_started:
            kaleido.start_sync_server(silence_warnings=True)
            # Close the browser before the interpreter tears down its pipes (no noise at exit).
            atexit.register(kaleido.stop_sync_server, silence_warnings=True)
            _kaleido_started = True
        with warnings.catch_warnings():
            # plotly passes browser options that a running kaleido server ignores; harmless.
            warnings.simplefilter("ignore", UserWarning)
            return figure.to_image(format="png", width=width, height=height, scale=2)


def _month_key(moment: datetime) -> date:
    return date(moment.year, moment.month, 1)


def _months_back(today: date, count: int) -> list[date]:
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return months[::-1]


def orders_chart(orders: Sequence[OrderSummary], now: datetime) -> bytes:
    """Revenue (kept orders) and order count per month over the last 24 months, as PNG."""
    import plotly.graph_objects as go

    months = _months_back(now.date(), CHART_MONTHS)
    revenue: dict[date, float] = defaultdict(float)
    counts: dict[date, int] = defaultdict(int)
    for order in orders:
        key = _month_key(order.created_at)
        counts[key] += 1
        if order.status in REVENUE_STATUSES:
            revenue[key] += float(order.total)
    figure = go.Figure()
    figure.add_bar(
        x=months, y=[revenue[m] for m in months], name="Revenue ($)", marker_color="#2563eb"
    )
    figure.add_scatter(
        x=months,
        y=[counts[m] for m in months],
        name="Orders",
        yaxis="y2",
        mode="lines+markers",
        line={"color": "#f97316"},
    )
    figure.update_layout(
        title={"text": "Orders and revenue per month (last 24 months)", "font": {"size": 14}},
        margin={"l": 50, "r": 50, "t": 40, "b": 30},
        yaxis={"title": "Revenue ($)"},
        yaxis2={
            "title": "Orders",
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "tickformat": ",d",
        },
        legend={"orientation": "h", "y": -0.15},
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    return _png(figure, 620, 300)


def health_chart(view: Customer360View) -> bytes | None:
    """The health score's factors as horizontal bars (None when not scored)."""
    if view.health is None:
        return None
    import plotly.graph_objects as go

    factors = list(view.health.factors)
    figure = go.Figure(
        go.Bar(
            x=[f.score for f in factors],
            y=[f"{f.name} (weight {f.weight:.0%})" for f in factors],
            orientation="h",
            marker_color="#16a34a",
            text=[f"{f.score:.0f}" for f in factors],
            textposition="auto",
        )
    )
    figure.update_layout(
        title={"text": f"Health {view.health.score:.0f}/100 by factor", "font": {"size": 14}},
        xaxis={"range": [0, 100]},
        margin={"l": 10, "r": 20, "t": 40, "b": 30},
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    return _png(figure, 420, 300)


# --- the document ---------------------------------------------------------------------------


class _Report(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(12, 12, 12)
        regular, bold = _FONT_DIR / "DejaVuSans.ttf", _FONT_DIR / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            self.add_font("Body", "", str(regular))
            self.add_font("Body", "B", str(bold))
            self.body_font = "Body"
            self.has_unicode = True
        else:  # core font: Latin-1 only; other characters become "?"
            self.body_font = "Helvetica"
            self.has_unicode = False

    def text_of(self, value: object) -> str:
        text = "" if value is None else str(value)
        return text if self.has_unicode else text.encode("latin-1", "replace").decode("latin-1")

    def use(self, size: float, bold: bool = False, colour: tuple[int, int, int] = INK) -> None:
        self.set_font(self.body_font, "B" if bold else "", size)
        self.set_text_color(*colour)

    def footer(self) -> None:
        self.set_y(-11)
        self.use(7, colour=MUTED)
        self.cell(0, 5, self.text_of(self.footer_text), align="L")
        self.set_x(-30)
        self.cell(18, 5, f"page {self.page_no()}/{{nb}}", align="R")

    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(3)
        self.use(12, bold=True, colour=ACCENT)
        self.cell(0, 7, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*ACCENT)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)

    def line_text(self, text: str, size: float = 9, colour: tuple[int, int, int] = INK) -> None:
        self.use(size, colour=colour)
        self.multi_cell(0, size * 0.5, self.text_of(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table_of(
        self, header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[int]
    ) -> None:
        """A plain table: one line per row, long text cut with an ellipsis.

        (fpdf2's ``table()`` wraps every cell and is ~10x slower for the same result here.)
        """
        scale = (self.w - self.l_margin - self.r_margin) / sum(widths)
        columns = [w * scale for w in widths]
        self.use(8, bold=True, colour=(255, 255, 255))
        self.set_fill_color(55, 65, 81)
        for title, width in zip(header, columns, strict=True):
            self.cell(width, 5.5, self._fit(title, width), fill=True)
        self.ln(5.5)
        self.use(8)
        self.set_fill_color(243, 244, 246)
        for index, values in enumerate(rows):
            if self.get_y() > self.h - 20:
                self.add_page()
            for value, width in zip(values, columns, strict=True):
                self.cell(width, 5, self._fit(value, width), fill=index % 2 == 1)
            self.ln(5)
        self.ln(1)

    def _fit(self, value: object, width: float) -> str:
        text = " ".join(self.text_of(value).split())
        room = width - 2
        if self.get_string_width(text) <= room:
            return text
        while text and self.get_string_width(text + "…") > room:
            text = text[:-1]
        return text + "…"


def _money(value: object) -> str:
    return f"${value:,.2f}"


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d}" if moment else "—"


def _metric_boxes(pdf: _Report, items: Sequence[tuple[str, str]]) -> None:
    per_row, gap = 4, 2.5
    width = (pdf.w - pdf.l_margin - pdf.r_margin - gap * (per_row - 1)) / per_row
    top = pdf.get_y()
    for index, (label, value) in enumerate(items):
        x = pdf.l_margin + (index % per_row) * (width + gap)
        y = top + (index // per_row) * 16
        pdf.set_fill_color(243, 244, 246)
        pdf.rect(x, y, width, 14, style="F")
        pdf.set_xy(x + 2, y + 1.5)
        pdf.use(7, colour=MUTED)
        pdf.cell(width - 4, 4, pdf.text_of(label))
        pdf.set_xy(x + 2, y + 6)
        pdf.use(12, bold=True)
        pdf.cell(width - 4, 6, pdf.text_of(value))
    rows = (len(items) + per_row - 1) // per_row
    pdf.set_xy(pdf.l_margin, top + rows * 16)


def _header(pdf: _Report, view: Customer360View, actor: Actor, at: datetime) -> None:
    p = view.profile
    pdf.use(20, bold=True)
    pdf.cell(0, 10, pdf.text_of(p.name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    facts = [
        f"Customer #{p.id}",
        p.status.value,
        f"registered {_when(p.registered_at)}",
        f"tier {p.loyalty_tier.value}" if p.loyalty_tier else "no loyalty account",
        f"account manager {p.account_manager}" if p.account_manager else "no account manager",
    ]
    pdf.line_text(" · ".join(facts), 9, MUTED)
    contact = " · ".join(x for x in (p.email, p.phone) if x)
    if contact:
        pdf.line_text(contact, 9, MUTED)
    labels = [f"#{t.name}" for t in p.tags] + [f"segment: {s.name}" for s in p.segments]
    if labels:
        pdf.line_text("  ".join(labels), 8, ACCENT)
    pdf.set_fill_color(239, 246, 255)
    pdf.use(8, bold=True, colour=ACCENT)
    pdf.cell(0, 6, pdf.text_of(stamp(actor, at)), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _scores(pdf: _Report, view: Customer360View) -> None:
    pdf.heading("Health and churn risk")
    health, churn = view.health, view.churn
    if health is None:
        pdf.line_text("Health score: not scored yet.")
    else:
        pdf.use(10, bold=True, colour=LEVEL_COLOURS.get(health.level.value, INK))
        pdf.cell(
            0,
            6,
            pdf.text_of(
                f"Health {health.score:.0f}/100 ({health.level.value}), "
                f"calculated {_when(health.calculated_at)}"
            ),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        for factor in health.factors:
            detail = f" — {factor.detail}" if factor.detail else ""
            pdf.line_text(
                f"• {factor.name}: {factor.score:.0f} (weight {factor.weight:.0%}){detail}", 8
            )
        for tip in health.recommendations:
            pdf.line_text(f"→ {tip}", 8, MUTED)
    pdf.ln(1)
    if churn is None:
        pdf.line_text("Churn risk: not scored yet.")
    else:
        pdf.use(10, bold=True, colour=LEVEL_COLOURS.get(churn.level.value, INK))
        days = churn.days_since_last_purchase
        pdf.cell(
            0,
            6,
            pdf.text_of(
                f"Churn risk {churn.level.value} ({churn.score:.0f}/100), "
                f"calculated {_when(churn.calculated_at)}"
            ),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.line_text(
            f"Days since last purchase: {days if days is not None else '—'} · engagement "
            f"decline: {churn.engagement_decline:.0%} · support issues: {churn.support_issues}",
            8,
        )
        for factor in churn.factors:
            pdf.line_text(f"• {factor}", 8)
        for tip in churn.retention_strategies:
            pdf.line_text(f"→ {tip}", 8, MUTED)


def _charts(pdf: _Report, images: Sequence[tuple[bytes, float]], failure: str | None) -> None:
    pdf.heading("Charts")
    if failure:
        pdf.line_text(f"The charts could not be drawn: {failure}", 8, MUTED)
        return
    y = pdf.get_y()
    x = pdf.l_margin
    height = 0.0
    for image, width in images:
        placed = pdf.image(io.BytesIO(image), x=x, y=y, w=width)
        height = max(height, float(placed.rendered_height))
        x += width + 3
    pdf.set_y(y + height + 2)


def _detail(pdf: _Report, view: Customer360View, orders: Sequence[OrderSummary]) -> None:
    pdf.add_page()
    pdf.heading(f"Orders ({len(orders)} in all, newest first)")
    shown = orders[:PDF_ORDER_ROWS]
    if shown:
        pdf.table_of(
            ["Order", "Date", "Status", "Items", "Total"],
            [
                (o.order_number, _when(o.created_at), o.status.value, o.item_count, _money(o.total))
                for o in shown
            ],
            (40, 30, 30, 20, 30),
        )
        if len(orders) > len(shown):
            pdf.line_text(
                f"{len(orders) - len(shown)} older orders are in the CSV export.", 8, MUTED
            )
    else:
        pdf.line_text("No orders yet.")

    pdf.heading("Loyalty")
    loyalty = view.loyalty
    if loyalty is None:
        pdf.line_text("Not enrolled in the loyalty programme.")
    else:
        to_next = (
            f"{loyalty.points_to_next_tier:,} points to {loyalty.next_tier.value}"
            if loyalty.next_tier and loyalty.points_to_next_tier is not None
            else "top tier"
        )
        pdf.line_text(
            f"Tier {loyalty.tier.value} · balance {loyalty.points_balance:,} · lifetime "
            f"{loyalty.lifetime_points:,} · {to_next} · expiring in 30 days "
            f"{loyalty.points_expiring_30d:,} · referral code {loyalty.referral_code} "
            f"({loyalty.referral_count} referrals)"
        )
        if loyalty.recent_transactions:
            pdf.table_of(
                ["Date", "Kind", "Points", "Reason"],
                [
                    (_when(t.created_at), t.kind.value, f"{t.points:+,}", t.reason)
                    for t in loyalty.recent_transactions
                ],
                (25, 25, 20, 100),
            )

    pdf.heading("Marketing")
    mk = view.marketing
    consents = ", ".join(
        f"{channel.value} {'opted in' if yes else 'opted out'}"
        for channel, yes in mk.consents.items()
    )
    rates = (
        f"open rate {mk.open_rate:.0%}" if mk.open_rate is not None else "open rate —",
        f"click-through {mk.click_through_rate:.0%}"
        if mk.click_through_rate is not None
        else "click-through —",
    )
    pdf.line_text(
        f"Consents: {consents or 'none recorded'} · {mk.messages_sent} messages · "
        f"{rates[0]} · {rates[1]} · last e-mail opened {_when(mk.last_email_opened_at)}"
    )
    if mk.recent_campaigns:
        pdf.table_of(
            ["Campaign", "Channel", "Sent", "Opened", "Clicked"],
            [
                (
                    c.campaign,
                    c.channel.value,
                    _when(c.sent_at),
                    _when(c.opened_at),
                    _when(c.clicked_at),
                )
                for c in mk.recent_campaigns
            ],
            (70, 20, 25, 25, 25),
        )

    pdf.heading("Support")
    sp = view.support
    avg = f"{sp.average_resolution_hours:.1f} h" if sp.average_resolution_hours is not None else "—"
    pdf.line_text(
        f"Tickets: {sp.total_tickets} · open: {sp.open_tickets} · average resolution {avg}"
    )
    if sp.tickets:
        pdf.table_of(
            ["#", "Subject", "Status", "Priority", "Created"],
            [
                (t.id, t.subject, t.status.value, t.priority.value, _when(t.created_at))
                for t in sp.tickets
            ],
            (15, 85, 25, 20, 25),
        )

    pdf.heading("Notes")
    if not view.notes:
        pdf.line_text("No notes you may see.")
    for note in view.notes:
        edited = f", edited {_when(note.edited_at)}" if note.edited_at else ""
        pdf.use(8, bold=True, colour=MUTED)
        pdf.cell(
            0,
            5,
            pdf.text_of(
                f"{note.author or 'former staff'} · {note.created_at:%Y-%m-%d %H:%M}{edited} "
                f"· {note.visibility.value}"
            ),
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.line_text(note.content, 9)
        pdf.ln(1)


@requires(Permission.EXPORT)
def export_pdf(
    actor: Actor,
    engine: Engine,
    customer_id: int,
    progress: Progress = no_progress,
    *,
    charts: bool = True,
) -> ExportFile:
    """Build the PDF report of ``customer_id`` for ``actor`` and record the export.

    ``charts=False`` leaves the chart images out (fast; used by tests of the text).
    """
    at = utcnow()
    progress(0.05, "Reading the customer's data…")
    with session_factory(engine)() as session:
        view = build_customer_360(session, actor, customer_id, now=at)
        orders = list(all_orders(session, customer_id))
    progress(0.2, "Drawing the charts…")
    images: list[tuple[bytes, float]] = []
    failure = None if charts else "left out of this export"
    if charts:
        try:
            images.append((orders_chart(orders, at), 112))
            progress(0.5, "Drawing the charts…")
            health = health_chart(view)
            if health is not None:
                images.append((health, 72))
        except Exception as exc:  # noqa: BLE001 - any renderer failure: report without charts
            images, failure = [], f"{type(exc).__name__}: {exc}"[:200]
    progress(0.7, "Laying out the pages…")
    pdf = _Report(footer_text=f"Customer 360 · {view.profile.name} · {stamp(actor, at)}")
    pdf.set_title(f"Customer 360: {view.profile.name}")
    pdf.set_author(actor.name)
    pdf.set_creation_date(at)
    pdf.add_page()
    _header(pdf, view, actor, at)
    m = view.metrics
    _metric_boxes(
        pdf,
        [
            ("Lifetime value", _money(m.lifetime_value)),
            ("Orders", f"{m.total_orders:,}"),
            ("Average order", _money(m.average_order_value)),
            ("Total spent", _money(m.total_spent)),
            (
                "Days since last purchase",
                str(m.days_since_last_purchase) if m.days_since_last_purchase is not None else "—",
            ),
            ("Orders per month", f"{m.purchase_frequency_per_month:.2f}"),
            ("Tenure", f"{m.tenure_days:,} days"),
            ("Last order", _when(m.last_order_at)),
        ],
    )
    _scores(pdf, view)
    _charts(pdf, images, failure)
    _detail(pdf, view, orders)
    content = bytes(pdf.output())
    progress(0.95, "Recording the export…")
    record_export(
        engine,
        actor,
        customer_id,
        "pdf",
        at,
        {"pages": pdf.page_no(), "bytes": len(content), "charts": len(images)},
    )
    progress(1.0, "Done")
    return ExportFile(
        filename=file_stem(view.profile.name, customer_id, at) + ".pdf",
        mime="application/pdf",
        content=content,
        exported_at=at,
        exported_by=actor.name,
    )
