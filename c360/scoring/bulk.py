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
    touch_column: str | None = None,
) -> None:
    """Insert the rows of ``frame`` (columns named as in ``table``; JSON columns as JSON text).

    With ``upsert_key`` an existing row with the same key is updated instead. On PostgreSQL
    only rows whose values differ are rewritten; ``touch_column`` (e.g. the run timestamp) is
    then set on the unchanged rows with a narrow update, so the stored result is the same.
    """
    if frame.empty:
        return
    if session.get_bind().dialect.name == "postgresql":
        _write_postgres(session, table, frame, upsert_key, touch_column)
    else:
        _write_generic(session, table, frame, upsert_key, json_columns)


def _write_postgres(
    session: Session, table: Table, frame: pd.DataFrame, upsert_key, touch_column
) -> None:  # type: ignore[no-untyped-def]
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
        compared = [c for c in frame.columns if c not in (upsert_key, touch_column)]
        old = ", ".join(f'"{table.name}"."{c}"' for c in compared)
        new = ", ".join(f'EXCLUDED."{c}"' for c in compared)
        # Rewriting an unchanged row (wide JSON, several indexes) is most of the write cost.
        cursor.execute(
            f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM {target} '  # noqa: S608
            f'ON CONFLICT ("{upsert_key}") DO UPDATE SET {updates} '
            f"WHERE ROW({old}) IS DISTINCT FROM ROW({new})"
        )
        if touch_column is not None:
            # The touch column is not indexed, so this is a cheap HOT update.
            cursor.execute(
                f'UPDATE "{table.name}" AS t SET "{touch_column}" = s."{touch_column}" '  # noqa: S608
                f'FROM {target} AS s WHERE t."{upsert_key}" = s."{upsert_key}" '
                f'AND t."{touch_column}" IS DISTINCT FROM s."{touch_column}"'
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
