"""The parent portal: their own baby's milk, pre-registering a drop-off, printing take-home
labels, and what goes home at discharge. Another family's baby is simply not found (404)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, Form, FormField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..errors import DomainError, NotFound
from ..extensions import db
from ..models import Infant
from ..runtime import now, unit
from ..services import families, receiving
from ..services import printing as printouts
from ..services import storage as ledger
from ..services.common import infant_for
from . import work
from .access import allow, me, pdf
from .display import SOON_HOURS, from_local
from .forms import (
    LocalTimeField,
    VolumeField,
    add_error,
    not_in_future,
    printable,
    show_domain_error,
)

bp = Blueprint("family", __name__, url_prefix="/family")

PARENT = ("parent",)
EXPIRING_HOURS = SOON_HOURS
BOTTLE_ROWS = 6


def _my_baby(mrn: str) -> Infant:
    return infant_for(db.session, me(), mrn)


@bp.route("/")
@allow(*PARENT)
@work.page()
def index():
    horizon = now() + dt.timedelta(hours=EXPIRING_HOURS)
    babies = [
        {
            "infant": baby,
            "inventory": families.inventory(db.session, baby),
            "expiring": ledger.expiring_of(db.session, baby, horizon),
            "waiting": [c for c in ledger.reserved_of(db.session, baby) if c.volume_ml is not None],
        }
        for baby in sorted(me().infants, key=lambda b: (b.last_name, b.first_name))
    ]
    return render_template("family/index.html", babies=babies, expiring_hours=EXPIRING_HOURS)


@bp.route("/<mrn>")
@allow(*PARENT)
@work.page()
def baby(mrn: str):
    infant = _my_baby(mrn)
    stock = ledger.stock_of(db.session, infant)
    return render_template(
        "family/baby.html",
        infant=infant,
        inventory=families.inventory(db.session, infant),
        stored=[c for c in stock if c.state != "reserved"],
        waiting=[c for c in stock if c.state == "reserved" and c.volume_ml is not None],
        blank=[c for c in stock if c.state == "reserved" and c.volume_ml is None],
    )


# --- pre-registering a drop-off -------------------------------------------------------------


class BottleRow(Form):
    """One bottle of a drop-off; a row left empty is ignored."""

    expressed_at = LocalTimeField("Pumped at", [Optional(), not_in_future])
    volume_ml = VolumeField("Volume (mL)", required=False)
    colostrum = BooleanField("Colostrum")


class DropOffForm(FlaskForm):
    bottles = FieldList(FormField(BottleRow), "Bottle", min_entries=BOTTLE_ROWS, max_entries=20)
    medications = TextAreaField(
        "Medications you are taking (if any)",
        [Optional(), Length(max=2000), printable],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        render_kw={"rows": 2},
    )


@bp.route("/<mrn>/drop-off", methods=["GET", "POST"])
@allow(*PARENT)
@work.page(writes=("POST",))
def drop_off(mrn: str):
    infant = _my_baby(mrn)
    form = DropOffForm()
    made = []
    if form.is_submitted():
        valid = form.validate()
        # Every mistake at once, so a parent on a phone corrects them in one go: a row with
        # anything typed in it needs both the time and the volume.
        rows = [
            row.form
            for row in form.bottles
            if _typed(row.form.expressed_at) or _typed(row.form.volume_ml)
        ]
        for row in rows:
            if not _typed(row.expressed_at):
                add_error(row, "Enter when you pumped this bottle.", "expressed_at")
            if not _typed(row.volume_ml):
                add_error(row, "Enter how much is in this bottle.", "volume_ml")
        if not rows:
            add_error(form, "Enter at least one bottle: when you pumped it and how much.")
        if valid and not form.form_errors and not any(row.errors for row in rows):
            try:
                made = [
                    receiving.create_container(
                        db.session,
                        unit(),
                        me(),
                        infant,
                        expressed_at=from_local(row.expressed_at.data),
                        volume_ml=row.volume_ml.data,
                        milk_type="MOM",
                        location=None,
                        colostrum=row.colostrum.data,
                        medications=form.medications.data or None,
                        donor_lot=None,
                        donor_product_code=None,
                        donor_expires_at=None,
                        at=None,
                    )
                    for row in rows
                ]
            except DomainError as refused:
                show_domain_error(form, refused, {})
                made = []
            else:
                return render_template("family/dropped_off.html", infant=infant, made=made)
    return render_template("family/drop_off.html", infant=infant, form=form), (
        400 if request.method == "POST" else 200
    )


def _typed(field) -> bool:
    return bool(field.raw_data and str(field.raw_data[0]).strip())


# --- label sheets ---------------------------------------------------------------------------


class LabelSheetForm(FlaskForm):
    count = IntegerField(
        "How many labels?",
        [
            InputRequired("Enter how many labels to print."),
            NumberRange(1, 60, "Between 1 and 60 labels."),
        ],
        default=12,
        render_kw={"inputmode": "numeric", "min": 1, "max": 60},
    )


@bp.route("/<mrn>/labels", methods=["GET", "POST"])
@allow(*PARENT)
@work.page(writes=("POST",))
def label_sheet(mrn: str):
    infant = _my_baby(mrn)
    form = LabelSheetForm()
    if form.validate_on_submit():
        try:
            made = receiving.reserve_labels(db.session, unit(), me(), infant, form.count.data)
        except DomainError as refused:
            show_domain_error(form, refused, {})
        else:
            return render_template("family/labels_ready.html", infant=infant, made=made)
    return render_template("family/labels.html", infant=infant, form=form), (
        400 if form.errors or form.form_errors else 200
    )


@bp.route("/<mrn>/labels.pdf")
@allow(*PARENT)
# Printing the sheet is recorded on each container.
@work.page(writes=True)
def labels_pdf(mrn: str):
    infant = _my_baby(mrn)
    wanted = [code.strip() for code in request.args.get("codes", "").split(",") if code.strip()]
    if not wanted or len(wanted) > 60:
        abort(400, "Choose between 1 and 60 labels to print.")
    for code in wanted:
        try:
            container = ledger.container_for(db.session, me(), code)
        except NotFound:
            abort(404, f"No label {code[:20]!r} is on record for {infant.full_name}.")
        if container.infant_id != infant.id:
            abort(404, f"No label {code[:20]!r} is on record for {infant.full_name}.")
    content = printouts.reserved_sheet_pdf(db.session, unit(), me(), infant, wanted)
    return pdf(content, f"labels-{infant.mrn}.pdf")


# --- discharge ------------------------------------------------------------------------------


@bp.route("/<mrn>/take-home")
@allow(*PARENT)
@work.page()
def take_home(mrn: str):
    infant = _my_baby(mrn)
    listed = [item for item in families.discharge_list(db.session, infant, now()) if not item.donor]
    return render_template(
        "family/take_home.html",
        infant=infant,
        milk=[item.container for item in listed if item.returnable],
        expired=[item.container for item in listed if not item.returnable],
    )


@bp.route("/<mrn>/take-home.pdf")
@allow(*PARENT)
@work.page(writes=True)  # a report printed is recorded on the audit trail
def take_home_pdf(mrn: str):
    infant = _my_baby(mrn)
    return pdf(printouts.discharge_pdf(db.session, unit(), infant), f"take-home-{infant.mrn}.pdf")


@bp.route("/<mrn>/reprint")
@allow(*PARENT)
@work.page()
def reprint(mrn: str):
    """Print again the labels of a drop-off waiting for the nurse."""
    infant = _my_baby(mrn)
    codes = [c.code for c in ledger.reserved_of(db.session, infant)]
    if not codes:
        return redirect(url_for("family.baby", mrn=infant.mrn))
    return redirect(url_for("family.labels_pdf", mrn=infant.mrn, codes=",".join(codes[:60])))
