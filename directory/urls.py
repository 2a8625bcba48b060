"""Safe web addresses: the only URLs c800 accepts on import or edit, and ever emits.

Only ``https`` and ``http`` with a DNS host name are accepted: no user info, no IP-literal
hosts, no control characters or white space, no protocol-relative ``//host``, and no host
name that can pass for another one (mixed scripts, confusables: :mod:`directory.hosts`).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from directory.errors import InvalidInput
from directory.hosts import host_name_problem

SAFE_SCHEMES = ("https", "http")
MAX_URL_LENGTH = 2048
_HOST = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
_UNSAFE_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f\\<>\"{}|^`]")


class UnsafeURLError(InvalidInput):
    """The text is not a URL c800 accepts."""


def check_web_url(url: str) -> str:
    """Return *url* unchanged if it is a safe absolute http(s) URL, else raise UnsafeURLError."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURLError(f"a URL has at most {MAX_URL_LENGTH} characters")
    if _UNSAFE_CHARS.search(url):
        raise UnsafeURLError("a URL may not contain spaces, control characters or \\ < > \" { } | ^ `")
    parts = urlsplit(url)
    if parts.scheme.lower() not in SAFE_SCHEMES or not url.lower().startswith(parts.scheme.lower() + "://"):
        raise UnsafeURLError("only absolute https:// and http:// URLs are accepted")
    if "@" in parts.netloc:
        raise UnsafeURLError("a URL may not carry user information")
    host = (parts.hostname or "").rstrip(".")
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        raise UnsafeURLError("a URL must name a host, not an IP address")
    if parts.netloc.startswith("["):
        raise UnsafeURLError("a URL must name a host, not an IP address")
    try:
        ascii_host = host.lower().encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise UnsafeURLError("a URL must name a valid host (like www.example.com)") from exc
    if not _HOST.match(ascii_host):
        raise UnsafeURLError("a URL must name a valid host (like www.example.com)")
    problem = host_name_problem(host)
    if problem:
        raise UnsafeURLError(f"a URL must name a host that cannot pass for another: {problem}")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise UnsafeURLError("a URL has an invalid port") from exc
    return url


def is_valid_hostname(host: str) -> bool:
    """*host* is a lower-case ASCII host name (``xn--`` labels allowed) that cannot pass for
    another name once decoded."""
    return bool(_HOST.match(host)) and host_name_problem(host) is None
