"""The cold chain: readings from sensors (a `device` token), sensors on storage units, excursions
and the charge nurse's decisions, and the twice-daily sign-off (interop.md, "Cold chain")."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import g
from pydantic import BeforeValidator, Field, WithJsonSchema

from ..coldchain import READING_MAX, READING_MIN
from ..coldchain_models import Excursion, SignOff
from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..runtime import unit
from ..services import coldchain
from ..services import storage as places
from . import STAFF, endpoint, serialize
from .responses import LocationOut, Out
from .schemas import Body, Code, Identifier, Query, Reason, Time, _no_strings

CHARGE = ("admin", "charge_nurse")

# A JSON number (never a string, a boolean, NaN or infinity) from -100 to 100 °C.
Celsius = Annotated[
    float,
    BeforeValidator(_no_strings),
    Field(strict=False, ge=READING_MIN, le=READING_MAX, allow_inf_nan=False),
    WithJsonSchema({"type": "number", "minimum": READING_MIN, "maximum": READING_MAX}),
]


class ReadingIn(Body):
    """One temperature: the sensor, its own time (with an offset), and °C."""

    sensor_id: Identifier
    at: Time
    celsius: Celsius

    def as_new(self) -> coldchain.NewReading:
        return coldchain.NewReading(self.sensor_id, self.at, self.celsius)


class ReadingsIn(Body):
    readings: Annotated[list[ReadingIn], Field(min_length=1, max_length=5000)]


class ReadingsOut(Out):
    accepted: int
    duplicates: int


class SensorIn(Body):
    # null takes the sensor off the unit.
    sensor_id: Identifier | None


class LocationWithSensor(LocationOut):
    sensor_id: str | None


class DecisionIn(Body):
    action: Literal["release", "discard", "thawed"]
    codes: Annotated[list[Code], Field(min_length=1, max_length=200)] | None = None
    reason: Reason
    location_code: Identifier | None = None


class DecisionOut(Out):
    code: str
    action: str
    reason: str
    decided_by: str
    decided_at: str


class FeedDuringOut(Out):
    container_code: str
    infant_mrn: str
    volume_ml: float
    at: str


class ExcursionOut(Out):
    id: int
    location_code: str
    started_at: str
    ended_at: str | None
    peak_celsius: float
    minutes_out_of_range: float
    withdrawn: bool
    held: list[str]
    gone: list[str]
    feeds: list[FeedDuringOut]
    decisions: list[DecisionOut]


class ExcursionList(Out):
    excursions: list[ExcursionOut]


class ExcursionsQuery(Query):
    open: bool = False


class SignOffOut(Out):
    location_code: str
    at: str
    signed_by: str
    min_celsius: float | None
    max_celsius: float | None


def excursion_out(excursion: Excursion) -> dict:
    holds = excursion.holds
    return {
        "id": excursion.id,
        "location_code": excursion.location.code,
        "started_at": serialize.when(excursion.started_at),
        "ended_at": serialize.when(excursion.ended_at),
        "peak_celsius": excursion.peak_celsius,
        "minutes_out_of_range": excursion.minutes_out_of_range,
        "withdrawn": excursion.withdrawn_at is not None,
        "held": [hold.container.code for hold in holds if not hold.gone],
        "gone": [hold.container.code for hold in holds if hold.gone],
        "feeds": [
            {
                "container_code": feed.container.code,
                "infant_mrn": feed.infant.mrn,
                "volume_ml": float(feed.volume_ml),
                "at": serialize.when(feed.at),
            }
            for feed in coldchain.feeds_during(db.session, excursion)
        ],
        "decisions": [
            {
                "code": hold.container.code,
                "action": hold.action,
                "reason": hold.decision_reason,
                "decided_by": hold.decided_by.username,
                "decided_at": serialize.when(hold.decided_at),
            }
            for hold in holds
            if hold.action is not None
        ],
    }


@endpoint(
    "POST",
    "/readings",
    "Store temperature readings from sensors (role device)",
    roles=("device",),
    body=ReadingsIn,
    response=ReadingsOut,
    status=202,
    errors=(400, 401, 403),
    tag="cold chain",
)
def post_readings(body: ReadingsIn):
    stored = coldchain.store_readings(
        db.session, unit(), [reading.as_new() for reading in body.readings], "http"
    )
    return {"accepted": stored.accepted, "duplicates": stored.duplicates}


@endpoint(
    "PATCH",
    "/locations/{code}",
    "Put a sensor on a fridge or freezer (or take it off)",
    roles=("admin",),
    body=SensorIn,
    response=LocationWithSensor,
    tag="locations",
)
def set_sensor(code: str, body: SensorIn):
    place = places.get_location(db.session, code)
    coldchain.assign_sensor(db.session, unit(), place, body.sensor_id)
    return {
        **serialize.location(place),
        "sensor_id": coldchain.current_sensor(db.session, place),
    }


@endpoint(
    "POST",
    "/locations/{code}/sign-off",
    "Sign off a fridge or freezer's temperatures (twice a day)",
    roles=STAFF,
    response=SignOffOut,
    status=201,
    errors=(400, 401, 403, 404),
    tag="cold chain",
)
def sign_off(code: str):
    place = places.get_location(db.session, code)
    record: SignOff = coldchain.sign_off(db.session, unit(), g.user, place)
    return {
        "location_code": place.code,
        "at": serialize.when(record.at),
        "signed_by": g.user.username,
        "min_celsius": record.min_celsius,
        "max_celsius": record.max_celsius,
    }


@endpoint(
    "GET",
    "/excursions",
    "Temperature excursions (open=true: lasting, or holding milk with no decision)",
    roles=STAFF,
    query=ExcursionsQuery,
    response=ExcursionList,
    errors=(400, 401, 403),
    tag="cold chain",
)
def list_excursions(query: ExcursionsQuery):
    found = coldchain.list_excursions(db.session, open_only=query.open)
    return {"excursions": [excursion_out(excursion) for excursion in found]}


def _excursion(excursion_id: str) -> Excursion:
    number = int(excursion_id) if excursion_id.isascii() and excursion_id.isdigit() else -1
    return coldchain.get_excursion(db.session, number if 0 < number < 2**31 else -1)


@endpoint(
    "GET",
    "/excursions/{excursion_id}",
    "A temperature excursion, the milk it held and the decisions on it",
    roles=STAFF,
    response=ExcursionOut,
    errors=(400, 401, 403, 404),
    tag="cold chain",
)
def get_excursion(excursion_id: str):
    return excursion_out(_excursion(excursion_id))


@endpoint(
    "POST",
    "/excursions/{excursion_id}/decision",
    "Decide on milk an excursion held: release, discard or thawed (charge nurse)",
    roles=CHARGE,
    body=DecisionIn,
    response=ExcursionOut,
    tag="cold chain",
)
def decide(excursion_id: str, body: DecisionIn):
    excursion = _excursion(excursion_id)
    fridge = None
    if body.location_code is not None:
        try:
            fridge = places.get_location(db.session, body.location_code)
        except NotFound as unknown:
            raise InvalidInput("UNKNOWN_LOCATION", unknown.message) from None
    coldchain.decide(
        db.session,
        unit(),
        g.user,
        excursion,
        body.action,
        body.reason,
        codes=body.codes,
        location=fridge,
    )
    return excursion_out(excursion)
