"""Receiving milk: a nurse records a bottle and where it is stored, a parent pre-registers a
drop-off or a sheet of blank labels, and a nurse receives what a parent brought."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from ..errors import Conflict, Forbidden, InvalidInput
from ..identifiers import require_identifier
from ..models import Container, Infant, StorageLocation, User
from ..policy import Stored
from .common import (
    NOTES_MAX,
    NicuUnit,
    check_expressed_at,
    event_time,
    require_text,
    require_volume,
)
from .storage import (
    _record,
    _require_in_inventory,
    _storage,
    _when,
    allocate_codes,
    apply_expiry,
    expiry_with,
)

MILK_TYPES = ("MOM", "DHM")


def _check_milk(milk_type: str, donor_lot, donor_expires_at) -> None:
    """The donor-lot rule: donor milk carries its milk bank's lot and expiry, a mother's own
    milk carries neither."""
    if milk_type not in MILK_TYPES:
        raise InvalidInput("INVALID_MILK_TYPE", "The milk is MOM (mother's own) or DHM (donor).")
    if milk_type == "DHM" and (not donor_lot or donor_expires_at is None):
        raise InvalidInput(
            "DONOR_LOT_REQUIRED",
            "Donor milk needs the milk bank's lot number (donor_lot) and its expiry "
            "(donor_expires_at), as printed on the bottle.",
        )
    if milk_type == "MOM" and (donor_lot or donor_expires_at is not None):
        raise InvalidInput("NOT_DONOR_MILK", "A donor lot is only given for donor milk (DHM).")


def _check_expressed(expressed_at: dt.datetime, received_at: dt.datetime, now: dt.datetime) -> None:
    event_time(expressed_at, now)
    if received_at < expressed_at:
        raise InvalidInput(
            "RECEIVED_BEFORE_EXPRESSED", "The milk cannot be received before it was expressed."
        )


def _require_admitted(infant: Infant) -> None:
    if not infant.admitted:
        raise Conflict(
            "INFANT_DISCHARGED",
            f"{infant.full_name} has been discharged; milk is no longer received for them.",
        )


def create_container(
    session: Session,
    unit: NicuUnit,
    user: User,
    infant: Infant,
    *,
    expressed_at: dt.datetime,
    volume_ml: Decimal,
    milk_type: str,
    location: StorageLocation | None,
    colostrum: bool,
    medications: str | None,
    donor_lot: str | None,
    donor_product_code: str | None,
    donor_expires_at: dt.datetime | None,
    at: dt.datetime | None,
) -> Container:
    """Staff receive milk at once, into a storage place; a parent's drop-off waits, reserved,
    for a nurse (and a parent does not choose where it is stored, nor records donor milk)."""
    volume_ml = require_volume(volume_ml)
    if medications is not None:
        require_text("The medications", medications, NOTES_MAX)
    if user.is_staff and location is None:
        raise InvalidInput("MISSING_FIELD", "location_code is required: where is the milk stored?")
    if not user.is_staff and location is not None:
        raise InvalidInput(
            "LOCATION_NOT_ALLOWED",
            "Parents do not choose a storage place; the nurse does on receipt.",
        )
    if not user.is_staff and milk_type != "MOM":
        # Donor milk comes from a milk bank, with its lot: staff record it, never a family.
        raise Forbidden(
            "FORBIDDEN",
            "A parent pre-registers the mother's own milk only. Donor milk comes from the milk "
            "bank and the unit's staff record it.",
        )
    _require_admitted(infant)
    _check_milk(milk_type, donor_lot, donor_expires_at)
    for field, code in (("donor_lot", donor_lot), ("donor_product_code", donor_product_code)):
        if code is not None:
            require_identifier(field, code, "INVALID_CODE")
    when = event_time(at, unit.now)
    _check_expressed(expressed_at, when, unit.now)
    check_expressed_at(expressed_at, milk_type, infant, unit)
    [code] = allocate_codes(session, 1)
    container = Container(
        code=code,
        infant=infant,
        # Donor milk is the milk bank's, not the baby's mother's.
        mother=infant.mother if milk_type == "MOM" else None,
        milk_type=milk_type,
        donor_lot=donor_lot,
        donor_product_code=donor_product_code,
        donor_expires_at=donor_expires_at,
        colostrum=colostrum,
        medications=medications,
        expressed_at=expressed_at,
        volume_ml=volume_ml,
        remaining_ml=volume_ml,
        state="reserved",
        created_at=unit.now,
    )
    session.add(container)
    if user.is_staff:
        _receive(session, unit, user, container, location, when)
    else:
        container.reserved_by_id = user.id
        _record(session, container, "reserved", when, user, unit.now, by="parent")
    return container


def reserve_labels(
    session: Session, unit: NicuUnit, user: User, infant: Infant, count: int
) -> list[str]:
    _require_admitted(infant)
    new_codes = allocate_codes(session, count)
    for code in new_codes:
        container = Container(
            code=code,
            infant=infant,
            mother=infant.mother,
            milk_type="MOM",
            state="reserved",
            created_at=unit.now,
            reserved_by_id=None if user.is_staff else user.id,
        )
        session.add(container)
        _record(session, container, "reserved", unit.now, user, unit.now, by="label sheet")
    return new_codes


def receive(
    session: Session,
    unit: NicuUnit,
    user: User,
    container: Container,
    *,
    location: StorageLocation,
    expressed_at: dt.datetime | None,
    volume_ml: Decimal | None,
    colostrum: bool | None,
    medications: str | None,
    at: dt.datetime | None,
) -> Container:
    if volume_ml is not None:
        volume_ml = require_volume(volume_ml)
    if medications is not None:
        require_text("The medications", medications, NOTES_MAX)
    if location is None:
        raise InvalidInput("MISSING_FIELD", "location_code is required: where is the milk stored?")
    if container.state != "reserved":
        _require_in_inventory(container, received=False)
        raise Conflict("ALREADY_RECEIVED", f"Container {container.code} was already received.")
    _require_admitted(container.infant)
    when = _when(container, at, unit.now)
    if expressed_at is not None:
        container.expressed_at = expressed_at
    if volume_ml is not None:
        container.volume_ml = container.remaining_ml = volume_ml
    if colostrum is not None:
        container.colostrum = colostrum
    if medications is not None:
        container.medications = medications
    if container.expressed_at is None or container.volume_ml is None:
        raise InvalidInput(
            "DETAILS_REQUIRED",
            "This label was printed blank: enter the pump date and time (expressed_at) "
            "and the volume (volume_ml) written on it.",
        )
    _check_expressed(container.expressed_at, when, unit.now)
    check_expressed_at(container.expressed_at, container.milk_type, container.infant, unit)
    _receive(session, unit, user, container, location, when)
    return container


def _receive(session, unit: NicuUnit, user, container, location, when) -> None:
    expiry = expiry_with(container, unit.policy, [Stored(at=when, storage_class=location.kind)])
    container.state = expiry.state
    container.location = location
    container.received_at = when
    _record(session, container, "received", when, user, unit.now, **_storage(location))
    apply_expiry(container, expiry, unit.fingerprint)
