"""The expiry policy: domain.md's table as data, a TOML override, and the fold that turns a
container's history into its expiry. Pure: no framework, no database, `now` is never read.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from .coldchain import (
    DEFAULT_COLD_CHAIN,
    ColdChainConfigError,
    ColdChainPolicy,
    cold_chain_from_table,
    describe_cold_chain,
)
from .vocabulary import ON_HAND, LocationKind

StorageClass = LocationKind
# The milk itself: a container on hand (vocabulary.ON_HAND).
MilkState = Literal[ON_HAND]  # type: ignore[valid-type]
MilkType = Literal["MOM", "DHM"]
SpanUnit = Literal["hours", "days", "months"]
SiblingSeverity = Literal["warn", "stop"]

STORAGE_CLASSES: tuple[str, ...] = get_args(StorageClass)
FREEZER_CLASSES = frozenset({"freezer", "deep_freezer"})
MILK_STATES: tuple[str, ...] = get_args(MilkState)
SPAN_UNITS: tuple[str, ...] = get_args(SpanUnit)

UTC = dt.UTC


class PolicyError(ValueError):
    """A policy file that cannot be used; the text names the file, the key and what is allowed."""

    def __init__(self, source: str, key: str | None, problem: str):
        self.source = source
        self.key = key
        self.problem = problem
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {problem}")


class LifecycleError(ValueError):
    """A step the milk's state forbids (refreezing thawed milk, fortifying frozen milk, ...)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _aware(moment: dt.datetime, what: str) -> dt.datetime:
    """The same instant in UTC; a naive time is refused, because its zone would be a guess."""
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"{what} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware: {moment!r}")
    return moment.astimezone(UTC)


def _add_months(start: dt.datetime, months: int, zone: ZoneInfo) -> dt.datetime:
    local = start.astimezone(zone)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    # 31 Aug + 6 months is the last day of February, not a day in March.
    day = min(local.day, calendar.monthrange(year, month)[1])
    # fold=0: a wall time skipped or repeated by a clock change takes zoneinfo's first reading.
    return local.replace(year=year, month=month, day=day, fold=0).astimezone(UTC)


@dataclass(frozen=True)
class Span:
    """A length of storage time: exact hours or days, or calendar months on the unit's clock."""

    amount: int
    unit: SpanUnit

    def __post_init__(self):
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise ValueError(f"a span needs a positive whole amount, not {self.amount!r}")
        if self.unit not in SPAN_UNITS:
            raise ValueError(f"a span's unit is one of {', '.join(SPAN_UNITS)}, not {self.unit!r}")

    def add(self, start: dt.datetime, zone: ZoneInfo) -> dt.datetime:
        """The moment this span after `start` ends, in UTC."""
        start = _aware(start, "start")
        if self.unit == "months":
            return _add_months(start, self.amount, zone)
        # Elapsed time, so a limit in hours is exact across a daylight-saving change.
        return start + dt.timedelta(**{self.unit: self.amount})

    def __str__(self) -> str:
        if self.unit == "months":
            return f"{self.amount} month" + ("" if self.amount == 1 else "s")
        return f"{self.amount} {'h' if self.unit == 'hours' else 'd'}"


RULES: tuple[str, ...] = (
    "fresh_room",
    "fresh_refrigerator",
    "frozen_freezer",
    "frozen_deep_freezer",
    "thawed_mom",
    "thawed_dhm",
    "fortified",
    "hang_time",
)
DONOR_LOT = "donor_lot"

DEFAULT_LIMITS: Mapping[str, Span] = MappingProxyType(
    {
        "fresh_room": Span(4, "hours"),
        "fresh_refrigerator": Span(48, "hours"),
        "frozen_freezer": Span(6, "months"),
        "frozen_deep_freezer": Span(12, "months"),
        "thawed_mom": Span(24, "hours"),
        "thawed_dhm": Span(48, "hours"),
        "fortified": Span(24, "hours"),
        "hang_time": Span(4, "hours"),
    }
)
DEFAULT_EXPIRES_SOON = dt.timedelta(hours=1)
DEFAULT_SIBLING_SEVERITY: SiblingSeverity = "warn"
DEFAULT_LOW_SUPPLY_DAYS = 2.0
DEFAULT_SOURCE = "built-in default (domain.md)"

# For people: what each rule covers and the moment it counts from (domain.md's columns).
RULE_DESCRIPTIONS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "fresh_room": ("fresh milk at room temperature", "expression"),
        "fresh_refrigerator": ("fresh milk in a refrigerator (<= 4 °C)", "expression"),
        "frozen_freezer": ("frozen milk in a freezer (<= -20 °C)", "expression"),
        "frozen_deep_freezer": ("frozen milk in a deep freezer (<= -70 °C)", "expression"),
        "thawed_mom": ("thawed mother's own milk (MOM)", "thaw completed"),
        "thawed_dhm": ("thawed donor milk (DHM)", "thaw completed"),
        "fortified": ("fortified milk", "fortification"),
        "hang_time": ("feeding begun (hang time)", "first feed"),
    }
)
_STORAGE_WORDS = {
    "room": "at room temperature",
    "refrigerator": "in refrigerator",
    "freezer": "in freezer",
    "deep_freezer": "in deep freezer",
}
# Not strftime's %b, which follows the process locale.
_MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec"


@dataclass(frozen=True)
class Policy:
    """The unit's expiry limits and feeding-check settings."""

    limits: Mapping[str, Span]
    expires_soon: dt.timedelta = DEFAULT_EXPIRES_SOON
    sibling_severity: SiblingSeverity = DEFAULT_SIBLING_SEVERITY
    low_supply_days: float = DEFAULT_LOW_SUPPLY_DAYS
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    source: str = DEFAULT_SOURCE
    # Temperature limits per kind of storage unit; they hold milk but never change an expiry,
    # so they are not part of the fingerprint.
    cold_chain: ColdChainPolicy = DEFAULT_COLD_CHAIN

    def __post_init__(self):
        missing = [rule for rule in RULES if rule not in self.limits]
        unknown = sorted(set(self.limits) - set(RULES))
        if missing or unknown:
            raise ValueError(f"policy limits: missing {missing}, unknown {unknown}")
        if not all(isinstance(span, Span) for span in self.limits.values()):
            raise TypeError("policy limits must be Span values")
        # Read-only, so a policy shared by every request cannot be changed by one of them.
        object.__setattr__(
            self, "limits", MappingProxyType({rule: self.limits[rule] for rule in RULES})
        )
        if self.expires_soon <= dt.timedelta(0):
            raise ValueError("expires_soon must be positive")
        if self.sibling_severity not in ("warn", "stop"):
            raise ValueError(f"sibling_severity is warn or stop, not {self.sibling_severity!r}")
        if not self.low_supply_days > 0:
            raise ValueError("low_supply_days must be positive")

    def __hash__(self) -> int:
        return hash((policy_fingerprint(self), str(self.zone), self.source))

    def __reduce__(self):
        # A mapping proxy cannot be pickled or deep-copied; its dict can.
        fields = (self.expires_soon, self.sibling_severity, self.low_supply_days, self.zone)
        return (type(self), (dict(self.limits), *fields, self.source, self.cold_chain))


def default_policy(zone: ZoneInfo = ZoneInfo("UTC")) -> Policy:
    """domain.md's defaults, in the unit's time zone."""
    return Policy(limits=DEFAULT_LIMITS, zone=zone)


# --- the policy file -------------------------------------------------------------------------

_LIMIT_HELP = "must be a table with exactly one of hours, days or months, e.g. { hours = 24 }"
_SETTINGS = {
    "check": ("expires_soon_minutes", "sibling"),
    "inventory": ("low_supply_days",),
}


def _positive_number(value: object) -> bool:
    # TOML booleans are Python bools, which are ints: `true` must not mean 1.
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _parse_limit(source: str, rule: str, value: object) -> Span:
    key = f"limits.{rule}"
    if not isinstance(value, dict) or len(value) != 1:
        raise PolicyError(source, key, _LIMIT_HELP)
    ((unit, amount),) = value.items()
    if unit not in SPAN_UNITS:
        raise PolicyError(
            source, f"{key}.{unit}", f"unknown unit; allowed: {', '.join(SPAN_UNITS)}"
        )
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise PolicyError(source, f"{key}.{unit}", f"must be a positive whole number of {unit}")
    return Span(amount, unit)


def _table(source: str, document: dict, name: str) -> dict:
    table = document.get(name, {})
    if not isinstance(table, dict):
        raise PolicyError(source, name, "must be a table, e.g. [" + name + "]")
    allowed = RULES if name == "limits" else _SETTINGS[name]
    for key in table:
        if key not in allowed:
            kind = "rule" if name == "limits" else "setting"
            raise PolicyError(
                source, f"{name}.{key}", f"unknown {kind}; allowed: {', '.join(allowed)}"
            )
    return table


def parse_policy(text: str, source: str, zone: ZoneInfo) -> Policy:
    """A policy from TOML text; `source` names it in errors (see examples/policy.toml)."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(source, None, f"not valid TOML: {error}") from None
    allowed_tables = ("limits", *_SETTINGS, "cold_chain")
    for name in document:
        if name not in allowed_tables:
            raise PolicyError(source, name, f"unknown table; allowed: {', '.join(allowed_tables)}")

    limits = dict(DEFAULT_LIMITS)
    for rule, value in _table(source, document, "limits").items():
        limits[rule] = _parse_limit(source, rule, value)

    check = _table(source, document, "check")
    expires_soon = DEFAULT_EXPIRES_SOON
    if "expires_soon_minutes" in check:
        minutes = check["expires_soon_minutes"]
        if not _positive_number(minutes):
            raise PolicyError(
                source, "check.expires_soon_minutes", "must be a positive number of minutes"
            )
        expires_soon = dt.timedelta(minutes=minutes)
    sibling = check.get("sibling", DEFAULT_SIBLING_SEVERITY)
    if sibling not in ("warn", "stop"):
        raise PolicyError(source, "check.sibling", 'must be "warn" or "stop"')

    inventory = _table(source, document, "inventory")
    low_supply_days = inventory.get("low_supply_days", DEFAULT_LOW_SUPPLY_DAYS)
    if not _positive_number(low_supply_days):
        raise PolicyError(source, "inventory.low_supply_days", "must be a positive number of days")

    try:
        cold_chain = cold_chain_from_table(document.get("cold_chain", {}))
    except ColdChainConfigError as error:
        key = "cold_chain" + (f".{error.key}" if error.key else "")
        raise PolicyError(source, key, error.problem) from None

    return Policy(
        limits=limits,
        expires_soon=expires_soon,
        sibling_severity=sibling,
        low_supply_days=float(low_supply_days),
        zone=zone,
        source=source,
        cold_chain=cold_chain,
    )


def load_policy(path: str | None, zone: ZoneInfo) -> Policy:
    """The unit's policy: domain.md's defaults, overridden by the TOML file at `path` if given."""
    if path is None:
        return default_policy(zone)
    source = str(path)
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except OSError as error:
        raise PolicyError(source, None, f"cannot be read ({error.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(source, None, "is not UTF-8 text") from None
    return parse_policy(text, source, zone)


def _minutes(delta: dt.timedelta) -> str:
    return f"{delta.total_seconds() / 60:g} min"


def describe_policy(policy: Policy) -> str:
    """The policy in words, for `flask show-policy` and for the charge nurse."""
    lines = [
        f"Expiry policy from {policy.source}",
        f"Time zone: {policy.zone}",
        "Expiry is the earliest of every limit that applies:",
    ]
    width = max(len(rule) for rule in RULES)
    for rule in RULES:
        what, counted_from = RULE_DESCRIPTIONS[rule]
        span = str(policy.limits[rule])
        lines.append(f"  {rule:<{width}}  {span:>9} from {counted_from:<14}  {what}")
    lines += [
        f"  {DONOR_LOT:<{width}}  the milk bank's expiry date printed on the lot",
        f"  {'refreeze':<{width}}  never: thawed milk is refused by a freezer",
        "Feeding check:",
        f"  EXPIRES_SOON warning: within {_minutes(policy.expires_soon)} of expiry",
        f"  milk labelled for a sibling: {policy.sibling_severity}",
        "Inventory:",
        f"  low supply: under {policy.low_supply_days:g} days of supply",
        *describe_cold_chain(policy.cold_chain),
        f"Fingerprint: {policy_fingerprint(policy)}",
    ]
    return "\n".join(lines)


def policy_fingerprint(policy: Policy) -> str:
    """A short hash of the rules and settings, to find expiries cached under another policy."""
    canonical = {
        "limits": {rule: [span.amount, span.unit] for rule, span in policy.limits.items()},
        "expires_soon_seconds": policy.expires_soon.total_seconds(),
        "sibling": policy.sibling_severity,
        "low_supply_days": float(policy.low_supply_days),
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- history and expiry ----------------------------------------------------------------------


def when_text(moment: dt.datetime, zone: ZoneInfo, *, year: bool = False) -> str:
    """A moment for people, on the unit's clock: "28 Nov 14:05 CST"."""
    local = moment.astimezone(zone)
    day = f"{local.day} {_MONTHS[3 * local.month - 3 : 3 * local.month]}" + (
        f" {local.year}" if year else ""
    )
    return f"{day} {local:%H:%M} {local.tzname()}"


@dataclass(frozen=True)
class Limit:
    """One limit in force: the rule, the moment it counts from, and when it runs out."""

    rule: str
    counted_from: dt.datetime | None
    expires_at: dt.datetime

    def __post_init__(self):
        if self.rule not in RULES and self.rule != DONOR_LOT:
            raise ValueError(f"unknown expiry rule {self.rule!r}")
        if (self.counted_from is None) != (self.rule == DONOR_LOT):
            raise ValueError("counted_from is None for the donor lot only")
        object.__setattr__(self, "expires_at", _aware(self.expires_at, "expires_at"))
        if self.counted_from is not None:
            object.__setattr__(self, "counted_from", _aware(self.counted_from, "counted_from"))

    def reason(self, policy: Policy) -> str:
        """For people, in the unit's time zone: "thawed 28 Nov 14:05 CST + 24 h"."""
        zone = policy.zone
        if self.rule == DONOR_LOT:
            return f"donor lot expiry {when_text(self.expires_at, zone, year=True)}"
        verb = {
            "thawed_mom": "thawed",
            "thawed_dhm": "thawed",
            "fortified": "fortified",
            "hang_time": "first feed",
        }.get(self.rule, "expressed")
        storage = self.rule.partition("_")[2] if self.rule.startswith(("fresh_", "frozen_")) else ""
        where = f" {_STORAGE_WORDS[storage]}" if storage else ""
        start = f"{verb} {when_text(self.counted_from, zone)}"
        span = policy.limits[self.rule]
        if span.add(self.counted_from, zone) == self.expires_at:
            return f"{start} + {span}{where}"
        # Inherited from a parent under an earlier policy: the span shown would not add up.
        return f"{start}{where}, until {when_text(self.expires_at, zone, year=True)}"


@dataclass(frozen=True)
class Stored:
    """The milk was placed in a location of this class (receipt, move, combine target)."""

    at: dt.datetime
    storage_class: StorageClass

    def __post_init__(self):
        _check_step(self)


@dataclass(frozen=True)
class Thawed:
    """The thaw completed at `at`; the milk is now in a refrigerator or at room temperature."""

    at: dt.datetime
    storage_class: StorageClass
    # Milk a freezer's temperature excursion treats as thawed: its thawed limit counts from the
    # excursion's start, earlier than the thaw recorded now (interop.md, "Cold chain").
    counted_from: dt.datetime | None = None

    def __post_init__(self):
        _check_step(self)
        if self.counted_from is not None:
            counted_from = _aware(self.counted_from, "Thawed.counted_from")
            object.__setattr__(self, "counted_from", min(counted_from, self.at))


@dataclass(frozen=True)
class Fortified:
    at: dt.datetime

    def __post_init__(self):
        _check_step(self)


@dataclass(frozen=True)
class FeedingBegun:
    """A feed from this container; only the first one starts the hang-time clock."""

    at: dt.datetime

    def __post_init__(self):
        _check_step(self)


Step = Stored | Thawed | Fortified | FeedingBegun


def _check_step(step: Step) -> None:
    object.__setattr__(step, "at", _aware(step.at, f"{type(step).__name__}.at"))
    storage_class = getattr(step, "storage_class", None)
    if isinstance(step, Stored | Thawed) and storage_class not in STORAGE_CLASSES:
        raise ValueError(
            f"storage class is one of {', '.join(STORAGE_CLASSES)}, not {storage_class!r}"
        )


@dataclass(frozen=True)
class MilkHistory:
    """What compute_expiry needs to know about a container, in the order it happened."""

    milk_type: MilkType
    expressed_at: dt.datetime
    donor_expires_at: dt.datetime | None
    steps: tuple[Step, ...]
    # Limits carried over from parent containers (split / combine); they never lift.
    inherited: tuple[Limit, ...] = ()
    # A split child starts in its parent's state; None means it starts before receipt, fresh.
    inherited_state: MilkState | None = None

    def __post_init__(self):
        if self.milk_type not in ("MOM", "DHM"):
            raise ValueError(f"milk type is MOM or DHM, not {self.milk_type!r}")
        if self.inherited_state is not None and self.inherited_state not in MILK_STATES:
            raise ValueError(
                f"inherited state is one of {MILK_STATES}, not {self.inherited_state!r}"
            )
        object.__setattr__(self, "expressed_at", _aware(self.expressed_at, "expressed_at"))
        if self.donor_expires_at is not None:
            object.__setattr__(
                self, "donor_expires_at", _aware(self.donor_expires_at, "donor_expires_at")
            )
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "inherited", tuple(self.inherited))


@dataclass(frozen=True)
class Expiry:
    """A container's expiry, the limit that binds it, and every limit in force."""

    expires_at: dt.datetime
    limit: Limit
    limits: tuple[Limit, ...]
    state: MilkState
    fortified: bool
    feeding_begun: bool

    def reason(self, policy: Policy) -> str:
        return self.limit.reason(policy)


def _refreeze_error() -> LifecycleError:
    return LifecycleError(
        "REFREEZE",
        "Thawed milk must never be refrozen. Keep it in a refrigerator and use it before it "
        "expires, or discard it.",
    )


def compute_expiry(history: MilkHistory, policy: Policy) -> Expiry:
    """Fold the history's steps into the limits in force; the earliest one is the expiry.

    Raises LifecycleError for a step the milk's state forbids, and ValueError for a history
    out of order or with nothing to count from.
    """
    if not history.steps and not history.inherited:
        raise ValueError("a history needs at least one step or one inherited limit")
    zone = policy.zone
    expressed_at = history.expressed_at
    inherited = set(history.inherited)
    limits: list[Limit] = list(history.inherited)
    if history.donor_expires_at is not None:
        donor_lot = Limit(DONOR_LOT, None, history.donor_expires_at)
        if donor_lot not in limits:  # a split child inherits it as well
            limits.append(donor_lot)
    state: str = history.inherited_state or "fresh"
    # A child of fortified or hanging milk is that milk: it cannot be frozen or fortified again.
    fortified = any(limit.rule == "fortified" for limit in history.inherited)
    feeding_begun = any(limit.rule == "hang_time" for limit in history.inherited)

    def add(rule: str, start: dt.datetime) -> None:
        limit = Limit(rule, start, policy.limits[rule].add(start, zone))
        if limit not in limits:
            limits.append(limit)

    previous: dt.datetime | None = None
    for step in history.steps:
        at = step.at
        if previous is not None and at < previous:
            raise ValueError(f"step {step!r} is earlier than the step before it ({previous})")
        previous = at

        if isinstance(step, Stored):
            into_freezer = step.storage_class in FREEZER_CLASSES
            if state == "fresh" and into_freezer:
                if fortified or feeding_begun:
                    raise LifecycleError(
                        "CANNOT_FREEZE",
                        "Fortified milk, or milk that has been fed from, must not be frozen. "
                        "Keep it in a refrigerator and use it before it expires, or discard it.",
                    )
                # Freezing stops the fresh clocks that were still running; one that had already
                # run out stays (expired milk stays expired), and a parent's never lifts (no
                # child outlives its earliest parent).
                limits = [
                    limit
                    for limit in limits
                    if not limit.rule.startswith("fresh_")
                    or limit.expires_at <= at
                    or limit in inherited
                ]
                state = "frozen"
                add(f"frozen_{step.storage_class}", expressed_at)
            elif state == "fresh":
                add(f"fresh_{step.storage_class}", expressed_at)
            elif state == "frozen" and into_freezer:
                # Accumulates: a move between freezers never extends the first freezer's limit.
                add(f"frozen_{step.storage_class}", expressed_at)
            elif state == "thawed" and into_freezer:
                raise _refreeze_error()
            # Frozen milk put in a refrigerator is thawing; thawed milk's clock ignores location.
        elif isinstance(step, Thawed):
            if state != "frozen":
                raise LifecycleError(
                    "NOT_FROZEN", f"This milk is {state}, not frozen, so it cannot be thawed."
                )
            if step.storage_class in FREEZER_CLASSES:
                raise _refreeze_error()
            state = "thawed"
            rule = "thawed_dhm" if history.milk_type == "DHM" else "thawed_mom"
            add(rule, step.counted_from or at)
        elif isinstance(step, Fortified):
            if state == "frozen":
                raise LifecycleError("FROZEN", "Frozen milk cannot be fortified. Thaw it first.")
            if fortified:
                raise LifecycleError("ALREADY_FORTIFIED", "This milk has already been fortified.")
            fortified = True
            add("fortified", at)
        elif isinstance(step, FeedingBegun):
            if state == "frozen":
                raise LifecycleError("FROZEN", "Frozen milk cannot be fed. Thaw it first.")
            if not feeding_begun:
                feeding_begun = True
                add("hang_time", at)
        else:
            raise TypeError(f"not a step: {step!r}")

    if not limits:
        raise ValueError("no expiry limit applies to this history (it was never stored)")
    binding = min(limits, key=lambda limit: limit.expires_at)  # ties: the earlier-added
    return Expiry(
        expires_at=binding.expires_at,
        limit=binding,
        limits=tuple(limits),
        state=state,
        fortified=fortified,
        feeding_begun=feeding_begun,
    )
