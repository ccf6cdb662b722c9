"""Exports of one customer (R17, B9): a PDF report and a CSV of metrics and order history.

Both are stamped with the export time and the exporting staff member, both need
``Permission.EXPORT``, and each export writes exactly one audit row.
"""

from __future__ import annotations

from c360.export.common import ExportFile

__all__ = ["ExportFile"]
