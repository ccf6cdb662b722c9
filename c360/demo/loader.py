"""Write generated demo rows: COPY on PostgreSQL, executemany on SQLite, one transaction."""

from __future__ import annotations

import functools
import hashlib
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Integer, func, select, text
from sqlalchemy.orm import Session
from tqdm import tqdm

from c360.demo import catalogue as cat
from c360.demo.generator import SHOPS, IdCounters, build_catalogue, generate_chunk, to_time
from c360.errors import Conflict, ValidationError
from c360.models import (
    AppSetting,
    Base,
    Campaign,
    Category,
    Customer,
    Product,
    StaffUser,
    Tag,
    utcnow,
)
from c360.passwords import hash_password
from c360.stats import refresh_customer_stats

DEMO_SETTING = "demo_data"
CHUNK_SIZE = 10_000
MAX_CUSTOMERS = 5_000_000
# Tables that only later jobs fill (scores, predictions, segment assignments, notifications):
# the demo leaves them empty rather than invent their values.
JOB_TABLES = frozenset(
    {
        "health_scores",
        "churn_risks",
        "score_history",
        "predictions",
        "notifications",
        "customer_segments",
        "model_fits",
    }
)
# Columns that legitimately differ between two identical loads (salted hash, wall-clock times).
VOLATILE_COLUMNS = frozenset(
    {
        ("staff_users", "password_hash"),
        ("customer_stats", "refreshed_at"),
        ("app_settings", "updated_at"),
    }
)


@dataclass
class DemoSummary:
    """What a demo load wrote and how long it took."""

    customers: int
    seed: int
    today: date
    seconds: float = 0.0
    rows: Counter[str] = field(default_factory=Counter)


def anchor_of(today: date | None) -> datetime:
    """The instant demo history ends: midnight (UTC) at the start of ``today``."""
    return datetime.combine(today or utcnow().date(), clock())


def load_demo_data(
    engine: Engine,
    customers: int,
    *,
    seed: int = 42,
    today: date | None = None,
    reset: bool = False,
    progress: bool = False,
    chunk_size: int = CHUNK_SIZE,
    shop: str = "typical",
) -> DemoSummary:
    """Fill every table with ``customers`` demo customers and their history, in one transaction."""
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise ValidationError(f"--customers must be between 1 and {MAX_CUSTOMERS:,}.")
    if shop not in SHOPS:
        raise ValidationError(f"--shop must be one of {', '.join(sorted(SHOPS))}, not {shop!r}.")
    anchor = anchor_of(today)
    summary = DemoSummary(customers=customers, seed=seed, today=anchor.date())
    started = time.perf_counter()
    with engine.begin() as conn:
        if reset:
            _delete_everything(conn)
        _refuse_unless_empty(conn)
        writer = _writer_for(conn)
        ids = IdCounters(_next_ids(conn))
        existing_staff = dict(conn.execute(select(StaffUser.email, StaffUser.id)).all())
        password_hash = _demo_password_hash()
        catalogue = build_catalogue(
            np.random.default_rng([seed, 0]), ids, anchor, existing_staff, password_hash
        )
        for name, frame in catalogue.tables.items():
            summary.rows[name] += writer.write(name, frame)
        bar = tqdm(
            total=customers, unit="customers", disable=not progress, file=sys.stderr, leave=True
        )
        sizes = [min(chunk_size, customers - start) for start in range(0, customers, chunk_size)]

        def prepared_chunk(chunk: int) -> list[tuple[str, int, object]]:
            tables = generate_chunk(seed, chunk, sizes[chunk], anchor, catalogue, ids, SHOPS[shop])
            if chunk == 0:
                tables["email_outbox"] = _outbox(tables, catalogue.staff_ids, anchor)
            return [
                (t.name, len(tables[t.name]), writer.prepare(t.name, tables[t.name]))
                for t in Base.metadata.sorted_tables
                if t.name in tables and not tables[t.name].empty
            ]

        # One worker generates and formats the next chunk while this thread sends the current
        # one; chunks are generated strictly in order, so ids and randomness stay the same.
        with ThreadPoolExecutor(max_workers=1) as worker:
            upcoming = worker.submit(prepared_chunk, 0)
            for chunk, size in enumerate(sizes):
                payloads = upcoming.result()
                if chunk + 1 < len(sizes):
                    upcoming = worker.submit(prepared_chunk, chunk + 1)
                for name, count, payload in payloads:
                    writer.send(name, payload)
                    summary.rows[name] += count
                bar.update(size)
        bar.close()
        if progress:
            print("refreshing the customer_stats rollup…", file=sys.stderr)
        with Session(bind=conn) as session:
            refresh_customer_stats(session)
            session.merge(
                AppSetting(
                    key=DEMO_SETTING,
                    value={
                        "enabled": True,
                        "seed": seed,
                        "customers": customers,
                        "shop": shop,
                        "today": anchor.date().isoformat(),
                    },
                    updated_by_id=None,
                    updated_at=utcnow(),
                )
            )
            session.flush()
        summary.rows["customer_stats"] = conn.scalar(text("SELECT count(*) FROM customer_stats"))
        summary.rows["app_settings"] += 1
        writer.finish()
    summary.seconds = time.perf_counter() - started
    return summary


def _refuse_unless_empty(conn: Connection) -> None:
    # Customers, and the catalogue rows whose unique names the demo would collide with.
    found = []
    for model, noun in ((Customer, "customers"), (Category, "categories"), (Product, "products"),
                        (Campaign, "campaigns"), (Tag, "tags")):  # fmt: skip
        count = conn.scalar(select(func.count()).select_from(model)) or 0
        if count:
            found.append(f"{count:,} {noun}")
    if found:
        raise Conflict(
            f"The database already has {', '.join(found)}; demo data goes only into an empty "
            "database. Use --reset to delete ALL data first."
        )


@functools.cache
def _demo_password_hash() -> str:
    # Argon2 is slow on purpose: hash once per process and share it among the demo accounts.
    return hash_password(cat.DEMO_PASSWORD)


def _outbox(
    tables: dict[str, pd.DataFrame], staff: dict[str, int], anchor: datetime
) -> pd.DataFrame:
    customers = tables["customers"].dropna(subset=["email"]).head(2)
    sent_at = to_time(
        np.array([int(anchor.timestamp()) - 3 * 86_400, int(anchor.timestamp()) - 3_600])
    )
    return pd.DataFrame(
        {
            "customer_id": customers["id"].to_numpy(),
            "staff_user_id": staff["am@example.com"],
            "to_address": customers["email"].to_numpy(),
            "subject": ["Thank you for your order", "A little something for you"],
            "body": [
                "Hi, thanks for shopping with us. Your order is on its way.",
                "As one of our regular customers, here is 10% off your next order.",
            ],
            "template": ["thank_you", "voucher"],
            "status": ["sent", "queued"],
            "created_at": sent_at[: len(customers)],
        }
    ).head(len(customers))


def _next_ids(conn: Connection) -> dict[str, int]:
    next_ids = {}
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and isinstance(table.c.id.type, Integer):
            current = conn.scalar(select(func.max(table.c.id))) or 0
            next_ids[table.name] = int(current) + 1
    return next_ids


def _delete_everything(conn: Connection) -> None:
    names = [t.name for t in reversed(Base.metadata.sorted_tables)]
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
    else:
        for name in names:
            conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - names come from the models


def _writer_for(conn: Connection) -> _Writer:
    return _CopyWriter(conn) if conn.dialect.name == "postgresql" else _ExecuteManyWriter(conn)


class _Writer:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def columns(self, name: str, frame: pd.DataFrame) -> list[str]:
        table = Base.metadata.tables[name]
        unknown = set(frame.columns) - set(table.c.keys())
        missing = [
            c.name
            for c in table.c
            if c.name not in frame.columns
            and not c.nullable
            and c.server_default is None
            and not (c.primary_key and c.autoincrement is not False and len(table.primary_key) == 1)
        ]
        if unknown or missing:
            raise AssertionError(f"{name}: unknown columns {unknown}, missing {missing}")
        return list(frame.columns)

    def write(self, name: str, frame: pd.DataFrame) -> int:
        if frame.empty:
            return 0
        self.send(name, self.prepare(name, frame))
        return len(frame)

    def prepare(self, name: str, frame: pd.DataFrame) -> object:
        """The rows of ``frame`` in the form ``send`` takes (runs in the generating thread)."""
        raise NotImplementedError

    def send(self, name: str, payload: object) -> None:
        """Write prepared rows into ``name`` (runs in the thread owning the connection)."""
        raise NotImplementedError

    def finish(self) -> None:
        """Called once after the last write."""


class _CopyWriter(_Writer):
    """COPY into tables whose foreign keys are set aside during the load and then re-added.

    Row-by-row foreign-key triggers would make COPY ~20x slower; re-adding each constraint
    afterwards validates all rows in one set-based pass, so integrity is still checked.
    """

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        tables = [t.name for t in Base.metadata.sorted_tables]
        self.foreign_keys = conn.execute(
            text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' "
                "AND conrelid::regclass::text = ANY(:tables) ORDER BY 1, 2"
            ),
            {"tables": tables},
        ).all()
        for table, name, _definition in self.foreign_keys:
            conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        # Plain (non-unique) indexes are rebuilt afterwards: one sort beats a million inserts.
        self.indexes = conn.execute(
            text(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE NOT i.indisunique AND NOT i.indisprimary "
                "AND i.indrelid::regclass::text = ANY(:tables) ORDER BY 1"
            ),
            {"tables": tables},
        ).all()
        for name, _definition in self.indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))

    def prepare(self, name: str, frame: pd.DataFrame) -> object:
        columns = self.columns(name, frame)
        texts = [_csv_texts(frame[column]) for column in columns]
        return columns, ("\n".join(map(",".join, zip(*texts, strict=True))) + "\n").encode()

    def send(self, name: str, payload: object) -> None:
        columns, data = payload  # type: ignore[misc]
        raw = self.conn.connection.driver_connection
        sql = f"COPY {name} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            copy.write(data)

    def finish(self) -> None:
        for _name, definition in self.indexes:
            self.conn.execute(text(definition))
        for table, name, definition in self.foreign_keys:
            self.conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
        # Ids were assigned here, so move every identity sequence past them.
        for table in Base.metadata.sorted_tables:
            if "id" in table.c and isinstance(table.c.id.type, Integer):
                name = table.name
                sql = f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT max(id) FROM {name}), 0) + 1, false)"  # noqa: E501, S608 - names come from the models
                self.conn.execute(text(sql))


def _csv_texts(values: pd.Series) -> list[str]:
    """One CSV field per value for COPY: NULL unquoted-empty, text always quoted.

    Faster than DataFrame.to_csv, whose datetime formatting dominated the load.
    """
    missing = pd.isna(values).to_numpy()
    if pd.api.types.is_datetime64_any_dtype(values):
        seconds = values.to_numpy(dtype="datetime64[s]")
        texts = np.datetime_as_string(seconds, unit="s").astype(object)
    elif pd.api.types.is_bool_dtype(values):
        texts = np.where(values.to_numpy(), "t", "f").astype(object)
    elif pd.api.types.is_integer_dtype(values):
        texts = values.to_numpy(dtype=np.int64, na_value=0).astype(str).astype(object)
    else:
        texts = np.array(
            ['"' + str(v).replace('"', '""') + '"' for v in values.to_numpy()], dtype=object
        )
    if missing.any():
        texts[missing] = ""
    return texts.tolist()


class _ExecuteManyWriter(_Writer):
    def prepare(self, name: str, frame: pd.DataFrame) -> object:
        columns = self.columns(name, frame)
        converted = {}
        for column in columns:
            values = frame[column]
            if pd.api.types.is_datetime64_any_dtype(values):
                # The storage format SQLAlchemy itself uses for DateTime on SQLite.
                text_values = values.dt.strftime("%Y-%m-%d %H:%M:%S.000000")
                converted[column] = text_values.astype(object).where(values.notna(), None)
            elif pd.api.types.is_bool_dtype(values):
                converted[column] = values.astype(int)
            else:
                converted[column] = values.astype(object).where(values.notna(), None)
        rows = list(pd.DataFrame(converted).itertuples(index=False, name=None))
        placeholders = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
        return sql, rows

    def send(self, name: str, payload: object) -> None:
        sql, rows = payload  # type: ignore[misc]
        self.conn.exec_driver_sql(sql, rows)


def content_digest(engine: Engine) -> str:
    """A SHA-256 over every table's rows in id order (volatile columns left out)."""
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for table in sorted(Base.metadata.sorted_tables, key=lambda t: t.name):
            columns = [c for c in table.c if (table.name, c.name) not in VOLATILE_COLUMNS]
            query = select(*columns).order_by(*table.primary_key.columns)
            digest.update(table.name.encode())
            for row in conn.execute(query):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
