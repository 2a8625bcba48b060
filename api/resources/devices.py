"""Devices: where a person's notifications are pushed (/v1/me/devices). The use cases are
``directory.devices``'."""

from __future__ import annotations

from flask import g, make_response
from flask.views import MethodView

from api.oauth.protect import require_scope
from api.pagination import listing_answer
from api.presenters.devices import device_dump
from api.problems import invalid_input_detail
from api.resources.common import CONSUMERS
from api.schemas.common import PageArgsSchema
from api.schemas.devices import DeviceListSchema, DeviceSchema, DeviceWriteSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema, path_parameter
from api.state import app_state, db_session
from api.writes import json_body_doc, load_body, no_store, protected_doc
from directory.devices import INVALID, DeviceInput, my_device, my_devices, put_device, remove_device

blp = Blueprint("devices", __name__, url_prefix="/v1", tag=CONSUMERS)

DEVICE = path_parameter("device_id", "The id your app chose for the device: 1-64 letters, "
                        "digits, '.', '_', '~' or '-'.", "iphone-7f3a")


@blp.route("/me/devices")
class Devices(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, DeviceListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def get(self, args):
        """Your devices

        The latest registered first; tokens are never shown whole.
        """
        return listing_answer(my_devices(g.current_user), args, device_dump, DeviceListSchema)


@blp.route("/me/devices/<string:device_id>", parameters=[DEVICE])
class DeviceOne(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, DeviceSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="You have no device with this id.")
    @require_scope("me")
    def get(self, _args, device_id: str):
        """One of your devices

        Its platform, language and the end of its token; 404 when you have no device of this id.
        """
        return no_store(DeviceSchema().dump(device_dump(my_device(db_session(), g.current_user,
                                                                  device_id))))

    @blp.response(200, DeviceSchema, headers=RATE_LIMIT_HEADERS)
    @blp.alt_response(201, schema=DeviceSchema, description="Registered.", headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(DeviceWriteSchema, {"platform": "ios", "language": "zh-Hans",
                                                 "token": "740f4707bebcf74f9b7c25d48e3358945f6aa01"
                                                          "da5ddb387462c7eaf61bb78ad"}))
    @protected_doc(blp, not_found="The device id is not 1-64 letters, digits, '.', '_', '~' or '-'.",
                   conflict="You have 20 devices already.")
    @require_scope("me")
    @invalid_input_detail(INVALID)
    def put(self, device_id: str):
        """Register a device

        Your notifications are pushed to it from now on, in its `language`: a browser sends its
        Web Push subscription (an https endpoint whose host resolves to public addresses, and
        its keys), an iPhone its APNs token, an Android phone its FCM token. Idempotent: 201
        when new, 200 when it replaced the device of this id. A token or subscription belongs to
        one device: registering it again takes it from the device (or account) that had it. At
        most 20 devices.
        """
        body = load_body(DeviceWriteSchema)
        subscription = body.get("subscription") or {}
        data = DeviceInput(platform=body["platform"], language=body["language"],
                           token=body.get("token"), endpoint=subscription.get("endpoint"),
                           p256dh=subscription.get("keys", {}).get("p256dh"),
                           auth=subscription.get("keys", {}).get("auth"))
        device, new = put_device(db_session(), g.current_user, device_id, data,
                                 app_state().webhook_settings)
        return no_store(DeviceSchema().dump(device_dump(device)), 201 if new else 200)

    @blp.response(204, description="Not registered (any more).", headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def delete(self, device_id: str):
        """Remove a device

        Nothing more is pushed to it. 204 whether or not it was registered, so a retry is
        harmless.
        """
        remove_device(db_session(), g.current_user, device_id)
        return make_response("", 204)
