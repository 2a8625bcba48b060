"""The schemas of devices: where a person's notifications are pushed."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.schemas.common import page_of
from directory.devices import PLATFORMS
from directory.models import LANGUAGES

P256DH_EXAMPLE = ("BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8Q"
                  "cYP7DkM")
AUTH_EXAMPLE = "tBHItJI5svbpez7KI4CCXg"
ENDPOINT_EXAMPLE = "https://fcm.googleapis.com/fcm/send/dpH5lCsTSSM:APA91bHqjZxM0VImWWqDRN7U0a3AycjUf4"


class SubscriptionKeysSchema(Schema):
    p256dh = fields.String(required=True, validate=validate.Length(1, 128), metadata={
        "description": "The browser's P-256 public key (URL-safe base64 of its 65-byte point), "
                       "which payloads are encrypted for (RFC 8291).", "example": P256DH_EXAMPLE})
    auth = fields.String(required=True, validate=validate.Length(1, 64), metadata={
        "description": "The subscription's 16-byte authentication secret, URL-safe base64.",
        "example": AUTH_EXAMPLE})


class SubscriptionSchema(Schema):
    endpoint = fields.String(required=True, validate=validate.Length(1, 2048), metadata={
        "description": "The push service's https URL for this browser (RFC 8030); its host "
                       "must resolve to public addresses.", "example": ENDPOINT_EXAMPLE})
    keys = fields.Nested(SubscriptionKeysSchema, required=True, metadata={
        "description": "The keys of `PushSubscription.toJSON()`.",
        "example": {"p256dh": P256DH_EXAMPLE, "auth": AUTH_EXAMPLE}})
    expirationTime = fields.Integer(allow_none=True, load_only=True, metadata={  # noqa: N815
        "description": "As the browser gives it; ignored.", "example": None})


class DeviceWriteSchema(Schema):
    platform = fields.String(required=True, validate=validate.OneOf(PLATFORMS), metadata={
        "description": "`web` (a Web Push subscription), `ios` (APNs) or `android` (FCM).",
        "example": "web"})
    token = fields.String(validate=validate.Length(1, 2048), metadata={
        "description": "ios: the APNs device token (hex); android: the FCM registration token. "
                       "Not sent by web devices.",
        "example": "740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad"})
    subscription = fields.Nested(SubscriptionSchema, metadata={
        "description": "web: the browser's push subscription (`PushSubscription.toJSON()`).",
        "example": {"endpoint": ENDPOINT_EXAMPLE,
                    "keys": {"p256dh": P256DH_EXAMPLE, "auth": AUTH_EXAMPLE}}})
    language = fields.String(load_default="zh-Hans", validate=validate.OneOf(LANGUAGES), metadata={
        "description": "The language notifications are written in on this device.",
        "example": "zh-Hans"})


class DeviceSchema(Schema):
    id = fields.String(metadata={"description": "The id your app chose for the device.",
                                 "example": "iphone-7f3a"})
    platform = fields.String(metadata={"description": "`web`, `ios` or `android`.", "example": "ios"})
    language = fields.String(metadata={"description": "Language of its notifications.",
                                       "example": "zh-Hans"})
    token_end = fields.String(metadata={
        "description": "The last 8 characters of its token or endpoint, to tell devices apart "
                       "(the whole is never shown again).", "example": "61bb78ad"})
    created_at = fields.DateTime(metadata={"description": "First registered.",
                                           "example": "2026-12-02T09:00:00+00:00"})
    updated_at = fields.DateTime(metadata={"description": "Last registered.",
                                           "example": "2026-12-07T09:00:00+00:00"})


DeviceListSchema = page_of("DeviceList", DeviceSchema, "Your devices, the latest registered first.")
