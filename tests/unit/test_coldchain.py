"""Cold chain: excursions and alarms from a storage unit's readings (interop.md, "Cold chain"),
the limits per kind of storage unit, and the policy file's [cold_chain] table."""

from __future__ import annotations

import copy
import datetime as dt
import math
import pickle
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from nicu_milk.coldchain import (
    DEFAULT_COLD_CHAIN,
    STORAGE_KINDS,
    Alarm,
    ColdChainLimits,
    ColdChainPolicy,
    Excursion,
    Reading,
    detect_excursions,
)
from nicu_milk.policy import STORAGE_CLASSES, PolicyError, describe_policy, parse_policy

UTC = dt.UTC
T0 = dt.datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
FRIDGE = DEFAULT_COLD_CHAIN.for_kind("refrigerator")
FREEZER = DEFAULT_COLD_CHAIN.for_kind("freezer")
DEEP = DEFAULT_COLD_CHAIN.for_kind("deep_freezer")
ROOM = DEFAULT_COLD_CHAIN.for_kind("room")
MIN = dt.timedelta(minutes=1)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def readings(*pairs: tuple[float, float]) -> list[Reading]:
    """(minutes after 08:00, °C) pairs."""
    return [Reading(at(minutes), celsius) for minutes, celsius in pairs]


def every(step: float, start: float, *temperatures: float) -> list[tuple[float, float]]:
    """Temperatures `step` minutes apart, from `start` minutes after 08:00."""
    return [(start + index * step, celsius) for index, celsius in enumerate(temperatures)]


def excursion(start, end, peak, minutes) -> Excursion:
    return Excursion(
        at(start), None if end is None else at(end), peak, dt.timedelta(minutes=minutes)
    )


def excursions(series, limits=FRIDGE, now=None):
    now = now or max((reading[0] for reading in series), default=T0)
    return detect_excursions(series, limits, now).excursions


# --- the defaults -----------------------------------------------------------------------------


def test_the_defaults_are_interop_md_table():
    assert [
        (limits.kind, limits.min_celsius, limits.max_celsius, limits.opens_after)
        for limits in DEFAULT_COLD_CHAIN.limits
    ] == [
        ("room", None, None, 30 * MIN),
        ("refrigerator", 0.0, 4.0, 30 * MIN),
        ("freezer", None, -18.0, 30 * MIN),
        ("deep_freezer", None, -60.0, 30 * MIN),
    ]
    assert all(limits.no_data_after == 30 * MIN for limits in DEFAULT_COLD_CHAIN.limits)


def test_the_kinds_are_the_storage_classes_of_the_expiry_policy():
    assert sorted(STORAGE_KINDS) == sorted(STORAGE_CLASSES)


@pytest.mark.parametrize(
    ("limits", "celsius", "outside_by"),
    [
        (FRIDGE, 0.0, 0.0),
        (FRIDGE, 4.0, 0.0),
        (FRIDGE, 4.5, 0.5),
        (FRIDGE, -1.5, 1.5),
        (FREEZER, -18.0, 0.0),
        (FREEZER, -25.0, 0.0),
        (FREEZER, -14.0, 4.0),
        (DEEP, -60.5, 0.0),
        (DEEP, -58.0, 2.0),
        (ROOM, 35.0, 0.0),
        (ROOM, -30.0, 0.0),
    ],
)
def test_how_far_outside_the_range(limits, celsius, outside_by):
    assert limits.outside_by(celsius) == pytest.approx(outside_by)
    assert limits.in_range(celsius) is (outside_by == 0)


# --- excursions, table-driven -----------------------------------------------------------------

DOOR_OPEN = every(1, 0, *[3.0] * 10, *[8.5] * 10, *[3.2] * 40)  # 08:10-08:19 out
SUSTAINED = every(5, 0, 3.0, 4.5, 6.0, 7.5, 8.0, 7.8, 7.0, 6.5, 6.0, 3.5, 3.0)


@pytest.mark.parametrize(
    ("pairs", "limits", "expected"),
    [
        pytest.param(DOOR_OPEN, FRIDGE, [], id="a 10-minute door-open spike raises nothing"),
        pytest.param(
            SUSTAINED,
            FRIDGE,
            [excursion(5, 45, 8.0, 35)],
            id="a sustained rise: start, end, peak, minutes",
        ),
        pytest.param(
            SUSTAINED[:-2],
            FRIDGE,
            [excursion(5, None, 8.0, 35)],
            id="while it lasts, minutes run to the latest reading",
        ),
        pytest.param(SUSTAINED[:6], FRIDGE, [], id="lasting but not yet 30 min: nothing yet"),
        pytest.param(
            every(5, 0, 3.0, *[5.0] * 7, 3.0),
            FRIDGE,
            [excursion(5, 40, 5.0, 30)],
            id="exactly 30 minutes counts",
        ),
        pytest.param(
            [*every(1, 0, 3.0, *[5.0] * 30), (31, 3.0)], FRIDGE, [], id="29 minutes does not"
        ),
        pytest.param(
            every(5, 0, 2.0, -0.5, -1.5, -2.0, -1.0, -0.5, -0.2, -0.1, 1.0),
            FRIDGE,
            [excursion(5, 40, -2.0, 30)],
            id="too cold is out of range too; peak is the coldest",
        ),
        pytest.param(
            every(10, 0, 3.0, -2.0, 5.5, 6.0, 5.0, 3.0),
            FRIDGE,
            [excursion(10, 50, -2.0, 30)],
            id="peak is furthest outside, on either side",
        ),
        pytest.param(
            every(10, 0, 3.0, 6.0, 2.0, 5.0, 5.0, 5.0, 5.0, 5.0, 3.0),
            FRIDGE,
            [excursion(30, 80, 5.0, 40)],
            id="one in-range reading splits a run: the short part raises nothing",
        ),
        pytest.param(
            every(10, 0, 3.0, 6.0, 6.0, 6.0, 6.0, 3.0, 7.0, 7.0, 7.0, 7.0, 7.0),
            FRIDGE,
            [excursion(10, 50, 6.0, 30), excursion(60, None, 7.0, 40)],
            id="two excursions, the second lasting",
        ),
        pytest.param(
            every(5, 0, 3.0, 6.0, 9.0, 9.0, 6.0, 9.0, 6.0, 6.0, 3.0),
            FRIDGE,
            [excursion(5, 40, 9.0, 30)],
            id="on a tie the peak is the earliest reading",
        ),
        pytest.param(
            every(15, 0, -20.0, -19.0, -15.0, -13.0, -14.0, -15.0, -13.5, -16.0, -20.5),
            FREEZER,
            [excursion(30, 120, -13.0, 75)],
            id="a freezer running at -13 to -15 °C",
        ),
        pytest.param(
            every(15, 0, -20.0, -18.0, -18.0, -18.0, -18.0, -20.0),
            FREEZER,
            [],
            id="a freezer at its alarm line is in range",
        ),
        pytest.param(
            every(10, 0, -80.0, -59.0, -55.0, -50.0, -61.0),
            DEEP,
            [],
            id="a deep freezer above -60 °C for 20 minutes: nothing",
        ),
        pytest.param(
            every(10, 0, -80.0, -59.0, -55.0, -50.0, -59.5, -61.0),
            DEEP,
            [excursion(10, 50, -50.0, 30)],
            id="a deep freezer above -60 °C for 30 minutes",
        ),
        pytest.param(every(60, 0, 22.0, 38.0, -5.0, 40.0), ROOM, [], id="a room has no limits"),
    ],
)
def test_excursions(pairs, limits, expected):
    assert list(excursions(readings(*pairs), limits)) == expected


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        pytest.param(
            [(0, 6.0), (120, 6.0), (125, 3.0)],
            [excursion(0, 125, 6.0, 120)],
            id="a gap with out-of-range readings on both sides counts",
        ),
        pytest.param(
            [(0, 6.0), (120, 3.0)], [], id="out, then a gap, then in: the gap does not count"
        ),
        pytest.param(
            [(0, 3.0), (120, 6.0), (160, 6.5), (165, 3.0)],
            [excursion(120, 165, 6.5, 40)],
            id="in, then a gap, then out: starts at the first out-of-range reading",
        ),
        pytest.param(
            [*every(5, 0, 6.0, 6.0, 6.0, 6.0, 6.0), (200, 3.0)],
            [],
            id="20 minutes out, then three hours of silence, then in: nothing",
        ),
        pytest.param(
            [*every(5, 0, 6.0, 6.0, 6.0, 6.0, 6.0), *every(5, 200, 7.0, 3.0)],
            [excursion(0, 205, 7.0, 200)],
            id="out on both sides of a three-hour gap: all of it",
        ),
    ],
)
def test_gaps_count_only_between_out_of_range_readings(pairs, expected):
    assert list(excursions(readings(*pairs))) == expected


def test_readings_late_and_out_of_order_give_the_same_answer():
    series = readings(*SUSTAINED)
    shuffled = [series[index] for index in (7, 2, 10, 0, 5, 9, 1, 8, 4, 6, 3)]
    assert excursions(shuffled) == excursions(series) == (excursion(5, 45, 8.0, 35),)


def test_a_late_reading_can_open_an_excursion_in_the_past():
    # The gateway lost its link after 08:10 and came back at 09:00, in range: the silence had
    # an in-range reading on one side, so it did not count.
    arrived = readings((0, 3.0), (10, 6.0), (60, 3.0))
    assert excursions(arrived) == ()
    # The logger backfills the outage: out of range until 08:40.
    backfilled = [*arrived, *readings((20, 7.0), (30, 6.5), (40, 5.0), (50, 3.5))]
    assert excursions(backfilled) == (excursion(10, 50, 7.0, 30),)


def test_a_late_in_range_reading_can_split_an_excursion():
    arrived = readings(*every(10, 0, 3.0, 6.0, 6.0, 6.0, 6.0, 6.0, 3.0))
    assert excursions(arrived) == (excursion(10, 60, 6.0, 40),)
    backfilled = [*arrived, *readings((35, 3.9))]
    assert excursions(backfilled) == ()


def test_a_late_reading_can_move_the_start_earlier():
    arrived = readings(*every(10, 20, 6.0, 6.0, 6.0, 6.0, 3.0))
    assert excursions(arrived) == (excursion(20, 60, 6.0, 30),)
    assert excursions([*arrived, *readings((10, 6.2))]) == (excursion(10, 60, 6.2, 40),)


def test_the_same_reading_twice_is_one_reading():
    series = readings(*SUSTAINED)
    assert excursions(series + series[3:6]) == excursions(series)


def test_two_values_at_the_same_moment_count_as_the_worse_in_any_order():
    base = readings(*every(10, 0, 3.0, 6.0, 6.0, 6.0, 6.0, 3.0))
    clash = readings((20, 3.5), (20, 9.0))
    assert excursions(base[:2] + clash + base[3:]) == (excursion(10, 50, 9.0, 30),)
    assert excursions(base[:2] + clash[::-1] + base[3:]) == (excursion(10, 50, 9.0, 30),)


def test_a_longer_opening_time_from_the_policy():
    slow = ColdChainLimits("refrigerator", 0.0, 4.0, opens_after=60 * MIN)
    assert excursions(readings(*SUSTAINED), slow) == ()
    longer = every(10, 0, 3.0, *[6.0] * 7, 3.0)
    assert excursions(readings(*longer), slow) == (excursion(10, 80, 6.0, 60),)


def test_a_plain_tuple_is_a_reading_and_any_zone_is_read_as_its_instant():
    chicago = ZoneInfo("America/Chicago")
    pairs = [(moment.astimezone(chicago), celsius) for moment, celsius in readings(*SUSTAINED)]
    assert excursions([Reading(*pair) for pair in pairs]) == excursions(pairs)
    assert excursions(pairs)[0].started_at.utcoffset() == dt.timedelta(0)


def test_minutes_out_of_range():
    assert excursion(5, 45, 8.0, 35).minutes_out_of_range == 35
    assert excursion(5, None, 8.0, 35).lasting
    assert not excursion(5, 45, 8.0, 35).lasting


# --- alarms -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pairs", "now_minutes", "alarms"),
    [
        pytest.param([], 0, [Alarm("NO_DATA", None)], id="never a reading"),
        pytest.param([(0, 3.0)], 29.9, [], id="29.9 minutes of silence"),
        pytest.param([(0, 3.0)], 30, [Alarm("NO_DATA", at(0))], id="30 minutes of silence"),
        pytest.param(
            [(0, 3.0), (50, 3.1), (10, 3.2)], 85, [Alarm("NO_DATA", at(50))], id="since the latest"
        ),
        pytest.param([(64, 3.0)], 60, [], id="a sensor clock running 4 minutes fast"),
        pytest.param(
            every(10, 0, *[3.0] * 73),
            720,
            [Alarm("SENSOR_STUCK", at(0), 3.0)],
            id="12 hours of one identical value, in range: stuck, no excursion",
        ),
        pytest.param(every(10, 0, *[3.0] * 72), 710, [], id="11 h 50 min: not yet"),
        pytest.param(
            every(10, 0, 2.5, *[3.0] * 73),
            730,
            [Alarm("SENSOR_STUCK", at(10), 3.0)],
            id="stuck since the first of the identical run",
        ),
        pytest.param(every(10, 0, *[3.0, 3.1] * 40), 790, [], id="a real fridge drifts: not stuck"),
        pytest.param(
            [(0, 3.0), (720, 3.0)],
            720,
            [],
            id="two readings 12 h apart are too few to call the sensor stuck",
        ),
        pytest.param(
            every(360, 0, 3.0, 3.0, 3.0),
            760,
            [Alarm("NO_DATA", at(720)), Alarm("SENSOR_STUCK", at(0), 3.0)],
            id="silent and stuck",
        ),
    ],
)
def test_alarms(pairs, now_minutes, alarms):
    status = detect_excursions(readings(*pairs), FRIDGE, at(now_minutes))
    assert list(status.alarms) == alarms
    assert status.excursions == ()


def test_a_sensor_stuck_out_of_range_is_an_excursion_and_an_alarm():
    status = detect_excursions(readings(*every(10, 0, 3.0, *[6.0] * 73)), FRIDGE, at(730))
    assert status.excursions == (excursion(10, None, 6.0, 720),)
    assert status.alarms == (Alarm("SENSOR_STUCK", at(10), 6.0),)


def test_the_latest_reading_is_given():
    status = detect_excursions(readings((0, 3.0), (20, 3.4), (10, 3.1)), FRIDGE, at(20))
    assert status.latest == Reading(at(20), 3.4)
    assert detect_excursions([], FRIDGE, T0).latest is None


# --- refused input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reading", "message"),
    [
        ((T0, math.nan), r"reading 1: celsius must be from -100 to 100 °C, not nan"),
        ((T0, math.inf), "not inf"),
        ((T0, 1e9), "not 1000000000.0"),
        ((T0, -100.5), "not -100.5"),
        ((T0, True), "must be a number of °C, not True"),
        ((T0, "3.0"), "must be a number of °C, not '3.0'"),
        ((T0, None), "not None"),
        ((dt.datetime(2026, 11, 28, 8, 0), 3.0), "reading 1: at must be timezone-aware"),
        (("2026-11-28T08:00:00Z", 3.0), "at must be a datetime, not str"),
    ],
)
def test_nan_absurd_and_naive_readings_are_refused(reading, message):
    with pytest.raises(ValueError, match=message):
        detect_excursions([Reading(T0, 3.0), reading], FRIDGE, T0)


def test_the_extremes_of_the_accepted_range_are_readings():
    status = detect_excursions(readings((0, -100), (40, 100.0)), FRIDGE, at(40))
    assert status.excursions == (excursion(0, None, -100.0, 40),)


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        detect_excursions([], FRIDGE, dt.datetime(2026, 11, 28, 8, 0))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("fridge", 0.0, 4.0), "kind is one of"),
        (("refrigerator", 4.0, 4.0), r"min_celsius \(4\) must be below max_celsius \(4\)"),
        (("refrigerator", 5.0, 4.0), "must be below"),
        (("refrigerator", math.nan, 4.0), "min_celsius must be from"),
        (("freezer", None, -200.0), "max_celsius must be from"),
        (("freezer", None, -18.0, dt.timedelta(0)), "opens_after must be a positive duration"),
        (("freezer", None, -18.0, MIN, -MIN), "no_data_after must be a positive duration"),
    ],
)
def test_limits_that_make_no_sense_are_refused(arguments, message):
    with pytest.raises(ValueError, match=message):
        ColdChainLimits(*arguments)


def test_a_policy_needs_every_kind_once():
    with pytest.raises(ValueError, match="for each of"):
        ColdChainPolicy((FRIDGE, FREEZER))
    with pytest.raises(KeyError):
        DEFAULT_COLD_CHAIN.for_kind("cupboard")


# --- the policy file --------------------------------------------------------------------------

ZONE = ZoneInfo("UTC")


def test_no_cold_chain_table_keeps_the_defaults():
    assert parse_policy("", "p.toml", ZONE).cold_chain == DEFAULT_COLD_CHAIN


def test_the_cold_chain_table_overrides_some_values_and_keeps_the_rest():
    policy = parse_policy(
        """
        [cold_chain]
        no_data_minutes = 15
        stuck_hours = 6.5
        [cold_chain.refrigerator]
        min_celsius = 2
        opens_after_minutes = 45
        [cold_chain.freezer]
        max_celsius = -20.0
        [cold_chain.room]
        max_celsius = 26
        """,
        "p.toml",
        ZONE,
    )
    chain = policy.cold_chain
    assert chain.for_kind("refrigerator") == ColdChainLimits(
        "refrigerator", 2.0, 4.0, 45 * MIN, 15 * MIN, dt.timedelta(hours=6.5)
    )
    assert chain.for_kind("freezer") == ColdChainLimits(
        "freezer", None, -20.0, 30 * MIN, 15 * MIN, dt.timedelta(hours=6.5)
    )
    assert chain.for_kind("deep_freezer").max_celsius == -60.0
    assert chain.for_kind("room").max_celsius == 26.0
    described = describe_policy(policy)
    assert "refrigerator  2.0 to 4.0 °C, an excursion after 45 min out of range" in described
    assert "freezer       at most -20.0 °C" in described
    assert "NO_DATA alarm: no reading for 15 min" in described
    assert "SENSOR_STUCK alarm: one identical value for 6.5 h" in described


def test_the_example_file_shows_the_defaults():
    with open("examples/policy.toml", encoding="utf-8") as file:
        policy = parse_policy(file.read(), "examples/policy.toml", ZONE)
    assert policy.cold_chain == DEFAULT_COLD_CHAIN


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("cold_chain = 3", "cold_chain", "must be a table"),
        ("[cold_chain]\nfridge = 1", "cold_chain.fridge", "unknown setting; allowed:"),
        ("[cold_chain]\nno_data_minutes = 0", "cold_chain.no_data_minutes", "positive number"),
        ("[cold_chain]\nno_data_minutes = true", "cold_chain.no_data_minutes", "positive"),
        ("[cold_chain]\nstuck_hours = -1", "cold_chain.stuck_hours", "positive number of hours"),
        ("[cold_chain]\nrefrigerator = 4", "cold_chain.refrigerator", "must be a table"),
        (
            "[cold_chain.refrigerator]\nmax = 4",
            "cold_chain.refrigerator.max",
            "allowed: min_celsius, max_celsius, opens_after_minutes",
        ),
        (
            '[cold_chain.refrigerator]\nmax_celsius = "4"',
            "cold_chain.refrigerator.max_celsius",
            "must be a number of °C from -100 to 100",
        ),
        (
            "[cold_chain.freezer]\nmax_celsius = nan",
            "cold_chain.freezer.max_celsius",
            "must be a number",
        ),
        (
            "[cold_chain.freezer]\nmax_celsius = -180",
            "cold_chain.freezer.max_celsius",
            "from -100 to 100",
        ),
        (
            "[cold_chain.refrigerator]\nmin_celsius = 5",
            "cold_chain.refrigerator.min_celsius",
            "the range 5 to 4 °C is empty",
        ),
        (
            "[cold_chain.refrigerator]\nmax_celsius = -1",
            "cold_chain.refrigerator.max_celsius",
            "the range 0 to -1 °C is empty",
        ),
        (
            "[cold_chain.deep_freezer]\nopens_after_minutes = 0",
            "cold_chain.deep_freezer.opens_after_minutes",
            "must be a positive number of minutes",
        ),
    ],
)
def test_cold_chain_errors_name_the_file_and_the_key(text, key, problem):
    with pytest.raises(PolicyError) as raised:
        parse_policy(text, "unit.toml", ZONE)
    assert raised.value.source == "unit.toml"
    assert raised.value.key == key
    assert problem in raised.value.problem
    assert str(raised.value).startswith(f"unit.toml: {key}: ")


def test_a_policy_with_its_cold_chain_survives_pickling_and_deep_copy():
    policy = parse_policy("[cold_chain.refrigerator]\nmin_celsius = 2", "p.toml", ZONE)
    unpickled = pickle.loads(pickle.dumps(policy))  # noqa: S301 (our own bytes)
    for copied in (unpickled, copy.deepcopy(policy)):
        assert copied == policy
        assert copied.cold_chain.for_kind("refrigerator").min_celsius == 2.0


# --- properties -------------------------------------------------------------------------------

# Minutes within a day, and temperatures clustered around a refrigerator's limits so that
# runs in and out of range, ties and repeats all turn up.
MINUTES = st.integers(0, 24 * 60)
TEMPERATURES = st.one_of(
    st.sampled_from([-1.0, 0.0, 2.0, 3.0, 4.0, 4.5, 6.0, 9.0]),
    st.floats(-100, 100, allow_nan=False),
)
SERIES = st.lists(st.tuples(MINUTES, TEMPERATURES), max_size=40).map(lambda p: readings(*p))
LIMITS = st.sampled_from([FRIDGE, FREEZER, DEEP, ROOM]) | st.builds(
    ColdChainLimits,
    st.just("refrigerator"),
    st.just(0.0),
    st.just(4.0),
    st.integers(1, 120).map(lambda minutes: minutes * MIN),
    st.integers(1, 120).map(lambda minutes: minutes * MIN),
    st.integers(1, 24).map(lambda hours: hours * 60 * MIN),
)
NOW = MINUTES.map(at)


@given(SERIES, LIMITS, NOW, st.data())
def test_reordering_the_readings_never_changes_the_result(series, limits, now, data):
    shuffled = data.draw(st.permutations(series))
    assert detect_excursions(shuffled, limits, now) == detect_excursions(series, limits, now)


@given(SERIES, LIMITS, NOW, st.data())
def test_repeating_readings_is_idempotent(series, limits, now, data):
    assume(series)
    repeats = data.draw(st.lists(st.sampled_from(series), min_size=1, max_size=10))
    assert detect_excursions(series + repeats, limits, now) == detect_excursions(
        series, limits, now
    )


@given(SERIES, LIMITS, NOW)
def test_every_excursion_is_well_formed(series, limits, now):
    status = detect_excursions(series, limits, now)
    latest = status.latest.at if status.latest else None
    previous_end = None
    for index, found in enumerate(status.excursions):
        assert found.out_of_range >= limits.opens_after
        assert not limits.in_range(found.peak_celsius)
        assert found.started_at + found.out_of_range <= (found.ended_at or latest)
        if found.ended_at is None:
            assert index == len(status.excursions) - 1
            assert found.started_at + found.out_of_range == latest
        if previous_end is not None:
            assert found.started_at > previous_end
        previous_end = found.ended_at


@given(SERIES, NOW)
def test_a_series_in_range_has_no_excursion(series, now):
    calm = [Reading(reading.at, min(max(reading.celsius, 0.0), 4.0)) for reading in series]
    assert detect_excursions(calm, FRIDGE, now).excursions == ()


@given(SERIES, LIMITS, st.integers(1, 600), TEMPERATURES)
def test_a_later_reading_never_rewrites_an_excursion_that_ended(series, limits, after, celsius):
    assume(series)
    latest = max(reading.at for reading in series)
    before = detect_excursions(series, limits, latest).excursions
    later = detect_excursions(
        [*series, Reading(latest + after * MIN, celsius)], limits, latest
    ).excursions
    ended = [found for found in before if not found.lasting]
    assert later[: len(ended)] == tuple(ended)
