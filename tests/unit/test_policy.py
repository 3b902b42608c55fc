"""The expiry policy: domain.md's table, daylight saving, month ends, the lifecycle rules,
the reason text and the policy file."""

import copy
import dataclasses
import datetime as dt
import functools
import pickle
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nicu_milk.policy import (
    DEFAULT_LIMITS,
    FREEZER_CLASSES,
    RULES,
    Expiry,
    FeedingBegun,
    Fortified,
    LifecycleError,
    Limit,
    MilkHistory,
    Policy,
    PolicyError,
    Span,
    Stored,
    Thawed,
    compute_expiry,
    default_policy,
    describe_policy,
    load_policy,
    policy_fingerprint,
)

UTC = dt.UTC
CHICAGO = ZoneInfo("America/Chicago")
POLICY = default_policy(CHICAGO)
H = dt.timedelta(hours=1)


def chicago(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHICAGO)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def history(*steps, milk_type="MOM", expressed_at=None, donor=None, inherited=(), state=None):
    return MilkHistory(
        milk_type=milk_type,
        expressed_at=expressed_at or EXPRESSED,
        donor_expires_at=donor,
        steps=tuple(steps),
        inherited=tuple(inherited),
        inherited_state=state,
    )


def expiry(*steps, policy=POLICY, **kwargs) -> Expiry:
    return compute_expiry(history(*steps, **kwargs), policy)


EXPRESSED = chicago(2026, 11, 28, 8, 0)  # CST, UTC-6
THAW = chicago(2026, 12, 10, 14, 5)


# --- domain.md's table, row by row --------------------------------------------------------


def test_default_limits_are_domain_md_table():
    assert dict(DEFAULT_LIMITS) == {
        "fresh_room": Span(4, "hours"),
        "fresh_refrigerator": Span(48, "hours"),
        "frozen_freezer": Span(6, "months"),
        "frozen_deep_freezer": Span(12, "months"),
        "thawed_mom": Span(24, "hours"),
        "thawed_dhm": Span(48, "hours"),
        "fortified": Span(24, "hours"),
        "hang_time": Span(4, "hours"),
    }
    assert tuple(DEFAULT_LIMITS) == RULES
    assert POLICY.expires_soon == dt.timedelta(hours=1)
    assert POLICY.sibling_severity == "warn"
    assert POLICY.low_supply_days == 2.0
    assert POLICY.source == "built-in default (domain.md)"


TABLE = [
    pytest.param(
        history(Stored(EXPRESSED + H / 2, "room")),
        "fresh_room",
        chicago(2026, 11, 28, 12, 0),
        id="fresh, room temperature: 4 h from expressed",
    ),
    pytest.param(
        history(Stored(EXPRESSED + H, "refrigerator")),
        "fresh_refrigerator",
        chicago(2026, 11, 30, 8, 0),
        id="fresh, refrigerator: 48 h from expressed",
    ),
    pytest.param(
        history(Stored(EXPRESSED + H, "freezer")),
        "frozen_freezer",
        chicago(2027, 5, 28, 8, 0),  # CDT by then: the wall clock is kept
        id="frozen, freezer: 6 months from expressed",
    ),
    pytest.param(
        history(Stored(EXPRESSED + H, "deep_freezer")),
        "frozen_deep_freezer",
        chicago(2027, 11, 28, 8, 0),
        id="frozen, deep freezer: 12 months from expressed",
    ),
    pytest.param(
        history(Stored(EXPRESSED + H, "freezer"), Thawed(THAW, "refrigerator")),
        "thawed_mom",
        chicago(2026, 12, 11, 14, 5),
        id="thawed MOM: 24 h from thaw completed",
    ),
    pytest.param(
        history(
            Stored(EXPRESSED + H, "freezer"),
            Thawed(THAW, "refrigerator"),
            milk_type="DHM",
            donor=utc(2027, 6, 1),
        ),
        "thawed_dhm",
        chicago(2026, 12, 12, 14, 5),
        id="thawed DHM: 48 h from thaw completed",
    ),
    pytest.param(
        history(Stored(EXPRESSED + H, "refrigerator"), Fortified(EXPRESSED + 2 * H)),
        "fortified",
        chicago(2026, 11, 29, 10, 0),
        id="fortified: 24 h from fortified",
    ),
    pytest.param(
        history(Stored(EXPRESSED + H, "refrigerator"), FeedingBegun(EXPRESSED + 3 * H)),
        "hang_time",
        chicago(2026, 11, 28, 15, 0),
        id="feeding begun: 4 h from first feed",
    ),
    pytest.param(
        history(
            Stored(EXPRESSED + H, "deep_freezer"),
            milk_type="DHM",
            donor=utc(2027, 1, 31),
        ),
        "donor_lot",
        utc(2027, 1, 31),
        id="donor lot: the bank's date",
    ),
]


@pytest.mark.parametrize(("milk", "rule", "expires_at"), TABLE)
def test_domain_table(milk, rule, expires_at):
    result = compute_expiry(milk, POLICY)
    assert result.expires_at == expires_at
    assert result.limit.rule == rule
    assert result.expires_at.tzinfo == UTC


@pytest.mark.parametrize(
    "steps",
    [
        pytest.param(
            (Stored(EXPRESSED, "freezer"), Thawed(THAW, "refrigerator"), Stored(THAW, "freezer")),
            id="thawed milk moved into a freezer",
        ),
        pytest.param(
            (
                Stored(EXPRESSED, "deep_freezer"),
                Thawed(THAW, "room"),
                Stored(THAW + H, "refrigerator"),
                Stored(THAW + 2 * H, "deep_freezer"),
            ),
            id="thawed milk moved around, then into a deep freezer",
        ),
        pytest.param(
            (Stored(EXPRESSED, "freezer"), Thawed(THAW, "freezer")),
            id="a thaw recorded into a freezer",
        ),
    ],
)
def test_domain_table_refreeze_after_thaw_never(steps):
    with pytest.raises(LifecycleError) as raised:
        expiry(*steps)
    assert raised.value.code == "REFREEZE"
    assert "never" in raised.value.message


# --- spans, daylight saving and month ends --------------------------------------------------


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (Span(24, "hours"), "24 h"),
        (Span(48, "hours"), "48 h"),
        (Span(1, "hours"), "1 h"),
        (Span(2, "days"), "2 d"),
        (Span(6, "months"), "6 months"),
        (Span(1, "months"), "1 month"),
    ],
)
def test_span_text(span, text):
    assert str(span) == text


@pytest.mark.parametrize(
    ("amount", "unit"), [(0, "hours"), (-1, "days"), (True, "hours"), (1.5, "hours"), (1, "weeks")]
)
def test_invalid_spans_are_refused(amount, unit):
    with pytest.raises(ValueError):
        Span(amount, unit)


@pytest.mark.parametrize(
    ("start", "end_wall_clock"),
    [
        # Spring forward, 8 Mar 2026 02:00 CST -> 03:00 CDT: the wall clock shows an hour more.
        pytest.param(chicago(2026, 3, 7, 12, 0), chicago(2026, 3, 9, 13, 0), id="spring forward"),
        # Fall back, 1 Nov 2026 02:00 CDT -> 01:00 CST: the wall clock shows an hour less.
        pytest.param(chicago(2026, 10, 31, 12, 0), chicago(2026, 11, 2, 11, 0), id="fall back"),
    ],
)
def test_48_hours_across_daylight_saving_is_48_elapsed_hours(start, end_wall_clock):
    result = expiry(Stored(start, "refrigerator"), expressed_at=start)
    assert result.expires_at == end_wall_clock
    assert result.expires_at - start == dt.timedelta(hours=48)
    assert result.expires_at.timestamp() - start.timestamp() == 48 * 3600
    assert Span(2, "days").add(start, CHICAGO) == end_wall_clock


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param(
            chicago(2026, 1, 15, 9, 0), chicago(2026, 7, 15, 9, 0), id="CST to CDT keeps 09:00"
        ),
        pytest.param(
            chicago(2026, 6, 3, 9, 0), chicago(2026, 12, 3, 9, 0), id="CDT to CST keeps 09:00"
        ),
    ],
)
def test_six_months_across_daylight_saving_keeps_the_wall_clock(start, end):
    result = expiry(Stored(start, "freezer"), expressed_at=start)
    assert result.expires_at == end
    local = result.expires_at.astimezone(CHICAGO)
    assert (local.hour, local.minute) == (9, 0)
    assert local.utcoffset() != start.utcoffset()


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (chicago(2026, 8, 31, 10, 0), 6, chicago(2027, 2, 28, 10, 0)),
        (chicago(2027, 8, 31, 10, 0), 6, chicago(2028, 2, 29, 10, 0)),  # leap year
        (chicago(2028, 1, 31, 10, 0), 1, chicago(2028, 2, 29, 10, 0)),
        (chicago(2026, 1, 31, 10, 0), 1, chicago(2026, 2, 28, 10, 0)),
        (chicago(2026, 3, 31, 10, 0), 1, chicago(2026, 4, 30, 10, 0)),
        (chicago(2026, 5, 15, 10, 0), 12, chicago(2027, 5, 15, 10, 0)),
        (chicago(2026, 12, 31, 23, 59), 2, chicago(2027, 2, 28, 23, 59)),
        (chicago(2028, 2, 29, 10, 0), 12, chicago(2029, 2, 28, 10, 0)),
        # 20:00 CDT on 31 Aug is already 1 Sep in UTC: the unit's calendar decides.
        (chicago(2026, 8, 31, 20, 0), 6, chicago(2027, 2, 28, 20, 0)),
    ],
)
def test_months_clamp_to_the_end_of_the_month(start, months, end):
    assert Span(months, "months").add(start, CHICAGO) == end


def test_months_count_on_the_units_calendar_not_utcs():
    start = chicago(2026, 8, 31, 20, 0)  # 1 Sep 01:00 UTC
    assert Span(6, "months").add(start, ZoneInfo("UTC")) == utc(2027, 3, 1, 1, 0)
    assert Span(6, "months").add(start, CHICAGO) == utc(2027, 3, 1, 2, 0)  # 28 Feb 20:00 CST


def test_months_onto_a_skipped_wall_time_read_it_before_the_change():
    # 02:30 does not exist on 8 Mar 2026 in Chicago; fold=0 reads it as CST (03:30 CDT).
    start = chicago(2025, 9, 8, 2, 30)
    assert Span(6, "months").add(start, CHICAGO) == utc(2026, 3, 8, 8, 30)


def test_months_onto_a_repeated_wall_time_take_the_first():
    # 01:30 happens twice on 1 Nov 2026 in Chicago; the first one is CDT.
    start = chicago(2026, 5, 1, 1, 30)
    assert Span(6, "months").add(start, CHICAGO) == utc(2026, 11, 1, 6, 30)


def test_hours_add_in_utc_whatever_the_zone_of_the_start():
    start = dt.datetime(2026, 3, 8, 1, 0, tzinfo=CHICAGO)
    assert Span(2, "hours").add(start, CHICAGO) == chicago(2026, 3, 8, 4, 0)  # 04:00 CDT


# --- the lifecycle ----------------------------------------------------------------------------


def test_freezing_fresh_milk_stops_its_refrigerator_clock():
    result = expiry(Stored(EXPRESSED + H, "refrigerator"), Stored(EXPRESSED + 40 * H, "freezer"))
    assert result.state == "frozen"
    assert [limit.rule for limit in result.limits] == ["frozen_freezer"]
    assert result.expires_at == chicago(2027, 5, 28, 8, 0)  # counted from expressed


def test_freezing_stops_a_room_clock_that_was_still_running():
    result = expiry(Stored(EXPRESSED, "room"), Stored(EXPRESSED + 3 * H, "deep_freezer"))
    assert [limit.rule for limit in result.limits] == ["frozen_deep_freezer"]


@pytest.mark.parametrize("frozen_at", [EXPRESSED + 4 * H, EXPRESSED + 5 * H, EXPRESSED + 500 * H])
def test_expired_milk_stays_expired_after_freezing_and_thawing(frozen_at):
    steps = [Stored(EXPRESSED, "room"), Stored(frozen_at, "freezer")]
    frozen = expiry(*steps)
    assert frozen.expires_at == EXPRESSED + 4 * H
    assert frozen.limit.rule == "fresh_room"
    assert frozen.state == "frozen"
    thawed = expiry(*steps, Thawed(frozen_at + 24 * H, "refrigerator"))
    assert thawed.expires_at == EXPRESSED + 4 * H


def test_freezing_drops_only_the_fresh_clocks_still_running():
    result = expiry(
        Stored(EXPRESSED, "room"),
        Stored(EXPRESSED + 2 * H, "refrigerator"),
        Stored(EXPRESSED + 5 * H, "freezer"),  # room ran out at +4 h, refrigerator had not
    )
    assert [limit.rule for limit in result.limits] == ["fresh_room", "frozen_freezer"]


def test_moving_fresh_milk_colder_keeps_the_room_limit():
    result = expiry(Stored(EXPRESSED, "room"), Stored(EXPRESSED + H, "refrigerator"))
    assert result.expires_at == EXPRESSED + 4 * H
    assert result.limit.rule == "fresh_room"
    assert {limit.rule for limit in result.limits} == {"fresh_room", "fresh_refrigerator"}


def test_moving_frozen_milk_to_a_deep_freezer_never_extends_it():
    result = expiry(Stored(EXPRESSED, "freezer"), Stored(EXPRESSED + H, "deep_freezer"))
    assert result.expires_at == chicago(2027, 5, 28, 8, 0)
    assert result.limit.rule == "frozen_freezer"


def test_moving_frozen_milk_from_a_deep_freezer_to_a_freezer_tightens_it():
    result = expiry(Stored(EXPRESSED, "deep_freezer"), Stored(EXPRESSED + H, "freezer"))
    assert result.expires_at == chicago(2027, 5, 28, 8, 0)
    assert result.limit.rule == "frozen_freezer"


def test_frozen_milk_in_a_refrigerator_is_thawing_and_gets_no_new_limit():
    frozen = expiry(Stored(EXPRESSED, "freezer"))
    thawing = expiry(Stored(EXPRESSED, "freezer"), Stored(THAW, "refrigerator"))
    assert thawing.state == "frozen"
    assert thawing.limits == frozen.limits


def test_thawed_milk_keeps_every_earlier_limit():
    thawed_at = chicago(2027, 5, 27, 20, 0)  # 12 h before the freezer limit runs out
    result = expiry(Stored(EXPRESSED, "freezer"), Thawed(thawed_at, "refrigerator"))
    assert result.state == "thawed"
    assert result.expires_at == chicago(2027, 5, 28, 8, 0)
    assert result.limit.rule == "frozen_freezer"
    assert [limit.rule for limit in result.limits] == ["frozen_freezer", "thawed_mom"]


def test_thawed_milk_moved_gets_no_new_limit():
    thawed = expiry(Stored(EXPRESSED, "freezer"), Thawed(THAW, "room"))
    moved = expiry(
        Stored(EXPRESSED, "freezer"), Thawed(THAW, "room"), Stored(THAW + H, "refrigerator")
    )
    assert moved.limits == thawed.limits
    assert moved.expires_at == THAW + 24 * H


@pytest.mark.parametrize(
    ("steps", "code"),
    [
        ((Stored(EXPRESSED, "refrigerator"), Thawed(THAW, "refrigerator")), "NOT_FROZEN"),
        (
            (Stored(EXPRESSED, "freezer"), Thawed(THAW, "room"), Thawed(THAW + H, "room")),
            "NOT_FROZEN",
        ),
        ((Stored(EXPRESSED, "freezer"), Fortified(THAW)), "FROZEN"),
        ((Stored(EXPRESSED, "deep_freezer"), FeedingBegun(THAW)), "FROZEN"),
        (
            (Stored(EXPRESSED, "refrigerator"), Fortified(THAW), Fortified(THAW + H)),
            "ALREADY_FORTIFIED",
        ),
        (
            (Stored(EXPRESSED, "refrigerator"), Fortified(EXPRESSED + H), Stored(THAW, "freezer")),
            "CANNOT_FREEZE",
        ),
        (
            (
                Stored(EXPRESSED, "room"),
                FeedingBegun(EXPRESSED + H),
                Stored(EXPRESSED + 2 * H, "deep_freezer"),
            ),
            "CANNOT_FREEZE",
        ),
    ],
)
def test_refused_transitions_carry_a_stable_code(steps, code):
    with pytest.raises(LifecycleError) as raised:
        expiry(*steps)
    assert raised.value.code == code
    assert raised.value.message
    assert isinstance(raised.value, ValueError)


def test_only_the_first_feed_starts_the_hang_time():
    first = EXPRESSED + 2 * H
    result = expiry(
        Stored(EXPRESSED, "refrigerator"), FeedingBegun(first), FeedingBegun(first + 3 * H)
    )
    assert result.expires_at == first + 4 * H
    assert [limit.rule for limit in result.limits].count("hang_time") == 1
    assert result.feeding_begun and not result.fortified


def test_fortified_thawed_milk():
    fortified_at = THAW + 2 * H
    result = expiry(
        Stored(EXPRESSED, "freezer"), Thawed(THAW, "refrigerator"), Fortified(fortified_at)
    )
    assert result.fortified and result.state == "thawed"
    assert result.expires_at == THAW + 24 * H  # thawed_mom, earlier than fortified + 24 h
    assert result.limit.rule == "thawed_mom"
    assert any(limit.expires_at == fortified_at + 24 * H for limit in result.limits)


def test_equal_limits_bind_with_the_one_added_first():
    result = expiry(Stored(EXPRESSED, "room"), FeedingBegun(EXPRESSED))
    assert [limit.expires_at for limit in result.limits] == [EXPRESSED + 4 * H] * 2
    assert result.limit.rule == "fresh_room"


def test_steps_out_of_order_are_refused():
    with pytest.raises(ValueError, match="earlier"):
        expiry(Stored(EXPRESSED + 2 * H, "room"), FeedingBegun(EXPRESSED + H))


def test_steps_at_the_same_moment_are_in_order():
    result = expiry(Stored(EXPRESSED, "refrigerator"), FeedingBegun(EXPRESSED))
    assert result.expires_at == EXPRESSED + 4 * H


def test_a_history_with_nothing_to_count_from_is_refused():
    with pytest.raises(ValueError):
        expiry()
    with pytest.raises(ValueError):
        expiry(milk_type="DHM", donor=utc(2027, 1, 1))


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        Stored(dt.datetime(2026, 11, 28, 8, 0), "room")
    with pytest.raises(ValueError, match="timezone-aware"):
        history(Stored(EXPRESSED, "room"), expressed_at=dt.datetime(2026, 11, 28, 8, 0))


def test_unknown_storage_class_is_refused():
    with pytest.raises(ValueError, match="storage class"):
        Stored(EXPRESSED, "cupboard")


# --- donor lot and inherited limits ------------------------------------------------------------


def test_donor_lot_binds_when_earlier_than_the_thaw_limit():
    donor = utc(2026, 12, 11, 0, 0)
    result = expiry(
        Stored(EXPRESSED, "freezer"), Thawed(THAW, "refrigerator"), milk_type="DHM", donor=donor
    )
    assert result.expires_at == donor
    assert result.limit == Limit("donor_lot", None, donor)


def test_a_donor_lot_already_expired_shows_expired_from_the_start():
    donor = utc(2026, 1, 1)
    result = expiry(Stored(EXPRESSED, "deep_freezer"), milk_type="DHM", donor=donor)
    assert result.expires_at == donor


PARENT_FRESH = Limit("fresh_refrigerator", EXPRESSED, EXPRESSED + 48 * H)
PARENT_THAW = Limit("thawed_mom", THAW, THAW + 24 * H)


def test_a_split_child_keeps_its_parents_limits_and_state():
    result = expiry(Stored(THAW + H, "refrigerator"), inherited=[PARENT_THAW], state="thawed")
    assert result.state == "thawed"
    assert result.expires_at == THAW + 24 * H
    assert result.limits == (PARENT_THAW,)


def test_a_child_with_inherited_limits_needs_no_step():
    assert expiry(inherited=[PARENT_THAW], state="thawed").expires_at == THAW + 24 * H


def test_a_donor_milk_child_has_its_lot_limit_once():
    lot = Limit("donor_lot", None, utc(2027, 1, 31))
    result = expiry(
        Stored(THAW + H, "refrigerator"),
        milk_type="DHM",
        donor=utc(2027, 1, 31),
        inherited=[PARENT_THAW, lot],
        state="thawed",
    )
    assert result.limits == (PARENT_THAW, lot)


def test_a_thawed_child_cannot_be_refrozen():
    with pytest.raises(LifecycleError) as raised:
        expiry(Stored(THAW + H, "freezer"), inherited=[PARENT_THAW], state="thawed")
    assert raised.value.code == "REFREEZE"


def test_a_child_of_fortified_milk_cannot_be_frozen_or_fortified_again():
    fortified = Limit("fortified", EXPRESSED + H, EXPRESSED + 25 * H)
    for step, code in [
        (Stored(EXPRESSED + 2 * H, "freezer"), "CANNOT_FREEZE"),
        (Fortified(EXPRESSED + 2 * H), "ALREADY_FORTIFIED"),
    ]:
        with pytest.raises(LifecycleError) as raised:
            expiry(step, inherited=[PARENT_FRESH, fortified], state="fresh")
        assert raised.value.code == code


def test_a_frozen_child_never_outlives_its_parents_fresh_clock():
    # api-v1.md: a child's expiry is never later than the earliest parent's.
    result = expiry(Stored(EXPRESSED + H, "freezer"), inherited=[PARENT_FRESH], state="fresh")
    assert result.state == "frozen"
    assert result.expires_at == PARENT_FRESH.expires_at


# --- reason text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "policy", "text"),
    [
        (
            Limit("thawed_mom", chicago(2026, 11, 28, 14, 5), chicago(2026, 11, 29, 14, 5)),
            POLICY,
            "thawed 28 Nov 14:05 CST + 24 h",
        ),
        (
            Limit("thawed_dhm", chicago(2026, 11, 28, 14, 5), chicago(2026, 11, 30, 14, 5)),
            POLICY,
            "thawed 28 Nov 14:05 CST + 48 h",
        ),
        (
            Limit("frozen_freezer", chicago(2026, 6, 3, 9, 0), chicago(2026, 12, 3, 9, 0)),
            POLICY,
            "expressed 3 Jun 09:00 CDT + 6 months in freezer",
        ),
        (
            Limit("frozen_deep_freezer", chicago(2026, 6, 3, 9, 0), chicago(2027, 6, 3, 9, 0)),
            POLICY,
            "expressed 3 Jun 09:00 CDT + 12 months in deep freezer",
        ),
        (
            Limit("fresh_refrigerator", EXPRESSED, EXPRESSED + 48 * H),
            POLICY,
            "expressed 28 Nov 08:00 CST + 48 h in refrigerator",
        ),
        (
            Limit("fresh_room", EXPRESSED, EXPRESSED + 4 * H),
            POLICY,
            "expressed 28 Nov 08:00 CST + 4 h at room temperature",
        ),
        (
            Limit("fortified", utc(2026, 11, 28, 10, 0), utc(2026, 11, 29, 10, 0)),
            default_policy(),
            "fortified 28 Nov 10:00 UTC + 24 h",
        ),
        (
            Limit("hang_time", utc(2026, 11, 28, 10, 0), utc(2026, 11, 28, 14, 0)),
            default_policy(),
            "first feed 28 Nov 10:00 UTC + 4 h",
        ),
        (
            Limit("donor_lot", None, utc(2026, 11, 30)),
            default_policy(),
            "donor lot expiry 30 Nov 2026 00:00 UTC",
        ),
        (
            Limit("donor_lot", None, utc(2026, 11, 30)),
            POLICY,
            "donor lot expiry 29 Nov 2026 18:00 CST",
        ),
    ],
)
def test_reason_text(limit, policy, text):
    assert limit.reason(policy) == text


def test_a_limit_set_under_another_policy_says_when_it_ends_instead_of_a_wrong_sum():
    inherited = Limit("thawed_dhm", THAW, THAW + 24 * H)  # a bank's 24 h, the policy says 48 h
    assert inherited.reason(POLICY) == "thawed 10 Dec 14:05 CST, until 11 Dec 2026 14:05 CST"


def test_expiry_reason_is_the_binding_limits():
    result = expiry(Stored(EXPRESSED, "freezer"), Thawed(THAW, "refrigerator"))
    assert result.reason(POLICY) == "thawed 10 Dec 14:05 CST + 24 h"


# --- the policy file ------------------------------------------------------------------------------


def test_no_file_is_the_default_policy():
    assert load_policy(None, CHICAGO) == POLICY


def test_a_file_overrides_some_values_and_keeps_the_rest(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(
        "[limits]\n"
        "frozen_freezer = { months = 3 }\n"
        "thawed_dhm = { hours = 24 }\n"
        "fresh_refrigerator = { days = 4 }\n"
        "[check]\n"
        "expires_soon_minutes = 30\n"
        'sibling = "stop"\n'
        "[inventory]\n"
        "low_supply_days = 3\n"
    )
    policy = load_policy(str(path), CHICAGO)
    assert policy.limits["frozen_freezer"] == Span(3, "months")
    assert policy.limits["thawed_dhm"] == Span(24, "hours")
    assert policy.limits["fresh_refrigerator"] == Span(4, "days")
    assert policy.limits["thawed_mom"] == DEFAULT_LIMITS["thawed_mom"]
    assert policy.expires_soon == dt.timedelta(minutes=30)
    assert policy.sibling_severity == "stop"
    assert policy.low_supply_days == 3.0
    assert policy.zone == CHICAGO
    assert policy.source == str(path)
    frozen = compute_expiry(history(Stored(EXPRESSED, "freezer")), policy)
    assert frozen.expires_at == chicago(2027, 2, 28, 8, 0)


def test_a_partial_file_keeps_the_defaults(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text("[check]\nsibling = 'warn'\n")
    policy = load_policy(str(path), CHICAGO)
    assert policy_fingerprint(policy) == policy_fingerprint(POLICY)


def test_the_example_file_loads():
    policy = load_policy("examples/policy.toml", CHICAGO)
    assert policy.limits["frozen_freezer"] == Span(3, "months")
    assert policy.source == "examples/policy.toml"


@pytest.mark.parametrize(
    ("text", "key", "allowed"),
    [
        ("[limits]\nthawed_mom = { hours = 0 }", "limits.thawed_mom.hours", "positive whole"),
        ("[limits]\nthawed_mom = { hours = -24 }", "limits.thawed_mom.hours", "positive whole"),
        ("[limits]\nthawed_mom = { hours = 1.5 }", "limits.thawed_mom.hours", "positive whole"),
        ("[limits]\nthawed_mom = { hours = true }", "limits.thawed_mom.hours", "positive whole"),
        ('[limits]\nthawed_mom = { hours = "24" }', "limits.thawed_mom.hours", "positive whole"),
        ("[limits]\nfrozen_freezer = { months = 0 }", "limits.frozen_freezer.months", "months"),
        ("[limits]\nthawed_mom = 24", "limits.thawed_mom", "exactly one of hours, days or"),
        ("[limits]\nthawed_mom = {}", "limits.thawed_mom", "exactly one of hours, days or"),
        (
            "[limits]\nthawed_mom = { hours = 24, days = 1 }",
            "limits.thawed_mom",
            "exactly one of hours, days or months",
        ),
        (
            "[limits]\nthawed_mom = { minutes = 30 }",
            "limits.thawed_mom.minutes",
            "allowed: hours, days, months",
        ),
        ("[limits]\nthawed_moms = { hours = 24 }", "limits.thawed_moms", "thawed_mom"),
        ("limits = 3", "limits", "must be a table"),
        ("[limit]\nthawed_mom = { hours = 24 }", "limit", "allowed: limits, check, inventory"),
        ("[check]\nexpires_soon_minutes = 0", "check.expires_soon_minutes", "positive number"),
        ("[check]\nexpires_soon_minutes = -5", "check.expires_soon_minutes", "positive number"),
        ("[check]\nexpires_soon_minutes = true", "check.expires_soon_minutes", "positive"),
        ('[check]\nexpires_soon_minutes = "60"', "check.expires_soon_minutes", "positive"),
        ("[check]\nexpires_soon_minutes = nan", "check.expires_soon_minutes", "positive"),
        ('[check]\nsibling = "block"', "check.sibling", '"warn" or "stop"'),
        ("[check]\nsibling = true", "check.sibling", '"warn" or "stop"'),
        ("[check]\nexpires_soon = 60", "check.expires_soon", "expires_soon_minutes, sibling"),
        ("[inventory]\nlow_supply_days = 0", "inventory.low_supply_days", "positive number"),
        ("[inventory]\nlow_supply_days = false", "inventory.low_supply_days", "positive"),
        ("[inventory]\nlow_supply = 2", "inventory.low_supply", "low_supply_days"),
    ],
)
def test_policy_file_errors_name_the_file_and_the_key(tmp_path, text, key, allowed):
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(PolicyError) as raised:
        load_policy(str(path), CHICAGO)
    message = str(raised.value)
    assert message.startswith(f"{path}: {key}: "), message
    assert allowed in message
    assert raised.value.key == key


def test_a_file_that_is_not_toml(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text("[limits\nthawed_mom = 24")
    with pytest.raises(PolicyError, match=r"policy\.toml: not valid TOML"):
        load_policy(str(path), CHICAGO)


def test_a_missing_file(tmp_path):
    path = tmp_path / "missing.toml"
    with pytest.raises(PolicyError, match=r"missing\.toml: cannot be read"):
        load_policy(str(path), CHICAGO)


def test_decimal_settings_are_accepted(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text("[check]\nexpires_soon_minutes = 90.5\n[inventory]\nlow_supply_days = 1.5\n")
    policy = load_policy(str(path), CHICAGO)
    assert policy.expires_soon == dt.timedelta(minutes=90.5)
    assert policy.low_supply_days == 1.5


def test_describe_policy_mentions_every_rule_and_setting(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text('[limits]\nfrozen_freezer = { months = 3 }\n[check]\nsibling = "stop"\n')
    text = describe_policy(load_policy(str(path), CHICAGO))
    lines = text.splitlines()
    for rule in RULES:
        (line,) = [line for line in lines if line.split()[:1] == [rule]]
        span = "3 months" if rule == "frozen_freezer" else str(DEFAULT_LIMITS[rule])
        assert span in line
    assert "24 h from thaw completed" in text
    assert "4 h from first feed" in text
    assert "48 h from expression" in text
    assert "24 h from fortification" in text
    assert "donor_lot" in text and "refreeze" in text
    assert "60 min" in text
    assert "sibling: stop" in text
    assert "2 days" in text
    assert str(path) in text
    assert "America/Chicago" in text
    assert "built-in default (domain.md)" in describe_policy(POLICY)


def test_fingerprint_follows_limits_and_settings_not_zone_or_source():
    base = policy_fingerprint(POLICY)
    assert base == policy_fingerprint(default_policy(ZoneInfo("Europe/Berlin")))
    assert base == policy_fingerprint(dataclasses.replace(POLICY, source="/etc/policy.toml"))
    assert len(base) <= 40
    changed = [
        dataclasses.replace(POLICY, limits={**DEFAULT_LIMITS, "fortified": Span(12, "hours")}),
        dataclasses.replace(POLICY, limits={**DEFAULT_LIMITS, "fortified": Span(1, "days")}),
        dataclasses.replace(POLICY, expires_soon=dt.timedelta(minutes=30)),
        dataclasses.replace(POLICY, sibling_severity="stop"),
        dataclasses.replace(POLICY, low_supply_days=3.0),
    ]
    fingerprints = {policy_fingerprint(policy) for policy in changed}
    assert base not in fingerprints
    assert len(fingerprints) == len(changed)


def test_a_policy_cannot_be_changed_in_place():
    with pytest.raises(TypeError):
        POLICY.limits["fresh_room"] = Span(6, "hours")
    with pytest.raises(ValueError):
        Policy(limits={"fresh_room": Span(4, "hours")})
    assert hash(POLICY) == hash(default_policy(CHICAGO))


def test_a_policy_survives_pickling_and_deep_copy():
    policy = load_policy("examples/policy.toml", CHICAGO)
    assert pickle.loads(pickle.dumps(policy)) == policy  # noqa: S301 (our own bytes)
    assert copy.deepcopy(policy) == policy


# --- properties ----------------------------------------------------------------------------------

ZONES = [ZoneInfo("UTC"), CHICAGO, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Kathmandu")]
BASE = utc(2026, 1, 1)


SPANS = st.one_of(
    st.builds(Span, st.integers(1, 120), st.just("hours")),
    st.builds(Span, st.integers(1, 14), st.just("days")),
    st.builds(Span, st.integers(1, 24), st.just("months")),
)
POLICIES = st.builds(
    Policy,
    limits=st.fixed_dictionaries({rule: st.just(DEFAULT_LIMITS[rule]) | SPANS for rule in RULES}),
    zone=st.sampled_from(ZONES),
)
# Mostly short gaps, so the short clocks sometimes run out and sometimes do not.
GAPS = st.one_of(st.integers(0, 8 * 60), st.integers(0, 60 * 24 * 90)).map(
    lambda minutes: dt.timedelta(minutes=minutes)
)
DONOR_DAYS = st.integers(-10, 800).map(lambda days: dt.timedelta(days=days))
COUNTS, COUNTS_AFTER_INHERIT = st.integers(1, 7), st.integers(0, 7)
STATES = st.sampled_from(["fresh", "frozen", "thawed"])
RULE_NAMES = st.lists(st.sampled_from(RULES), min_size=1, max_size=3)


@functools.cache
def one_of(*choices: str) -> st.SearchStrategy[str]:
    # Built once per set of choices: building strategies inside a draw is slow.
    return st.sampled_from(choices)


@st.composite
def histories(draw, inherit=False):
    """Random valid histories, built by the lifecycle of domain.md (not by compute_expiry)."""
    milk_type = draw(one_of("MOM", "DHM"))
    expressed = BASE + draw(GAPS)
    donor = None
    if milk_type == "DHM":  # the bank's date: sometimes already past, often far ahead
        donor = expressed + draw(DONOR_DAYS)
    inherited, state = [], "fresh"
    if inherit:
        state = draw(STATES)
        for rule in draw(RULE_NAMES):
            start = expressed + draw(GAPS)
            inherited.append(Limit(rule, start, start + draw(GAPS) + H))
    initial_state = state if inherit else None
    fortified = any(limit.rule == "fortified" for limit in inherited)
    fed = any(limit.rule == "hang_time" for limit in inherited)
    at = expressed + draw(GAPS)
    steps = []
    count = draw(COUNTS_AFTER_INHERIT if inherit else COUNTS)
    for index in range(count):
        if index == 0 and not inherit:
            options = ["stored"]  # received first
        elif state == "frozen":
            options = ["stored", "thawed"]
        else:
            options = ["stored", "feed"] + ([] if fortified else ["fortify"])
        kind = draw(one_of(*options))
        if kind == "stored":
            classes = ["room", "refrigerator"]
            if state == "frozen" or (state == "fresh" and not (fortified or fed)):
                classes += sorted(FREEZER_CLASSES)
            storage_class = draw(one_of(*classes))
            steps.append(Stored(at, storage_class))
            if storage_class in FREEZER_CLASSES:
                state = "frozen"
        elif kind == "thawed":
            steps.append(Thawed(at, draw(one_of("room", "refrigerator"))))
            state = "thawed"
        elif kind == "fortify":
            steps.append(Fortified(at))
            fortified = True
        else:
            steps.append(FeedingBegun(at))
            fed = True
        at += draw(GAPS)
    return MilkHistory(
        milk_type=milk_type,
        expressed_at=expressed,
        donor_expires_at=donor,
        steps=tuple(steps),
        inherited=tuple(inherited),
        inherited_state=initial_state,
    )


def prefixes(milk: MilkHistory):
    """The history as it stood after each step (and before any, when it has inherited limits)."""
    first = 0 if milk.inherited else 1
    for length in range(first, len(milk.steps) + 1):
        yield length, dataclasses.replace(milk, steps=milk.steps[:length])


@given(histories(inherit=False) | histories(inherit=True), POLICIES)
def test_a_limit_that_has_passed_is_never_lifted(milk, policy):
    final = compute_expiry(milk, policy)
    for length, prefix in prefixes(milk):
        if length == len(milk.steps):
            break
        next_at = milk.steps[length].at
        for limit in compute_expiry(prefix, policy).limits:
            if limit.expires_at <= next_at:  # it had run out while still in force
                assert final.expires_at <= limit.expires_at, (limit, final)


COLDER = {
    "fresh": ("refrigerator",),
    "frozen": ("deep_freezer",),
    "thawed": ("room", "refrigerator"),  # any move: the thaw clock ignores location
}


# More examples than the default: a freezer-bound prefix turns up in about one in thirty.
@settings(max_examples=300)
@given(histories(inherit=False) | histories(inherit=True), POLICIES, st.data())
def test_moving_milk_colder_never_extends_it(milk, policy, data):
    # The move goes in at any point of the history, at the time of the step before it; neither
    # the history up to the move nor the whole history may expire later for it.
    length = data.draw(st.integers(0 if milk.inherited else 1, len(milk.steps)))
    prefix = dataclasses.replace(milk, steps=milk.steps[:length])
    at_prefix = compute_expiry(prefix, policy)
    at = prefix.steps[-1].at if prefix.steps else milk.expressed_at
    move = Stored(at, data.draw(one_of(*COLDER[at_prefix.state])))
    moved_prefix = dataclasses.replace(prefix, steps=(*prefix.steps, move))
    assert compute_expiry(moved_prefix, policy).expires_at <= at_prefix.expires_at

    before = compute_expiry(milk, policy)
    moved = dataclasses.replace(milk, steps=(*moved_prefix.steps, *milk.steps[length:]))
    after = compute_expiry(moved, policy)
    assert after.expires_at <= before.expires_at
    assert after.state == before.state


@given(histories(inherit=True), POLICIES)
def test_expiry_never_outlives_the_donor_lot_or_a_parent(milk, policy):
    result = compute_expiry(milk, policy)
    if milk.donor_expires_at is not None:
        assert result.expires_at <= milk.donor_expires_at
    for limit in milk.inherited:
        assert result.expires_at <= limit.expires_at
    assert result.expires_at == min(limit.expires_at for limit in result.limits)
    assert result.limit in result.limits
