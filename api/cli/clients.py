"""``flask clients``: OAuth2 clients of the API — register one, give one a new secret, list
them, delete one, grant one scopes."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from api.state import db_session

clients_cli = AppGroup("clients", help="OAuth2 clients of the API.")


@clients_cli.command("new-secret")
@click.argument("client_id")
def clients_new_secret(client_id: str) -> None:
    """Give a confidential client a new secret (the old one stops working); prints it once."""
    import secrets as _secrets

    from directory.credentials import OAuthClient, digest

    session = db_session()
    client = session.get(OAuthClient, client_id)
    if client is None:
        raise click.ClickException(f"no client has the id {client_id!r}")
    if client.is_public:
        raise click.ClickException(f"{client_id} is a public client: it has no secret")
    secret = _secrets.token_urlsafe(32)
    client.secret_hash = digest(secret)
    session.commit()
    click.echo(json.dumps({"client_id": client.client_id, "client_secret": secret}))


@clients_cli.command("create")
@click.option("--name", required=True, help="What people see on the consent page.")
@click.option("--grant", "grants", required=True, multiple=True,
              type=click.Choice(["client_credentials", "authorization_code"]),
              help="Grant type; authorization_code alone makes a public client (the mobile app).")
@click.option("--scope", required=True, help="Space-separated scopes the client may ask for.")
@click.option("--redirect-uri", "redirect_uris", multiple=True,
              help="Allowed redirect URI (authorization_code; repeatable).")
@click.option("--confidential", is_flag=True,
              help="An authorization_code client that keeps a secret (a server-side app).")
@click.option("--user", "user_email", default=None,
              help="client_credentials: the user (by e-mail) the client acts for, e.g. an "
                   "enterprise's integration with listings:write.")
@click.option("--first-party", is_flag=True,
              help="c800's own app: a signed-in person is not asked to consent to it.")
def clients_create(name: str, grants: tuple[str, ...], scope: str, redirect_uris: tuple[str, ...],
                   confidential: bool, user_email: str | None, first_party: bool) -> None:
    """Register a client; prints its id and, once, its secret, as JSON."""
    import secrets as _secrets

    from directory.accounts import find_user
    from directory.credentials import SCOPES, OAuthClient, digest

    scopes = scope.split()
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise click.ClickException(f"unknown scope(s) {unknown}; use {', '.join(SCOPES)}")
    session = db_session()
    user = None
    if user_email:
        user = find_user(session, user_email)
        if user is None:
            raise click.ClickException(f"no user has the address {user_email}")
    if "admin" in scopes and not (user is not None and user.is_admin) and "authorization_code" not in grants:
        raise click.ClickException("the admin scope needs --user with an administrator")
    if "authorization_code" in grants:
        if not redirect_uris:
            raise click.ClickException("authorization_code needs at least one --redirect-uri")
        for uri in redirect_uris:
            if not _redirect_uri_ok(uri):
                raise click.ClickException(f"{uri!r}: a redirect URI is https://, http://127.0.0.1 "
                                           "or http://localhost (loopback), or an app's own scheme")
    public = "authorization_code" in grants and "client_credentials" not in grants and not confidential
    secret = None if public else _secrets.token_urlsafe(32)
    client = OAuthClient(client_id=f"cl_{_secrets.token_hex(8)}",
                         secret_hash=digest(secret) if secret else None, name=name,
                         grant_types=list(dict.fromkeys(grants)), redirect_uris=list(redirect_uris),
                         scope=" ".join(dict.fromkeys(scopes)),
                         auth_method="none" if public else "client_secret_basic",
                         user_id=user.id if user is not None else None, first_party=first_party)
    session.add(client)
    session.commit()
    click.echo(json.dumps({"client_id": client.client_id, "client_secret": secret,
                           "token_endpoint_auth_method": "none" if public else "client_secret_basic",
                           "grant_types": client.grant_types, "scope": client.scope,
                           "redirect_uris": client.redirect_uris, "first_party": first_party}))


def _redirect_uri_ok(uri: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    if parts.fragment or not parts.scheme:
        return False
    if parts.scheme == "https":
        return bool(parts.hostname)
    if parts.scheme == "http":
        return parts.hostname in ("127.0.0.1", "localhost", "::1")
    # a private-use scheme of a native app (RFC 8252 7.1): reverse domain name, e.g. com.c800.app
    return "." in parts.scheme and parts.scheme not in ("javascript", "data", "file")


@clients_cli.command("list")
def clients_list() -> None:
    """Every client, one JSON object a line: id, name, grants, scope, who it acts for, who
    registered it (self-registered clients) and when."""
    from sqlalchemy import select

    from directory.accounts import User
    from directory.credentials import OAuthClient

    session = db_session()
    emails = dict(session.execute(select(User.id, User.email)).all())
    for client in session.scalars(select(OAuthClient).order_by(OAuthClient.created_at,
                                                               OAuthClient.client_id)):
        click.echo(json.dumps({
            "client_id": client.client_id, "name": client.name, "grant_types": client.grant_types,
            "scope": client.scope, "public": client.is_public,
            "acts_for": emails.get(client.user_id), "owner": emails.get(client.owner_id),
            "created_at": client.created_at.isoformat() if client.created_at else None},
            ensure_ascii=False))


@clients_cli.command("delete")
@click.argument("client_id")
def clients_delete(client_id: str) -> None:
    """Delete a client; its secret and tokens stop working at once."""
    from directory.client_registry import delete_client
    from directory.errors import NotFound

    try:
        delete_client(db_session(), None, client_id)
    except NotFound as exc:
        raise click.ClickException(f"no client has the id {client_id!r}") from exc
    click.echo(f"deleted {client_id}")


@clients_cli.command("grant")
@click.argument("client_id")
@click.option("--scope", required=True, help="Space-separated scopes the client may ask for "
              "(replacing what it had); user scopes make a self-registered client act for "
              "the person who registered it.")
def clients_grant(client_id: str, scope: str) -> None:
    """Set the scopes a client may ask for (an administrator's grant to a self-registered one)."""
    from directory.client_registry import grant_scopes
    from directory.errors import DomainError

    try:
        client = grant_scopes(db_session(), client_id, scope)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(json.dumps({"client_id": client.client_id, "scope": client.scope}))
