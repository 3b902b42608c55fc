"""feeding.feed and feeding.check on a plain session: the service decides whether milk is given.

A warning is given only when every warning the check finds was acknowledged by its code; a
refused feed is kept as a "feed" near miss and gives nothing; bad volumes are refused with a
domain error whoever calls.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from nicu_milk.errors import DomainError, Forbidden, InvalidInput
from nicu_milk.extensions import db
from nicu_milk.models import CheckAttempt, Feed
from nicu_milk.services import feeding


def attempts() -> list[tuple[str, str]]:
    rows = db.session.scalars(select(CheckAttempt).order_by(CheckAttempt.id))
    return [(row.action, row.verdict) for row in rows]


def give(ward, infant, bottle, volume="20", **kwargs):
    kwargs.setdefault("at", None)
    return feeding.feed(
        db.session,
        ward.here(),
        kwargs.pop("user", ward.nurse),
        infant.wristband_code,
        bottle.code,
        None if volume is None else Decimal(volume),
        **kwargs,
    )


def test_a_go_is_fed_without_acknowledging_anything(ward):
    bottle = ward.receive()
    outcome = give(ward, ward.ava, bottle)
    assert not outcome.refused
    assert outcome.feed.volume_ml == Decimal(20) and bottle.remaining_ml == Decimal(40)
    assert outcome.feed.acknowledged == []
    assert attempts() == []


@pytest.mark.parametrize(
    ("acknowledged", "fed"),
    [
        (frozenset(), False),  # nothing ticked
        (frozenset({"EXPIRES_SOON"}), False),  # a code that is not the warning shown
        (frozenset({"SIBLING"}), True),  # the warning shown
        (frozenset({"SIBLING", "EXPIRES_SOON"}), True),  # and more: the extra ones do no harm
        (feeding.EVERY_WARNING, True),  # the API's acknowledge_warnings: true
    ],
)
def test_a_warning_is_fed_only_when_its_code_is_acknowledged(ward, acknowledged, fed):
    twin_milk = ward.receive(ward.mia)
    outcome = give(ward, ward.leo, twin_milk, acknowledged=acknowledged)
    assert outcome.scan.verdict.outcome == "warn"
    assert [r.code for r in outcome.scan.verdict.warnings] == ["SIBLING"]
    assert outcome.refused is not fed
    assert twin_milk.remaining_ml == (Decimal(40) if fed else Decimal(60))
    # Fed or refused, a warned feed is a near miss, kept as a feed (not a check).
    assert attempts() == [("feed", "warn")]
    if fed:
        assert outcome.feed.acknowledged == ["SIBLING"]


def test_a_refused_feed_is_a_feed_near_miss_and_gives_nothing(ward):
    other = ward.receive(ward.leo)
    outcome = give(ward, ward.ava, other, acknowledged=feeding.EVERY_WARNING)
    assert outcome.refused and outcome.scan.verdict.outcome == "stop"
    db.session.commit()
    assert attempts() == [("feed", "stop")]
    assert db.session.scalars(select(Feed)).all() == []
    assert other.remaining_ml == Decimal(60)


def test_a_stopped_attempt_needs_no_volume_to_be_kept(ward):
    """A nurse who tried to feed milk that must not be given, with the volume left empty."""
    other = ward.receive(ward.leo)
    outcome = give(ward, ward.ava, other, volume=None)
    assert outcome.refused
    assert attempts() == [("feed", "stop")]


def test_a_check_records_a_stop_as_a_check(ward):
    other = ward.receive(ward.leo)
    result = feeding.check(db.session, ward.here(), ward.nurse, "INF100", other.code)
    assert result.verdict.outcome == "stop"
    assert attempts() == [("check", "stop")]


BAD_VOLUMES = [
    (None, "VOLUME_REQUIRED"),
    ("0", "INVALID_VOLUME"),
    ("-5", "INVALID_VOLUME"),
    ("1000.01", "INVALID_VOLUME"),
    ("10.005", "INVALID_VOLUME"),
    ("NaN", "INVALID_VOLUME"),
    ("Infinity", "INVALID_VOLUME"),
    ("61", "VOLUME_EXCEEDS_REMAINING"),
]


@pytest.mark.parametrize(("volume", "code"), BAD_VOLUMES)
def test_a_bad_volume_is_refused_and_feeds_nothing(ward, volume, code):
    bottle = ward.receive()
    with pytest.raises(InvalidInput) as refused:
        give(ward, ward.ava, bottle, volume=volume)
    assert refused.value.code == code
    assert refused.value.message  # a sentence a nurse can act on
    db.session.rollback()
    assert db.session.scalars(select(Feed)).all() == []


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(volume=st.decimals(allow_nan=True, allow_infinity=True, places=None))
def test_any_volume_is_fed_or_refused_with_a_domain_error(ward, volume):
    bottle = ward.receive(volume="1000")
    try:
        outcome = give(ward, ward.ava, bottle, volume=str(volume))
    except DomainError as refused:
        assert refused.code in ("INVALID_VOLUME", "VOLUME_EXCEEDS_REMAINING")
        db.session.rollback()
        return
    assert not outcome.refused
    assert 0 < outcome.feed.volume_ml <= 1000
    assert outcome.feed.volume_ml == outcome.feed.volume_ml.quantize(Decimal("0.01"))
    db.session.rollback()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(volume=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(60), places=2))
def test_a_valid_volume_within_the_bottle_is_fed_exactly(ward, volume):
    assume(volume > 0)
    bottle = ward.receive()
    outcome = give(ward, ward.ava, bottle, volume=str(volume))
    assert outcome.feed.volume_ml == volume
    assert bottle.remaining_ml == Decimal(60) - volume
    db.session.rollback()


def test_a_parent_cannot_feed(ward):
    bottle = ward.receive()
    with pytest.raises(Forbidden):
        give(ward, ward.ava, bottle, user=ward.parent)


def test_a_remembered_witness_is_active_staff_only(ward):
    assert feeding.witness_by_id(db.session, ward.other_nurse.id).user == ward.other_nurse
    assert feeding.witness_by_id(db.session, ward.parent.id) is None
    assert feeding.witness_by_id(db.session, "1") is None
    ward.other_nurse.active = False
    assert feeding.witness_by_id(db.session, ward.other_nurse.id) is None
