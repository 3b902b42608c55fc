"""/scan through the test client: the pair, the verdict hooks, feeds, witnesses, near misses."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from nicu_milk import codes
from nicu_milk.extensions import db
from nicu_milk.models import CheckAttempt, Container, Feed, User
from nicu_milk.runtime import now, zone

VERDICT = re.compile(r'data-verdict="(go|warn|stop)"')
REASON = re.compile(r'data-reason="([A-Z_]+)"')


def verdict_of(answer) -> tuple[str | None, list[str]]:
    html = answer.get_data(as_text=True)
    found = VERDICT.search(html)
    return (found.group(1) if found else None), REASON.findall(html)


def scan(browser, text: str, pair=("", ""), **extra):
    return browser.post(
        "/scan", {"scan": text, "infant_code": pair[0], "container_code": pair[1], **extra}
    )


def feed(browser, pair, volume="20", **extra):
    return browser.post(
        "/scan/feed",
        {"infant_code": pair[0], "container_code": pair[1], "volume_ml": volume, **extra},
    )


def test_the_scan_page_has_its_hooks(as_user):
    page = as_user("nina").get("/scan")
    html = page.get_data(as_text=True)
    assert re.search(r'<input[^>]*name="scan"[^>]*autofocus', html)


def test_either_order_gives_the_same_verdict(as_user, unit):
    code = unit.receive("INF100")
    nurse = as_user("nina")
    for first, second, pair in (("INF100", code, ("INF100", "")), (code, "INF100", ("", code))):
        assert verdict_of(scan(nurse, first)) == (None, [])
        answer = scan(nurse, second, pair)
        assert verdict_of(answer) == ("go", [])
        html = answer.get_data(as_text=True)
        assert "Ava Nguyen" in html and "INF100" in html and code in html


def test_a_stop_is_recorded_and_cannot_be_fed(as_user, unit):
    other = unit.receive("INF300")
    nurse = as_user("nina")
    assert verdict_of(scan(nurse, other, ("INF100", ""))) == ("stop", ["WRONG_INFANT"])
    answer = feed(nurse, ("INF100", other))
    assert answer.status_code == 409
    assert verdict_of(answer) == ("stop", ["WRONG_INFANT"])
    assert db.session.scalars(select(Feed)).all() == []
    attempts = db.session.scalars(select(CheckAttempt).order_by(CheckAttempt.id)).all()
    assert [(a.action, a.verdict) for a in attempts] == [("check", "stop"), ("feed", "stop")]


def test_a_sibling_is_a_warning_to_acknowledge(as_user, unit):
    twin = unit.receive("INF201")
    nurse = as_user("nina")
    assert verdict_of(scan(nurse, twin, ("INF200", ""))) == ("warn", ["SIBLING"])
    refused = feed(nurse, ("INF200", twin))
    assert refused.status_code == 409
    assert "Tick each warning" in refused.get_data(as_text=True)
    assert db.session.scalars(select(Feed)).all() == []
    fed = feed(nurse, ("INF200", twin), acknowledge="SIBLING")
    assert fed.status_code == 302
    assert db.session.scalars(select(Feed.acknowledged)).one() == ["SIBLING"]


def test_ticking_another_warning_feeds_nothing_and_is_kept_as_a_feed(as_user, unit):
    """The service compares the ticks with the warnings it finds itself: a tick on a warning
    not shown (a stale page, a forged form) acknowledges nothing."""
    twin = unit.receive("INF201")
    nurse = as_user("nina")
    refused = feed(nurse, ("INF200", twin), acknowledge="EXPIRES_SOON")
    assert refused.status_code == 409
    assert verdict_of(refused) == ("warn", ["SIBLING"])
    assert "Tick each warning" in refused.get_data(as_text=True)
    assert db.session.scalars(select(Feed)).all() == []
    attempts = db.session.scalars(select(CheckAttempt)).all()
    assert [(a.action, a.verdict) for a in attempts] == [("feed", "warn")]


def test_a_stop_with_the_volume_left_empty_is_a_feed_near_miss(as_user, unit):
    other = unit.receive("INF300")
    nurse = as_user("nina")
    answer = feed(nurse, ("INF100", other), volume="")
    assert answer.status_code == 409
    assert verdict_of(answer) == ("stop", ["WRONG_INFANT"])
    attempts = db.session.scalars(select(CheckAttempt)).all()
    assert [(a.action, a.verdict) for a in attempts] == [("feed", "stop")]
    assert db.session.scalars(select(Feed)).all() == []


def test_a_new_baby_starts_a_new_pair(as_user, unit):
    code = unit.receive("INF100")
    nurse = as_user("nina")
    answer = scan(nurse, "INF200", ("INF100", code))
    html = answer.get_data(as_text=True)
    assert 'name="container_code" value=""' in html
    assert "Leo Okafor" in html and verdict_of(answer) == (None, [])
    # The same baby scanned again keeps the bottle and checks again.
    assert verdict_of(scan(nurse, "INF100", ("INF100", code)))[0] == "go"


@pytest.mark.parametrize(
    ("scanned", "reason"),
    [
        ("NOBODY-7", "UNKNOWN_INFANT"),
        ("M0000000002", "INVALID_CODE"),  # the check digits are wrong
        (codes.container_code(99_999_999), "UNKNOWN_BOTTLE"),
    ],
)
def test_an_unknown_scan_says_so_and_keeps_the_scan_box(as_user, scanned, reason):
    answer = scan(as_user("nina"), scanned)
    assert answer.status_code == 200
    assert verdict_of(answer) == ("stop", [reason])
    assert re.search(r'<input[^>]*name="scan"[^>]*autofocus', answer.get_data(as_text=True))


def test_a_code_typed_into_the_scan_box_needs_a_witness(as_user, unit):
    code = unit.receive("INF100")
    answer = scan(as_user("nina"), code, ("INF100", ""), entry="typed")
    assert 'data-scan-problem="TYPED_ENTRY"' in answer.get_data(as_text=True)
    assert verdict_of(answer) == (None, [])


@pytest.mark.parametrize(
    ("witness", "password", "message"),
    [
        ("nina", "correct horse battery", "not yourself"),
        ("linh", "correct horse battery", "nursing staff"),
        ("noor", "nope", "wrong"),
    ],
)
def test_a_witness_must_be_another_nurse(as_user, unit, witness, password, message):
    code = unit.receive("INF100")
    answer = as_user("nina").post(
        "/scan/typed",
        {
            "infant_code": "INF100",
            "container_code": "",
            "typed_code": code,
            "witness_username": witness,
            "witness_password": password,
        },
    )
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert message in html and f'value="{code}"' in html
    assert verdict_of(answer) == (None, [])


def test_a_witnessed_code_is_fed_and_recorded_as_manual(as_user, unit):
    code = unit.receive("INF100")
    nurse = as_user("nina")
    answer = nurse.post(
        "/scan/typed",
        {
            "infant_code": "INF100",
            "container_code": "",
            "typed_code": code.lower(),
            "witness_username": "noor",
            "witness_password": "correct horse battery",
        },
    )
    assert verdict_of(answer) == ("go", [])
    assert "witnessed by Noor Haddad" in answer.get_data(as_text=True)
    assert feed(nurse, ("INF100", code), volume="12.5").status_code == 302
    given = db.session.scalars(select(Feed)).one()
    noor = db.session.scalars(select(User).where(User.username == "noor")).one()
    assert (given.manual_entry, given.witness_id, float(given.volume_ml)) == (True, noor.id, 12.5)


def test_feed_errors_are_shown_beside_the_fields(as_user, unit):
    code = unit.receive("INF100", volume=30)
    nurse = as_user("nina")
    for volume, message in (
        ("", "Enter the volume"),
        ("abc", "as a number"),
        ("31", "more than the 30"),
        ("-2", "more than 0"),
        ("1.234", "2 decimal places"),
        ("NaN", "as a number"),
    ):
        answer = feed(nurse, ("INF100", code), volume=volume)
        assert answer.status_code == 400, volume
        html = answer.get_data(as_text=True)
        assert 'data-error-for="volume_ml"' in html and message in html, volume
    later = (now() + dt.timedelta(hours=2)).astimezone(zone()).strftime("%Y-%m-%dT%H:%M")
    answer = feed(nurse, ("INF100", code), fed_at=later)
    assert 'data-error-for="fed_at"' in answer.get_data(as_text=True)
    assert db.session.scalars(select(Feed)).all() == []


def test_a_late_feed_time_is_read_on_the_units_clock(as_user, unit):
    code = unit.receive("INF100", hours_ago=3, received_hours_ago=1)
    moment = (now() - dt.timedelta(minutes=40)).replace(second=0, microsecond=0)
    typed = moment.astimezone(zone()).strftime("%Y-%m-%dT%H:%M")
    assert feed(as_user("nina"), ("INF100", code), fed_at=typed, finished="y").status_code == 302
    given = db.session.scalars(select(Feed)).one()
    assert given.at == moment
    assert db.session.scalars(select(Container.state)).one() == "consumed"


def test_a_misscan_over_a_baby_keeps_the_pair_and_records_nothing_new(as_user, unit):
    other = unit.receive("INF300")
    nurse = as_user("nina")
    assert verdict_of(scan(nurse, other, ("INF100", "")))[0] == "stop"
    answer = scan(nurse, "SMUDGED", ("INF100", other))
    html = answer.get_data(as_text=True)
    assert 'data-scan-problem="UNKNOWN_INFANT"' in html
    assert verdict_of(answer) == ("stop", ["WRONG_INFANT"])  # one verdict on the page
    assert 'name="infant_code" value="INF100"' in html
    assert f'name="container_code" value="{other}"' in html
    assert verdict_of(scan(nurse, "", ("INF100", other)))[0] == "stop"  # Enter alone
    assert len(db.session.scalars(select(CheckAttempt)).all()) == 1
