"""The milk room: receive milk and print its label, then move, thaw, fortify, split, combine,
hold and discard it, each by scanning; find a baby's milk; see what each fridge holds."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from .. import codes
from ..errors import DomainError, NotFound
from ..extensions import db
from ..models import Container, Infant, StorageLocation
from ..runtime import now, settings, unit
from ..services import families, receiving
from ..services import printing as printouts
from ..services import storage as ledger
from ..services.common import infant_for
from ..services.storage import get_location
from ..vocabulary import IN_INVENTORY
from . import work
from .access import STAFF, allow, me, pdf
from .display import from_local, local_input
from .forms import (
    LocalTimeField,
    VolumeField,
    add_error,
    choices,
    code_field,
    location_from,
    locations_for_picking,
    not_in_future,
    printable,
    show_domain_error,
    text_field,
)

bp = Blueprint("milkroom", __name__, url_prefix="/milk")

DISCARD_REASONS = (
    "Expired",
    "Spilled or leaking",
    "Label missing or unreadable",
    "Mother's medication",
    "Positive culture",
    "No longer needed",
)
TIME_ERRORS = ("FUTURE_TIME", "TIME_BEFORE_PREVIOUS_EVENT")


# --- forms ----------------------------------------------------------------------------------


def _medications():
    return TextAreaField(
        "Mother’s medications (if any)",
        [Optional(), Length(max=2000), printable],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        render_kw={"rows": 2},
    )


def _when(label: str, *, required: bool = False):
    checks = [InputRequired(f"Enter {label.lower()}.")] if required else [Optional()]
    return LocalTimeField(label, [*checks, not_in_future])


class NewContainerForm(FlaskForm):
    infant = code_field("Baby: scan the wristband or type the MRN", render_kw={"autofocus": True})
    milk_type = RadioField(
        "Milk",
        choices=choices([("MOM", "Mother’s own milk (MOM)"), ("DHM", "Donor milk (DHM)")]),
        default="MOM",
    )
    donor_lot = code_field("Donor lot number", required=False)
    donor_product_code = code_field("Milk bank product code (ISBT 128)", required=False)
    donor_expires_at = LocalTimeField("Milk bank’s expiry", [Optional()])
    expressed_at = _when("Expressed (pump date and time)", required=True)
    volume_ml = VolumeField()
    location_code = code_field("Store it in", required=False)
    colostrum = BooleanField("Colostrum")
    medications = _medications()
    received_at = _when("Received earlier? When (leave empty for now)")


class ReceiveForm(FlaskForm):
    expressed_at = _when("Expressed (pump date and time, as written on the label)", required=True)
    volume_ml = VolumeField()
    location_code = code_field("Store it in", required=False, render_kw={"autofocus": True})
    colostrum = BooleanField("Colostrum")
    medications = _medications()
    received_at = _when("Received earlier? When (leave empty for now)")


class MoveForm(FlaskForm):
    location_code = code_field("Move to", required=False)
    at = _when("Moved earlier? When")


class ThawForm(FlaskForm):
    location_code = code_field("Thawed milk is now in (a fridge or the bedside)", required=False)
    at = _when("Thaw completed at (leave empty for now)")


class FortifyForm(FlaskForm):
    product = text_field("Fortifier or formula (product)", required=True)
    kcal_per_oz = VolumeField("Caloric density (kcal/oz)", required=False)
    at = _when("Fortified earlier? When")


class SplitForm(FlaskForm):
    volumes = text_field(
        "Portions in mL, separated by spaces (for example: 10 10 15)",
        required=True,
        max_length=200,
        render_kw={"inputmode": "decimal"},
    )


class CombineForm(FlaskForm):
    others = TextAreaField(
        "Scan the other bottles to pool with this one (one per line)",
        [
            InputRequired("Scan at least one other bottle."),
            Length(max=20 * 70),
            printable,
        ],
        render_kw={"rows": 3, "autocomplete": "off", "spellcheck": "false"},
    )
    location_code = code_field("Store the pooled bottle in", required=False)


class ReasonForm(FlaskForm):
    reason = text_field("Reason", required=True, max_length=500)


class PlainForm(FlaskForm):
    """An action with no fields: only the CSRF token."""


ACTION_FORMS = {
    "move": MoveForm,
    "thaw": ThawForm,
    "fortify": FortifyForm,
    "split": SplitForm,
    "combine": CombineForm,
    "hold": ReasonForm,
    "discard": ReasonForm,
    "release": PlainForm,
    "return": PlainForm,
}


# --- finding things by scanning -------------------------------------------------------------


@bp.route("/")
@allow(*STAFF)
@work.page()
def index():
    """One scan box for the milk room: a label, a location or a wristband each go where they fit."""
    scanned = request.args.get("scan", "").strip()
    problem = None
    if scanned:
        target = _where_to(scanned)
        if target:
            return redirect(target)
        problem = (
            f"{scanned[:40]!r} is not a milk label, a storage place or a wristband on "
            "record. Scan it again, or search by the baby’s name below."
        )
    return render_template("milkroom/index.html", scanned=scanned, problem=problem), (
        404 if problem else 200
    )


def _where_to(scanned: str) -> str | None:
    if len(scanned) > 64:
        return None
    if codes.looks_like_container(scanned):
        code = codes.parse_container_code(scanned)
        container = ledger.find_container(db.session, code) if code else None
        if container is None:
            return None
        if container.state == "reserved":
            return url_for("milkroom.receive", code=container.code)
        return url_for("milkroom.container", code=container.code)
    try:
        return url_for("milkroom.location", code=get_location(db.session, scanned).code)
    except NotFound:
        pass
    infant = families.infant_by_wristband_or_mrn(db.session, scanned)
    if infant is not None:
        return url_for("milkroom.where", q=infant.mrn)
    return None


def _infant(form: NewContainerForm) -> Infant | None:
    text = form.infant.data
    infant = families.infant_by_wristband(db.session, text)
    if infant is None:
        try:
            infant = infant_for(db.session, me(), text)
        except NotFound:
            add_error(
                form,
                f"No baby with wristband or MRN {text!r} is on record. Scan the "
                "wristband again, or check the MRN.",
                "infant",
            )
            return None
    return infant


# --- receiving ------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@allow(*STAFF)
@work.page(writes=("POST",))
def new_container():
    form = NewContainerForm()
    if form.is_submitted():
        # Every problem at once: the baby and the place are looked up even when a field failed.
        valid = form.validate()
        infant = _infant(form) if form.infant.data else None
        location = location_from(form)
        if form.milk_type.data == "DHM":
            if not form.donor_lot.data:
                add_error(
                    form, "Enter the milk bank’s lot number, as printed on the bottle.", "donor_lot"
                )
            if not form.donor_expires_at.data and not form.donor_expires_at.errors:
                add_error(
                    form,
                    "Enter the milk bank’s expiry, as printed on the bottle.",
                    "donor_expires_at",
                )
        if valid and infant is not None and location is not None and not form.errors:
            donor = form.milk_type.data == "DHM"
            try:
                container = receiving.create_container(
                    db.session,
                    unit(),
                    me(),
                    infant,
                    expressed_at=from_local(form.expressed_at.data),
                    volume_ml=form.volume_ml.data,
                    milk_type=form.milk_type.data,
                    location=location,
                    colostrum=form.colostrum.data,
                    medications=form.medications.data or None,
                    donor_lot=(form.donor_lot.data or None) if donor else None,
                    donor_product_code=(form.donor_product_code.data or None) if donor else None,
                    donor_expires_at=from_local(form.donor_expires_at.data) if donor else None,
                    at=from_local(form.received_at.data),
                )
            except DomainError as refused:
                show_domain_error(
                    form,
                    refused,
                    {
                        "INFANT_DISCHARGED": "infant",
                        "DONOR_LOT_REQUIRED": "donor_lot",
                        "NOT_DONOR_MILK": "donor_lot",
                        "FUTURE_TIME": "received_at",
                        "RECEIVED_BEFORE_EXPRESSED": "received_at",
                    },
                )
            else:
                flash(
                    f"Received {container.code} for {infant.full_name}. Print its label now.",
                    "success",
                )
                return redirect(url_for("milkroom.container", code=container.code, step="label"))
    return _form_page("milkroom/new.html", form), (400 if form.errors or form.form_errors else 200)


def _form_page(template: str, form, **context):
    return render_template(template, form=form, choices=locations_for_picking(), **context)


def _container(code: str, *, lock: bool = False) -> Container:
    return ledger.container_for(db.session, me(), code, lock=lock)


@bp.route("/receive/<code>", methods=["GET", "POST"])
@allow(*STAFF)
@work.page(writes=("POST",))
def receive(code: str):
    container = _container(code, lock=request.method == "POST")
    if container.state != "reserved":
        flash(f"{container.code} was already received.", "info")
        return redirect(url_for("milkroom.container", code=container.code))
    form = ReceiveForm()
    if request.method == "GET":
        form.expressed_at.data = _naive_local(container.expressed_at)
        form.volume_ml.data = container.volume_ml
        form.colostrum.data = container.colostrum
        form.medications.data = container.medications
    if form.is_submitted():
        valid = form.validate()
        location = location_from(form)
        if valid and location is not None:
            try:
                receiving.receive(
                    db.session,
                    unit(),
                    me(),
                    container,
                    location=location,
                    expressed_at=from_local(form.expressed_at.data),
                    volume_ml=form.volume_ml.data,
                    colostrum=form.colostrum.data,
                    medications=form.medications.data or None,
                    at=from_local(form.received_at.data),
                )
            except DomainError as refused:
                show_domain_error(
                    form,
                    refused,
                    {
                        "DETAILS_REQUIRED": "expressed_at",
                        "RECEIVED_BEFORE_EXPRESSED": "received_at",
                        "FUTURE_TIME": "received_at",
                        "TIME_BEFORE_PREVIOUS_EVENT": "received_at",
                    },
                )
                container = _container(code)
            else:
                flash(
                    f"Received {container.code} for {container.infant.full_name}. "
                    "Print its label now.",
                    "success",
                )
                return redirect(url_for("milkroom.container", code=container.code, step="label"))
    return _form_page("milkroom/receive.html", form, container=container), (
        400 if form.errors or form.form_errors else 200
    )


def _naive_local(moment):
    """A stored time as a datetime-local field's value (naive, on the unit's clock)."""
    return dt.datetime.strptime(local_input(moment), "%Y-%m-%dT%H:%M") if moment else None


# --- one container and what can be done to it -----------------------------------------------


def _action_forms(active: str | None = None, filled=None) -> dict:
    forms = {name: cls(formdata=None, prefix=name) for name, cls in ACTION_FORMS.items()}
    if active:
        forms[active] = filled
    return forms


def available_actions(container: Container) -> list[str]:
    """What can be done to the container in its state (the service refuses the rest anyway)."""
    if container.state not in IN_INVENTORY:
        return []
    hold = "release" if container.hold_reason else "hold"
    if container.state == "reserved":
        return [hold, "discard"]
    actions = ["move"]
    if container.state == "frozen":
        actions.append("thaw")
    if container.state in ("fresh", "thawed"):
        if not container.fortifier:
            actions.append("fortify")
        actions += ["split", "combine"]
    actions += [hold, "discard"]
    if container.milk_type == "MOM":
        actions.append("return")
    return actions


def _container_page(container: Container, forms: dict, active: str | None = None, status=200):
    children = []
    for event in container.events:
        if event.type == "split_into":
            children.extend(event.details.get("children", []))
        elif event.type == "combined_into":
            children.append(event.details.get("child"))
    return render_template(
        "milkroom/container.html",
        c=container,
        forms=forms,
        active=active,
        history=ledger.history(db.session, container),
        available=available_actions(container),
        choices=locations_for_picking(),
        discard_reasons=DISCARD_REASONS,
        children=[code for code in children if code],
        step=request.args.get("step"),
        label_printer=settings().label_printer is not None,
    ), status


@bp.route("/c/<code>")
@allow(*STAFF)
@work.page()
def container(code: str):
    return _container_page(_container(code), _action_forms())


@bp.route("/c/<code>/<action>", methods=["POST"])
@allow(*STAFF)
@work.page(writes=True)
def act(code: str, action: str):
    if action not in ACTION_FORMS:
        abort(404, "There is no such action for a container.")
    container = _container(code, lock=True)
    form = ACTION_FORMS[action](prefix=action)
    valid = form.validate_on_submit()
    if not valid and "location_code" in form:
        location_from(form)  # every mistake at once: the place is looked up even so
    if valid:
        try:
            target, message, step = _do(action, container, form)
        except DomainError as refused:
            show_domain_error(form, refused, _error_fields(action))
        else:
            if target is not None:
                flash(message, "success")
                return redirect(url_for("milkroom.container", code=target, step=step))
        container = _container(code)
    return _container_page(container, _action_forms(action, form), active=action, status=400)


def _error_fields(action: str) -> dict[str, str]:
    fields = {code: "at" for code in TIME_ERRORS}
    fields.update(
        {
            "REFREEZE": "location_code",
            "CANNOT_FREEZE": "location_code",
            "UNKNOWN_LOCATION": "location_code",
            "VOLUME_EXCEEDS_REMAINING": "volumes",
            "MIXED_INFANTS": "others",
            "MIXED_MILK_TYPES": "others",
            "UNKNOWN_BOTTLE": "others",
            "DUPLICATE_CODES": "others",
        }
    )
    if action == "combine":
        fields.update(
            {
                "FORTIFIED": "others",
                "HELD": "others",
                "FROZEN": "others",
                "EXPIRED": "others",
                "NOT_RECEIVED": "others",
                "NOT_IN_INVENTORY": "others",
            }
        )
    return fields


def _do(action: str, container: Container, form) -> tuple[str | None, str, str | None]:
    """Run one action; (the container page to show next, what to say, the next step)."""
    session, here, user = db.session, unit(), me()
    if action in ("move", "thaw", "combine"):
        location = location_from(form)
        if location is None:
            return None, "", None
    if action == "move":
        before = container.state
        ledger.move(session, here, user, container, location, from_local(form.at.data))
        froze = before == "fresh" and container.state == "frozen"
        return (
            container.code,
            (
                f"Moved {container.code} to {location.path}."
                + (" It is now frozen." if froze else "")
            ),
            None,
        )
    if action == "thaw":
        ledger.thaw(session, here, user, container, location, from_local(form.at.data))
        return (
            container.code,
            (f"Thaw of {container.code} recorded. Its expiry changed: print a new label."),
            "label",
        )
    if action == "fortify":
        ledger.fortify(
            session,
            here,
            user,
            container,
            form.product.data,
            form.kcal_per_oz.data,
            from_local(form.at.data),
        )
        return (
            container.code,
            (
                f"{container.code} fortified with {form.product.data}. Its expiry "
                "changed: print a new label."
            ),
            "label",
        )
    if action == "split":
        volumes = _volumes(form)
        if volumes is None:
            return None, "", None
        children = ledger.split(session, here, user, container, volumes)
        return (
            container.code,
            (
                f"Split {container.code} into {len(children)}: "
                f"{', '.join(c.code for c in children)}. Print their labels."
            ),
            "children",
        )
    if action == "combine":
        others = _scanned_codes(form, container.code)
        if others is None:
            return None, "", None
        sources = ledger.lock_all(session, user, [container.code, *others])
        child = ledger.combine(session, here, user, sources, location)
        return (
            child.code,
            (f"Pooled {len(sources)} bottles into {child.code}. Print its label."),
            "label",
        )
    if action == "hold":
        ledger.hold(session, here, user, container, form.reason.data)
        return container.code, f"{container.code} is on hold: it cannot be fed.", None
    if action == "release":
        ledger.release(session, here, user, container)
        return container.code, f"The hold on {container.code} is released.", None
    if action == "discard":
        ledger.discard(session, here, user, container, form.reason.data)
        return container.code, f"{container.code} is recorded as discarded.", None
    ledger.return_to_family(session, here, user, container)
    return container.code, f"{container.code} is recorded as returned to the family.", None


def _volumes(form: SplitForm):
    parts = [p for p in re.split(r"[\s,;+]+", form.volumes.data) if p]
    try:
        volumes = [Decimal(p) for p in parts]
    except InvalidOperation:
        add_error(form, "Give each portion as a number of mL, for example: 10 10 15.", "volumes")
        return None
    if not 1 <= len(volumes) <= 20:
        add_error(form, "Give between 1 and 20 portions.", "volumes")
        return None
    if any(
        not v.is_finite() or v <= 0 or v > 1000 or v != v.quantize(Decimal("0.01")) for v in volumes
    ):
        add_error(
            form, "Each portion is more than 0 and at most 1000 mL, to 2 decimals.", "volumes"
        )
        return None
    return volumes


def _scanned_codes(form: CombineForm, this_code: str) -> list[str] | None:
    parts = [p.strip() for p in re.split(r"[\s,;]+", form.others.data) if p.strip()]
    found = []
    for part in parts:
        code = codes.parse_container_code(part)
        if code is None:
            add_error(
                form, f"{part[:40]!r} is not a milk label code. Scan the bottle again.", "others"
            )
            return None
        if code not in found and code != this_code:
            found.append(code)
    if not 1 <= len(found) <= 19:
        add_error(form, "Scan between 1 and 19 other bottles.", "others")
        return None
    return found


@bp.route("/c/<code>/send-label", methods=["POST"])
@allow(*STAFF)
@work.page(writes=True)
def send_label(code: str):
    """Print on the unit's Zebra label printer; if it does not answer, the PDF is still there."""
    container = _container(code)
    try:
        where, layout = printouts.send_label(db.session, unit(), me(), container)
    except DomainError as refused:
        work.refuse(refused)
        flash(refused.message, "error")
    else:
        flash(f"The label for {container.code} went to the label printer ({where}).", "success")
        if layout.name != unit().label_stock:
            flash(
                f"This label needs the wider stock ({layout.description}): load it in the printer.",
                "warning",
            )
    return redirect(url_for("milkroom.container", code=container.code))


@bp.route("/c/<code>/label.pdf")
@allow(*STAFF)
# Printing the label is recorded on the container.
@work.page(writes=True)
def label(code: str):
    container = _container(code)
    content = printouts.container_label_pdf(
        db.session, unit(), me(), container, layout_name=request.args.get("layout") or None
    )
    return pdf(content, f"label-{container.code}.pdf")


# --- where is it, and what is in each fridge ------------------------------------------------


@bp.route("/where")
@allow(*STAFF)
@work.page()
def where():
    query = request.args.get("q", "").strip()[:100]
    babies = families.search_infants(db.session, query) if query else []
    found = [(baby, ledger.stock_of(db.session, baby)) for baby in babies]
    return render_template("milkroom/where.html", query=query, found=found)


@bp.route("/locations")
@allow(*STAFF)
@work.page()
def locations():
    return render_template("milkroom/locations.html", units=ledger.storage_units(db.session, now()))


@bp.route("/locations/<code>")
@allow(*STAFF)
@work.page()
def location(code: str):
    place: StorageLocation = get_location(db.session, code)
    return render_template(
        "milkroom/location.html", place=place, shelves=ledger.storage_map(db.session, place)
    )
