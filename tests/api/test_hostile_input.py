"""NUL bytes, other control characters and bytes that are not UTF-8, in every parameter of every
operation of the spec, and NUL in every string of every JSON body example.

Each is refused before any view sees it: a 4xx problem+json naming the parameter (422; 400
under /oauth/ and /claims/, where 400 is the documented bad request), never a 500 (PostgreSQL
refuses NUL in text with a DataError) and never a 2xx that stored it; nothing stored changes.
Signed in with every scope over the rows the spec's examples name (tests/api/conftest.py's
module_own_database, one a backend for the module), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
from copy import deepcopy
from urllib.parse import quote

import pytest
from sqlalchemy import MetaData, select

from api import create_app
from api.config import Config
from tests.factories import SPEC_ICBC as ICBC

pytestmark = pytest.mark.slow

# Appended to a parameter's example value: percent-encoded in the query and the path, as the
# bytes a header carries (WSGI header strings are latin-1) in a header.
QUERY_VARIANTS = {"NUL": "%00", "control": "%1F", "truncated UTF-8": "%C3%28", "not UTF-8": "%FF"}
HEADER_VARIANTS = {"NUL": "\x00", "control": "\x1f", "truncated UTF-8": "\xc3(", "not UTF-8": "\xff"}
WRITES = ("post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def signed_in(module_own_database, tmp_path_factory):
    """One app a backend for the module: each test checks that what it sent changed nothing."""
    app = create_app(Config.from_env(database_url=module_own_database,
                                     data_dir=tmp_path_factory.mktemp("var"),
                                     testing=True, rate_limits_enabled=False))
    state = app.extensions["c800"]
    with app.app_context():
        state.indexer.sync()
    client = app.test_client()
    basic = base64.b64encode(b"cl_fuzz:fuzz-secret").decode()
    answer = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                         headers={"Authorization": f"Basic {basic}"})
    assert answer.status_code == 200, answer.get_json()
    client.bearer = {"Authorization": f"Bearer {answer.get_json()['access_token']}"}
    client.engine = state.engine
    yield client
    state.engine.dispose()


def stored(engine) -> str:  # noqa: ANN001 - an Engine
    """A digest of every row of every table."""
    metadata = MetaData()
    metadata.reflect(engine)
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for table in sorted(metadata.tables.values(), key=lambda t: t.name):
            rows = sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            digest.update(f"{table.name}:{len(rows)}:{rows}".encode())
    return digest.hexdigest()


def operations(spec: dict):  # noqa: ANN201 - yields (method, path, operation, parameters)
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method in ("get", *WRITES):
                yield method, path, operation, [*shared, *operation.get("parameters", [])]


def example(parameter: dict) -> str:
    schema = parameter.get("schema", {})
    value = parameter.get("example", schema.get("example"))
    if value is None:
        value = next((v for v in schema.get("enum", []) if v is not None), None)
    if value is None:
        value = "2026-12-01" if schema.get("format") == "date" else "x"
    return str(value).lower() if isinstance(value, bool) else str(value)


def body_of(operation: dict) -> tuple[str | None, object]:
    content = operation.get("requestBody", {}).get("content", {})
    for kind, media in content.items():
        return kind, deepcopy(media.get("example"))
    return None, None


def send(client, method: str, path: str, parameters: list[dict], operation: dict,  # noqa: ANN001, ANN201
         target: dict, hostile: str):
    """The operation with the parameters' examples and *hostile* appended to *target*'s."""
    url, query, headers = path, [], dict(client.bearer)
    for parameter in parameters:
        value = example(parameter)
        is_target = parameter is target
        if parameter["in"] == "path":
            url = url.replace("{" + parameter["name"] + "}",
                              quote(value, safe="") + (hostile if is_target else ""))
        elif parameter["in"] == "query" and (is_target or parameter.get("required")):
            query.append(f"{quote(parameter['name'])}={quote(value, safe='')}"
                         + (hostile if is_target else ""))
        elif parameter["in"] == "header" and (is_target or parameter.get("required")):
            headers[parameter["name"]] = value + (hostile if is_target else "")
    if query:
        url += "?" + "&".join(query)
    kind, body = body_of(operation)
    data = {"json": body} if kind == "application/json" else {"data": body} if kind else {}
    return client.open(url, method=method.upper(), headers=headers, **data)


def test_every_parameter_refuses_nul_controls_and_bytes_that_are_not_utf8(signed_in):
    client = signed_in
    spec = client.get("/openapi.json").get_json()
    before = stored(client.engine)
    checked = set()
    for method, path, operation, parameters in operations(spec):
        for target in parameters:
            if target["in"] not in ("query", "path", "header"):
                continue
            variants = HEADER_VARIANTS if target["in"] == "header" else QUERY_VARIANTS
            for why, hostile in variants.items():
                answer = send(client, method, path, parameters, operation, target, hostile)
                where = f"{method.upper()} {path} {target['in']} {target['name']} ({why})"
                assert answer.status_code == (400 if path.startswith(("/oauth/", "/claims/"))
                                              else 422), (where, answer.status_code, answer.data[:300])
                assert answer.mimetype == "application/problem+json", where
                problem = answer.get_json()
                assert {"location": target["in"], "field": target["name"]} in [
                    {"location": e["location"], "field": e["field"]} for e in problem["errors"]
                ], (where, problem)
                checked.add((method, path, target["in"], target["name"]))
    assert stored(client.engine) == before  # nothing stored, nothing changed
    kinds = {location for _, _, location, _ in checked}
    assert kinds == {"query", "path", "header"} and len(checked) > 120, len(checked)


def test_the_authorization_header_and_unknown_parameters_too(signed_in):
    client = signed_in
    before = stored(client.engine)
    for hostile in HEADER_VARIANTS.values():
        answer = client.get("/v1/me", headers={"Authorization": client.bearer["Authorization"] + hostile})
        assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
        assert answer.get_json()["errors"][0]["field"] == "Authorization"
    for hostile in QUERY_VARIANTS.values():
        # a name that is not UTF-8, shown escaped; an unknown route's path
        answer = client.get(f"/v1/industries?a{hostile}=1")
        assert answer.status_code == 422, answer.get_json()
        assert answer.get_json()["errors"][0]["field"].startswith("a\\x")
        answer = client.get(f"/v1/no-such-thing{hostile}")
        assert answer.status_code == 422 and answer.get_json()["errors"][0]["location"] == "path"
        answer = client.post(f"/v1/enterprises/{ICBC}/reports?x{hostile}",
                             json={"topic": "other", "message": "正常的报告"}, headers=client.bearer)
        assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert stored(client.engine) == before
    # a tab in a header value is allowed white space; valid UTF-8 anywhere is fine
    answer = client.get("/v1/search?q=%E6%8B%9B%E8%A1%8C", headers={"Accept-Language": "en,\tzh"})
    assert answer.status_code == 200, answer.get_json()


def _strings(value: object, at: tuple = ()):  # noqa: ANN202 - yields (path, string)
    if isinstance(value, str):
        yield at, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*at, index))


def _with(body: object, at: tuple, text: str) -> object:
    changed = deepcopy(body)
    holder = changed
    for key in at[:-1]:
        holder = holder[key]
    holder[at[-1]] = text
    return changed


def _write(client, method: str, path: str, parameters: list[dict], body: object):  # noqa: ANN001, ANN201
    url = path
    headers = dict(client.bearer)
    for parameter in parameters:
        if parameter["in"] == "path":
            url = url.replace("{" + parameter["name"] + "}", quote(example(parameter), safe=""))
    if any(p["name"] == "If-Match" for p in parameters):
        headers["If-Match"] = client.get(f"/v1/manage/enterprises/{ICBC}",
                                         headers=client.bearer).headers["ETag"]
    return client.open(url, method=method.upper(), json=body, headers=headers)


# Bodies with a NUL where the spec's examples have none: a listing's names and description.
MORE_BODIES = [("patch", "/v1/enterprises/{enterprise_id}",
                {"names": {"zh-Hans": "中国工商银行"}, "description": "个人及企业银行服务"})]


def test_a_nul_in_any_string_of_a_json_body_is_a_422_and_stores_nothing(signed_in):
    client = signed_in
    spec = client.get("/openapi.json").get_json()
    writes = []
    for method, path, operation, parameters in operations(spec):
        kind, body = body_of(operation)
        if kind == "application/json" and body is not None:
            writes.append((method, path, parameters, body))
    for method, path, body in MORE_BODIES:
        writes.append((method, path, [*spec["paths"][path].get("parameters", []),
                                      *spec["paths"][path][method].get("parameters", [])], body))
    before = stored(client.engine)
    refused = 0
    for method, path, parameters, body in writes:
        for at, text in _strings(body):
            for hostile in (text + "\x00", "\x00" + text, text[:1] + "\x00" + text[1:]):
                answer = _write(client, method, path, parameters, _with(body, at, hostile))
                where = f"{method.upper()} {path} {'.'.join(map(str, at))}={hostile!r}"
                assert answer.status_code == 422, (where, answer.status_code, answer.data[:300])
                assert answer.mimetype == "application/problem+json", where
                assert {"location": "json", "field": ".".join(map(str, at)),
                        "message": "Contains a NUL character (U+0000)."} in answer.get_json()["errors"]
                refused += 1
    assert stored(client.engine) == before
    assert refused > 50, refused
    # The same bodies without the NUL are written: the refusals above were for the NUL.
    accepted = set()
    for method, path, parameters, body in writes:
        answer = _write(client, method, path, parameters, body)
        if answer.status_code < 300:
            accepted.add(f"{method.upper()} {path}")
    assert {"PATCH /v1/enterprises/{enterprise_id}", "POST /v1/enterprises/{enterprise_id}/reports",
            "POST /v1/enterprises/{enterprise_id}/notices", "PATCH /v1/admin/reports/{report_id}",
            "PATCH /v1/enterprises/{enterprise_id}/notices/{notice_id}"} <= accepted, accepted
    assert stored(client.engine) != before


SMALL_PROBLEM = 64 * 1024


def test_a_body_of_95k_unknown_keys_gets_a_small_422(signed_in, monkeypatch):
    """Refused before the schema loads it: more than 10000 values, or more than 20 unknown fields."""
    import json

    import marshmallow

    client = signed_in
    report = {"topic": "other", "message": "正常的报告"}
    loaded = []
    original_load = marshmallow.Schema.load

    def load(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        loaded.append(type(self).__name__)
        return original_load(self, *args, **kwargs)

    monkeypatch.setattr(marshmallow.Schema, "load", load)
    bodies = [{**report, **{f"{n:x}": 0 for n in range(95_000)}},
              {**report, "extra": list(range(20_000))},
              {**report, **{f"k{n}": 0 for n in range(5_000)}}]
    problems = []
    for body in bodies:
        raw = json.dumps(body, separators=(",", ":"))
        assert len(raw) < 1024 * 1024
        answer = client.post(f"/v1/enterprises/{ICBC}/reports", data=raw,
                             content_type="application/json", headers=client.bearer)
        assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
        assert len(answer.get_data()) < SMALL_PROBLEM
        assert len(answer.get_json()["errors"]) <= 50
        problems.append(answer.get_json()["errors"])
    assert not [name for name in loaded if "Report" in name]
    too_many = [{"location": "json", "field": "(body)",
                 "message": "The body holds more than 10000 values."}]
    assert problems[0] == problems[1] == too_many
    assert {"location": "json", "field": "(body)",
            "message": "5000 unknown fields; the first 20 are listed."} in problems[2]
    assert len(problems[2]) == 21


def test_a_problem_lists_at_most_50_errors_and_says_how_many_were_left_out(signed_in):
    answer = signed_in.get("/v1/industries?" + "&".join(f"p{n}=1" for n in range(120)))
    problem = answer.get_json()
    assert answer.status_code == 422 and len(problem["errors"]) == 50
    assert "first 50 of 120 errors" in problem["detail"]
