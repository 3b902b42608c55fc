"""The bedside feeding check: a wristband and a container in, go / warn / stop and every reason out.

Pure, like the policy: the facts and `now` are passed in, so the API, the scan page and the
reports all ask the same function.

Each reason has a severity. A stop cannot be overridden; each warning is ticked, one by one;
advice (which bottle to use first) is shown and leaves the verdict at go. A warning that fired
on most correct feeds would teach nurses to tick without reading, so only real hazards warn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from . import usable
from .policy import Policy, when_text
from .vocabulary import CONTAINER_STATES, GONE, ON_HAND, ContainerState

Severity = Literal["advice", "warn", "stop"]
Outcome = Literal["go", "warn", "stop"]
FEEDABLE_STATES = frozenset(usable.FEEDABLE)

# domain.md's table, in its order, which is also the order reasons of one severity are shown in.
# SIBLING's severity here is the default; the policy decides it.
REASON_CODES: dict[str, Severity] = {
    "INVALID_CODE": "stop",
    "UNKNOWN_BOTTLE": "stop",
    "UNKNOWN_INFANT": "stop",
    "WRONG_INFANT": "stop",
    "SIBLING": "warn",
    "NOT_RECEIVED": "stop",
    "FROZEN": "stop",
    "EXPIRED": "stop",
    "HELD": "stop",
    "DISCARDED": "stop",
    "CONSUMED": "stop",
    "RETURNED": "stop",
    "DONOR_CONSENT_MISSING": "stop",
    "INFANT_DISCHARGED": "stop",
    "EXPIRES_SOON": "warn",
    "USE_FIRST": "advice",
}
_ORDER = {code: index for index, code in enumerate(REASON_CODES)}
_RANK = {"stop": 0, "warn": 1, "advice": 2}


@dataclass(frozen=True)
class InfantFacts:
    mrn: str
    mother_mrn: str
    admitted: bool
    donor_milk_consent: bool
    name: str = ""


@dataclass(frozen=True)
class ContainerFacts:
    code: str
    infant_mrn: str
    mother_mrn: str
    milk_type: str
    state: ContainerState
    held: bool
    expires_at: dt.datetime | None
    colostrum: bool
    # Why it is held, when it is: the nurse at the bedside is told.
    hold_reason: str | None = None

    def __post_init__(self):
        # An unknown state must not fall through the rules below to a go.
        if self.state not in CONTAINER_STATES:
            raise ValueError(f"container state is one of {CONTAINER_STATES}, not {self.state!r}")
        if self.expires_at is not None and self.expires_at.utcoffset() is None:
            raise ValueError(f"expires_at must be timezone-aware: {self.expires_at!r}")


@dataclass(frozen=True)
class Unresolved:
    """A scan that did not resolve to a record."""

    code: Literal["INVALID_CODE", "UNKNOWN_BOTTLE", "UNKNOWN_INFANT"]
    scanned: str
    hint: str = ""


@dataclass(frozen=True)
class Reason:
    code: str
    severity: Severity
    message: str  # what is wrong and what to do, for a nurse at the bedside
    # For USE_FIRST: the code of the container to use instead.
    use_instead: str | None = None


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reasons: tuple[Reason, ...]

    @classmethod
    def of(cls, reasons: Iterable[Reason]) -> Verdict:
        """The verdict these reasons add up to: stops first, then warnings, then advice.

        Advice never changes the outcome. A stop carries no advice: advice is about which of
        the baby's good bottles to feed, and beside a stop it would read as leave to feed.
        """
        ordered = sorted(
            reasons, key=lambda r: (_RANK[r.severity], _ORDER.get(r.code, len(_ORDER)))
        )
        severities = {reason.severity for reason in ordered}
        outcome = "stop" if "stop" in severities else "warn" if "warn" in severities else "go"
        if outcome == "stop":
            ordered = [reason for reason in ordered if reason.severity != "advice"]
        return cls(outcome, tuple(ordered))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(reason.code for reason in self.reasons)

    @property
    def stops(self) -> tuple[Reason, ...]:
        return tuple(reason for reason in self.reasons if reason.severity == "stop")

    @property
    def warnings(self) -> tuple[Reason, ...]:
        return tuple(reason for reason in self.reasons if reason.severity == "warn")

    @property
    def advice(self) -> tuple[Reason, ...]:
        return tuple(reason for reason in self.reasons if reason.severity == "advice")

    @property
    def near_miss(self) -> bool:
        """A stopped or warned attempt is kept as a near miss; advice alone is not one."""
        return self.outcome != "go"


def _in_words(delta: dt.timedelta) -> str:
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _baby(infant: InfantFacts) -> str:
    # Two identifiers where we have them: the name and the MRN.
    return f"{infant.name} (MRN {infant.mrn})" if infant.name else f"this baby (MRN {infant.mrn})"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _stop(code: str, message: str) -> Reason:
    return Reason(code, "stop", message)


def _warn(code: str, message: str) -> Reason:
    return Reason(code, "warn", message)


def _unresolved_reason(scan: Unresolved, what: str) -> Reason:
    hint = f" {scan.hint}" if scan.hint else ""
    if scan.code == "INVALID_CODE":
        message = (
            f"The {what} scan {scan.scanned!r} is not a valid code.{hint} Scan it again; if the "
            "barcode is damaged, type the code only with a second nurse as witness."
        )
    elif scan.code == "UNKNOWN_INFANT":
        message = (
            f"No baby with the code {scan.scanned!r} is on record.{hint} Check that you scanned "
            "the baby's wristband, and ask the charge nurse if the baby is not registered."
        )
    else:
        message = (
            f"No milk container {scan.scanned!r} is on record.{hint} Do not feed it; take it to "
            "the milk room or the charge nurse."
        )
    return _stop(scan.code, message)


def _container_reasons(
    container: ContainerFacts, now: dt.datetime, policy: Policy
) -> Iterator[Reason]:
    """What is wrong with the container itself, whoever it is fed to."""
    code = container.code
    state = container.state
    if state == "reserved":
        yield _stop(
            "NOT_RECEIVED",
            f"Container {code} is a pre-printed label that was never received. Do not feed "
            "it; receive the milk first (check its label and expression time).",
        )
    elif state == "frozen":
        yield _stop(
            "FROZEN",
            f"Container {code} is recorded as frozen. Do not feed it; thaw it and record the "
            "thaw first.",
        )
    elif state in GONE:
        yield _stop(
            state.upper(),
            f"Container {code} is recorded as {state} and is no longer in inventory. Do not "
            "feed it; take it to the milk room or the charge nurse.",
        )
    if container.expires_at is not None:
        expires = when_text(container.expires_at, policy.zone)
        left = container.expires_at - now
        if left <= dt.timedelta(0):
            yield _stop(
                "EXPIRED",
                f"Container {code} expired at {expires}. Do not feed it; discard it and record "
                "the discard.",
            )
        elif left <= policy.expires_soon:
            yield _warn(
                "EXPIRES_SOON",
                f"Container {code} expires at {expires}, in "
                f"{_in_words(left)}. Feed it now only if the feed will finish before then.",
            )
    elif state in ON_HAND:
        # Milk in inventory always has an expiry; without one it cannot be shown to be safe.
        yield _stop(
            "EXPIRED",
            f"Container {code} has no expiry on record. Do not feed it; take it to the charge "
            "nurse.",
        )
    if container.held:
        why = (
            f": {container.hold_reason.rstrip('.')}." if container.hold_reason else " (quarantine)."
        )
        yield _stop(
            "HELD",
            f"Container {code} is on hold{why} Do not feed it; keep it until the hold "
            "is released, and ask the charge nurse.",
        )


def _same_mother(container: ContainerFacts, infant: InfantFacts) -> bool:
    # An unknown mother is no evidence of a sibling; treat it as another family's milk. Donor
    # milk is nobody's mother's milk: a twin's donor milk is another baby's milk.
    return (
        container.milk_type == "MOM"
        and bool(container.mother_mrn)
        and container.mother_mrn == infant.mother_mrn
    )


def _goes_before(other: ContainerFacts, this: ContainerFacts) -> bool:
    if other.colostrum != this.colostrum:
        return other.colostrum
    if other.expires_at is None:
        return False
    return this.expires_at is None or other.expires_at < this.expires_at


def _first_key(container: ContainerFacts):
    # Colostrum first, then the earliest expiry; the code keeps the choice stable.
    return (not container.colostrum, container.expires_at, container.code)


def is_usable(
    container: ContainerFacts, infant: InfantFacts, now: dt.datetime, policy: Policy
) -> bool:
    """Whether this container could be fed to this infant now (nicu_milk.usable's rule)."""
    return container.infant_mrn == infant.mrn and usable.is_usable(
        state=container.state,
        held=container.held,
        expires_at=container.expires_at,
        donor_milk=container.milk_type == "DHM",
        consent=infant.donor_milk_consent,
        now=now,
    )


def pick_first(
    candidates: Iterable[ContainerFacts], infant: InfantFacts, now: dt.datetime, policy: Policy
) -> ContainerFacts | None:
    """The usable container that should be fed first: colostrum, then the earliest expiry."""
    usable = [c for c in candidates if is_usable(c, infant, now, policy)]
    return min(usable, key=_first_key, default=None)


def check_feed(
    infant: InfantFacts | Unresolved,
    container: ContainerFacts | Unresolved,
    others: Iterable[ContainerFacts],
    now: dt.datetime,
    policy: Policy,
) -> Verdict:
    """Every reason not to feed this container to this infant now, and the verdict they add to.

    `others` are the infant's other containers, for USE_FIRST; the scanned one may be among them.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    reasons: list[Reason] = []
    if isinstance(infant, Unresolved):
        reasons.append(_unresolved_reason(infant, "wristband"))
    elif not infant.admitted:
        reasons.append(
            _stop(
                "INFANT_DISCHARGED",
                f"{_sentence(_baby(infant))} is not admitted. Do not feed; check the wristband "
                "and ask the charge nurse.",
            )
        )
    if isinstance(container, Unresolved):
        reasons.append(_unresolved_reason(container, "container"))
    else:
        reasons.extend(_container_reasons(container, now, policy))

    if isinstance(infant, InfantFacts) and isinstance(container, ContainerFacts):
        reasons.extend(_pairing_reasons(infant, container, others, now, policy))
    return Verdict.of(reasons)


def _pairing_reasons(
    infant: InfantFacts,
    container: ContainerFacts,
    others: Iterable[ContainerFacts],
    now: dt.datetime,
    policy: Policy,
) -> Iterator[Reason]:
    """What is wrong with this container for this infant."""
    code = container.code
    if container.infant_mrn != infant.mrn:
        if _same_mother(container, infant):
            yield Reason(
                "SIBLING",
                policy.sibling_severity,
                f"Container {code} is this baby's mother's milk, but it is labelled for a "
                f"sibling (MRN {container.infant_mrn}), not for {_baby(infant)}. "
                + (
                    "Do not feed it; give it to the sibling it is labelled for."
                    if policy.sibling_severity == "stop"
                    else "Feed it only if that is intended; otherwise give it to the sibling."
                ),
            )
        else:
            yield _stop(
                "WRONG_INFANT",
                f"This milk is labelled for another baby (MRN {container.infant_mrn}), not for "
                f"{_baby(infant)}. Do not feed it; return it to the milk room and tell the "
                "charge nurse.",
            )
    if container.milk_type == "DHM" and not infant.donor_milk_consent:
        yield _stop(
            "DONOR_CONSENT_MISSING",
            f"Container {code} is donor milk, and there is no donor-milk consent on record for "
            f"{_baby(infant)}. Do not feed it; ask the charge nurse to check consent with the "
            "family.",
        )
    if container.infant_mrn == infant.mrn:
        better = pick_first(
            (other for other in others if other.code != code and _goes_before(other, container)),
            infant,
            now,
            policy,
        )
        if better is not None:
            why = (
                "it is colostrum"
                if better.colostrum and not container.colostrum
                else f"it expires earlier, at {when_text(better.expires_at, policy.zone)}"
            )
            yield Reason(
                "USE_FIRST",
                "advice",
                f"Use container {better.code} first if you can: {why}.",
                use_instead=better.code,
            )
