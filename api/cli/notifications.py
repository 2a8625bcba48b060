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
