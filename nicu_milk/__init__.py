"""nicu_milk: breast-milk inventory, expiry and bedside feeding checks for a NICU.

create_app() builds the Flask application: configuration, database, policy, label layouts,
the API and the pages.
"""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, jsonify, make_response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.middleware.proxy_fix import ProxyFix

from config import config_from_environment

from . import security
from .database import prepare_engine
from .errors import DomainError, keep_refused
from .extensions import csrf, db, login_manager, migrate
from .policy import load_policy, policy_fingerprint

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StartupError(RuntimeError):
    """The configuration is wrong; the message says which setting and how to fix it."""


def create_app(
    config_object: object | None = None, *, instance_path: str | None = None, **overrides
) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(instance_path or ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    app.config.from_object(config_object or config_from_environment())
    app.config.update(overrides)
    app.config.setdefault("LABELS_DIR", str(ROOT / "labels"))
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'nicu_milk.sqlite'}"
        )
    _session_key(app)
    _load_unit(app)
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        # Behind a reverse proxy: take the client's address and scheme from the hops we trust.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    security.install(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        prepare_engine(db.engine)

    from .api import bp as api_bp
    from .api import domain_error_response

    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    _register_web(app)
    _register_errors(app, domain_error_response)

    from .cli import register_commands
    from .runtime import acting_user
    from .services import audit

    # Every change becomes a row of the audit trail; this tells it who acts in a request.
    audit.context_actor = acting_user
    register_commands(app)
    return app


def _session_key(app: Flask) -> None:
    """NICU_MILK_SECRET_KEY, or else (outside production) the instance folder's random key."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config.get("PRODUCTION"):
        raise StartupError(
            "NICU_MILK_SECRET_KEY is not set. Production refuses to start without it."
        )
    try:
        app.config["SECRET_KEY"] = security.instance_secret(app.instance_path)
    except (OSError, security.SecretKeyError) as problem:
        raise StartupError(
            f"No NICU_MILK_SECRET_KEY, and the instance folder's key cannot be used: {problem}"
        ) from None


def _load_unit(app: Flask) -> None:
    """The unit's time zone, expiry policy and label layouts: wrong ones stop start-up."""
    try:
        zone = ZoneInfo(app.config["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise StartupError(
            f"NICU_MILK_TIMEZONE={app.config['TIMEZONE']!r} is not an IANA time zone name "
            "(for example America/Chicago)."
        ) from None
    policy = load_policy(app.config.get("POLICY_FILE"), zone)
    app.extensions["nicu_milk"] = {
        "policy": policy,
        "fingerprint": policy_fingerprint(policy),
        "layouts": _load_layouts(app),
    }


def _load_layouts(app: Flask) -> dict:
    from .printing import load_layouts, wider_stock_problem

    layouts = load_layouts(app.config["LABELS_DIR"])
    # A name is never refused, so some stock must take any label: check it before serving.
    for setting, kind in (("WIDE_LABEL_STOCK", "thermal"), ("WIDE_SHEET_STOCK", "sheet")):
        wide = layouts.get(app.config[setting])
        if wide is None or wide.kind != kind:
            problem = (
                f"no {kind} layout named {app.config[setting]!r} in {app.config['LABELS_DIR']}"
            )
        else:
            problem = wider_stock_problem(wide)
        if problem:
            raise StartupError(f"NICU_MILK_{setting}: {problem}.")
    return layouts


def _register_web(app: Flask) -> None:
    try:
        from .web import register
    except ImportError:
        return
    register(app)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


# What a JSON client is told for errors raised before any view runs (routing, body size).
HTTP_ERROR_CODES = {
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "BODY_TOO_LARGE",
    414: "URI_TOO_LONG",
    431: "HEADERS_TOO_LARGE",
}


def _register_errors(app: Flask, domain_error_response) -> None:
    @app.errorhandler(DomainError)
    def on_domain_error(error: DomainError):
        if _wants_json():
            return domain_error_response(error)
        keep_refused(db.session, error)
        return _headers_of(error, _page_error(app, error.status, error.message))

    @app.errorhandler(HTTPException)
    def on_http_error(error: HTTPException):
        db.session.rollback()
        if _wants_json():
            code = HTTP_ERROR_CODES.get(error.code, error.name.upper().replace(" ", "_"))
            message = {
                404: "There is no such API address. See /api/v1/openapi.json.",
                405: "This address does not take that method. See /api/v1/openapi.json.",
                413: f"The request body is larger than {app.config['MAX_CONTENT_LENGTH']} bytes.",
            }.get(error.code, error.description)
            response = jsonify({"error": {"code": code, "message": message}})
            response.status_code = error.code
            return _headers_of(error, response)
        return _headers_of(error, _page_error(app, error.code, error.description))

    @app.errorhandler(Exception)
    def on_unexpected(error: Exception):
        db.session.rollback()
        reference = security.request_id()
        app.logger.exception(
            "unexpected error on %s %s (request id %s)", request.method, request.path, reference
        )
        if _wants_json():
            response = jsonify(
                {
                    "error": {
                        "code": "INTERNAL_ERROR",
                        "message": "Something went wrong on the server; nothing was changed. "
                        f"Tell the unit's IT support, quoting request id {reference}.",
                    },
                    "request_id": reference,
                }
            )
            response.status_code = 500
            return response
        return _page_error(
            app,
            500,
            "Something went wrong; nothing was changed. Tell the unit's IT support, quoting "
            f"request id {reference}.",
        )


def _headers_of(error, answer):
    """Headers an error must carry: Allow on a 405, Retry-After on a 429."""
    response = make_response(answer)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(int(retry_after))
    return response


def _page_error(app: Flask, status: int, message: str):
    handler = app.extensions.get("nicu_milk.page_error")
    if handler is not None:
        return handler(status, message)
    return message, status
