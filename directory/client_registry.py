"""API clients people register and manage themselves (``/v1/me/clients``), and what an
administrator grants them.

- A person registers at most :data:`MAX_CLIENTS_PER_PERSON` clients. Each is a confidential
  client-credentials client with the scope ``directory:read``; it acts for nobody (its
  ``user_id`` stays empty), so owning one gives it none of its owner's rights. Only an
  administrator grants more (:func:`grant_scopes`, ``flask clients grant``): user scopes make
  it act for its owner.
- The secret is shown once, at registration and at each rotation; only its digest is kept.
  After a rotation the previous secret still works for :data:`SECRET_GRACE` (24 hours), then
  only the new one does. Deleting a client ends its tokens.
- Self-registered clients cannot use the authorization code grant, so their names never reach
  a consent page; the names are still checked (:func:`check_client_name`) so that none looks
  like c800's own or an official one: no "c800", "official", "官方" and the like (also when
  written with look-alike letters, full-width forms or spaces in between), one script of
  letters (Latin with Han, kana or Hangul allowed), no control or invisible characters.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import timedelta

from confusable_homoglyphs import categories, confusables
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from directory.accounts import User
from directory.credentials import SCOPES, OAuthClient, OAuthToken, digest
from directory.errors import Conflict, InvalidInput, NotFound
from directory.models import utcnow

MAX_CLIENTS_PER_PERSON = 5
SECRET_GRACE = timedelta(hours=24)
SELF_SERVICE_SCOPE = "directory:read"
USER_SCOPES = frozenset({"me", "listings:write", "admin"})
NAME_LENGTH = (3, 60)
# Words that would make a client look like c800's own or vouched for, compared on a skeleton
# of the name (NFKC, case-folded, look-alikes as ASCII, only letters and digits kept).
RESERVED = ("c800", "official", "verified", "admin", "官方", "认证", "認證", "官网", "官網", "客服中心")
_NEUTRAL = frozenset({"COMMON", "INHERITED"})
_ALLOWED_MIXES = (frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
                  frozenset({"LATIN", "HAN", "BOPOMOFO"}), frozenset({"LATIN", "HAN", "HANGUL"}))
_PUNCTUATION = frozenset(" -_.,&'()")


def _ascii_lookalike(char: str) -> str:
    for entry in confusables.is_confusable(char, greedy=True) or []:
        for glyph in entry["homoglyphs"]:
            text = glyph["c"].lower()
            if text.isascii() and text.isalnum():
                return text
    return char


def _skeleton(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(_ascii_lookalike(c) if not c.isascii() else c for c in folded if c.isalnum())


def check_client_name(name: object) -> str:
    """*name* stripped, when it may be a client's name; InvalidInput (field ``name``) saying
    why not."""
    if not isinstance(name, str):
        raise InvalidInput("A name is text.", field="name")
    name = unicodedata.normalize("NFKC", name).strip()
    low, high = NAME_LENGTH
    if not low <= len(name) <= high:
        raise InvalidInput(f"A name has {low} to {high} characters.", field="name")
    odd = [c for c in name if not (c.isalnum() or c in _PUNCTUATION)]
    if odd:
        raise InvalidInput(f"A name holds letters, digits, spaces and - _ . , & ' ( ) only, not "
                           f"{odd[0]!r}.", field="name")
    if re.search(r"\s{2,}", name):
        raise InvalidInput("A name has single spaces between words.", field="name")
    scripts = {categories.alias(c) or "UNKNOWN" for c in name if c.isalpha()} - _NEUTRAL
    if len(scripts) > 1 and not any(scripts <= mix for mix in _ALLOWED_MIXES):
        raise InvalidInput("A name's letters come from one script (Latin may go with Chinese, "
                           "Japanese or Korean): mixed ones can pass for another name.", field="name")
    folded = "".join(c for c in unicodedata.normalize("NFKC", name).casefold() if c.isalnum())
    skeleton = _skeleton(name)
    for word in RESERVED:
        if word in folded or word in skeleton:
            raise InvalidInput(f"A name may not say {word!r}: it would look like c800's own or "
                               "an officially vouched-for client.", field="name")
    return name


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def clients_of(session: Session, user: User) -> list[OAuthClient]:
    """The clients *user* registered, oldest first."""
    return list(session.scalars(select(OAuthClient).where(OAuthClient.owner_id == user.id)
                                .order_by(OAuthClient.created_at, OAuthClient.client_id)))


def client_of(session: Session, user: User, client_id: str) -> OAuthClient:
    """*user*'s own client *client_id*; NotFound for anyone else's (or none)."""
    client = session.get(OAuthClient, client_id) if len(client_id) <= 64 else None
    if client is None or client.owner_id != user.id:
        raise NotFound("You have no client with this id.")
    return client


def register_client(session: Session, user: User, name: object) -> tuple[OAuthClient, str]:
    """A new client of *user* and its secret (shown once); Conflict at the limit."""
    name = check_client_name(name)
    count = session.scalar(select(func.count()).select_from(OAuthClient)
                           .where(OAuthClient.owner_id == user.id))
    if count >= MAX_CLIENTS_PER_PERSON:
        raise Conflict(f"You have {MAX_CLIENTS_PER_PERSON} clients already, the most one person "
                       "may have: delete one first.")
    secret = _new_secret()
    client = OAuthClient(client_id=f"cl_{secrets.token_hex(8)}", secret_hash=digest(secret),
                         name=name, grant_types=["client_credentials"], redirect_uris=[],
                         scope=SELF_SERVICE_SCOPE, auth_method="client_secret_basic",
                         owner_id=user.id, user_id=None, created_at=utcnow())
    session.add(client)
    session.commit()
    return client, secret


def rotate_secret(session: Session, user: User, client_id: str) -> tuple[OAuthClient, str]:
    """A new secret for *user*'s client; the one it replaces works for SECRET_GRACE more."""
    client = client_of(session, user, client_id)
    secret = _new_secret()
    client.previous_secret_hash = client.secret_hash
    client.previous_secret_until = utcnow() + SECRET_GRACE
    client.secret_hash = digest(secret)
    session.commit()
    return client, secret


def delete_client(session: Session, user: User | None, client_id: str) -> None:
    """Delete *user*'s client (any client for the operator's CLI, *user* None); its tokens
    stop working at once."""
    client = client_of(session, user, client_id) if user is not None else session.get(
        OAuthClient, client_id)
    if client is None:
        raise NotFound("No client has this id.")
    session.execute(delete(OAuthToken).where(OAuthToken.client_id == client.client_id))
    session.delete(client)
    session.commit()


def grant_scopes(session: Session, client_id: str, scope: str) -> OAuthClient:
    """What a client may ask for, set by an operator (``flask clients grant``: only those who
    run the CLI can); user scopes (``me``, ``listings:write``, ``admin``) make a
    self-registered client act for its owner, and ``admin`` needs an owner who is an
    administrator."""
    client = session.get(OAuthClient, client_id)
    if client is None:
        raise NotFound("No client has this id.")
    scopes = list(dict.fromkeys(scope.split()))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise InvalidInput(f"Scopes are some of {', '.join(SCOPES)}.", field="scope")
    if client.owner_id is not None:
        owner = session.get(User, client.owner_id)
        if "admin" in scopes and not (owner is not None and owner.is_admin):
            raise InvalidInput("Only an administrator's client may have `admin`.", field="scope")
        client.user_id = client.owner_id if USER_SCOPES & set(scopes) else None
    client.scope = " ".join(scopes)
    session.commit()
    return client
