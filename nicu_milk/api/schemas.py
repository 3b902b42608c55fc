"""What the API accepts: every request body and query, validated strictly before any work starts.

The same models describe the API in its OpenAPI document, so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from ..identifiers import (
    IDENTIFIER_PATTERN,
    NAME_PATTERN,
    SCANNED_PATTERN,
    SECRET_PATTERN,
    TEXT_PATTERN,
    WORD_PATTERN,
)
from ..vocabulary import LocationKind, Role


def _printable(text: str) -> str:
    # PostgreSQL refuses NUL in text, and control characters have no place on a label.
    if any(ord(ch) < 32 and ch not in "\t\n\r" or ord(ch) == 127 for ch in text):
        raise ValueError("must not contain control characters")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise ValueError("must not contain unpaired UTF-16 surrogates")
    return text


def _no_strings(value):
    # Strict types, but a JSON integer is a fine number of millilitres.
    if isinstance(value, str | bool):
        raise ValueError("must be a number")
    return value


# Times outside these years are typing mistakes, and near year 1 or 9999 the unit's time zone
# (and every limit added to them) would overflow Python's datetime into a 500.
# The years are checked on the text as given (YEARS_PATTERN); in UTC an offset may move a time a
# day either way.
_EARLIEST = dt.datetime(1899, 12, 31, tzinfo=dt.UTC)
_LATEST = dt.datetime(3000, 1, 2, tzinfo=dt.UTC)
YEARS = "must be between the years 1900 and 2999"
# The years every time and date must fall in, said in the schema too (as a pattern).
YEARS_PATTERN = r"^(19|2[0-9])[0-9][0-9]-"


def _utc(value: dt.datetime) -> dt.datetime:
    try:
        moment = value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("is out of range") from None
    if not _EARLIEST <= moment < _LATEST:
        raise ValueError(YEARS)
    return moment


_ISO_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_text(value):
    # pydantic would read digits ("20261128", or a JSON number) as seconds since 1970: refuse them.
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE_TIME.match(value):
        raise ValueError(
            "must be an ISO 8601 date and time with an offset, "
            "for example 2026-11-28T14:05:00-06:00"
        )
    if not re.match(YEARS_PATTERN, value):
        raise ValueError(YEARS)
    return value


def _day_text(value):
    # Only YYYY-MM-DD: lax parsing would also take a date and time, or a number of seconds.
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("must be a date as YYYY-MM-DD")
    if not re.match(YEARS_PATTERN, value):
        raise ValueError(YEARS)
    return value


def _whole_match(pattern: str):
    """The pattern over the whole text, as JSON Schema reads it: Python's `$` also matches
    before a final line break, so "Ava\n" would otherwise pass for "Ava"."""
    compiled = re.compile(pattern)

    def check(text: str) -> str:
        if compiled.fullmatch(text) is None:
            raise ValueError("must not end with a line break")
        return text

    return AfterValidator(check)


def _text(max_length: int, pattern: str = TEXT_PATTERN):
    """Printable text of 1 to `max_length` characters, as the pattern allows (identifiers.py)."""
    return Annotated[
        str,
        StringConstraints(min_length=1, max_length=max_length, pattern=pattern),
        AfterValidator(_printable),
        _whole_match(pattern),
    ]


Name = _text(100, NAME_PATTERN)
# MRNs, storage places, wristbands, badges, donor lots: one strict format (identifiers.py).
Identifier = _text(64, IDENTIFIER_PATTERN)
# A scanned code, as the scanner sent it: white space around it is trimmed by the service.
Code = _text(64, SCANNED_PATTERN)
Text = _text(2000)
Reason = _text(500)
Username = _text(100, WORD_PATTERN)
Password = _text(200, SECRET_PATTERN)


def _number_schema(maximum: int, step: float) -> WithJsonSchema:
    """What a JSON client sends: a number (never a string) in (0, maximum], in steps of `step`."""
    return WithJsonSchema(
        {"type": "number", "exclusiveMinimum": 0, "maximum": maximum, "multipleOf": step}
    )


def _whole(value):
    # JSON Schema's integer includes 5.0; strict pydantic would refuse it.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Volume = Annotated[
    Decimal,
    BeforeValidator(_no_strings),
    Field(strict=False, gt=0, le=1000, decimal_places=2),
    _number_schema(1000, 0.01),
]
# Lax inside (the text above reaches it as a Python str), so that the ISO text still parses.
Time = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_text),
    Field(strict=False, json_schema_extra={"pattern": YEARS_PATTERN}),
    AfterValidator(_utc),
]
Day = Annotated[
    dt.date,
    BeforeValidator(_day_text),
    Field(strict=False, json_schema_extra={"pattern": YEARS_PATTERN}),
]
Kind = LocationKind


class Body(BaseModel):
    # Python's re, as the schema's readers use it, so that the API and its description agree.
    model_config = ConfigDict(extra="forbid", strict=True, regex_engine="python-re")


class Empty(Body):
    """Actions without fields accept an empty body or {}."""


class TokenRequest(Body):
    # Typed or scanned (a staff badge): white space around it is trimmed.
    username: _text(100, SCANNED_PATTERN)
    password: Password


class UserCreate(Body):
    username: Username
    password: Annotated[
        str,
        StringConstraints(min_length=8, max_length=200, pattern=SECRET_PATTERN),
        AfterValidator(_printable),
    ]
    role: Role
    display_name: Name | None = None
    badge_code: Identifier | None = None
    infant_mrns: Annotated[list[Identifier], Field(max_length=20)] = []


class LocationCreate(Body):
    code: Identifier
    name: Name
    kind: Kind | None = None
    parent_code: Identifier | None = None


class MotherIn(Body):
    mrn: Identifier
    first_name: Name
    last_name: Name


class InfantCreate(Body):
    mrn: Identifier
    first_name: Name
    last_name: Name
    date_of_birth: Day
    mother: MotherIn
    donor_milk_consent: bool = False
    wristband_code: Identifier | None = None
    daily_volume_ml: Volume | None = None


class InfantUpdate(Body):
    donor_milk_consent: bool | None = None
    daily_volume_ml: Volume | None = None


class ContainerCreate(Body):
    infant_mrn: Identifier
    expressed_at: Time
    volume_ml: Volume
    milk_type: Literal["MOM", "DHM"]
    location_code: Identifier | None = None
    colostrum: bool = False
    medications: Text | None = None
    donor_lot: Identifier | None = None
    donor_product_code: Identifier | None = None
    donor_expires_at: Time | None = None
    at: Time | None = None


class ReserveLabels(Body):
    count: Annotated[int, Field(ge=1, le=60), BeforeValidator(_whole)]


class Receive(Body):
    location_code: Identifier
    expressed_at: Time | None = None
    volume_ml: Volume | None = None
    colostrum: bool | None = None
    medications: Text | None = None
    at: Time | None = None


class Move(Body):
    location_code: Identifier
    at: Time | None = None


class Thaw(Body):
    location_code: Identifier
    at: Time | None = None


class Fortify(Body):
    product: Name
    kcal_per_oz: (
        Annotated[
            Decimal,
            BeforeValidator(_no_strings),
            Field(strict=False, gt=0, le=60, decimal_places=1),
            _number_schema(60, 0.1),
        ]
        | None
    ) = None
    at: Time | None = None


class WithReason(Body):
    reason: Reason


class Combine(Body):
    codes: Annotated[list[Code], Field(min_length=2, max_length=20)]
    location_code: Identifier


class Split(Body):
    volumes_ml: Annotated[list[Volume], Field(min_length=1, max_length=20)]


class WitnessIn(Body):
    username: _text(100, SCANNED_PATTERN)
    password: Password


class FeedCheck(Body):
    infant_code: Code
    container_code: Code
    # A damaged barcode typed in by hand: a second nurse confirms it (two-person check).
    manual_entry: bool = False
    witness: WitnessIn | None = None


class FeedCreate(FeedCheck):
    volume_ml: Volume
    acknowledge_warnings: bool = False
    # The nurse marks the bottle finished even though some remains (what is left is discarded).
    finished: bool = False
    at: Time | None = None


class Query(BaseModel):
    # Query strings are text; let pydantic convert them, but still refuse unknown parameters.
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")


class ExpiryQuery(Query):
    within_hours: Annotated[float, Field(gt=0, le=24 * 31, allow_inf_nan=False)] = 24


class NearMissQuery(Query):
    since: Time | None = None
    until: Time | None = None


class FeedsQuery(Query):
    infant_mrn: Identifier


class LabelSheetQuery(Query):
    # Up to 60 codes of 11 characters, with commas and some white space.
    codes: Annotated[str, StringConstraints(max_length=1000)] | None = None
    layout: Identifier | None = None


class LabelQuery(Query):
    layout: Identifier | None = None


class PrintRequest(Body):
    layout: Identifier | None = None
