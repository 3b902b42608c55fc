"""Signing in (by username or a scanned staff badge) and out, and each role's start page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from ..errors import TooManyAttempts
from ..extensions import db
from ..runtime import now, sign_in_attempt, sign_in_limits
from ..services import accounts, signin
from ..vocabulary import DEVICE
from . import work
from .forms import add_error, printable

bp = Blueprint("auth", __name__)

START_PAGES = {
    "nurse": "bedside.scan",
    "charge_nurse": "charge.dashboard",
    "admin": "admin.index",
    "parent": "family.index",
}


class LoginForm(FlaskForm):
    username = StringField(
        "Username or staff badge",
        [
            InputRequired("Enter your username, or scan your staff badge."),
            Length(max=100, message="At most 100 characters."),
            printable,
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={
            "autocomplete": "username",
            "autocapitalize": "off",
            "spellcheck": "false",
            "autofocus": True,
        },
    )
    password = PasswordField(
        "Password",
        [
            InputRequired("Enter your password."),
            Length(max=200, message="At most 200 characters."),
        ],
        render_kw={"autocomplete": "current-password"},
    )


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host (an open redirect), never a broken header.

    Browsers drop tabs and line breaks from a Location and read a backslash as a slash, so
    "/\t/evil.example" and "/\\evil.example" would lead to another site: anything but plain
    printable ASCII is refused, and so is anything that names a scheme or a host.
    """
    if not target or not all(33 <= ord(ch) < 127 for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/")
@work.page()
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(START_PAGES.get(current_user.role, "auth.login")))


@bp.route("/login", methods=["GET", "POST"])
@work.page(writes=("POST",))
def login():
    target = _safe_next(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target or url_for("auth.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = signin.sign_in(
                db.session,
                sign_in_attempt(form.username.data, "page"),
                form.password.data,
                sign_in_limits(),
            )
        except (signin.WrongPassword, TooManyAttempts) as refused:
            work.refuse(refused)
            add_error(
                form,
                refused.message
                if isinstance(refused, TooManyAttempts)
                else "The username or password is wrong. Check them and try again.",
            )
            form.password.data = ""
            answer = make_response(render_template("auth/login.html", form=form))
            answer.status_code = int(refused.status)
            if isinstance(refused, TooManyAttempts):
                answer.headers["Retry-After"] = str(refused.retry_after)
            return answer
        if user.role == DEVICE:
            # A sensor gateway's account posts readings through the API, and nothing else.
            db.session.commit()
            add_error(form, "This account is a sensor gateway's: it cannot sign in to pages.")
            form.password.data = ""
            return render_template("auth/login.html", form=form), 403
        # A fresh session on sign-in: nothing from before carries over.
        session.clear()
        login_user(user)
        session["seen_at"] = now().timestamp()
        return redirect(target or url_for(START_PAGES.get(user.role, "auth.home")))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
@work.page(writes=True)
def logout():
    # Signing out ends every copy of this session, not only the cookie in this browser.
    accounts.end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
