"""Reports for the charge nurse, as JSON."""

from ..extensions import db
from ..runtime import now, policy
from ..services import reports
from . import STAFF, endpoint, serialize
from .responses import ExpiryReportOut, InventoryReportOut, NearMissReportOut
from .schemas import ExpiryQuery, NearMissQuery


def expiry_row(bottle) -> dict:
    return {
        **serialize.container(bottle, full=False),
        "location_name": bottle.location.path if bottle.location else None,
    }


@endpoint(
    "GET",
    "/reports/expiry",
    "Expired milk, and milk expiring within N hours",
    roles=STAFF,
    query=ExpiryQuery,
    response=ExpiryReportOut,
    tag="reports",
)
def expiry(query: ExpiryQuery):
    report = reports.expiry(db.session, now(), query.within_hours)
    return {
        "generated_at": serialize.when(report.generated_at),
        "within_hours": report.within_hours,
        "expired": [expiry_row(c) for c in report.expired],
        "expiring": [expiry_row(c) for c in report.expiring],
    }


@endpoint(
    "GET",
    "/reports/near-misses",
    "Stopped and warned feeding attempts",
    roles=STAFF,
    query=NearMissQuery,
    response=NearMissReportOut,
    tag="reports",
)
def near_misses(query: NearMissQuery):
    report = reports.near_misses(db.session, query.since, query.until)
    return {
        "since": serialize.when(report.since),
        "until": serialize.when(report.until),
        "counts": report.counts,
        "near_misses": [serialize.near_miss(a) for a in report.attempts],
    }


@endpoint(
    "GET",
    "/reports/inventory",
    "On-hand milk per admitted baby",
    roles=STAFF,
    response=InventoryReportOut,
    tag="reports",
)
def inventory():
    rows = reports.inventory(db.session, policy(), now())
    return {
        "generated_at": serialize.when(now()),
        "infants": [
            {
                "mrn": row.infant.mrn,
                "name": row.infant.full_name,
                "on_hand_ml": row.on_hand_ml,
                "by_state": row.volume_by_state,
                "usable_ml": row.usable_ml,
                "containers": row.containers,
                "daily_volume_ml": serialize.ml(row.infant.daily_volume_ml),
                "days_of_supply": row.days_of_supply,
                "low_supply": row.low_supply,
            }
            for row in rows
        ],
    }
