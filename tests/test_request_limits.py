"""Request limits under real gunicorn (gunicorn.conf.py): a request line over 8190 bytes is a
414, a header over 8190 bytes or more than 100 headers a 431, a control character in a header
value or in the request line a 400, all problem+json (gunicorn's own answers, rewritten by the
conf's hook), and the server goes on serving. A raw byte outside ASCII in the request target
is percent-encoded by the worker (gunicorn_worker.py), so that raw UTF-8 is served as typed.
Past gunicorn, the app refuses NUL and bytes that are not UTF-8 in the path, the query and
header values with its 422, as the raw bytes arrive over a socket.
"""

from __future__ import annotations

import json
import socket

import pytest

from directory.db import make_engine
from directory.importer import import_directory
from directory.sessions import make_session_factory
from tests.factories import enterprise, write_data
from tests.live import gunicorn

pytestmark = [pytest.mark.live, pytest.mark.slow]

LISTING = "ent_000000000001"


def exchange(base: str, head: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send *head* (a request without a body) on a new connection; the status, headers and
    body of the answer (read until the server closes or Content-Length is reached)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, data
            data += chunk
        top, _, body = data.partition(b"\r\n\r\n")
        lines = top.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            assert chunk, (lines[0], body)  # the whole answer, never cut short
            body += chunk
    return int(lines[0].split()[1]), headers, body


def get(path: str, *headers: str) -> bytes:
    return "\r\n".join([f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *headers,
                        "Connection: close", "", ""]).encode("latin-1")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("limits")
    url = f"sqlite:///{folder / 'c800.sqlite3'}"
    from api.cli import upgrade_database

    upgrade_database(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        import_directory(session, write_data(folder / "data", [enterprise(LISTING)]))
        session.commit()
    engine.dispose()
    with gunicorn(url, folder / "var", workers=1) as base:
        yield base


def assert_still_serving(base: str) -> None:
    status, headers, body = exchange(base, get("/healthz"))
    assert status == 200, body


@pytest.mark.parametrize(("head", "status", "detail"), [
    (get("/v1/search?q=" + "a" * 9000), 414, "Request Line is too large (9026 > 8190)"),
    (get("/v1/industries", "X-Big: " + "a" * 9000), 431, "fields size"),
    (get("/v1/industries", *[f"X-H{n}: {n}" for n in range(101)]), 431, "headers fields"),
    (get("/v1/industries", "X-Nul: a\x00b"), 400, "Invalid HTTP Header"),
    (get("/v1/industries", "Accept-Language: en\x01"), 400, "Invalid HTTP Header"),
    (get("/v1/industries", "X-Request-ID: a\x7fb"), 400, "Invalid HTTP Header"),
    # a control character in the request line (a raw byte outside ASCII reaches the app)
    (get("/v1/search?q=a\x01b"), 400, "Invalid HTTP request line"),
    (get("/v1/search?q=a\x7fb"), 400, "Invalid HTTP request line"),
], ids=["request-line-over-8190", "header-over-8190", "101-headers", "nul-in-a-header",
        "control-in-a-header", "del-in-a-header", "control-in-the-query", "del-in-the-query"])
def test_gunicorn_refuses_oversized_and_malformed_requests_with_problems(server, head, status, detail):
    answered, headers, body = exchange(server, head)
    assert answered == status, body
    assert headers["content-type"] == "application/problem+json"
    assert headers["x-content-type-options"] == "nosniff"
    problem = json.loads(body)
    codes = {400: "bad_request", 414: "uri_too_long", 431: "header_fields_too_large"}
    assert problem["status"] == status and problem["code"] == codes[status]
    assert problem["type"] == f"{server}/problems/{codes[status]}"  # PUBLIC_BASE_URL's
    assert detail in problem["detail"], problem
    assert_still_serving(server)


def test_just_under_the_limits_is_served(server):
    # "GET " + path + " HTTP/1.1" within 8190 bytes; 100 headers of the client's own
    path = "/v1/lookup?q=" + "a" * 500
    assert exchange(server, get(path, "X-Big: " + "a" * 8000))[0] == 200
    assert exchange(server, get("/v1/industries", *[f"X-H{n}: {n}" for n in range(90)]))[0] == 200


@pytest.mark.parametrize(("head", "location", "field"), [
    (get(f"/v1/enterprises/{LISTING}%00"), "path", "enterprise_id"),
    (get(f"/v1/enterprises/{LISTING}%FF"), "path", "enterprise_id"),
    (get(f"/v1/enterprises/{LISTING}\xff"), "path", "enterprise_id"),  # raw: percent-encoded
    (get("/v1/search?q=\xff"), "query", "q"),
    (get("/v1/search?q=%00"), "query", "q"),
    (get("/v1/search?q=%C3%28"), "query", "q"),
    (get("/v1/industries", "Accept-Language: en\xff"), "header", "Accept-Language"),  # obs-text
    (get("/v1/industries", "Accept-Language: en\xc3("), "header", "Accept-Language"),
], ids=["path-nul", "path-percent-ff", "path-raw-ff", "query-raw-ff", "query-nul", "query-truncated",
        "header-raw-ff",
        "header-truncated-utf8"])
def test_the_app_refuses_nul_and_bytes_that_are_not_utf8_as_they_arrive(server, head, location, field):
    status, headers, body = exchange(server, head)
    assert status == 422, body
    assert headers["content-type"] == "application/problem+json"
    assert {"location": location, "field": field} in [
        {"location": e["location"], "field": e["field"]} for e in json.loads(body)["errors"]]
    assert_still_serving(server)


def test_the_apps_own_limits(server):
    status, _, body = exchange(server, get("/v1/search?q=" + "a" * 101))  # q: 1-100 characters
    assert status == 422 and json.loads(body)["errors"][0]["field"] == "q"
    status, _, body = exchange(server, get("/v1/enterprises?limit=101"))  # pages: 1-100
    assert status == 422 and json.loads(body)["errors"][0]["field"] == "limit"
