"""Outgoing mail through an outbox: ``.eml`` files under ``DATA_DIR/mail`` by default, SMTP
when ``MAIL_URL`` is set (``smtp://user:password@host:587?starttls=true`` or ``smtps://...``).
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from directory.errors import Unavailable


class MailError(RuntimeError):
    """The message could not be handed over."""


def compose(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message to the one address *to* (an addr-spec; ValueError for anything
    else, such as a list or a display name: the To header is built from that address alone)."""
    recipient = Address(addr_spec=to)
    if recipient.addr_spec != to or "\n" in to or "\r" in to:
        raise ValueError(f"not one plain address: {to!r}")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    message.set_content(body)
    return message


def carried_as_is(address: str) -> bool:
    """Whether a ``To`` header holding *address* names that one address and nothing else.

    Python's email package decodes RFC 2047 encoded-words even inside an address: the valid
    addr-spec ``=?utf-8?q?eve=40evil.top=2C?=@a.cn`` is written as ``To: eve@evil.top,@a.cn``.
    """
    message = EmailMessage()
    try:
        message["To"] = address
        found = message["To"].addresses
    except (ValueError, IndexError, TypeError, HeaderParseError):
        return False
    return len(found) == 1 and not found[0].display_name and found[0].addr_spec == address


def send(message: EmailMessage, *, mail_dir: Path, mail_url: str | None = None) -> str:
    """Hand *message* over; returns where it went (a file path or the SMTP host)."""
    if not mail_url:
        mail_dir.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.eml"
        path = mail_dir / name
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(bytes(message))
        temporary.replace(path)
        return str(path)
    url = urlsplit(mail_url)
    query = {k: v[-1] for k, v in parse_qs(url.query).items()}
    secure = url.scheme == "smtps"
    if url.scheme not in ("smtp", "smtps"):
        raise MailError(f"MAIL_URL must be smtp:// or smtps://, not {url.scheme}://")
    port = url.port or (465 if secure else 25)
    try:
        client_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
        with client_class(url.hostname or "localhost", port, timeout=15) as client:
            if not secure and query.get("starttls", "").lower() in ("1", "true", "yes"):
                client.starttls()
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"SMTP delivery to {url.hostname}:{port} failed: {exc}") from exc
    return f"{url.hostname}:{port}"


@dataclass(frozen=True)
class Mailer:
    """Where the app's mail goes: from *sender*, to the ``.eml`` outbox *mail_dir*, or through
    the SMTP server *mail_url* when set."""

    sender: str
    mail_dir: Path
    mail_url: str | None = None

    def send(self, to: str, subject: str, body: str) -> str:
        """Mail *body* to the one address *to*; MailError when it could not be handed over."""
        return send(compose(self.sender, to, subject, body), mail_dir=self.mail_dir,
                    mail_url=self.mail_url)

    def send_or_refuse(self, to: str, subject: str, body: str, *, about: str, refusal: str) -> str:
        """:meth:`send`, for a use case that keeps nothing unless its mail went: a failure is
        logged (naming *about*) and answered with Unavailable(*refusal*), retry after 60 s."""
        try:
            return self.send(to, subject, body)
        except MailError as exc:
            logging.getLogger(__name__).error("%s: %s", about, exc)
            raise Unavailable(refusal, retry_after=60) from exc
