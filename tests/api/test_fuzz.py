"""Fuzzed JSON bodies for the two busiest writes: never a 500, and a refusal changes nothing.

Fields are mostly plausible, sometimes junk, so that many bodies get past validation and
exercise the services (expired milk, donor milk without consent, future times, ...)."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import ago, assert_error_shape, count, later, receive_milk

# Minutes, not seconds: left out of a plain `pytest`, run by scripts/test.sh and CI.
pytestmark = pytest.mark.slow

# Each example is independent: it sends one body and checks only that answer and the row counts
# around it. The `unit` fixture is set up once per test (not per example), which is what the
# function-scoped-fixture health check warns about, and is deliberately fine here.
FUZZ = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    st.text(max_size=80),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.sampled_from(
        [
            0,
            -1,
            1000.01,
            10.005,
            "60",
            "2026-11-28T10:00:00",
            "1764300000",
            "2026-02-30T10:00:00Z",
            "\u0000",
            "\ud800",
            "x" * 70,
        ]
    ),
)


def mostly(good: st.SearchStrategy) -> st.SearchStrategy:
    """Nine times in ten a plausible value, otherwise junk."""
    return st.integers(min_value=0, max_value=9).flatmap(lambda n: good if n else junk)


volumes = mostly(
    st.one_of(
        st.decimals(min_value="0.01", max_value=1000, places=2).map(float),
        st.integers(min_value=1, max_value=1000),
    )
)
times = mostly(
    st.sampled_from(
        [
            ago(hours=2),
            ago(days=3),
            ago(days=400),
            ago(minutes=1),
            later(minutes=3),
            later(hours=2),
            "2026-11-28T04:00:00-06:00",
        ]
    )
)
codes = mostly(
    st.sampled_from(
        [
            "INF100",
            "INF200",
            "INF201",
            " INF100 ",
            "FR1",
            "FZ1",
            "NOPE",
            "M0000000195",
            "",
            "\u0000",
            "x" * 70,
        ]
    )
)
infants = mostly(st.sampled_from(["INF100", "INF200", "INF201", " INF201\n", "INF999"]))
locations = mostly(st.sampled_from(["FR1", "FR1-S1", "FZ1", "FZ1-S1", "DF1", "BED3", "NOPE"]))
flags = mostly(st.booleans())

container_bodies = st.fixed_dictionaries(
    {
        "infant_mrn": infants,
        "expressed_at": times,
        "volume_ml": volumes,
        "milk_type": mostly(st.sampled_from(["MOM", "DHM"])),
        "location_code": locations,
    },
    optional={
        "colostrum": flags,
        "medications": mostly(st.text(max_size=30)),
        "donor_lot": codes,
        "donor_expires_at": times,
        "at": times,
    },
)


@FUZZ
@given(body=mostly(container_bodies))
def test_fuzzed_container_bodies(unit, body):
    nurse = unit["nurse"]
    before = count("containers"), count("container_events")
    answer = nurse.raw("POST", "/containers", json.dumps(body).encode())
    assert answer.status_code < 500
    if answer.status_code == 201:
        created = answer.get_json()
        assert created["state"] in ("fresh", "frozen")
        assert 0 < created["volume_ml"] <= 1000
        assert created["infant_mrn"] == body["infant_mrn"].strip()
        assert count("containers") == before[0] + 1
    else:
        assert answer.status_code in (400, 404, 409), answer.get_json()
        assert_error_shape(answer)
        assert (count("containers"), count("container_events")) == before


@pytest.fixture
def bottles(unit):
    nurse = unit["nurse"]
    return [
        receive_milk(nurse, volume_ml=1000)["code"],
        receive_milk(nurse, "INF200", volume_ml=1000)["code"],
        receive_milk(nurse, location="FZ1")["code"],
    ]


@FUZZ
@given(data=st.data())
def test_fuzzed_feed_bodies(unit, bottles, data):
    nurse = unit["nurse"]
    body = data.draw(
        mostly(
            st.fixed_dictionaries(
                {
                    "infant_code": infants,
                    "container_code": mostly(st.sampled_from(bottles)),
                    "volume_ml": volumes,
                },
                optional={
                    "acknowledge_warnings": flags,
                    "finished": mostly(st.just(False)),
                    "manual_entry": mostly(st.just(False)),
                    "at": times,
                    "witness": mostly(st.none()),
                },
            )
        )
    )
    before = count("feeds"), count("check_attempts")
    answer = nurse.raw("POST", "/feeds", json.dumps(body).encode())
    assert answer.status_code < 500
    if answer.status_code == 201:
        assert count("feeds") == before[0] + 1
    elif answer.status_code == 409:
        # A refused feed is a near miss, and nothing is fed.
        assert answer.get_json()["verdict"] in ("warn", "stop")
        assert count("feeds") == before[0]
        assert count("check_attempts") == before[1] + 1
    else:
        assert answer.status_code in (400, 404), answer.get_json()
        assert_error_shape(answer)
        assert (count("feeds"), count("check_attempts")) == before
