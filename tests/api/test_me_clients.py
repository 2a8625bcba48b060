"""API clients a person registers and manages (/v1/me/clients): the secret shown once and
working at the token endpoint with `directory:read` only, usage per client, names that cannot
look official, at most five, nobody else's, rotation with a 24-hour grace, deletion ending
tokens, the per-client limit enforced, and the operator's `flask clients list|delete|grant`."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import timedelta

import pytest

from directory.accounts import NO_PASSWORD, User
from directory.credentials import OAuthClient, digest
from directory.models import utcnow
from tests.conftest import BACKEND_PARAMS, client_over_records
from tests.factories import enterprise

PEOPLE = ("ada@example.org", "bob@example.org", "cy@example.org")


def _people(http, emails: tuple[str, ...] = PEOPLE) -> dict[str, str]:
    """A user-scoped token per person (their own client, as the first-party app would have)."""
    app, tokens = http.application, {}
    with app.app_context(), app.extensions["c800"].sessions() as session:
        made = {}
        for email in emails:
            # no password: nobody signs in here (and argon2 would take most of the test's time)
            user = User(id=f"usr_{secrets.token_hex(8)}", email=email, password_hash=NO_PASSWORD)
            session.add(user)
            session.flush()
            secret, client_id = secrets.token_urlsafe(32), f"cl_{secrets.token_hex(8)}"
            session.add(OAuthClient(client_id=client_id, secret_hash=digest(secret), name="app",
                                    grant_types=["client_credentials"], scope="directory:read me",
                                    auth_method="client_secret_basic", user_id=user.id))
            made[email] = (client_id, secret)
        session.commit()
    for email, (client_id, secret) in made.items():
        tokens[email] = token(http, client_id, secret)
    return tokens


def on_postgresql(item: pytest.Item) -> bool:
    """On PostgreSQL what writes and reads back; a name's checks never reach the database."""
    return "names" not in item.originalname


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def token(http, client_id: str, secret: str, scope: str | None = None) -> str:
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    response = http.post("/oauth/token", data=data, headers=basic(client_id, secret))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


@pytest.fixture(scope="module", params=BACKEND_PARAMS)
def world(request, tmp_path_factory):
    for http in client_over_records(request, tmp_path_factory, [enterprise()]):
        yield http, _people(http)


def register(http, person_token: str, name: str):
    return http.post("/v1/me/clients", json={"name": name}, headers=bearer(person_token))


def test_a_registered_client_reads_with_its_secret_and_sees_its_usage(world) -> None:
    http, people = world
    response = register(http, people["ada@example.org"], "Alpha 数据看板")
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert made["scope"] == "directory:read" and made["client_secret"]
    assert response.headers["Location"] == f"/v1/me/clients/{made['client_id']}"
    assert response.headers["Cache-Control"] == "no-store"
    access = token(http, made["client_id"], made["client_secret"])
    for _ in range(3):
        assert http.get("/v1/enterprises", headers=bearer(access)).status_code == 200
    # it acts for nobody: owning a client gives it none of its owner's rights
    assert http.get("/v1/me", headers=bearer(access)).status_code == 403
    refused = http.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "me"},
                        headers=basic(made["client_id"], made["client_secret"]))
    assert "me" not in (refused.get_json().get("scope") or "").split()
    listed = http.get("/v1/me/clients", headers=bearer(people["ada@example.org"])).get_json()
    [item] = [c for c in listed["items"] if c["client_id"] == made["client_id"]]
    assert "client_secret" not in item and listed["max_clients"] == 5
    assert item["usage"]["requests_today"] == 3 and item["usage"]["limit"] == "100000/minute"


@pytest.mark.parametrize("name", [
    "c800 官方客户端", "ｃ８００ tools", "C 8 0 0 Reader", "Оfficial reader", "Pаypal data",
    "Verified partner", "官方数据", "ab", "x" * 61, "zero\u200bwidth", "line\nbreak",
    "right\u202eleft", "<b>bold</b>", "two  spaces",
])
def test_names_that_could_look_official_or_hide_something_are_refused(world, name) -> None:
    http, people = world
    response = register(http, people["bob@example.org"], name)
    assert response.status_code == 422, response.get_json()
    assert "name" in json.dumps(response.get_json())


def test_at_most_five_clients_and_only_your_own(world) -> None:
    http, people = world
    cy = people["cy@example.org"]
    made = [register(http, cy, f"Reader {n}").get_json()["client_id"] for n in range(5)]
    assert register(http, cy, "Reader six").status_code == 409
    theirs = made[0]
    ada = bearer(people["ada@example.org"])
    assert http.get(f"/v1/me/clients/{theirs}", headers=ada).status_code == 404
    assert http.post(f"/v1/me/clients/{theirs}/secret", headers=ada).status_code == 404
    assert http.delete(f"/v1/me/clients/{theirs}", headers=ada).status_code == 404
    assert http.delete(f"/v1/me/clients/{theirs}", headers=bearer(cy)).status_code == 204
    assert register(http, cy, "Reader six").status_code == 201


def test_rotation_keeps_the_old_secret_for_the_grace_period_then_not(world) -> None:
    http, people = world
    ada = bearer(people["ada@example.org"])
    made = register(http, people["ada@example.org"], "Rotating reader").get_json()
    rotated = http.post(f"/v1/me/clients/{made['client_id']}/secret", headers=ada)
    assert rotated.status_code == 200
    new = rotated.get_json()
    assert new["client_secret"] != made["client_secret"] and new["previous_secret_until"]
    token(http, made["client_id"], new["client_secret"])
    token(http, made["client_id"], made["client_secret"])  # still, within 24 hours
    app = http.application
    with app.app_context(), app.extensions["c800"].sessions() as session:
        session.get(OAuthClient, made["client_id"]).previous_secret_until = utcnow() - timedelta(seconds=1)
        session.commit()
    old = http.post("/oauth/token", data={"grant_type": "client_credentials"},
                    headers=basic(made["client_id"], made["client_secret"]))
    assert old.status_code == 401
    token(http, made["client_id"], new["client_secret"])


def test_deleting_a_client_ends_its_tokens(world) -> None:
    http, people = world
    made = register(http, people["bob@example.org"], "Short lived").get_json()
    access = token(http, made["client_id"], made["client_secret"])
    assert http.get("/v1/enterprises", headers=bearer(access)).status_code == 200
    gone = http.delete(f"/v1/me/clients/{made['client_id']}", headers=bearer(people["bob@example.org"]))
    assert gone.status_code == 204
    assert http.get("/v1/enterprises", headers=bearer(access)).status_code == 401
    again = http.post("/oauth/token", data={"grant_type": "client_credentials"},
                      headers=basic(made["client_id"], made["client_secret"]))
    assert again.status_code == 401


def test_the_operator_lists_grants_and_deletes(world) -> None:
    http, people = world
    made = register(http, people["bob@example.org"], "Granted reader").get_json()
    runner = http.application.test_cli_runner()
    listed = runner.invoke(args=["clients", "list"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert {"client_id": made["client_id"], "owner": "bob@example.org", "acts_for": None}.items() \
        <= next(r for r in rows if r["client_id"] == made["client_id"]).items()
    granted = runner.invoke(args=["clients", "grant", made["client_id"], "--scope", "directory:read me"])
    assert granted.exit_code == 0, granted.output
    access = token(http, made["client_id"], made["client_secret"], "directory:read me")
    assert http.get("/v1/me", headers=bearer(access)).get_json()["email"] == "bob@example.org"
    refused = runner.invoke(args=["clients", "grant", made["client_id"], "--scope", "admin"])
    assert refused.exit_code != 0 and "admin" in refused.output
    deleted = runner.invoke(args=["clients", "delete", made["client_id"]])
    assert deleted.exit_code == 0, deleted.output
    assert runner.invoke(args=["clients", "delete", made["client_id"]]).exit_code != 0


@pytest.fixture(scope="module", params=["sqlite"])
def limited(request, tmp_path_factory):
    for http in client_over_records(request, tmp_path_factory, [enterprise()],
                                    rate_limit_client="3/minute"):
        yield http, _people(http, PEOPLE[:1])


def test_a_self_registered_client_keeps_to_its_limit(limited) -> None:
    http, people = limited
    made = register(http, people["ada@example.org"], "Busy reader").get_json()
    access = token(http, made["client_id"], made["client_secret"])
    answers = [http.get("/v1/enterprises", headers=bearer(access)).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
