"""How pages show times, volumes and states: always on the unit's clock, always in words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Flask, current_app

from .. import formatting
from ..models import Container
from ..policy import when_text
from ..runtime import now, policy, zone
from ..services.reports import reason_title
from ..services.storage import expiry_reason

# Lists flag milk that expires within this many hours (the expiry report's default window).
SOON_HOURS = 24
# Beyond this, "in 128 days 13 h" is noise beside the date.
NEAR_DAYS = 7

STATE_WORDS = {
    "reserved": "Reserved (not received yet)",
    "fresh": "Fresh",
    "frozen": "Frozen",
    "thawed": "Thawed",
    "consumed": "Used up",
    "discarded": "Discarded",
    "returned": "Returned to family",
}
KIND_WORDS = {
    "refrigerator": "Refrigerator",
    "freezer": "Freezer (−20 °C)",
    "deep_freezer": "Deep freezer (−70 °C)",
    "room": "Room / bedside",
}
EVENT_WORDS = {
    "reserved": "Label reserved",
    "received": "Received",
    "moved": "Moved",
    "thawed": "Thawed",
    "fortified": "Fortified",
    "fed": "Fed",
    "consumed": "Finished",
    "held": "Put on hold",
    "released": "Hold released",
    "discarded": "Discarded",
    "returned": "Returned to family",
    "split_from": "Made by splitting",
    "split_into": "Split",
    "combined_from": "Made by pooling",
    "combined_into": "Pooled into another bottle",
    "label_printed": "Label printed",
    "mother_held": "Mother's milk put on hold",
    "mother_released": "Hold on mother's milk released",
}
ROLE_WORDS = {
    "admin": "Administrator",
    "charge_nurse": "Charge nurse",
    "nurse": "Nurse",
    "parent": "Parent",
    "device": "Sensor gateway (posts temperatures only)",
}


def person(user) -> str:
    """A person as the unit knows them: their full name, else their username."""
    if user is None:
        return "the system"
    return user.display_name or user.username


def when(moment: dt.datetime | None, *, year: bool = False) -> str:
    """ "28 Nov 14:05 CST"; with the year when it is not this year (frozen milk lasts months)."""
    if moment is None:
        return "—"
    other_year = moment.astimezone(zone()).year != now().astimezone(zone()).year
    return when_text(moment, zone(), year=year or other_year)


def when_year(moment: dt.datetime | None) -> str:
    return when(moment, year=True)


def local_input(moment: dt.datetime | None) -> str:
    """The value a datetime-local input shows for this moment, on the unit's clock."""
    if moment is None:
        return ""
    return moment.astimezone(zone()).strftime("%Y-%m-%dT%H:%M")


def from_local(naive: dt.datetime | None) -> dt.datetime | None:
    """A time typed into a form, read on the unit's clock, as UTC for the services."""
    if naive is None:
        return None
    if naive.tzinfo is not None:
        return naive.astimezone(dt.UTC)
    return naive.replace(tzinfo=zone()).astimezone(dt.UTC)


def ml(volume: Decimal | float | None) -> str:
    """ "60 mL": nicu_milk.formatting, as on labels, reports and in the API's messages."""
    return formatting.ml(volume)


def kcal(value: Decimal | float | None) -> str:
    return formatting.kcal_per_oz(value)


def span(delta: dt.timedelta) -> str:
    minutes = round(abs(delta.total_seconds()) / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    return f"{hours // 24} days {hours % 24} h"


def until(moment: dt.datetime | None) -> str:
    """ "in 2 h 05 min" or "3 h 10 min ago", from now."""
    if moment is None:
        return ""
    delta = moment - now()
    return f"in {span(delta)}" if delta.total_seconds() > 0 else f"{span(delta)} ago"


def until_near(moment: dt.datetime | None) -> str:
    """How long is left, only while that is days rather than months away."""
    if moment is None or moment - now() > dt.timedelta(days=NEAR_DAYS):
        return ""
    return until(moment)


def expiry_status(container: Container) -> tuple[str, str]:
    """("stop" | "warn" | "go", words) for the container's expiry, now."""
    if container.expires_at is None:
        return ("warn", "No expiry yet") if container.state == "reserved" else ("go", "")
    left = container.expires_at - now()
    if left <= dt.timedelta(0):
        return "stop", "EXPIRED"
    if left <= dt.timedelta(hours=SOON_HOURS):
        return "warn", f"Expires {until(container.expires_at)}"
    return "go", f"Expires {until(container.expires_at)}"


def in_inventory(container: Container) -> bool:
    return container.state in ("reserved", "fresh", "frozen", "thawed")


def zone_label() -> str:
    local = now().astimezone(zone())
    return f"{zone().key} ({local.tzname()})"


def install(app: Flask) -> None:
    app.add_template_filter(when)
    app.add_template_filter(when_year)
    app.add_template_filter(local_input)
    app.add_template_filter(ml)
    app.add_template_filter(kcal)
    app.add_template_filter(until)
    app.add_template_filter(until_near)
    app.add_template_filter(span)
    app.add_template_filter(person)
    app.add_template_filter(reason_title)
    app.add_template_filter(lambda state: STATE_WORDS.get(state, state), "state_words")
    app.add_template_filter(lambda kind: KIND_WORDS.get(kind, kind), "kind_words")
    app.add_template_filter(lambda role: ROLE_WORDS.get(role, role), "role_words")
    app.add_template_filter(
        lambda kind: EVENT_WORDS.get(kind, kind.replace("_", " ")), "event_words"
    )
    app.add_template_filter(lambda c: expiry_reason(c, policy()) or "", "expiry_reason")
    app.add_template_global(expiry_status)
    app.add_template_global(in_inventory)

    @app.context_processor
    def unit_facts() -> dict:
        return {
            "unit_name": current_app.config.get("UNIT_NAME", "Neonatal Intensive Care Unit"),
            "zone_label": zone_label,
            "now_text": lambda: when(now()),
            "idle_minutes": float(current_app.config.get("SESSION_IDLE_MINUTES", 15)),
            "expires_soon_minutes": policy().expires_soon.total_seconds() / 60,
        }
