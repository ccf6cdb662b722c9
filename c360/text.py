"""Normalised forms of names, e-mails and phone numbers used for storage and search."""

from __future__ import annotations

import re
import unicodedata

_NON_DIGITS = re.compile(r"\D+")


def search_key(text: str | None) -> str:
    """Lower-case, accent-free, single-spaced ``text`` ("Zoë  Ångström" -> "zoe angstrom")."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def phone_digits(phone: str | None) -> str | None:
    """Only the digits of ``phone`` ("+1 (555) 010-2030" -> "15550102030"), or None."""
    if not phone:
        return None
    digits = _NON_DIGITS.sub("", phone)
    return digits or None


def normalise_email(email: str | None) -> str | None:
    """Trimmed, lower-case e-mail address, or None when empty."""
    if email is None:
        return None
    email = email.strip().lower()
    return email or None


def like_pattern(fragment: str) -> str:
    """A LIKE pattern matching ``fragment`` literally anywhere (escape character: backslash)."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
