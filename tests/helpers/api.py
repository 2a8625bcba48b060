"""Signed-in test clients of the API: client-credentials tokens, the consumers' cast (two owners,
two consumers), and the checks most API tests make."""

from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy import select

from directory.accounts import add_member, create_user
from directory.credentials import OAuthClient, digest
from directory.models import Channel
from tests.factories import A, B

PEOPLE = ("owner_a", "owner_b", "ada", "bob")
PROBLEM = "application/problem+json"


def token_of(client, name: str) -> str:  # noqa: ANN001 - a Flask test client
    """The access token the client-credentials client ``cl_<name>`` (secret ``<name>-secret``)
    is granted."""
    basic = base64.b64encode(f"cl_{name}:{name}-secret".encode()).decode()
    answer = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                         headers={"Authorization": f"Basic {basic}"})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["access_token"]


def with_people(client):  # noqa: ANN001, ANN201 - a Flask test client
    """Two owners (of A and of B) and two consumers, each with a client of their own; the
    client learns their tokens, user ids, the channels' ids and the session factory."""
    state = client.application.extensions["c800"]
    client.user_ids, client.tokens, client.sessions = {}, {}, state.sessions
    for name in PEOPLE:
        add_person(client, name)
    with client.application.app_context(), state.sessions() as session:
        add_member(session, A, "owner_a@example.com", "owner")
        add_member(session, B, "owner_b@example.com", "owner")
        session.commit()
        client.channels = {f"{c.enterprise_id}:{c.value}": c.id
                           for c in session.scalars(select(Channel))}
    return client


def add_person(client, name: str) -> str:  # noqa: ANN001
    """An account *name* with a client of its own; the client learns its token and user id."""
    with client.application.app_context(), client.sessions() as session:
        user = create_user(session, f"{name}@example.com", "a long enough password")
        session.flush()
        session.add(OAuthClient(client_id=f"cl_{name}", secret_hash=digest(f"{name}-secret"),
                                name=name, grant_types=["client_credentials"],
                                scope="directory:read me listings:write", user_id=user.id))
        session.commit()
        client.user_ids[name] = user.id
    client.tokens[name] = token_of(client, name)
    return name


def auth(client, name: str, **headers) -> dict:  # noqa: ANN001
    return {"Authorization": f"Bearer {client.tokens[name]}", **headers}


def channel(client, value: str, ident: str = A) -> str:  # noqa: ANN001
    return client.channels[f"{ident}:{value}"]


def problem(answer, status: int) -> dict:  # noqa: ANN001
    assert answer.status_code == status, (answer.status_code, answer.get_json())
    assert answer.mimetype == PROBLEM
    return answer.get_json()


def iso(moment: datetime) -> str:
    return moment.isoformat()


def post_notice(client, enterprise_id: str, owner: str, **body) -> str:  # noqa: ANN001
    """A notice *owner* posts on *enterprise_id* (with its current ETag); the notice's id."""
    manage = client.get(f"/v1/manage/enterprises/{enterprise_id}", headers=auth(client, owner))
    answer = client.post(f"/v1/enterprises/{enterprise_id}/notices", json={"body": "详情见官网。", **body},
                         headers=auth(client, owner, **{"If-Match": manage.headers["ETag"]}))
    assert answer.status_code == 201, answer.get_json()
    return answer.headers["Location"].rsplit("/", 1)[1]
