"""nicu_milk: breast-milk inventory, expiry and bedside feeding checks for a NICU.

create_app() builds the Flask application: settings (read and checked once, here), database,
policy, label layouts, the API and the pages.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, jsonify, make_response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Settings, SettingsError, config_from_environment, read_settings

from . import security
from .database import prepare_engine
from .errors import DomainError, keep_refused
from .extensions import csrf, db, login_manager, migrate
from .policy import load_policy, policy_fingerprint

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
MIGRATIONS = PACKAGE / "migrations"
# A source checkout (or an editable install of one): the instance folder is made beside it.
SOURCE_TREE = (ROOT / "pyproject.toml").is_file() and (ROOT / "templates").is_dir()


def shared_folder(name: str) -> Path:
    """templates/ or labels/: the wheel's copy inside the package (setup.py puts it there),
    else the source tree's, at the top of the repository."""
    packaged = PACKAGE / "_share" / name
    return packaged if packaged.is_dir() else ROOT / name


class StartupError(RuntimeError):
    """The configuration is wrong; the message says which setting and how to fix it."""


def create_app(
    config_object: object | None = None, *, instance_path: str | None = None, **overrides
) -> Flask:
    if instance_path is None and SOURCE_TREE:
        instance_path = ROOT / "instance"
    app = Flask(
        __name__,
        # Installed from a wheel, Flask's own: <prefix>/var/nicu_milk-instance.
        instance_path=str(instance_path) if instance_path else None,
        template_folder=str(shared_folder("templates")),
        static_folder="static",
    )
    if config_object is None:
        app.config.update(config_from_environment())
    else:
        app.config.from_object(config_object)
    app.config.update(overrides)
    app.config.setdefault("LABELS_DIR", str(shared_folder("labels")))
    try:
        settings = read_settings(app.config)
    except SettingsError as wrong:
        raise StartupError(f"nicu_milk cannot start: {wrong}") from None
    # Flask's and its extensions' own settings, as checked.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_content_length
    app.config["SQLALCHEMY_DATABASE_URI"] = settings.database_url
    if not settings.database_url:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'nicu_milk.sqlite'}"
        )
    _session_key(app, settings)
    _load_unit(app, settings)
    hops = settings.proxy_hops
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
    from .runtime import unit
    from .services.coldchain import watch_moves

    watch_moves(unit)
    return app


def _session_key(app: Flask, settings: Settings) -> None:
    """NICU_MILK_SECRET_KEY, or else (outside production) the instance folder's random key."""
    app.config["SECRET_KEY"] = settings.secret_key
    if settings.secret_key:
        return
    if settings.production:
        raise StartupError(
            "NICU_MILK_SECRET_KEY is not set. Production refuses to start without it."
        )
    try:
        app.config["SECRET_KEY"] = security.instance_secret(app.instance_path)
    except (OSError, security.SecretKeyError) as problem:
        raise StartupError(
            f"No NICU_MILK_SECRET_KEY, and the instance folder's key cannot be used: {problem}"
        ) from None


def _load_unit(app: Flask, settings: Settings) -> None:
    """The unit's expiry policy and label layouts: wrong ones stop start-up."""
    policy = load_policy(settings.policy_file, settings.timezone)
    app.extensions["nicu_milk"] = {
        "settings": settings,
        "policy": policy,
        "fingerprint": policy_fingerprint(policy),
        "layouts": _load_layouts(app.config["LABELS_DIR"], settings),
    }


def _load_layouts(folder: str, settings: Settings) -> dict:
    from .printing import load_layouts, wider_stock_problem

    layouts = load_layouts(folder)
    stocks = (
        ("LABEL_STOCK", settings.label_stock, "thermal", False),
        ("SHEET_STOCK", settings.sheet_stock, "sheet", False),
        # A name is never refused, so some stock must take any label: check it before serving.
        ("WIDE_LABEL_STOCK", settings.wide_label_stock, "thermal", True),
        ("WIDE_SHEET_STOCK", settings.wide_sheet_stock, "sheet", True),
    )
    problems = []
    for setting, name, kind, widest in stocks:
        stock = layouts.get(name)
        if stock is None or stock.kind != kind:
            known = ", ".join(sorted(n for n, layout in layouts.items() if layout.kind == kind))
            problem = f"must name a {kind} layout in {folder} ({known}), got {name!r}"
        else:
            problem = wider_stock_problem(stock) if widest else None
            problem = problem and f"names {name!r}, which cannot take every label: {problem}"
        if problem:
            problems.append(f"NICU_MILK_{setting} {problem}.")
    if problems:
        raise StartupError("nicu_milk cannot start: " + "\n".join(problems))
    return layouts


def _register_web(app: Flask) -> None:
    from .web import register

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
