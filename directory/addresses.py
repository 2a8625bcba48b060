"""One mailbox address as a person typed it, parsed strictly before anything is mailed to it.

Mail that proves something (a claim's link) goes to exactly one plain address: one addr-spec
(``local@domain``), parsed by ``email-validator``, with no display name, angle brackets,
comment, group, list, quoted or escaped local part, domain literal or source route. On top of
the library's checks the local part keeps to letters, digits and ``. _ + -`` (no ``%`` or
``!`` relaying, no encoded words), and the domain must be written as it is meant: its
IDNA (ASCII) form or its own Unicode form, never with look-alike dots or full-width letters
that only normalisation turns into the real name. An address that proves nothing (a
listing's invitation, ``directory.members``) is parsed the same way but not ``strict``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from directory.errors import InvalidInput

MAX_ADDRESS = 254
_LOCAL_PART = re.compile(r"[A-Za-z0-9._+-]{1,64}")


class AddressError(InvalidInput):
    """The text is not one plain e-mail address; the message says why."""


@dataclass(frozen=True)
class Mailbox:
    """A parsed address: lower-cased local part and IDNA (ASCII) domain; *written* is the
    address with its local part as written (case kept) and its domain normalised (in ASCII
    unless the local part is not)."""

    local: str
    domain: str
    written: str = ""

    @property
    def address(self) -> str:
        """The address normalised: what two ways of writing one mailbox have in common."""
        return f"{self.local}@{self.domain}"

    @property
    def as_written(self) -> str:
        """The address as written, normalised only where mail needs it (what is mailed to and
        shown when the writer's case matters)."""
        return self.written or self.address


def parse_mailbox(text: str, *, strict: bool = True) -> Mailbox:
    """The one address *text* is, normalised; :class:`AddressError` for anything else.

    Not *strict*, for an address that proves nothing about its domain (one someone signs in
    with and is invited at): the part before the @ may be any that email-validator accepts
    (Unicode letters, ``'``, ``%``, ``#``...) and the domain is the name IDNA makes of it
    (full-width letters and ideographic full stops folded); still one addr-spec, nothing else."""
    if not isinstance(text, str) or not text or len(text) > MAX_ADDRESS:
        raise AddressError(f"Give one e-mail address of at most {MAX_ADDRESS} characters.")
    try:
        parsed = validate_email(text, check_deliverability=False, allow_smtputf8=not strict,
                                allow_display_name=False, allow_quoted_local=False,
                                allow_domain_literal=False, allow_empty_local=False)
    except EmailNotValidError as exc:
        raise AddressError(f"Give one plain address such as name@example.com: {exc}") from exc
    if strict and not _LOCAL_PART.fullmatch(parsed.local_part):
        raise AddressError("The part before the @ may hold only letters, digits and . _ + -.")
    typed = text.rpartition("@")[2]
    if strict and typed.lower() != parsed.ascii_domain and \
            unicodedata.normalize("NFC", typed).lower() != parsed.domain:
        raise AddressError("Write the domain with ordinary letters and full stops, as it is "
                           f"registered ({parsed.ascii_domain}).")
    return Mailbox(parsed.local_part.lower(), parsed.ascii_domain.lower(),
                   parsed.ascii_email or parsed.normalized)
