"""The feeding check: one case per reason code of domain.md, how reasons combine, USE_FIRST as
advice, and properties that no wrong or expired milk ever gets a go."""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from nicu_milk.checks import (
    REASON_CODES,
    ContainerFacts,
    InfantFacts,
    Reason,
    Unresolved,
    Verdict,
    check_feed,
    is_usable,
    pick_first,
)
from nicu_milk.policy import default_policy

CHICAGO = ZoneInfo("America/Chicago")
POLICY = default_policy(CHICAGO)
STRICT = dataclasses.replace(POLICY, sibling_severity="stop")
NOW = dt.datetime(2026, 11, 28, 20, 0, tzinfo=dt.UTC)  # 14:00 CST
H = dt.timedelta(hours=1)

BABY = InfantFacts(
    mrn="100", mother_mrn="M-1", admitted=True, donor_milk_consent=True, name="Baby Girl Smith"
)
TWIN_MRN = "101"  # same mother
STRANGER_MRN = "200"  # another mother, M-2
MILK = ContainerFacts(
    code="M0000001262",
    infant_mrn="100",
    mother_mrn="M-1",
    milk_type="MOM",
    state="thawed",
    held=False,
    expires_at=NOW + 10 * H,
    colostrum=False,
)
OTHER_CODE = "M0000004754"


def milk(**changes) -> ContainerFacts:
    return dataclasses.replace(MILK, **changes)


def baby(**changes) -> InfantFacts:
    return dataclasses.replace(BABY, **changes)


def check(infant=BABY, container=MILK, others=(), now=NOW, policy=POLICY) -> Verdict:
    return check_feed(infant, container, others, now, policy)


def test_reason_codes_are_domain_md_table():
    assert REASON_CODES == {
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


def test_go():
    verdict = check()
    assert verdict == Verdict("go", ())
    assert verdict.codes == () and verdict.stops == () and verdict.warnings == ()
    assert verdict.advice == () and not verdict.near_miss


# What each severity does to the verdict, and whether the attempt is a near miss.
OUTCOME_OF = {"stop": ("stop", True), "warn": ("warn", True), "advice": ("go", False)}


# One case per code, each changing one fact of the go case, so that code is the only reason.
ONE_REASON = [
    ("INVALID_CODE", dict(container=Unresolved("INVALID_CODE", "M0000001263"))),
    ("UNKNOWN_BOTTLE", dict(container=Unresolved("UNKNOWN_BOTTLE", "M0000000195"))),
    ("UNKNOWN_INFANT", dict(infant=Unresolved("UNKNOWN_INFANT", "999"))),
    ("WRONG_INFANT", dict(container=milk(infant_mrn=STRANGER_MRN, mother_mrn="M-2"))),
    ("SIBLING", dict(container=milk(infant_mrn=TWIN_MRN))),
    ("NOT_RECEIVED", dict(container=milk(state="reserved", expires_at=None))),
    ("FROZEN", dict(container=milk(state="frozen"))),
    ("EXPIRED", dict(container=milk(expires_at=NOW))),
    ("HELD", dict(container=milk(held=True))),
    ("DISCARDED", dict(container=milk(state="discarded"))),
    ("CONSUMED", dict(container=milk(state="consumed"))),
    ("RETURNED", dict(container=milk(state="returned"))),
    (
        "DONOR_CONSENT_MISSING",
        dict(container=milk(milk_type="DHM"), infant=baby(donor_milk_consent=False)),
    ),
    ("INFANT_DISCHARGED", dict(infant=baby(admitted=False))),
    ("EXPIRES_SOON", dict(container=milk(expires_at=NOW + H))),
    ("USE_FIRST", dict(others=[milk(code=OTHER_CODE, colostrum=True)])),
]


def test_every_code_has_a_case():
    assert sorted(code for code, _ in ONE_REASON) == sorted(REASON_CODES)


@pytest.mark.parametrize(("code", "facts"), ONE_REASON, ids=[code for code, _ in ONE_REASON])
def test_one_case_per_reason_code(code, facts):
    verdict = check(**facts)
    assert verdict.codes == (code,)
    (reason,) = verdict.reasons
    assert reason.severity == REASON_CODES[code]
    assert (verdict.outcome, verdict.near_miss) == OUTCOME_OF[reason.severity]
    assert len(reason.message) > 30


def test_an_invalid_wristband_scan():
    verdict = check(infant=Unresolved("INVALID_CODE", "10O", hint="The letter O is not a digit."))
    assert verdict.codes == ("INVALID_CODE",)
    assert "wristband" in verdict.reasons[0].message
    assert "The letter O is not a digit." in verdict.reasons[0].message
    assert "second nurse" in verdict.reasons[0].message


def test_both_scans_unresolved_are_both_reported():
    verdict = check(
        infant=Unresolved("UNKNOWN_INFANT", "999"), container=Unresolved("INVALID_CODE", "M1")
    )
    assert verdict.outcome == "stop"
    assert verdict.codes == ("INVALID_CODE", "UNKNOWN_INFANT")


def test_an_unresolved_infant_still_reports_what_is_known_about_the_container():
    verdict = check(
        infant=Unresolved("UNKNOWN_INFANT", "999"), container=milk(held=True, state="frozen")
    )
    assert set(verdict.codes) == {"UNKNOWN_INFANT", "FROZEN", "HELD"}


def test_an_unresolved_container_still_reports_what_is_known_about_the_infant():
    verdict = check(
        infant=baby(admitted=False), container=Unresolved("UNKNOWN_BOTTLE", "M0000000195")
    )
    assert set(verdict.codes) == {"UNKNOWN_BOTTLE", "INFANT_DISCHARGED"}


def test_wrong_infant_message_says_what_to_do():
    verdict = check(container=milk(infant_mrn=STRANGER_MRN, mother_mrn="M-2"))
    message = verdict.reasons[0].message
    assert "another baby (MRN 200)" in message
    assert "Do not feed" in message
    assert "charge nurse" in message


def test_sibling_is_a_warning_by_default_and_a_stop_when_the_unit_says_so():
    twin_milk = milk(infant_mrn=TWIN_MRN)
    warned = check(container=twin_milk)
    stopped = check(container=twin_milk, policy=STRICT)
    assert (warned.outcome, warned.codes) == ("warn", ("SIBLING",))
    assert (stopped.outcome, stopped.codes) == ("stop", ("SIBLING",))
    assert stopped.reasons[0].severity == "stop"
    assert "Do not feed" in stopped.reasons[0].message
    assert "MRN 101" in warned.reasons[0].message


@pytest.mark.parametrize(
    ("infants_mother", "milks_mother"), [("", ""), ("M-1", "M-2"), ("M-1", "")]
)
def test_milk_of_an_unknown_or_other_mother_is_the_wrong_infant_not_a_sibling(
    infants_mother, milks_mother
):
    verdict = check(
        infant=baby(mother_mrn=infants_mother),
        container=milk(infant_mrn=TWIN_MRN, mother_mrn=milks_mother),
    )
    assert verdict.codes == ("WRONG_INFANT",)


def test_expiry_boundaries():
    assert check(container=milk(expires_at=NOW)).codes == ("EXPIRED",)
    assert check(container=milk(expires_at=NOW - dt.timedelta(days=3))).codes == ("EXPIRED",)
    almost = check(container=milk(expires_at=NOW + dt.timedelta(seconds=1)))
    assert almost.codes == ("EXPIRES_SOON",)
    assert check(container=milk(expires_at=NOW + H)).codes == ("EXPIRES_SOON",)
    assert check(container=milk(expires_at=NOW + H + dt.timedelta(seconds=1))).outcome == "go"


def test_expires_soon_follows_the_policy():
    soon = dataclasses.replace(POLICY, expires_soon=dt.timedelta(hours=3))
    assert check(container=milk(expires_at=NOW + 2 * H), policy=soon).codes == ("EXPIRES_SOON",)
    assert check(container=milk(expires_at=NOW + 2 * H)).outcome == "go"


def test_times_in_messages_are_on_the_units_clock():
    message = check(container=milk(expires_at=NOW - H)).reasons[0].message
    assert "28 Nov 13:00 CST" in message
    soon = check(container=milk(expires_at=NOW + dt.timedelta(minutes=35))).reasons[0].message
    assert "28 Nov 14:35 CST" in soon and "35 min" in soon


def test_milk_in_inventory_without_an_expiry_is_not_fed():
    verdict = check(container=milk(expires_at=None))
    assert verdict.outcome == "stop"
    assert verdict.codes == ("EXPIRED",)


def test_every_applicable_reason_is_reported_stops_first_in_table_order():
    verdict = check(
        infant=baby(admitted=False),
        container=milk(infant_mrn=TWIN_MRN, state="frozen", held=True, expires_at=NOW + H / 2),
    )
    assert verdict.outcome == "stop"
    assert verdict.codes == ("FROZEN", "HELD", "INFANT_DISCHARGED", "SIBLING", "EXPIRES_SOON")
    assert [reason.code for reason in verdict.stops] == list(verdict.codes[:3])
    assert [reason.code for reason in verdict.warnings] == ["SIBLING", "EXPIRES_SOON"]


# SIBLING is for the mother's own milk only: donor milk labelled for a twin is another baby's.
@pytest.mark.parametrize(
    ("container", "codes"),
    [
        (milk(infant_mrn=TWIN_MRN), ("SIBLING",)),
        (milk(infant_mrn=TWIN_MRN, milk_type="DHM"), ("WRONG_INFANT",)),
        (milk(infant_mrn=TWIN_MRN, milk_type="DHM", mother_mrn=""), ("WRONG_INFANT",)),
        (milk(milk_type="DHM", mother_mrn=""), ()),
        (milk(infant_mrn=STRANGER_MRN, mother_mrn="M-2"), ("WRONG_INFANT",)),
    ],
    ids=[
        "twin's own milk",
        "twin's donor milk",
        "twin's donor milk, no mother",
        "own donor milk",
        "stranger's milk",
    ],
)
def test_sibling_is_only_the_mothers_own_milk(container, codes):
    assert check(container=container).codes == codes


def test_wrong_infant_expired_held_discarded_together():
    verdict = check(
        container=milk(
            infant_mrn=STRANGER_MRN,
            mother_mrn="M-2",
            state="discarded",
            held=True,
            expires_at=NOW - H,
        )
    )
    assert verdict.codes == ("WRONG_INFANT", "EXPIRED", "HELD", "DISCARDED")


def test_stop_outranks_warn():
    verdict = check(container=milk(infant_mrn=TWIN_MRN, expires_at=NOW - H))
    assert verdict.outcome == "stop"
    assert verdict.codes == ("EXPIRED", "SIBLING")


def test_a_warning_with_advice_is_a_warn_and_lists_the_advice_last():
    verdict = check(
        container=milk(expires_at=NOW + H / 2),
        others=[milk(code=OTHER_CODE, colostrum=True, expires_at=NOW + 2 * H)],
    )
    assert verdict.outcome == "warn"
    assert verdict.codes == ("EXPIRES_SOON", "USE_FIRST")
    assert verdict.warnings == verdict.reasons[:1] and verdict.advice == verdict.reasons[1:]


def test_two_warnings_are_a_warn():
    verdict = check(container=milk(infant_mrn=TWIN_MRN, expires_at=NOW + H / 2))
    assert verdict.outcome == "warn"
    assert verdict.codes == ("SIBLING", "EXPIRES_SOON")


# Advice never moves the verdict: each base case, with a better bottle on the shelf beside it.
@pytest.mark.parametrize(
    ("container", "outcome", "codes"),
    [
        (MILK, "go", ("USE_FIRST",)),
        (milk(expires_at=NOW + H / 2), "warn", ("EXPIRES_SOON", "USE_FIRST")),
        (milk(state="frozen"), "stop", ("FROZEN",)),
        (milk(expires_at=NOW - H), "stop", ("EXPIRED",)),
        (milk(held=True), "stop", ("HELD",)),
    ],
    ids=["go", "warn", "frozen", "expired", "held"],
)
def test_advice_leaves_the_verdict_and_a_stop_shows_none(container, outcome, codes):
    better = milk(code=OTHER_CODE, colostrum=True, expires_at=NOW + 20 * H)
    verdict = check(container=container, others=[better])
    assert (verdict.outcome, verdict.codes) == (outcome, codes)
    # Nothing beside a stop may read as leave to feed the stopped bottle.
    for reason in verdict.reasons:
        assert "reason to feed" not in reason.message


def test_use_first_names_the_bottle_to_use_instead():
    verdict = check(others=[milk(code=OTHER_CODE, expires_at=NOW + 3 * H)])
    (advice,) = verdict.advice
    assert advice.use_instead == OTHER_CODE
    assert advice.message.startswith(f"Use container {OTHER_CODE} first")
    assert MILK.code not in advice.message


# --- USE_FIRST ---------------------------------------------------------------------------------


def test_use_first_colostrum_even_when_it_expires_later():
    colostrum = milk(code=OTHER_CODE, colostrum=True, expires_at=NOW + 40 * H)
    verdict = check(container=milk(expires_at=NOW + 5 * H), others=[colostrum])
    assert verdict.codes == ("USE_FIRST",)
    assert OTHER_CODE in verdict.reasons[0].message
    assert "colostrum" in verdict.reasons[0].message


def test_colostrum_goes_before_milk_that_expires_earlier():
    earlier = milk(code=OTHER_CODE, expires_at=NOW + 2 * H)
    assert check(container=milk(colostrum=True), others=[earlier]).outcome == "go"


def test_use_first_the_one_that_expires_earlier():
    earlier = milk(code=OTHER_CODE, expires_at=NOW + 3 * H)
    verdict = check(others=[earlier])
    assert verdict.codes == ("USE_FIRST",)
    assert OTHER_CODE in verdict.reasons[0].message
    assert "28 Nov 17:00 CST" in verdict.reasons[0].message


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(milk(code=OTHER_CODE, expires_at=MILK.expires_at), id="same expiry"),
        pytest.param(milk(code=OTHER_CODE, expires_at=NOW + 20 * H), id="expires later"),
        pytest.param(milk(expires_at=NOW + 2 * H), id="the scanned container itself"),
        pytest.param(milk(code=OTHER_CODE, expires_at=NOW - H), id="expired"),
        pytest.param(milk(code=OTHER_CODE, expires_at=NOW + 2 * H, held=True), id="held"),
        pytest.param(milk(code=OTHER_CODE, expires_at=NOW + 2 * H, state="frozen"), id="frozen"),
        pytest.param(milk(code=OTHER_CODE, colostrum=True, state="consumed"), id="consumed"),
        pytest.param(milk(code=OTHER_CODE, colostrum=True, state="reserved"), id="reserved"),
        pytest.param(milk(code=OTHER_CODE, colostrum=True, infant_mrn=TWIN_MRN), id="twin's"),
        pytest.param(
            milk(code=OTHER_CODE, expires_at=NOW + 2 * H, milk_type="DHM"),
            id="donor milk without consent",
        ),
    ],
)
def test_use_first_only_names_usable_containers_that_should_go_first(other):
    verdict = check(infant=baby(donor_milk_consent=False), others=[other])
    assert verdict.outcome == "go"


def test_use_first_names_the_best_of_several():
    others = [
        milk(code="M0000000195", expires_at=NOW + 4 * H),
        milk(code="M0000000292", colostrum=True, expires_at=NOW + 9 * H),
        milk(code=OTHER_CODE, colostrum=True, expires_at=NOW + 6 * H),
    ]
    verdict = check(others=others)
    assert verdict.codes == ("USE_FIRST",)
    assert OTHER_CODE in verdict.reasons[0].message


def test_use_first_is_not_given_for_another_babys_milk():
    earlier = milk(code=OTHER_CODE, expires_at=NOW + 2 * H)
    verdict = check(container=milk(infant_mrn=TWIN_MRN), others=[earlier])
    assert verdict.codes == ("SIBLING",)


def test_others_may_be_a_generator():
    others = (c for c in [milk(code=OTHER_CODE, colostrum=True)])
    assert check(others=others).codes == ("USE_FIRST",)


# --- is_usable and pick_first ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("container", "infant", "usable"),
    [
        (MILK, BABY, True),
        (milk(state="fresh"), BABY, True),
        (milk(milk_type="DHM"), BABY, True),
        (milk(milk_type="DHM"), baby(donor_milk_consent=False), False),
        (milk(infant_mrn=TWIN_MRN), BABY, False),
        (milk(state="frozen"), BABY, False),
        (milk(state="reserved"), BABY, False),
        (milk(state="consumed"), BABY, False),
        (milk(held=True), BABY, False),
        (milk(expires_at=NOW), BABY, False),
        (milk(expires_at=None), BABY, False),
    ],
)
def test_is_usable(container, infant, usable):
    assert is_usable(container, infant, NOW, POLICY) is usable


def test_pick_first_takes_colostrum_then_the_earliest_expiry():
    late_colostrum = milk(code="A", colostrum=True, expires_at=NOW + 30 * H)
    early_colostrum = milk(code="B", colostrum=True, expires_at=NOW + 20 * H)
    earliest = milk(code="C", expires_at=NOW + 2 * H)
    expired_colostrum = milk(code="D", colostrum=True, expires_at=NOW - H)
    candidates = [late_colostrum, earliest, expired_colostrum, early_colostrum]
    assert pick_first(candidates, BABY, NOW, POLICY) == early_colostrum
    assert pick_first([late_colostrum, earliest], BABY, NOW, POLICY) == late_colostrum
    assert (
        pick_first([milk(code="E", expires_at=NOW + 5 * H), earliest], BABY, NOW, POLICY)
        == earliest
    )
    assert pick_first([expired_colostrum], BABY, NOW, POLICY) is None
    assert pick_first([], BABY, NOW, POLICY) is None


def test_unknown_container_state_is_refused():
    with pytest.raises(ValueError, match="state"):
        milk(state="lost")


def test_verdict_helpers():
    stop = Reason("HELD", "stop", "held")
    warn = Reason("EXPIRES_SOON", "warn", "soon")
    advice = Reason("USE_FIRST", "advice", "use M0000004754 first", use_instead=OTHER_CODE)
    verdict = Verdict.of([advice, warn, stop])
    assert verdict.outcome == "stop"
    assert verdict.reasons == (stop, warn)  # a stop carries no advice
    assert verdict.codes == ("HELD", "EXPIRES_SOON")
    assert verdict.stops == (stop,) and verdict.warnings == (warn,) and verdict.advice == ()
    warned = Verdict.of([advice, warn])
    assert (warned.outcome, warned.reasons, warned.near_miss) == ("warn", (warn, advice), True)
    advised = Verdict.of([advice])
    assert (advised.outcome, advised.advice, advised.near_miss) == ("go", (advice,), False)
    assert Verdict.of([]).outcome == "go"


# --- properties --------------------------------------------------------------------------------

MRNS = st.sampled_from(["100", "101", "200"])
MOTHERS = st.sampled_from(["M-1", "M-2", ""])
OFFSETS = st.integers(-72 * 60, 72 * 60).map(lambda minutes: dt.timedelta(minutes=minutes))

infants = st.builds(
    InfantFacts,
    mrn=MRNS,
    mother_mrn=MOTHERS,
    admitted=st.booleans(),
    donor_milk_consent=st.booleans(),
    name=st.sampled_from(["", "Baby Boy Jones"]),
)
containers = st.builds(
    ContainerFacts,
    code=st.sampled_from(["M0000001262", "M0000004754", "M0000000195"]),
    infant_mrn=MRNS,
    mother_mrn=MOTHERS,
    milk_type=st.sampled_from(["MOM", "DHM"]),
    state=st.sampled_from(
        ["reserved", "fresh", "frozen", "thawed", "consumed", "discarded", "returned"]
    ),
    held=st.booleans(),
    expires_at=st.none() | OFFSETS.map(lambda offset: NOW + offset),
    colostrum=st.booleans(),
)
unresolved = st.builds(
    Unresolved,
    code=st.sampled_from(["INVALID_CODE", "UNKNOWN_BOTTLE", "UNKNOWN_INFANT"]),
    scanned=st.text(max_size=12),
)
policies = st.sampled_from([POLICY, STRICT])
others_lists = st.lists(containers, max_size=4)


@st.composite
def baby_and_bottle(draw):
    """Any baby and bottle; half the time the baby's own milk, in stock and in date, so that
    a go is common enough for the properties about a go to be tested at all."""
    infant, container = draw(infants), draw(containers)
    if draw(st.booleans()):
        infant = dataclasses.replace(infant, admitted=True)
        container = dataclasses.replace(
            container,
            infant_mrn=infant.mrn,
            mother_mrn=infant.mother_mrn,
            milk_type="MOM",
            state=draw(st.sampled_from(["fresh", "thawed"])),
            held=False,
            expires_at=NOW
            + draw(st.integers(4 * 60, 72 * 60).map(lambda m: dt.timedelta(minutes=m))),
        )
    return infant, container


@given(infants | unresolved, containers | unresolved, others_lists, policies)
def test_the_outcome_is_the_worst_severity_and_stops_come_first(infant, container, others, policy):
    verdict = check_feed(infant, container, others, NOW, policy)
    severities = [reason.severity for reason in verdict.reasons]
    expected = "stop" if "stop" in severities else "warn" if "warn" in severities else "go"
    assert verdict.outcome == expected
    rank = ["stop", "warn", "advice"]
    assert severities == sorted(severities, key=rank.index)
    if verdict.outcome == "stop":
        assert "advice" not in severities
    for reason in verdict.reasons:
        assert reason.code in REASON_CODES
        if reason.code == "SIBLING":
            assert reason.severity == policy.sibling_severity
        else:
            assert reason.severity == REASON_CODES[reason.code]


@given(infants, containers, others_lists, policies)
def test_milk_of_another_mother_never_gets_go(infant, container, others, policy):
    assume(container.infant_mrn != infant.mrn)
    assume(container.mother_mrn != infant.mother_mrn or not infant.mother_mrn)
    verdict = check_feed(infant, container, others, NOW, policy)
    assert verdict.outcome == "stop"
    assert "WRONG_INFANT" in verdict.codes


@given(infants, containers, st.integers(0, 72 * 60), others_lists, policies)
def test_expired_milk_never_gets_go(infant, container, minutes_ago, others, policy):
    # Drawn expired, not filtered: most random bottles are not, and a filter would test few.
    container = dataclasses.replace(container, expires_at=NOW - dt.timedelta(minutes=minutes_ago))
    verdict = check_feed(infant, container, others, NOW, policy)
    assert verdict.outcome == "stop"
    assert "EXPIRED" in verdict.codes


@given(baby_and_bottle(), others_lists, policies)
def test_a_go_means_this_milk_is_usable_for_this_baby(pair, others, policy):
    infant, container = pair
    verdict = check_feed(infant, container, others, NOW, policy)
    assume(verdict.outcome == "go")
    assert isinstance(infant, InfantFacts) and isinstance(container, ContainerFacts)
    assert infant.admitted
    assert is_usable(container, infant, NOW, policy)
    assert container.expires_at - NOW > policy.expires_soon
    assert pick_first([container, *others], infant, NOW, policy) is not None


@st.composite
def usable_pairs(draw):
    """A baby and one of its bottles that could be fed now: the case USE_FIRST is about."""
    infant = draw(infants)
    container = draw(
        containers.map(
            lambda c: dataclasses.replace(
                c,
                infant_mrn=infant.mrn,
                state=draw(st.sampled_from(["fresh", "thawed"])),
                held=False,
                milk_type="DHM" if infant.donor_milk_consent and c.milk_type == "DHM" else "MOM",
                expires_at=NOW + draw(st.integers(1, 72 * 60)) * dt.timedelta(minutes=1),
            )
        )
    )
    return infant, container


@given(usable_pairs(), others_lists, policies)
def test_no_use_first_means_nothing_usable_should_go_before_it(pair, others, policy):
    infant, container = pair
    verdict = check_feed(infant, container, others, NOW, policy)
    assert is_usable(container, infant, NOW, policy)
    assume(verdict.outcome != "stop")  # a stop (the baby discharged) shows no advice
    best = pick_first([c for c in others if c.code != container.code], infant, NOW, policy)
    should_advise = best is not None and (
        (best.colostrum and not container.colostrum)
        or (best.colostrum == container.colostrum and best.expires_at < container.expires_at)
    )
    assert ("USE_FIRST" in verdict.codes) == should_advise
