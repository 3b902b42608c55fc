"""The cold chain: each storage unit's temperature limits, and the excursions and alarms in a
series of sensor readings (interop.md, "Cold chain"). Pure: no framework, no database, and
`now` is passed in.

How a series is read, exactly:

- Only a reading's own time counts, never its arrival: readings are sorted by `at`, so late
  and out-of-order readings change nothing but what they say. Two readings at the same `at`
  are one reading (the store keeps one per sensor and time); if they differ, the one furthest
  out of range counts, so the answer never depends on their order.
- An excursion starts at the first out-of-range reading and ends at the first in-range reading
  after it (`ended_at`; None while the latest reading is still out of range).
- Time out of range accumulates between two consecutive readings only when both are out of
  range: interop.md's gap rule, applied to every interval between readings, whatever its
  length. So `out_of_range` runs from the first to the last out-of-range reading, and it does
  not jump when the in-range reading that ends the excursion arrives. A sensor that reports
  every minute shows a door open for ten readings as nine minutes.
- An excursion counts once `out_of_range` reaches the kind's `opens_after` (30 min by
  default): a door-open spike of a few minutes raises nothing.
- `peak_celsius` is the reading furthest outside the range (the earliest, on a tie).
- NO_DATA: nothing for `no_data_after` (30 min) before `now`, or nothing at all. Readings a
  little in the future (a sensor clock running fast) are data like any other.
- SENSOR_STUCK: the latest readings all carry the identical value, at least three of them,
  across `stuck_after` (12 h by default). A real fridge or freezer drifts through its
  compressor cycle by tenths of a degree, so hours of one exact value suggest a sensor
  repeating its last value or lying in a glass of ice. It is an alarm for a person to check,
  not an excursion: stuck in range holds nothing, stuck out of range is an excursion as well.
- Readings must be finite numbers from -100 to 100 °C with a timezone: anything else is the
  caller's to refuse, and is refused here with ValueError rather than guessed at.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple

from .vocabulary import LOCATION_KINDS

UTC = dt.UTC
# Warmest first (vocabulary.py).
STORAGE_KINDS = LOCATION_KINDS
READING_MIN, READING_MAX = -100.0, 100.0
MIN_STUCK_READINGS = 3

AlarmCode = Literal["NO_DATA", "SENSOR_STUCK"]


class Reading(NamedTuple):
    """One temperature from a storage unit's sensor; a plain (at, celsius) tuple will do."""

    at: dt.datetime
    celsius: float


def _finite_celsius(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number of °C, not {value!r}")
    if not math.isfinite(value) or not READING_MIN <= value <= READING_MAX:
        raise ValueError(f"{what} must be from {READING_MIN:g} to {READING_MAX:g} °C, not {value}")
    return float(value)


def _aware(moment: object, what: str) -> dt.datetime:
    if not isinstance(moment, dt.datetime):
        raise ValueError(f"{what} must be a datetime, not {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware: {moment!r}")
    return moment.astimezone(UTC)


def _positive(delta: dt.timedelta, what: str) -> None:
    if not isinstance(delta, dt.timedelta) or delta <= dt.timedelta(0):
        raise ValueError(f"{what} must be a positive duration, not {delta!r}")


@dataclass(frozen=True)
class ColdChainLimits:
    """One kind of storage unit's range, and when its excursions and alarms open."""

    kind: str
    min_celsius: float | None
    max_celsius: float | None
    opens_after: dt.timedelta = dt.timedelta(minutes=30)
    no_data_after: dt.timedelta = dt.timedelta(minutes=30)
    stuck_after: dt.timedelta = dt.timedelta(hours=12)

    def __post_init__(self):
        if self.kind not in STORAGE_KINDS:
            raise ValueError(f"kind is one of {', '.join(STORAGE_KINDS)}, not {self.kind!r}")
        for name in ("min_celsius", "max_celsius"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _finite_celsius(value, name))
        low, high = self.min_celsius, self.max_celsius
        if low is not None and high is not None and not low < high:
            raise ValueError(f"min_celsius ({low:g}) must be below max_celsius ({high:g})")
        _positive(self.opens_after, "opens_after")
        _positive(self.no_data_after, "no_data_after")
        _positive(self.stuck_after, "stuck_after")

    def outside_by(self, celsius: float) -> float:
        """How far a temperature is outside the range, in °C; 0 inside it."""
        if self.min_celsius is not None and celsius < self.min_celsius:
            return self.min_celsius - celsius
        if self.max_celsius is not None and celsius > self.max_celsius:
            return celsius - self.max_celsius
        return 0.0

    def in_range(self, celsius: float) -> bool:
        return self.outside_by(celsius) == 0.0

    def range_text(self) -> str:
        low, high = self.min_celsius, self.max_celsius
        if low is None and high is None:
            return "no limit"
        if low is None:
            return f"at most {high:.1f} °C"
        if high is None:
            return f"at least {low:.1f} °C"
        return f"{low:.1f} to {high:.1f} °C"


@dataclass(frozen=True)
class ColdChainPolicy:
    """The limits for every kind of storage unit (the `[cold_chain]` part of the policy)."""

    limits: tuple[ColdChainLimits, ...]

    def __post_init__(self):
        kinds = sorted(limits.kind for limits in self.limits)
        if kinds != sorted(STORAGE_KINDS):
            raise ValueError(f"cold chain limits for each of {STORAGE_KINDS}, got {kinds}")
        order = {kind: index for index, kind in enumerate(STORAGE_KINDS)}
        object.__setattr__(
            self, "limits", tuple(sorted(self.limits, key=lambda limits: order[limits.kind]))
        )

    def for_kind(self, kind: str) -> ColdChainLimits:
        for limits in self.limits:
            if limits.kind == kind:
                return limits
        raise KeyError(kind)


# interop.md's defaults, after the NHS trust policies and the CDC vaccine storage toolkit.
DEFAULT_COLD_CHAIN = ColdChainPolicy(
    (
        ColdChainLimits("room", None, None),
        ColdChainLimits("refrigerator", 0.0, 4.0),
        # The unit runs at -20 °C; -18 °C is the alarm line.
        ColdChainLimits("freezer", None, -18.0),
        ColdChainLimits("deep_freezer", None, -60.0),
    )
)


# --- the policy file's [cold_chain] table ----------------------------------------------------


class ColdChainConfigError(ValueError):
    """A `[cold_chain]` setting that cannot be used; `key` is relative to `cold_chain`."""

    def __init__(self, key: str | None, problem: str):
        super().__init__(f"{key}: {problem}" if key else problem)
        self.key = key
        self.problem = problem


_GENERAL = ("no_data_minutes", "stuck_hours")
_PER_KIND = ("min_celsius", "max_celsius", "opens_after_minutes")


def _number(value: object) -> bool:
    # TOML booleans are Python bools, which are ints: `true` must not mean 1.
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _duration(table: Mapping, key: str, unit: str, default: dt.timedelta, where: str):
    if key not in table:
        return default
    value = table[key]
    if not _number(value) or value <= 0:
        raise ColdChainConfigError(where, f"must be a positive number of {unit}")
    return dt.timedelta(**{unit: value})


def cold_chain_from_table(table: object) -> ColdChainPolicy:
    """The cold chain policy from a parsed `[cold_chain]` TOML table; defaults fill the rest.

    Raises ColdChainConfigError naming the key (relative to `cold_chain`) and what is allowed.
    """
    if not isinstance(table, Mapping):
        raise ColdChainConfigError(None, "must be a table, e.g. [cold_chain]")
    allowed = (*_GENERAL, *STORAGE_KINDS)
    for key in table:
        if key not in allowed:
            raise ColdChainConfigError(key, f"unknown setting; allowed: {', '.join(allowed)}")
    defaults = DEFAULT_COLD_CHAIN.for_kind("refrigerator")
    no_data = _duration(
        table, "no_data_minutes", "minutes", defaults.no_data_after, "no_data_minutes"
    )
    stuck = _duration(table, "stuck_hours", "hours", defaults.stuck_after, "stuck_hours")
    kinds = []
    for kind in STORAGE_KINDS:
        default = DEFAULT_COLD_CHAIN.for_kind(kind)
        section = table.get(kind, {})
        if not isinstance(section, Mapping):
            raise ColdChainConfigError(kind, f"must be a table, e.g. [cold_chain.{kind}]")
        for key in section:
            if key not in _PER_KIND:
                raise ColdChainConfigError(
                    f"{kind}.{key}", f"unknown setting; allowed: {', '.join(_PER_KIND)}"
                )
        bounds = {}
        for key in ("min_celsius", "max_celsius"):
            value = section.get(key, getattr(default, key))
            if value is not None and (
                not _number(value) or not READING_MIN <= value <= READING_MAX
            ):
                raise ColdChainConfigError(
                    f"{kind}.{key}",
                    f"must be a number of °C from {READING_MIN:g} to {READING_MAX:g}",
                )
            bounds[key] = value
        low, high = bounds["min_celsius"], bounds["max_celsius"]
        if low is not None and high is not None and not low < high:
            key = "min_celsius" if "min_celsius" in section else "max_celsius"
            raise ColdChainConfigError(
                f"{kind}.{key}", f"the range {low:g} to {high:g} °C is empty: min must be below max"
            )
        opens_after = _duration(
            section,
            "opens_after_minutes",
            "minutes",
            default.opens_after,
            f"{kind}.opens_after_minutes",
        )
        kinds.append(ColdChainLimits(kind, low, high, opens_after, no_data, stuck))
    return ColdChainPolicy(tuple(kinds))


def describe_cold_chain(policy: ColdChainPolicy) -> list[str]:
    """The cold chain limits in words, for `flask show-policy`."""
    general = policy.for_kind("refrigerator")
    lines = ["Cold chain (temperature excursions hold the milk):"]
    for limits in policy.limits:
        opens = f"after {limits.opens_after.total_seconds() / 60:g} min out of range"
        detail = "" if limits.range_text() == "no limit" else f", an excursion {opens}"
        lines.append(f"  {limits.kind:<12}  {limits.range_text()}{detail}")
    no_data_minutes = general.no_data_after.total_seconds() / 60
    stuck_hours = general.stuck_after.total_seconds() / 3600
    lines += [
        f"  NO_DATA alarm: no reading for {no_data_minutes:g} min",
        f"  SENSOR_STUCK alarm: one identical value for {stuck_hours:g} h",
    ]
    return lines


# --- excursions and alarms -------------------------------------------------------------------


@dataclass(frozen=True)
class Excursion:
    """A span out of range long enough to count; it lasts while `ended_at` is None."""

    started_at: dt.datetime
    ended_at: dt.datetime | None
    peak_celsius: float
    out_of_range: dt.timedelta

    @property
    def minutes_out_of_range(self) -> float:
        return self.out_of_range.total_seconds() / 60

    @property
    def lasting(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True)
class Alarm:
    """Something about the sensor for a person to check; it holds no milk by itself."""

    code: AlarmCode
    since: dt.datetime | None  # NO_DATA: the last reading (None if never); STUCK: the first
    celsius: float | None = None  # SENSOR_STUCK: the value it keeps reporting


@dataclass(frozen=True)
class ColdChainStatus:
    excursions: tuple[Excursion, ...]
    alarms: tuple[Alarm, ...]
    latest: Reading | None


def _series(
    readings: Iterable[tuple[dt.datetime, float]], limits: ColdChainLimits
) -> list[Reading]:
    by_time: dict[dt.datetime, float] = {}
    for index, reading in enumerate(readings):
        at, celsius = reading
        at = _aware(at, f"reading {index}: at")
        celsius = _finite_celsius(celsius, f"reading {index}: celsius")
        if at in by_time:
            # The same moment twice: keep the worse, and the higher on a tie, so that the
            # answer is the same in any order.
            kept = by_time[at]
            celsius = max(kept, celsius, key=lambda value: (limits.outside_by(value), value))
        by_time[at] = celsius
    return [Reading(at, by_time[at]) for at in sorted(by_time)]


def detect_excursions(
    readings: Iterable[tuple[dt.datetime, float]], limits: ColdChainLimits, now: dt.datetime
) -> ColdChainStatus:
    """The excursions in one storage unit's readings, and its alarms as of `now`."""
    now = _aware(now, "now")
    series = _series(readings, limits)

    excursions: list[Excursion] = []
    run: list[Reading] = []
    for reading in [*series, None]:
        if reading is not None and not limits.in_range(reading.celsius):
            run.append(reading)
            continue
        if run:
            out_of_range = run[-1].at - run[0].at
            if out_of_range >= limits.opens_after:
                # max() keeps the first of equals: the earliest reading on a tie.
                peak = max(run, key=lambda r: limits.outside_by(r.celsius))
                ended_at = None if reading is None else reading.at
                excursions.append(Excursion(run[0].at, ended_at, peak.celsius, out_of_range))
            run = []

    alarms: list[Alarm] = []
    latest = series[-1] if series else None
    if latest is None or now - latest.at >= limits.no_data_after:
        alarms.append(Alarm("NO_DATA", latest.at if latest else None))
    if latest is not None:
        count = 0
        while count < len(series) and series[-1 - count].celsius == latest.celsius:
            count += 1
        first = series[-count]
        if count >= MIN_STUCK_READINGS and latest.at - first.at >= limits.stuck_after:
            alarms.append(Alarm("SENSOR_STUCK", first.at, latest.celsius))

    return ColdChainStatus(tuple(excursions), tuple(alarms), latest)
