"""Where a container was, from its events, and whether it was in a storage unit during an
excursion (services/coldchain.py: stays, was_there); the thawed limit counted from an
excursion's start; and the server-drawn temperature chart."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nicu_milk.policy import MilkHistory, Stored, Thawed, compute_expiry, default_policy
from nicu_milk.services.coldchain import stays, was_there
from nicu_milk.web.charts import temperature_chart

UTC = dt.UTC
T0 = dt.datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
FRIDGE = ("FR1", "FR1-S1")


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def events(*steps) -> list:
    """(minutes, type, location or None) as container events, ids in order."""
    return [
        SimpleNamespace(
            id=index + 1, at=at(minutes), type=kind, details={"location": place} if place else {}
        )
        for index, (minutes, kind, place) in enumerate(steps)
    ]


EXCURSION = (60, 120)  # out of range from 09:00 to 10:00


@pytest.mark.parametrize(
    ("history", "held"),
    [
        pytest.param([(0, "received", "FR1-S1")], True, id="in the fridge throughout"),
        pytest.param([(0, "received", "FR1"), (30, "moved", "BED3")], False, id="moved out before"),
        pytest.param(
            [(0, "received", "FR1"), (60, "moved", "BED3")],
            False,
            id="moved out at the very start",
        ),
        pytest.param([(0, "received", "FR1"), (61, "moved", "BED3")], True, id="moved out during"),
        pytest.param(
            [(0, "received", "BED3"), (90, "moved", "FR1-S1")], True, id="moved in during"
        ),
        pytest.param([(0, "received", "BED3"), (121, "moved", "FR1")], False, id="moved in after"),
        pytest.param(
            [(0, "received", "BED3"), (120, "moved", "FR1")], True, id="moved in at the end"
        ),
        pytest.param([(0, "received", "FR1"), (30, "consumed", None)], False, id="used up before"),
        pytest.param(
            [(0, "received", "FR1"), (90, "discarded", None)], True, id="discarded during"
        ),
        pytest.param(
            [(0, "received", "FZ1"), (70, "thawed", "FR1")],
            True,
            id="thawed into the fridge during",
        ),
        pytest.param(
            [(0, "received", "FR1"), (10, "held", None), (20, "label_printed", None)],
            True,
            id="paperwork moves nothing",
        ),
        pytest.param([(0, "split_from", "FR1-S1")], True, id="split into the fridge"),
        pytest.param([(0, "received", "FR10")], False, id="a fridge with a similar code"),
    ],
)
def test_held_by_where_it_was_during_the_excursion(history, held):
    assert was_there(events(*history), FRIDGE, at(EXCURSION[0]), at(EXCURSION[1])) is held


def test_stays_end_where_the_next_begins():
    assert stays(events((0, "received", "FR1"), (30, "moved", "FZ1"), (90, "consumed", None))) == [
        ("FR1", at(0), at(30)),
        ("FZ1", at(30), at(90)),
    ]


HISTORY = st.lists(
    st.tuples(
        st.integers(0, 240),
        st.sampled_from(["received", "moved", "thawed", "consumed", "held"]),
        st.sampled_from(["FR1", "FR1-S1", "BED3", "FZ1"]),
    ),
    max_size=8,
)


@given(HISTORY, st.randoms())
def test_the_order_events_are_listed_in_never_changes_the_answer(history, random):
    ordered = events(*[(m, k, None if k in ("consumed", "held") else p) for m, k, p in history])
    shuffled = list(ordered)
    random.shuffle(shuffled)
    assert stays(shuffled) == stays(ordered)
    assert was_there(shuffled, FRIDGE, at(60), at(120)) == was_there(
        ordered, FRIDGE, at(60), at(120)
    )


def test_thawed_milk_counts_its_thawed_limit_from_the_excursions_start():
    history = MilkHistory(
        milk_type="MOM",
        expressed_at=at(-24 * 60),
        donor_expires_at=None,
        steps=(
            Stored(at=at(-23 * 60), storage_class="freezer"),
            Thawed(at=at(300), storage_class="refrigerator", counted_from=at(60)),
        ),
    )
    expiry = compute_expiry(history, default_policy())
    assert expiry.state == "thawed"
    assert expiry.expires_at == at(60) + dt.timedelta(hours=24)
    assert expiry.limit.counted_from == at(60)


def test_a_counted_from_after_the_thaw_is_the_thaw():
    step = Thawed(at=at(60), storage_class="refrigerator", counted_from=at(90))
    assert step.counted_from == at(60)


def test_the_chart_draws_the_limits_the_gaps_and_the_spans_out_of_range():
    now = at(24 * 60)
    series = [(at(24 * 60 - 300 + 5 * i), 8.0 if 10 <= i < 20 else 3.0) for i in range(40)]
    series += [(at(60), 3.0), (at(65), 3.1)]  # hours of silence before the rest
    chart = temperature_chart(series, 0.0, 4.0, now, ZoneInfo("America/Chicago"))
    assert [label for _, label in chart.limits] == ["0.0 °C", "4.0 °C"]
    assert len(chart.lines) == 2  # a gap is drawn as a gap
    assert len(chart.out_of_range) == 1
    x0, y0, width, height = chart.plot
    for line in chart.lines:
        for point in line.split():
            x, y = map(float, point.split(","))
            assert x0 <= x <= x0 + width and y0 <= y <= y0 + height
    assert [label for _, label in chart.x_ticks] == ["06:00", "12:00", "18:00", "00:00"]
    assert "from 3.0 to 8.0 °C" in chart.summary
    assert not chart.empty


def test_an_empty_chart_says_so():
    chart = temperature_chart([], None, -18.0, at(0), ZoneInfo("UTC"))
    assert (
        chart.empty and chart.lines == [] and chart.summary == "No readings in the last 24 hours."
    )
