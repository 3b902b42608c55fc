"""Pages for the clinical rules: codes scanned in either case at /scan and in the milk room,
advice on /scan, what the discharge and take-home pages say about expired and donor milk, and
the admission warning for a name that needs the wider label stock."""

from __future__ import annotations

from sqlalchemy import select

from nicu_milk.extensions import db
from nicu_milk.models import CheckAttempt, Container, Feed

from .test_bedside import feed, scan, verdict_of


def test_scan_reads_a_lower_case_bottle_code_as_the_bottle(as_user, unit):
    code = unit.receive("INF100")
    nurse = as_user("nina")
    answer = scan(nurse, "m" + code[1:], ("INF100", ""))
    assert verdict_of(answer) == ("go", [])
    html = answer.get_data(as_text=True)
    assert f'name="container_code" value="{code}"' in html
    assert "No baby with wristband code" not in html
    # In the other order too, and the feed is recorded against the bottle's own code.
    first = scan(nurse, "m" + code[1:])
    assert f'name="container_code" value="{code}"' in first.get_data(as_text=True)
    assert feed(nurse, ("inf100", "m" + code[1:])).status_code == 302
    [given] = db.session.scalars(select(Feed)).all()
    assert given.container.code == code


def test_the_milk_room_scan_box_reads_a_lower_case_code(as_user, unit):
    code = unit.receive("INF100")
    answer = as_user("nina").get(f"/milk/?scan=m{code[1:]}")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/milk/c/{code}")


def test_advice_on_scan_needs_no_tick_and_is_no_near_miss(as_user, unit):
    earlier = unit.receive("INF100", hours_ago=30)
    newer = unit.receive("INF100", hours_ago=2)
    nurse = as_user("nina")
    answer = scan(nurse, newer, ("INF100", ""))
    assert verdict_of(answer) == ("go", ["USE_FIRST"])
    html = answer.get_data(as_text=True)
    assert f'data-use-instead="{earlier}"' in html
    assert 'name="acknowledge"' not in html
    assert feed(nurse, ("INF100", newer)).status_code == 302
    [given] = db.session.scalars(select(Feed)).all()
    assert given.acknowledged == []
    assert db.session.scalars(select(CheckAttempt)).all() == []


def test_the_discharge_page_offers_discard_for_expired_and_donor_milk(as_user, unit):
    in_date = unit.receive("INF200")
    expired = unit.receive("INF200", hours_ago=50, received_hours_ago=49)
    donor = unit.receive("INF200", milk_type="DHM", location="FR1")
    charge = as_user("cara")
    assert charge.post("/charge/discharge/INF200", {}).status_code == 302
    page = charge.get("/charge/discharge/INF200")
    html = page.get_data(as_text=True)
    for code in (in_date, expired, donor):
        assert f'data-container="{code}"' in html
    assert f'data-container="{in_date}" data-returnable="yes"' in html
    assert f'data-container="{expired}" data-returnable="no"' in html
    assert f'data-container="{donor}" data-returnable="no"' in html
    text = charge.text(page)
    assert "EXPIRED: will be discarded" in text and "DONOR MILK: stays with the hospital" in text
    assert text.count("Sent home") == 1  # only the bottle in date
    # Sending the expired one home anyway is refused, and nothing changes.
    answer = charge.post(f"/charge/discharge/INF200/{expired}/return", {})
    assert "never sent home" in charge.text(charge.get(answer.headers["Location"]))
    assert (
        db.session.scalars(select(Container.state).where(Container.code == expired)).one()
        == "fresh"
    )


def test_the_family_sees_what_will_be_discarded(as_user, unit):
    going = unit.receive("INF100")
    expired = unit.receive("INF100", hours_ago=50, received_hours_ago=49)
    page = as_user("linh").get("/family/INF100/take-home")
    html = page.get_data(as_text=True)
    before, _, after = html.partition("EXPIRED: will be discarded")
    assert going in before and expired not in before
    assert expired in after


def test_admitting_a_name_too_long_for_the_usual_label_warns_at_once(as_user, unit):
    nurse = as_user("nina")
    answer = nurse.post(
        "/charge/babies",
        {
            "mrn": "INF777",
            "first_name": "Anastasia-Magdalena",
            "last_name": "Wolfeschlegelsteinhausenbergerdorff-Featherstonehaugh",
            "date_of_birth": "2026-11-20",
            "mother_mrn": "MOM777",
            "mother_first_name": "Maria",
            "mother_last_name": "Featherstonehaugh",
        },
    )
    assert answer.status_code == 302
    text = nurse.text(nurse.get(answer.headers["Location"]))
    assert "is admitted" in text
    assert "3 x 1.5 in thermal container label" in text and "keep it loaded" in text
