"""API clients as their owners read them: the secret only on the answers that make one, usage
from the limiter's storage (``api/limit_counts.py``)."""

from __future__ import annotations

from datetime import UTC, datetime

from api.http import public_url
from api.limit_counts import usage_today
from api.state import app_state
from directory.credentials import OAuthClient
from directory.models import utcnow


def client_dump(client: OAuthClient) -> dict:
    until = client.previous_secret_until
    return {
        "client_id": client.client_id, "name": client.name, "scope": client.scope,
        "grant_types": list(client.grant_types or []), "token_endpoint": public_url("/oauth/token"),
        "created_at": client.created_at,
        "previous_secret_until": until if until is not None and until > utcnow() else None,
        "usage": {"day": datetime.now(UTC).date(), "requests_today": usage_today(client.client_id),
                  "limit": app_state().config.rate_limit_client},
    }


def new_client_dump(client: OAuthClient, secret: str) -> dict:
    return {**client_dump(client), "client_secret": secret}
