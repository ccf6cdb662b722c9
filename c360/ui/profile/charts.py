"""Plotly figures of the profile: category bars, device split, weekday x hour, activity."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

from c360.timeline import KINDS
from c360.views import ActivityCount

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CHART_CONFIG = {"displayModeBar": False, "responsive": True}
KIND_COLOURS = {
    "order": "#2563eb",
    "ticket": "#dc2626",
    "loyalty": "#d97706",
    "marketing": "#7c3aed",
    "note": "#0891b2",
    "tag": "#65a30d",
    "account": "#6b7280",
}


def _compact(figure: go.Figure, height: int) -> go.Figure:
    figure.update_layout(height=height, margin={"l": 8, "r": 8, "t": 36, "b": 8})
    return figure


def category_bars(title: str, pairs: Sequence[tuple[str, int]], colour: str) -> go.Figure:
    """Horizontal bars, the largest on top."""
    names = [name for name, _ in reversed(pairs)]
    counts = [count for _, count in reversed(pairs)]
    figure = go.Figure(go.Bar(x=counts, y=names, orientation="h", marker_color=colour))
    figure.update_layout(title={"text": title, "font": {"size": 14}})
    return _compact(figure, 60 + 34 * max(1, len(pairs)))


def device_split(breakdown: dict[str, int]) -> go.Figure:
    """A donut of sessions per device."""
    figure = go.Figure(
        go.Pie(labels=[d.title() for d in breakdown], values=list(breakdown.values()), hole=0.5)
    )
    figure.update_layout(
        title={"text": "Devices", "font": {"size": 14}},
        showlegend=True,
        legend={"orientation": "h"},
    )
    return _compact(figure, 260)


def weekday_hour_heatmap(cells: dict[tuple[int, int], int]) -> go.Figure:
    """Sessions by day of week (rows, Monday first) and hour of day (columns, UTC)."""
    grid = [[cells.get((day, hour), 0) for hour in range(24)] for day in range(7)]
    figure = go.Figure(
        go.Heatmap(
            z=grid,
            x=list(range(24)),
            y=list(WEEKDAYS),
            colorscale="Blues",
            showscale=False,
            hovertemplate="%{y} %{x}:00 — %{z} sessions<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(dtick=3, title="Hour (UTC)")
    figure.update_layout(title={"text": "Preferred shopping times", "font": {"size": 14}})
    return _compact(figure, 280)


def activity_over_time(counts: Sequence[ActivityCount]) -> go.Figure:
    """Stacked monthly bars of timeline events by kind."""
    figure = go.Figure()
    for kind, title in KINDS.items():
        points = [c for c in counts if c.kind == kind]
        if points:
            figure.add_trace(
                go.Bar(
                    x=[c.month for c in points],
                    y=[c.count for c in points],
                    name=title,
                    marker_color=KIND_COLOURS.get(kind),
                )
            )
    peak = max(
        (sum(c.count for c in counts if c.month == month) for month in {c.month for c in counts}),
        default=0,
    )
    # Whole numbers of events only: no 0.5 ticks on small counts.
    figure.update_yaxes(tickformat=",d", dtick=max(1, math.ceil(peak / 5)), rangemode="tozero")
    figure.update_layout(
        barmode="stack",
        title={"text": "Activity over time", "font": {"size": 14}},
        legend={"orientation": "h", "y": -0.25},
    )
    return _compact(figure, 280)
