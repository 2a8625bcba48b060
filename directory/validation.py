"""Validation of listing records: one set of rules for import and (later) for edits.

The record shape is the one of ``directory/data/enterprises.jsonl``; see the README.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates,
    validates_schema,
)

from directory.hosts import host_name_problem
from directory.hours import HoursError, validate_hours
from directory.instants import BODY_RANGE, Instant
from directory.models import CHANNEL_KINDS, DIRECTIONS, LANGUAGES, SOCIAL_PLATFORMS, STATUSES
from directory.phones import CANONICAL, PHONE_KINDS, PhoneNumberError, normalize_phone
from directory.regions import is_known_region
from directory.urls import UnsafeURLError, check_web_url, is_valid_hostname

ID_PATTERN = r"^[a-z][a-z0-9_]{2,31}$"
SLUG_PATTERN = r"^[a-z][a-z0-9_-]{1,63}$"
REGION_PATTERN = r"^(?:[A-Z]{2}|[0-9]{6})$"
LANGUAGE_TAG_PATTERN = r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"
EMAIL = re.compile(r"^[^@\s\x00-\x1f]{1,64}@([a-z0-9-]+(\.[a-z0-9-]+)+)$")
WECHAT_ID = re.compile(r"^[A-Za-z][-_A-Za-z0-9]{5,19}$")
URL_KINDS = ("webchat", "video", "app", "social", "web_form", "callback")
# Kinds whose URL can take the consumer's topic in a query parameter the listing names.
TOPIC_PARAM_KINDS = ("webchat", "video", "web_form", "callback")
# A menu's key sequence: steps of keys separated by commas ("2,1", "1,*", "9,123#").
MENU_KEYS = re.compile(r"^[0-9*#]{1,32}(?:,[0-9*#]{1,32}){0,9}$")
TOPIC_PARAM = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
MAX_MENU = 50
CALLBACK_KINDS = ("phone", "callback")
WIKIDATA_ID = r"^Q[1-9][0-9]{0,11}$"
ISO_DATE = r"^[12][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"
_date = {"validate": validate.Regexp(ISO_DATE, error="an ISO date like 2026-08-21")}

def known_region(code: str) -> None:
    """A validator: *code* is a GB/T 2260 division in use or an ISO 3166-1 country."""
    if not is_known_region(code):
        raise ValidationError(f"{code!r} is neither a GB/T 2260 division in use nor an ISO 3166-1 "
                              "country; see the list of regions")


_region = fields.String(validate=[validate.Regexp(REGION_PATTERN, error="not an ISO 3166-1 "
                        "alpha-2 country (CN) or a GB/T 2260 division code (440300)"), known_region])


def _check_phone_value(value: str) -> str:
    try:
        canonical = normalize_phone(value)
    except PhoneNumberError as exc:
        raise ValidationError(str(exc)) from exc
    if canonical != value or not CANONICAL.match(value):
        raise ValidationError(f"write the number as {canonical!r} (digits, '+' for abroad)")
    return value


def _check_email_value(value: str) -> str:
    if len(value) > 254 or not EMAIL.match(value) or value != value.lower():
        raise ValidationError("not a lower-case e-mail address like service@example.com")
    problem = host_name_problem(value.rpartition("@")[2])
    if problem:
        raise ValidationError(f"the address's domain can pass for another name: {problem}")
    return value


def check_channel_value(kind: str, value: str) -> str:
    """Return the canonical *value* for a channel of *kind*, or raise ValidationError."""
    if kind in PHONE_KINDS:
        return _check_phone_value(value)
    if kind == "email":
        return _check_email_value(value)
    if kind == "whatsapp":
        if not value.startswith("+"):
            raise ValidationError("a WhatsApp number is international: '+' and the country code")
        return _check_phone_value(value)
    if kind == "facetime":
        if "@" in value:
            return _check_email_value(value)
        if not value.startswith("+"):
            raise ValidationError("a FaceTime address is an e-mail address or a '+' number")
        return _check_phone_value(value)
    if kind == "wechat" and WECHAT_ID.match(value):
        return value
    try:
        return check_web_url(value)
    except UnsafeURLError as exc:
        hint = " or a WeChat account id" if kind == "wechat" else ""
        raise ValidationError(f"{exc}{hint}") from exc


class NamesSchema(Schema):
    class Meta:
        unknown = RAISE

    zh_hans = fields.String(data_key="zh-Hans", allow_none=True, validate=validate.Length(1, 200))
    zh_hant = fields.String(data_key="zh-Hant", allow_none=True, validate=validate.Length(1, 200))
    en = fields.String(allow_none=True, validate=validate.Length(1, 200))

    @validates_schema
    def _has_a_name(self, data: dict[str, Any], **_: Any) -> None:
        if not any(data.get(key) for key in ("zh_hans", "zh_hant", "en")):
            raise ValidationError("at least one of zh-Hans, zh-Hant and en is required")

    @post_load
    def _language_keys(self, data: dict[str, Any], **_: Any) -> dict[str, str | None]:
        return {"zh-Hans": data.get("zh_hans"), "zh-Hant": data.get("zh_hant"),
                "en": data.get("en")}


class MenuEntrySchema(Schema):
    """One option of a phone menu: what it is for and the keys that reach it."""

    class Meta:
        unknown = RAISE

    intent = fields.String(required=True, validate=[
        validate.Length(1, 100),
        validate.Regexp(r"^(?=.*\S)[^\x00-\x1f\x7f-\x9f]+$",
                        error="text without control characters")])
    keys = fields.String(required=True, validate=validate.Regexp(
        MENU_KEYS, error="key steps separated by commas, e.g. '2,1' or '1,*'"))


class ChannelRecordSchema(Schema):
    """A channel as imported (and, later, as edited)."""

    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.OneOf(CHANNEL_KINDS))
    value = fields.String(required=True, validate=validate.Length(1, 2048))
    label = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    purpose = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    regions = fields.List(_region, load_default=list, validate=validate.Length(max=500))
    languages = fields.List(
        fields.String(validate=validate.Regexp(LANGUAGE_TAG_PATTERN)),
        load_default=list,
        validate=validate.Length(max=20),
    )
    hours = fields.Raw(load_default=None, allow_none=True)
    direction = fields.String(load_default="contact", validate=validate.OneOf(DIRECTIONS))
    source = fields.String(required=True, validate=validate.Length(1, 500))
    verified_at = Instant(span=BODY_RANGE, load_default=None, allow_none=True)
    menu = fields.List(fields.Nested(MenuEntrySchema), load_default=list,
                       validate=validate.Length(max=MAX_MENU))
    to_person = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        MENU_KEYS, error="key steps separated by commas, e.g. '0' or '9,0'"))
    reaches_person = fields.Boolean(load_default=None, allow_none=True)
    topic_param = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        TOPIC_PARAM, error="a URL query parameter name, e.g. 'q' or 'topic'"))
    accepts_callbacks = fields.Boolean(load_default=False)
    platform = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(SOCIAL_PLATFORMS))
    retrieved = fields.String(load_default=None, allow_none=True, **_date)

    @validates("menu")
    def _menu_intents_unique(self, value: list[dict[str, str]], **_: Any) -> None:
        intents = [entry.get("intent") for entry in value]
        if len(set(intents)) != len(intents):
            raise ValidationError("menu intents repeat")

    @validates_schema
    def _fields_fit_kind(self, data: dict[str, Any], **_: Any) -> None:
        kind = data.get("kind")
        if kind != "phone":
            for name in ("menu", "to_person"):
                if data.get(name):
                    raise ValidationError("only phone channels have a phone menu", field_name=name)
        if data.get("topic_param") and kind not in TOPIC_PARAM_KINDS:
            raise ValidationError(f"only {', '.join(TOPIC_PARAM_KINDS)} channels take a topic "
                                  "parameter", field_name="topic_param")
        if data.get("accepts_callbacks") and (kind not in CALLBACK_KINDS
                                              or data.get("direction") == "outbound_only"):
            raise ValidationError("only phone and callback channels one can contact take callback "
                                  "requests", field_name="accepts_callbacks")
        if data.get("platform") and kind != "social":
            raise ValidationError("only social channels are on a platform", field_name="platform")
        if data.get("direction") == "outbound_only" and data.get("to_person"):
            raise ValidationError("an outbound-only sender cannot be called", field_name="to_person")

    @validates("hours")
    def _hours(self, value: Any, **_: Any) -> None:
        try:
            validate_hours(value)
        except HoursError as exc:
            raise ValidationError(str(exc)) from exc

    @validates_schema
    def _value_fits_kind(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("kind") in CHANNEL_KINDS and isinstance(data.get("value"), str):
            try:
                check_channel_value(data["kind"], data["value"])
            except ValidationError as exc:
                raise ValidationError(exc.messages, field_name="value") from exc

    @post_load
    def _canonical_hours(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["hours"] = validate_hours(data["hours"])
        return data


class LogoSchema(Schema):
    """A logo's address, the data set it comes from and the date that set was read."""

    class Meta:
        unknown = RAISE

    url = fields.String(required=True, validate=validate.Length(1, 2048))
    source = fields.String(required=True, validate=validate.Length(1, 500))
    retrieved = fields.String(required=True, **_date)

    @validates("url")
    def _url(self, value: str, **_: Any) -> None:
        try:
            check_web_url(value)
        except UnsafeURLError as exc:
            raise ValidationError(str(exc)) from exc
        if not value.startswith("https://"):
            raise ValidationError("a logo is fetched over https only")


class EnterpriseRecordSchema(Schema):
    """An enterprise as imported, channels included."""

    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=validate.Regexp(ID_PATTERN))
    names = fields.Nested(NamesSchema, required=True)
    aliases = fields.List(
        fields.String(validate=validate.Length(1, 100)), load_default=list,
        validate=validate.Length(max=50),
    )
    industry = fields.String(required=True, validate=validate.Regexp(SLUG_PATTERN))
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(1, 5000))
    website = fields.String(load_default=None, allow_none=True)
    domains = fields.List(fields.String(), load_default=list, validate=validate.Length(max=50))
    regions = fields.List(_region, load_default=list, validate=validate.Length(max=500))
    verified = fields.Boolean(load_default=False)
    status = fields.String(load_default="active", validate=validate.OneOf(STATUSES))
    source = fields.List(fields.String(validate=validate.Length(1, 500)), required=True,
                         validate=validate.Length(min=1, max=20))
    channels = fields.List(fields.Nested(ChannelRecordSchema), load_default=list,
                           validate=validate.Length(max=200))
    wikidata = fields.String(load_default=None, allow_none=True,
                             validate=validate.Regexp(WIKIDATA_ID, error="a Wikidata id like Q37158"))
    logo = fields.Nested(LogoSchema, load_default=None, allow_none=True)
    dissolved = fields.String(load_default=None, allow_none=True, **_date)

    @validates("website")
    def _website(self, value: str | None, **_: Any) -> None:
        if value is not None:
            try:
                check_web_url(value)
            except UnsafeURLError as exc:
                raise ValidationError(str(exc)) from exc

    @validates("domains")
    def _domains(self, value: list[str], **_: Any) -> None:
        bad = [d for d in value if not is_valid_hostname(d)]
        if bad:
            raise ValidationError(f"not lower-case host names that cannot pass for another name: "
                                  f"{', '.join(bad[:5])}")

    @validates("aliases")
    def _aliases_unique(self, value: list[str], **_: Any) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("aliases repeat")


class IndustryRecordSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=validate.Regexp(SLUG_PATTERN))
    names = fields.Dict(keys=fields.String(validate=validate.OneOf(LANGUAGES)),
                        values=fields.String(validate=validate.Length(1, 100)), required=True)
    parent = fields.String(load_default=None, allow_none=True)
    gbt4754 = fields.String(load_default=None, allow_none=True,
                            validate=validate.Regexp(r"^[A-T]$"))
    order = fields.Integer(load_default=0, validate=validate.Range(0, 100000))

    @validates("names")
    def _three_names(self, value: dict[str, str], **_: Any) -> None:
        missing = [lang for lang in LANGUAGES if lang not in value]
        if missing:
            raise ValidationError(f"names in {', '.join(missing)} are missing")


def flatten_errors(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Turn marshmallow's nested messages into ``(field.path, message)`` pairs."""
    pairs: list[tuple[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                path = prefix or "(record)"
            pairs.extend(flatten_errors(value, path))
    elif isinstance(messages, list):
        for item in messages:
            if isinstance(item, (dict, list)):
                pairs.extend(flatten_errors(item, prefix))
            else:
                pairs.append((prefix, str(item)))
    else:
        pairs.append((prefix, str(messages)))
    return pairs
