"""Storage locations: units, fridges and freezers, their shelves and bins."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidInput, NotFound
from ..identifiers import require_identifier, require_name
from ..models import IN_INVENTORY, Container, StorageLocation


def get_location(session: Session, code: str) -> StorageLocation:
    location = session.scalars(
        select(StorageLocation).where(StorageLocation.code == code.strip())
    ).first()
    if location is None:
        raise NotFound("UNKNOWN_LOCATION", f"No storage location with code {code.strip()!r}.")
    return location


def create_location(
    session: Session, code: str, name: str, kind: str | None, parent_code: str | None
) -> StorageLocation:
    # Its code goes into a barcode, an address and a file name: one strict format.
    require_identifier("The location code", code, "INVALID_CODE")
    require_name("The location's name", name)
    if session.scalars(select(StorageLocation).where(StorageLocation.code == code)).first():
        raise Conflict("DUPLICATE_LOCATION", f"A location with code {code!r} already exists.")
    if parent_code is None:
        if kind is None:
            raise InvalidInput(
                "KIND_REQUIRED",
                "A top-level location needs a kind: refrigerator, freezer, deep_freezer or room.",
            )
        location = StorageLocation(code=code, name=name, kind=kind)
    else:
        try:
            parent = get_location(session, parent_code)
        except NotFound as missing:
            raise InvalidInput("UNKNOWN_PARENT", missing.message) from None
        if kind is not None and kind != parent.kind:
            raise InvalidInput(
                "KIND_INHERITED",
                f"A shelf or bin takes its kind from {parent.name} ({parent.kind}); "
                "leave kind out.",
            )
        location = StorageLocation(code=code, name=name, kind=parent.kind, parent=parent)
    session.add(location)
    session.flush()
    return location


def list_locations(session: Session) -> list[StorageLocation]:
    return list(session.scalars(select(StorageLocation).order_by(StorageLocation.code)))


def contents(session: Session, location: StorageLocation) -> list[Container]:
    """What is stored here, on this shelf and the shelves and bins below it."""
    ids, frontier = [location.id], [location.id]
    while frontier:
        frontier = list(
            session.scalars(
                select(StorageLocation.id).where(StorageLocation.parent_id.in_(frontier))
            )
        )
        ids.extend(frontier)
    return list(
        session.scalars(
            select(Container)
            .where(Container.location_id.in_(ids), Container.state.in_(IN_INVENTORY))
            .order_by(Container.expires_at, Container.code)
        )
    )
