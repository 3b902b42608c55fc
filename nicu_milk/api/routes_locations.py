"""Storage locations: admin creates them, all staff read them."""

from ..extensions import db
from ..services import storage as locations
from . import STAFF, endpoint, serialize
from .responses import LocationDetail, LocationList, LocationOut
from .schemas import LocationCreate


@endpoint(
    "POST",
    "/locations",
    "Create a storage location",
    roles=("admin",),
    body=LocationCreate,
    response=LocationOut,
    status=201,
    tag="locations",
)
def create_location(body: LocationCreate):
    place = locations.create_location(db.session, body.code, body.name, body.kind, body.parent_code)
    return serialize.location(place)


@endpoint(
    "GET",
    "/locations",
    "List storage locations",
    roles=STAFF,
    response=LocationList,
    tag="locations",
)
def list_locations():
    return {"locations": [serialize.location(p) for p in locations.list_locations(db.session)]}


@endpoint(
    "GET",
    "/locations/{code}",
    "A location and the containers in it",
    roles=STAFF,
    response=LocationDetail,
    tag="locations",
)
def get_location(code: str):
    place = locations.get_location(db.session, code)
    held = locations.contents(db.session, place)
    return {
        **serialize.location(place),
        "containers": [serialize.container(c, full=False) for c in held],
    }
