"""The /api/v1 blueprint: parse JSON, call a service, serialise. One transaction per request."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, Response, g, jsonify, request
from pydantic import BaseModel, ValidationError
from werkzeug.routing import BaseConverter

from .. import identifiers
from ..database import write_intent
from ..errors import (
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyAttempts,
    Unauthorized,
    keep_refused,
)
from ..extensions import db
from ..runtime import now
from ..services import accounts
from ..vocabulary import PARENT
from ..vocabulary import STAFF as STAFF
from .schemas import Empty

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class ContainerCode(BaseConverter):
    """A container's code in an address: anything but "combine", which is an address of its own.

    Without this, /containers/{code} also matched /containers/combine, and a 405 or OPTIONS
    there advertised GET in Allow, which the description rightly does not list.
    """

    regex = r"(?!combine(?![^/]))[^/]+"


# Before any route: the rules below need the converter when the blueprint is registered.
bp.record_once(lambda state: state.app.url_map.converters.setdefault("container", ContainerCode))

# Every person who signs in; a sensor gateway (the device role) only posts readings.
EVERYONE = (*STAFF, PARENT)


@dataclass
class Endpoint:
    """What the OpenAPI document says about one route, taken from the route itself."""

    method: str
    path: str
    summary: str
    roles: tuple[str, ...]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...]
    produces: str = "application/json"
    tags: list[str] = field(default_factory=list)


ENDPOINTS: list[Endpoint] = []


def error_body(code: str, message: str, **extra) -> dict:
    return {"error": {"code": code, "message": message}, **extra}


# What is wrong with a value its pattern refused, in words (see identifiers.py).
PATTERN_PROBLEMS = {
    identifiers.IDENTIFIER_PATTERN: identifiers.identifier_problem,
    identifiers.NAME_PATTERN: identifiers.name_problem,
    identifiers.TEXT_PATTERN: identifiers.text_problem,
    identifiers.WORD_PATTERN: identifiers.word_problem,
    identifiers.SCANNED_PATTERN: lambda text: identifiers.scanned_problem(text),
    identifiers.SECRET_PATTERN: lambda text: "holds a control character",
}


def _validation_message(problem: ValidationError) -> tuple[str, str]:
    first = problem.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "json_invalid":
        return (
            "MALFORMED_JSON",
            f"The request body is not valid JSON: {first['msg'].removeprefix('Invalid JSON: ')}.",
        )
    if first["type"] == "extra_forbidden":
        return (
            "UNKNOWN_FIELD",
            f"Unknown field {where!r}. Check the spelling against the API description.",
        )
    if first["type"] == "missing":
        return "MISSING_FIELD", f"{where} is required."
    if first["type"] == "string_pattern_mismatch":
        explain = PATTERN_PROBLEMS.get(first["ctx"]["pattern"])
        if explain is not None and isinstance(first.get("input"), str):
            return "INVALID_INPUT", f"{where} {explain(first['input'])}."
    message = first["msg"].removeprefix("Value error, ")
    return "INVALID_INPUT", f"{where}: {message}." if where else f"{message}."


def parse_body(model: type[BaseModel]) -> BaseModel:
    raw = request.get_data(cache=True)
    if not raw.strip():
        raw = b"{}"
    elif not request.is_json:
        raise InvalidInput(
            "UNSUPPORTED_MEDIA_TYPE", "Send the body as JSON (Content-Type: application/json)."
        )
    try:
        return model.model_validate_json(raw)
    except ValidationError as problem:
        raise InvalidInput(*_validation_message(problem)) from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    values = {}
    for key in request.args:
        items = request.args.getlist(key)
        if len(items) > 1:
            raise InvalidInput("INVALID_INPUT", f"Give {key} once.")
        values[key] = items[0]
    try:
        return model.model_validate(values)
    except ValidationError as problem:
        raise InvalidInput(*_validation_message(problem)) from None


def _bearer_user():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "AUTHENTICATION_REQUIRED",
            "Sign in first: send Authorization: Bearer <token> from POST /api/v1/auth/token.",
        )
    return accounts.user_for_token(db.session, token.strip(), now())


def endpoint(
    method: str,
    path: str,
    summary: str,
    *,
    roles: tuple[str, ...] | None = EVERYONE,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (400, 401, 403, 404, 409),
    produces: str = "application/json",
    tag: str = "",
    writes: bool | None = None,
) -> Callable:
    """Register a route: authenticate, check the role, parse input, run, commit once."""

    def wrap(view: Callable) -> Callable:
        ENDPOINTS.append(
            Endpoint(
                method,
                path,
                summary,
                roles or (),
                body,
                query,
                response,
                status,
                errors,
                produces,
                [tag] if tag else [],
            )
        )

        @functools.wraps(view)
        def handle(**kwargs):
            # A GET that records something (a label printed) starts as a writer too.
            write_intent.set(method != "GET" if writes is None else writes)
            if roles is not None:
                g.user = _bearer_user()
                if g.user.role not in roles:
                    raise Forbidden(
                        "FORBIDDEN", f"A {g.user.role.replace('_', ' ')} may not do this."
                    )
            if any("\x00" in value for value in kwargs.values() if isinstance(value, str)):
                # No record has a NUL in its code, and PostgreSQL refuses to compare with one.
                raise NotFound("NOT_FOUND", "Nothing is on record under that address.")
            if body is not None:
                kwargs["body"] = parse_body(body)
            elif method != "GET":
                parse_body(Empty)
            if query is not None:
                kwargs["query"] = parse_query(query)
            elif request.args:
                raise InvalidInput(
                    "UNKNOWN_PARAMETER", f"Unknown query parameter {next(iter(request.args))!r}."
                )
            result = view(**kwargs)
            db.session.commit()
            if isinstance(result, Response):
                return result
            if isinstance(result, tuple):
                payload, code = result
                return (Response(status=code) if payload is None else jsonify(payload)), code
            return jsonify(result), status

        flask_path = path.replace("{", "<").replace("}", ">")
        if path.startswith("/containers/{code}"):
            flask_path = flask_path.replace("<code>", "<container:code>")
        bp.add_url_rule(flask_path, endpoint=view.__name__, view_func=handle, methods=[method])
        return handle

    return wrap


def domain_error_response(error: DomainError):
    if error.keep:
        # What the refusal records is written, even by a route declared read-only.
        write_intent.set(True)
    keep_refused(db.session, error)
    response = jsonify(error_body(error.code, error.message))
    response.status_code = int(error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="nicu_milk"'
    if isinstance(error, TooManyAttempts):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


# Routes register themselves on import.
from . import (  # noqa: E402,F401
    routes_accounts,
    routes_coldchain,
    routes_containers,
    routes_feeding,
    routes_infants,
    routes_locations,
    routes_openapi,
    routes_printing,
    routes_reports,
)
