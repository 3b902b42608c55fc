"""The unit's closed vocabularies, each declared once: a container's states, the people's roles,
the kinds of storage place, with the words a page shows for each.

Everything else is derived from these tables: the tuples the services query with, the API's
Literal types (and so its OpenAPI description), the forms' choices and the pages' labels.
tests/unit/test_vocabulary.py fails if a second list of states or roles creeps back in.
"""

from __future__ import annotations

from typing import Literal, NamedTuple


class StateWords(NamedTuple):
    words: str  # what a page calls the state
    badge: str  # how its badge looks: plain, info, frozen or stop


# A container's states, in the order it lives them. Reserved: a label printed ahead, no milk yet.
STATES: dict[str, StateWords] = {
    "reserved": StateWords("Reserved (not received yet)", "info"),
    "fresh": StateWords("Fresh", "plain"),
    "frozen": StateWords("Frozen", "frozen"),
    "thawed": StateWords("Thawed", "plain"),
    "consumed": StateWords("Used up", "info"),
    "discarded": StateWords("Discarded", "stop"),
    "returned": StateWords("Returned to family", "info"),
}
CONTAINER_STATES: tuple[str, ...] = tuple(STATES)
# Used up, discarded or sent home: no longer in the unit's stock.
GONE: tuple[str, ...] = ("consumed", "discarded", "returned")
# Still in the unit's stock, milk or not yet.
IN_INVENTORY: tuple[str, ...] = tuple(s for s in CONTAINER_STATES if s not in GONE)
# Milk in hand: in stock and received.
ON_HAND: tuple[str, ...] = tuple(s for s in IN_INVENTORY if s != "reserved")
ContainerState = Literal[CONTAINER_STATES]  # type: ignore[valid-type]

# Who signs in, and what the pages call them.
ROLE_WORDS: dict[str, str] = {
    "admin": "Administrator",
    "charge_nurse": "Charge nurse",
    "nurse": "Nurse",
    "parent": "Parent",
    # A sensor gateway: it may only post temperature readings, and never signs in to pages.
    "device": "Sensor gateway (posts temperatures only)",
}
ROLES: tuple[str, ...] = tuple(ROLE_WORDS)
PARENT = "parent"
ADMIN = "admin"
DEVICE = "device"
STAFF: tuple[str, ...] = tuple(role for role in ROLES if role not in (PARENT, DEVICE))
# Who decides on held milk (a cold-chain excursion): the charge nurse, or an administrator.
CHARGE_NURSES: tuple[str, ...] = (ADMIN, "charge_nurse")
Role = Literal[ROLES]  # type: ignore[valid-type]

# Kinds of top-level storage place (shelves and bins inherit theirs), warmest first: the cold
# chain's limits and the policy's storage classes are these, in this order.
KIND_WORDS: dict[str, str] = {
    "room": "Room / bedside",
    "refrigerator": "Refrigerator",
    "freezer": "Freezer (−20 °C)",
    "deep_freezer": "Deep freezer (−70 °C)",
}
LOCATION_KINDS: tuple[str, ...] = tuple(KIND_WORDS)
LocationKind = Literal[LOCATION_KINDS]  # type: ignore[valid-type]

assert set(GONE) <= set(CONTAINER_STATES)
