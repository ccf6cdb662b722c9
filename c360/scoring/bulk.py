"""Bulk writes: COPY (CSV) + INSERT ... ON CONFLICT on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Table, delete, insert, or_, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def write_frame(
    session: Session,
    table: Table,
    frame: pd.DataFrame,
    *,
    upsert_key: str | None = None,
    json_columns: Sequence[str] = (),
    stamp_column: str | None = None,
    delete_missing: bool = False,
) -> None:
    """Insert the rows of ``frame`` (columns named as in ``table``; JSON columns as JSON text).

    With ``upsert_key`` an existing row with the same key is updated instead, and only when
    one of its values differs: ``stamp_column`` (e.g. the run's timestamp) is not compared, so
    it records when the values last changed. Rewriting unchanged rows is most of the cost of a
    rescore. ``delete_missing`` then deletes the rows whose key is not in ``frame``.
    """
    if frame.empty and not delete_missing:
        return
    if session.get_bind().dialect.name == "postgresql":
        _write_postgres(
            session,
            table,
            list(frame.columns),
            _csv(frame),
            upsert_key,
            stamp_column,
            delete_missing,
        )
    else:
        _write_generic(session, table, frame, upsert_key, json_columns, stamp_column)
        if delete_missing and upsert_key is not None:
            _delete_missing_generic(session, table, frame, upsert_key)


class FrameWriter:
    """``write_frame`` calls in order; on PostgreSQL each runs in a background thread.

    The database then loads one frame while the caller builds the next (COPY and the upsert
    wait on the server and release the GIL). Only the writer thread uses the session until
    ``finish``; the caller must not touch it in between.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        background = session.get_bind().dialect.name == "postgresql"
        self._pool = ThreadPoolExecutor(max_workers=1) if background else None
        self._pending: list[Future[None]] = []

    def write(self, table: Table, frame: pd.DataFrame, **options: Any) -> None:
        """Queue ``write_frame(session, table, frame, **options)``; synchronous off PostgreSQL."""
        if self._pool is None:
            write_frame(self.session, table, frame, **options)
            return
        if frame.empty and not options.get("delete_missing"):
            return
        text = _csv(frame)  # built here, so it overlaps the previous frame's database work
        self._pending.append(
            self._pool.submit(
                _write_postgres,
                self.session,
                table,
                list(frame.columns),
                text,
                options.get("upsert_key"),
                options.get("stamp_column"),
                bool(options.get("delete_missing")),
            )
        )

    def finish(self) -> None:
        """Wait for every queued write; re-raise the first failure."""
        pending, self._pending = self._pending, []
        try:
            for future in pending:
                future.result()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self.finish()
            return
        # Let the writer stop before the transaction is rolled back; the caller's own error
        # is the one to raise.
        with contextlib.suppress(Exception):
            self.finish()


def _csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, header=False, index=False, na_rep="")
    return buffer.getvalue()


def _write_postgres(
    session: Session,
    table: Table,
    columns: list[str],
    csv_text: str,
    upsert_key: str | None,
    stamp_column: str | None,
    delete_missing: bool,
) -> None:
    cursor = session.connection().connection.driver_connection.cursor()
    names = ", ".join(f'"{name}"' for name in columns)
    target = f'"{table.name}"'
    if upsert_key is not None and _is_empty(cursor, table):
        upsert_key = None  # nothing to update or delete: straight into the table (first run)
    if upsert_key is not None:
        target = f'"tmp_{table.name}"'
        # Identifiers come from the table metadata, never from user input.
        cursor.execute(
            f"CREATE TEMP TABLE {target} ON COMMIT DROP AS "  # noqa: S608
            f'SELECT {names} FROM "{table.name}" WITH NO DATA'
        )
    with cursor.copy(f"COPY {target} ({names}) FROM STDIN WITH (FORMAT csv)") as copy:
        copy.write(csv_text)
    if upsert_key is not None:
        updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c != upsert_key)
        compared = [c for c in columns if c not in (upsert_key, stamp_column)]
        old = ", ".join(f'"{table.name}"."{c}"' for c in compared)
        new = ", ".join(f'EXCLUDED."{c}"' for c in compared)
        cursor.execute(
            f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM {target} '  # noqa: S608
            f'ON CONFLICT ("{upsert_key}") DO UPDATE SET {updates} '
            f"WHERE ROW({old}) IS DISTINCT FROM ROW({new})"
        )
        if delete_missing:
            cursor.execute(
                f'DELETE FROM "{table.name}" AS t WHERE NOT EXISTS '  # noqa: S608
                f'(SELECT 1 FROM {target} AS s WHERE s."{upsert_key}" = t."{upsert_key}")'
            )
        cursor.execute(f"DROP TABLE {target}")


def _is_empty(cursor: Any, table: Table) -> bool:
    cursor.execute(f'SELECT NOT EXISTS (SELECT 1 FROM "{table.name}")')  # noqa: S608
    return bool(cursor.fetchone()[0])


def _write_generic(session, table, frame, upsert_key, json_columns, stamp_column) -> None:  # type: ignore[no-untyped-def]
    if frame.empty:
        return
    records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    for record in records:
        for name in json_columns:
            record[name] = json.loads(record[name])
        for name, value in record.items():
            if isinstance(value, np.generic):
                record[name] = value.item()
    if upsert_key is None:
        session.execute(insert(table), records)
        return
    statement = sqlite_insert(table)
    compared = [c for c in frame.columns if c not in (upsert_key, stamp_column)]
    statement = statement.on_conflict_do_update(
        index_elements=[upsert_key],
        set_={c: statement.excluded[c] for c in frame.columns if c != upsert_key},
        where=or_(*(table.c[c].is_distinct_from(statement.excluded[c]) for c in compared)),
    )
    session.execute(statement, records)


def _delete_missing_generic(
    session: Session, table: Table, frame: pd.DataFrame, upsert_key: str
) -> None:
    key = table.c[upsert_key]
    stored = set(session.scalars(select(key)))
    missing = sorted(stored - set(frame[upsert_key].tolist()) if not frame.empty else stored)
    for start in range(0, len(missing), 10_000):  # below SQLite's bound-parameter limit
        session.execute(delete(table).where(key.in_(missing[start : start + 10_000])))
