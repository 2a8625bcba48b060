"""People make and keep their own accounts: sign-up with a verified address, a forgotten
password, a new address. The hosted pages (``api/oauth/account_pages.py``) call these.

- **Sign-up** keeps an unverified account and mails a single-use link (24 hours) that holds
  the chosen password (its hash); the account has no working password until the link is used
  with that password, which proves both the mailbox and the sign-up. Another sign-up of the
  same address gets a link of its own: whoever signed up first cannot choose the password of
  whoever owns the mailbox, nor the other way round. The answer never says whether the address
  had an account: a verified account's owner is mailed a notice instead of a link.
- **Passwords**: the length rules of ``directory.accounts`` and zxcvbn's estimate (score 3 of 4
  at least, knowing the address): common, leaked-in-bulk and guessable passwords are refused.
- **Forgotten password**: a link (30 minutes, single use) only when a verified, enabled account
  has the address; the same answer either way. A reset ends every browser session and every
  token of the account.
- **E-mail change**: the password confirms it, a link goes to the new address, the old one is
  told at once and again when the change is done.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from directory.account_links import forget_links, new_link, peek_link, use_link
from directory.accounts import (
    AccountError,
    User,
    authenticate,
    check_password_rules,
    create_user,
    end_all_sessions,
    find_user,
    hash_password,
    normalize_email,
    password_matches,
)
from directory.credentials import revoke_user_grants
from directory.errors import Conflict, InvalidInput, NotAllowed
from directory.mail import Mailer

LinkFor = Callable[[str, str], str]  # (purpose, token) -> the URL the mail carries
MIN_SCORE = 3
# What an account made by a sign-up has for a password until its link is used: nothing verifies
# against it (argon2 refuses it as malformed). Its password waits in the link.
PENDING = "!pending-verification"
ESTIMATED_PREFIX = 72  # zxcvbn's cost grows with the length; the rest adds nothing it could know


def check_new_password(password: str, email: str) -> None:
    """AccountError (the message says why) unless *password* may be *email*'s new password."""
    check_password_rules(password)
    local = email.partition("@")[0]
    estimate = zxcvbn(password[:ESTIMATED_PREFIX], user_inputs=[email, local, "c800"])
    if estimate["score"] < MIN_SCORE:
        hint = estimate["feedback"].get("warning") or "add words or characters nobody would guess"
        raise AccountError(f"this password is too easy to guess: {hint}", field="password")


def _send(mailer: Mailer, to: str, subject: str, body: str, about: str) -> None:
    mailer.send_or_refuse(to, f"c800: {subject}", body, about=about,
                          refusal="The mail could not be sent; try again later.")


def sign_up(session: Session, email: str, password: str, *, return_to: str | None,
            mailer: Mailer, link_for: LinkFor) -> None:
    """Keep an unverified account for *email* and mail its verification link (the same
    outcome, seen from outside, whether or not the address had an account)."""
    email = normalize_email(email)
    check_new_password(password, email)
    user = find_user(session, email)
    if user is not None and user.email_verified:
        hash_password(password)  # as long as a new account takes: the time tells nothing either
        _send(mailer, user.email, "有人用你的邮箱注册 / someone tried to sign up",
              "有人用这个邮箱地址在 c800 注册。你已经有账户：请直接登录；忘记密码可在登录页重设。\n\n"
              "Someone tried to sign up to c800 with this address. You already have an account: "
              "sign in, or reset your password from the sign-in page. If it was not you, ignore "
              "this message.\n", about=f"sign-up notice {user.id}")
        return
    if user is None:
        user = create_user(session, email, password)
        pending, user.password_hash = user.password_hash, PENDING
        user.email_verified = False
    else:  # an unverified sign-up of the address: its password is not replaced, a link is added
        pending = hash_password(password)
    token = new_link(session, "verify", user.id, user.email, return_to, password_hash=pending,
                     replace=False)
    _send(mailer, user.email, "确认你的邮箱 / confirm your address",
          f"打开下面的链接确认你的邮箱并完成注册（24 小时内有效，只能使用一次）：\n\n"
          f"{link_for('verify', token)}\n\n"
          "Open the link above within 24 hours to confirm your address and finish signing up "
          "to c800. If you did not sign up, ignore this message.\n", about=f"sign-up {user.id}")
    session.commit()


def verify_address(session: Session, purpose: str, token: str, mailer: Mailer,
                   password: str | None = None) -> tuple[User, str | None]:
    """Use a sign-up's (``verify``, with the password chosen at that sign-up) or an e-mail
    change's (``email``) link: the account, now verified or at its new address, and where the
    browser goes next. InvalidInput for a link unknown, used or expired; NotAllowed for a
    sign-up's link with another password (the link stays usable); Conflict when the new address
    was taken meanwhile."""
    link = peek_link(session, purpose, token)
    user = session.get(User, link.user_id) if link is not None else None
    if link is None or user is None or user.disabled:
        raise InvalidInput("This link is not valid: it expired or was used already.")
    if purpose == "verify" and not password_matches(link.password_hash, password or ""):
        raise NotAllowed("This is not the password chosen when signing up.", field="password")
    if use_link(session, purpose, token) is None:
        raise InvalidInput("This link is not valid: it expired or was used already.")
    if purpose == "verify":
        user.password_hash = link.password_hash
        forget_links(session, user.id, "verify")  # other sign-ups of the address end here
    else:
        taken = find_user(session, link.email)
        if taken is not None and taken.id != user.id:
            raise Conflict("Another account has this address now.")
        old = user.email
        user.email = link.email
        _send(mailer, old, "你的邮箱已更改 / your address changed",
              f"你的 c800 账户的邮箱已改为 {link.email}。如果不是你本人操作，请立即重设密码并联系我们。\n\n"
              f"The address of your c800 account is now {link.email}. If you did not ask for "
              "this, reset your password and tell us.\n", about=f"address changed {user.id}")
    user.email_verified = True
    session.commit()
    return user, link.return_to


def request_password_reset(session: Session, email: str, *, mailer: Mailer, link_for: LinkFor,
                           return_to: str | None = None) -> None:
    """Mail a reset link when a verified, enabled account has *email*; nothing otherwise (the
    caller answers the same either way)."""
    user = find_user(session, email)
    if user is None or user.disabled or not user.email_verified:
        return
    token = new_link(session, "reset", user.id, user.email, return_to)
    _send(mailer, user.email, "重设密码 / reset your password",
          f"打开下面的链接重设 c800 密码（30 分钟内有效，只能使用一次）：\n\n{link_for('reset', token)}\n\n"
          "Open the link above within 30 minutes to choose a new c800 password. If you did not "
          "ask for it, ignore this message: your password stays as it is.\n",
          about=f"password reset {user.id}")
    session.commit()


def reset_link_valid(session: Session, token: str) -> bool:
    return peek_link(session, "reset", token) is not None


def reset_password(session: Session, token: str, password: str) -> tuple[User, str | None]:
    """Set the password a reset link was mailed for, ending every session and token of the
    account; the account and where the browser goes next (the authorization it came from).
    InvalidInput for a link not valid (or AccountError for a weak password: the link stays
    usable)."""
    link = peek_link(session, "reset", token)
    user = session.get(User, link.user_id) if link is not None else None
    if user is None or user.disabled:
        raise InvalidInput("This link is not valid: it expired or was used already.")
    check_new_password(password, user.email)
    if use_link(session, "reset", token) is None:
        raise InvalidInput("This link is not valid: it expired or was used already.")
    user.password_hash = hash_password(password)
    end_all_sessions(session, user)
    revoke_user_grants(session, user.id)
    session.commit()
    return user, link.return_to


def request_email_change(session: Session, user: User, new_email: str, password: str, *,
                         mailer: Mailer, link_for: LinkFor) -> None:
    """Mail a link to *new_email* that moves *user* there; tell the current address. The
    password confirms it is the account's owner (AccountError otherwise)."""
    new_email = normalize_email(new_email)
    if authenticate(session, user.email, password) is None:
        raise NotAllowed("The password is wrong.", field="password")
    if new_email.lower() == user.email.lower():
        raise AccountError("This is the account's address already.", field="email")
    if find_user(session, new_email) is None:
        token = new_link(session, "email", user.id, new_email)
        _send(mailer, new_email, "确认新邮箱 / confirm your new address",
              "打开下面的链接，把 c800 账户的邮箱改为此地址（24 小时内有效）：\n\n"
              f"{link_for('email', token)}\n\n"
              "Open the link above within 24 hours to make this the address of your c800 "
              "account. If you did not ask for it, ignore this message.\n",
              about=f"address change {user.id}")
    _send(mailer, user.email, "有人申请更改你的邮箱 / a change of address was asked",
          f"有人申请把你的 c800 账户的邮箱改为 {new_email}。如果不是你本人，请立即重设密码。\n\n"
          f"Someone asked to move your c800 account to {new_email}. If it was not you, reset "
          "your password now.\n", about=f"address change notice {user.id}")
    session.commit()
