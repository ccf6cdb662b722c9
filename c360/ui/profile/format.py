"""Display formatting shared by the profile renderers (no Streamlit calls)."""

from __future__ import annotations

import html
import re
from datetime import datetime
from decimal import Decimal

from c360.models.enums import ChurnLevel, HealthLevel

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
HEALTH_COLOURS = {
    HealthLevel.EXCELLENT: "#15803d",
    HealthLevel.GOOD: "#65a30d",
    HealthLevel.FAIR: "#d97706",
    HealthLevel.POOR: "#dc2626",
}
CHURN_COLOURS = {
    ChurnLevel.LOW: "#15803d",
    ChurnLevel.MEDIUM: "#d97706",
    ChurnLevel.HIGH: "#dc2626",
}


def usd(amount: Decimal | None) -> str:
    """``Decimal('1234.5')`` -> ``$1,234.50``."""
    return "—" if amount is None else f"${amount:,.2f}"


def when(moment: datetime | None, with_time: bool = False) -> str:
    """A UTC timestamp as a short date (and time), or a dash."""
    if moment is None:
        return "—"
    return moment.strftime("%d %b %Y %H:%M") if with_time else moment.strftime("%d %b %Y")


def label(value: object) -> str:
    """An enum value as words: ``in_progress`` -> ``In progress``."""
    text = str(getattr(value, "value", value)).replace("_", " ")
    return text[:1].upper() + text[1:].lower() if text.isupper() else text[:1].upper() + text[1:]


def percent(value: float | None) -> str:
    """0.256 -> ``25.6%``; None -> a dash."""
    return "—" if value is None else f"{value * 100:.1f}%"


def duration(seconds: float | None) -> str:
    """Seconds as ``4m 05s`` (or a dash)."""
    if seconds is None:
        return "—"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}m {rest:02d}s" if minutes else f"{rest}s"


def safe_colour(colour: str | None, default: str = "#6b7280") -> str:
    """A ``#rrggbb`` colour, or ``default`` for anything else (never raw user text in CSS)."""
    return colour if colour and _HEX_COLOUR.match(colour) else default


def chip(text: str, colour: str | None) -> str:
    """An HTML chip with escaped ``text`` on a validated background colour."""
    return (
        f'<span class="c360-chip" style="background:{safe_colour(colour)}">'
        f"{html.escape(text)}</span>"
    )
