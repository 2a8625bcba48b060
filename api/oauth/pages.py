"""Server-rendered pages: sign-in and consent of the authorization endpoint, and the page a
claim's e-mail link opens. In zh-Hans and en (``?lang=`` or Accept-Language).

The browser session is Flask's signed cookie (HttpOnly, SameSite=Lax) naming a server-side
session (``directory.accounts.UserSession``: its id and the user's session generation): signing
out ends it for good, a password change or `flask users sign-out` ends all of the user's, so a
copied cookie signs nobody in afterwards. Every form carries a CSRF token bound to the cookie;
signing in starts a new session. The first-party app (``oauth_clients.first_party``) asks no
consent of a signed-in person; every other client does. Sign-up, a forgotten password and
the mailed links' pages are ``api/oauth/account_pages.py``. Wrong passwords are throttled per
account and address, and per address, with backoff (``api/oauth/throttle.py``); successful
sign-ins never count.
"""

from __future__ import annotations

import hmac
import os
import secrets
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Response, render_template, request, session

from api.oauth.server import oauth_server, oauth_values_ok, user_scope
from api.oauth.throttle import signin_failed, signin_succeeded, signin_wait
from api.problems import status_of
from api.state import app_state, db_session
from directory.accounts import User, authenticate, end_session, session_user, start_session
from directory.claims import confirm_claim_link
from directory.errors import DomainError

pages = Blueprint("pages", __name__)

LANGUAGES = (("zh-Hans", "中文"), ("en", "English"))
TEXT = {
    "zh-Hans": {
        "signin_title": "登录 c800", "signin_for": "登录以继续使用「{client}」。",
        "email": "电子邮箱", "password": "密码", "signin": "登录",
        "bad_credentials": "邮箱或密码不正确。", "throttled": "尝试次数过多，请 {seconds} 秒后再试。",
        "bad_form": "页面已过期，请重试。",
        "consent_title": "「{client}」请求访问你的 c800 账户",
        "signed_in_as": "已登录：{email}", "consent_asks": "允许后，它将能够：",
        "allow": "允许", "deny": "拒绝", "not_you": "不是你？退出登录",
        "error_title": "无法继续", "scopes": {
            "directory:read": "读取企业名录", "me": "查看你的账户信息",
            "listings:write": "以你的名义编辑你管理的企业信息", "admin": "执行管理员操作"},
        "claim_title": "确认认领企业信息", "claim_confirm": "确认认领",
        "claim_ask": "点击下方按钮，确认你是该企业的工作人员。",
        "claim_done": "认领已确认：你现在是该企业信息的管理者。",
        "signup_title": "注册 c800", "signup": "注册", "no_account": "没有账户？注册",
        "forgot": "忘记密码？", "forgot_title": "重设密码", "send_link": "发送链接",
        "check_mail": "如果该地址可以使用，我们已发送一封邮件，请打开其中的链接继续。",
        "password_rules": "至少 10 个字符，不要使用常见或容易猜到的密码。",
        "verify_title": "确认邮箱", "verify_ask": "点击下方按钮确认你的邮箱。",
        "signup_password": "注册时设置的密码",
        "verify_confirm": "确认", "verified": "邮箱已确认。", "new_password": "新密码",
        "reset_submit": "设置新密码", "reset_done": "密码已更改，所有设备都已退出登录。请重新登录。",
        "bad_link": "此链接无效：已过期或已被使用。",
    },
    "en": {
        "signin_title": "Sign in to c800", "signin_for": "Sign in to continue to {client}.",
        "email": "E-mail", "password": "Password", "signin": "Sign in",
        "bad_credentials": "The e-mail address or the password is wrong.",
        "throttled": "Too many attempts; try again in {seconds} seconds.",
        "bad_form": "This page has expired; please try again.",
        "consent_title": "{client} asks to use your c800 account",
        "signed_in_as": "Signed in as {email}", "consent_asks": "If you allow it, it can:",
        "allow": "Allow", "deny": "Deny", "not_you": "Not you? Sign out",
        "error_title": "Cannot continue", "scopes": {
            "directory:read": "read the directory", "me": "see your account",
            "listings:write": "edit the listings you keep, as you", "admin": "act as an administrator"},
        "claim_title": "Confirm your claim", "claim_confirm": "Confirm the claim",
        "claim_ask": "Press the button to confirm that you work for this enterprise.",
        "claim_done": "Claim confirmed: you now keep this listing.",
        "signup_title": "Sign up to c800", "signup": "Sign up", "no_account": "No account? Sign up",
        "forgot": "Forgot your password?", "forgot_title": "Reset your password",
        "send_link": "Send the link",
        "check_mail": "If this address can be used, we sent it a mail: open its link to go on.",
        "password_rules": "At least 10 characters; nothing common or easy to guess.",
        "verify_title": "Confirm your address", "verify_ask": "Press the button to confirm your address.",
        "signup_password": "The password you chose when signing up",
        "verify_confirm": "Confirm", "verified": "Your address is confirmed.",
        "new_password": "New password", "reset_submit": "Set the new password",
        "reset_done": "Your password changed and every device was signed out. Sign in again.",
        "bad_link": "This link is not valid: it expired or was used already.",
    },
}


def page_language() -> str:
    asked = request.args.get("lang") or request.args.get("ui_locales", "").split(" ")[0]
    if asked in TEXT:
        return asked
    for value, _quality in request.accept_languages:
        tag = value.lower()
        if tag.startswith("zh"):
            return "zh-Hans"
        if tag.startswith("en"):
            return "en"
    return "zh-Hans"


def _switch_url(code: str) -> str:
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def _render(template: str, status: int = 200, **context: object) -> Response:
    lang = page_language()
    body = render_template(template, lang=lang, t=TEXT[lang], languages=LANGUAGES,
                           switch_url=_switch_url, **context)
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    if context.get("retry_after"):
        response.headers["Retry-After"] = str(context["retry_after"])
    return response


def _message(title: str, message: str, status: int, *, is_error: bool = True, **extra: object
             ) -> Response:
    return _render("message.html", status, title=title, message=message, is_error=is_error, **extra)


def _csrf() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def _csrf_ok() -> bool:
    sent = request.form.get("csrf", "")
    return bool(sent) and "csrf" in session and hmac.compare_digest(sent, session["csrf"])


def _signed_in_user() -> User | None:
    """The user of the browser's session, while that session lasts on the server too."""
    if "sid" not in session:
        return None
    return session_user(db_session(), session.get("sid"), session.get("gen"))


def _sign_in(user: User) -> None:
    """A new session for *user* (none of the cookie's earlier content survives)."""
    session_id = start_session(db_session(), user)
    db_session().commit()  # the session, and a rehashed password
    session.clear()
    session["sid"] = session_id
    session["gen"] = user.session_generation


def _sign_out() -> None:
    end_session(db_session(), session.get("sid"))
    db_session().commit()
    session.clear()


@pages.route("/oauth/authorize", methods=["GET", "POST"])
def authorize() -> Response:
    server = oauth_server()
    t = TEXT[page_language()]
    user = _signed_in_user()
    if not oauth_values_ok({k: v for k, v in request.args.items() if k != "lang"}):
        return _message(t["error_title"], "invalid_request: the parameters are visible ASCII "
                        "characters.", 400)
    try:
        grant = server.get_consent_grant(end_user=user)
    except OAuth2Error as error:
        if getattr(error, "redirect_uri", None):
            return server.handle_error_response(None, error)
        return _message(t["error_title"], f"{error.error}: {error.description or ''}".strip(), 400)
    action = request.full_path
    if request.method == "POST":
        if not _csrf_ok():
            return _render("signin.html", 400, error=t["bad_form"], csrf=_csrf(), action=action,
                           email="", client_name=grant.client.name)
        step = request.form.get("step")
        if step == "signout":
            _sign_out()
            return _render("signin.html", csrf=_csrf(), action=action, email="", error=None,
                           client_name=grant.client.name)
        if step == "signin":
            email = request.form.get("email", "")[:254]
            wait = signin_wait(email)
            if wait is not None:
                return _render("signin.html", 429, error=t["throttled"].format(seconds=wait),
                               csrf=_csrf(), action=action, email=email,
                               client_name=grant.client.name, retry_after=wait)
            found = authenticate(db_session(), email, request.form.get("password", ""))
            if found is None:
                signin_failed(email)
                return _render("signin.html", 401, error=t["bad_credentials"], csrf=_csrf(),
                               action=action, email=email, client_name=grant.client.name)
            signin_succeeded(email)
            _sign_in(found)
            user = found
        elif step == "consent" and user is not None:
            allowed = request.form.get("decision") == "allow"
            return server.create_authorization_response(grant_user=user if allowed else None,
                                                        grant=grant)
    if user is None:
        return _render("signin.html", csrf=_csrf(), action=action, email="", error=None,
                       client_name=grant.client.name)
    if grant.client.first_party:  # c800's own app: signing in is consent enough
        return server.create_authorization_response(grant_user=user, grant=grant)
    scopes = user_scope(grant.client.get_allowed_scope(grant.request.payload.scope), user).split()
    return _render("consent.html", csrf=_csrf(), action=action, email=user.email, scopes=scopes,
                   client_name=grant.client.name)


@pages.route("/claims/verify", methods=["GET", "POST"])
def confirm_claim() -> Response:
    """The page a claim's e-mail link opens: a button confirms (a GET changes nothing)."""
    t = TEXT[page_language()]
    token = (request.form.get("token") if request.method == "POST" else request.args.get("token")) or ""
    if not token or len(token) > 128:
        return _message(t["error_title"], "This link is not valid.", 400)
    if request.method == "GET":
        return _message(t["claim_title"], t["claim_ask"], 200, is_error=False,
                        form_action=request.path, token=token, button=t["claim_confirm"])
    session_ = db_session()
    try:
        confirm_claim_link(session_, token)
    except DomainError as exc:  # an HTML page, not a problem: its status is the problem's
        session_.rollback()
        return _message(t["error_title"], str(exc), status_of(exc))
    return _message(t["claim_title"], t["claim_done"], 200, is_error=False)


def secret_key(data_dir) -> str:  # noqa: ANN001 - a Path
    """SECRET_KEY from the environment, else one kept in DATA_DIR (shared by all workers)."""
    configured = app_state().config.secret_key
    if configured:
        return configured
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{secrets.token_hex(4)}")
        temporary.write_text(secrets.token_urlsafe(48))
        temporary.chmod(0o600)
        try:
            os.link(temporary, path)  # atomic: the first worker's key wins
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)
    return path.read_text().strip()
