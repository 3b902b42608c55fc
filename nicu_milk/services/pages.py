"""What the pages ask that the API does not: lookups for scan boxes, searches, freezer maps,
the discharge list, and the admin's small account changes (deactivate, link a parent)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from .. import names
from ..errors import Conflict, InvalidInput, NotFound
from ..models import IN_INVENTORY, ON_HAND, Container, ContainerEvent, Infant, StorageLocation, User
from . import accounts, families

SEARCH_LIMIT = 25


# --- babies ---------------------------------------------------------------------------------


def infant_by_wristband(session: Session, scanned: str) -> Infant | None:
    return families.infant_by_wristband(session, scanned)


def search_infants(session: Session, text: str) -> list[Infant]:
    """Babies by scanned wristband, MRN, or part of a name; exact matches first.

    A name is matched without regard to accents or case ("zoe" finds Zoë Müller), against the
    folded name stored beside it, so the database needs no collation or extension for it.
    """
    text = text.strip()
    if not text:
        return []
    exact = list(
        session.scalars(
            select(Infant).where(or_(Infant.mrn == text, Infant.wristband_code == text))
        )
    )
    found = {infant.id: infant for infant in exact}
    folded = names.search_form(text)
    if folded:
        named = session.scalars(
            select(Infant)
            .where(Infant.search_name.icontains(folded, autoescape=True))
            .order_by(Infant.admitted.desc(), Infant.last_name, Infant.first_name)
            .limit(SEARCH_LIMIT)
        )
        for infant in named:
            found.setdefault(infant.id, infant)
    return list(found.values())[:SEARCH_LIMIT]


def infants(session: Session, *, admitted_only: bool = False) -> list[Infant]:
    query = select(Infant).options(joinedload(Infant.mother))
    if admitted_only:
        query = query.where(Infant.admitted)
    return list(
        session.scalars(query.order_by(Infant.admitted.desc(), Infant.last_name, Infant.first_name))
    )


def stock_of(session: Session, infant: Infant) -> list[Container]:
    """A baby's milk still in the unit (reserved labels included), soonest expiry first."""
    return list(
        session.scalars(
            select(Container)
            .options(joinedload(Container.location).joinedload(StorageLocation.parent))
            .where(Container.infant_id == infant.id, Container.state.in_(IN_INVENTORY))
            .order_by(Container.state == "reserved", Container.expires_at, Container.code)
        )
    )


def reserved_of(session: Session, infant: Infant) -> list[Container]:
    return list(
        session.scalars(
            select(Container)
            .where(Container.infant_id == infant.id, Container.state == "reserved")
            .order_by(Container.code)
        )
    )


def expiring_of(session: Session, infant: Infant, until: dt.datetime) -> list[Container]:
    """The baby's stored milk that expires before `until` (already expired included)."""
    return list(
        session.scalars(
            select(Container)
            .where(
                Container.infant_id == infant.id,
                Container.state.in_(ON_HAND),
                Container.expires_at <= until,
            )
            .order_by(Container.expires_at, Container.code)
        )
    )


@dataclass
class DischargeRow:
    infant: Infant
    containers: int
    volume_ml: Decimal


def discharge_list(session: Session) -> list[DischargeRow]:
    """Discharged babies whose mother's milk is still here: to send home or discard."""
    rows = session.execute(
        select(Infant, func.count(Container.id), func.coalesce(func.sum(Container.remaining_ml), 0))
        .join(Container, Container.infant_id == Infant.id)
        .where(~Infant.admitted, Container.state.in_(ON_HAND))
        .group_by(Infant.id)
        .order_by(Infant.discharged_at.desc(), Infant.last_name)
    ).all()
    return [DischargeRow(infant, count, Decimal(total)) for infant, count, total in rows]


@dataclass
class HistoryLine:
    """A bottle's event with the records its details name: the place, the baby fed, the witness."""

    event: ContainerEvent
    place: StorageLocation | None
    baby: Infant | None
    witness: User | None


def history(session: Session, container: Container) -> list[HistoryLine]:
    """The bottle's events, newest first, naming places and people rather than their codes."""
    events = sorted(container.events, key=lambda event: event.id, reverse=True)
    wanted = {
        key: {event.details.get(key) for event in events} - {None}
        for key in ("location", "infant", "witness")
    }
    places = (
        {
            place.code: place
            for place in session.scalars(
                select(StorageLocation).where(StorageLocation.code.in_(wanted["location"]))
            )
        }
        if wanted["location"]
        else {}
    )
    babies = (
        {
            baby.mrn: baby
            for baby in session.scalars(select(Infant).where(Infant.mrn.in_(wanted["infant"])))
        }
        if wanted["infant"]
        else {}
    )
    witnesses = (
        {
            user.username: user
            for user in session.scalars(select(User).where(User.username.in_(wanted["witness"])))
        }
        if wanted["witness"]
        else {}
    )
    return [
        HistoryLine(
            event,
            places.get(event.details.get("location")),
            babies.get(event.details.get("infant")),
            witnesses.get(event.details.get("witness")),
        )
        for event in events
    ]


# --- storage --------------------------------------------------------------------------------


def location_choices(session: Session) -> list[tuple[str, str, str]]:
    """(code, path, kind) of every storage place, ordered by path, for pick lists."""
    places = (
        session.scalars(select(StorageLocation).options(joinedload(StorageLocation.parent)))
        .unique()
        .all()
    )
    return sorted(((p.code, p.path, p.kind) for p in places), key=lambda row: row[1].casefold())


@dataclass
class Shelf:
    location: StorageLocation
    depth: int
    containers: list[Container]


def storage_map(session: Session, location: StorageLocation) -> list[Shelf]:
    """The place and every shelf and bin below it, each with the milk it holds."""
    shelves: list[Shelf] = []

    def walk(place: StorageLocation, depth: int) -> None:
        shelves.append(Shelf(place, depth, []))
        for child in sorted(place.children, key=lambda c: (c.name.casefold(), c.code)):
            walk(child, depth + 1)

    walk(location, 0)
    by_id = {shelf.location.id: shelf for shelf in shelves}
    held = session.scalars(
        select(Container)
        .options(joinedload(Container.infant))
        .where(Container.location_id.in_(list(by_id)), Container.state.in_(IN_INVENTORY))
        .order_by(Container.expires_at, Container.code)
    )
    for container in held:
        by_id[container.location_id].containers.append(container)
    return shelves


@dataclass
class StorageUnit:
    location: StorageLocation
    containers: int
    expired: int


def storage_units(session: Session, now: dt.datetime) -> list[StorageUnit]:
    """Every top-level fridge, freezer and bedside place, with how much it holds."""
    places = list(session.scalars(select(StorageLocation)))
    top: dict[int, int] = {}
    for place in places:
        top[place.id] = place.storage_unit.id
    counts: dict[int, list[int]] = {}
    for location_id, expires_at in session.execute(
        select(Container.location_id, Container.expires_at).where(
            Container.state.in_(IN_INVENTORY), Container.location_id.is_not(None)
        )
    ):
        tally = counts.setdefault(top[location_id], [0, 0])
        tally[0] += 1
        tally[1] += expires_at is not None and expires_at <= now
    units = [place for place in places if place.parent_id is None]
    return [
        StorageUnit(place, *counts.get(place.id, [0, 0]))
        for place in sorted(units, key=lambda p: (p.name.casefold(), p.code))
    ]


# --- accounts -------------------------------------------------------------------------------


def users(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .options(joinedload(User.infants))
            .order_by(User.active.desc(), User.username)
        ).unique()
    )


def user_named(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound("UNKNOWN_USER", f"No user {username!r}.")
    return user


def set_active(session: Session, admin: User, user: User, active: bool, now: dt.datetime) -> None:
    """Deactivate (signing the user out everywhere) or reactivate an account."""
    if not active and user.id == admin.id:
        raise Conflict("OWN_ACCOUNT", "You cannot deactivate your own account.")
    user.active = active
    if not active:
        accounts.revoke_all(session, user, now)
        accounts.end_sessions(user)


def link_parent(session: Session, user: User, infant: Infant) -> None:
    if user.role != "parent":
        raise InvalidInput("NOT_A_PARENT", "Only a parent account is linked to babies.")
    if any(linked.id == infant.id for linked in user.infants):
        raise Conflict(
            "ALREADY_LINKED", f"{user.username} is already linked to {infant.full_name}."
        )
    user.infants.append(infant)


def unlink_parent(session: Session, user: User, infant: Infant) -> None:
    if not any(linked.id == infant.id for linked in user.infants):
        raise Conflict("NOT_LINKED", f"{user.username} is not linked to {infant.full_name}.")
    user.infants.remove(infant)
