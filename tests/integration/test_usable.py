"""One rule for usable milk: the Python predicate and its SQL twin give the same answer, and the
bedside check's USE_FIRST finds the right bottle however many unusable ones come before it.

Runs on SQLite and PostgreSQL (the `app` fixture), on containers written through the models.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from nicu_milk import codes, usable
from nicu_milk.extensions import db
from nicu_milk.models import (
    CheckAttempt,
    Container,
    Infant,
    Mother,
    User,
)
from nicu_milk.services import feeding
from nicu_milk.services.common import NicuUnit

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
_serials = itertools.count(1)


def _code() -> str:
    return codes.container_code(next(_serials))


def _family(mrn: str, *, consent: bool, mother_hold: str | None) -> Infant:
    mother = Mother(mrn=f"M-{mrn}", first_name="Rosa", last_name="Diaz", hold_reason=mother_hold)
    infant = Infant(
        mrn=mrn,
        wristband_code=f"WB-{mrn}",
        first_name="Luz",
        last_name="Diaz",
        search_name="luz diaz",
        date_of_birth=dt.date(2026, 11, 1),
        mother=mother,
        donor_milk_consent=consent,
    )
    db.session.add(infant)
    return infant


def _bottle(infant: Infant, **columns) -> Container:
    milk_type = columns.pop("milk_type", "MOM")
    bottle = Container(
        code=_code(),
        infant=infant,
        mother=infant.mother if milk_type == "MOM" else None,
        milk_type=milk_type,
        volume_ml=60,
        remaining_ml=columns.pop("remaining_ml", 60),
        state=columns.pop("state", "fresh"),
        **columns,
    )
    db.session.add(bottle)
    return bottle


def _clear() -> None:
    for model in (CheckAttempt, Container, Infant, Mother):
        db.session.execute(delete(model))
    db.session.commit()


EXPIRIES = st.sampled_from(
    [
        None,
        NOW,  # expires this very moment: no longer usable
        NOW - dt.timedelta(microseconds=1),
        NOW + dt.timedelta(microseconds=1),
        NOW - dt.timedelta(days=3),
        NOW + dt.timedelta(hours=5),
        NOW + dt.timedelta(days=200),
    ]
)
CONTAINERS = st.lists(
    st.fixed_dictionaries(
        {
            "family": st.integers(0, 2),
            "state": st.sampled_from(
                ("reserved", "fresh", "frozen", "thawed", "consumed", "discarded", "returned")
            ),
            "milk_type": st.sampled_from(("MOM", "DHM")),
            "expires_at": EXPIRIES,
            "hold_reason": st.sampled_from((None, "culture pending")),
            "remaining_ml": st.sampled_from((0, 0.5, 60)),
            "colostrum": st.booleans(),
        }
    ),
    min_size=1,
    max_size=12,
)
FAMILIES = st.lists(
    st.tuples(st.booleans(), st.sampled_from((None, "medication"))), min_size=3, max_size=3
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(families=FAMILIES, containers=CONTAINERS, frozen_ok=st.booleans())
def test_the_python_rule_and_its_sql_twin_agree(app, families, containers, frozen_ok):
    try:
        babies = [
            _family(f"INF{n}", consent=consent, mother_hold=hold)
            for n, (consent, hold) in enumerate(families)
        ]
        bottles = [_bottle(babies[item.pop("family")], **item) for item in map(dict, containers)]
        db.session.commit()

        in_sql = set(
            db.session.scalars(
                select(Container.code).where(usable.usable_sql(NOW, frozen_ok=frozen_ok))
            )
        )
        in_python = {
            bottle.code
            for bottle in bottles
            if usable.is_usable(
                state=bottle.state,
                held=bottle.held,
                expires_at=bottle.expires_at,
                donor_milk=bottle.milk_type == "DHM",
                consent=bottle.infant.donor_milk_consent,
                now=NOW,
                frozen_ok=frozen_ok,
            )
        }
        assert in_sql == in_python
    finally:
        db.session.rollback()
        _clear()


@pytest.mark.parametrize(
    ("state", "held", "expires_at", "donor", "consent", "frozen_ok", "why"),
    [
        ("fresh", False, NOW + dt.timedelta(hours=1), False, False, False, None),
        ("thawed", False, NOW + dt.timedelta(hours=1), True, True, False, None),
        ("frozen", False, NOW + dt.timedelta(days=30), False, False, False, "FROZEN"),
        ("frozen", False, NOW + dt.timedelta(days=30), False, False, True, None),
        ("reserved", False, None, False, False, True, "NOT_RECEIVED"),
        ("consumed", False, NOW + dt.timedelta(hours=1), False, False, False, "CONSUMED"),
        ("discarded", False, NOW + dt.timedelta(hours=1), False, False, False, "DISCARDED"),
        ("returned", False, NOW + dt.timedelta(hours=1), False, False, False, "RETURNED"),
        ("fresh", True, NOW + dt.timedelta(hours=1), False, False, False, "HELD"),
        ("fresh", False, None, False, False, False, "EXPIRED"),  # no expiry on record
        ("fresh", False, NOW, False, False, False, "EXPIRED"),
        ("fresh", False, NOW + dt.timedelta(hours=1), True, False, False, "DONOR_CONSENT_MISSING"),
        # The milk room asks about no baby: donor milk is usable stock whoever's consent.
        ("fresh", False, NOW + dt.timedelta(hours=1), True, None, False, None),
    ],
)
def test_why_milk_is_not_usable(state, held, expires_at, donor, consent, frozen_ok, why):
    found = usable.why_not_usable(
        state=state,
        held=held,
        expires_at=expires_at,
        donor_milk=donor,
        consent=consent,
        now=NOW,
        frozen_ok=frozen_ok,
    )
    assert found == why


# --- USE_FIRST looks past unusable bottles ------------------------------------------------------


def _nurse() -> User:
    nurse = User(username="nina", role="nurse", password_hash="x")
    db.session.add(nurse)
    return nurse


def _unit(app) -> NicuUnit:
    return NicuUnit(
        policy=app.extensions["nicu_milk"]["policy"],
        now=dt.datetime.now(UTC),
        fingerprint=app.extensions["nicu_milk"]["fingerprint"],
    )


@pytest.mark.parametrize("blocking", ["mother on hold", "no donor consent", "own hold"])
def test_use_first_finds_the_right_bottle_behind_more_than_ten_unusable_ones(app, blocking):
    """Before, the baby's ten best bottles were chosen first and only then checked for holds
    and consent: eleven unusable ones expiring first hid the bottle that should go first."""
    now = dt.datetime.now(UTC)
    consent = blocking != "no donor consent"
    baby = _family("INF300", consent=consent, mother_hold=None)
    nurse = _nurse()
    # The unusable ones expire first, so they come first in the baby's list.
    for hours in range(1, 12):
        if blocking == "no donor consent":
            _bottle(baby, milk_type="DHM", expires_at=now + dt.timedelta(hours=hours))
        else:
            _bottle(
                baby,
                expires_at=now + dt.timedelta(hours=hours),
                hold_reason="culture pending" if blocking == "own hold" else None,
            )
    if blocking == "mother on hold":
        # Her milk is held; the baby's donor milk (consent given) is not hers.
        baby.mother.hold_reason = "medication"
        first = _bottle(baby, milk_type="DHM", expires_at=now + dt.timedelta(hours=30))
        scanned = _bottle(baby, milk_type="DHM", expires_at=now + dt.timedelta(hours=40))
    else:
        first = _bottle(baby, expires_at=now + dt.timedelta(hours=30))
        scanned = _bottle(baby, expires_at=now + dt.timedelta(hours=40))
    db.session.commit()
    unit = _unit(app)

    at_the_bedside = feeding.bedside_check(
        db.session, unit, nurse, baby.wristband_code, scanned.code
    )
    on_the_page = feeding.scan(db.session, unit, "WB-INF300", scanned.code)

    for result in (at_the_bedside, on_the_page):
        assert result.verdict.outcome == "go", result.verdict
        advice = [r for r in result.verdict.reasons if r.code == "USE_FIRST"]
        assert [r.use_instead for r in advice] == [first.code]


# --- the milk room uses the same rule -----------------------------------------------------------


@pytest.mark.parametrize(
    ("expires_in", "held", "refused"),
    [
        (None, False, "EXPIRED"),  # no expiry on record: the check would stop it, so must this
        (dt.timedelta(hours=-1), False, "EXPIRED"),
        (dt.timedelta(hours=5), True, "HELD"),
        (dt.timedelta(hours=5), False, None),
    ],
)
def test_splitting_takes_only_usable_milk(app, expires_in, held, refused):
    from nicu_milk.errors import Conflict
    from nicu_milk.services import storage

    baby = _family("INF400", consent=False, mother_hold="medication" if held else None)
    nurse = _nurse()
    now = dt.datetime.now(UTC)
    bottle = _bottle(baby, expires_at=None if expires_in is None else now + expires_in)
    db.session.commit()
    unit = _unit(app)
    if refused is None:
        storage._require_usable_stock(bottle, unit.now)
        return
    with pytest.raises(Conflict) as stopped:
        storage.split(db.session, unit, nurse, bottle, [Decimal(10), Decimal(10)])
    assert stopped.value.code == refused
    assert "no expiry on record" in stopped.value.message or expires_in is not None
