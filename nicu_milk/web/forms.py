"""Form pieces every page shares: volumes, times on the unit's clock, storage places, errors.

Each page's own forms live beside its views. Errors are listed at the top of a form that
failed (the error summary) and shown again beside each field, and a form keeps what was typed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask import request
from wtforms import DecimalField, Field, FieldList, Form, FormField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from ..errors import DomainError, NotFound
from ..extensions import db
from ..identifiers import identifier_problem
from ..models import StorageLocation
from ..runtime import now, zone
from ..services.common import FUTURE_TOLERANCE
from ..services.storage import get_location, location_choices
from . import work
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


# Years a typed time may have: anything else is a slip of the finger (and would not convert).
EARLIEST_YEAR, LATEST_YEAR = 1990, 2200
# A time on the 24-hour clock as people type it: 18:30, 1830, 18.30, 18h30, 6:30 (06:30).
CLOCK = re.compile(r"(\d{1,2})\s*[:.hH]?\s*(\d{2})(?::(\d{2}))?")
AM_PM = re.compile(r"(?i)\s*([ap])\.?\s*m\.?\s*$")
TIME_EXAMPLE = "Enter the time on the 24-hour clock, as hours and minutes, for example 18:30."


def printable(form: Form, field: Field) -> None:
    """Control characters have no place on a label, and PostgreSQL refuses NUL."""
    text = field.data or ""
    if any((ord(ch) < 32 and ch not in "\t\n\r") or ord(ch) == 127 for ch in text):
        raise ValidationError("Remove the invisible control characters from this field.")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise ValidationError("This field holds characters that cannot be stored.")


class VolumeField(DecimalField):
    """Millilitres: more than 0, at most 1000, to 2 decimals (api-v1.md)."""

    def __init__(self, label="Volume (mL)", validators=None, *, required=True, **kwargs):
        checks = [InputRequired("Enter the volume in mL.") if required else Optional()]
        super().__init__(
            label,
            [*checks, *(validators or []), self._in_range],
            places=None,
            render_kw={
                "inputmode": "decimal",
                "step": "any",
                "min": "0.1",
                "max": "1000",
                "autocomplete": "off",
            },
            **kwargs,
        )

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            try:
                self.data = Decimal(valuelist[0].strip().replace(",", "."))
            except (InvalidOperation, ValueError):
                self.data = None
                raise ValueError("Enter the volume as a number of mL, for example 30.") from None
            if not self.data.is_finite():
                self.data = None
                raise ValueError("Enter the volume as a number of mL, for example 30.")
        else:
            self.data = None

    @staticmethod
    def _in_range(form, field):
        if field.data is None:
            return
        if field.data <= 0:
            raise ValidationError("The volume must be more than 0 mL.")
        if field.data > 1000:
            raise ValidationError("The volume must be at most 1000 mL.")
        if field.data != field.data.quantize(Decimal("0.01")):
            raise ValidationError("Give the volume to at most 2 decimal places.")


def read_clock(text: str) -> dt.time:
    """A time typed on the 24-hour clock; an AM/PM time is refused with its 24-hour form."""
    meridiem = AM_PM.search(text)
    found = CLOCK.fullmatch(AM_PM.sub("", text).strip())
    if meridiem:
        if found and 1 <= int(found.group(1)) <= 12 and int(found.group(2)) < 60:
            hour = int(found.group(1)) % 12 + (12 if meridiem.group(1).lower() == "p" else 0)
            raise ValueError(
                f"Use the 24-hour clock: {hour:02d}:{found.group(2)} for {text.strip()}."
            )
        raise ValueError(f"Use the 24-hour clock. {TIME_EXAMPLE}")
    if (
        not found
        or int(found.group(1)) > 23
        or int(found.group(2)) > 59
        or int(found.group(3) or 0) > 59
    ):
        raise ValueError(TIME_EXAMPLE)
    return dt.time(int(found.group(1)), int(found.group(2)), int(found.group(3) or 0))


class LocalTimeField(Field):
    """A date and a time on the unit's clock, the time on the 24-hour clock. The data is naive
    local time; the page converts it to UTC with from_local.

    The `field` macro draws it as two inputs under the field's one name: a date picker, and the
    time typed as HH:MM (the browser's datetime-local shows "06:30 PM" in some locales). A
    single value "2026-11-28 18:30" (or with a T) is read too, as scripts and older pages send.
    """

    widget = TextInput()  # only where a page draws the field itself: one "date time" box

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self._typed: tuple[str, str] | None = None

    def typed(self) -> tuple[str, str]:
        """What the two inputs show: what was typed, else the stored time."""
        if self._typed is not None:
            return self._typed
        if self.data is None:
            return "", ""
        return self.data.strftime("%Y-%m-%d"), self.data.strftime("%H:%M")

    def _value(self) -> str:
        return " ".join(self.typed()).strip()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        parts = [str(value).strip() for value in valuelist[:2]]
        if len(parts) == 1:
            date_text, _, clock_text = re.sub(r"[Tt]", " ", parts[0], count=1).partition(" ")
            parts = [date_text.strip(), clock_text.strip()]
        date_text, clock_text = parts
        self._typed = (date_text, clock_text)
        # Validators look at the first raw value: give them both parts, so that a time typed
        # without its date is "incomplete", not "empty".
        self.raw_data = [f"{date_text} {clock_text}".strip()]
        self.data = None
        if not date_text and not clock_text:
            return
        if not date_text:
            raise ValueError("Enter the date as well as the time.")
        try:
            day = dt.date.fromisoformat(date_text)
        except ValueError:
            raise ValueError("Enter a whole date: day, month and year.") from None
        if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise ValueError("Check the year: that date cannot be right.")
        if not clock_text:
            raise ValueError(f"Enter the time as well. {TIME_EXAMPLE}")
        clock = read_clock(clock_text)
        self.data = dt.datetime.combine(day, clock)
        self._typed = (date_text, f"{clock:%H:%M}")  # shown back as 18:30, however typed

    def pre_validate(self, form):
        # A time the clocks skipped (spring forward) does not exist on the unit's clock.
        if self.data is None:
            return
        there = self.data.replace(tzinfo=zone())
        if there.astimezone(dt.UTC).astimezone(zone()).replace(tzinfo=None) != self.data:
            raise ValidationError(
                f"{self.data:%H:%M} does not exist on {self.data.day} {self.data:%b %Y} on the "
                "unit's clock: the clocks went forward. Check the time."
            )


def text_field(label: str, *, required: bool = False, max_length: int = 100, checks=(), **kwargs):
    checks = [
        InputRequired(f"Enter {label.lower()}.") if required else Optional(),
        Length(max=max_length, message=f"At most {max_length} characters."),
        printable,
        *checks,
    ]
    return StringField(label, checks, filters=[_strip], **kwargs)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def code_field(label: str, *, required: bool = True, **kwargs):
    render_kw = {
        "autocomplete": "off",
        "autocapitalize": "off",
        "spellcheck": "false",
        **kwargs.pop("render_kw", {}),
    }
    return text_field(
        label,
        required=required,
        max_length=64,
        render_kw=render_kw,
        checks=[identifier_format],
        **kwargs,
    )


def identifier_format(form: Form, field: Field) -> None:
    """MRNs, codes and lots: A-Z a-z 0-9 - . only, nothing invisible (identifiers.py)."""
    problem = identifier_problem(field.data) if field.data else None
    if problem:
        raise ValidationError(f"This {problem}.")


def add_error(form: Form, message: str, field_name: str | None = None) -> None:
    """Show `message` beside the field, or at the top of the form when it concerns no field."""
    if field_name and field_name in form:
        field = form[field_name]
        field.errors = [*field.errors, message]
    else:
        form.form_errors = [*form.form_errors, message]


# Services word times in UTC (the API's clock); a page says them on the unit's clock.
UTC_TIME = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC")


def on_units_clock(message: str) -> str:
    return UTC_TIME.sub(
        lambda found: when(
            dt.datetime.strptime(found.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=dt.UTC)
        ),
        message,
    )


def show_domain_error(form: Form, error: DomainError, fields: dict[str, str]) -> None:
    """A refusal from a service, beside the field named for its code (else at the top).

    The request's work is undone at once (work.refuse), so that the form is shown again over
    the records as they were."""
    work.refuse(error)
    add_error(form, on_units_clock(error.message), fields.get(error.code))


@dataclass(frozen=True)
class FormProblem:
    """One line of a form's error summary, with the input it links to (None: no one field)."""

    message: str
    target: str | None = None


def form_problem(message: str, target: str | None = None) -> FormProblem:
    return FormProblem(message, target)


def form_problems(form: Form | None) -> list[FormProblem]:
    """Every error of the form, for its summary, in the order of the fields on the page."""
    if form is None:
        return []
    found = [FormProblem(message) for message in form.form_errors]
    for field in form:
        found += _field_problems(field, "")
    return found


def _field_problems(field: Field, context: str) -> list[FormProblem]:
    if isinstance(field, FieldList):
        return [
            problem
            for number, entry in enumerate(field.entries, 1)
            for problem in _field_problems(entry, f"{context}{field.label.text} {number}, ")
        ]
    if isinstance(field, FormField):
        found = [
            FormProblem(f"{context.rstrip(', ')} — {message}") for message in field.form.form_errors
        ]
        for inner in field.form:
            found += _field_problems(inner, context)
        return found
    if field.type in ("CSRFTokenField", "HiddenField"):
        return [FormProblem(message) for message in field.errors]
    target = f"{field.id}-0" if field.type == "RadioField" else field.id
    # Labels may hold a colon ("Second nurse: password"): a dash sets the message apart.
    return [
        FormProblem(f"{context}{field.label.text} — {message}", target) for message in field.errors
    ]


def location_from(form: Form, field_name: str = "location_code") -> StorageLocation | None:
    """The place scanned into the field, or else picked from the list beside it."""
    field = form[field_name]
    code = (field.data or "").strip() or request.form.get(f"{field.name}_pick", "").strip()
    if not code:
        add_error(
            form, "Scan the location's barcode, or pick the location from the list.", field_name
        )
        return None
    field.data = code
    try:
        return get_location(db.session, code)
    except NotFound as unknown:
        add_error(
            form, f"{unknown.message} Scan the barcode on the shelf, or pick one.", field_name
        )
        return None


def locations_for_picking() -> list[tuple[str, str, str]]:
    """(code, path, kind) of every storage place, for the pick list beside a location field."""
    return location_choices(db.session)


def not_in_future(form: Form, field: Field) -> None:
    """Late documentation is normal; a time in the future is a typing mistake."""
    if field.data is not None and from_local(field.data) > now() + FUTURE_TOLERANCE:
        raise ValidationError(
            f"That is in the future (it is now {when(now())}). Enter when it actually happened."
        )
