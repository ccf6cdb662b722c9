"""Customer segments: whitelisted criteria, built-in RFM segments, services and refresh."""

from c360.segments.criteria import FIELDS, Condition, Group, compile_criteria, parse_criteria
from c360.segments.refresh import refresh_all_segments, refresh_segments

__all__ = [
    "FIELDS",
    "Condition",
    "Group",
    "compile_criteria",
    "parse_criteria",
    "refresh_all_segments",
    "refresh_segments",
]
