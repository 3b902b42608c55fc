"""Administration: user accounts (create, reset password, deactivate, link parents to babies),
storage locations with printable barcodes, the expiry policy in force, and the audit trail."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField
from wtforms.validators import InputRequired, Length, Optional

from ..errors import DomainError
from ..extensions import db
from ..policy import RULE_DESCRIPTIONS, policy_fingerprint
from ..runtime import now, policy
from ..security import file_response
from ..services import accounts, audit, families, storage
from ..services import printing as printouts
from ..services.common import infant_for
from ..services.storage import create_location, get_location
from ..vocabulary import KIND_WORDS, LOCATION_KINDS, ROLE_WORDS, ROLES
from . import work
from .access import allow, me
from .forms import add_error, choices, code_field, printable, show_domain_error, text_field

bp = Blueprint("admin", __name__, url_prefix="/admin")
ADMIN = ("admin",)


def _password(label: str):
    return PasswordField(
        label,
        [
            InputRequired("Enter a password."),
            Length(min=8, max=200, message="At least 8 characters."),
            printable,
        ],
        render_kw={"autocomplete": "new-password"},
    )


class UserForm(FlaskForm):
    username = text_field("Username", required=True, render_kw={"autocapitalize": "off"})
    display_name = text_field("Full name (shown on pages)")
    role = SelectField("Role", choices=choices((role, ROLE_WORDS[role]) for role in ROLES))
    password = _password("First password (the user should change it)")
    badge_code = code_field("Staff badge barcode (scan it)", required=False)
    infant_mrn = code_field("Parents: baby’s MRN", required=False)


class PasswordForm(FlaskForm):
    password = _password("New password")


class LinkForm(FlaskForm):
    infant_mrn = code_field("Baby’s MRN (or scan the wristband)")


class LocationForm(FlaskForm):
    code = code_field("Code (what its barcode holds)")
    name = text_field("Name", required=True)
    parent_code = code_field(
        "Inside (for a shelf or bin: the fridge or freezer’s code)", required=False
    )
    kind = SelectField(
        "Kind (for a fridge or freezer; a shelf takes its parent’s)",
        choices=choices(
            [("", "— a shelf or bin: same as its parent —")]
            + [(kind, KIND_WORDS[kind]) for kind in LOCATION_KINDS]
        ),
        validators=[Optional()],
    )


@bp.route("/")
@allow(*ADMIN)
@work.page()
def index():
    return render_template("admin/index.html")


@bp.route("/users", methods=["GET", "POST"])
@allow(*ADMIN)
@work.page(writes=("POST",))
def users():
    form = UserForm()
    if form.validate_on_submit():
        mrns = [form.infant_mrn.data] if form.infant_mrn.data else []
        try:
            user = accounts.create_user(
                db.session,
                form.username.data,
                form.role.data,
                form.password.data,
                infant_mrns=mrns,
                display_name=form.display_name.data or None,
                badge_code=form.badge_code.data or None,
                hash_method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"),
            )
        except DomainError as refused:
            show_domain_error(
                form,
                refused,
                {
                    "DUPLICATE_USERNAME": "username",
                    "DUPLICATE_BADGE": "badge_code",
                    "NOT_A_PARENT": "infant_mrn",
                    "UNKNOWN_INFANT": "infant_mrn",
                    "WEAK_PASSWORD": "password",
                    "INVALID_ROLE": "role",
                },
            )
        else:
            flash(f"Created {ROLE_WORDS[user.role].lower()} {user.username}.", "success")
            return redirect(url_for("admin.users"))
    form.password.data = ""
    return render_template("admin/users.html", form=form, users=accounts.users(db.session)), (
        400 if form.errors or form.form_errors else 200
    )


def _user_page(user, *, password_form=None, link_form=None, status=200):
    return render_template(
        "admin/user.html",
        user=user,
        password_form=password_form or PasswordForm(formdata=None),
        link_form=link_form or LinkForm(formdata=None),
    ), status


@bp.route("/users/<username>")
@allow(*ADMIN)
@work.page()
def user(username: str):
    return _user_page(accounts.user_named(db.session, username))


@bp.route("/users/<username>/password", methods=["POST"])
@allow(*ADMIN)
@work.page(writes=True)
def reset_password(username: str):
    account = accounts.user_named(db.session, username)
    form = PasswordForm()
    if form.validate_on_submit():
        accounts.set_password(
            account,
            form.password.data,
            hash_method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"),
        )
        accounts.revoke_all(db.session, account, now())
        flash(f"New password set for {account.username}. Their API tokens were revoked.", "success")
        return redirect(url_for("admin.user", username=account.username))
    return _user_page(account, password_form=form, status=400)


@bp.route("/users/<username>/<any(deactivate, activate):change>", methods=["POST"])
@allow(*ADMIN)
@work.page(writes=True)
def set_active(username: str, change: str):
    account = accounts.user_named(db.session, username)
    if FlaskForm().validate_on_submit():
        try:
            accounts.set_active(db.session, me(), account, change == "activate", now())
        except DomainError as refused:
            work.refuse(refused)
            flash(refused.message, "error")
        else:
            flash(
                f"{account.username} is {'active again' if account.active else 'deactivated'}.",
                "success",
            )
    return redirect(url_for("admin.user", username=account.username))


@bp.route("/users/<username>/link", methods=["POST"])
@allow(*ADMIN)
@work.page(writes=True)
def link(username: str):
    account = accounts.user_named(db.session, username)
    form = LinkForm()
    if form.validate_on_submit():
        try:
            infant = families.infant_by_wristband(db.session, form.infant_mrn.data) or infant_for(
                db.session, me(), form.infant_mrn.data
            )
            accounts.link_parent(db.session, account, infant)
        except DomainError as refused:
            show_domain_error(
                form,
                refused,
                {
                    "UNKNOWN_INFANT": "infant_mrn",
                    "ALREADY_LINKED": "infant_mrn",
                    "NOT_A_PARENT": "infant_mrn",
                },
            )
        else:
            flash(f"{account.username} is linked to {infant.full_name}.", "success")
            return redirect(url_for("admin.user", username=account.username))
    return _user_page(accounts.user_named(db.session, username), link_form=form, status=400)


@bp.route("/users/<username>/unlink/<mrn>", methods=["POST"])
@allow(*ADMIN)
@work.page(writes=True)
def unlink(username: str, mrn: str):
    account = accounts.user_named(db.session, username)
    if FlaskForm().validate_on_submit():
        try:
            accounts.unlink_parent(db.session, account, infant_for(db.session, me(), mrn))
        except DomainError as refused:
            work.refuse(refused)
            flash(refused.message, "error")
        else:
            flash(f"{account.username} is no longer linked to MRN {mrn}.", "success")
    return redirect(url_for("admin.user", username=account.username))


@bp.route("/locations", methods=["GET", "POST"])
@allow(*ADMIN)
@work.page(writes=("POST",))
def locations():
    form = LocationForm()
    if form.validate_on_submit():
        parent = form.parent_code.data or None
        kind = form.kind.data or None
        if parent is None and kind is None:
            add_error(
                form,
                "Choose the kind of a fridge or freezer; for a shelf, give the code "
                "of the fridge or freezer it is in.",
                "kind",
            )
        else:
            try:
                place = create_location(
                    db.session, form.code.data, form.name.data, None if parent else kind, parent
                )
            except DomainError as refused:
                show_domain_error(
                    form,
                    refused,
                    {
                        "DUPLICATE_LOCATION": "code",
                        "UNKNOWN_PARENT": "parent_code",
                        "KIND_REQUIRED": "kind",
                        "KIND_INHERITED": "kind",
                    },
                )
            else:
                flash(
                    f"Added {place.path} ({place.code}). Print its barcode label below.", "success"
                )
                return redirect(url_for("admin.locations"))
    return render_template(
        "admin/locations.html", form=form, places=storage.location_choices(db.session)
    ), (400 if form.errors or form.form_errors else 200)


@bp.route("/locations/<code>/barcode.svg")
@allow(*ADMIN)
@work.page()
def location_barcode(code: str):
    place = get_location(db.session, code)
    return file_response(
        printouts.location_barcode_svg(place), "image/svg+xml", f"location-{place.code}.svg"
    )


@bp.route("/locations/<code>/label")
@allow(*ADMIN)
@work.page()
def location_label(code: str):
    place = get_location(db.session, code)
    return render_template(
        "admin/location_label.html",
        place=place,
        drawable=printouts.location_barcode_drawable(place),
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


@bp.route("/policy")
@allow(*ADMIN)
@work.page()
def policy_page():
    rules = policy()
    limits = [
        {
            "rule": rule,
            "what": _sentence(what.replace("<=", "≤")),
            "limit": str(span),
            "counted_from": _sentence(counted_from),
        }
        for rule, span in rules.limits.items()
        for what, counted_from in [RULE_DESCRIPTIONS[rule]]
    ]
    temperatures = [
        {
            "kind": limit.kind,
            "range": _sentence(limit.range_text()),
            "opens_minutes": limit.opens_after.total_seconds() / 60
            if limit.range_text() != "no limit"
            else None,
        }
        for limit in rules.cold_chain.limits
    ]
    alarms = rules.cold_chain.for_kind("refrigerator")
    return render_template(
        "admin/policy.html",
        policy=rules,
        limits=limits,
        temperatures=temperatures,
        no_data_minutes=alarms.no_data_after.total_seconds() / 60,
        stuck_hours=alarms.stuck_after.total_seconds() / 3600,
        fingerprint=policy_fingerprint(rules),
        expires_soon_minutes=rules.expires_soon.total_seconds() / 60,
    )


# The newest events the audit trail page lists; verify-audit checks the whole chain too.
AUDIT_PAGE_ROWS = 100


@bp.route("/audit")
@allow(*ADMIN)
@work.page()
def audit_trail():
    verdict = audit.verify_database(db.session)
    return render_template(
        "admin/audit.html", events=audit.recent(db.session, AUDIT_PAGE_ROWS), verdict=verdict
    )
