"""CSV import (SPEC B10): validate every row, then load all or nothing, idempotently."""

from c360.ingest.kinds import KINDS, Column, Kind
from c360.ingest.loaders import Counts, Problem
from c360.ingest.service import ImportReport, import_as, import_csv, import_upload, parse_mapping

__all__ = [
    "KINDS",
    "Column",
    "Counts",
    "ImportReport",
    "Kind",
    "Problem",
    "import_as",
    "import_csv",
    "import_upload",
    "parse_mapping",
]
