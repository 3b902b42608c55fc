"""JSON views of the unit's records, as the API answers them (times in UTC with Z)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..checks import Reason, Verdict
from ..models import CheckAttempt, Container, Feed, Infant, StorageLocation, User
from ..runtime import policy
from ..services.storage import expiry_reason


def when(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def ml(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def location(place: StorageLocation) -> dict:
    return {
        "code": place.code,
        "name": place.name,
        "kind": place.kind,
        "parent_code": place.parent.code if place.parent else None,
        "path": place.path,
    }


def infant(baby: Infant, *, siblings: list[Infant] | None = None) -> dict:
    out = {
        "mrn": baby.mrn,
        "first_name": baby.first_name,
        "last_name": baby.last_name,
        "date_of_birth": baby.date_of_birth.isoformat(),
        "wristband_code": baby.wristband_code,
        "mother": {
            "mrn": baby.mother.mrn,
            "first_name": baby.mother.first_name,
            "last_name": baby.mother.last_name,
            "held": baby.mother.hold_reason is not None,
        },
        "donor_milk_consent": baby.donor_milk_consent,
        "admitted": baby.admitted,
        "discharged_at": when(baby.discharged_at),
        "name_alert": baby.name_alert,
        "daily_volume_ml": ml(baby.daily_volume_ml),
    }
    if siblings is not None:
        out["siblings"] = [sibling.mrn for sibling in siblings]
    return out


def container(bottle: Container, *, full: bool = True) -> dict:
    """The container; `full` adds lineage and history, left out at the bedside for speed."""
    out = {
        "code": bottle.code,
        "infant_mrn": bottle.infant.mrn,
        "infant_name": bottle.infant.full_name,
        "mother_mrn": bottle.mother_mrn,
        "milk_type": bottle.milk_type,
        "state": bottle.state,
        "location_code": bottle.location.code if bottle.location else None,
        "volume_ml": ml(bottle.volume_ml),
        "remaining_ml": ml(bottle.remaining_ml),
        "expressed_at": when(bottle.expressed_at),
        "received_at": when(bottle.received_at),
        "expires_at": when(bottle.expires_at),
        "expiry_reason": expiry_reason(bottle, policy()),
        "colostrum": bottle.colostrum,
        "medications": bottle.medications,
        "held": bottle.held,
        "hold_reason": (bottle.hold_reason or bottle.mother.hold_reason) if bottle.held else None,
        "fortifier": bottle.fortifier,
        "kcal_per_oz": ml(bottle.kcal_per_oz),
        "donor_lot": bottle.donor_lot,
        "donor_product_code": bottle.donor_product_code,
        "donor_expires_at": when(bottle.donor_expires_at),
        "first_fed_at": when(bottle.first_fed_at),
    }
    if full:
        out["parents"] = [parent.code for parent in bottle.parents]
        out["events"] = [
            {
                "type": event.type,
                "at": when(event.at),
                "recorded_at": when(event.recorded_at),
                "user": event.user.username if event.user else None,
                "details": event.details,
            }
            for event in bottle.events
        ]
    return out


def discharge_item(item) -> dict:
    """A bottle on the discharge list (services.families.DischargeItem), marked."""
    return {
        **container(item.container, full=False),
        "returnable": item.returnable,
        "discharge_note": item.note,
    }


def reason(item: Reason) -> dict:
    out = {"code": item.code, "severity": item.severity, "message": item.message}
    if item.use_instead:
        out["use_instead"] = item.use_instead
    return out


def verdict(result: Verdict) -> dict:
    return {"verdict": result.outcome, "reasons": [reason(item) for item in result.reasons]}


def feed(given: Feed) -> dict:
    return {
        "id": given.id,
        "container_code": given.container.code,
        "infant_mrn": given.infant.mrn,
        "volume_ml": ml(given.volume_ml),
        "at": when(given.at),
        "recorded_at": when(given.recorded_at),
        "user": given.user.username,
        "acknowledged_warnings": list(given.acknowledged),
        "manual_entry": given.manual_entry,
        "witness": given.witness.username if given.witness else None,
    }


def near_miss(attempt: CheckAttempt) -> dict:
    return {
        "at": when(attempt.at),
        "user": attempt.user.username,
        "action": attempt.action,
        "verdict": attempt.verdict,
        "reasons": attempt.reasons,
        "infant_code": attempt.infant_code,
        "container_code": attempt.container_code,
        "manual_entry": attempt.manual_entry,
    }


def user(account: User) -> dict:
    return {
        "username": account.username,
        "display_name": account.display_name,
        "role": account.role,
        "active": account.active,
        "infant_mrns": [baby.mrn for baby in account.infants],
    }
