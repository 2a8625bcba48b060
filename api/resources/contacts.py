"""Contacts: a consumer contacts an enterprise with context that travels (a handoff), and the
enterprise's keepers read the handoff by its token or short code. The use cases are
``directory.contacts``'."""

from __future__ import annotations

from flask import g, url_for
from flask.views import MethodView

from api.http import preferred_language
from api.idempotency import idempotent
from api.oauth.protect import require_scope
from api.presenters.contacts import contact_dump, handoff_dump
from api.resources.common import CONSUMERS, SERVICE
from api.schemas.contacts import ContactCreateSchema, ContactSchema, HandoffSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema, path_parameter
from api.state import db_session
from api.writes import json_body_doc, load_body, no_store, protected_doc
from directory.contacts import contact_enterprise, read_handoff

blp = Blueprint("contacts", __name__, url_prefix="/v1", tag=CONSUMERS)

ENTERPRISE = path_parameter("enterprise_id", "Opaque id of the enterprise.", "ent_9f7532f6acdd")
HANDOFF = path_parameter("token", "The handoff's token (`hof_...`, from the link) or its short "
                         "code (`K7Q4-XPM2`, read out by the consumer).", "K7Q4-XPM2")


def handoff_url(code: str) -> str:
    """Where the enterprise's keepers read a handoff (a webhook tells them)."""
    return url_for("contacts.HandoffRead", token=code)


@blp.route("/enterprises/<string:enterprise_id>/contacts", parameters=[ENTERPRISE])
class Contacts(MethodView):
    @blp.response(201, ContactSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(ContactCreateSchema, {
        "channel_id": "ch_5dd08e23240d7f37", "topic": "航班取消改签",
        "details": {"reference": "CA1234-PNR-ABC123"}, "platform": "ios"}))
    @protected_doc(blp, idempotent=True, not_found="No listed enterprise has this id.")
    @require_scope("me")
    @idempotent
    def post(self, enterprise_id: str):
        """Contact an enterprise, with context that travels

        Gives the channel's links carrying your topic and a handoff — what you chose to share
        — so the agent need not ask again: web pages and WeCom links carry its token, mail,
        SMS and WhatsApp its short code; on a call, read the code out. Only the enterprise
        reads it, for 24 hours. Counts as an open of the channel in the enterprise's insights.
        """
        body = load_body(ContactCreateSchema)
        contact = contact_enterprise(db_session(), g.current_user, enterprise_id, **body,
                                     read_at=handoff_url)
        return no_store(ContactSchema().dump(contact_dump(contact, preferred_language())), 201)


@blp.route("/manage/handoffs/<string:token>", parameters=[HANDOFF], tags=[SERVICE.name])
class HandoffRead(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, HandoffSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="No handoff of a listing you keep has this token or code.")
    @blp.alt_response(410, description="The handoff expired (24 hours) and was erased.")
    @require_scope("listings:write")
    def get(self, _args, token: str):
        """Read a handoff

        What the consumer chose to share before contacting you, so the agent need not ask
        again. Only the enterprise of the listing can read it, for 24 hours.
        """
        handoff, first_read_at = read_handoff(db_session(), g.current_user, token)
        return no_store(HandoffSchema().dump(handoff_dump(handoff, first_read_at)))
