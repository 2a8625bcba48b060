"""The schemas of a channel as the API shows it: links per platform, phone facts, menus,
status now, the wait to expect, and the review of its trusted facts; and as its owners and
editors write and read it (its review, provenance)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from directory.experiences import LIVE_STATES
from directory.links import PLATFORMS, ROLES
from directory.models import CHANNEL_KINDS, CHECKERS, DIRECTIONS, REVIEW_STATUSES, SOCIAL_PLATFORMS


class LinkSchema(Schema):
    uri = fields.String(metadata={
        "description": "The link. Only tel:, sms:, mailto:, https:, http:, facetime: and "
                       "facetime-audio: are ever emitted.", "example": "tel:95588,,0"})
    platform = fields.String(validate=validate.OneOf(PLATFORMS), metadata={
        "description": "Where the link works: `any`, `ios`, `android` or `web`.",
        "example": "any"})
    role = fields.String(validate=validate.OneOf(ROLES), metadata={
        "description": "`primary`: opens the channel; `fallback`: a web page to use when the "
                       "primary cannot open; `app`: opens the enterprise's app; `store`: its "
                       "page in an app store.", "example": "primary"})
    steps = fields.List(fields.String(), allow_none=True, metadata={
        "description": "Keys to press, in order, once the call connects, when they cannot be "
                       "put in the link (iOS refuses `*` and `#` in tel: links); null when "
                       "the link does it all.", "example": None})
    label = fields.String(allow_none=True, metadata={
        "description": "What the link does, for a button; null for the plain link.",
        "example": "拨打并转人工"})


class PhoneHintSchema(Schema):
    code = fields.String(metadata={
        "description": "Stable code: `free` (toll-free), `not_from_mobile` (800 numbers), "
                       "`local_rate` (400 numbers), `not_from_abroad` (short service numbers), "
                       "`may_be_out_of_service` (at least 3 signed-in accounts reported the "
                       "number dead within 30 days, since the enterprise last confirmed it), "
                       "and the like.", "example": "not_from_abroad"})
    text = fields.String(metadata={"description": "The hint in the answer's language.",
                                   "example": "境外无法拨打"})


class AbroadSchema(Schema):
    channel = fields.String(metadata={"description": "Id of the enterprise's channel to use "
                                      "from abroad.", "example": "ch_5d2e0c8e9a7d6c5b"})
    value = fields.String(metadata={"description": "Its number.", "example": "+861095588"})
    display = fields.String(metadata={"description": "Its number for people.",
                                      "example": "+86 10 9558 8"})


class PhoneSchema(Schema):
    type = fields.String(metadata={
        "description": "What kind of number: `mobile`, `landline`, `business_400`, "
                       "`toll_free_800`, `service_95`, `service_96` (also behind an area code), "
                       "`service_10` (1010/1011 national customer-service numbers), "
                       "`service_1x`, `emergency`, `sms_106`, `international` or `unknown`.",
        "example": "service_95"})
    toll_free = fields.Boolean(metadata={"description": "Free for the caller.",
                                         "example": False})
    callable_from_mobile = fields.Boolean(metadata={
        "description": "Can be dialled from a mobile phone (800 numbers often cannot).",
        "example": True})
    callable_from_abroad = fields.Boolean(metadata={
        "description": "Can be dialled from outside mainland China.", "example": False})
    international = fields.String(allow_none=True, metadata={
        "description": "The number as dialled from abroad (E.164), null when it cannot be.",
        "example": None})
    hints = fields.List(fields.Nested(PhoneHintSchema), metadata={
        "description": "What to know before dialling.",
        "example": [{"code": "not_from_abroad", "text": "境外无法拨打"}]})
    abroad = fields.Nested(AbroadSchema, allow_none=True, metadata={
        "description": "The enterprise's number to call instead from abroad, when this one "
                       "cannot be and the listing has a line for it (purpose `abroad`, or a "
                       "label saying so, such as 信用卡境外拨打); else null.", "example": None})


class MenuEntrySchema(Schema):
    intent = fields.String(metadata={"description": "What the menu option is for.",
                                     "example": "信用卡挂失"})
    keys = fields.String(metadata={"description": "Key steps, comma-separated, pressed in "
                                   "order.", "example": "2,1"})
    link = fields.Nested(LinkSchema, allow_none=True, metadata={
        "description": "A link that dials and presses the keys (or lists them as `steps`); "
                       "null for an outbound-only channel.",
        "example": {"uri": "tel:95588,,2,,1", "platform": "any", "role": "primary",
                    "steps": None, "label": "信用卡挂失"}})
    source = fields.String(allow_none=True, metadata={
        "description": "Who gave the way to a person: `community` when consumers' tips "
                       "confirmed it (GET /v1/channels/{channel_id}/tips), null when it comes "
                       "from the channel's `source` or its enterprise; always null on menu "
                       "entries.", "example": None})


class StatusSchema(Schema):
    open_now = fields.Boolean(allow_none=True, metadata={
        "description": "Open at the instant asked (`at`, default now); null when the hours "
                       "are unknown.", "example": True})
    next_open = fields.DateTime(allow_none=True, metadata={
        "description": "When it next opens (in the channel's time zone); null when open now, "
                       "unknown, or not within a year.", "example": None})
    next_close = fields.DateTime(allow_none=True, metadata={
        "description": "When the current opening ends; null when closed, unknown or never "
                       "closing.", "example": "2026-11-24T18:00:00+08:00"})


class LiveSchema(Schema):
    state = fields.String(validate=validate.OneOf(LIVE_STATES), metadata={
        "description": "`open`, `closed` or `incident` (open, but in trouble: see `message`).",
        "example": "open"})
    wait_minutes = fields.Integer(allow_none=True, metadata={
        "description": "The enterprise's estimate of the wait now, in minutes; null when it "
                       "gives none.", "example": 12})
    message = fields.String(allow_none=True, metadata={
        "description": "What the enterprise says about the channel now.",
        "example": "来电较多，建议使用在线客服。"})
    expires_at = fields.DateTime(metadata={"description": "When this status stops counting.",
                                           "example": "2026-12-02T12:00:00+00:00"})
    updated_at = fields.DateTime(metadata={"description": "When the enterprise set it.",
                                           "example": "2026-12-02T10:00:00+00:00"})


class ExpectedWaitSchema(Schema):
    basis = fields.String(validate=validate.OneOf(("live", "reported", "unknown")), metadata={
        "description": "What the estimate rests on: `live` (the enterprise's live status, while "
                       "fresh: it beats reports), `reported` (consumers' reports), `unknown` "
                       "(neither).", "example": "reported"})
    minutes = fields.Integer(allow_none=True, metadata={
        "description": "The wait to expect in minutes (the median of reports, or the live "
                       "estimate); null when unknown.", "example": 8})
    p90_minutes = fields.Integer(allow_none=True, metadata={
        "description": "Nine in ten reports waited at most this long; null unless `reported`.",
        "example": 25})
    sample_size = fields.Integer(metadata={
        "description": "How many reports the estimate rests on (0 unless `reported`; one per "
                       "account, channel and week counts).", "example": 42})
    small_sample = fields.Boolean(metadata={
        "description": "True when the reports come from fewer than 10 distinct accounts: take "
                       "the figures with care.", "example": False})
    hour_of_week = fields.Integer(allow_none=True, metadata={
        "description": "The hour of week (0 = Monday 00:00, 167 = Sunday 23:00, channel's time "
                       "zone) the reports are from; null when from all hours (an hour with "
                       "reports from fewer than 5 accounts falls back to all hours).",
        "example": 57})
    reached_person_share = fields.Float(allow_none=True, metadata={
        "description": "Share of those reports that reached a person (0-1); null unless "
                       "`reported`.", "example": 0.81})


class ReviewSchema(Schema):
    status = fields.String(validate=validate.OneOf(REVIEW_STATUSES), metadata={
        "description": "`checked`: c800 vouches for this value (`/v1/lookup` calls it official); "
                       "`pending`: the enterprise added or changed it and no c800 administrator "
                       "has checked it yet (lookup does not call it official); `rejected` (only "
                       "in the enterprise's own view): an administrator refused it.",
        "example": "checked"})
    checked_by = fields.String(allow_none=True, validate=validate.OneOf(CHECKERS), metadata={
        "description": "Who checked it: `source` (the data set it comes from, see `source`) or "
                       "`admin` (a c800 administrator); null while not checked.",
        "example": "source"})
    checked_at = fields.DateTime(allow_none=True, metadata={
        "description": "When it was checked; null while not checked.",
        "example": "2026-11-23T10:00:00+00:00"})


class ReachabilitySchema(Schema):
    code = fields.String(validate=validate.OneOf(["blocked_in_mainland_china"]), metadata={
        "description": "`blocked_in_mainland_china`: the channel is on a platform most users in "
                       "mainland China cannot open without a VPN (the list and its sources: "
                       "directory/data/unreachable_platforms.json).",
        "example": "blocked_in_mainland_china"})
    platform = fields.String(metadata={"description": "The platform's key (`x`, `facebook`, "
                                       "`instagram`, `youtube`, `whatsapp`, `line`, `google`, "
                                       "`telegram`).", "example": "x"})
    text = fields.String(metadata={"description": "The hint in the answer's language.",
                                   "example": "多数中国大陆用户无法直接打开 X (Twitter)"})


REACHABILITY_EXAMPLE = {"code": "blocked_in_mainland_china", "platform": "x",
                        "text": "多数中国大陆用户无法直接打开 X (Twitter)"}
REVIEW_EXAMPLE = {"status": "checked", "checked_by": "source", "checked_at": "2026-11-23T10:00:00+00:00"}
LINK_EXAMPLE = {"uri": "tel:95588", "platform": "any", "role": "primary", "steps": None,
                "label": None}
CHANNEL_EXAMPLE = {
    "id": "ch_1b2f0c8e9a7d6c5b", "kind": "phone", "value": "95588", "display": "95588",
    "label": None, "purpose": None, "regions": [], "languages": [], "direction": "contact",
    "hours": None, "hours_text": None, "source": "vcards:data/金融银行/中国工商银行.yaml",
    "verified_at": None, "retrieved": "2026-08-21", "platform": None,
    "reaches_person": None, "status": {"open_now": None, "next_open": None, "next_close": None},
    "phone": {"type": "service_95", "toll_free": False, "callable_from_mobile": True,
              "callable_from_abroad": False, "international": None,
              "hints": [{"code": "not_from_abroad", "text": "境外无法拨打"}], "abroad": None},
    "menu": [], "to_person": None, "accepts_callbacks": False, "live": None, "review": REVIEW_EXAMPLE,
    "reachability": None,
    "expected_wait": {"basis": "reported", "minutes": 8, "p90_minutes": 25, "sample_size": 42,
                      "small_sample": False, "hour_of_week": 57, "reached_person_share": 0.81},
    "links": [LINK_EXAMPLE],
}


class ChannelSchema(Schema):
    id = fields.String(metadata={"description": "Opaque channel id.",
                                 "example": "ch_1b2f0c8e9a7d6c5b"})
    kind = fields.String(validate=validate.OneOf(CHANNEL_KINDS), metadata={
        "description": "What the channel is: " + ", ".join(CHANNEL_KINDS) + ".",
        "example": "phone"})
    value = fields.String(metadata={
        "description": "The address: digits for phone and sms (`+` and country code for "
                       "numbers abroad), an e-mail address, a URL or a WeChat id.",
        "example": "95588"})
    display = fields.String(metadata={"description": "The value formatted for people.",
                                      "example": "95588"})
    label = fields.String(allow_none=True, metadata={
        "description": "What the source calls this channel; null when it says nothing.",
        "example": "信用卡客服热线"})
    purpose = fields.String(allow_none=True, metadata={
        "description": "What the channel is for: the purpose its enterprise set or, in the "
                       "bundled data, one read from its label (`customer_service`, "
                       "`credit_card`, `broadband`, `abroad`, `points_shop`, `voicemail`, "
                       "`value_added`, "
                       "`ring_back_tone`, `vip`, ...); null when unknown. Secondary lines "
                       "(voicemail, points shop, value-added, ring-back tone, abroad) are "
                       "listed after the lines a person means to call.",
        "example": "credit_card"})
    regions = fields.List(fields.String(), metadata={
        "description": "Regions the channel serves (GB/T 2260 codes, CN); empty means "
                       "national / no restriction known.", "example": []})
    languages = fields.List(fields.String(), metadata={
        "description": "BCP 47 languages spoken on the channel; empty when unknown.",
        "example": ["zh", "en"]})
    direction = fields.String(validate=validate.OneOf(DIRECTIONS), metadata={
        "description": "`contact` for a way to reach the company; `outbound_only` for a "
                       "sender the company only uses to reach people (106… SMS numbers, "
                       "no-reply addresses): recognisable, but not a way in, so it has no links.",
        "example": "contact"})
    hours = fields.Dict(allow_none=True, metadata={
        "description": "Opening hours as stored: `{\"timezone\", \"always_open\": true}` or "
                       "`{\"timezone\", \"weekly\": {\"mon\": [{\"open\", \"close\"}], ...}}`, "
                       "optionally with `public_holidays` and dated `exceptions`; null when "
                       "unknown (unknown is not \"always open\").", "example": None})
    hours_text = fields.String(allow_none=True, metadata={
        "description": "The weekly hours as a line in the answer's language (Accept-Language): "
                       "days with the same intervals joined, public holidays and a time zone "
                       "other than Beijing time said (dated exceptions are not: see `status`); "
                       "null when the hours are unknown.",
        "example": "周一至周五 09:00–18:00；周六 10:00–16:00，法定节假日休息"})
    status = fields.Nested(StatusSchema, metadata={
        "description": "Open now (or at `at`), and when that changes.",
        "example": {"open_now": None, "next_open": None, "next_close": None}})
    reaches_person = fields.Boolean(allow_none=True, metadata={
        "description": "Whether the channel reaches a human (true), only a machine (false); "
                       "null when unknown. True when the phone menu has a `to_person` "
                       "shortcut.", "example": None})
    phone = fields.Nested(PhoneSchema, allow_none=True, metadata={
        "description": "What kind of number this is and what to know before dialling; null "
                       "for channels that are not phone numbers.",
        "example": CHANNEL_EXAMPLE["phone"]})
    menu = fields.List(fields.Nested(MenuEntrySchema), metadata={
        "description": "The phone menu: what each key sequence is for, with a link that "
                       "dials it.", "example": []})
    to_person = fields.Nested(MenuEntrySchema, allow_none=True, metadata={
        "description": "The key sequence that reaches a person, with its link; null when "
                       "unknown.", "example": None})
    source = fields.String(allow_none=True, metadata={
        "description": "Where this channel comes from: a data set and its record, `enterprise` "
                       "(the enterprise entered it itself) or `admin` (a c800 administrator). "
                       "Never names a person.",
        "example": "vcards:data/金融银行/中国工商银行.yaml"})
    retrieved = fields.String(allow_none=True, metadata={
        "description": "The ISO date the channel's source was read (a data set's commit or "
                       "release date); null for channels entered through c800.",
        "example": "2026-08-21"})
    platform = fields.String(allow_none=True, validate=validate.OneOf(SOCIAL_PLATFORMS), metadata={
        "description": "For a social channel, its platform: " + ", ".join(SOCIAL_PLATFORMS)
                       + "; null for other kinds.", "example": None})
    review = fields.Nested(ReviewSchema, metadata={
        "description": "Whether c800 has checked the channel's kind and value, by whom and when. "
                       "A `pending` value is shown as the enterprise gave it, but is not "
                       "official until a c800 administrator checks it.",
        "example": REVIEW_EXAMPLE})
    verified_at = fields.DateTime(allow_none=True, metadata={
        "description": "When the channel was last checked; null when never.", "example": None})
    links = fields.List(fields.Nested(LinkSchema), metadata={
        "description": "Links that open the channel on the asked `platform`, best first, "
                       "with web fallbacks where one exists. The consumer's `topic` is carried "
                       "where the channel takes one (mail subject, SMS body, WeCom "
                       "`scene_param`, a webchat parameter the listing declares).",
        "example": [LINK_EXAMPLE]})
    accepts_callbacks = fields.Boolean(metadata={
        "description": "The enterprise takes callback requests on this channel "
                       "(POST /v1/channels/{channel_id}/callbacks).", "example": False})
    live = fields.Nested(LiveSchema, allow_none=True, metadata={
        "description": "The enterprise's live status of the channel while fresh; null when it "
                       "published none or it expired.", "example": None})
    reachability = fields.Nested(ReachabilitySchema, allow_none=True, metadata={
        "description": "Why many readers may not be able to open the channel (a platform most "
                       "users in mainland China cannot open); null when nothing is known "
                       "against it. For zh-Hans answers (Accept-Language) such channels come "
                       "after every other way in.", "example": REACHABILITY_EXAMPLE})
    tips = fields.Integer(allow_none=True, metadata={
        "description": "How many consumers' tips on reaching a person the phone channel has "
                       "(GET /v1/channels/{channel_id}/tips); null on other kinds and in "
                       "search results.", "example": 2})
    expected_wait = fields.Nested(ExpectedWaitSchema, metadata={
        "description": "The wait to expect at `at` and what the estimate rests on.",
        "example": CHANNEL_EXAMPLE["expected_wait"]})


# A channel as its enterprise writes and reads it

HOURS_EXAMPLE = {"timezone": "Asia/Shanghai", "weekly": {
    day: [{"open": "09:00", "close": "18:00"}] for day in ("mon", "tue", "wed", "thu", "fri")},
    "public_holidays": "closed"}
MENU_EXAMPLE = [{"intent": "信用卡挂失", "keys": "2,1"}]


class MenuOptionSchema(Schema):
    intent = fields.String(metadata={"description": "What the option is for.", "example": "信用卡挂失"})
    keys = fields.String(metadata={"description": "Key steps separated by commas.", "example": "2,1"})


class ChannelWriteSchema(Schema):
    """A channel as an owner writes it (the import's rules; provenance is set by the system)."""

    kind = fields.String(validate=validate.OneOf(CHANNEL_KINDS), metadata={
        "description": "The kind of channel.", "example": "phone"})
    value = fields.String(metadata={
        "description": "Number (digits, + for abroad), address, URL or WeChat id, by kind.",
        "example": "95588"})
    label = fields.String(allow_none=True, metadata={"description": "Short label.",
                                                     "example": "客服热线"})
    purpose = fields.String(allow_none=True, metadata={"description": "What it is for.",
                                                       "example": "信用卡"})
    regions = fields.List(fields.String(), metadata={
        "description": "Regions the channel serves; empty for everywhere the listing serves.",
        "example": []})
    languages = fields.List(fields.String(), metadata={"description": "BCP 47 language tags.",
                                                       "example": ["zh", "en"]})
    hours = fields.Dict(allow_none=True, metadata={
        "description": "Opening hours: `timezone` with `always_open`, or `weekly` intervals per "
                       "day (`mon`..`sun`), `public_holidays` (`open`/`closed`), dated "
                       "`exceptions`; null when unknown.", "example": HOURS_EXAMPLE})
    direction = fields.String(validate=validate.OneOf(DIRECTIONS), metadata={
        "description": "`contact`, or `outbound_only` for numbers that only send or call out.",
        "example": "contact"})
    menu = fields.List(fields.Nested(MenuOptionSchema), metadata={
        "description": "The phone menu: which keys reach what.", "example": MENU_EXAMPLE})
    to_person = fields.String(allow_none=True, metadata={
        "description": "Key steps that reach a person.", "example": "0"})
    reaches_person = fields.Boolean(allow_none=True, metadata={
        "description": "Whether a human answers.", "example": True})
    topic_param = fields.String(allow_none=True, metadata={
        "description": "Query parameter of a webchat/web form/video URL that takes the topic.",
        "example": "q"})
    accepts_callbacks = fields.Boolean(metadata={
        "description": "You take callback requests on this channel (phone and callback "
                       "channels): consumers ask with POST /v1/channels/{channel_id}/callbacks, "
                       "you handle them under /v1/manage/.../callbacks.", "example": False})
    hidden = fields.Boolean(metadata={"description": "Hidden from the public (reversible).",
                                      "example": False})


class ManagedReviewSchema(Schema):
    status = fields.String(validate=validate.OneOf(REVIEW_STATUSES), metadata={
        "description": "`checked`: c800 vouches for `kind` and `value`; `pending`: your change "
                       "waits for a c800 administrator (shown on the listing, marked unchecked; "
                       "lookup keeps vouching for `checked_value`); `rejected`: an administrator "
                       "refused it and the channel was hidden (showing it again asks again).",
        "example": "pending"})
    checked_by = fields.String(allow_none=True, validate=validate.OneOf(CHECKERS), metadata={
        "description": "Who checked `checked_value`: `source` (a data set) or `admin`.",
        "example": "source"})
    checked_at = fields.String(allow_none=True, metadata={
        "description": "When (RFC 3339); null when never checked.", "example": "2026-11-23T10:00:00+00:00"})
    checked_kind = fields.String(allow_none=True, metadata={
        "description": "The kind of the checked value.", "example": "phone"})
    checked_value = fields.String(allow_none=True, metadata={
        "description": "The value lookup vouches for (the last checked one); null when none was "
                       "ever checked.", "example": "95588"})


class ManagedChannelSchema(ChannelWriteSchema):
    id = fields.String(metadata={"description": "Opaque channel id.", "example": "ch_5dd08e23240d7f37"})
    review = fields.Nested(ManagedReviewSchema, metadata={
        "description": "The review of the channel's kind and value (set by the system).",
        "example": {"status": "checked", "checked_by": "source", "checked_at": None,
                    "checked_kind": "phone", "checked_value": "95588"}})
    source = fields.String(allow_none=True, metadata={
        "description": "Provenance, set by the system.", "example": "self-service:usr_0f3c9a7e1b2d4c5a"})
    verified_at = fields.String(allow_none=True, metadata={
        "description": "When the c800 team last verified it; cleared when its number or "
                       "address changes.", "example": None})
