"""``flask members``: who keeps a listing, as an administrator (list, add, set-role, remove)."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from api.state import db_session

members_cli = AppGroup("members", help="Who keeps a listing, as an administrator: list, add, "
                       "set-role, remove (the last owner too).")


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
