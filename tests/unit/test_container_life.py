"""The race and crash tests' model of a container's life catches each impossible history."""

from __future__ import annotations

import pytest

from tests.integration.container_life import problems

FRIDGE = {"location": "FR1", "storage_class": "refrigerator"}
FREEZER = {"location": "FZ1", "storage_class": "freezer"}


def event(kind: str, at: str = "2026-11-28T10:00:00Z", **details) -> dict:
    return {"type": kind, "at": at, "recorded_at": at, "user": "nina", "details": details}


def bottle(events: list[dict], **shown) -> dict:
    """A container as GET /containers/{code} shows it; `shown` overrides what its events say."""
    return {
        "code": "M0000001262",
        "volume_ml": 100,
        "remaining_ml": 100,
        "state": "fresh",
        "held": False,
        "first_fed_at": None,
        "fortifier": None,
        "events": events,
        **shown,
    }


FED = "2026-11-28T11:00:00Z"


def fed_then_consumed(volume: int, by: str) -> list[dict]:
    return [
        event("received", **FRIDGE),
        event("fed", FED, volume_ml=volume),
        event("consumed", FED, by=by),
    ]


POSSIBLE = [
    ("received into a fridge", [event("received", **FRIDGE)], {}),
    (
        "frozen, thawed, fed, held and released",
        [
            event("received", **FRIDGE),
            event("moved", **FREEZER, froze=True),
            event("thawed", **FRIDGE),
            event("fed", FED, volume_ml=30),
            event("held", reason="culture"),
            event("released", hold_reason="culture"),
        ],
        {"state": "thawed", "remaining_ml": 70, "first_fed_at": FED},
    ),
    (
        "fed to the last drop",
        fed_then_consumed(100, "feed"),
        {"state": "consumed", "remaining_ml": 0, "first_fed_at": FED},
    ),
    (
        "marked finished with milk left",
        fed_then_consumed(40, "marked finished"),
        {"state": "consumed", "remaining_ml": 60, "first_fed_at": FED},
    ),
    (
        "split, then discarded while held",
        [
            event("received", **FRIDGE),
            event("split_into", volume_ml=20, children=["M2"]),
            event("held", reason="recall"),
            event("discarded", reason="recall"),
        ],
        {"state": "discarded", "remaining_ml": 80, "held": True},
    ),
]

IMPOSSIBLE = [
    (
        "fed after it was discarded",
        [event("received", **FRIDGE), event("discarded"), event("fed", FED, volume_ml=10)],
        {"state": "discarded", "remaining_ml": 90, "first_fed_at": FED},
        "after the milk was discarded",
    ),
    (
        "thawed milk frozen again",
        [event("received", **FREEZER), event("thawed", **FRIDGE), event("moved", **FREEZER)],
        {"state": "thawed"},
        "thawed milk was frozen again",
    ),
    (
        "thawed twice",
        [event("received", **FREEZER), event("thawed", **FRIDGE), event("thawed", **FRIDGE)],
        {"state": "thawed"},
        "not frozen",
    ),
    (
        "fed while held",
        [event("received", **FRIDGE), event("held"), event("fed", FED, volume_ml=5)],
        {"remaining_ml": 95, "held": True, "first_fed_at": FED},
        "while on hold",
    ),
    (
        "fed while frozen",
        [event("received", **FREEZER), event("fed", FED, volume_ml=5)],
        {"state": "frozen", "remaining_ml": 95, "first_fed_at": FED},
        "fed of frozen milk",
    ),
    (
        "more fed than there was",
        [
            event("received", **FRIDGE),
            event("fed", FED, volume_ml=70),
            event("fed", FED, volume_ml=40),
        ],
        {"remaining_ml": -10, "first_fed_at": FED},
        "10 ml short",
    ),
    (
        "consumed with milk left, never finished",
        fed_then_consumed(40, "feed"),
        {"state": "consumed", "remaining_ml": 60, "first_fed_at": FED},
        "never marked finished",
    ),
    (
        "released without a hold",
        [event("received", **FRIDGE), event("released")],
        {},
        "released without a hold",
    ),
    (
        "held twice",
        [event("received", **FRIDGE), event("held"), event("held")],
        {"held": True},
        "held twice",
    ),
    (
        "fed milk frozen",
        [event("received", **FRIDGE), event("fed", FED, volume_ml=5), event("moved", **FREEZER)],
        {"state": "frozen", "remaining_ml": 95, "first_fed_at": FED},
        "fortified or fed milk was frozen",
    ),
    (
        "shown fresh, but its events say consumed",
        fed_then_consumed(100, "feed"),
        {"remaining_ml": 0, "first_fed_at": FED},
        "its events say",
    ),
    (
        "shown with more left than its events allow",
        [event("received", **FRIDGE), event("fed", FED, volume_ml=30)],
        {"first_fed_at": FED},
        "its events say",
    ),
    (
        "an empty bottle still in stock",
        [event("received", **FRIDGE)],
        {"remaining_ml": 0},
        "with nothing left",
    ),
    (
        "a history that starts with a feed",
        [event("fed", FED, volume_ml=5)],
        {"remaining_ml": 95, "first_fed_at": FED},
        "starts with its receipt",
    ),
]


@pytest.mark.parametrize(
    ("history", "shown"), [case[1:] for case in POSSIBLE], ids=[case[0] for case in POSSIBLE]
)
def test_a_possible_life_has_no_problems(history, shown):
    assert problems(bottle(history, **shown)) == []


@pytest.mark.parametrize(
    ("history", "shown", "said"),
    [case[1:] for case in IMPOSSIBLE],
    ids=[case[0] for case in IMPOSSIBLE],
)
def test_an_impossible_life_is_named(history, shown, said):
    found = problems(bottle(history, **shown))
    assert any(said in problem for problem in found), found


def test_a_portion_is_born_in_its_parents_state():
    portion = bottle(
        [event("split_from", parents=["M1"], **FRIDGE)],
        volume_ml=20,
        remaining_ml=20,
        state="thawed",
    )
    assert problems(portion, born_as="thawed") == []
    assert any("its events say" in p for p in problems(portion, born_as="fresh"))
    assert any("cannot be split" in p for p in problems(portion, born_as="frozen"))
