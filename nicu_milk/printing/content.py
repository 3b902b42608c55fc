"""What a container label says, and how times, volumes and states are written on paper."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from .. import formatting

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MILK_TYPES = ("MOM", "DHM")


@dataclass(frozen=True)
class LabelContent:
    """Everything printed on one container label. Datetimes are timezone-aware (UTC)."""

    code: str
    infant_first_name: str
    infant_last_name: str
    infant_mrn: str
    milk_type: str  # "MOM" or "DHM"
    donor_lot: str | None
    donor_product_code: str | None
    colostrum: bool
    expressed_at: datetime | None
    state: str  # reserved | fresh | frozen | thawed (fortified shows through `fortifier`)
    expires_at: datetime | None
    expiry_reason: str | None
    fortifier: str | None
    kcal_per_oz: float | None
    volume_ml: float | None
    name_alert: bool
    medications: str | None = None

    @property
    def full_name(self) -> str:
        """The name as printed: "Last, First" (either alone when the other is blank)."""
        return display_name(self.infant_first_name, self.infant_last_name)

    @property
    def state_word(self) -> str:
        """FRESH, FROZEN, THAWED, or FORTIFIED when a fortifier was added."""
        return "FORTIFIED" if self.fortifier else self.state.upper()


@dataclass(frozen=True)
class TakeHomeLabel:
    """One label of a parent's sheet: blank (only the code), or what the parent entered at a
    drop-off. Whatever is None is left blank to write in by hand."""

    code: str
    expressed_at: datetime | None = None
    volume_ml: float | None = None
    colostrum: bool = False
    medications: str | None = None


def display_name(first: str, last: str) -> str:
    return formatting.label_name(first, last)


def format_time(moment: datetime, zone: ZoneInfo) -> str:
    """'28 Nov 2026 14:05 CST' in the unit's zone; naive datetimes are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got naive {moment!r}")
    local = moment.astimezone(zone)
    return (
        f"{local.day:02d} {_MONTHS[local.month - 1]} {local.year} "
        f"{local.hour:02d}:{local.minute:02d} {local.tzname()}"
    )


def format_ml(volume: float) -> str:
    return formatting.ml(volume)


def format_kcal(value: float) -> str:
    return formatting.kcal_per_oz(value)
