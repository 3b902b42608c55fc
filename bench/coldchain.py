"""The cold chain at a year of readings: 20 sensors reporting every minute (about 10.5 million
readings a year), then the temperatures page, the charge nurse's dashboard, the excursion
record PDF and the ingest of one new reading, each timed against a bare baseline in the same
run (the sign-in page: a template rendered, no query), as ratios.

    .venv/bin/python bench/coldchain.py --days 365                      # SQLite (throwaway)
    .venv/bin/python bench/coldchain.py --days 365 --database postgresql
    .venv/bin/python bench/coldchain.py --days 7                         # a quick look

Readings go in through SQLAlchemy Core in batches (the service's own path is timed separately
for one reading); each unit's excursions are then found by the service. Figures: the median of
rounds of (subject ÷ baseline), baseline and subject interleaved, with the range.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from throwaway import database  # noqa: E402

from config import TestConfig  # noqa: E402
from nicu_milk import create_app  # noqa: E402
from nicu_milk.coldchain_models import Excursion, SensorAssignment, SensorReading  # noqa: E402
from nicu_milk.extensions import db  # noqa: E402
from nicu_milk.runtime import unit  # noqa: E402
from nicu_milk.services import coldchain  # noqa: E402
from nicu_milk.services import storage as locations  # noqa: E402
from tests.conftest import PASSWORD, make_user  # noqa: E402

UTC = dt.UTC
SENSORS = 20
BATCH = 20_000


def fill(app, days: int, seed: int = 7) -> int:
    """20 storage units with a sensor each, a reading a minute for `days`, a few excursions."""
    rng = random.Random(seed)
    now = dt.datetime.now(UTC).replace(second=0, microsecond=0)
    start = now - dt.timedelta(days=days)
    with app.app_context():
        session = db.session
        places = []
        for number in range(SENSORS):
            kind = "refrigerator" if number < 12 else "freezer"
            place = locations.create_location(
                session, f"U{number:02d}", f"Unit {number:02d}", kind, None
            )
            session.add(SensorAssignment(sensor_id=f"T-{number:02d}", location=place, since=start))
            places.append(place)
        session.commit()
        make_user("charge", "charge_nurse")
        total = 0
        minutes = days * 24 * 60
        table = SensorReading.__table__
        for number, place in enumerate(places):
            base = 3.0 if place.kind == "refrigerator" else -20.0
            # An excursion about once a month: an hour well out of range.
            warm = {rng.randrange(minutes) for _ in range(max(1, days // 30))}
            rows = []
            hot_until = -1
            for minute in range(minutes):
                if minute in warm:
                    hot_until = minute + 60
                celsius = base + rng.uniform(-0.6, 0.6) + (6.0 if minute < hot_until else 0.0)
                rows.append(
                    {
                        "sensor_id": f"T-{number:02d}",
                        "at": start + dt.timedelta(minutes=minute),
                        "celsius": round(celsius, 2),
                        "received_at": now,
                        "source": "bench",
                    }
                )
                if len(rows) >= BATCH:
                    session.execute(table.insert(), rows)
                    session.commit()
                    total += len(rows)
                    rows = []
            if rows:
                session.execute(table.insert(), rows)
                session.commit()
                total += len(rows)
            print(f"  unit {number + 1}/{SENSORS}: {total:,} readings", flush=True)
        for place in places:
            coldchain.refresh_location(session, unit(), place, start, now)
        session.commit()
        return total


def timed(function) -> float:
    began = time.perf_counter()
    function()
    return time.perf_counter() - began


def measure(app, rounds: int) -> dict[str, tuple[float, float, float, float]]:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    answer = client.post(
        "/login", data={"username": "charge", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302, answer.status_code
    with app.app_context():
        excursion_id = db.session.query(Excursion.id).order_by(Excursion.id.desc()).first()[0]
    api = app.test_client()
    with app.app_context():
        make_user("gateway", "device")
    token = api.post("/api/v1/auth/token", json={"username": "gateway", "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {token.get_json()['token']}"}
    moment = [dt.datetime.now(UTC)]

    def ingest():
        moment[0] += dt.timedelta(microseconds=1)
        body = {
            "readings": [
                {"sensor_id": "T-00", "at": moment[0].isoformat(), "celsius": 3.1},
            ]
        }
        assert api.post("/api/v1/readings", json=body, headers=bearer).status_code == 202

    subjects = {
        "temperatures page": lambda: client.get("/temperatures/"),
        "charge dashboard": lambda: client.get("/charge/"),
        "excursion record PDF": lambda: client.get(
            f"/temperatures/excursions/{excursion_id}/report.pdf"
        ),
        "one reading in (HTTP)": ingest,
    }
    baseline = lambda: client.get("/login")  # noqa: E731
    for subject in subjects.values():  # warm
        subject()
        baseline()
    results = {}
    for name, subject in subjects.items():
        ratios, seconds = [], []
        for index in range(rounds):
            if index % 2:
                base, spent = timed(baseline), timed(subject)
            else:
                spent, base = timed(subject), timed(baseline)
            ratios.append(spent / base)
            seconds.append(spent)
        results[name] = (
            statistics.median(ratios),
            min(ratios),
            max(ratios),
            statistics.median(seconds),
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=9)
    arguments = parser.parse_args()
    with database(arguments.database) as url:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="bench")  # noqa: S106 - a throwaway
        began = time.perf_counter()
        total = fill(app, arguments.days)
        print(f"{total:,} readings in {time.perf_counter() - began:.0f} s ({arguments.database})")
        results = measure(app, arguments.rounds)
        print(f"{'subject':<24}{'× baseline (median, range)':>32}{'median':>12}")
        for name, (median, low, high, seconds) in results.items():
            print(
                f"{name:<24}{median:>14.1f}   ({low:.1f} to {high:.1f}){seconds * 1000:>11.0f} ms"
            )
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
