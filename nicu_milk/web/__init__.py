"""The pages for people: sign-in, the bedside check, the milk room, parents, charge nurse, admin.

register(app) is called by create_app. It adds the blueprints, Flask-Login's user loader, the
idle-session timeout, the template filters and the error page every blueprint shares. Each page
declares whether it writes (work.page), and its transaction ends in work.py.
"""

from __future__ import annotations

import datetime as dt

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError

from ..extensions import db, login_manager
from ..models import User
from ..runtime import now, settings
from ..services import accounts
from . import display, forms, work

# Paths that are not pages: the API has tokens, static files have no session.
NOT_PAGES = ("/api/", "/static/")


def register(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .bedside import bp as bedside_bp
    from .charge import bp as charge_bp
    from .coldchain import bp as coldchain_bp
    from .family import bp as family_bp
    from .milkroom import bp as milkroom_bp

    blueprints = (
        auth_bp,
        bedside_bp,
        milkroom_bp,
        family_bp,
        charge_bp,
        admin_bp,
        coldchain_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    work.check_declared(app, {blueprint.name for blueprint in blueprints})

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)

    app.before_request(_begin_page)
    app.before_request(_idle_timeout)
    app.register_error_handler(CSRFError, _csrf_error)
    app.extensions["nicu_milk.page_error"] = page_error
    display.install(app)
    app.add_template_global(forms.form_problems)
    app.add_template_global(forms.form_problem)


def _load_user(user_id: str) -> User | None:
    """The session's user, while the session's version is still the user's (see User.get_id)."""
    return accounts.signed_in_user(db.session, user_id)


def _is_page() -> bool:
    return not request.path.startswith(NOT_PAGES)


def _begin_page() -> None:
    if not _is_page():
        return
    # As the view declares (work.page): a page that only reads starts a plain transaction, so
    # that it never queues behind a feed for SQLite's write lock; a writer takes it at once.
    work.begin(current_app.view_functions.get(request.endpoint), request.method)
    # No person types NUL, and PostgreSQL refuses it in text: say so rather than fail.
    typed = [request.path, *request.args.values(), *request.form.values()]
    if any("\x00" in text for text in typed):
        abort(400, "The address or a field holds an invisible NUL character. Type it again.")


def _idle_timeout():
    """Sign out a session left alone for SESSION_IDLE_MINUTES: a cart tablet is shared."""
    if not _is_page() or not current_user.is_authenticated:
        return None
    minutes = settings().session_idle_minutes
    moment = now().timestamp()
    seen = session.get("seen_at")
    if isinstance(seen, int | float) and moment - seen > minutes * 60:
        logout_user()
        session.clear()
        flash(
            f"You were signed out after {minutes:g} minutes without activity. Sign in again.",
            "info",
        )
        if request.endpoint == "auth.login":
            return None
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target.rstrip("?") if target else None))
    session["seen_at"] = moment
    return None


def _csrf_error(error: CSRFError):
    work.abandon()
    return page_error(
        400,
        "This form could not be accepted because the page was out of date "
        "(perhaps you were signed out meanwhile). Go back, reload the page "
        "and enter it again.",
    )


def page_error(status: int, message: str):
    """The page shown for an error outside a form: what went wrong and where to go next."""
    titles = {
        400: "That could not be done",
        403: "Not available to you",
        404: "Not found",
        405: "Not available",
        409: "Not allowed now",
        413: "Too large",
        500: "Something went wrong",
        503: "Not available yet",
    }
    if status == 401:
        return redirect(url_for("auth.login", next=request.path))
    return render_template(
        "error.html",
        status=status,
        title=titles.get(status, "That could not be done"),
        message=message,
        generated_at=dt.datetime.now(dt.UTC),
    ), status
