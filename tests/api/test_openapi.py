"""The OpenAPI document: complete, documented, and identical to openapi/openapi.json."""

from __future__ import annotations

import json

from api.cli import OPENAPI_FILE, served_spec


def spec(client) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_spec_file_is_what_the_app_serves(app, client):
    assert OPENAPI_FILE.exists(), "run `make openapi`"
    on_disk = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    assert on_disk == spec(client), "openapi/openapi.json is stale: run `make openapi`"
    assert OPENAPI_FILE.read_text(encoding="utf-8") == served_spec(app)


def test_spec_is_openapi_31_with_every_public_path(client):
    document = spec(client)
    assert document["openapi"].startswith("3.1")
    for path in ("/v1/industries", "/v1/enterprises", "/v1/enterprises/{enterprise_id}",
                 "/healthz", "/readyz"):
        assert path in document["paths"], path


def _walk_schema(name: str, schema: dict, components: dict, problems: list[str]) -> None:
    for prop, definition in schema.get("properties", {}).items():
        where = f"{name}.{prop}"
        if "$ref" in definition and len(definition) == 1:
            continue
        if not definition.get("description"):
            problems.append(f"{where}: no description")
        if "example" not in definition and "examples" not in definition:
            problems.append(f"{where}: no example")


def test_every_operation_parameter_and_field_is_described_with_an_example(client):
    document = spec(client)
    problems: list[str] = []
    for path, operations in document["paths"].items():
        for parameter in operations.get("parameters", []):
            if not parameter.get("description") or "example" not in parameter:
                problems.append(f"{path} {parameter['name']}: description and example")
        for method, operation in operations.items():
            if method == "parameters":
                continue
            where = f"{method.upper()} {path}"
            if not operation.get("summary") or not operation.get("description"):
                problems.append(f"{where}: summary and description")
            for parameter in operation.get("parameters", []):
                if not parameter.get("description"):
                    problems.append(f"{where} {parameter['name']}: no description")
                if "example" not in parameter and "example" not in parameter.get("schema", {}):
                    problems.append(f"{where} {parameter['name']}: no example")
            for status, response in operation["responses"].items():
                if "$ref" not in response and not response.get("description"):
                    problems.append(f"{where} {status}: no description")
    components = document["components"]["schemas"]
    for name, schema in components.items():
        _walk_schema(name, schema, components, problems)
    assert problems == []


def test_errors_are_documented_as_problem_json(client):
    document = spec(client)
    responses = document["components"]["responses"]
    for name in ("UNPROCESSABLE_ENTITY", "NOT_FOUND", "DEFAULT_ERROR"):
        if name in responses:
            assert list(responses[name]["content"]) == ["application/problem+json"]
    operation = document["paths"]["/v1/enterprises/{enterprise_id}"]["get"]
    codes = set(operation["responses"])
    assert {"200", "404", "422"} <= codes or "default" in codes


def test_docs_page_uses_local_assets_only(client):
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "//cdn" not in html and "unpkg" not in html and "jsdelivr" not in html
    for asset in ("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css",
                  "/docs/assets/init.js"):
        assert asset in html
        assert client.get(asset).status_code == 200
    assert client.get("/docs/assets/../../etc/passwd").status_code == 404


def test_every_operation_has_a_stable_unique_operation_id(client):
    from api.spec_names import OPERATION_IDS, made_operation_id

    document = spec(client)
    seen: dict[str, str] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "put", "post", "delete", "patch"):
                continue
            operation_id = operation.get("operationId")
            assert operation_id and operation_id.isidentifier(), f"{method} {path}"
            assert operation_id not in seen, f"{operation_id}: {seen.get(operation_id)} and {path}"
            seen[operation_id] = path
    assert seen["listEnterprises"] == "/v1/enterprises"
    assert seen["getEnterprise"] == "/v1/enterprises/{enterprise_id}"
    assert seen["searchEnterprises"] == "/v1/search"
    # every name in the table is an operation that exists (a renamed path updates the table)
    assert set(OPERATION_IDS.values()) <= set(seen)
    assert made_operation_id("put", "/v1/me/devices/{device_id}") == "putMeDevicesByDeviceId"


def test_the_region_lists_are_components_referenced_once_each(client):
    document = spec(client)
    text = json.dumps(document)
    components = document["components"]["schemas"]
    assert len(components["RegionCode"]["enum"]) > 3000 and "440300" in components["RegionCode"]["enum"]
    assert "CN" in components["RegionCode"]["enum"] and "CN" not in components["DivisionCode"]["enum"]
    for path in ("/v1/enterprises", "/v1/search", "/v1/enterprises/{enterprise_id}"):
        region = next(p for p in document["paths"][path]["get"]["parameters"] if p["name"] == "region")
        assert region["schema"]["$ref"] == "#/components/schemas/RegionCode"
    assert text.count('"440305"') == 2  # once in each list, nowhere else
    big_enums = []  # no long list is written out anywhere but in its component

    def walk(node, where):
        if isinstance(node, dict):
            if len(node.get("enum", [])) > 100:
                big_enums.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(document, "#")
    assert big_enums == ["#/components/schemas/RegionCode", "#/components/schemas/DivisionCode"]
