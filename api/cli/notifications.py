"""``flask notifications``: push what is due (served workers do it every few seconds)."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from api.state import app_state, db_session

notifications_cli = AppGroup("notifications", help="Pushes of notifications to devices (served "
                                                   "workers run them every few seconds).")


@notifications_cli.command("deliver")
def notifications_deliver() -> None:
    """Attempt every due push once and forget notifications past 30 days; print what happened."""
    from directory.notifications import forget_old_notifications
    from directory.push.delivery import push_due

    session = db_session()
    counts = push_due(session, app_state().push_settings)
    erased = forget_old_notifications(session)
    session.commit()
    click.echo(json.dumps({**counts, "erased": erased}))


@notifications_cli.command("vapid-key")
@click.option("--new", is_flag=True, help="Make a new key pair and print its private key too.")
def notifications_vapid_key(new: bool) -> None:
    """Print the VAPID public key web apps subscribe with (applicationServerKey); with --new, a
    new VAPID_PRIVATE_KEY and its public key."""
    from directory.push.webpush import load_vapid, new_vapid_private_key

    if new:
        private = new_vapid_private_key()
        keys = load_vapid(private, "mailto:unused@example.invalid")
        click.echo(json.dumps({"VAPID_PRIVATE_KEY": private, "public_key": keys.public_key}))
        return
    keys = app_state().push_settings.vapid
    if keys is None:
        raise click.ClickException("VAPID_PRIVATE_KEY is not set: Web Push is off.")
    click.echo(keys.public_key)
