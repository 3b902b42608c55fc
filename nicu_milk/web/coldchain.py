"""Fridges & freezers: each unit's temperature, its alarms and a 24-hour chart; the one-tap
twice-daily sign-off; and each excursion with the charge nurse's decision on its milk."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, SelectField, SelectMultipleField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from ..errors import DomainError
from ..extensions import db
from ..models import StorageLocation
from ..runtime import unit
from ..services import coldchain
from ..services import storage as places
from . import work
from .access import STAFF, allow, me, pdf
from .charts import temperature_chart
from .forms import choices, show_domain_error, text_field

bp = Blueprint("coldchain", __name__, url_prefix="/temperatures")
CHARGE = ("admin", "charge_nurse")
ACTION_WORDS = {
    "release": "Release: the milk is safe to use",
    "discard": "Discard it",
    "thawed": "Treat as thawed from the excursion’s start (freezers), and move it to a fridge",
}
ALARM_WORDS = {
    "OK": ("go", "In range"),
    "EXCURSION": ("stop", "EXCURSION: milk on hold"),
    "DECISION_NEEDED": ("warn", "Decision needed on held milk"),
    "NO_DATA": ("stop", "NO DATA: check the sensor"),
    "SENSOR_STUCK": ("warn", "SENSOR STUCK: check the sensor"),
    "NO_SENSOR": ("info", "No sensor"),
    "NO_LIMITS": ("info", "No limits"),
}


class SignOffForm(FlaskForm):
    """Nothing to fill in: one tap signs off the unit (CSRF only)."""


class DecisionForm(FlaskForm):
    action = RadioField(
        "Decision",
        choices=choices(ACTION_WORDS.items()),
        validators=[InputRequired("Choose release, discard or thawed.")],
    )
    codes = SelectMultipleField(
        "Which bottles (none ticked: every bottle still waiting)",
        choices=choices([]),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=True,
    )
    location_code = SelectField(
        "Refrigerator the thawed milk goes to", choices=choices([]), default=""
    )
    reason = text_field("Why", required=True, max_length=500)


def _state(state) -> dict:
    chart = temperature_chart(
        state.series,
        state.limits.min_celsius,
        state.limits.max_celsius,
        unit().now,
        unit().zone,
    )
    alarm = state.alarm if state.sensor_id else "NO_SENSOR"
    if alarm == "NO_SENSOR" and state.open_excursions:
        alarm = state.alarm
    return {"state": state, "chart": chart, "alarm": alarm, "words": ALARM_WORDS[alarm]}


@bp.route("/")
@allow(*STAFF)
@work.page()
def index():
    current = unit()
    units = [
        _state(coldchain.unit_state(db.session, current, place))
        for place in coldchain.storage_units(db.session)
    ]
    order = ["EXCURSION", "NO_DATA", "DECISION_NEEDED", "SENSOR_STUCK", "OK", "NO_LIMITS"]
    units.sort(key=lambda u: order.index(u["alarm"]) if u["alarm"] in order else len(order))
    return render_template("coldchain/index.html", units=units, now=current.now, form=SignOffForm())


@bp.route("/<code>/sign-off", methods=["POST"])
@allow(*STAFF)
@work.page(writes=True)
def sign_off(code: str):
    form = SignOffForm()
    if not form.validate_on_submit():
        work.abandon()
        abort(400, "The form had expired. Sign off again.")
    try:
        place = places.get_location(db.session, code)
        record = coldchain.sign_off(db.session, unit(), me(), place)
    except DomainError as refused:
        work.refuse(refused)
        abort(int(refused.status), refused.message)
    low, high = record.min_celsius, record.max_celsius
    span = "no readings since the last sign-off" if low is None else f"{low:.1f} to {high:.1f} °C"
    flash(f"Signed off {place.name}: {span}.", "success")
    return redirect(url_for("coldchain.index") + f"#unit-{place.code}")


def _decision_form(excursion) -> DecisionForm:
    form = DecisionForm()
    waiting = [h for h in excursion.holds if not h.gone and h.action is None]
    form.codes.choices = choices(
        (h.container.code, f"{h.container.code} · {h.container.infant.full_name}") for h in waiting
    )
    fridges = db.session.scalars(
        select(StorageLocation)
        .where(StorageLocation.kind == "refrigerator")
        .order_by(StorageLocation.code)
    ).all()
    form.location_code.choices = choices(
        [
            ("", "Not moving it (release or discard)"),
            *((place.code, place.path) for place in fridges),
        ]
    )
    return form


def _excursion_page(excursion, form, status=200):
    return (
        render_template(
            "coldchain/excursion.html",
            excursion=excursion,
            form=form,
            feeds=coldchain.feeds_during(db.session, excursion),
            may_decide=me().role in CHARGE,
        ),
        status,
    )


@bp.route("/excursions/<int:excursion_id>")
@allow(*STAFF)
@work.page()
def excursion(excursion_id: int):
    found = db.session.get(coldchain.Excursion, excursion_id)
    if found is None:
        abort(404, "No such temperature excursion.")
    return _excursion_page(found, _decision_form(found))


@bp.route("/excursions/<int:excursion_id>/report.pdf")
@allow(*STAFF)
@work.page()
def report_pdf(excursion_id: int):
    found = db.session.get(coldchain.Excursion, excursion_id)
    if found is None:
        abort(404, "No such temperature excursion.")
    content = coldchain.excursion_report_pdf(db.session, unit(), found)
    return pdf(content, f"excursion-{found.location.code}-{excursion_id}.pdf")


@bp.route("/excursions/<int:excursion_id>/decision", methods=["POST"])
@allow(*CHARGE)
@work.page(writes=True)
def decide(excursion_id: int):
    found = db.session.get(coldchain.Excursion, excursion_id)
    if found is None:
        abort(404, "No such temperature excursion.")
    form = _decision_form(found)
    if not form.validate_on_submit():
        return _excursion_page(found, form, 400)
    fridge = None
    if form.location_code.data:
        fridge = places.get_location(db.session, form.location_code.data)
    try:
        coldchain.decide(
            db.session,
            unit(),
            me(),
            found,
            form.action.data,
            form.reason.data,
            codes=form.codes.data or None,
            location=fridge,
        )
    except DomainError as refused:
        show_domain_error(
            form,
            refused,
            {
                "LOCATION_REQUIRED": "location_code",
                "NOT_A_REFRIGERATOR": "location_code",
                "LOCATION_NOT_USED": "location_code",
                "NOT_A_FREEZER": "action",
                "NOTHING_TO_DECIDE": "codes",
            },
        )
        found = db.session.get(coldchain.Excursion, excursion_id)
        return _excursion_page(found, form, int(refused.status))
    flash(f"Decision recorded: {form.action.data}.", "success")
    return redirect(url_for("coldchain.excursion", excursion_id=excursion_id))
