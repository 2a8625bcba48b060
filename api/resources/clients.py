"""Your API clients (``/v1/me/clients``): a signed-in person registers client-credentials
clients for their own programs, reads their usage, rotates their secrets and deletes them.
The rules (how many, which names, the secret's grace period) are ``directory.client_registry``'s."""

from __future__ import annotations

from flask import g, make_response, url_for
from flask.views import MethodView

from api.oauth.protect import require_scope
from api.presenters.clients import client_dump, new_client_dump
from api.problems import invalid_input_detail
from api.resources.common import ACCOUNTS
from api.schemas.clients import (
    CLIENT_ID,
    ClientCreateSchema,
    ClientListSchema,
    ClientSchema,
    NewClientSchema,
)
from api.smorest import RATE_LIMIT_HEADERS, Blueprint, NoQuerySchema, path_parameter
from api.state import db_session
from api.writes import json_body_doc, load_body, no_store, protected_doc
from directory.client_registry import (
    MAX_CLIENTS_PER_PERSON,
    client_of,
    clients_of,
    delete_client,
    register_client,
    rotate_secret,
)

blp = Blueprint("clients", __name__, url_prefix="/v1/me/clients", tag=ACCOUNTS)

CLIENT = path_parameter("client_id", "Your client's id.", CLIENT_ID)
NOT_YOURS = "You have no client with this id."
INVALID = "The body is not valid; nothing was changed."


@blp.route("")
class Clients(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, ClientListSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never.")
    @require_scope("me")
    def get(self, _args):
        """Your API clients

        The clients you registered, oldest first, each with its requests today and its limit.
        Secrets are never shown again.
        """
        clients = clients_of(db_session(), g.current_user)
        return no_store(ClientListSchema().dump({"items": [client_dump(c) for c in clients],
                                                 "max_clients": MAX_CLIENTS_PER_PERSON}))

    @blp.response(201, NewClientSchema, headers={**RATE_LIMIT_HEADERS, "Location": {
        "description": "The client.", "schema": {"type": "string"},
        "example": f"/v1/me/clients/{CLIENT_ID}"}})
    @blp.doc(**json_body_doc(ClientCreateSchema, {"name": "Alpha 数据看板"}))
    @protected_doc(blp, not_found="Never.",
                   conflict=f"You have {MAX_CLIENTS_PER_PERSON} clients already.")
    @require_scope("me")
    @invalid_input_detail(INVALID)
    def post(self):
        """Register an API client

        A confidential client for the client credentials grant (`POST /oauth/token` with
        HTTP Basic), with the scope `directory:read`; a c800 administrator may grant more.
        The secret is in this answer only. At most five clients a person; each counts its
        requests against its own rate limit.
        """
        body = load_body(ClientCreateSchema)
        client, secret = register_client(db_session(), g.current_user, body["name"])
        response = no_store(NewClientSchema().dump(new_client_dump(client, secret)), 201)
        response.headers["Location"] = url_for("clients.ClientOne", client_id=client.client_id)
        return response


@blp.route("/<string:client_id>", parameters=[CLIENT])
class ClientOne(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, ClientSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found=NOT_YOURS)
    @require_scope("me")
    def get(self, _args, client_id: str):
        """One of your API clients

        With its requests today and its limit, and until when a rotated secret still works.
        """
        return no_store(ClientSchema().dump(client_dump(
            client_of(db_session(), g.current_user, client_id))))

    @blp.response(204, description="Deleted; its tokens stop working at once.",
                  headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found=NOT_YOURS)
    @require_scope("me")
    def delete(self, client_id: str):
        """Delete an API client

        Its secret and every token it holds stop working at once.
        """
        delete_client(db_session(), g.current_user, client_id)
        return make_response("", 204)


@blp.route("/<string:client_id>/secret", parameters=[CLIENT])
class ClientSecret(MethodView):
    @blp.response(200, NewClientSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found=NOT_YOURS)
    @require_scope("me")
    def post(self, client_id: str):
        """Rotate an API client's secret

        A new secret, in this answer only. The one it replaces keeps working for 24 hours
        (`previous_secret_until`), so that your programs can change over; then only the new
        one does. Rotating again within those 24 hours ends the oldest at once.
        """
        client, secret = rotate_secret(db_session(), g.current_user, client_id)
        return no_store(NewClientSchema().dump(new_client_dump(client, secret)))
