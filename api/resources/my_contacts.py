"""Your contacts (/v1/me/contacts): what you opened recently, to forget one or all. The use
cases are ``directory.my_contacts``'."""

from __future__ import annotations

from flask import Response, g
from flask.views import MethodView

from api.oauth.protect import require_scope
from api.pagination import listing_answer
from api.presenters.my_contacts import my_contact_dump
from api.resources.common import CONSUMERS
from api.schemas.common import PageArgsSchema
from api.schemas.my_contacts import MyContactListSchema
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema, path_parameter
from api.state import db_session
from api.writes import protected_doc
from directory.my_contacts import forget_contact, forget_contacts, my_contacts

blp = Blueprint("my_contacts", __name__, url_prefix="/v1", tag=CONSUMERS)

CONTACT = path_parameter("contact_id", "Opaque id of one of your contacts.", "hof_5f2a9c0e1b7d4e3a")


@blp.route("/me/contacts")
class MyContacts(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, MyContactListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def get(self, args):
        """Your contacts

        What you opened recently through c800 (`POST /v1/enterprises/{id}/contacts`), newest
        first. What you shared is erased after 24 hours; the contact stays until you forget it.
        """
        return listing_answer(my_contacts(g.current_user), args, my_contact_dump, MyContactListSchema)

    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(204, description="All your contacts are forgotten (the enterprises can no "
                                   "longer read what you shared).",
                  headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def delete(self, _args):
        """Forget all your contacts

        Deletes every contact you made, with what you shared: the enterprises can no longer
        read those handoffs by token or code.
        """
        forget_contacts(db_session(), g.current_user)
        return Response(status=204)


@blp.route("/me/contacts/<string:contact_id>", parameters=[CONTACT])
class MyContact(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(204, description="Forgotten (the enterprise can no longer read what you shared).",
                  headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="You have no contact with this id.")
    @require_scope("me")
    def delete(self, _args, contact_id: str):
        """Forget one of your contacts

        Deletes it, with what you shared: the enterprise can no longer read the handoff.
        """
        forget_contact(db_session(), g.current_user, contact_id)
        return Response(status=204)
