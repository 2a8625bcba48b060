"""``flask clients docs``: the OAuth2 client of the interactive documentation (/docs).

Swagger UI's "Authorize" signs in with the authorization code flow and PKCE as a public
client, :data:`DOCS_CLIENT_ID`, whose one redirect URI is ``<PUBLIC_BASE_URL>/docs/oauth2-
redirect.html`` (served locally by api/docs.py). ``make run`` registers it; run it again after
changing PUBLIC_BASE_URL (the redirect URI is replaced).
"""

from __future__ import annotations

import json

import click

from api.cli.clients import clients_cli
from api.docs import DOCS_CLIENT_ID, DOCS_CLIENT_NAME, redirect_url
from api.state import app_state, db_session


@clients_cli.command("docs")
def clients_docs() -> None:
    """Register (or update) the public client the /docs page signs in with; prints it as JSON."""
    from directory.credentials import SCOPES, OAuthClient

    session = db_session()
    redirect_uri = redirect_url(app_state().config.public_base_url)
    client = session.get(OAuthClient, DOCS_CLIENT_ID)
    if client is None:
        client = OAuthClient(client_id=DOCS_CLIENT_ID, secret_hash=None, auth_method="none")
        session.add(client)
    client.name = DOCS_CLIENT_NAME
    client.grant_types = ["authorization_code"]
    client.redirect_uris = [redirect_uri]
    client.scope = " ".join(SCOPES)
    session.commit()
    click.echo(json.dumps({"client_id": client.client_id, "redirect_uris": client.redirect_uris,
                           "scope": client.scope}))
