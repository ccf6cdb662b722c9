"""Bulk writes: COPY (CSV) + INSERT ... ON CONFLICT on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Table, insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def write_frame(
    session: Session,
    table: Table,
    frame: pd.DataFrame,
    *,
    upsert_key: str | None = None,
    json_columns: Sequence[str] = (),
) -> None:
    """Insert the rows of ``frame`` (columns named as in ``table``; JSON columns as JSON text).

    With ``upsert_key`` an existing row with the same key is updated instead.
    """
    if frame.empty:
        return
    if session.get_bind().dialect.name == "postgresql":
        _write_postgres(session, table, frame, upsert_key)
    else:
        _write_generic(session, table, frame, upsert_key, json_columns)


def _write_postgres(session: Session, table: Table, frame: pd.DataFrame, upsert_key) -> None:  # type: ignore[no-untyped-def]
    cursor = session.connection().connection.driver_connection.cursor()
    names = ", ".join(f'"{name}"' for name in frame.columns)
    target = f'"{table.name}"'
    if upsert_key is not None:
        target = f'"tmp_{table.name}"'
        # Identifiers come from the table metadata, never from user input.
        cursor.execute(
            f"CREATE TEMP TABLE {target} ON COMMIT DROP AS "  # noqa: S608
            f'SELECT {names} FROM "{table.name}" WITH NO DATA'
        )
    buffer = io.StringIO()
    frame.to_csv(buffer, header=False, index=False, na_rep="")
    with cursor.copy(f"COPY {target} ({names}) FROM STDIN WITH (FORMAT csv)") as copy:
        copy.write(buffer.getvalue())
    if upsert_key is not None:
        updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in frame.columns if c != upsert_key)
        cursor.execute(
            f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM {target} '  # noqa: S608
            f'ON CONFLICT ("{upsert_key}") DO UPDATE SET {updates}'
        )
        cursor.execute(f"DROP TABLE {target}")


def _write_generic(session, table, frame, upsert_key, json_columns) -> None:  # type: ignore[no-untyped-def]
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
    statement = statement.on_conflict_do_update(
        index_elements=[upsert_key],
        set_={c: statement.excluded[c] for c in frame.columns if c != upsert_key},
    )
    session.execute(statement, records)
