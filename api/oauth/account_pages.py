"""Hosted pages for people's own accounts, reached from the sign-in page of an authorization:
sign-up, a forgotten password, and the pages the mailed links open (zh-Hans and en).

- ``/oauth/signup?<the authorization's query>``: e-mail and password; the verification link
  mailed (``directory/signup.py``) brings the browser, signed in, back to the SAME authorization.
- ``/oauth/forgot?<query>``: a reset link is mailed when an account has the address; the page
  answers the same whether or not one does.
- ``/oauth/verify`` (sign-up, e-mail change) and ``/oauth/reset``: a GET shows a form and
  changes nothing (mail scanners open links); the POST uses the link. A sign-up's link asks
  for the password chosen at that sign-up (wrong ones throttled per link and address as
  sign-in is), so a link from someone else's sign-up of the address cannot set their password.

Every form carries the CSRF token of the browser's session (as the sign-in page's do). The
mailing forms are throttled per address and per client IP (``api/oauth/throttle.py``), on top
of RATE_LIMIT_OAUTH per client IP for every ``/oauth`` path.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, request

from api.http import public_url
from api.oauth.pages import TEXT, _csrf, _csrf_ok, _message, _render, _sign_in, page_language
from api.oauth.throttle import mail_link_sent, mail_link_wait, signin_failed, signin_wait
from api.problems import status_of
from api.state import app_state, db_session
from directory.errors import DomainError
from directory.signup import request_password_reset, reset_link_valid, reset_password, sign_up, verify_address

account_pages = Blueprint("account_pages", __name__)
MAX_QUERY = 4096
VERIFY_PURPOSES = ("verify", "email")


def link_for(purpose: str, token: str) -> str:
    """The page a mailed link opens (at PUBLIC_BASE_URL, never the request's Host)."""
    if purpose == "reset":
        return public_url(f"/oauth/reset?{urlencode({'token': token})}")
    return public_url(f"/oauth/verify?{urlencode({'purpose': purpose, 'token': token})}")


def _return_to() -> str | None:
    """The authorization request the page was reached from (always /oauth/authorize)."""
    query = request.query_string.decode("ascii", "replace")
    return f"/oauth/authorize?{query}" if query and len(query) <= MAX_QUERY else None


def _form(status: int = 200, *, error: str | None = None, **context: object) -> Response:
    return _render("signup.html", status, csrf=_csrf(), action=request.full_path, error=error,
                   email=request.form.get("email", "")[:254], **context)


def _mailing_form(title: str, form_id: str, button: str, ask_password: bool, mail) -> Response:  # noqa: ANN001
    """A form that mails a link: its page, its refusals, or the same "check your mail" answer."""
    t = TEXT[page_language()]
    context = {"title": title, "form_id": form_id, "button": button, "ask_email": True,
               "ask_password": ask_password, "password_label": t["password"]}
    if request.method == "GET":
        return _form(**context)
    if not _csrf_ok():
        return _form(400, error=t["bad_form"], **context)
    email = request.form.get("email", "")[:254]
    wait = mail_link_wait(email)
    if wait is not None:
        return _form(429, error=t["throttled"].format(seconds=wait), retry_after=wait, **context)
    session = db_session()
    try:
        mail(session, email)
    except DomainError as exc:
        session.rollback()
        return _form(status_of(exc), error=str(exc), **context)
    mail_link_sent(email)
    return _message(title, t["check_mail"], 200, is_error=False)


@account_pages.route("/oauth/signup", methods=["GET", "POST"])
def signup() -> Response:
    t = TEXT[page_language()]
    password = request.form.get("password", "")

    def mail(session, email: str) -> None:  # noqa: ANN001
        sign_up(session, email, password, return_to=_return_to(), mailer=app_state().mailer,
                link_for=link_for)

    return _mailing_form(t["signup_title"], "signup", t["signup"], True, mail)


@account_pages.route("/oauth/forgot", methods=["GET", "POST"])
def forgot() -> Response:
    t = TEXT[page_language()]

    def mail(session, email: str) -> None:  # noqa: ANN001
        request_password_reset(session, email, mailer=app_state().mailer, link_for=link_for,
                               return_to=_return_to())

    return _mailing_form(t["forgot_title"], "forgot", t["send_link"], False, mail)


def _token() -> str:
    token = request.args.get("token") or request.form.get("token") or ""
    return token if len(token) <= 128 else ""


@account_pages.route("/oauth/verify", methods=["GET", "POST"])
def verify() -> Response:
    """A sign-up's link asks for the password chosen then; an e-mail change's for a click."""
    t = TEXT[page_language()]
    token, purpose = _token(), request.args.get("purpose", "verify")
    if not token or purpose not in VERIFY_PURPOSES:
        return _message(t["error_title"], t["bad_link"], 400)
    context = {"title": t["verify_title"], "form_id": "verify", "button": t["verify_confirm"],
               "ask_email": False, "ask_password": True, "password_label": t["signup_password"]}
    if request.method == "GET":
        if purpose == "verify":
            return _form(**context)
        return _message(t["verify_title"], t["verify_ask"], 200, is_error=False,
                        form_action=request.full_path, token=token, csrf=_csrf(),
                        button=t["verify_confirm"])
    if not _csrf_ok():
        return _message(t["error_title"], t["bad_form"], 400)
    wait = signin_wait(f"link:{token[:24]}")
    if wait is not None:
        return _form(429, error=t["throttled"].format(seconds=wait), retry_after=wait, **context)
    session = db_session()
    try:
        user, return_to = verify_address(session, purpose, token, app_state().mailer,
                                         request.form.get("password"))
    except DomainError as exc:
        session.rollback()
        if purpose == "verify" and getattr(exc, "field", None) == "password":
            signin_failed(f"link:{token[:24]}")
            return _form(status_of(exc), error=str(exc), **context)
        return _message(t["error_title"], str(exc), status_of(exc))
    if purpose == "verify":
        _sign_in(user)  # the link and its password proved both: on to the authorization
        if return_to and return_to.startswith("/oauth/authorize?"):
            return redirect(return_to, 303)
    return _message(t["verify_title"], t["verified"], 200, is_error=False)


@account_pages.route("/oauth/reset", methods=["GET", "POST"])
def reset() -> Response:
    t = TEXT[page_language()]
    token = _token()
    context = {"title": t["forgot_title"], "form_id": "reset", "button": t["reset_submit"],
               "ask_email": False, "ask_password": True, "password_label": t["new_password"],
               "token": token}
    if not token or not reset_link_valid(db_session(), token):
        return _message(t["error_title"], t["bad_link"], 400)
    if request.method == "GET":
        return _form(**context)
    if not _csrf_ok():
        return _form(400, error=t["bad_form"], **context)
    session = db_session()
    try:
        _user, return_to = reset_password(session, token, request.form.get("password", ""))
    except DomainError as exc:
        session.rollback()
        return _form(status_of(exc), error=str(exc), **context)
    if return_to and return_to.startswith("/oauth/authorize?"):
        return redirect(return_to, 303)  # signed out everywhere: on to sign in again
    return _message(t["forgot_title"], t["reset_done"], 200, is_error=False)
