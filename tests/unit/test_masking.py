"""Field masking (B8): an allow-list per role; anything not listed stays masked."""

from __future__ import annotations

import pytest

from c360.models import StaffRole
from c360.permissions import VISIBLE_FIELDS, Actor, Field, mask_email, mask_phone, mask_text

EXPECTED_VISIBLE = {
    StaffRole.ANALYST: set(),
    StaffRole.ACCOUNT_MANAGER: {Field.EMAIL, Field.PHONE, Field.ADDRESS},
    StaffRole.MANAGER: set(Field),
    StaffRole.ADMIN: set(Field),
}


@pytest.mark.parametrize("role", list(StaffRole), ids=lambda r: r.value)
@pytest.mark.parametrize("field", list(Field), ids=lambda f: f.value)
def test_each_role_sees_exactly_the_fields_of_its_allow_list(role: StaffRole, field: Field) -> None:
    actor = Actor(id=1, name="T", email="t@example.com", role=role)
    assert actor.sees(field) is (field in EXPECTED_VISIBLE[role])


def test_a_role_missing_from_the_allow_list_would_see_nothing() -> None:
    assert set(VISIBLE_FIELDS) == set(StaffRole)
    assert all(isinstance(fields, frozenset) for fields in VISIBLE_FIELDS.values())


@pytest.mark.parametrize(
    "email",
    ["jane.doe@example.com", "a@b.co", "x@localhost", "weird+tag@sub.domain.example.org"],
)
def test_a_masked_email_keeps_neither_the_name_nor_the_domain(email: str) -> None:
    masked = mask_email(email)
    local, domain = email.split("@")
    assert masked != email and "•" in masked
    assert local not in masked or len(local) == 1
    host = domain.rsplit(".", 1)[0]
    assert host not in masked or len(host) == 1


@pytest.mark.parametrize("phone", ["+44 20 7946 0958", "(555) 010-2030", "5550102030"])
def test_a_masked_phone_shows_at_most_its_last_two_digits(phone: str) -> None:
    masked = mask_phone(phone)
    digits = "".join(c for c in masked if c.isdigit())
    assert len(digits) <= 2
    assert phone.endswith(digits) or "".join(c for c in phone if c.isdigit()).endswith(digits)


def test_masking_keeps_empty_values_empty_and_hides_any_text() -> None:
    assert mask_email(None) is None and mask_phone("") == "" and mask_text(None) is None
    assert mask_text("221B Baker Street") == "•••"
    assert mask_email("not-an-email") == "•••"
