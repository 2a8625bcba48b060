"""``flask webhooks``: deliver what is due (served workers do it every few seconds)."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from api.state import app_state, db_session

webhooks_cli = AppGroup("webhooks", help="Webhook deliveries (served workers run them every few seconds).")


@webhooks_cli.command("deliver")
def webhooks_deliver() -> None:
    """Attempt every due delivery once and erase expired handoffs; print what happened."""
    from directory.contacts import purge_expired
    from directory.webhook_delivery import deliver_due, forget_old_deliveries

    session = db_session()
    counts = deliver_due(session, app_state().webhook_settings)
    erased = {**purge_expired(session), "deliveries": forget_old_deliveries(session)}
    session.commit()
    click.echo(json.dumps({**counts, "erased": erased}))
