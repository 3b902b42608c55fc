"""The charge nurse's pages: expired and expiring milk (with the printable report), near misses
this shift and this week, supply per baby, discharge, and admitting babies."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField
from wtforms.validators import InputRequired, Optional

from ..errors import DomainError
from ..extensions import db
from ..models import Infant
from ..runtime import now, policy, settings, unit, zone
from ..services import coldchain, families, reports
from ..services import printing as printouts
from ..services import storage as ledger
from ..services.common import infant_for
from . import work
from .access import STAFF, allow, me, pdf
from .display import from_local, local_input
from .forms import LocalTimeField, VolumeField, add_error, code_field, show_domain_error, text_field

bp = Blueprint("charge", __name__, url_prefix="/charge")

DEFAULT_WITHIN_HOURS = 24.0
MAX_WITHIN_HOURS = 24 * 31
RECENT_NEAR_MISSES = 10


def _within_hours() -> tuple[float, str | None]:
    raw = request.args.get("within_hours", "").strip()
    if not raw:
        return DEFAULT_WITHIN_HOURS, None
    try:
        hours = float(raw)
    except ValueError:
        hours = -1
    if not 0 < hours <= MAX_WITHIN_HOURS or hours != hours:
        message = (
            f"Give the window in hours, between 1 and {MAX_WITHIN_HOURS}. "
            f"Showing {DEFAULT_WITHIN_HOURS:g} hours."
        )
        return DEFAULT_WITHIN_HOURS, message
    return hours, None


def shift_start(moment: dt.datetime) -> dt.datetime:
    """When the shift now running began, by the unit's shift changes (NICU_MILK_SHIFT_CHANGES,
    checked at start-up)."""
    return reports.shift_start(moment, zone(), settings().shift_changes)


@bp.route("/")
@allow(*STAFF)
@work.page()
def dashboard():
    hours, hours_error = _within_hours()
    moment = now()
    expiry = reports.expiry(db.session, moment, hours)
    shift = shift_start(moment)
    week = moment - dt.timedelta(days=7)
    return render_template(
        "charge/dashboard.html",
        expiry=expiry,
        within_hours=hours,
        hours_error=hours_error,
        shift=reports.near_misses(db.session, shift, None),
        week=reports.near_misses(db.session, week, None),
        recent=RECENT_NEAR_MISSES,
        shift_started=shift,
        week_started=week,
        supply=reports.inventory(db.session, policy(), now()),
        low_supply_days=policy().low_supply_days,
        discharge=families.discharged_with_milk(db.session),
        cold_chain=coldchain.alerts(db.session, unit()),
    )


@bp.route("/expiry.pdf")
@allow(*STAFF)
@work.page(writes=True)  # a report printed is recorded on the audit trail
def expiry_pdf():
    hours, _ = _within_hours()
    return pdf(
        printouts.expiry_report_pdf(db.session, unit(), hours),
        f"expiry-report-{local_input(now())[:10]}.pdf",
    )


@bp.route("/inventory.pdf")
@allow(*STAFF)
@work.page(writes=True)  # a report printed is recorded on the audit trail
def inventory_pdf():
    return pdf(
        printouts.inventory_report_pdf(db.session, unit()),
        f"inventory-{local_input(now())[:10]}.pdf",
    )


class NearMissFilter(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    since = LocalTimeField("From", [Optional()])
    until = LocalTimeField("Until (leave empty for now)", [Optional()])


def _near_miss_window(form: NearMissFilter) -> tuple[dt.datetime, dt.datetime | None]:
    since = from_local(form.since.data) if form.since.data else shift_start(now())
    until = from_local(form.until.data) if form.until.data else None
    if until is not None and until <= since:
        add_error(form, "“Until” must be after “From”.", "until")
        until = None
    return since, until


@bp.route("/near-misses")
@allow(*STAFF)
@work.page()
def near_misses():
    form = NearMissFilter(request.args)
    form.validate()
    since, until = _near_miss_window(form)
    if not form.since.data:
        form.since.data = dt.datetime.strptime(local_input(since), "%Y-%m-%dT%H:%M")
    report = reports.near_misses(db.session, since, until)
    return render_template(
        "charge/near_misses.html", form=form, report=report, since=since, until=until
    ), (400 if form.errors else 200)


@bp.route("/near-misses.pdf")
@allow(*STAFF)
@work.page(writes=True)  # a report printed is recorded on the audit trail
def near_misses_pdf():
    form = NearMissFilter(request.args)
    form.validate()
    since, until = _near_miss_window(form)
    return pdf(
        printouts.near_miss_report_pdf(db.session, unit(), since, until or now()),
        "near-misses.pdf",
    )


# --- discharge ------------------------------------------------------------------------------


class DischargeReasonForm(FlaskForm):
    reason = text_field("Reason", required=True, max_length=500)


@bp.route("/discharge/<mrn>", methods=["GET", "POST"])
@allow(*STAFF)
@work.page(writes=("POST",))
def discharge(mrn: str):
    infant = infant_for(db.session, me(), mrn)
    if request.method == "POST":
        form = FlaskForm()
        if form.validate_on_submit():
            try:
                families.discharge(db.session, infant, now())
            except DomainError as refused:
                work.refuse(refused)
                flash(refused.message, "error")
            else:
                flash(
                    f"{infant.full_name} is discharged. Send the milk below home with the "
                    "family, or discard it.",
                    "success",
                )
        return redirect(url_for("charge.discharge", mrn=infant.mrn))
    return render_template(
        "charge/discharge.html",
        infant=infant,
        items=families.discharge_list(db.session, infant, now()),
    )


@bp.route("/discharge/<mrn>/<code>/<action>", methods=["POST"])
@allow(*STAFF)
@work.page(writes=True)
def discharge_container(mrn: str, code: str, action: str):
    infant = infant_for(db.session, me(), mrn)
    form = DischargeReasonForm() if action == "discard" else FlaskForm()
    if action not in ("return", "discard") or not form.validate_on_submit():
        flash(
            "Give a reason to discard the bottle."
            if action == "discard"
            else "That could not be done.",
            "error",
        )
        return redirect(url_for("charge.discharge", mrn=infant.mrn))
    try:
        container = ledger.container_for(db.session, me(), code, lock=True)
        if container.infant_id != infant.id:
            raise DomainError("OTHER_INFANT", f"{container.code} is not {infant.full_name}'s milk.")
        if action == "return":
            ledger.return_to_family(db.session, unit(), me(), container)
            message = f"{container.code} is recorded as sent home with the family."
        else:
            ledger.discard(db.session, unit(), me(), container, form.reason.data)
            message = f"{container.code} is recorded as discarded."
    except DomainError as refused:
        work.refuse(refused)
        flash(refused.message, "error")
    else:
        flash(message, "success")
    return redirect(url_for("charge.discharge", mrn=infant.mrn))


@bp.route("/discharge/<mrn>.pdf")
@allow(*STAFF)
@work.page(writes=True)  # a report printed is recorded on the audit trail
def discharge_pdf(mrn: str):
    infant = infant_for(db.session, me(), mrn)
    return pdf(printouts.discharge_pdf(db.session, unit(), infant), f"discharge-{infant.mrn}.pdf")


# --- babies ---------------------------------------------------------------------------------


class AdmitForm(FlaskForm):
    mrn = code_field("Baby’s MRN")
    first_name = text_field("Baby’s first name", required=True, render_kw={"autocomplete": "off"})
    last_name = text_field("Baby’s last name", required=True, render_kw={"autocomplete": "off"})
    date_of_birth = DateField("Date of birth", [InputRequired("Enter the date of birth.")])
    wristband_code = code_field("Wristband code (if not the MRN)", required=False)
    mother_mrn = code_field("Mother’s MRN")
    mother_first_name = text_field(
        "Mother’s first name", required=True, render_kw={"autocomplete": "off"}
    )
    mother_last_name = text_field(
        "Mother’s last name", required=True, render_kw={"autocomplete": "off"}
    )
    donor_milk_consent = BooleanField("Donor milk consent on record")
    daily_volume_ml = VolumeField("Expected daily feeding volume (mL), if known", required=False)


class InfantUpdateForm(FlaskForm):
    donor_milk_consent = BooleanField("Donor milk consent on record")
    daily_volume_ml = VolumeField("Expected daily feeding volume (mL)", required=False)


ADMIT_ERRORS = {
    "DUPLICATE_MRN": "mrn",
    "MRN_IN_USE": "mrn",
    "DUPLICATE_WRISTBAND": "wristband_code",
    "INVALID_WRISTBAND": "wristband_code",
    "MOTHER_MISMATCH": "mother_mrn",
    "INVALID_DATE_OF_BIRTH": "date_of_birth",
    "UNPRINTABLE_NAME": "first_name",
}


@bp.route("/babies", methods=["GET", "POST"])
@allow(*STAFF)
@work.page(writes=("POST",))
def babies():
    form = AdmitForm()
    if form.validate_on_submit():
        try:
            infant = families.admit_infant(
                db.session,
                mrn=form.mrn.data,
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                date_of_birth=form.date_of_birth.data,
                mother_mrn=form.mother_mrn.data,
                mother_first_name=form.mother_first_name.data,
                mother_last_name=form.mother_last_name.data,
                donor_milk_consent=form.donor_milk_consent.data,
                wristband_code=form.wristband_code.data or None,
                daily_volume_ml=form.daily_volume_ml.data,
                today=now().astimezone(zone()).date(),
            )
        except DomainError as refused:
            show_domain_error(form, refused, ADMIT_ERRORS)
        else:
            flash(
                f"{infant.full_name} (MRN {infant.mrn}) is admitted."
                + (" NAME ALERT: a similar name is in the unit." if infant.name_alert else ""),
                "warning" if infant.name_alert else "success",
            )
            label_warning = printouts.admission_label_warning(
                unit(), infant.first_name, infant.last_name, infant.mrn
            )
            if label_warning:
                flash(label_warning, "warning")
            return redirect(url_for("charge.babies"))
    return render_template("charge/babies.html", form=form, infants=families.infants(db.session)), (
        400 if form.errors or form.form_errors else 200
    )


class MotherHoldForm(FlaskForm):
    reason = text_field(
        "Why (for example: new medication, positive culture)", required=True, max_length=500
    )


@bp.route("/babies/<mrn>/mother/<any(hold, release):change>", methods=["POST"])
@allow(*STAFF)
@work.page(writes=True)
def mother_hold(mrn: str, change: str):
    """Hold all of the mother's milk, for every sibling, or lift that hold."""
    infant = infant_for(db.session, me(), mrn)
    form = MotherHoldForm() if change == "hold" else FlaskForm()
    if not form.validate_on_submit():
        return _baby_page(infant, hold_form=form, status=400)
    try:
        if change == "hold":
            count = families.hold_mother(db.session, infant.mother, form.reason.data, me(), now())
        else:
            count = families.release_mother(db.session, infant.mother, me(), now())
    except DomainError as refused:
        work.refuse(refused)
        flash(refused.message, "error")
    else:
        flash(
            f"All of {infant.mother.first_name} {infant.mother.last_name}'s milk is "
            + ("on hold" if change == "hold" else "released from the hold")
            + f" ({count} container{'' if count == 1 else 's'} now in the unit).",
            "success",
        )
    return redirect(url_for("charge.baby", mrn=infant.mrn))


def _baby_page(infant: Infant, *, form=None, hold_form=None, status=200):
    return render_template(
        "charge/baby.html",
        infant=infant,
        form=form or InfantUpdateForm(formdata=None, obj=infant),
        hold_form=hold_form or MotherHoldForm(formdata=None),
        inventory=families.inventory(db.session, infant),
        siblings=families.siblings(db.session, infant),
    ), status


@bp.route("/babies/<mrn>", methods=["GET", "POST"])
@allow(*STAFF)
@work.page(writes=("POST",))
def baby(mrn: str):
    infant: Infant = infant_for(db.session, me(), mrn)
    if request.method == "GET":
        return _baby_page(infant)
    form = InfantUpdateForm()
    if form.validate_on_submit():
        families.update_infant(
            infant,
            donor_milk_consent=form.donor_milk_consent.data,
            daily_volume_ml=form.daily_volume_ml.data,
            clear_daily_volume=form.daily_volume_ml.data is None,
        )
        flash(f"Saved for {infant.full_name}.", "success")
        return redirect(url_for("charge.baby", mrn=infant.mrn))
    return _baby_page(infant, form=form, status=400)
