"""Fill a database with a 60-bed unit's milk history: five years is a million containers.

    .venv/bin/python bench/generate.py --size 1M                  # bench/data/unit-1M.sqlite
    .venv/bin/python bench/generate.py --size 10k --database-url postgresql+psycopg://...

A 60-bed unit receives about 548 containers a day (220,000 a year), so the size sets how many
days of history there are: 10k is 18 days, 100k half a year, 1M five years. The census is
simulated bed by bed: about 60 babies admitted at any time, stays of days to months, twins,
mothers, parents' accounts, nurses. Each container lives a plausible life, written as the same
events the app writes: received into a fridge or freezer, moved, thawed, fortified, split into
syringes or pooled, fed in partial feeds (with the matching rows in `feeds`), consumed,
discarded, returned at discharge, held and released. Whatever would happen after "now" has not
happened yet, so the unit ends with its stock on hand: mostly frozen, some fresh and thawed, a
few expired awaiting discard, a few held, a few reserved labels. Near misses are sprinkled in.

Expiry columns are computed by nicu_milk.policy.compute_expiry from the very steps the events
record (the same fold the app runs), for every container; the test in
tests/integration/test_bench_generator.py recomputes them from the events through the app's
own code and compares.

Rows go in through SQLAlchemy Core on the models' tables, in batches, so a column added later
with a default gets its default here too.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import math
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, delete, event, func, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nicu_milk import codes, names  # noqa: E402
from nicu_milk.extensions import db  # noqa: E402
from nicu_milk.policy import (  # noqa: E402
    FeedingBegun,
    Fortified,
    MilkHistory,
    Policy,
    Stored,
    Thawed,
    compute_expiry,
    default_policy,
    policy_fingerprint,
)

UTC = dt.UTC
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
PER_DAY = 548  # containers a 60-bed unit receives a day
FAMILY_SLOTS = 54  # beds filled family by family; twins make it about 60 babies
TWIN_RATE = 0.12
PASSWORD = "bench-password-2026"  # noqa: S105 - every generated user's, bench data only
BATCH_EVENTS = 60_000
HOUR = 3600.0
DAY = 86400.0

FIRST_NAMES = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Mateo",
    "Sophia",
    "Elijah",
    "Amara",
    "Lucas",
    "Harper",
    "Ethan",
    "Aaliyah",
    "Yusuf",
    "Chloé",
    "Jayden",
    "Isabella",
    "Zoë",
    "Mia",
    "Leo",
    "Ivy",
    "Arjun",
    "Nia",
    "Omar",
    "Hana",
    "Felix",
    "Maya",
    "Kai",
    "Aria",
    "Theo",
    "Lina",
    "Santiago",
    "Priya",
    "Malik",
    "Sofía",
    "Jonah",
    "Elif",
    "Ezra",
    "Noor",
    "Mei",
] + ["Baby Girl", "Baby Boy"]
LAST_NAMES = [
    "Johnson",
    "Johnston",
    "Garcia",
    "Williams",
    "Nguyen",
    "Patel",
    "Hernández",
    "Brown",
    "Davis",
    "Okafor",
    "Müller",
    "Kim",
    "Wilson",
    "Moore",
    "Jackson",
    "Smith",
    "Tran",
    "Ahmed",
    "Dubois",
    "Lee",
    "Martinez",
    "Lopez",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Hill",
    "Green",
    "Adams",
    "Baker",
    "Nelson",
    "Carter",
    "Mitchell",
    "Perez",
    "Roberts",
    "Turner",
    "Phillips",
    "Campbell",
    "Parker",
    "Evans",
    "Edwards",
    "Collins",
    "Stewart",
    "Sanchez",
    "Morris",
    "Rogers",
    "Reed",
    "Cook",
    "Morgan",
    "Bell",
    "Murphy",
    "Bailey",
    "Rivera",
    "Cooper",
    "Richardson",
    "Cox",
    "Howard",
    "Ward",
    "Peterson",
    "Gray",
    "Ramirez",
    "James",
    "Watson",
    "Brooks",
    "Kelly",
    "Sanders",
    "Price",
    "Bennett",
    "Wood",
    "Barnes",
    "Ross",
    "Henderson",
    "Coleman",
]
MOTHER_NAMES = [
    "Kayla",
    "Brianna",
    "Maria",
    "Tasha",
    "Linh",
    "Priya",
    "Lucía",
    "Ashley",
    "Monique",
    "Ada",
    "Anna",
    "Ji-woo",
    "Megan",
    "Dana",
    "Keisha",
    "Rachel",
    "Mai",
    "Fatima",
    "Camille",
    "Grace",
    "Sara",
    "Aisha",
    "Elena",
    "Rosa",
    "Yara",
    "Leila",
    "Jess",
    "Carmen",
]
MEDICATIONS = ("Ibuprofen", "Levothyroxine", "Sertraline", "Metformin", "Labetalol")
FORTIFIERS = (("Similac HMF", 24), ("Prolacta +4", 24), ("Enfamil HMF", 22), ("Prolacta +6", 26))
LABEL = "ZPL, thermal-2x1-203dpi"

# (code, name, kind, shelves): the unit's fridges, freezers and bedside pods.
STORAGE = (
    ("MR-FRIDGE-A", "Milk room fridge A", "refrigerator", 4),
    ("MR-FRIDGE-B", "Milk room fridge B", "refrigerator", 4),
    ("MR-FRIDGE-C", "Milk room fridge C", "refrigerator", 3),
    ("MR-FREEZER-1", "Freezer 1 (-20 °C)", "freezer", 5),
    ("MR-FREEZER-2", "Freezer 2 (-20 °C)", "freezer", 5),
    ("MR-FREEZER-3", "Freezer 3 (-20 °C)", "freezer", 5),
    ("MR-DEEP-1", "Deep freezer (-70 °C)", "deep_freezer", 3),
    *((f"POD-{n}", f"Bedside, pod {n}", "room", 0) for n in range(1, 7)),
)
NEAR_MISSES = (
    ("WRONG_INFANT", "stop", "This milk is labelled for another baby."),
    ("SIBLING", "warn", "This milk is labelled for a sibling."),
    ("EXPIRED", "stop", "This container has expired."),
    ("FROZEN", "stop", "This container is recorded as frozen."),
    ("USE_FIRST", "warn", "Another container should be used first."),
    ("EXPIRES_SOON", "warn", "This container expires within the hour."),
    ("HELD", "stop", "This container is on hold."),
    ("CONSUMED", "stop", "This container is recorded as consumed."),
)


def when(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, UTC)


@dataclass
class Infant:
    id: int
    mother: int
    admit: float
    discharge: float  # may be after now: still admitted
    born: float
    consent: bool
    dhm_share: float
    row: dict


@dataclass
class Summary:
    containers: int = 0
    events: int = 0
    feeds: int = 0
    infants: int = 0
    admitted: int = 0
    mothers: int = 0
    users: int = 0
    near_misses: int = 0
    splits_and_pools: int = 0
    by_state: dict = field(default_factory=dict)
    on_hand: dict = field(default_factory=dict)
    held_on_hand: int = 0
    expired_on_hand: int = 0
    dhm: int = 0
    colostrum: int = 0
    days: float = 0.0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        return [
            f"{self.containers:,} containers over {self.days:.0f} days, {self.events:,} events, "
            f"{self.feeds:,} feeds, {self.near_misses:,} near misses",
            f"{self.infants:,} babies ({self.admitted} admitted now), {self.mothers:,} mothers, "
            f"{self.users:,} users",
            "states: " + ", ".join(f"{k} {v:,}" for k, v in sorted(self.by_state.items())),
            f"on hand {sum(self.on_hand.values()):,}: "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(self.on_hand.items()))
            + f"; {self.held_on_hand} held, {self.expired_on_hand} expired awaiting discard",
            f"donor milk {self.dhm:,}, colostrum {self.colostrum:,}, "
            f"split or pooled children {self.splits_and_pools:,}",
            f"generated in {self.seconds:.1f} s",
        ]


class Unit:
    """The simulation: the census, then each baby's containers, written in batches."""

    def __init__(
        self,
        engine: Engine,
        size: int,
        now: dt.datetime,
        seed: int,
        policy: Policy,
        password_hash: str,
        progress: bool,
    ):
        self.engine = engine
        self.size = size
        self.now_dt = now.astimezone(UTC)
        self.now = self.now_dt.timestamp()
        self.days = size / PER_DAY
        self.start = self.now - self.days * DAY
        self.rng = random.Random(seed)
        self.policy = policy
        self.fingerprint = policy_fingerprint(policy)
        self.password_hash = password_hash
        self.progress = progress
        self.tables = db.metadata.tables
        self.summary = Summary(days=self.days)
        self.rows: dict[str, list[dict]] = {
            name: [] for name in ("containers", "container_parents", "container_events", "feeds")
        }
        self.next_id = {"containers": 1, "container_events": 1, "feeds": 1}
        self.lots: list[tuple[float, str, float]] = []

    # --- places, people ---------------------------------------------------------------------

    def places(self) -> None:
        rows, self.fridges, self.freezers, self.deep, self.bedside = [], [], [], [], []
        self.location_code = {}
        next_id = 1
        created = when(self.start - 30 * DAY)
        for code, name, kind, shelves in STORAGE:
            top = next_id
            rows.append(
                {
                    "id": top,
                    "code": code,
                    "name": name,
                    "kind": kind,
                    "parent_id": None,
                    "created_at": created,
                }
            )
            next_id += 1
            children = []
            for number in range(1, shelves + 1):
                rows.append(
                    {
                        "id": next_id,
                        "code": f"{code}-{number}",
                        "name": f"Shelf {number}",
                        "kind": kind,
                        "parent_id": top,
                        "created_at": created,
                    }
                )
                children.append(next_id)
                next_id += 1
            for place in children or [top]:
                self.location_code[place] = (
                    f"{code}-{children.index(place) + 1}" if children else code
                )
                {
                    "refrigerator": self.fridges,
                    "freezer": self.freezers,
                    "deep_freezer": self.deep,
                    "room": self.bedside,
                }[kind].append(place)
        self.insert("storage_locations", rows)

    def people(self) -> None:
        rng = self.rng
        staff = [
            ("admin", "admin", "Unit administrator", None),
            ("admin2", "admin", "Night administrator", None),
        ]
        staff += [
            (f"charge{n:02d}", "charge_nurse", f"Charge nurse {n}", f"BADGE-1{n:03d}")
            for n in range(1, 9)
        ]
        staff += [(f"nurse{n:03d}", "nurse", f"Nurse {n}", f"BADGE-2{n:03d}") for n in range(1, 81)]
        created = when(self.start - 30 * DAY)
        users = [
            {
                "id": index,
                "username": username,
                "display_name": display,
                "role": role,
                "password_hash": self.password_hash,
                "badge_code": badge,
                "active": True,
                "created_at": created,
            }
            for index, (username, role, display, badge) in enumerate(staff, 1)
        ]
        self.nurses = [u["id"] for u in users if u["role"] == "nurse"]
        # A few nurses have left: their history stays, their accounts are closed.
        for user in rng.sample(users[10:], 6):
            user["active"] = False

        infants, mothers, links = self.census()
        next_user = len(users) + 1
        by_mother: dict[int, list[Infant]] = {}
        for infant in infants:
            by_mother.setdefault(infant.mother, []).append(infant)
        for mother_id, children in by_mother.items():
            if rng.random() < 0.5:  # about half the families use the parents' pages
                users.append(
                    {
                        "id": next_user,
                        "username": f"parent{mother_id:05d}",
                        "display_name": mothers[mother_id - 1]["first_name"],
                        "role": "parent",
                        "password_hash": self.password_hash,
                        "badge_code": None,
                        "active": True,
                        "created_at": when(children[0].admit),
                    }
                )
                links += [{"user_id": next_user, "infant_id": c.id} for c in children]
                next_user += 1
        self.insert("mothers", mothers)
        self.insert("infants", [infant.row for infant in infants])
        self.insert("users", users)
        self.insert("parent_infants", links)
        self.infants = infants
        self.mothers = mothers
        self.parents = {link["infant_id"]: link["user_id"] for link in links}
        self.summary.users = len(users)

    def census(self) -> tuple[list[Infant], list[dict], list[dict]]:
        """Family by family, bed by bed, from before the first day to after now."""
        rng = self.rng
        infants: list[Infant] = []
        mothers: list[dict] = []
        for _slot in range(FAMILY_SLOTS):
            moment = self.start - rng.uniform(0, 40) * DAY
            while moment < self.now:
                stay = min(150.0, max(2.0, rng.lognormvariate(math.log(22), 0.9))) * DAY
                mother_id = len(mothers) + 1
                last = rng.choice(LAST_NAMES)
                mothers.append(
                    {
                        "id": mother_id,
                        "mrn": f"8{mother_id:07d}",
                        "first_name": rng.choice(MOTHER_NAMES),
                        "last_name": last,
                        "hold_reason": None,
                        "held_at": None,
                    }
                )
                born = moment - rng.choice((0, 0, 0, 0.3, 1, 2)) * DAY
                consent = rng.random() < 0.4
                twins = 2 if rng.random() < TWIN_RATE else 1
                firsts = rng.sample(FIRST_NAMES, twins)
                for index in range(twins):
                    infant_id = len(infants) + 1
                    discharge = moment + stay * rng.uniform(0.85, 1.15) if index else moment + stay
                    admitted = discharge > self.now
                    infants.append(
                        Infant(
                            id=infant_id,
                            mother=mother_id,
                            admit=moment,
                            discharge=discharge,
                            born=born,
                            consent=consent,
                            dhm_share=rng.choice((0, 0, 0.1, 0.3, 0.6)) if consent else 0.0,
                            row={
                                "id": infant_id,
                                "mrn": f"7{infant_id:07d}",
                                "wristband_code": f"7{infant_id:07d}",
                                "first_name": firsts[index],
                                "last_name": last,
                                "date_of_birth": when(born).date(),
                                "mother_id": mother_id,
                                "donor_milk_consent": consent,
                                "admitted": admitted,
                                "discharged_at": None if admitted else when(discharge),
                                "name_alert": False,
                                "search_name": names.infant_search_name(firsts[index], last),
                                "daily_volume_ml": rng.choice((40, 80, 120, 160, 240, 320)),
                                "created_at": when(moment),
                            },
                        )
                    )
                moment += stay + rng.uniform(0.1, 1.5) * DAY
        infants, mothers = self.in_admission_order(infants, mothers)
        admitted = [i for i in infants if i.row["admitted"]]
        flagged = names.alerted([(i.row["first_name"], i.row["last_name"]) for i in admitted])
        for index in flagged:
            admitted[index].row["name_alert"] = True
        # Two mothers of babies in the unit are on hold now (a new medication, a culture).
        for infant in self.rng.sample(admitted, min(2, len(admitted))):
            mother = mothers[infant.mother - 1]
            mother["hold_reason"] = "New medication: pharmacy review"
            mother["held_at"] = when(self.now - rng.uniform(2, 30) * HOUR)
        self.summary.infants = len(infants)
        self.summary.admitted = len(admitted)
        self.summary.mothers = len(mothers)
        return infants, mothers, []

    @staticmethod
    def in_admission_order(infants: list[Infant], mothers: list[dict]):
        """Number families in the order they came in, as a live database would, so that
        today's babies (and, generated baby by baby, their bottles) have the highest ids."""
        infants.sort(key=lambda infant: (infant.admit, infant.id))
        numbers: dict[int, int] = {}
        ordered: list[dict] = []
        for number, infant in enumerate(infants, 1):
            if infant.mother not in numbers:
                mother = mothers[infant.mother - 1]
                numbers[infant.mother] = mother["id"] = len(ordered) + 1
                mother["mrn"] = f"8{mother['id']:07d}"
                ordered.append(mother)
            infant.mother = numbers[infant.mother]
            infant.id = number
            infant.row.update(
                id=number,
                mrn=f"7{number:07d}",
                wristband_code=f"7{number:07d}",
                mother_id=infant.mother,
            )
        return infants, ordered

    # --- containers ------------------------------------------------------------------------

    def containers(self) -> None:
        rng = self.rng
        windows = []
        for infant in self.infants:
            begin = max(infant.admit, self.start)
            end = min(infant.discharge, self.now)
            windows.append(max(0.0, end - begin) * rng.gammavariate(2.0, 0.5))
        # Splits and pools add about 2.5 % children to the bottles received.
        received = round(self.size / 1.025)
        scale = received / (sum(windows) or 1.0)
        counts = [round(window * scale) for window in windows]
        counts[windows.index(max(windows))] += received - sum(counts)
        bar = _progress(self.size, self.progress)
        for infant, count in zip(self.infants, counts, strict=True):
            if count <= 0:
                continue
            begin = max(infant.admit, self.start)
            end = min(infant.discharge, self.now)
            times = sorted(rng.uniform(begin - 6 * HOUR, end - 0.5 * HOUR) for _ in range(count))
            before = self.next_id["containers"]
            pending_pool: list = []
            for expressed in times:
                self.one_container(infant, expressed, pending_pool)
                # A bottle waiting to be pooled is not finished: its row must not be written yet.
                if len(self.rows["container_events"]) >= BATCH_EVENTS and not pending_pool:
                    self.flush()
            for life in pending_pool:
                life.fresh_use(life.last + rng.uniform(0.5, 30) * HOUR)
                life.finish()
            bar.update(self.next_id["containers"] - before)
        self.reserved_labels()
        self.flush()
        bar.close()

    def new_container(self, infant: Infant, **fields) -> dict:
        container_id = self.next_id["containers"]
        self.next_id["containers"] += 1
        row = {
            "id": container_id,
            "code": codes.container_code(container_id),
            "infant_id": infant.id,
            "mother_id": infant.mother,
            "milk_type": "MOM",
            "donor_lot": None,
            "donor_product_code": None,
            "donor_expires_at": None,
            "colostrum": False,
            "medications": None,
            "expressed_at": None,
            "received_at": None,
            "volume_ml": None,
            "remaining_ml": None,
            "state": "reserved",
            "location_id": None,
            "hold_reason": None,
            "held_at": None,
            "fortifier": None,
            "kcal_per_oz": None,
            "first_fed_at": None,
            "last_event_at": None,
            "inherited_limits": None,
            "inherited_state": None,
            "expires_at": None,
            "expiry_rule": None,
            "expiry_from": None,
            "policy_fingerprint": None,
            "created_at": None,
            "reserved_by_id": None,
        }
        row.update(fields)
        if row["milk_type"] == "DHM":
            row["mother_id"] = None  # donor milk is no mother's milk: her holds never touch it
        self.rows["containers"].append(row)
        return row

    def one_container(self, infant: Infant, expressed: float, pending_pool: list) -> None:
        rng = self.rng
        colostrum = expressed - infant.born < 4 * DAY
        dhm = not colostrum and rng.random() < infant.dhm_share
        if dhm:
            self.donor_bottle(infant, expressed)
            return
        received = expressed + rng.uniform(0.2, 4) * HOUR
        volume = (
            rng.choice((2, 3, 5)) if colostrum else rng.choice((10, 20, 30, 45, 60, 60, 90, 120))
        )
        row = self.new_container(
            infant,
            colostrum=colostrum,
            expressed_at=when(expressed),
            volume_ml=volume,
            remaining_ml=volume,
            medications=rng.choice(MEDICATIONS) if rng.random() < 0.06 else None,
            created_at=when(min(received, self.now)),
        )
        life = Life(self, row, infant)
        # Mothers pump more than a preterm baby eats: most milk goes to the freezer.
        frozen = not colostrum and rng.random() < 0.8
        if not frozen:
            life.receive(received, rng.choice(self.fridges))
            if not colostrum and rng.random() < 0.03:
                # Pooled with the next fresh bottles of the same mother (a pool of 2 or 3).
                pending_pool.append(life)
                if len(pending_pool) >= rng.choice((2, 3)):
                    self.pool(infant, pending_pool)
                    pending_pool.clear()
                return
            life.fresh_use(received + rng.uniform(0.5, 40) * HOUR)
        else:
            if rng.random() < 0.15:
                life.receive(received, rng.choice(self.fridges))
                life.store(
                    received + rng.uniform(0.5, 20) * HOUR, rng.choice(self.freezers), froze=True
                )
            else:
                deep = rng.random() < 0.2
                life.receive(received, rng.choice(self.deep if deep else self.freezers))
            # Some is thawed within days; the rest is the family's stash, mostly sent home.
            wait = rng.expovariate(1 / 8 if rng.random() < 0.25 else 1 / 300)
            life.frozen_use(received + wait * DAY)
        life.finish()

    def donor_bottle(self, infant: Infant, at: float) -> None:
        rng = self.rng
        lot, lot_expiry = self.lot(at)
        received = at + rng.uniform(0, 2) * HOUR
        volume = rng.choice((30, 60, 100))
        row = self.new_container(
            infant,
            milk_type="DHM",
            donor_lot=lot,
            donor_product_code="M0001",
            donor_expires_at=when(lot_expiry),
            expressed_at=when(at - 40 * DAY),
            volume_ml=volume,
            remaining_ml=volume,
            created_at=when(min(received, self.now)),
        )
        life = Life(self, row, infant)
        life.receive(received, rng.choice(self.freezers))
        life.frozen_use(received + rng.expovariate(1 / 3) * DAY)
        life.finish()
        self.summary.dhm += 1

    def lot(self, at: float) -> tuple[str, float]:
        """The milk bank's lot in use at this time: a new lot every few days."""
        index = bisect.bisect_right([lot[0] for lot in self.lots], at)
        if index and at - self.lots[index - 1][0] < 5 * DAY:
            started, name, expiry = self.lots[index - 1]
            return name, expiry
        name = f"LOT-{when(at):%Y%m}-{len(self.lots) + 1:04d}"
        entry = (at, name, at + 180 * DAY)
        self.lots.insert(index, entry)
        return name, entry[2]

    def pool(self, infant: Infant, sources: list[Life]) -> None:
        rng = self.rng
        at = max(source.last for source in sources) + rng.uniform(0.2, 2) * HOUR
        if any(source.done for source in sources) or at >= min(self.now, infant.discharge):
            for source in sources:
                if not source.done:
                    source.fresh_use(at + rng.uniform(0.5, 30) * HOUR)
                source.finish()
            return
        inherited = []
        for source in sources:
            inherited += [lim for lim in source.expiry().limits if lim not in inherited]
        volume = sum(source.row["remaining_ml"] for source in sources)
        place = rng.choice(self.fridges)
        child = self.new_container(
            infant,
            expressed_at=min(source.row["expressed_at"] for source in sources),
            volume_ml=volume,
            remaining_ml=volume,
            colostrum=False,
            created_at=when(at),
            received_at=when(at),
            inherited_state="fresh",
            inherited_limits=[_limit_json(limit) for limit in inherited],
            medications=next((s.row["medications"] for s in sources if s.row["medications"]), None),
        )
        for source in sources:
            self.rows["container_parents"].append(
                {"child_id": child["id"], "parent_id": source.row["id"]}
            )
            source.event(
                "combined_into",
                at,
                child=child["code"],
                volume_ml=float(source.row["remaining_ml"]),
            )
            source.row["remaining_ml"] = 0
            source.end("consumed", at, by="combine")
            source.finish()
        life = Life(self, child, infant, inherited=tuple(inherited), inherited_state="fresh")
        life.store(
            at,
            place,
            event_type="combined_from",
            parents=[source.row["code"] for source in sources],
        )
        life.fresh_use(at + rng.uniform(0.5, 20) * HOUR)
        life.finish()
        self.summary.splits_and_pools += 1

    def reserved_labels(self) -> None:
        """Parents' take-home label sheets: codes printed, milk not here yet."""
        for infant in self.infants:
            if not infant.row["admitted"] or infant.id not in self.parents:
                continue
            if self.rng.random() < 0.4:
                at = self.now - self.rng.uniform(1, 72) * HOUR
                for _ in range(3):
                    row = self.new_container(
                        infant, created_at=when(at), reserved_by_id=self.parents[infant.id]
                    )
                    life = Life(self, row, infant)
                    life.event("reserved", at, by="label sheet")
                    life.finish()

    def near_misses(self) -> None:
        rng = self.rng
        rows = []
        count = max(5, self.size // 200)
        total = self.next_id["containers"] - 1
        for attempt in range(count):
            code, severity, message = rng.choice(NEAR_MISSES)
            infant = rng.choice(self.infants)
            at = rng.uniform(max(infant.admit, self.start), min(infant.discharge, self.now))
            container_id = rng.randint(1, total)
            rows.append(
                {
                    "id": attempt + 1,
                    "at": when(at),
                    "user_id": rng.choice(self.nurses),
                    "action": rng.choice(("check", "check", "check", "feed")),
                    "infant_code": infant.row["wristband_code"],
                    "container_code": codes.container_code(container_id),
                    "verdict": severity,
                    "reasons": [{"code": code, "severity": severity, "message": message}],
                    "infant_id": infant.id,
                    "container_id": container_id,
                    "manual_entry": False,
                    "witness_id": None,
                }
            )
        self.insert("check_attempts", rows)
        self.summary.near_misses = len(rows)

    # --- writing ---------------------------------------------------------------------------

    def insert(self, table: str, rows: list[dict]) -> None:
        if rows:
            with self.engine.begin() as connection:
                connection.execute(insert(self.tables[table]), rows)

    def flush(self) -> None:
        with self.engine.begin() as connection:
            for table in ("containers", "container_parents", "container_events", "feeds"):
                rows = self.rows[table]
                if rows:
                    connection.execute(insert(self.tables[table]), rows)
                    rows.clear()

    def finish(self) -> None:
        counters, settings = self.tables["counters"], self.tables["settings"]
        with self.engine.begin() as connection:
            # The migration may have made these rows already.
            connection.execute(delete(counters).where(counters.c.name == "container"))
            connection.execute(delete(settings).where(settings.c.key == "policy_fingerprint"))
            connection.execute(
                insert(self.tables["counters"]),
                [{"name": "container", "value": self.next_id["containers"] - 1}],
            )
            connection.execute(
                insert(self.tables["settings"]),
                [{"key": "policy_fingerprint", "value": self.fingerprint}],
            )
            if connection.dialect.name == "postgresql":
                # Ids were given explicitly: move each sequence past them.
                for table in (
                    "storage_locations",
                    "mothers",
                    "infants",
                    "users",
                    "containers",
                    "container_events",
                    "feeds",
                    "check_attempts",
                ):
                    sequence = (
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                    )
                    connection.execute(text(sequence))
        if self.engine.dialect.name == "postgresql":
            # What autovacuum would do within minutes; without it the planner guesses sizes.
            with self.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            ) as connection:
                connection.execute(text("ANALYZE"))

    def run(self) -> Summary:
        started = time.perf_counter()
        self.places()
        self.people()
        self.containers()
        self.summary.events = self.next_id["container_events"] - 1
        self.summary.feeds = self.next_id["feeds"] - 1
        self.near_misses()
        self.finish()
        self.summary.seconds = time.perf_counter() - started
        return self.summary


def _limit_json(limit) -> dict:
    return {
        "rule": limit.rule,
        "counted_from": limit.counted_from.isoformat() if limit.counted_from else None,
        "expires_at": limit.expires_at.isoformat(),
    }


class Life:
    """One container's history, cut at discharge and at now: what has happened so far."""

    def __init__(
        self, unit: Unit, row: dict, infant: Infant, *, inherited=(), inherited_state=None
    ):
        self.unit = unit
        self.row = row
        self.infant = infant
        self.steps: list = []
        self.inherited = tuple(inherited)
        self.inherited_state = inherited_state
        self.state = inherited_state or "fresh"
        self.last = 0.0
        self.done = False
        self.ended = False
        self.fed = False
        self.held = False
        self.place_kind = "refrigerator"
        # Events after this moment have not happened: the baby went home, or it is now.
        self.cutoff = min(unit.now, infant.discharge)

    def user(self) -> int:
        return self.unit.rng.choice(self.unit.nurses)

    def open(self, at: float) -> bool:
        """Whether an event at this time happens (before discharge and now, and still live)."""
        return not self.ended and at < self.cutoff

    def event(self, event_type: str, at: float, clinical: bool = True, **details) -> None:
        unit = self.unit
        event_id = unit.next_id["container_events"]
        unit.next_id["container_events"] += 1
        unit.rows["container_events"].append(
            {
                "id": event_id,
                "container_id": self.row["id"],
                "type": event_type,
                "at": when(at),
                "recorded_at": when(min(at + unit.rng.uniform(0, 600), unit.now)),
                "user_id": self.row.get("reserved_by_id")
                if event_type == "reserved"
                else self.user(),
                "details": details,
            }
        )
        if clinical:
            self.row["last_event_at"] = when(at)
        self.last = at

    def label(self, at: float) -> None:
        if self.unit.rng.random() < 0.8 and self.open(at):
            self.event("label_printed", at, clinical=False, output=LABEL)

    def location(self, place: int) -> dict:
        kind = self.kind_of(place)
        self.place_kind = kind
        self.row["location_id"] = place
        return {"location": self.unit.location_code[place], "storage_class": kind}

    def kind_of(self, place: int) -> str:
        unit = self.unit
        if place in unit.fridges:
            return "refrigerator"
        if place in unit.freezers:
            return "freezer"
        if place in unit.deep:
            return "deep_freezer"
        return "room"

    def receive(self, at: float, place: int) -> None:
        at = min(at, self.cutoff - 1)
        self.row["received_at"] = when(at)
        self.event("received", at, **self.location(place))
        self.steps.append(Stored(at=when(at), storage_class=self.place_kind))
        self.state = "frozen" if self.place_kind in ("freezer", "deep_freezer") else "fresh"
        self.label(at + 60)

    def store(self, at: float, place: int, event_type: str = "moved", froze=False, **extra):
        if not self.open(at):
            return
        details = self.location(place)
        if froze:
            details["froze"] = True
        self.event(event_type, at, **details, **extra)
        self.steps.append(Stored(at=when(at), storage_class=self.place_kind))
        if self.place_kind in ("freezer", "deep_freezer") and self.state == "fresh":
            self.state = "frozen"

    def maybe_hold(self, at: float) -> None:
        """Some bottles still in stock were put on hold after their last event."""
        rng = self.unit.rng
        if rng.random() >= 0.02:
            return
        held_at = at + rng.uniform(1, 48) * HOUR
        if not self.open(held_at):
            return
        self.event("held", held_at, reason="Positive culture: awaiting review")
        self.row["hold_reason"] = "Positive culture: awaiting review"
        self.row["held_at"] = when(held_at)
        self.held = True
        release = held_at + rng.uniform(4, 96) * HOUR
        if rng.random() < 0.6:
            if self.open(release):
                self.event("released", release, hold_reason=self.row["hold_reason"])
                self.row["hold_reason"] = self.row["held_at"] = None
                self.held = False
        elif self.open(release):
            self.end("discarded", release, reason="Hold: positive culture confirmed")

    def expiry(self):
        row = self.row
        return compute_expiry(
            MilkHistory(
                milk_type=row["milk_type"],
                expressed_at=row["expressed_at"],
                donor_expires_at=row["donor_expires_at"],
                steps=tuple(self.steps),
                inherited=self.inherited,
                inherited_state=self.inherited_state,
            ),
            self.unit.policy,
        )

    def expires(self) -> float:
        return self.expiry().expires_at.timestamp()

    def end(self, state: str, at: float, **details) -> None:
        if self.ended:
            return
        self.event(state, at, **details)
        self.row["state"] = state
        self.ended = True

    def feeds(self, first: float, count: int | None = None) -> None:
        """Partial feeds within the hang time, then consumed (or marked finished)."""
        rng = self.unit.rng
        unit = self.unit
        row = self.row
        count = count or rng.choice((1, 1, 2, 2, 3))
        at = first
        remaining = row["remaining_ml"]
        for number in range(count):
            if not self.open(at) or self.held or remaining <= 0:
                return
            expiry = self.expires() if not self.fed else row["_expires"]
            if at >= expiry:
                self.end("discarded", at, reason="Expired")
                return
            last = number == count - 1
            volume = (
                remaining
                if last and rng.random() < 0.8
                else max(1, min(remaining, round(row["volume_ml"] / count)))
            )
            feed_id = unit.next_id["feeds"]
            unit.next_id["feeds"] += 1
            user = self.user()
            unit.rows["feeds"].append(
                {
                    "id": feed_id,
                    "container_id": row["id"],
                    "infant_id": self.infant.id,
                    "volume_ml": volume,
                    "at": when(at),
                    "recorded_at": when(at + 120),
                    "user_id": user,
                    "acknowledged": [],
                    "manual_entry": False,
                    "witness_id": None,
                }
            )
            self.event("fed", at, volume_ml=float(volume), infant=self.infant.row["mrn"])
            if not self.fed:
                self.fed = True
                row["first_fed_at"] = when(at)
                self.steps.append(FeedingBegun(at=when(at)))
                row["_expires"] = self.expires()
            remaining -= volume
            row["remaining_ml"] = remaining
            if remaining <= 0 or last:
                self.end("consumed", at + 60, by="feed" if remaining <= 0 else "marked finished")
                return
            at += rng.uniform(0.5, 1.2) * HOUR

    def fresh_use(self, first_feed: float) -> None:
        rng = self.unit.rng
        if rng.random() < 0.01 and self.open(first_feed):
            self.end("discarded", first_feed, reason=rng.choice(("Spilled", "Label damaged")))
            return
        expiry = self.expires()
        if first_feed >= expiry:
            self.end_late(expiry)
            return
        if rng.random() < 0.2:
            at = first_feed - rng.uniform(0.2, 1) * HOUR
            if at > self.last and self.open(at):
                self.fortify(at)
        self.feeds(max(first_feed, self.last + 60))

    def end_late(self, expiry: float) -> None:
        """Found expired on a fridge check: discarded, some hours after it expired."""
        at = max(expiry, self.last + 60) + self.unit.rng.uniform(0, 12) * HOUR
        if self.open(at):
            self.end("discarded", at, reason="Expired")

    def fortify(self, at: float) -> None:
        product, kcal = self.unit.rng.choice(FORTIFIERS)
        self.event("fortified", at, product=product, kcal_per_oz=float(kcal))
        self.row["fortifier"] = product
        self.row["kcal_per_oz"] = kcal
        self.steps.append(Fortified(at=when(at)))

    def frozen_use(self, thaw_at: float) -> None:
        rng = self.unit.rng
        thaw_at = max(thaw_at, self.last + 60)
        expiry = self.expires()
        if thaw_at >= expiry:
            self.end_late(expiry)
            return
        if not self.open(thaw_at) or self.held or self.state != "frozen":
            return
        details = self.location(rng.choice(self.unit.fridges))
        self.event("thawed", thaw_at, **details)
        self.steps.append(Thawed(at=when(thaw_at), storage_class="refrigerator"))
        self.state = "thawed"
        self.label(thaw_at + 120)
        if rng.random() < 0.04 and self.row["remaining_ml"] >= 20:
            self.split(thaw_at + rng.uniform(0.2, 1.5) * HOUR)
            return
        if rng.random() < 0.03:
            at = thaw_at + rng.uniform(1, 30) * HOUR
            if self.open(at):
                self.end("discarded", at, reason=rng.choice(("Spilled", "Expired")))
            return
        if rng.random() < 0.35:
            at = thaw_at + rng.uniform(0.5, 4) * HOUR
            if self.open(at):
                self.fortify(at)
        first = max(thaw_at + rng.uniform(1, 20) * HOUR, self.last + 60)
        if rng.random() < 0.8:
            # Taken to the bedside for the feed (thawed milk's clock ignores where it is).
            self.store(max(first - 600, self.last + 30), rng.choice(self.unit.bedside))
        self.feeds(max(first, self.last + 60))

    def split(self, at: float) -> None:
        """Drawn up into syringes: two or three children, each with the parent's limits."""
        unit = self.unit
        rng = unit.rng
        if not self.open(at):
            return
        limits = self.expiry().limits
        parts = rng.choice((2, 3))
        volume = self.row["remaining_ml"] // parts
        children = []
        for _ in range(parts):
            child = unit.new_container(
                self.infant,
                milk_type=self.row["milk_type"],
                donor_lot=self.row["donor_lot"],
                donor_product_code=self.row["donor_product_code"],
                donor_expires_at=self.row["donor_expires_at"],
                colostrum=self.row["colostrum"],
                medications=self.row["medications"],
                expressed_at=self.row["expressed_at"],
                volume_ml=volume,
                remaining_ml=volume,
                received_at=when(at),
                created_at=when(at),
                inherited_limits=[_limit_json(limit) for limit in limits],
                inherited_state="thawed",
            )
            unit.rows["container_parents"].append(
                {"child_id": child["id"], "parent_id": self.row["id"]}
            )
            children.append(child)
            unit.summary.splits_and_pools += 1
        total = volume * parts
        self.event("split_into", at, children=[c["code"] for c in children], volume_ml=float(total))
        self.row["remaining_ml"] -= total
        if self.row["remaining_ml"] <= 0:
            self.end("consumed", at, by="split")
        else:
            self.feeds(at + rng.uniform(0.5, 3) * HOUR)
        self.finish()
        for child in children:
            life = Life(unit, child, self.infant, inherited=limits, inherited_state="thawed")
            life.store(
                at, self.row["location_id"], event_type="split_from", parents=[self.row["code"]]
            )
            life.feeds(at + rng.uniform(0.2, 3) * HOUR, count=1)
            life.finish()

    def finish(self) -> None:
        """Close the life: discharge, then cache state and expiry as the app would."""
        if self.done:
            return
        self.done = True
        row = self.row
        unit = self.unit
        if not self.ended and self.steps:
            self.maybe_hold(self.last)
            mother = unit.mothers[self.infant.mother - 1]
            held_at = mother["held_at"]
            if (
                held_at is not None
                and row["milk_type"] == "MOM"
                and not self.ended
                and self.last <= held_at.timestamp() < self.cutoff
            ):
                self.event(
                    "mother_held", held_at.timestamp(), clinical=False, reason=mother["hold_reason"]
                )
        if not self.ended and self.steps and self.infant.discharge <= unit.now:
            at = max(self.infant.discharge, self.last + 60)
            expired = self.steps and at >= self.expires()
            if row["milk_type"] == "DHM" or expired or self.held:
                self.end(
                    "discarded", at, reason="Baby discharged" + (": expired" if expired else "")
                )
            else:
                self.end("returned", at)
        row.pop("_expires", None)
        if row["state"] == "reserved" and not self.steps:
            unit.summary.by_state["reserved"] = unit.summary.by_state.get("reserved", 0) + 1
            unit.summary.containers += 1
            return
        expiry = self.expiry()
        row["expires_at"] = expiry.expires_at
        row["expiry_rule"] = expiry.limit.rule
        row["expiry_from"] = expiry.limit.counted_from
        row["policy_fingerprint"] = unit.fingerprint
        summary = unit.summary
        if not self.ended:
            row["state"] = expiry.state
            summary.on_hand[expiry.state] = summary.on_hand.get(expiry.state, 0) + 1
            mother = unit.mothers[self.infant.mother - 1]
            if row["hold_reason"] or (mother["hold_reason"] and row["milk_type"] == "MOM"):
                summary.held_on_hand += 1
            if expiry.expires_at <= unit.now_dt:
                summary.expired_on_hand += 1
        summary.by_state[row["state"]] = summary.by_state.get(row["state"], 0) + 1
        summary.containers += 1
        summary.colostrum += row["colostrum"]


class _NoBar:
    def update(self, _n):
        pass

    def close(self):
        pass


def _progress(total: int, show: bool):
    if not show:
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:  # the bench extras are not installed: no bar, same result
        return _NoBar()
    return tqdm(total=total, unit=" containers", unit_scale=True, smoothing=0.05)


def fast_sqlite(engine: Engine) -> None:
    """Bulk loading needs no fsync per batch: a crash here just means generating again."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous = OFF")
        cursor.close()


def generate(
    engine: Engine,
    size: int,
    *,
    now: dt.datetime | None = None,
    seed: int = 2026,
    policy: Policy | None = None,
    password_hash: str | None = None,
    progress: bool = False,
) -> Summary:
    """Fill an empty, migrated database; the unit ends at `now` (default: the clock)."""
    from werkzeug.security import generate_password_hash

    with engine.connect() as connection:
        if connection.execute(
            select(func.count()).select_from(db.metadata.tables["containers"])
        ).scalar_one():
            raise SystemExit("The database already holds containers; generate into an empty one.")
    policy = policy or default_policy(ZoneInfo("America/Chicago"))
    password_hash = password_hash or generate_password_hash(PASSWORD)
    unit = Unit(engine, size, now or dt.datetime.now(UTC), seed, policy, password_hash, progress)
    return unit.run()


def migrate(url: str) -> None:
    """Create the schema with the app's own migrations."""
    from flask_migrate import upgrade

    from config import Config
    from nicu_milk import create_app

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.engine.dispose()


def schema_head() -> str:
    """The migration a database generated now ends at."""
    from alembic.script import ScriptDirectory

    from nicu_milk import MIGRATIONS

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def cache_path(size: int) -> Path:
    """Where a generated SQLite unit of this size is kept (git ignores bench/data/)."""
    label = next((k for k, v in SIZES.items() if v == size), str(size))
    return ROOT / "bench" / "data" / f"unit-{label}.sqlite"


def parse_size(text_value: str) -> int:
    if text_value in SIZES:
        return SIZES[text_value]
    try:
        return int(text_value.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"a size is one of {', '.join(SIZES)} or a number of containers"
        ) from None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--size",
        type=parse_size,
        default=SIZES["1M"],
        help="containers: 10k, 100k, 1M or a number (default 1M)",
    )
    parser.add_argument("--database-url", help="default: sqlite:///bench/data/unit-SIZE.sqlite")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--timezone",
        default="America/Chicago",
        help="the unit's zone (calendar months of freezer limits count in it)",
    )
    parser.add_argument(
        "--replace", action="store_true", help="delete an existing SQLite file first"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    options = parser.parse_args()
    url = options.database_url
    if url is None:
        path = cache_path(options.size)
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
    if url.startswith("sqlite:///") and options.replace:
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    migrate(url)
    engine = create_engine(url)
    fast_sqlite(engine)
    summary = generate(
        engine,
        options.size,
        seed=options.seed,
        policy=default_policy(ZoneInfo(options.timezone)),
        progress=not options.quiet,
    )
    engine.dispose()
    print(f"{engine.url.render_as_string(hide_password=True)}")
    print("\n".join(summary.lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
