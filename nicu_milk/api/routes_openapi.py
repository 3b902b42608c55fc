"""The OpenAPI 3 description of /api/v1, built from the registered routes and their models."""

from pydantic.json_schema import models_json_schema

from . import ENDPOINTS, endpoint
from .responses import ErrorOut, FeedRefused

ERROR_TEXT = {
    400: "Malformed or invalid input; nothing was changed",
    401: "No token, or a bad or expired one",
    403: "This role may not do this",
    404: "Unknown, or another family's",
    409: "Valid, but not allowed in the container's current state",
    405: "This address does not take that method; Allow lists those it does",
    413: "The body is larger than the server accepts",
    414: "The address is longer than the server accepts",
    429: "Too many wrong passwords lately: try again after Retry-After seconds",
    503: "The label printer did not answer; print the PDF label instead",
}


# Answers any route may give before its view runs: a method the address does not take (with
# Allow), a body or an address too long.
ALWAYS_POSSIBLE = (405, 413, 414)


def _path_schema(path: str) -> dict:
    schema: dict = {"type": "string", "maxLength": 64}
    if path.startswith("/containers/{code}"):
        # /containers/combine is an address of its own (see api.ContainerCode).
        schema["not"] = {"const": "combine"}
    return schema


def build_document() -> dict:
    models = {ErrorOut, FeedRefused}
    for route in ENDPOINTS:
        models.update(m for m in (route.body, route.response) if m is not None)
    keyed, schema = models_json_schema(
        [
            (model, "validation" if any(r.body is model for r in ENDPOINTS) else "serialization")
            for model in sorted(models, key=lambda m: m.__name__)
        ],
        ref_template="#/components/schemas/{model}",
    )
    ref = {model: keyed[(model, mode)]["$ref"] for model, mode in keyed}
    paths: dict = {}
    for route in ENDPOINTS:
        operation: dict = {
            "summary": route.summary,
            "tags": route.tags,
            "operationId": f"{route.method.lower()}_{route.path}",
            "responses": {},
        }
        parameters = [
            {
                "name": part[1:-1],
                "in": "path",
                "required": True,
                "schema": _path_schema(route.path),
            }
            for part in route.path.split("/")
            if part.startswith("{")
        ]
        if route.query is not None:
            query_schema = route.query.model_json_schema()
            for name, prop in query_schema["properties"].items():
                parameters.append(
                    {
                        "name": name,
                        "in": "query",
                        "required": name in query_schema.get("required", []),
                        "schema": prop,
                    }
                )
        if parameters:
            operation["parameters"] = parameters
        if route.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": ref[route.body]}}},
            }
        if route.roles:
            operation["security"] = [{"bearer": []}]
            operation["description"] = "Roles: " + ", ".join(route.roles)
        success: dict = {"description": "Success"}
        if route.response is not None:
            success["content"] = {route.produces: {"schema": {"$ref": ref[route.response]}}}
        elif route.produces != "application/json":
            success["content"] = {
                route.produces: {"schema": {"type": "string", "format": "binary"}}
            }
        operation["responses"][str(route.status)] = success
        for status in sorted({*route.errors, *ALWAYS_POSSIBLE}):
            schema_ref = FeedRefused if (status == 409 and route.path == "/feeds") else ErrorOut
            operation["responses"][str(status)] = {
                "description": ERROR_TEXT[status],
                "content": {"application/json": {"schema": {"$ref": ref[schema_ref]}}},
            }
            if status == 429:
                operation["responses"]["429"]["headers"] = {
                    "Retry-After": {
                        "description": "Seconds until another attempt may be made",
                        "schema": {"type": "integer", "minimum": 1},
                    }
                }
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "nicu_milk API",
            "version": "1",
            "description": "Breast-milk inventory and bedside feeding checks for a NICU.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": schema.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@endpoint(
    "GET", "/openapi.json", "This description", roles=None, response=None, errors=(400,), tag="meta"
)
def openapi():
    return build_document()
