"""Sign-in throttling counts wrong passwords only, per account and address and per address, with
exponential backoff; nobody can lock an account out from elsewhere (api/oauth/throttle.py)."""

from __future__ import annotations

import time

import pytest

from tests.conftest import BACKEND_PARAMS
from tests.helpers.oauth import PASSWORD, authorize_query, csrf_of, make_oauth_app, pkce

ADA = "ada@example.com"


@pytest.fixture(params=BACKEND_PARAMS[:1])
def app(request, tmp_path_factory):
    app, state, generator = make_oauth_app(request, tmp_path_factory, auth_failures_free=3,
                                 auth_failures_free_per_address=6, auth_failures_account_delay_after=4)
    yield app
    state.engine.dispose()
    next(generator, None)


@pytest.fixture
def clock(monkeypatch):
    """time.time() that moves only when the test says (the backoff counters' storage reads it)."""
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])

    def advance(seconds: float) -> None:
        now[0] += seconds

    return advance


def attempt(app, address: str, email: str = ADA, password: str = "wrong password 123"):  # noqa: ANN201
    client = app.test_client()
    url = authorize_query(pkce()[1])
    env = {"REMOTE_ADDR": address}
    page = client.get(url, environ_base=env)
    return client.post(url, data={"csrf": csrf_of(page.get_data(as_text=True)), "step": "signin",
                                  "email": email, "password": password}, environ_base=env)


def signed_in(answer) -> bool:  # noqa: ANN001
    return answer.status_code == 200 and 'id="consent"' in answer.get_data(as_text=True)


def test_successful_sign_ins_never_count(app, clock):
    # people behind one carrier NAT: many sign-ins from one address, all good
    assert all(signed_in(attempt(app, "198.51.100.1", password=PASSWORD)) for _ in range(6))
    assert attempt(app, "198.51.100.1").status_code == 401  # a typo is checked, not throttled


def test_wrong_passwords_of_one_account_and_address_back_off_exponentially(app, clock):
    statuses = [attempt(app, "192.0.2.1").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 401]  # 3 free, the 4th closes the pair for 1 s
    waits = []
    for _ in range(4):
        refused = attempt(app, "192.0.2.1", password=PASSWORD)  # even the right password waits
        assert refused.status_code == 429 and "Retry-After" in refused.headers
        waits.append(int(refused.headers["Retry-After"]))
        clock(waits[-1])
        assert attempt(app, "192.0.2.1").status_code == 401  # checked again, and wrong
    assert waits == [1, 2, 4, 8]


def test_a_correct_password_from_another_address_is_not_locked_out(app, clock):
    for _ in range(8):
        attempt(app, "203.0.113.66")
    assert attempt(app, "203.0.113.66", password=PASSWORD).status_code == 429
    assert signed_in(attempt(app, "192.0.2.20", password=PASSWORD))


def test_a_correct_password_clears_the_failures_of_its_address(app, clock):
    assert [attempt(app, "192.0.2.30").status_code for _ in range(2)] == [401, 401]
    assert signed_in(attempt(app, "192.0.2.30", password=PASSWORD))
    # three more are free again
    assert [attempt(app, "192.0.2.30").status_code for _ in range(3)] == [401, 401, 401]


def test_one_address_trying_many_accounts_is_throttled_as_an_address(app, clock):
    spray = [attempt(app, "192.0.2.40", email=f"user{n}@example.com").status_code for n in range(8)]
    assert spray == [401] * 7 + [429]  # 6 free for the address, the 7th closes it
    assert attempt(app, "192.0.2.40", password=PASSWORD).status_code == 429
    assert signed_in(attempt(app, "192.0.2.41", password=PASSWORD))  # other addresses are fine


def test_an_account_under_attack_delays_new_addresses_but_never_locks_the_owner_out(app, clock):
    for n in range(5):  # 5 addresses, one wrong password each: past the account's 4
        assert attempt(app, f"203.0.113.{n}").status_code == 401
    first = attempt(app, "192.0.2.50", password=PASSWORD)  # the owner, from a new address
    assert first.status_code == 429 and int(first.headers["Retry-After"]) == 30
    for n in range(10, 20):  # the attack goes on from more new addresses meanwhile
        attempt(app, f"203.0.113.{n}")
    clock(30)
    assert signed_in(attempt(app, "192.0.2.50", password=PASSWORD))
    for n in range(20, 30):
        clock(31)
        attempt(app, f"203.0.113.{n}")
    assert signed_in(attempt(app, "192.0.2.50", password=PASSWORD))  # waited once, not again
