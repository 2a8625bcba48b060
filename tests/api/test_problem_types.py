"""Each kind of problem has a stable `code` and its own `type` URI, which serves a page."""

from __future__ import annotations

import pytest

from api.problem_types import PROBLEM_CODES, PROBLEM_TYPES, STATUS_CODES
from api.problems import KIND_CODE, KIND_STATUS, code_of
from directory import errors

BASE = "http://127.0.0.1:8000"  # the tests' PUBLIC_BASE_URL


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code and body["type"] == f"{BASE}/problems/{code}", body
    assert body["title"] == PROBLEM_TYPES[code].title and body["status"] == status
    return body


def test_the_kinds_are_one_consistent_list():
    assert set(STATUS_CODES.values()) <= set(PROBLEM_TYPES)
    for status, code in STATUS_CODES.items():
        assert PROBLEM_TYPES[code].status == status
    for code, kind in PROBLEM_TYPES.items():
        assert kind.code == code and code.isidentifier() and code.islower()
        assert kind.description.endswith((".", ")"))


def test_every_domain_error_has_a_code_of_its_status():
    kinds = [cls for cls in vars(errors).values()
             if isinstance(cls, type) and issubclass(cls, errors.DomainError)]
    assert set(kinds) == set(KIND_CODE) == set(KIND_STATUS)
    for kind in kinds:
        assert PROBLEM_TYPES[KIND_CODE[kind]].status == KIND_STATUS[kind], kind
    # a subclass of a kind answers as its kind
    from directory.phones import PhoneNumberError

    assert code_of(PhoneNumberError("x")) == "validation_failed"


@pytest.mark.parametrize(("method", "path", "headers", "status", "code"), [
    ("get", "/v1/enterprises?limit=0", {}, 422, "validation_failed"),
    ("get", "/v1/enterprises?nope=1", {}, 422, "validation_failed"),
    ("get", "/v1/enterprises/ent_000000000000", {}, 404, "not_found"),
    ("get", "/no/such/page", {}, 404, "not_found"),
    ("delete", "/v1/industries", {}, 405, "method_not_allowed"),
    ("get", "/v1/me", {}, 401, "token_required"),
    ("get", "/v1/me", {"Authorization": "Bearer not-a-token"}, 401, "invalid_token"),
    ("patch", "/v1/enterprises/ent_9f7532f6acdd", {}, 401, "token_required"),
])
def test_answers_carry_their_kind(client, method, path, headers, status, code):
    assert_problem(getattr(client, method)(path, headers=headers), status, code)


def test_a_domain_refusal_carries_its_kinds_code(client):
    # lookup's input is checked by the domain (directory.lookup_input): an InvalidInput
    body = assert_problem(client.get("/v1/lookup?q=%20"), 422, "validation_failed")
    assert body["errors"]


def test_each_type_uri_serves_its_page(client):
    for code, kind in PROBLEM_TYPES.items():
        page = client.get(f"/problems/{code}")
        assert page.status_code == 200 and page.mimetype == "text/html"
        text = page.get_data(as_text=True)
        assert f"<code>{code}</code>" in text and kind.title in text
        as_json = client.get(f"/problems/{code}", headers={"Accept": "application/json"})
        assert as_json.get_json() == {"code": code, "status": kind.status, "title": kind.title,
                                      "description": kind.description,
                                      "type": f"{BASE}/problems/{code}"}
    listed = client.get("/problems").get_json()["items"]
    assert [item["code"] for item in listed] == list(PROBLEM_TYPES)
    assert_problem(client.get("/problems/<script>"), 404, "not_found")


def test_the_spec_documents_the_codes(client):
    problem = client.get("/openapi.json").get_json()["components"]["schemas"]["Problem"]
    assert problem["properties"]["code"]["enum"] == list(PROBLEM_CODES)
    assert "/problems/" in problem["properties"]["type"]["description"]
