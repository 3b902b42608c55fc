"""What the API answers, as models: the OpenAPI document is built from these, the answers are
made from them (serialize.py reads each record through its model), and the API tests validate
real answers against them, so the description cannot drift from the behaviour."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ..vocabulary import ContainerState, LocationKind, Role


def when(value: dt.datetime | str | None) -> str | None:
    """A time as the API writes it: UTC, with Z."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return value


def ml(value: Decimal | float | None) -> float | None:
    return float(value) if isinstance(value, Decimal) else value


def day(value: dt.date | str) -> str:
    return value.isoformat() if isinstance(value, dt.date) else value


# What the records hold (aware datetimes, Decimal volumes, dates), written as the API writes them.
Time = Annotated[str, BeforeValidator(when)]
Ml = Annotated[float, BeforeValidator(ml)]
Day = Annotated[str, BeforeValidator(day)]


def _absent_when_none(value) -> bool:
    return value is None


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)


class ErrorDetail(Out):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorDetail


class TokenOut(Out):
    token: str
    role: Role
    expires_in_hours: float


class UserOut(Out):
    username: str
    display_name: str | None
    role: Role
    active: bool
    infant_mrns: list[str]


class UserList(Out):
    users: list[UserOut]


class LocationOut(Out):
    code: str
    name: str
    kind: LocationKind
    parent_code: str | None
    path: str


class LocationList(Out):
    locations: list[LocationOut]


class MotherOut(Out):
    mrn: str
    first_name: str
    last_name: str
    held: bool


class InfantOut(Out):
    mrn: str
    first_name: str
    last_name: str
    date_of_birth: Day
    wristband_code: str
    mother: MotherOut
    donor_milk_consent: bool
    admitted: bool
    discharged_at: Time | None
    name_alert: bool
    daily_volume_ml: Ml | None
    # Only when asked for one baby: the MRNs of its twins, triplets.
    siblings: list[str] | None = Field(default=None, exclude_if=_absent_when_none)


class Notice(Out):
    code: str
    message: str


class AdmittedOut(InfantOut):
    # What the unit must know at once, e.g. WIDE_LABEL_STOCK: the fullest label for this name
    # needs the unit's wider label stock.
    warnings: list[Notice]


class InfantList(Out):
    infants: list[InfantOut]


class Inventory(Out):
    on_hand_ml: float
    containers: int
    reserved_labels: int
    by_state: dict[str, float]


class InfantDetail(InfantOut):
    inventory: Inventory


class EventOut(Out):
    type: str
    at: Time
    recorded_at: Time
    user: str | None
    details: dict


class ContainerSummary(Out):
    code: str
    infant_mrn: str
    infant_name: str
    # None for donor milk: it is not the baby's mother's milk.
    mother_mrn: str | None
    milk_type: Literal["MOM", "DHM"]
    state: ContainerState
    location_code: str | None
    volume_ml: Ml | None
    remaining_ml: Ml | None
    expressed_at: Time | None
    received_at: Time | None
    expires_at: Time | None
    expiry_reason: str | None
    colostrum: bool
    medications: str | None
    held: bool
    hold_reason: str | None
    fortifier: str | None
    kcal_per_oz: Ml | None
    donor_lot: str | None
    donor_product_code: str | None
    donor_expires_at: Time | None
    first_fed_at: Time | None


class ContainerOut(ContainerSummary):
    parents: list[str]
    events: list[EventOut]


class ContainerList(Out):
    containers: list[ContainerSummary | ContainerOut]


class LocationDetail(LocationOut):
    containers: list[ContainerSummary]


class ReservedCodes(Out):
    codes: list[str]


class DischargeItemOut(ContainerSummary):
    # False for milk that never goes home: expired (discarded in the unit) or donor milk.
    returnable: bool
    # What the family's list says beside it, e.g. "EXPIRED: will be discarded".
    discharge_note: str | None


class DischargeOut(Out):
    infant: InfantOut
    # The mother's own milk, each marked; expired bottles stay and are discarded.
    return_to_family: list[DischargeItemOut]
    # Donor milk left for the baby: never sent home.
    donor_milk: list[DischargeItemOut]


class TakeHomeList(Out):
    containers: list[DischargeItemOut]


class MotherHoldOut(Out):
    mother_mrn: str
    held: bool
    reason: str | None
    containers_affected: int


class ReasonOut(Out):
    code: str
    # advice (USE_FIRST) is shown, never acknowledged, and leaves the verdict at go.
    severity: Literal["advice", "warn", "stop"]
    message: str
    # With USE_FIRST: the container to use instead.
    use_instead: str | None = Field(default=None, exclude_if=_absent_when_none)


class CheckOut(Out):
    verdict: Literal["go", "warn", "stop"]
    reasons: list[ReasonOut]
    container: ContainerSummary | None = None
    infant: InfantOut | None = None


class FeedRecord(Out):
    id: int
    container_code: str
    infant_mrn: str
    volume_ml: Ml
    at: Time
    recorded_at: Time
    user: str
    acknowledged_warnings: list[str]
    manual_entry: bool
    witness: str | None


class FeedOut(Out):
    feed: FeedRecord
    container: ContainerSummary
    verdict: Literal["go", "warn"]
    reasons: list[ReasonOut]


class FeedRefused(CheckOut):
    """The 409 answer to a refused feed: the error, and the check's verdict beside it."""

    error: ErrorDetail


class FeedList(Out):
    feeds: list[FeedRecord]


class ExpiryRowOut(ContainerSummary):
    location_name: str | None


class ExpiryReportOut(Out):
    generated_at: Time
    within_hours: float
    expired: list[ExpiryRowOut]
    expiring: list[ExpiryRowOut]


class NearMissOut(Out):
    at: Time
    user: str
    action: Literal["check", "feed"]
    verdict: Literal["warn", "stop"]
    reasons: list[ReasonOut]
    infant_code: str
    container_code: str
    manual_entry: bool


class NearMissReportOut(Out):
    since: Time | None
    until: Time | None
    counts: dict[str, int]
    near_misses: list[NearMissOut]


class InventoryRowOut(Out):
    mrn: str
    name: str
    on_hand_ml: float
    by_state: dict[str, float]
    usable_ml: float
    containers: int
    daily_volume_ml: Ml | None
    days_of_supply: float | None
    low_supply: bool


class InventoryReportOut(Out):
    generated_at: Time
    infants: list[InventoryRowOut]


class PrintedOut(Out):
    code: str
    printed_to: str
    # The stock it was composed for: the unit's wider one when the label needs it.
    layout: str
