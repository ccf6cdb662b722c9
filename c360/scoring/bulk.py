"""Bulk writes: COPY + INSERT ... ON CONFLICT on PostgreSQL, executemany on SQLite."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Table, insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def write_rows(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple],
    *,
    upsert_key: str | None = None,
    json_columns: Sequence[str] = (),
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order, JSON columns as JSON text) into ``table``.

    With ``upsert_key`` an existing row with the same key is updated instead.
    """
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        _write_postgres(session, table, columns, rows, upsert_key, json_columns)
    else:
        _write_generic(session, table, columns, rows, upsert_key, json_columns)


def _write_postgres(session, table, columns, rows, upsert_key, json_columns) -> None:  # type: ignore[no-untyped-def]
    cursor = session.connection().connection.driver_connection.cursor()
    names = _quoted(columns)
    if upsert_key is None:
        target = f'"{table.name}"'
    else:
        target = f'"tmp_{table.name}"'
        # Identifiers come from the table metadata, never from user input.
        cursor.execute(
            f"CREATE TEMP TABLE {target} ON COMMIT DROP AS "  # noqa: S608
            f'SELECT {names} FROM "{table.name}" WITH NO DATA'
        )
    with cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    if upsert_key is not None:
        updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c != upsert_key)
        cursor.execute(
            f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM {target} '  # noqa: S608
            f'ON CONFLICT ("{upsert_key}") DO UPDATE SET {updates}'
        )
        cursor.execute(f"DROP TABLE {target}")


def _write_generic(session, table, columns, rows, upsert_key, json_columns) -> None:  # type: ignore[no-untyped-def]
    json_at = [i for i, c in enumerate(columns) if c in json_columns]
    records = []
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        for i in json_at:
            record[columns[i]] = json.loads(row[i])
        records.append(record)
    if upsert_key is None:
        session.execute(insert(table), records)
        return
    statement = sqlite_insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[upsert_key],
        set_={c: statement.excluded[c] for c in columns if c != upsert_key},
    )
    session.execute(statement, records)
