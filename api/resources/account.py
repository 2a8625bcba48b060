"""The account a person owns (/v1/me): delete it (注销), take its data (PIPL access and
portability), move it to another address. The use cases are ``directory.account_data``' and
``directory.signup``'."""

from __future__ import annotations

from flask import Response, g, request
from flask.views import MethodView
from flask_smorest import abort

from api.oauth.account_pages import link_for
from api.oauth.protect import require_scope
from api.oauth.throttle import signin_failed, signin_succeeded, signin_wait
from api.resources.common import ACCOUNTS
from api.schemas.account import DeleteAccountSchema, EmailChangeAnswerSchema, EmailChangeSchema, ExportSchema
from api.smorest import RATE_LIMIT_HEADERS, RETRY_AFTER, Blueprint, NoQuerySchema
from api.state import app_state, db_session
from api.writes import json_body_doc, load_body, no_store, protected_doc
from directory.account_data import delete_account, export_account
from directory.errors import NotAllowed
from directory.signup import request_email_change

blp = Blueprint("account", __name__, url_prefix="/v1", tag=ACCOUNTS)


def _password_checked(check) -> None:  # noqa: ANN001 - a callable raising NotAllowed
    """Run *check* (which verifies the body's password), throttled as sign-in is: wrong
    passwords per account and address back off (429 with Retry-After)."""
    email = g.current_user.email
    wait = signin_wait(email)
    if wait is not None:
        abort(429, message=f"Too many wrong passwords; retry after {wait} seconds.",
              headers={"Retry-After": str(wait)})
    try:
        check()
    except NotAllowed as exc:
        if exc.field == "password" and request.get_data():
            signin_failed(email)
        raise
    signin_succeeded(email)


@blp.route("/me")
class Account(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(204, description="The account and everything that referred to it are gone; "
                                   "every token of it is void.",
                  headers=RATE_LIMIT_HEADERS)
    @blp.doc(requestBody={"required": False, "content": {"application/json": {
        "schema": DeleteAccountSchema, "example": {"password": "correct horse battery staple"}}}})
    @protected_doc(blp, not_found="Never: you exist.",
                   conflict="You are the last owner of a listing: make another member an owner first.")
    @blp.alt_response(429, description="Too many wrong passwords: wait `Retry-After` seconds.",
                      headers={"Retry-After": RETRY_AFTER})
    @require_scope("me")
    def delete(self, _args):
        """Delete your account (注销)

        Removes your follows, devices, contacts (handoffs), callback requests, experiences,
        memberships, claims, sessions, tokens and clients, then the account; what your
        experiences added to the public figures stays only as anonymous counts. Needs a token
        from your own sign-in (not a client acting for you) and proof that it is you: your
        password in the body, or a sign-in less than 10 minutes old. Refused (409) while you
        are the last owner of a listing.
        """
        body = load_body(DeleteAccountSchema) if request.get_data() else {}
        token = g.oauth_token
        user = g.current_user
        _password_checked(lambda: delete_account(
            db_session(), user, user_grant=token.user_id == user.id,
            password=body.get("password"), family=token.family))
        return Response(status=204)


@blp.route("/me/export")
class Export(MethodView):
    @blp.arguments(NoQuerySchema, location="query")
    @blp.response(200, ExportSchema, headers=RATE_LIMIT_HEADERS)
    @protected_doc(blp, not_found="Never: you exist.")
    @require_scope("me")
    def get(self, _args):
        """Your data, all of it (PIPL access and portability)

        Your profile and, per table that holds rows of yours, those rows as JSON: follows,
        contacts (handoffs), callback requests, experiences, memberships, claims, reports,
        browser sessions, tokens and clients. Never a password, secret or token (nor their
        digests).
        """
        return no_store(export_account(db_session(), g.current_user))


@blp.route("/me/email")
class Email(MethodView):
    @blp.response(202, EmailChangeAnswerSchema, headers=RATE_LIMIT_HEADERS)
    @blp.doc(**json_body_doc(EmailChangeSchema, {"email": "ada.lovelace@example.org",
                                                 "password": "correct horse battery staple"}))
    @protected_doc(blp, not_found="Never: you exist.")
    @blp.alt_response(429, description="Too many wrong passwords: wait `Retry-After` seconds.",
                      headers={"Retry-After": RETRY_AFTER})
    @blp.alt_response(503, description="The mail could not be sent; retry after `Retry-After`.")
    @require_scope("me")
    def post(self):
        """Change your e-mail address

        Mails a single-use link (24 hours) to the new address; opening it moves the account
        there. The current address is told now and when the change is done. Your password
        confirms it is you.
        """
        body = load_body(EmailChangeSchema)
        user = g.current_user
        _password_checked(lambda: request_email_change(
            db_session(), user, body["email"], body["password"], mailer=app_state().mailer,
            link_for=link_for))
        return no_store(EmailChangeAnswerSchema().dump({"status": "mailed"}), 202)
