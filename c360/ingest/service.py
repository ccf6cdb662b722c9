"""Validate a CSV file row by row into a staging table, then load it all or nothing."""

from __future__ import annotations

import csv
import logging
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

from sqlalchemy import Column as SqlColumn
from sqlalchemy import Engine, Integer, MetaData, Table, func, select, text
from sqlalchemy.orm import Session
from tqdm import tqdm

from c360 import audit
from c360.db import is_postgres, session_factory
from c360.errors import ValidationError
from c360.ingest import loaders
from c360.ingest.fields import FieldError
from c360.ingest.kinds import KINDS, NULL, REJECT, Kind
from c360.ingest.loaders import LINE_COLUMN, Context, Counts, Problem
from c360.models import utcnow
from c360.permissions import Actor, Permission, require, requires

log = logging.getLogger(__name__)
STAGING_TABLE = "c360_import_staging"
_BATCH = 10_000


@dataclass(frozen=True)
class ImportReport:
    """The outcome of one import or dry run."""

    kind: str
    file: str
    dry_run: bool
    rows: int
    problems: tuple[Problem, ...]
    counts: Counts = field(default_factory=Counts)
    ignored_columns: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when every row is valid."""
        return not self.problems

    @property
    def written(self) -> bool:
        """True when the rows were stored (a clean, real load)."""
        return self.ok and not self.dry_run

    @property
    def bad_rows(self) -> int:
        """How many lines were refused."""
        return len({p.line for p in self.problems})

    def summary(self) -> str:
        """One line for people: what was read, what happened, what was refused."""
        c = self.counts
        head = f"{self.kind} from {self.file}: {self.rows} rows read, {self.bad_rows} bad"
        if not self.ok:
            return f"{head}; nothing written"
        verb = "would be " if self.dry_run else ""
        done = (
            f"{c.inserted} {verb}inserted, {c.updated} {verb}updated, {c.unchanged} unchanged"
            + (f", {c.created_customers} customers {verb}created" if c.created_customers else "")
        )
        tail = "dry run, nothing written" if self.dry_run else f"{self.seconds:.1f} s"
        return f"{head}; {done} ({tail})"

    def report_lines(self) -> list[str]:
        """Every problem as ``line N: reason``, then the summary."""
        lines = [f"line {p.line}: {p.reason}" for p in self.problems]
        if self.ignored_columns:
            lines.append(
                "ignored columns (not part of this kind): " + ", ".join(self.ignored_columns)
            )
        lines.append(self.summary())
        return lines


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    """``["src=target", ...]`` -> ``{"src": "target"}``; raise ValidationError on a bad pair."""
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise ValidationError(f"--map takes SOURCE=TARGET, got {pair!r}")
        mapping[source.strip().lower()] = target.strip().lower()
    return mapping


@requires(Permission.IMPORT_DATA)
def import_as(
    actor: Actor, engine: Engine, kind: str, path: str | Path, **options: Any
) -> ImportReport:
    """``import_csv`` on behalf of a signed-in staff member (admins only)."""
    return import_csv(engine, kind, path, actor=actor, **options)


def import_upload(
    actor: Actor, engine: Engine, kind: str, filename: str, content: bytes, **options: Any
) -> ImportReport:
    """Import the bytes of an uploaded file on behalf of a staff member (admins only)."""
    # The permission is checked here, before the bytes touch the disk, and again by import_as
    # (the registered service function).
    require(actor, Permission.IMPORT_DATA)
    with tempfile.TemporaryDirectory(prefix="c360-import-") as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(content)
        return import_as(actor, engine, kind, path, file_label=filename, **options)


def import_csv(
    engine: Engine,
    kind: str,
    path: str | Path,
    *,
    dry_run: bool = False,
    mapping: Mapping[str, str] | None = None,
    create_missing_customers: bool = False,
    actor: Actor | None = None,
    progress: bool = False,
    file_label: str | None = None,
) -> ImportReport:
    """Import a CSV file of ``kind``: all rows valid → upserted in one transaction; else nothing."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValidationError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    path = Path(path)
    label = file_label or path.name
    started = perf_counter()
    try:
        # Undecodable bytes become lone surrogates, so each bad line can be named and skipped.
        handle = path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle, session_factory(engine)() as session:
        records = csv.reader(handle)
        try:
            header = next(records, None)
        except csv.Error as exc:
            return _refused(spec, label, dry_run, [Problem(1, _unreadable(exc))], started)
        if not header:
            return _refused(spec, label, dry_run, [Problem(1, "the file is empty")], started)
        if _NOT_UTF8.search(",".join(header)):
            return _refused(spec, label, dry_run, [Problem(1, _NOT_UTF8_REASON)], started)
        positions, ignored, header_problems = _resolve_header(header, spec, dict(mapping or {}))
        if header_problems:
            problems = [Problem(1, reason) for reason in header_problems]
            return _refused(spec, label, dry_run, problems, started)
        present = frozenset(positions)
        staging = _create_staging(session, spec)
        try:
            bar = tqdm(
                total=_estimate_rows(path),
                desc=f"checking {spec.name}",
                unit=" rows",
                file=sys.stderr,
                disable=not progress,
            )
            with bar:
                rows, problems = _stage(
                    session, staging, spec, records, positions, len(header), bar
                )
            log.info("staged %d rows in %.1f s", rows, perf_counter() - started)
            problems += _set_problems(session, staging, spec, create_missing_customers)
            log.info("checked the whole file at %.1f s", perf_counter() - started)
            counts = Counts()
            if not problems:
                counts = _load(session, staging, spec, present, create_missing_customers, progress)
                if not dry_run:
                    audit.record(
                        session,
                        actor,
                        "import",
                        entity_type=spec.table,
                        summary=(
                            f"Imported {rows} {spec.name} rows from {label}: {counts.inserted} "
                            f"inserted, {counts.updated} updated, {counts.unchanged} unchanged"
                        ),
                        after={"kind": spec.name, "file": label, "rows": rows, **counts.__dict__},
                    )
            log.info("loaded at %.1f s", perf_counter() - started)
            if problems or dry_run:
                session.rollback()
            else:
                session.commit()
            log.info("committed at %.1f s", perf_counter() - started)
        except BaseException:
            session.rollback()
            raise
        finally:
            _drop_staging(session, engine)
    problems.sort(key=lambda p: p.line)
    return ImportReport(
        kind=spec.name,
        file=label,
        dry_run=dry_run,
        rows=rows,
        problems=tuple(problems),
        counts=counts,
        ignored_columns=tuple(ignored),
        seconds=perf_counter() - started,
    )


def _refused(
    spec: Kind, label: str, dry_run: bool, problems: list[Problem], started: float
) -> ImportReport:
    return ImportReport(
        kind=spec.name,
        file=label,
        dry_run=dry_run,
        rows=0,
        problems=tuple(problems),
        seconds=perf_counter() - started,
    )


_NOT_UTF8 = re.compile("[\udc80-\udcff]")
_NOT_UTF8_REASON = "not UTF-8 text; save the file as CSV UTF-8 and try again"


def _unreadable(exc: Exception) -> str:
    return f"the file is not readable as CSV ({exc})"


def _resolve_header(
    header: list[str], spec: Kind, mapping: dict[str, str]
) -> tuple[dict[str, int], list[str], list[str]]:
    """Map target column names to their index; list ignored columns and header problems."""
    names = [h.strip().lower() for h in header]
    problems = []
    for source, target in mapping.items():
        if source not in names:
            problems.append(f"--map {source}={target}: the file has no column {source!r}")
        if target not in spec.column_map:
            problems.append(
                f"--map {source}={target}: {target!r} is not a column of {spec.name} "
                f"(columns: {', '.join(spec.column_map)})"
            )
    positions: dict[str, int] = {}
    ignored = []
    for index, name in enumerate(names):
        target = mapping.get(name, name)
        if target in positions:
            problems.append(f"column {target!r} appears more than once")
        elif target in spec.column_map:
            positions[target] = index
        else:
            ignored.append(header[index])
    for required in spec.required:
        if required not in positions:
            problems.append(f"the required column {required!r} is missing")
    return positions, ignored, problems


def _estimate_rows(path: Path) -> int | None:
    # A quick count of newlines for the progress bar (quoted newlines make it an estimate).
    try:
        with path.open("rb") as raw:
            return max(
                sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b"")) - 1, 0
            )
    except OSError:
        return None


def _staged_columns(spec: Kind) -> list[SqlColumn[Any]]:
    columns = [SqlColumn(LINE_COLUMN, Integer(), nullable=False)]
    columns += [SqlColumn(c.name, c.type) for c in spec.columns]
    columns += [SqlColumn(name, type_) for name, type_ in spec.derived]
    return columns


def _create_staging(session: Session, spec: Kind) -> Table:
    if not is_postgres(session.get_bind()):
        session.execute(text(f"DROP TABLE IF EXISTS temp.{STAGING_TABLE}"))
    staging = Table(
        STAGING_TABLE,
        MetaData(),
        *_staged_columns(spec),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    staging.create(session.connection())
    return staging


def _drop_staging(session: Session, engine: Engine) -> None:
    # PostgreSQL drops it at commit or rollback; SQLite keeps temp tables per connection.
    if not is_postgres(engine):
        session.execute(text(f"DROP TABLE IF EXISTS temp.{STAGING_TABLE}"))
        session.commit()


_EMPTY_REQUIRED = object()
_EMPTY_REJECTED = object()


def _parse_rows(
    spec: Kind,
    names: list[str],
    records: Iterator[list[str]],
    positions: dict[str, int],
    width: int,
    problems: list[Problem],
) -> Iterator[list[Any]]:
    """Yield every valid row as values in ``names`` order (line first); note invalid ones."""
    # The hot loop of a million-row import: plain lists and locals, no attribute lookups.
    slot = {name: i for i, name in enumerate(names)}
    plan = []
    for name, index in positions.items():
        column = spec.column_map[name]
        if column.required:
            when_empty = _EMPTY_REQUIRED
        elif column.empty == REJECT:
            when_empty = _EMPTY_REJECTED
        else:
            when_empty = None if column.empty == NULL else column.empty
        plan.append((index, slot[name], name, column.parse, column.strip, when_empty))
    template: list[Any] = [None] * len(names)
    for c in spec.columns:
        if c.name not in positions and c.empty not in (NULL, REJECT):
            template[slot[c.name]] = c.empty
    derive, row_checks = spec.derive, spec.row_checks
    end_of_previous = 1
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(Problem(end_of_previous + 1, _unreadable(exc)))
            return
        line = end_of_previous + 1
        end_of_previous = records.line_num  # type: ignore[attr-defined]
        if len(record) != width:
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # a blank line
            problems.append(Problem(line, f"has {len(record)} fields, the header has {width}"))
            continue
        if _NOT_UTF8.search(",".join(record)):
            problems.append(Problem(line, _NOT_UTF8_REASON))
            continue
        row = template.copy()
        row[0] = line
        reasons = None
        for index, position, name, parse, strip, when_empty in plan:
            cell = record[index]
            if strip:
                cell = cell.strip()
            if cell and (strip or not cell.isspace()):
                try:
                    row[position] = parse(cell)
                except FieldError as exc:
                    reasons = reasons or []
                    reasons.append(f"{name}: {exc}")
            elif when_empty is _EMPTY_REQUIRED:
                reasons = reasons or []
                reasons.append(f"{name}: empty")
            elif when_empty is _EMPTY_REJECTED:
                reasons = reasons or []
                reasons.append(f"{name}: empty (fill it, or leave the column out)")
            else:
                row[position] = when_empty
        if not reasons and (derive or row_checks):
            values = dict(zip(names, row, strict=True))
            if derive:
                derive(values)
            reasons = [r for check in row_checks if (r := check(values))]
            row = [values[n] for n in names]
        if reasons:
            problems.append(Problem(line, "; ".join(reasons)))
        else:
            yield row


def _stage(
    session: Session,
    staging: Table,
    spec: Kind,
    records: Iterator[list[str]],
    positions: dict[str, int],
    width: int,
    bar: tqdm,
) -> tuple[int, list[Problem]]:
    """Stream the valid rows into the staging table; return rows read and row problems."""
    problems: list[Problem] = []
    names = [c.name for c in staging.columns]
    rows = _parse_rows(spec, names, records, positions, width, problems)
    count = 0
    last_line = 1
    if is_postgres(session.get_bind()):
        cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        # Sorting and hashing a million staged rows in memory instead of on disk.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        columns = ", ".join(names)
        with cursor.copy(f"COPY {STAGING_TABLE} ({columns}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write(row)
                count += 1
                if count % _BATCH == 0:
                    bar.update(row[0] - last_line)
                    last_line = row[0]
        cursor.execute(f"ANALYZE {STAGING_TABLE}")
    else:
        batch = []
        for row in rows:
            batch.append(dict(zip(names, row, strict=True)))
            count += 1
            if len(batch) == _BATCH:
                session.execute(staging.insert(), batch)
                bar.update(row[0] - last_line)
                last_line, batch = row[0], []
        if batch:
            session.execute(staging.insert(), batch)
    bar.update(max(records.line_num - last_line, 0))  # type: ignore[attr-defined]
    read = count + len({p.line for p in problems})
    return read, problems


def _set_problems(
    session: Session, staging: Table, spec: Kind, create_missing_customers: bool
) -> list[Problem]:
    """Problems only the whole file shows: repeated keys and references to missing rows."""
    keys = [staging.c[k] for k in spec.key]
    first = func.min(staging.c[LINE_COLUMN]).over(partition_by=keys).label("first_line")
    ranked = select(staging.c[LINE_COLUMN], first, *keys).subquery()
    repeated = session.execute(
        select(ranked)
        .where(ranked.c[LINE_COLUMN] != ranked.c.first_line)
        .order_by(ranked.c[LINE_COLUMN])
    )
    label = spec.key[0] if len(spec.key) == 1 else "(" + ", ".join(spec.key) + ")"
    problems = []
    for line, first_line, *key in repeated:
        value = repr(key[0]) if len(key) == 1 else repr(tuple(key))
        problems.append(Problem(line, f"duplicate {label} {value} (first on line {first_line})"))
    ctx = Context(session, staging, spec, frozenset(), utcnow(), create_missing_customers)
    if spec.refers_to_customers and not create_missing_customers:
        problems += loaders.missing_customers(ctx)
    if spec.name == "order-items":
        problems += loaders.missing_orders(ctx)
    return problems


def _load(
    session: Session,
    staging: Table,
    spec: Kind,
    present: frozenset[str],
    create_missing_customers: bool,
    progress: bool,
) -> Counts:
    ctx = Context(session, staging, spec, present, utcnow(), create_missing_customers)
    with tqdm(total=2, desc=f"loading {spec.name}", file=sys.stderr, disable=not progress) as bar:
        created = 0
        if spec.refers_to_customers and create_missing_customers:
            created = loaders.create_missing_customers(ctx)
        bar.update(1)
        counts = loaders.LOADERS[spec.name](ctx)
        bar.update(1)
    return Counts(counts.inserted, counts.updated, counts.unchanged, created)
