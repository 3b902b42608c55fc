"""Form pieces every page shares: volumes, times on the unit's clock, storage places, errors.

Each page's own forms live beside its views. Errors are shown beside the field they concern,
and a form that fails keeps what was typed.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import request
from wtforms import DateTimeLocalField, DecimalField, Field, Form, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..errors import DomainError, NotFound
from ..extensions import db
from ..models import StorageLocation
from ..runtime import now
from ..services.common import FUTURE_TOLERANCE
from ..services.locations import get_location
from ..services.pages import location_choices
from .display import from_local, when

try:  # WTForms 3.3 deprecates (value, label) tuples for choices
    from wtforms import SelectChoice
except ImportError:  # older WTForms takes tuples
    SelectChoice = None


def choices(pairs) -> list:
    """Options for a select or radio field, in the form this WTForms version wants."""
    if SelectChoice is None:
        return [(value, label) for value, label in pairs]
    return [SelectChoice(value, label) for value, label in pairs]


TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
# Years a typed time may have: anything else is a slip of the finger (and would not convert).
EARLIEST_YEAR, LATEST_YEAR = 1990, 2200


def printable(form: Form, field: Field) -> None:
    """Control characters have no place on a label, and PostgreSQL refuses NUL."""
    text = field.data or ""
    if any((ord(ch) < 32 and ch not in "\t\n\r") or ord(ch) == 127 for ch in text):
        raise ValidationError("Remove the invisible control characters from this field.")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise ValidationError("This field holds characters that cannot be stored.")


class VolumeField(DecimalField):
    """Millilitres: more than 0, at most 1000, to 2 decimals (api-v1.md)."""

    def __init__(self, label="Volume (ml)", validators=None, *, required=True, **kwargs):
        checks = [InputRequired("Enter the volume in ml.") if required else Optional()]
        super().__init__(label, [*checks, *(validators or []), self._in_range], places=None,
                         render_kw={"inputmode": "decimal", "step": "any", "min": "0.1",
                                    "max": "1000", "autocomplete": "off"}, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            try:
                self.data = Decimal(valuelist[0].strip().replace(",", "."))
            except (InvalidOperation, ValueError):
                self.data = None
                raise ValueError("Enter the volume as a number of ml, for example 30.") from None
            if not self.data.is_finite():
                self.data = None
                raise ValueError("Enter the volume as a number of ml, for example 30.")
        else:
            self.data = None

    @staticmethod
    def _in_range(form, field):
        if field.data is None:
            return
        if field.data <= 0:
            raise ValidationError("The volume must be more than 0 ml.")
        if field.data > 1000:
            raise ValidationError("The volume must be at most 1000 ml.")
        if field.data != field.data.quantize(Decimal("0.01")):
            raise ValidationError("Give the volume to at most 2 decimal places.")


class LocalTimeField(DateTimeLocalField):
    """A date and time typed on the unit's clock (the page converts it to UTC)."""

    def __init__(self, label, validators=None, **kwargs):
        kwargs.setdefault("format", TIME_FORMATS)
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a date and time, for example 28/11/2026 14:05.") from None
        if self.data is not None and not EARLIEST_YEAR <= self.data.year <= LATEST_YEAR:
            self.data = None
            raise ValueError("Check the year: that date cannot be right.")


def text_field(label: str, *, required: bool = False, max_length: int = 100, **kwargs):
    checks = [InputRequired(f"Enter {label.lower()}.") if required else Optional(),
              Length(max=max_length, message=f"At most {max_length} characters."), printable]
    return StringField(label, checks, filters=[_strip], **kwargs)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def code_field(label: str, *, required: bool = True, **kwargs):
    render_kw = {"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false",
                 **kwargs.pop("render_kw", {})}
    return text_field(label, required=required, max_length=64, render_kw=render_kw, **kwargs)


def add_error(form: Form, message: str, field_name: str | None = None) -> None:
    """Show `message` beside the field, or at the top of the form when it concerns no field."""
    if field_name and field_name in form:
        field = form[field_name]
        field.errors = [*field.errors, message]
    else:
        form.form_errors = [*form.form_errors, message]


def show_domain_error(form: Form, error: DomainError, fields: dict[str, str]) -> None:
    """A refusal from a service, beside the field named for its code (else at the top)."""
    db.session.rollback()
    add_error(form, error.message, fields.get(error.code))


def location_from(form: Form, field_name: str = "location_code") -> StorageLocation | None:
    """The place scanned into the field, or else picked from the list beside it."""
    field = form[field_name]
    code = (field.data or "").strip() or request.form.get(f"{field.name}_pick", "").strip()
    if not code:
        add_error(form, "Scan the location's barcode, or pick the location from the list.",
                  field_name)
        return None
    field.data = code
    try:
        return get_location(db.session, code)
    except NotFound as unknown:
        add_error(form, f"{unknown.message} Scan the barcode on the shelf, or pick one.",
                  field_name)
        return None


def locations_for_picking() -> list[tuple[str, str, str]]:
    """(code, path, kind) of every storage place, for the pick list beside a location field."""
    return location_choices(db.session)


def not_in_future(form: Form, field: Field) -> None:
    """Late documentation is normal; a time in the future is a typing mistake."""
    if field.data is not None and from_local(field.data) > now() + FUTURE_TOLERANCE:
        raise ValidationError(f"That is in the future (it is now {when(now())}). "
                              "Enter when it actually happened.")
