"""The milk room's forms: receiving, acting on a container, finding milk by scanning."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from nicu_milk.extensions import db
from nicu_milk.models import Container, ContainerEvent
from nicu_milk.runtime import now, zone


def local(moment: dt.datetime) -> str:
    return moment.astimezone(zone()).strftime("%Y-%m-%dT%H:%M")


def container(code: str) -> Container:
    db.session.expire_all()
    return db.session.scalars(select(Container).where(Container.code == code)).one()


def test_scanning_in_the_milk_room_opens_the_right_page(as_user, unit):
    [reserved] = unit.reserve("INF100")
    received = unit.receive("INF100")
    nurse = as_user("nina")
    for scanned, target in (
        (reserved, f"/milk/receive/{reserved}"),
        (f" {received}\n", f"/milk/c/{received}"),
        ("FZ1-S1", "/milk/locations/FZ1-S1"),
        ("INF200", "/milk/where?q=INF200"),
    ):
        answer = nurse.get("/milk/", query_string={"scan": scanned})
        assert answer.status_code == 302 and answer.headers["Location"] == target, scanned
    unknown = nurse.get("/milk/", query_string={"scan": "what is this"})
    assert unknown.status_code == 404
    assert "not a milk label" in nurse.text(unknown)


def test_receiving_a_reserved_label_reads_times_on_the_units_clock(as_user, unit):
    [code] = unit.reserve("INF200")
    nurse = as_user("nina")
    expressed = (now() - dt.timedelta(hours=5)).replace(second=0, microsecond=0)
    answer = nurse.post(
        f"/milk/receive/{code}",
        {
            "expressed_at": local(expressed),
            "volume_ml": "42",
            "location_code": "",
            "location_code_pick": "FR1-S2",
            "colostrum": "y",
            "medications": "Iron",
        },
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/milk/c/{code}?step=label"
    bottle = container(code)
    assert (
        bottle.state,
        bottle.expressed_at,
        float(bottle.volume_ml),
        bottle.colostrum,
        bottle.location.code,
        bottle.medications,
    ) == ("fresh", expressed, 42.0, True, "FR1-S2", "Iron")
    again = nurse.get(f"/milk/receive/{code}")
    assert again.status_code == 302 and again.headers["Location"] == f"/milk/c/{code}"


def test_a_receiving_form_with_mistakes_keeps_what_was_typed(as_user, unit):
    nurse = as_user("nina")
    future = local(now() + dt.timedelta(days=1))
    answer = nurse.post(
        "/milk/new",
        {
            "infant": "NOBODY",
            "milk_type": "DHM",
            "expressed_at": future,
            "volume_ml": "2000",
            "location_code": "NOWHERE",
            "medications": "Labetalol",
        },
    )
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    for field in (
        "infant",
        "expressed_at",
        "volume_ml",
        "location_code",
        "donor_lot",
        "donor_expires_at",
    ):
        assert f'data-error-for="{field}"' in html, field
    assert 'value="NOBODY"' in html and "Labetalol" in html and 'value="NOWHERE"' in html
    assert db.session.scalars(select(Container)).all() == []


def test_donor_milk_is_received_with_its_lot(as_user, unit):
    nurse = as_user("nina")
    answer = nurse.post(
        "/milk/new",
        {
            "infant": "INF200",
            "milk_type": "DHM",
            "donor_lot": "BANK-42",
            "donor_expires_at": local(now() + dt.timedelta(days=60)),
            "expressed_at": local(now() - dt.timedelta(days=20)),
            "volume_ml": "100",
            "location_code": "FZ1-S1",
        },
    )
    assert answer.status_code == 302
    bottle = db.session.scalars(select(Container)).one()
    assert (bottle.milk_type, bottle.donor_lot, bottle.state) == ("DHM", "BANK-42", "frozen")


def test_split_hold_release_and_discard(as_user, unit):
    code = unit.receive("INF100", volume=60)
    nurse = as_user("nina")
    wrong = nurse.post(f"/milk/c/{code}/split", {"split-volumes": "30 40"})
    assert wrong.status_code == 400 and "only 60" in wrong.get_data(as_text=True)
    assert nurse.post(f"/milk/c/{code}/split", {"split-volumes": "ten"}).status_code == 400
    split = nurse.post(f"/milk/c/{code}/split", {"split-volumes": "10, 15"})
    assert split.status_code == 302
    children = db.session.scalars(select(Container).where(Container.code != code)).all()
    assert sorted(float(child.volume_ml) for child in children) == [10.0, 15.0]
    page = nurse.get(split.headers["Location"])
    assert all(child.code in page.get_data(as_text=True) for child in children)

    assert nurse.post(f"/milk/c/{code}/hold", {"hold-reason": ""}).status_code == 400
    assert nurse.post(f"/milk/c/{code}/hold", {"hold-reason": "New medication"}).status_code == 302
    assert container(code).held
    assert nurse.post(f"/milk/c/{code}/release", {}).status_code == 302
    assert not container(code).held
    assert nurse.post(f"/milk/c/{code}/discard", {"discard-reason": "Spilled"}).status_code == 302
    assert container(code).state == "discarded"
    again = nurse.post(f"/milk/c/{code}/discard", {"discard-reason": "Spilled"})
    assert again.status_code == 400 and "no longer in the unit" in again.get_data(as_text=True)


def test_pooling_refuses_another_babys_milk(as_user, unit):
    mine = unit.receive("INF100", volume=20)
    also_mine = unit.receive("INF100", volume=25)
    theirs = unit.receive("INF300", volume=30)
    nurse = as_user("nina")
    refused = nurse.post(
        f"/milk/c/{mine}/combine",
        {"combine-others": f"{theirs}\n", "combine-location_code": "FR1-S1"},
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'data-error-for="combine-others"' in html and "different babies" in html
    pooled = nurse.post(
        f"/milk/c/{mine}/combine",
        {"combine-others": f"{also_mine}\n{mine}\n", "combine-location_code": "FR1-S2"},
    )
    assert pooled.status_code == 302
    child = db.session.scalars(
        select(Container).where(Container.code.not_in([mine, also_mine, theirs]))
    ).one()
    assert (float(child.volume_ml), child.location.code) == (45.0, "FR1-S2")


def test_moving_into_a_freezer_freezes_and_a_label_prints(as_user, unit):
    code = unit.receive("INF100")
    nurse = as_user("nina")
    assert nurse.post(f"/milk/c/{code}/move", {"move-location_code": "FZ1"}).status_code == 302
    assert container(code).state == "frozen"
    label = nurse.get(f"/milk/c/{code}/label.pdf")
    assert label.status_code == 200 and label.mimetype == "application/pdf"
    assert label.data.startswith(b"%PDF")
    printed = db.session.scalars(
        select(ContainerEvent.type).where(ContainerEvent.type == "label_printed")
    ).all()
    assert printed == ["label_printed"]


def test_where_is_it_and_the_map_of_a_fridge(as_user, unit):
    unit.receive("INF200", location="FZ1-S1")
    unit.receive("INF201", location="FR1-S1")
    nurse = as_user("nina")
    found = nurse.text(nurse.get("/milk/where?q=okafor"))
    assert "Leo Okafor" in found and "Mia Okafor" in found and "Freezer 1 / Shelf 1" in found
    assert "Ava Nguyen" not in found
    fridge = nurse.text(nurse.get("/milk/locations/FR1"))
    assert "Top shelf" in fridge and "Mia Okafor" in fridge and "Leo Okafor" not in fridge
    units = nurse.text(nurse.get("/milk/locations"))
    assert "Milk fridge 1" in units and "Freezer 1" in units
