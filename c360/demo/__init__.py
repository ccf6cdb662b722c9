"""Realistic, deterministic demo data for every table (``python -m c360 demo``)."""

from c360.demo.loader import (
    DEMO_SETTING,
    JOB_TABLES,
    DemoSummary,
    anchor_of,
    content_digest,
    load_demo_data,
)

__all__ = [
    "DEMO_SETTING",
    "JOB_TABLES",
    "DemoSummary",
    "anchor_of",
    "content_digest",
    "load_demo_data",
]
