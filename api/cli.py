"""Command-line tools: ``flask db``, ``flask directory``, ``flask search`` and ``flask openapi``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import AppGroup
from tqdm import tqdm

from api.state import app_state, db_session
from directory.importer import DirectoryImportError, import_directory
from search.base import SearchUnavailable

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
OPENAPI_FILE = ROOT / "openapi" / "openapi.json"
BUNDLED_DATA = ROOT / "directory" / "data"

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")
directory_cli = AppGroup("directory", help="The directory's data.")
openapi_cli = AppGroup("openapi", help="The OpenAPI document.")
search_cli = AppGroup("search", help="The search index (a projection of the database).")
users_cli = AppGroup("users", help="People who sign in.")
clients_cli = AppGroup("clients", help="OAuth2 clients of the API.")
members_cli = AppGroup("members", help="Who keeps a listing, as an administrator: list, add, "
                       "set-role, remove (the last owner too).")


def alembic_config(database_url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    upgrade_database(app_state().config.database_url, revision)


@db_cli.command("current")
def db_current() -> None:
    """Show the schema revision the database is at."""
    command.current(alembic_config(app_state().config.database_url))


@directory_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path), default=BUNDLED_DATA)
def directory_import(path: Path) -> None:
    """Validate and import PATH (a data folder or file): all records or none.

    PATH may also be an archive written by `flask directory export` (recognised by its
    header): it is then restored whole into this database, which must be empty and at the
    archive's schema revision, in one transaction; the search index is rebuilt after it.
    """
    from directory.archive import is_archive

    if is_archive(str(path)):
        _import_archive(path)
        return
    session = db_session()
    try:
        report = import_directory(session, path)
    except DirectoryImportError as exc:
        session.rollback()
        for error in exc.errors[:200]:
            click.echo(str(error), err=True)
        if len(exc.errors) > 200:
            click.echo(f"... and {len(exc.errors) - 200} more", err=True)
        raise click.ClickException(str(exc)) from exc
    session.commit()  # the indexer applies the listing changes right after this commit
    click.echo(f"industries: {report.industries}; enterprises: {report.enterprises}")
    pending = app_state().indexer.pending()
    if pending:
        click.echo(f"search index: {pending} changes pending ({app_state().indexer.last_error}); "
                   "`flask search sync` applies them", err=True)


def _schema_revision(connection) -> str:  # noqa: ANN001 - a SQLAlchemy Connection
    """The database's schema revision, which must be this code's head."""
    from alembic.script import ScriptDirectory

    from directory.archive import current_revision

    head = ScriptDirectory.from_config(alembic_config(app_state().config.database_url)).get_current_head()
    current = current_revision(connection)
    if current != head:
        raise click.ClickException(f"the database is at schema revision {current}, this code at "
                                   f"{head}: run `flask db upgrade` first")
    return current


@directory_cli.command("export")
@click.option("--output", "-o", default="-", show_default=True,
              type=click.Path(dir_okay=False, allow_dash=True, path_type=str),
              help="The archive file to write (replaced only once complete); - for standard output.")
def directory_export(output: str) -> None:
    """Write everything the database holds to one archive (JSON Lines).

    Industries, listings with their regions, channels, notices and versions; users and
    memberships, OAuth clients, claims, reports, follows, experiences and their counters, live
    statuses, handoffs, callback requests, webhooks and their deliveries -- from one consistent
    snapshot, so it may run while the service serves. Secrets are left out (password hashes,
    client secrets, tokens, webhook secrets; the header's "excluded" says what and why).
    `flask directory import FILE` restores it into an empty database.
    """
    from directory.archive import ArchiveError, export_archive

    state = app_state()
    with state.engine.connect() as connection:
        _schema_revision(connection)
    try:
        if output == "-":
            report = export_archive(state.engine, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            partial = Path(f"{output}.partial")
            try:
                with partial.open("wb") as out:
                    report = export_archive(state.engine, out)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(partial, output)
            finally:
                partial.unlink(missing_ok=True)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps({"revision": report.revision, "rows": report.total, "tables": report.rows}),
               err=True)


def _import_archive(path: Path) -> None:
    from directory.archive import ArchiveError, import_archive

    session = db_session()
    try:
        connection = session.connection()
        revision = _schema_revision(connection)
        with path.open("rb") as lines:
            report = import_archive(connection, lines, database_revision=revision)
    except (ArchiveError, click.ClickException) as exc:
        session.rollback()
        raise click.ClickException(f"{path}: {getattr(exc, 'message', exc)}; nothing was imported") from exc
    session.commit()
    click.echo(json.dumps({"revision": report.revision, "rows": report.total, "tables": report.rows}))
    for table, advice in (("users", "users have no password: `flask users set-password`"),
                          ("oauth_clients", "OAuth clients came back without secrets: "
                                            "`flask clients new-secret` for confidential ones"),
                          ("webhooks", "webhooks sign with new secrets: their enterprises "
                                       "re-register them")):
        if report.rows.get(table):
            click.echo(f"{report.rows[table]} {advice}", err=True)
    try:
        written = app_state().indexer.reindex()
    except SearchUnavailable as exc:
        click.echo(f"search index not rebuilt ({exc}): run `flask search reindex`", err=True)
    else:
        click.echo(f"search index rebuilt: {written} documents", err=True)


def _search_failure(exc: Exception) -> click.ClickException:
    return click.ClickException(f"search index unavailable: {exc}")


@search_cli.command("sync")
def search_sync() -> None:
    """Apply pending listing changes (rebuilds the index when it is empty)."""
    try:
        report = app_state().indexer.sync()
    except SearchUnavailable as exc:
        raise _search_failure(exc) from exc
    if report.error:
        raise _search_failure(report.error)  # type: ignore[arg-type]
    click.echo(f"search index: {report.indexed} indexed, {report.deleted} removed, "
               f"{report.pending} pending")


@search_cli.command("reindex")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def search_reindex(quiet: bool) -> None:
    """Rebuild the whole index from the database; searches keep answering meanwhile."""
    indexer = app_state().indexer
    total = indexer.listing_count()
    with tqdm(total=total, unit="listing", disable=quiet, file=sys.stderr) as bar:
        try:
            written = indexer.reindex(progress=bar.update)
        except SearchUnavailable as exc:
            raise _search_failure(exc) from exc
    click.echo(f"search index rebuilt: {written} documents")


@search_cli.command("status")
def search_status() -> None:
    """Print the index state as JSON (what /readyz reports)."""
    click.echo(json.dumps(app_state().indexer.status(), ensure_ascii=False))


webhooks_cli = AppGroup("webhooks", help="Webhook deliveries (served workers run them every few seconds).")


@webhooks_cli.command("deliver")
def webhooks_deliver() -> None:
    """Attempt every due delivery once and erase expired handoffs; print what happened."""
    from directory.contacts import purge_expired
    from directory.webhooks import deliver_due, forget_old_deliveries

    session = db_session()
    counts = deliver_due(session, app_state().webhook_settings)
    erased = {**purge_expired(session), "deliveries": forget_old_deliveries(session)}
    session.commit()
    click.echo(json.dumps({**counts, "erased": erased}))


def served_spec(app: Flask) -> str:
    """The OpenAPI document exactly as the app serves it at /openapi.json."""
    with app.test_client() as client:
        response = client.get("/openapi.json")
    document = json.loads(response.get_data(as_text=True))
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@openapi_cli.command("export")
@click.option("--check", is_flag=True, help="Fail if openapi/openapi.json is stale.")
def openapi_export(check: bool) -> None:
    """Write openapi/openapi.json from the running code (or --check it)."""
    text = served_spec(current_app._get_current_object())  # type: ignore[attr-defined]
    if check:
        current = OPENAPI_FILE.read_text(encoding="utf-8") if OPENAPI_FILE.exists() else ""
        if current != text:
            click.echo("openapi/openapi.json is stale: run `make openapi`", err=True)
            sys.exit(1)
        click.echo("openapi/openapi.json is up to date")
        return
    OPENAPI_FILE.parent.mkdir(parents=True, exist_ok=True)
    OPENAPI_FILE.write_text(text, encoding="utf-8")
    click.echo(f"wrote {OPENAPI_FILE.relative_to(ROOT)}")


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
    from api.oauth.models import revoke_user_grants
    from directory.accounts import set_password
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
    from api.oauth.models import revoke_user_grants
    from directory.accounts import end_all_sessions, find_user

    session = db_session()
    user = find_user(session, email)
    if user is None:
        raise click.ClickException(f"no user has the address {email}")
    end_all_sessions(session, user)
    revoked = revoke_user_grants(session, user.id)
    session.commit()
    click.echo(json.dumps({"id": user.id, "email": user.email, "tokens_revoked": revoked}))


@clients_cli.command("new-secret")
@click.argument("client_id")
def clients_new_secret(client_id: str) -> None:
    """Give a confidential client a new secret (the old one stops working); prints it once."""
    import secrets as _secrets

    from api.oauth.models import OAuthClient, digest

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
def clients_create(name: str, grants: tuple[str, ...], scope: str, redirect_uris: tuple[str, ...],
                   confidential: bool, user_email: str | None) -> None:
    """Register a client; prints its id and, once, its secret, as JSON."""
    import secrets as _secrets

    from api.oauth.models import SCOPES, OAuthClient, digest
    from directory.accounts import find_user

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
                         user_id=user.id if user is not None else None)
    session.add(client)
    session.commit()
    click.echo(json.dumps({"client_id": client.client_id, "client_secret": secret,
                           "token_endpoint_auth_method": "none" if public else "client_secret_basic",
                           "grant_types": client.grant_types, "scope": client.scope,
                           "redirect_uris": client.redirect_uris}))


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


def _member_change(enterprise_id: str, change):  # noqa: ANN001, ANN202 - change(session, enterprise, asker)
    """Run *change* as an administrator on ENTERPRISE_ID and commit; a ClickException when refused."""
    from directory.errors import DomainError
    from directory.members import Asker
    from directory.models import Enterprise

    session = db_session()
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise click.ClickException(f"no enterprise has the id {enterprise_id!r}")
    try:
        result = change(session, enterprise, Asker(None, admin=True))
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc
    session.commit()
    return result


def _user_id(email: str) -> str:
    from directory.accounts import find_user

    user = find_user(db_session(), email)
    if user is None:
        raise click.ClickException(f"no user has the address {email}")
    return user.id


def _echo_member(enterprise_id: str, membership, user) -> None:  # noqa: ANN001
    click.echo(json.dumps({"enterprise_id": enterprise_id, "user_id": user.id, "email": user.email,
                           "role": membership.role, "since": membership.created_at.isoformat(),
                           "invited_by": membership.invited_by}))


@members_cli.command("list")
@click.argument("enterprise_id")
def members_list(enterprise_id: str) -> None:
    """Print ENTERPRISE_ID's members, one JSON object a line."""
    from directory.accounts import Membership
    from directory.members import members_query
    from directory.models import Enterprise

    session = db_session()
    if session.get(Enterprise, enterprise_id) is None:
        raise click.ClickException(f"no enterprise has the id {enterprise_id!r}")
    for membership, user in session.execute(members_query(enterprise_id).order_by(Membership.user_id)):
        _echo_member(enterprise_id, membership, user)


@members_cli.command("add")
@click.argument("enterprise_id")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["owner", "editor"]))
def members_add(enterprise_id: str, email: str, role: str) -> None:
    """Make the user EMAIL an owner or editor of ENTERPRISE_ID (or change their role)."""
    from directory.members import add_member

    membership, user, _new = _member_change(
        enterprise_id, lambda session, enterprise, asker: add_member(session, enterprise, email, role, asker))
    _echo_member(enterprise_id, membership, user)


@members_cli.command("set-role")
@click.argument("enterprise_id")
@click.argument("email")
@click.argument("role", type=click.Choice(["owner", "editor"]))
def members_set_role(enterprise_id: str, email: str, role: str) -> None:
    """Make member EMAIL of ENTERPRISE_ID an owner or an editor (the last owner too)."""
    from directory.members import change_role

    user_id = _user_id(email)
    membership, user = _member_change(enterprise_id, lambda session, enterprise, asker: change_role(
        session, enterprise, user_id, role, asker))
    _echo_member(enterprise_id, membership, user)


@members_cli.command("remove")
@click.argument("enterprise_id")
@click.argument("email")
def members_remove(enterprise_id: str, email: str) -> None:
    """Remove member EMAIL from ENTERPRISE_ID at once (the last owner too: the listing is then
    unowned and no longer verified); their pending invitations are revoked."""
    from directory.members import members_query, remove_member

    user_id = _user_id(email)
    _member_change(enterprise_id,
                   lambda session, enterprise, asker: remove_member(session, enterprise, user_id, asker))
    owners = [m for m, _u in db_session().execute(members_query(enterprise_id)) if m.role == "owner"]
    click.echo(json.dumps({"enterprise_id": enterprise_id, "user_id": user_id, "removed": True,
                           "owners_left": len(owners)}))


def register_commands(app: Flask) -> None:
    for group in (db_cli, directory_cli, search_cli, openapi_cli, users_cli, clients_cli,
                  members_cli, webhooks_cli):
        app.cli.add_command(group)
