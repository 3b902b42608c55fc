"""The benchmarks' data generator (bench/generate.py) makes a unit the real app can work with.

It runs at a small size on the test database, then the app itself is asked about the result:
the cached expiry of every container agrees with its events, volumes add up, and a real
feeding check through the API answers go for a bottle the generator left usable.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload
from werkzeug.security import generate_password_hash

from config import TestConfig
from nicu_milk.cli import refresh_expiries
from nicu_milk.extensions import db
from nicu_milk.models import ON_HAND, Container, ContainerEvent, Feed, Infant, User
from nicu_milk.runtime import policy
from nicu_milk.services.storage import expiry_with

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
import harness  # noqa: E402

# Minutes, not seconds: left out of a plain `pytest`, run by scripts/test.sh and CI.
pytestmark = pytest.mark.slow

SIZE = 3000


@pytest.fixture
def generated(app):
    summary = generate.generate(
        db.engine,
        SIZE,
        seed=11,
        policy=policy(),
        password_hash=generate_password_hash(
            generate.PASSWORD, method=TestConfig.PASSWORD_HASH_METHOD
        ),
    )
    return summary


def _sign_in(client) -> dict:
    nurse = db.session.scalars(
        select(User.username).where(User.role == "nurse", User.active).order_by(User.id)
    ).first()
    answer = client.post(
        "/api/v1/auth/token", json={"username": nurse, "password": generate.PASSWORD}
    )
    assert answer.status_code == 200, answer.get_json()
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


def test_the_unit_has_the_real_mix(generated):
    count = db.session.scalar(select(func.count()).select_from(Container))
    assert count == generated.containers
    assert abs(count - SIZE) < SIZE * 0.05
    states = Counter(
        dict(
            db.session.execute(
                select(Container.state, func.count()).group_by(Container.state)
            ).all()
        )
    )
    for state in ("consumed", "returned", "discarded", "fresh", "frozen", "reserved"):
        assert states[state] > 0, states
    # Mothers pump more than their babies eat: most stock on hand is frozen.
    assert states["frozen"] > states["fresh"] + states["thawed"]
    admitted = db.session.scalar(select(func.count()).select_from(Infant).where(Infant.admitted))
    assert 50 <= admitted <= 70
    twins = db.session.execute(
        text("SELECT mother_id FROM infants GROUP BY mother_id HAVING count(*) > 1")
    ).all()
    assert twins
    assert db.session.scalar(
        select(func.count()).where(Container.milk_type == "DHM", Container.donor_lot.is_not(None))
    )
    # Donor milk is no mother's milk, so that her holds never touch it.
    assert not db.session.scalar(
        select(func.count()).where(Container.milk_type == "DHM", Container.mother_id.is_not(None))
    )
    assert db.session.scalar(select(func.count()).where(Container.colostrum))
    assert db.session.scalar(text("SELECT count(*) FROM container_parents"))
    assert db.session.scalar(text("SELECT count(*) FROM check_attempts")) == generated.near_misses
    events = db.session.scalar(select(func.count()).select_from(ContainerEvent))
    assert events == generated.events and events > 2 * count
    assert db.session.scalar(select(func.count()).select_from(Feed)) == generated.feeds > 0


def test_cached_expiries_are_what_the_app_computes_from_the_events(app, generated):
    containers = db.session.scalars(
        select(Container)
        .options(selectinload(Container.events))
        .where(Container.state != "reserved")
        .order_by(Container.id)
    ).all()
    on_hand = 0
    for container in containers:
        expiry = expiry_with(container, policy())
        assert (container.expires_at, container.expiry_rule, container.expiry_from) == (
            expiry.expires_at,
            expiry.limit.rule,
            expiry.limit.counted_from,
        ), container.code
        if container.state in ON_HAND:
            on_hand += 1
            assert container.state == expiry.state, container.code
        events = container.events
        assert [e.at for e in events if e.type not in ("label_printed", "mother_held")] == sorted(
            e.at for e in events if e.type not in ("label_printed", "mother_held")
        )
    assert on_hand > 0
    # init-db finds the policy the expiries were cached under: nothing to recompute.
    assert refresh_expiries() == 0


def test_volumes_add_up_to_the_feeds(app, generated):
    fed = dict(
        db.session.execute(
            select(Feed.container_id, func.sum(Feed.volume_ml)).group_by(Feed.container_id)
        ).all()
    )
    moved_on = set(
        db.session.scalars(
            select(ContainerEvent.container_id).where(
                ContainerEvent.type.in_(("split_into", "combined_into"))
            )
        )
    )
    for container in db.session.scalars(select(Container).where(Container.volume_ml.is_not(None))):
        if container.id not in moved_on:
            given = Decimal(fed.get(container.id, 0))
            assert container.remaining_ml == container.volume_ml - given, container.code


def test_a_real_check_says_go_for_a_bottle_left_usable(app, client, database_url, generated):
    headers = _sign_in(client)
    candidates = harness.first_bottles(database_url)
    assert candidates, "no admitted baby has a usable bottle"
    wristband, code, mother, _ready = candidates[0]
    answer = client.post(
        "/api/v1/feeds/check",
        json={"infant_code": wristband, "container_code": code},
        headers=headers,
    )
    assert answer.status_code == 200
    assert answer.get_json()["verdict"] == "go", answer.get_json()

    stranger = next(c for c in candidates if c.mother != mother)
    answer = client.post(
        "/api/v1/feeds/check",
        json={"infant_code": stranger[0], "container_code": code},
        headers=headers,
    )
    body = answer.get_json()
    assert body["verdict"] == "stop" and "WRONG_INFANT" in [r["code"] for r in body["reasons"]]

    answer = client.post(
        "/api/v1/feeds",
        headers=headers,
        json={"infant_code": wristband, "container_code": code, "volume_ml": 1},
    )
    assert answer.status_code == 201, answer.get_json()


def test_new_bottles_get_codes_after_the_generated_ones(app, client, generated):
    headers = _sign_in(client)
    baby = db.session.scalars(select(Infant).where(Infant.admitted).order_by(Infant.id)).first()
    fridge = db.session.scalar(
        text("SELECT code FROM storage_locations WHERE kind = 'refrigerator' LIMIT 1")
    )
    expressed = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    answer = client.post(
        "/api/v1/containers",
        headers=headers,
        json={
            "infant_mrn": baby.mrn,
            "expressed_at": expressed,
            "volume_ml": 30,
            "milk_type": "MOM",
            "location_code": fridge,
        },
    )
    assert answer.status_code == 201, answer.get_json()
    highest = db.session.scalar(select(func.max(Container.id)))
    assert answer.get_json()["code"] == db.session.get(Container, highest).code
    assert highest == generated.containers + 1
