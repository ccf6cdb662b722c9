"""Exports: the PDF opens and carries the name and stamp; the CSV's orders equal the database's."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, func, select

from c360 import notes
from c360.db import session_factory
from c360.errors import PermissionDenied
from c360.export.common import stamp
from c360.export.csv import ORDER_COLUMNS, export_csv
from c360.export.pdf import export_pdf
from c360.models import ActivityLog, Customer, NoteVisibility, Order, OrderStatus, StaffRole, utcnow
from c360.permissions import mask_email
from tests import factories


@pytest.fixture
def customer_id(engine: Engine) -> int:
    with session_factory(engine)() as s:
        customer = factories.customer(s, name="Zoë Ångström-Export")
        now = utcnow()
        for days, status, cents in [
            (400, OrderStatus.COMPLETED, 12_345),
            (200, OrderStatus.DELIVERED, 5_000),
            (90, OrderStatus.CANCELLED, 999),
            (5, OrderStatus.PAID, 2_500),
        ]:
            factories.order(
                s, customer, cents, status, created_at=now - timedelta(days=days), items=2
            )
        s.commit()
        return customer.id


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _exports_logged(engine: Engine) -> list[dict]:
    with session_factory(engine)() as s:
        return list(
            s.scalars(select(ActivityLog.after).where(ActivityLog.action == "customer.exported"))
        )


def test_the_pdf_opens_and_carries_the_name_the_stamp_and_the_sections(engine, actors, customer_id):
    analyst = actors[StaffRole.ANALYST]
    report = export_pdf(analyst, engine, customer_id, charts=False)
    assert report.content.startswith(b"%PDF") and report.mime == "application/pdf"
    text = _pdf_text(report.content)
    assert "Zoë Ångström-Export" in text
    assert stamp(analyst, report.exported_at) in text.replace("\n", " ")
    for section in ("Health and churn risk", "Orders (4 in all", "Loyalty", "Marketing", "Support"):
        assert section in text
    # Not scored yet is said, never a made-up number.
    assert "Health score: not scored yet." in text and "Churn risk: not scored yet." in text
    # An analyst sees the e-mail address masked, an account manager in full.
    with session_factory(engine)() as s:
        address = s.get(Customer, customer_id).email
    assert address not in text and mask_email(address) in text
    am_text = _pdf_text(
        export_pdf(actors[StaffRole.ACCOUNT_MANAGER], engine, customer_id, charts=False).content
    )
    assert address in am_text


def test_the_pdf_holds_only_the_notes_the_exporter_may_read(engine, actors, customer_id):
    author = actors[StaffRole.ACCOUNT_MANAGER]
    notes.add_note(author, engine, customer_id, "Visible to all staff", NoteVisibility.EVERYONE)
    notes.add_note(author, engine, customer_id, "Only for managers", NoteVisibility.MANAGERS)
    notes.add_note(author, engine, customer_id, "Author's private reminder", NoteVisibility.PRIVATE)
    analyst_text = _pdf_text(
        export_pdf(actors[StaffRole.ANALYST], engine, customer_id, charts=False).content
    )
    manager_text = _pdf_text(
        export_pdf(actors[StaffRole.MANAGER], engine, customer_id, charts=False).content
    )
    assert "Visible to all staff" in analyst_text and "Only for managers" not in analyst_text
    assert "Only for managers" in manager_text
    assert "private reminder" not in analyst_text + manager_text


def test_each_export_writes_exactly_one_audit_row(engine, actors, customer_id):
    manager = actors[StaffRole.MANAGER]
    export_pdf(manager, engine, customer_id, charts=False)
    export_csv(manager, engine, customer_id)
    logged = _exports_logged(engine)
    assert sorted(row["format"] for row in logged) == ["csv", "pdf"]


def test_the_csv_order_rows_equal_the_database_and_carry_the_stamp(engine, actors, customer_id):
    manager = actors[StaffRole.MANAGER]
    export = export_csv(manager, engine, customer_id)
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    header = dict(r for r in rows if len(r) == 2)
    assert header["exported_by"] == f"{manager.name} ({manager.email})"
    assert header["exported_at"] == f"{export.exported_at:%Y-%m-%d %H:%M:%S} UTC"
    assert header["lifetime_value"] == "173.45"  # completed + delivered, exactly
    start = rows.index(ORDER_COLUMNS) + 1
    exported = [tuple(r) for r in rows[start:]]
    with session_factory(engine)() as s:
        expected = [
            (
                o.order_number,
                f"{o.created_at:%Y-%m-%d %H:%M:%S}",
                o.status.value,
                f"{o.total_cents / 100:.2f}",
                "2",
            )
            for o in s.scalars(
                select(Order)
                .where(Order.customer_id == customer_id)
                .order_by(Order.created_at.desc(), Order.id.desc())
            )
        ]
    assert exported == expected and len(exported) == 4


def test_csv_text_that_looks_like_a_formula_is_quoted(engine, actors):
    with session_factory(engine)() as s:
        cid = factories.customer(s, name='=HYPERLINK("http://evil")').id
        s.commit()
    rows = list(
        csv.reader(
            io.StringIO(
                export_csv(actors[StaffRole.MANAGER], engine, cid).content.decode("utf-8-sig")
            )
        )
    )
    assert dict(r for r in rows if len(r) == 2)["customer"].startswith("'=")


def test_exporting_needs_the_export_permission_and_an_existing_customer(engine, actors):
    from c360.errors import NotFound
    from c360.permissions import Actor

    nobody = Actor(id=0, name="Nobody", email="n@example.com", role=StaffRole.ANALYST)
    with pytest.raises(NotFound):
        export_csv(nobody, engine, 999_999)
    with pytest.raises(PermissionDenied):
        export_pdf(None, engine, 1)  # type: ignore[arg-type]
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(ActivityLog)) == 0


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("chromium"), reason="kaleido needs Debian's chromium")
def test_the_pdf_embeds_the_charts_as_images(engine, actors, customer_id):
    report = export_pdf(actors[StaffRole.MANAGER], engine, customer_id)
    first_page = PdfReader(io.BytesIO(report.content)).pages[0]
    assert len(first_page.images) >= 1
    assert _exports_logged(engine)[0]["charts"] >= 1
