"""What a person pasted into lookup: a phone number, an e-mail address, a URL, a bare domain, a
link of another scheme, or something else (:func:`parse_input`)."""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from directory.errors import InvalidInput
from directory.lookup_keys import ascii_host, registrable_domain
from directory.phones import parse_phone_input

# What fits in one request line (gunicorn refuses lines over 8190 bytes) even when every
# character is a 4-byte one, percent-encoded to 12 bytes: 600 x 12 + the rest of the line.
MAX_INPUT = 600
INPUT_KINDS = ("phone", "email", "url", "domain", "link", "unknown")

_EMAIL = re.compile(r"^[^@\s]{1,64}@([^@\s]{1,253})$")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]{0,31}):")
_HOSTISH = re.compile(r"^[^\s/?#@:]+\.[^\s/?#@:]+(?::[0-9]{1,5})?(?:[/?#]\S*)?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class LookupInputError(InvalidInput):
    """The text cannot be looked up: empty, too long, or holding control characters."""


@dataclass(frozen=True)
class ParsedInput:
    kind: str            # phone | email | url | domain | link | unknown
    normalized: str      # canonical number, lower-case address, host, the scheme of a link,
                         # or the text itself when it is none of these
    host: str | None = None
    domain: str | None = None      # registrable domain
    path: str = ""
    trick: str | None = None       # user_info | ip_address | unsafe_scheme


def parse_input(text: str) -> ParsedInput:
    """Classify what was pasted (``unknown`` when it is not a number, link, domain or address);
    raise :class:`LookupInputError` for empty or overlong text and control characters."""
    if not text.strip() or len(text) > MAX_INPUT or _CONTROL.search(text):
        raise LookupInputError("paste a phone number, a URL, a domain or an e-mail address, "
                               f"at most {MAX_INPUT} characters without control characters")
    text = unicodedata.normalize("NFKC", text).strip()  # full-width digits and letters
    unknown = ParsedInput("unknown", text[:MAX_INPUT])
    if not text or _CONTROL.search(text):
        return unknown
    if text.lower().startswith("mailto:"):
        text = text[7:].split("?", 1)[0]
    number = parse_phone_input(text)
    if number is not None:
        return ParsedInput("phone", number)
    email = _EMAIL.match(text)
    if email and "/" not in text:
        host = ascii_host(email.group(1))
        if host is None or "." not in host:
            return unknown
        return ParsedInput("email", f"{text.rsplit('@', 1)[0].lower()}@{host}", host,
                           registrable_domain(host))
    scheme = _SCHEME.match(text)
    if scheme and "." in scheme.group(1) and _HOSTISH.match(text):
        scheme = None  # "example.com:8080/..." is a host with a port, not a scheme
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        return ParsedInput("link", scheme.group(1).lower() + ":", trick="unsafe_scheme")
    kind = "url"
    if not scheme:
        if text.startswith("//"):
            text = "https:" + text
        elif _HOSTISH.match(text):
            kind = "domain" if not re.search(r"[/?#]", text) else "url"
            text = "https://" + text
        else:
            return unknown
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
    except ValueError:
        return unknown
    host = ascii_host(hostname or "")
    if host is None:
        return unknown
    trick = "user_info" if "@" in parts.netloc else None
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        domain = registrable_domain(host)
    else:
        return ParsedInput(kind, host, host, None, parts.path, trick or "ip_address")
    return ParsedInput(kind, host, host, domain, parts.path, trick)
