"""The OpenAPI description the app serves matches the routes it has and the answers it gives."""

import re

import pytest

from nicu_milk.api import ENDPOINTS
from nicu_milk.api.responses import ContainerOut, InfantDetail
from tests.api.conftest import expect, receive_milk, response_model

METHODS = {"GET", "POST", "PATCH", "PUT", "DELETE"}


@pytest.fixture
def document(client):
    answer = client.get("/api/v1/openapi.json")  # no token needed
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    return answer.get_json()


def flask_routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        found.update((method, path) for method in rule.methods & METHODS)
    return found


def test_it_looks_like_openapi_3(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] and document["info"]["version"]
    assert document["paths"]
    assert document["components"]["schemas"]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        assert path.startswith("/")
        for method, operation in operations.items():
            assert method.upper() in METHODS, (path, method)
            assert operation["responses"], (path, method)
            assert any(code.startswith("2") for code in operation["responses"]), (path, method)


def test_every_reference_resolves(document):
    schemas = document["components"]["schemas"]

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref is not None:
                assert ref.startswith("#/components/schemas/"), ref
                assert ref.rsplit("/", 1)[1] in schemas, ref
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)


def test_every_route_is_described_and_every_description_is_a_route(app, document):
    described = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    routes = flask_routes(app)
    assert routes - described == set(), "routes missing from openapi.json"
    assert described - routes == set(), "openapi.json describes routes that do not exist"
    assert {(e.method, e.path) for e in ENDPOINTS} == routes


def test_descriptions_name_the_declared_models_and_statuses(document):
    for route in ENDPOINTS:
        operation = document["paths"][route.path][route.method.lower()]
        success = operation["responses"][str(route.status)]
        if route.response is not None:
            schema = success["content"][route.produces]["schema"]
            assert schema["$ref"].endswith("/" + route.response.__name__), route.path
        for status in route.errors:
            error = operation["responses"][str(status)]["content"]["application/json"]["schema"]
            assert error["$ref"].rsplit("/", 1)[1] in ("ErrorOut", "FeedRefused")
        if route.body is not None:
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            assert body["$ref"].endswith("/" + route.body.__name__)
            # What the body model forbids, the description forbids too.
            schema = document["components"]["schemas"][route.body.__name__]
            assert schema.get("additionalProperties") is False, route.body.__name__
        params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert params == set(re.findall(r"{([^}]+)}", route.path)), route.path
        if route.roles:
            assert operation["security"] == [{"bearer": []}]


def test_response_model_lookup_and_real_answers_validate(unit):
    """The answers of the flow tests are all validated (tests/api/conftest.py, CheckedApi);
    here, once more, explicitly, for the two richest answers."""
    nurse = unit["nurse"]
    bottle = receive_milk(nurse)
    assert response_model("GET", "/containers/{code}") is ContainerOut
    assert response_model("GET", "/infants/{mrn}") is InfantDetail
    ContainerOut.model_validate(expect(nurse.get(f"/containers/{bottle['code']}"), 200))
    InfantDetail.model_validate(expect(nurse.get("/infants/INF100"), 200))
    # The models forbid what they do not declare, so an undocumented field would fail.
    with pytest.raises(ValueError, match="Extra inputs"):
        ContainerOut.model_validate({**bottle, "undocumented": 1})
