"""Small helpers shared by the profile query modules: money, cursors, sessions."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from c360.db import session_factory
from c360.errors import ValidationError


@contextmanager
def reading(engine_or_session: Engine | Session) -> Iterator[Session]:
    """A session to read with: the caller's own, or a short-lived one on ``engine``."""
    if isinstance(engine_or_session, Session):
        yield engine_or_session
        return
    with session_factory(engine_or_session)() as session:
        yield session


def encode_cursor(*parts: object) -> str:
    """An opaque, URL-safe cursor for keyset pagination (datetimes kept exactly)."""
    values = [p.isoformat() if isinstance(p, datetime) else p for p in parts]
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, shape: tuple[type, ...]) -> tuple:
    """Undo ``encode_cursor``; a cursor that was not made by us gives a ValidationError."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(shape):
            raise ValueError("wrong shape")
        out = []
        for value, kind in zip(values, shape, strict=True):
            if kind is datetime:
                out.append(datetime.fromisoformat(value))
            elif kind is int:
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ValueError("not an integer")
                out.append(value)
            elif kind is str:
                if not isinstance(value, str):
                    raise ValueError("not a string")
                out.append(value)
            else:
                raise ValueError("unsupported")
        return tuple(out)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise ValidationError("That page link is not valid any more; start from the top.") from exc


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` or None when there is nothing to divide by."""
    return part / whole if whole else None
