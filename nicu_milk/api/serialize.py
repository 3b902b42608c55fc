"""JSON views of the unit's records, as the API answers them (times in UTC with Z).

The fields are declared once, in responses.py: each record is read through its response model
(`model_validate(..., from_attributes=True)`), which also writes times, volumes and dates the
API's way. The views below only say where a field is not the record's attribute of that name:
a container's infant_mrn is its infant's MRN, a feed's user is the nurse's username.
"""

from __future__ import annotations

from ..checks import Reason, Verdict
from ..models import CheckAttempt, Container, Feed, Infant, StorageLocation, User
from ..runtime import policy
from ..services.storage import expiry_reason
from .responses import (
    ContainerOut,
    ContainerSummary,
    DischargeItemOut,
    FeedRecord,
    InfantOut,
    LocationOut,
    NearMissOut,
    ReasonOut,
    UserOut,
    ml,
    when,
)

__all__ = [
    "container",
    "discharge_item",
    "feed",
    "infant",
    "location",
    "ml",
    "near_miss",
    "user",
    "verdict",
    "when",
]


class _View:
    """A record under the API's names: what a view does not define is the record's own."""

    def __init__(self, record):
        self._record = record

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._record, name)


def _along(*path: str) -> property:
    """A field read along a path of the record's attributes: None where the path stops."""

    def read(view: _View):
        value = view._record
        for name in path:
            if value is None:
                return None
            value = getattr(value, name)
        return value

    return property(read)


class _Location(_View):
    parent_code = _along("parent", "code")


class _Mother(_View):
    @property
    def held(self):
        return self._record.hold_reason is not None


class _Infant(_View):
    def __init__(self, baby: Infant, siblings: list[Infant] | None):
        super().__init__(baby)
        self.siblings = None if siblings is None else [sibling.mrn for sibling in siblings]
        self.mother = _Mother(baby.mother)


class _Event(_View):
    user = _along("user", "username")


class _Container(_View):
    infant_mrn = _along("infant", "mrn")
    infant_name = _along("infant", "full_name")
    location_code = _along("location", "code")

    @property
    def expiry_reason(self):
        return expiry_reason(self._record, policy())

    @property
    def hold_reason(self):
        bottle = self._record
        return (bottle.hold_reason or bottle.mother.hold_reason) if bottle.held else None

    @property
    def parents(self):
        return [parent.code for parent in self._record.parents]

    @property
    def events(self):
        return [_Event(event) for event in self._record.events]


class _DischargeItem(_Container):
    def __init__(self, item):
        super().__init__(item.container)
        self.returnable = item.returnable
        self.discharge_note = item.note


class _Feed(_View):
    container_code = _along("container", "code")
    infant_mrn = _along("infant", "mrn")
    user = _along("user", "username")
    witness = _along("witness", "username")

    @property
    def acknowledged_warnings(self):
        return list(self._record.acknowledged)


class _User(_View):
    @property
    def infant_mrns(self):
        return [baby.mrn for baby in self._record.infants]


class _NearMiss(_View):
    user = _along("user", "username")


def location(place: StorageLocation) -> dict:
    return LocationOut.model_validate(_Location(place)).model_dump()


def infant(baby: Infant, *, siblings: list[Infant] | None = None) -> dict:
    return InfantOut.model_validate(_Infant(baby, siblings)).model_dump()


def container(bottle: Container, *, full: bool = True) -> dict:
    """The container; `full` adds lineage and history, left out at the bedside for speed."""
    model = ContainerOut if full else ContainerSummary
    return model.model_validate(_Container(bottle)).model_dump()


def discharge_item(item) -> dict:
    """A bottle on the discharge list (services.families.DischargeItem), marked."""
    return DischargeItemOut.model_validate(_DischargeItem(item)).model_dump()


def reason(item: Reason) -> dict:
    return ReasonOut.model_validate(item).model_dump()


def verdict(result: Verdict) -> dict:
    return {"verdict": result.outcome, "reasons": [reason(item) for item in result.reasons]}


def feed(given: Feed) -> dict:
    return FeedRecord.model_validate(_Feed(given)).model_dump()


def near_miss(attempt: CheckAttempt) -> dict:
    return NearMissOut.model_validate(_NearMiss(attempt)).model_dump()


def user(account: User) -> dict:
    return UserOut.model_validate(_User(account)).model_dump()
