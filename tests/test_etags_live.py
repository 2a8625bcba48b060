"""An ETag is usable as received, over real HTTP: an owner's client that accepts compressed
answers (``requests``, like OkHttp and URLSession, sends ``Accept-Encoding: gzip, deflate``)
reads its listing under real gunicorn, gets ``ETag: "v1:gzip"``, and edits with that very
value in If-Match (200); the ETag it held before the edit is then stale (412), and the one the
edit answered works for the next edit. If-None-Match with the received value is a 304.
"""

from __future__ import annotations

import pytest
import requests

from directory.accounts import add_member, create_user
from directory.credentials import OAuthClient, digest
from tests.factories import LISTING, one_listing
from tests.live import gunicorn

pytestmark = [pytest.mark.live, pytest.mark.slow]


def _owner_with_a_client(sessions) -> None:  # noqa: ANN001 - a sessionmaker
    with sessions() as session:
        user = create_user(session, "owner@example.com", "a long enough password")
        session.flush()
        add_member(session, LISTING, "owner@example.com", "owner")
        session.add(OAuthClient(client_id="cl_owner", secret_hash=digest("owner-secret"), name="owner",
                                grant_types=["client_credentials"],
                                scope="directory:read me listings:write", user_id=user.id))
        session.commit()


def test_an_etag_received_compressed_is_good_for_if_match_and_if_none_match(fresh_database, tmp_path):
    engine, sessions = one_listing(fresh_database, tmp_path)
    _owner_with_a_client(sessions)
    engine.dispose()
    with gunicorn(fresh_database, tmp_path / "var") as base, requests.Session() as http:
        token = http.post(f"{base}/oauth/token", data={"grant_type": "client_credentials"},
                          auth=("cl_owner", "owner-secret"), timeout=10)
        assert token.status_code == 200, token.text
        http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        manage = f"{base}/v1/manage/enterprises/{LISTING}"

        read = http.get(manage, timeout=10)
        etag = read.headers["ETag"]
        unchanged = http.get(manage, headers={"If-None-Match": etag}, timeout=10)
        edited = http.patch(f"{base}/v1/enterprises/{LISTING}", json={"description": "经 gzip 读取"},
                            headers={"If-Match": etag}, timeout=10)
        stale = http.patch(f"{base}/v1/enterprises/{LISTING}", json={"description": "过期"},
                           headers={"If-Match": etag}, timeout=10)
        again = http.patch(f"{base}/v1/enterprises/{LISTING}", json={"description": "再改一次"},
                           headers={"If-Match": edited.headers.get("ETag", "")}, timeout=10)
        final = http.get(manage, timeout=10)

    assert "gzip" in requests.utils.default_headers()["Accept-Encoding"]
    assert read.status_code == 200 and read.headers["Content-Encoding"] == "gzip"
    assert etag.endswith(':gzip"'), etag
    assert unchanged.status_code == 304
    assert edited.status_code == 200, edited.text
    assert stale.status_code == 412 and stale.headers["Content-Type"] == "application/problem+json"
    assert again.status_code == 200, again.text
    assert final.json()["description"] == "再改一次"
