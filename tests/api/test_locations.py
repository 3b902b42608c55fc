"""Storage locations: a hierarchy whose shelves and bins inherit their kind."""

from tests.api.conftest import count, expect, receive_milk, snapshot


def test_top_level_locations_and_shelves_inherit_their_kind(unit):
    admin, nurse = unit["admin"], unit["nurse"]
    shelf = expect(
        admin.post("/locations", {"code": "DF1-B2", "name": "Bin 2", "parent_code": "DF1"}), 201
    )
    assert shelf == {
        "code": "DF1-B2",
        "name": "Bin 2",
        "kind": "deep_freezer",
        "parent_code": "DF1",
        "path": "Deep freezer / Bin 2",
    }
    # A bin inside a shelf inherits from the shelf, which inherited from the fridge.
    bin_ = expect(
        admin.post("/locations", {"code": "FR1-S1-B1", "name": "Bin 1", "parent_code": "FR1-S1"}),
        201,
    )
    assert bin_["kind"] == "refrigerator"
    assert bin_["path"] == "Milk fridge 1 / Shelf 1 / Bin 1"

    listed = expect(nurse.get("/locations"), 200)["locations"]
    by_code = {place["code"]: place for place in listed}
    assert set(by_code) == {"FR1", "FR1-S1", "FR1-S1-B1", "FZ1", "FZ1-S1", "DF1", "DF1-B2", "BED3"}
    assert by_code["FZ1-S1"]["kind"] == "freezer"
    assert by_code["FZ1-S1"]["parent_code"] == "FZ1"
    assert by_code["BED3"] == {
        "code": "BED3",
        "name": "Bedside 3",
        "kind": "room",
        "parent_code": None,
        "path": "Bedside 3",
    }


def test_a_child_given_another_kind_is_refused(unit):
    admin = unit["admin"]
    before = count("storage_locations")
    expect(
        admin.post(
            "/locations",
            {"code": "FR1-X", "name": "Odd shelf", "kind": "freezer", "parent_code": "FR1"},
        ),
        400,
        "KIND_INHERITED",
    )
    expect(admin.post("/locations", {"code": "TOP", "name": "No kind"}), 400, "KIND_REQUIRED")
    expect(
        admin.post("/locations", {"code": "ORPHAN", "name": "Shelf", "parent_code": "NOPE"}),
        400,
        "UNKNOWN_PARENT",
    )
    expect(
        admin.post("/locations", {"code": "FR1", "name": "Again", "kind": "room"}),
        409,
        "DUPLICATE_LOCATION",
    )
    expect(admin.post("/locations", {"code": "FR2", "name": "Fridge", "kind": "cellar"}), 400)
    assert count("storage_locations") == before
    expect(admin.get("/locations/FR1-X"), 404, "UNKNOWN_LOCATION")


def test_a_location_shows_the_milk_in_it_and_below_it(unit):
    nurse = unit["nurse"]
    on_shelf = receive_milk(nurse, location="FR1-S1")
    in_fridge = receive_milk(nurse, location="FR1")
    frozen = receive_milk(nurse, location="FZ1-S1")
    gone = receive_milk(nurse, location="FR1")
    expect(nurse.post(f"/containers/{gone['code']}/discard", {"reason": "spilled"}), 200)

    fridge = expect(nurse.get("/locations/FR1"), 200)
    assert fridge["kind"] == "refrigerator"
    assert {c["code"] for c in fridge["containers"]} == {on_shelf["code"], in_fridge["code"]}
    shelf = expect(nurse.get("/locations/FR1-S1"), 200)
    assert [c["code"] for c in shelf["containers"]] == [on_shelf["code"]]
    assert [c["code"] for c in expect(nurse.get("/locations/FZ1"), 200)["containers"]] == [
        frozen["code"]
    ]
    assert expect(nurse.get("/locations/BED3"), 200)["containers"] == []


def test_only_admin_creates_locations(unit):
    before = snapshot()
    for role in ("charge_nurse", "nurse", "parent"):
        expect(
            unit[role].post("/locations", {"code": "NEW", "name": "New", "kind": "room"}),
            403,
            "FORBIDDEN",
        )
    assert snapshot() == before
