"""Real data sets the tests use (kept in tests/data)."""

from pathlib import Path

CDNOW_SAMPLE = Path(__file__).resolve().parent / "data" / "CDNOW_sample.txt"
