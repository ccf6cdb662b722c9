"""E-mail templates with placeholders, and delivery through the SMTP server in C360_SMTP_URL.

Templates are plain text. Placeholders are ``{name}``-style and only the names in
``PLACEHOLDERS`` exist: no attribute or index look-ups (unlike ``str.format``), so a template can
never reach into Python objects. The customer's values are inserted as they are; the message is
sent as ``text/plain``, and the preview is shown as escaped text.
"""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlsplit

from c360.errors import ValidationError

PLACEHOLDERS: dict[str, str] = {
    "first_name": "the customer's first name",
    "name": "the customer's full name",
    "email": "the customer's e-mail address",
    "loyalty_tier": "the loyalty tier (e.g. GOLD), or 'not enrolled'",
    "points_balance": "the current points balance",
    "staff_name": "your name",
}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Template:
    key: str
    label: str
    subject: str
    body: str


TEMPLATES: dict[str, Template] = {
    template.key: template
    for template in (
        Template(
            "check_in",
            "Personal check-in",
            "How are things, {first_name}?",
            "Hello {first_name},\n\nI look after your account and wanted to check that "
            "everything is going well. If there is anything I can help with, just reply to "
            "this e-mail.\n\nBest regards,\n{staff_name}",
        ),
        Template(
            "loyalty_update",
            "Loyalty points update",
            "Your {loyalty_tier} rewards: {points_balance} points",
            "Hello {first_name},\n\nYou currently have {points_balance} points as a "
            "{loyalty_tier} member. They are ready to use on your next order.\n\n"
            "Best regards,\n{staff_name}",
        ),
        Template(
            "win_back",
            "We miss you",
            "We miss you, {first_name}",
            "Hello {first_name},\n\nIt has been a while since your last order. We would love "
            "to see you again; your {points_balance} points are still waiting for you.\n\n"
            "Best regards,\n{staff_name}",
        ),
        Template("blank", "Blank message", "", ""),
    )
}


def render(text: str, values: dict[str, str]) -> str:
    """Fill ``{placeholder}``s in ``text``; unknown or malformed ones are refused."""
    unknown = sorted({m.group(1) for m in _PLACEHOLDER.finditer(text)} - set(PLACEHOLDERS))
    if unknown:
        names = ", ".join("{" + n + "}" for n in unknown)
        allowed = ", ".join("{" + n + "}" for n in PLACEHOLDERS)
        raise ValidationError(f"Unknown placeholder {names}; you can use {allowed}.")
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), text)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int


def parse_smtp_url(url: str) -> SmtpServer:
    """``smtp://host:port`` -> SmtpServer (port 25 when omitted)."""
    parts = urlsplit(url)
    if parts.scheme != "smtp" or not parts.hostname:
        raise ValueError(f"C360_SMTP_URL must look like smtp://host:port, not {url!r}")
    return SmtpServer(parts.hostname, parts.port or 25)


def build_message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message (the headers refuse line breaks, so nothing can be injected)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    return message


def deliver(smtp_url: str, message: EmailMessage, timeout: float = 15.0) -> None:
    """Hand ``message`` to the SMTP server; raises OSError / smtplib.SMTPException on failure."""
    server = parse_smtp_url(smtp_url)
    with smtplib.SMTP(server.host, server.port, timeout=timeout) as smtp:
        smtp.send_message(message)
