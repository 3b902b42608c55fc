"""Containers: receive, store, thaw, fortify, hold, discard, return, split and combine."""

from flask import g

from ..extensions import db
from ..runtime import unit
from ..services import receiving
from ..services import storage as ledger
from ..services.common import infant_for
from ..services.storage import get_location
from . import EVERYONE, STAFF, endpoint, serialize
from .responses import ContainerList, ContainerOut
from .schemas import Combine, ContainerCreate, Fortify, Move, Receive, Split, Thaw, WithReason


def _full(bottle):
    db.session.flush()
    return serialize.container(bottle)


@endpoint(
    "POST",
    "/containers",
    "Record milk: staff receive it, a parent pre-registers it",
    roles=EVERYONE,
    body=ContainerCreate,
    response=ContainerOut,
    status=201,
    tag="containers",
)
def create_container(body: ContainerCreate):
    baby = infant_for(db.session, g.user, body.infant_mrn)
    # Staff must say where the milk is stored and a parent must not: the service decides.
    location = get_location(db.session, body.location_code) if body.location_code else None
    bottle = receiving.create_container(
        db.session,
        unit(),
        g.user,
        baby,
        expressed_at=body.expressed_at,
        volume_ml=body.volume_ml,
        milk_type=body.milk_type,
        location=location,
        colostrum=body.colostrum,
        medications=body.medications,
        donor_lot=body.donor_lot,
        donor_product_code=body.donor_product_code,
        donor_expires_at=body.donor_expires_at,
        at=body.at,
    )
    return _full(bottle)


@endpoint(
    "GET",
    "/containers/{code}",
    "A container with its lineage and history",
    roles=EVERYONE,
    response=ContainerOut,
    tag="containers",
)
def get_container(code: str):
    return serialize.container(ledger.container_for(db.session, g.user, code))


def _staff_action(code: str):
    return ledger.container_for(db.session, g.user, code, lock=True)


@endpoint(
    "POST",
    "/containers/{code}/receive",
    "Receive a reserved container",
    roles=STAFF,
    body=Receive,
    response=ContainerOut,
    tag="containers",
)
def receive(code: str, body: Receive):
    bottle = _staff_action(code)
    receiving.receive(
        db.session,
        unit(),
        g.user,
        bottle,
        location=get_location(db.session, body.location_code),
        expressed_at=body.expressed_at,
        volume_ml=body.volume_ml,
        colostrum=body.colostrum,
        medications=body.medications,
        at=body.at,
    )
    return _full(bottle)


@endpoint(
    "POST",
    "/containers/{code}/move",
    "Move a container; into a freezer, it freezes",
    roles=STAFF,
    body=Move,
    response=ContainerOut,
    tag="containers",
)
def move(code: str, body: Move):
    bottle = _staff_action(code)
    ledger.move(
        db.session, unit(), g.user, bottle, get_location(db.session, body.location_code), body.at
    )
    return _full(bottle)


@endpoint(
    "POST",
    "/containers/{code}/thaw",
    "Record that a thaw is complete",
    roles=STAFF,
    body=Thaw,
    response=ContainerOut,
    tag="containers",
)
def thaw(code: str, body: Thaw):
    bottle = _staff_action(code)
    ledger.thaw(
        db.session, unit(), g.user, bottle, get_location(db.session, body.location_code), body.at
    )
    return _full(bottle)


@endpoint(
    "POST",
    "/containers/{code}/fortify",
    "Record a fortifier added",
    roles=STAFF,
    body=Fortify,
    response=ContainerOut,
    tag="containers",
)
def fortify(code: str, body: Fortify):
    bottle = _staff_action(code)
    ledger.fortify(db.session, unit(), g.user, bottle, body.product, body.kcal_per_oz, body.at)
    return _full(bottle)


@endpoint(
    "POST",
    "/containers/{code}/hold",
    "Hold a container (quarantine)",
    roles=STAFF,
    body=WithReason,
    response=ContainerOut,
    tag="containers",
)
def hold(code: str, body: WithReason):
    bottle = _staff_action(code)
    ledger.hold(db.session, unit(), g.user, bottle, body.reason)
    return _full(bottle)


@endpoint(
    "POST",
    "/containers/{code}/release",
    "Release a container's own hold",
    roles=STAFF,
    response=ContainerOut,
    tag="containers",
)
def release(code: str):
    bottle = _staff_action(code)
    ledger.release(db.session, unit(), g.user, bottle)
    return _full(bottle)


@endpoint(
    "POST",
    "/containers/{code}/discard",
    "Discard a container, with the reason",
    roles=STAFF,
    body=WithReason,
    response=ContainerOut,
    tag="containers",
)
def discard(code: str, body: WithReason):
    bottle = _staff_action(code)
    ledger.discard(db.session, unit(), g.user, bottle, body.reason)
    return _full(bottle)


@endpoint(
    "POST",
    "/containers/{code}/return",
    "Return a container to the family",
    roles=STAFF,
    response=ContainerOut,
    tag="containers",
)
def return_to_family(code: str):
    bottle = _staff_action(code)
    ledger.return_to_family(db.session, unit(), g.user, bottle)
    return _full(bottle)


@endpoint(
    "POST",
    "/containers/{code}/split",
    "Split a container into portions",
    roles=STAFF,
    body=Split,
    response=ContainerList,
    status=201,
    tag="containers",
)
def split(code: str, body: Split):
    bottle = _staff_action(code)
    children = ledger.split(db.session, unit(), g.user, bottle, body.volumes_ml)
    db.session.flush()
    return {"containers": [serialize.container(child) for child in children]}


@endpoint(
    "POST",
    "/containers/combine",
    "Combine (pool) one baby's containers into one",
    roles=STAFF,
    body=Combine,
    response=ContainerOut,
    status=201,
    tag="containers",
)
def combine(body: Combine):
    sources = ledger.lock_all(db.session, g.user, body.codes)
    child = ledger.combine(
        db.session, unit(), g.user, sources, get_location(db.session, body.location_code)
    )
    return _full(child)
