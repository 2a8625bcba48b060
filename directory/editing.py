"""Self-service edits of a listing, validated with exactly the rules of the import.

Each function changes one listing in the caller's transaction, bumps its version and stores
that version (who, what changed). Fields the system sets (ids, ``verified``, ``version``,
``status``, provenance, reviews) are read-only: asking to set them is an :class:`EditError`,
never silently ignored. Nothing is deleted: channels and notices are hidden, reversibly.

Numbers, addresses, domains and URLs an enterprise adds or changes are shown at once but wait
for an administrator before lookup vouches for them (``directory.reviews``). One that another
listing holds is refused (only an administrator may move it), and so is a link, domain or
address lookup warns against (an imitation of a listed domain): notice links included.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy.orm import Session

from directory.errors import Conflict, InvalidInput
from directory.instants import BODY_RANGE, Instant
from directory.lookup import hint_text, warning_for
from directory.models import SEVERITIES, Channel, Enterprise, Industry, Notice, utcnow
from directory.records import CHANNEL_FIELDS, LIST_FIELDS, channel_id_for, set_channel_fields
from directory.reviews import (
    Reviewer,
    TrustedChanges,
    channel_is_checked,
    conflicts,
    fact_keys,
    settle,
    trusted_changes,
    web_keys,
    website_is_checked,
)
from directory.urls import UnsafeURLError, check_web_url
from directory.validation import ChannelRecordSchema, EnterpriseRecordSchema, flatten_errors
from directory.versions import (
    ENTERPRISE_FIELDS,
    apply_snapshot,
    ensure_base_version,
    record_version,
    snapshot,
)

ENTERPRISE_READ_ONLY = ("id", "verified", "version", "status", "source", "managed", "created_at",
                        "updated_at", "channels", "notices", "channel_kinds", "name", "web_review",
                        "verification", "wikidata", "logo", "dissolved")
CHANNEL_EDITABLE = ("kind", "value", "label", "purpose", "regions", "languages", "hours",
                    "direction", "menu", "to_person", "reaches_person", "topic_param",
                    "accepts_callbacks", "hidden")
CHANNEL_READ_ONLY = ("id", "source", "verified_at", "position", "links", "status", "phone", "review",
                     "platform", "retrieved")
NOTICE_EDITABLE = ("title", "body", "severity", "valid_from", "valid_until", "links", "hidden")
NOTICE_READ_ONLY = ("id", "created_at", "current")


class EditError(InvalidInput):
    """An edit that is not valid: ``errors`` maps dotted field names to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("The change is not valid; nothing was changed.", errors=errors)


class EditConflict(Conflict):
    """The edit clashes with what is stored (a channel that repeats): ``errors`` says where."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("The listing has this channel already.", errors=errors)


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a user id (or "import", "admin:<id>") and the OAuth client used;
    ``admin`` when a c800 administrator acts as one (their facts are checked as they enter them)."""

    name: str
    client_id: str | None = None
    admin: bool = False
    community: bool = False  # accepting a consumer's suggestion (directory/suggestions.py)

    @property
    def source(self) -> str:
        """The provenance of a channel this actor adds."""
        if self.community:
            return "community"
        return f"admin:{self.name}" if self.admin else f"self-service:{self.name}"


def _refuse_fields(data: dict[str, Any], editable: tuple[str, ...], read_only: tuple[str, ...]) -> None:
    errors: dict[str, list[str]] = {}
    for key in data:
        if key in read_only:
            errors[key] = ["Read-only: set by the system, not by an edit."]
        elif key not in editable:
            errors[key] = ["Unknown field."]
    if errors:
        raise EditError(errors)


def _errors(exc: ValidationError, prefix: str = "") -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path, message in flatten_errors(exc.messages):
        key = f"{prefix}{path}" if path and path != "(record)" else (prefix.rstrip(".") or "(body)")
        found.setdefault(key, []).append(message)
    return found


def _begin(session: Session, enterprise: Enterprise) -> dict[str, Any]:
    ensure_base_version(session, enterprise)
    return snapshot(enterprise)


def _warning(session: Session, text: str) -> str | None:
    """Why lookup warns people against *text* (a link, domain or address), if it does."""
    result = warning_for(session, text)
    if result is None:
        return None
    return ("Lookup warns people against this: " + hint_text(result, "en")
            + " Link to the real site instead.")


def _held_elsewhere(session: Session, enterprise: Enterprise, keys: list[str], what: str, *,
                    web: bool) -> str | None:
    found = conflicts(session, enterprise.id, keys, web=web)
    if not found:
        return None
    others = ", ".join(f"{c.name} ({c.enterprise_id})" for c in found[:3])
    return (f"{what} belongs to another listing on c800: {others}. Only a c800 administrator can "
            "move it; report the listing if it is wrong.")


def _channel_problems(session: Session, enterprise: Enterprise, channel: Channel) -> list[str]:
    problems = [_held_elsewhere(session, enterprise, fact_keys(channel.kind, channel.value),
                                f"{channel.value!r}", web=False)]
    value = channel.value
    if "@" in value or value.lower().startswith(("https://", "http://")):  # an address or a URL
        problems.append(_warning(session, value))
    return [p for p in problems if p]


def _check_trusted(session: Session, enterprise: Enterprise, changes: TrustedChanges,
                   action: str) -> None:
    """Refuse an enterprise's new number, address, domain or URL that another listing holds
    or that lookup warns against (an administrator's edit may move one: it is checked)."""
    errors: dict[str, list[str]] = {}
    for channel in changes.channels:
        if channel_is_checked(channel):
            continue
        name = "value" if action in ("add_channel", "update_channel") else f"channels.{channel.id}.value"
        problems = _channel_problems(session, enterprise, channel)
        if problems:
            errors.setdefault(name, []).extend(problems)
    if changes.website and not website_is_checked(enterprise):
        errors["website"] = [_held_elsewhere(session, enterprise, web_keys([changes.website]),
                                             "The website's domain", web=True),
                             _warning(session, changes.website)]
    checked = set(enterprise.checked_domains or [])
    for domain in (d for d in changes.domains if d not in checked):
        errors.setdefault("domains", []).extend([
            _held_elsewhere(session, enterprise, web_keys([domain]), f"The domain {domain}", web=True),
            _warning(session, domain)])
    errors = {name: [m for m in messages if m] for name, messages in errors.items()}
    errors = {name: messages for name, messages in errors.items() if messages}
    if errors:
        raise EditError(errors)


def _review(session: Session, enterprise: Enterprise, actor: Actor, action: str,
            before: dict[str, Any]) -> None:
    changes = trusted_changes(before, enterprise)
    if not actor.admin:
        with session.no_autoflush:
            _check_trusted(session, enterprise, changes, action)
    settle(session, enterprise, changes, Reviewer(None if actor.admin else actor.name,
                                                  actor.client_id, actor.admin))


def _finish(session: Session, enterprise: Enterprise, actor: Actor, action: str,
            before: dict[str, Any]) -> None:
    _review(session, enterprise, actor, action, before)
    enterprise.version += 1
    enterprise.managed = True
    enterprise.updated_at = utcnow()
    session.flush()
    record_version(session, enterprise, actor=actor.name, client_id=actor.client_id,
                   action=f"community:{action}" if actor.community else action, before=before)


def update_enterprise(session: Session, enterprise: Enterprise, changes: dict[str, Any],
                      actor: Actor) -> None:
    """Apply a partial update (JSON merge patch of the top-level fields)."""
    _refuse_fields(changes, ENTERPRISE_FIELDS, ENTERPRISE_READ_ONLY)
    before = snapshot(enterprise)
    record = {key: before[key] for key in ENTERPRISE_FIELDS}
    if "names" in changes and isinstance(changes["names"], dict):
        record["names"] = {**record["names"], **changes["names"]}
    record.update({k: v for k, v in changes.items() if k != "names"})
    if "names" in changes and not isinstance(changes["names"], dict):
        record["names"] = changes["names"]
    record.update(id=enterprise.id, source=list(enterprise.source or ["self-service"]))
    try:
        loaded = EnterpriseRecordSchema().load(record)
    except ValidationError as exc:
        raise EditError(_errors(exc)) from exc
    if session.get(Industry, loaded["industry"]) is None:
        raise EditError({"industry": [
            f"No such industry {loaded['industry']!r}; see the list of industries."]})
    ensure_base_version(session, enterprise)
    apply_snapshot(enterprise, {**before, **{key: loaded[key] for key in ENTERPRISE_FIELDS}})
    _finish(session, enterprise, actor, "update", before)


def _channel_record(data: dict[str, Any], source: str) -> dict[str, Any]:
    record = {k: v for k, v in data.items() if k != "hidden"}
    record["source"] = source
    try:
        return ChannelRecordSchema().load(record)
    except ValidationError as exc:
        raise EditError(_errors(exc)) from exc


def _check_unique(enterprise: Enterprise, kind: str, value: str, skip: str | None = None) -> None:
    for channel in enterprise.channels:
        if channel.id != skip and channel.kind == kind and channel.value == value:
            raise EditConflict({"value": [f"The listing has this {kind} channel already "
                                          f"({channel.id}); edit that one."]})


def check_channel(session: Session, enterprise: Enterprise, data: dict[str, Any],
                  channel: Channel | None, editable: tuple[str, ...]) -> dict[str, Any]:
    """*data* as a new channel (or a change of *channel*) would be loaded, by the import's rules
    and an enterprise's: only *editable* fields, no repeat, no number or address another
    listing holds or lookup warns against. Nothing is written."""
    _refuse_fields(data, editable, CHANNEL_READ_ONLY)
    current = {} if channel is None else {name: getattr(channel, name) for name in CHANNEL_FIELDS
                                          if name not in ("source", "verified_at")}
    loaded = _channel_record({**current, **data}, "community")
    _check_unique(enterprise, loaded["kind"], loaded["value"], skip=channel.id if channel else None)
    if channel is None or (loaded["kind"], loaded["value"]) != (channel.kind, channel.value):
        probe = Channel(id="ch_probe", kind=loaded["kind"], value=loaded["value"])
        with session.no_autoflush:
            problems = _channel_problems(session, enterprise, probe)
        if problems:
            raise EditError({"value": problems})
    return loaded


def add_channel(session: Session, enterprise: Enterprise, data: dict[str, Any], actor: Actor) -> Channel:
    _refuse_fields(data, CHANNEL_EDITABLE, CHANNEL_READ_ONLY)
    loaded = _channel_record(data, actor.source)
    _check_unique(enterprise, loaded["kind"], loaded["value"])
    before = _begin(session, enterprise)
    ident = channel_id_for(enterprise.id, loaded["kind"], loaded["value"])
    if session.get(Channel, ident) is not None:
        ident = f"ch_{secrets.token_hex(8)}"
    channel = Channel(id=ident, position=len(enterprise.channels),
                      hidden=bool(data.get("hidden", False)))
    set_channel_fields(channel, loaded)
    enterprise.channels.append(channel)
    _finish(session, enterprise, actor, "add_channel", before)
    return channel


def update_channel(session: Session, enterprise: Enterprise, channel: Channel,
                   changes: dict[str, Any], actor: Actor) -> None:
    _refuse_fields(changes, CHANNEL_EDITABLE, CHANNEL_READ_ONLY)
    if "hidden" in changes and not isinstance(changes["hidden"], bool):
        raise EditError({"hidden": ["Not a valid boolean."]})
    current = {name: getattr(channel, name) for name in CHANNEL_FIELDS
               if name not in ("source", "verified_at")}
    current.update({name: list(current[name] or []) for name in LIST_FIELDS})
    merged = {**current, **{k: v for k, v in changes.items() if k != "hidden"}}
    if merged.get("kind") != "social":
        merged["platform"] = None  # a platform is a social channel's only
    loaded = _channel_record(merged, channel.source or actor.source)
    _check_unique(enterprise, loaded["kind"], loaded["value"], skip=channel.id)
    before = _begin(session, enterprise)
    verified_at = channel.verified_at
    content_changed = any(loaded.get(n) != getattr(channel, n) for n in ("kind", "value"))
    set_channel_fields(channel, {**loaded, "source": channel.source})
    channel.verified_at = None if content_changed else verified_at
    if "hidden" in changes:
        channel.hidden = changes["hidden"]
    if "to_person" in changes:  # the enterprise's word: tips no longer replace it
        channel.to_person_source = None
    if "value" in changes:  # the enterprise re-confirms the number
        channel.value_confirmed_at = utcnow()
    _finish(session, enterprise, actor, "update_channel", before)


class LinkSchema(Schema):
    class Meta:
        unknown = RAISE

    label = fields.String(required=True, validate=validate.Length(1, 100))
    url = fields.String(required=True, validate=validate.Length(1, 2048))

    @validates_schema
    def _safe(self, data: dict[str, Any], **_: Any) -> None:
        try:
            check_web_url(data.get("url", ""))
        except UnsafeURLError as exc:
            raise ValidationError(str(exc), field_name="url") from exc


class NoticeSchema(Schema):
    """A notice as published (the same rules for creating and for editing one)."""

    class Meta:
        unknown = RAISE

    title = fields.String(required=True, validate=validate.Length(1, 200))
    body = fields.String(required=True, validate=validate.Length(1, 5000))
    severity = fields.String(load_default="info", validate=validate.OneOf(SEVERITIES))
    valid_from = Instant(span=BODY_RANGE, load_default=None, allow_none=True)
    valid_until = Instant(span=BODY_RANGE, load_default=None, allow_none=True)
    links = fields.List(fields.Nested(LinkSchema), load_default=list, validate=validate.Length(max=10))
    hidden = fields.Boolean(load_default=False)

    @validates_schema
    def _period(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end <= start:
            raise ValidationError("valid_until comes after valid_from", field_name="valid_until")


def _notice_record(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded = NoticeSchema().load(data)
    except ValidationError as exc:
        raise EditError(_errors(exc)) from exc
    errors: dict[str, list[str]] = {}
    with session.no_autoflush:
        for index, link in enumerate(loaded.get("links") or []):
            warning = _warning(session, link["url"])
            if warning:
                errors[f"links.{index}.url"] = [warning]
    if errors:
        raise EditError(errors)
    return loaded


def _set_notice(notice: Notice, loaded: dict[str, Any], now: datetime) -> None:
    notice.title, notice.body, notice.severity = loaded["title"], loaded["body"], loaded["severity"]
    notice.valid_from = loaded.get("valid_from") or notice.valid_from or now
    notice.valid_until = loaded.get("valid_until")
    notice.links = list(loaded.get("links") or [])
    notice.hidden = bool(loaded.get("hidden"))


def add_notice(session: Session, enterprise: Enterprise, data: dict[str, Any], actor: Actor) -> Notice:
    _refuse_fields(data, NOTICE_EDITABLE, NOTICE_READ_ONLY)
    loaded = _notice_record(session, data)
    before = _begin(session, enterprise)
    now = utcnow()
    notice = Notice(id=f"nt_{secrets.token_hex(8)}", created_at=now)
    _set_notice(notice, loaded, now)
    enterprise.notices.append(notice)
    _finish(session, enterprise, actor, "add_notice", before)
    return notice


def update_notice(session: Session, enterprise: Enterprise, notice: Notice, changes: dict[str, Any],
                  actor: Actor) -> None:
    _refuse_fields(changes, NOTICE_EDITABLE, NOTICE_READ_ONLY)
    current = {"title": notice.title, "body": notice.body, "severity": notice.severity,
               "valid_from": notice.valid_from.isoformat(),
               "valid_until": notice.valid_until.isoformat() if notice.valid_until else None,
               "links": list(notice.links or []), "hidden": notice.hidden}
    loaded = _notice_record(session, {**current, **changes})
    before = _begin(session, enterprise)
    _set_notice(notice, loaded, utcnow())
    _finish(session, enterprise, actor, "update_notice", before)


def restore_version(session: Session, enterprise: Enterprise, state: dict[str, Any], number: int,
                    actor: Actor) -> None:
    """Make the listing what version *number* was (as a new version)."""
    before = _begin(session, enterprise)
    if session.get(Industry, state["industry"]) is None:
        raise EditError({"industry": [f"Version {number}'s industry no longer exists."]})
    apply_snapshot(enterprise, state)
    _finish(session, enterprise, actor, f"restore:{number}", before)
