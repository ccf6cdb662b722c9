"""Bulk writes of score frames: COPY on PostgreSQL, executemany elsewhere.

A scoring run replaces every row of a score table. On PostgreSQL the new rows are COPYed in
PostgreSQL's binary format (from Arrow columns, by the ADBC driver) into a staging table with no
indexes, which then gets the live table's constraints, indexes, grants and statistics and takes
its place in one rename just before the run commits. Loading a fresh heap and building each
index once is several times cheaper than updating a million indexed rows in place, leaves no
dead rows behind, and readers keep the old table until the swap.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Engine,
    Float,
    Integer,
    SmallInteger,
    String,
    Table,
    delete,
    insert,
)
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from c360.errors import C360Error
from c360.frames import adbc_connect
from c360.models.base import JsonText

STAGING_SUFFIX = "__next"


def write_frame(session: Session, table: Table, frame: pd.DataFrame) -> None:
    """Insert the rows of ``frame`` (columns named as in ``table``; JSON columns as JSON text)."""
    if frame.empty:
        return
    if session.get_bind().dialect.name == "postgresql":
        cursor = _cursor(session)
        _copy_in(cursor, table.name, list(frame.columns), _csv(frame))
    else:
        _insert_generic(session, table, frame)


class TableReplacer:
    """Replace every row of some tables with new frames, all visible at once on ``swap``.

    On PostgreSQL each frame loads into its staging table on a connection of its own, two at a
    time, while the caller builds the next frame: COPY, constraint checks and index builds keep
    both of the server's cores busy. Staging tables are committed when loaded but read by
    nobody; ``swap`` then puts them in place inside the caller's transaction, so the new rows
    appear at its commit or never. Call it last in the transaction: readers of those tables
    wait from the swap until the commit. Elsewhere (SQLite) rows are deleted and inserted
    directly in the caller's transaction.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        bind = session.get_bind()
        self._engine = bind if bind.dialect.name == "postgresql" else None
        if self._engine is not None and not isinstance(self._engine, Engine):
            raise TypeError("on PostgreSQL the session must be bound to an Engine")
        self._pool = ThreadPoolExecutor(max_workers=2) if self._engine is not None else None
        self._pending: list[Future[None]] = []
        self._staged: list[str] = []

    def replace(self, table: Table, frame: pd.DataFrame) -> None:
        """Queue: the rows of ``table`` become exactly the rows of ``frame``."""
        if self._pool is None:
            self.session.execute(delete(table))
            _insert_generic(self.session, table, frame)
            return
        assert isinstance(self._engine, Engine)
        rows = arrow_rows(table, frame)  # built here, overlapping the previous frame's load
        self._staged.append(table.name)
        self._pending.append(
            self._pool.submit(self._on_own_connection, _stage, table.name, rows, self._engine.url)
        )

    def finish(self) -> None:
        """Wait for every queued load; re-raise the first failure."""
        pending, self._pending = self._pending, []
        try:
            for future in pending:
                future.result()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    def swap(self) -> None:
        """Put every staged table in place of its live table (PostgreSQL; nothing elsewhere).

        Dropping a live table waits for the queries reading it, and every query that arrives
        meanwhile waits behind the drop. So each attempt waits at most ``SWAP_LOCK_WAIT`` and
        then gives way (back to a savepoint) before trying again: a long report delays the
        swap, never the dashboard by more than that.
        """
        self.finish()
        for name in self._staged:
            _swap_in_when_free(self.session, name)
        self._staged = []

    def _on_own_connection(self, work: Callable[..., None], *args: Any) -> None:
        assert isinstance(self._engine, Engine)
        with self._engine.connect() as connection:
            # Work done on the driver's own cursor: commit the driver connection itself.
            driver = connection.connection.driver_connection
            work(driver.cursor(), *args)
            driver.commit()

    def __enter__(self) -> TableReplacer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            return
        # Let the loaders stop, then drop what they staged; the caller's own error is the one
        # to raise (a staging table left behind is dropped by the next run anyway).
        with contextlib.suppress(Exception):
            self.finish()
        for name in self._staged:
            with contextlib.suppress(Exception):
                self._on_own_connection(_drop_staging, name)


@dataclass(frozen=True)
class _Constraint:
    name: str
    definition: str
    kind: str  # p, u or f (pg_constraint.contype)

    @property
    def staged_name(self) -> str:
        """Keys are backed by an index, whose name must differ from the live table's meanwhile."""
        return _staging_name(self.name) if self.kind in ("p", "u") else self.name


# Arrow types whose binary form PostgreSQL's COPY reads into each column type (most specific
# first: BigInteger and SmallInteger are Integers).
_ARROW_TYPES: tuple[tuple[type, pa.DataType], ...] = (
    (BigInteger, pa.int64()),
    (SmallInteger, pa.int16()),
    (Integer, pa.int32()),
    (Float, pa.float64()),
    (Boolean, pa.bool_()),
    (DateTime, pa.timestamp("us")),
    (String, pa.string()),  # also Text and our VARCHAR enums
    (JsonText, pa.string()),
)


def arrow_rows(table: Table, frame: pd.DataFrame) -> pa.Table:
    """``frame`` as Arrow columns of exactly the types binary COPY needs for ``table``.

    Missing values (NaN, None, NaT) become NULL; a value that does not fit its column (a
    fraction for an integer, say) raises instead of being cut.
    """
    fields = []
    for name in frame.columns:
        column = table.c[name]
        arrow_type = next((a for t, a in _ARROW_TYPES if isinstance(column.type, t)), None)
        if arrow_type is None:
            raise TypeError(f"no binary COPY type for {table.name}.{name} ({column.type})")
        fields.append(pa.field(name, arrow_type))
    rows = pa.Table.from_pandas(frame, preserve_index=False)
    return rows.cast(pa.schema(fields))


def _stage(cursor: Any, name: str, rows: pa.Table, url: URL) -> None:
    """Load ``rows`` into a bare copy of ``name``, then give it the live table's rules."""
    staging = _staging_name(name)
    # Identifiers come from the table metadata and the catalog, never from user input.
    _drop_staging(cursor, name)  # left by a run that died before it could clean up
    cursor.connection.commit()
    # Created and loaded in one transaction of the ADBC connection (binary COPY from Arrow).
    # Check constraints and NOT NULL come with LIKE and are checked row by row during the COPY.
    with adbc_connect(url) as loader:
        with loader.cursor() as load:
            load.execute(
                f'CREATE TABLE "{staging}" (LIKE "{name}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)'
            )
            if rows.num_rows:
                load.adbc_ingest(staging, rows, mode="append")
        loader.commit()
    for constraint in _constraints(cursor, name):
        cursor.execute(
            f'ALTER TABLE "{staging}" ADD CONSTRAINT "{constraint.staged_name}" '
            f"{constraint.definition}"
        )
    for index_name, definition in _plain_indexes(cursor, name):
        cursor.execute(_index_on(definition, index_name, staging))
    for privilege, grantee, grantable in _grants(cursor, name):
        option = " WITH GRANT OPTION" if grantable else ""
        cursor.execute(f'GRANT {privilege} ON "{staging}" TO {grantee}{option}')
    cursor.execute(f'ANALYZE "{staging}"')


def _drop_staging(cursor: Any, name: str) -> None:
    cursor.execute(f'DROP TABLE IF EXISTS "{_staging_name(name)}"')


# How long one attempt to take a live table waits for its readers, and how often it tries.
SWAP_LOCK_WAIT = "2s"
SWAP_ATTEMPTS = 150


def _swap_in_when_free(session: Session, name: str) -> None:
    cursor = _cursor(session)
    cursor.execute("SELECT current_setting('lock_timeout')")
    (before,) = cursor.fetchone()
    cursor.execute("SELECT set_config('lock_timeout', %s, true)", (SWAP_LOCK_WAIT,))
    try:
        for attempt in range(SWAP_ATTEMPTS):
            cursor.execute("SAVEPOINT c360_swap")
            try:
                _swap_in(cursor, name)
            except psycopg.errors.LockNotAvailable:
                cursor.execute("ROLLBACK TO SAVEPOINT c360_swap")
                time.sleep(min(0.05 * 2**attempt, 1.0))
                continue
            cursor.execute("RELEASE SAVEPOINT c360_swap")
            return
        raise SwapTimeout(
            f"The new scores were not saved: queries kept reading {name} through "
            f"{SWAP_ATTEMPTS} attempts of {SWAP_LOCK_WAIT} each. Run the scoring again later."
        )
    finally:
        if cursor.connection.info.transaction_status != psycopg.pq.TransactionStatus.INERROR:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", (before,))


class SwapTimeout(C360Error):
    """Readers held a table for too long; the run is rolled back."""


def _swap_in(cursor: Any, name: str) -> None:
    staging = _staging_name(name)
    sequences = _owned_sequences(cursor, name)
    for _, sequence in sequences:  # the id sequence must outlive the table it served
        cursor.execute(f"ALTER SEQUENCE {sequence} OWNED BY NONE")
    constraints = _constraints(cursor, name)
    indexes = [index_name for index_name, _ in _plain_indexes(cursor, name)]
    cursor.execute(f'DROP TABLE "{name}"')
    cursor.execute(f'ALTER TABLE "{staging}" RENAME TO "{name}"')
    for constraint in constraints:
        if constraint.staged_name != constraint.name:
            cursor.execute(
                f'ALTER TABLE "{name}" RENAME CONSTRAINT "{constraint.staged_name}" '
                f'TO "{constraint.name}"'
            )
    for index_name in indexes:
        cursor.execute(f'ALTER INDEX "{_staging_name(index_name)}" RENAME TO "{index_name}"')
    for column, sequence in sequences:
        cursor.execute(f'ALTER SEQUENCE {sequence} OWNED BY "{name}"."{column}"')


def _owned_sequences(cursor: Any, name: str) -> list[tuple[str, str]]:
    """(column, sequence) of the serial columns of ``name`` (sequence name quoted)."""
    cursor.execute(
        "SELECT attname, pg_get_serial_sequence(%s, attname) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        (f'"{name}"', f'"{name}"'),
    )
    return [(column, sequence) for column, sequence in cursor.fetchall() if sequence]


def _constraints(cursor: Any, name: str) -> list[_Constraint]:
    """Primary key, unique constraints, then foreign keys (checks come with LIKE)."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') "
        "ORDER BY position(contype::text IN 'puf'), conname",
        (f'"{name}"',),
    )
    return [_Constraint(*row) for row in cursor.fetchall()]


def _plain_indexes(cursor: Any, name: str) -> list[tuple[str, str]]:
    """Indexes that do not back a constraint: (name, CREATE INDEX statement)."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
        "ORDER BY i.relname",
        (f'"{name}"',),
    )
    return [(row[0], row[1]) for row in cursor.fetchall()]


# pg_get_indexdef: CREATE [UNIQUE] INDEX name ON [ONLY] schema.table USING ...
_INDEX_HEAD = re.compile(
    r"^(CREATE (?:UNIQUE )?INDEX )(\S+)( ON (?:ONLY )?)(\S+)( USING .*)$", re.S
)


def _index_on(definition: str, index_name: str, table: str) -> str:
    """The same index definition under its staging name, on ``table``."""
    match = _INDEX_HEAD.match(definition)
    if match is None:
        raise ValueError(f"unexpected index definition: {definition}")
    head, _, on, _, rest = match.groups()
    return f'{head}"{_staging_name(index_name)}"{on}"{table}"{rest}'


def _grants(cursor: Any, name: str) -> list[tuple[str, str, bool]]:
    """Privileges others hold on ``name`` (the owner's own come with ownership)."""
    cursor.execute(
        "SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' "
        "ELSE quote_ident(pg_get_userbyid(a.grantee)) END, a.is_grantable "
        "FROM pg_class c, aclexplode(c.relacl) a "
        "WHERE c.oid = %s::regclass AND a.grantee <> c.relowner",
        (f'"{name}"',),
    )
    return [(row[0], row[1], bool(row[2])) for row in cursor.fetchall()]


def _staging_name(name: str) -> str:
    staged = f"{name}{STAGING_SUFFIX}"
    if len(staged) > 63:  # PostgreSQL would silently truncate it, and clash
        raise ValueError(f"name too long to stage: {name}")
    return staged


def _cursor(session: Session) -> Any:
    return session.connection().connection.driver_connection.cursor()


def _copy_in(cursor: Any, target: str, columns: list[str], csv_text: bytes) -> None:
    names = ", ".join(f'"{name}"' for name in columns)
    with cursor.copy(f'COPY "{target}" ({names}) FROM STDIN WITH (FORMAT csv)') as copy:
        copy.write(csv_text)


def _csv(frame: pd.DataFrame) -> bytes:
    """COPY's CSV for ``frame``: missing values unquoted and empty, so they load as NULL.

    Arrow's C++ writer (pandas' CSV writer formats every float in Python: 4 s per million
    score rows against 1 s).
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    out = pa.BufferOutputStream()
    pa_csv.write_csv(table, out, pa_csv.WriteOptions(include_header=False))
    return out.getvalue().to_pybytes()


def _insert_generic(session: Session, table: Table, frame: pd.DataFrame) -> None:
    """Insert through SQLAlchemy: JSON columns arrive as JSON text and go in as values."""
    if frame.empty:
        return
    json_columns = [c.name for c in table.columns if isinstance(c.type, (JSON, JsonText))]
    records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    for record in records:
        for name in json_columns:
            if name in record and record[name] is not None:
                record[name] = json.loads(record[name])
        for name, value in record.items():
            if isinstance(value, np.generic):
                record[name] = value.item()
    session.execute(insert(table), records)
