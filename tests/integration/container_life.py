"""The life of a container, as domain.md draws it, to hold containers read back from the API to.

    reserved --receive--> fresh --freeze--> frozen --thaw--> thawed
                            +------fortify / first feed / feed--+--> consumed
    any state ---> discarded | returned to family | held (quarantine) <-> released

`problems(container)` replays a container's events (GET /containers/{code}) through that
drawing and says what could not have happened: an event its state forbids (a feed of frozen,
held or discarded milk, thawed milk frozen again, a release without a hold), more milk taken
than there was, or a final state, hold, volume or first feed that the history does not explain.
The race and crash tests run it over every container they touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

ON_HAND = ("fresh", "frozen", "thawed")
GONE = ("consumed", "discarded", "returned")
USABLE = ("fresh", "thawed")  # what may be fed, split or fortified
FREEZERS = ("freezer", "deep_freezer")
BIRTHS = ("received", "reserved", "split_from", "combined_from")
# Paperwork: allowed in any state, and it changes nothing about the milk.
PAPERWORK = ("label_printed", "mother_held", "mother_released")


def ml(value) -> Decimal:
    return Decimal(str(value))


@dataclass
class Life:
    """A container's state as its events say it must be."""

    state: str | None = None
    held: bool = False
    remaining: Decimal = Decimal(0)
    fortified: bool = False
    first_fed_at: str | None = None
    finished: bool = False
    # The state each child was born in, by code, for children split off or combined from it.
    children: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def replay(container: dict, born_as: str | None = None) -> Life:
    """Walk the events in order; `born_as` is the parent's state when a child was split off."""
    code = container["code"]
    life = Life(remaining=ml(container["volume_ml"] or 0))
    events = container["events"]

    def wrong(index: int, why: str) -> None:
        life.problems.append(f"{code} event {index} ({events[index]['type']}): {why}")

    for index, event in enumerate(events):
        kind, details = event["type"], event.get("details") or {}
        if index == 0:
            if kind not in BIRTHS:
                wrong(index, "a container's history starts with its receipt, reservation or birth")
            if kind == "reserved":
                life.state = "reserved"
            elif kind == "received":
                life.state = "frozen" if details.get("storage_class") in FREEZERS else "fresh"
            else:
                life.state = born_as or "fresh"
                if life.state not in USABLE:
                    wrong(index, f"born of {life.state} milk, which cannot be split or pooled")
            continue
        if kind in BIRTHS and kind != "received":
            wrong(index, "born twice")
            continue
        if kind in PAPERWORK:
            continue
        if kind == "released":
            if not life.held:
                wrong(index, "released without a hold")
            life.held = False
            continue
        if life.state in GONE:
            wrong(index, f"after the milk was {life.state}")
            continue
        if kind == "received":
            if life.state != "reserved":
                wrong(index, f"received when {life.state}, not reserved")
            life.state = "frozen" if details.get("storage_class") in FREEZERS else "fresh"
        elif kind == "held":
            if life.held:
                wrong(index, "held twice")
            life.held = True
        elif kind == "discarded":
            life.state = "discarded"
        elif life.state == "reserved":
            wrong(index, "the milk was never received")
        elif kind == "moved":
            if details.get("storage_class") in FREEZERS:
                if life.state == "thawed":
                    wrong(index, "thawed milk was frozen again")
                elif life.state == "fresh":
                    if life.fortified or life.first_fed_at:
                        wrong(index, "fortified or fed milk was frozen")
                    life.state = "frozen"
        elif kind == "thawed":
            if life.state != "frozen":
                wrong(index, f"thawed when {life.state}, not frozen")
            elif details.get("storage_class") in FREEZERS:
                wrong(index, "thawed into a freezer")
            life.state = "thawed"
        elif kind == "returned":
            life.state = "returned"
        elif life.state not in USABLE:
            wrong(index, f"{kind} of {life.state} milk")
        elif kind in ("fed", "split_into", "combined_into") and life.held:
            wrong(index, f"{kind} while on hold")
        elif kind == "fortified":
            if life.fortified:
                wrong(index, "fortified twice")
            life.fortified = True
        elif kind in ("fed", "split_into", "combined_into"):
            life.remaining -= ml(details["volume_ml"])
            if life.remaining < 0:
                wrong(index, f"took {details['volume_ml']} ml, {life.remaining} ml short")
            if kind == "fed" and life.first_fed_at is None:
                life.first_fed_at = event["at"]
            for child in details.get("children", ()):
                life.children[child] = life.state
        elif kind == "consumed":
            life.finished = details.get("by") == "marked finished"
            if life.remaining != 0 and not life.finished:
                wrong(index, f"consumed with {life.remaining} ml left, never marked finished")
            if life.finished and events[index - 1]["type"] != "fed":
                wrong(index, "marked finished other than by a feed")
            life.state = "consumed"
        else:
            wrong(index, "an event the life of a container does not know")
    return life


def problems(container: dict, born_as: str | None = None) -> list[str]:
    """Everything impossible about this container, as GET /containers/{code} shows it."""
    code = container["code"]
    life = replay(container, born_as)
    found = list(life.problems)
    state, volume = container["state"], ml(container["volume_ml"] or 0)
    remaining = ml(container["remaining_ml"] or 0)
    shown = (state, container["held"], remaining, container["first_fed_at"])
    derived = (life.state, life.held, life.remaining, life.first_fed_at)
    if shown != derived:
        found.append(
            f"{code} shows (state, held, remaining, first fed) {shown}, its events say {derived}"
        )
    # The combinations the drawing allows, whatever the events say.
    if not Decimal(0) <= remaining <= volume:
        found.append(f"{code} has {remaining} ml left of {volume} ml")
    if state in ON_HAND and remaining == 0:
        found.append(f"{code} is {state} with nothing left")
    if remaining == 0 and volume > 0 and state not in ("consumed", "reserved"):
        found.append(f"{code} is empty but {state}, not consumed")
    if state == "consumed" and remaining > 0 and not life.finished:
        found.append(f"{code} is consumed with {remaining} ml left and was not marked finished")
    if state == "frozen" and (container["first_fed_at"] or container.get("fortifier")):
        found.append(f"{code} is frozen after a feed or a fortifier")
    return found
