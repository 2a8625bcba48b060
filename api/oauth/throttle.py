"""Who may try a password or a client secret again, and when: failures count, successes never.

Sign-in on the authorization page (keys in ``api.limit_counts``' failure backoff):

- per account and address: ``AUTH_FAILURES_FREE`` wrong passwords, then a wait doubling from
  1 s with every further one (at most 15 minutes): guessing one account from one address;
- per address: ``AUTH_FAILURES_FREE_PER_ADDRESS`` wrong passwords for any accounts, then the
  same backoff: one address trying many accounts. Successful sign-ins never count, so people
  behind one carrier NAT do not lock each other out;
- per account, from every address: once it had ``AUTH_FAILURES_ACCOUNT_DELAY_AFTER`` wrong
  passwords within the hour, an address trying it for the first time in the hour waits
  :data:`NEW_ADDRESS_DELAY` seconds once before its attempt is checked. That slows a botnet
  (every new address pays) but only delays the owner, who signs in from a new address after
  the wait whatever others keep trying: nobody can lock an account out.

A correct password clears the failures of its account and address. Client authentication at
``/oauth/token``, ``/oauth/revoke`` and ``/oauth/introspect`` is throttled the same way per
client and address, and per address.
"""

from __future__ import annotations

from api.limit_counts import (
    clear_failures,
    count_event,
    failure_wait,
    failures_of,
    first_attempt_wait,
    record_failure,
    window_wait,
)
from api.limits import address_key
from api.state import app_state

SIGNIN = "signin"
CLIENT_AUTH = "client-auth"
NEW_ADDRESS_DELAY = 30
NEVER_CLOSED = 2**62  # the per-account count only decides the new-address delay


def _account(email: str) -> str:
    return f"account:{email.strip().lower()}"


def _pair(subject: str) -> str:
    return f"{subject}|{address_key()}"


def signin_wait(email: str) -> int | None:
    """Seconds this address must wait before trying *email*'s password, or None."""
    account = _account(email)
    wait = failure_wait(SIGNIN, _pair(account), address_key())
    if wait is not None:
        return wait
    under_attack = failures_of(SIGNIN, account) > app_state().config.auth_failures_account_delay_after
    return first_attempt_wait(SIGNIN, _pair(account), NEW_ADDRESS_DELAY if under_attack else 0)


def signin_failed(email: str) -> None:
    config = app_state().config
    account = _account(email)
    record_failure(SIGNIN, _pair(account), config.auth_failures_free)
    record_failure(SIGNIN, address_key(), config.auth_failures_free_per_address)
    record_failure(SIGNIN, account, NEVER_CLOSED)


def signin_succeeded(email: str) -> None:
    clear_failures(SIGNIN, _pair(_account(email)))


def _client(client_id: str) -> str:
    return f"client:{client_id[:64]}"


def client_auth_wait(client_id: str) -> int | None:
    """Seconds this address must wait before authenticating as *client_id* again, or None."""
    return failure_wait(CLIENT_AUTH, _pair(_client(client_id)), address_key())


def client_auth_failed(client_id: str) -> None:
    config = app_state().config
    record_failure(CLIENT_AUTH, _pair(_client(client_id)), config.auth_failures_free)
    record_failure(CLIENT_AUTH, address_key(), config.auth_failures_free_per_address)


def client_auth_succeeded(client_id: str) -> None:
    clear_failures(CLIENT_AUTH, _pair(_client(client_id)))


# Mailed links (sign-up, forgotten password): every request counts, whatever it finds (its
# answer must not tell), in a fixed hour: MAIL_LINKS_PER_ADDRESS per e-mail address from every
# client, MAIL_LINKS_PER_IP per client IP: one mailbox cannot be flooded, nor many from one place.
MAIL_LINK = "mail-link"
MAIL_LINKS_PER_ADDRESS = 3
MAIL_LINKS_PER_IP = 20
MAIL_LINK_WINDOW = 3600


def mail_link_wait(email: str) -> int | None:
    """Seconds before another link may be mailed to *email* from this client, or None."""
    wait = window_wait(MAIL_LINK, MAIL_LINKS_PER_ADDRESS, _account(email))
    return wait or window_wait(MAIL_LINK, MAIL_LINKS_PER_IP, address_key())


def mail_link_sent(email: str) -> None:
    count_event(MAIL_LINK, _account(email), MAIL_LINK_WINDOW)
    count_event(MAIL_LINK, address_key(), MAIL_LINK_WINDOW)
