"""``flask users``: people who sign in — create, list, set a password, sign out everywhere."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

from api.state import db_session

users_cli = AppGroup("users", help="People who sign in.")


@users_cli.command("create")
@click.option("--email", required=True, help="The user's e-mail address (their sign-in name).")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the password from standard input (never from the command line).")
@click.option("--admin", is_flag=True, help="A c800 administrator.")
def users_create(email: str, password_stdin: bool, admin: bool) -> None:
    """Create a user; prints its id and address as JSON."""
    from directory.accounts import create_user
    from directory.errors import DomainError

    password = _stdin_password()
    session = db_session()
    try:
        user = create_user(session, email, password, admin=admin)
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(json.dumps({"id": user.id, "email": user.email, "is_admin": user.is_admin}))


def _stdin_password() -> str:
    password = sys.stdin.read()
    password = password[:-1] if password.endswith("\n") else password
    return password[:-1] if password.endswith("\r") else password


@users_cli.command("set-password")
@click.option("--email", required=True, help="The user's e-mail address.")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the password from standard input (never from the command line).")
def users_set_password(email: str, password_stdin: bool) -> None:
    """Give a user a new password (users restored from an archive have none).

    The user is signed out everywhere: browser sessions end, and the access and refresh tokens
    issued to them are revoked (apps sign in again)."""
    from directory.accounts import set_password
    from directory.credentials import revoke_user_grants
    from directory.errors import DomainError

    password = _stdin_password()
    session = db_session()
    try:
        user = set_password(session, email, password)
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    revoked = revoke_user_grants(session, user.id)
    session.commit()
    click.echo(json.dumps({"id": user.id, "email": user.email, "tokens_revoked": revoked}))


@users_cli.command("sign-out")
@click.option("--email", required=True, help="The user's e-mail address.")
def users_sign_out(email: str) -> None:
    """Sign a user out everywhere (a lost phone, a stolen session): every browser session ends
    and every access and refresh token issued to them is revoked. The password stays."""
    from directory.accounts import end_all_sessions, find_user
    from directory.credentials import revoke_user_grants

    session = db_session()
    user = find_user(session, email)
    if user is None:
        raise click.ClickException(f"no user has the address {email}")
    end_all_sessions(session, user)
    revoked = revoke_user_grants(session, user.id)
    session.commit()
    click.echo(json.dumps({"id": user.id, "email": user.email, "tokens_revoked": revoked}))


@users_cli.command("list")
@click.option("--admins", is_flag=True, help="Administrators only.")
@click.option("--unverified", is_flag=True, help="Sign-ups whose address is not verified yet.")
def users_list(admins: bool, unverified: bool) -> None:
    """List users, oldest first: one JSON object a line (id, address, verified, administrator,
    disabled, created_at, the listings they keep). No password, session or token."""
    from sqlalchemy import select

    from directory.accounts import Membership, User

    session = db_session()
    query = select(User).order_by(User.created_at, User.id)
    if admins:
        query = query.where(User.is_admin.is_(True))
    if unverified:
        query = query.where(User.email_verified.is_(False))
    kept: dict[str, list[str]] = {}
    for membership in session.scalars(select(Membership).order_by(Membership.enterprise_id)):
        kept.setdefault(membership.user_id, []).append(f"{membership.enterprise_id}:{membership.role}")
    for user in session.scalars(query):
        click.echo(json.dumps({"id": user.id, "email": user.email,
                               "email_verified": user.email_verified, "is_admin": user.is_admin,
                               "disabled": user.disabled, "created_at": user.created_at.isoformat(),
                               "keeps": kept.get(user.id, [])}, ensure_ascii=False))
