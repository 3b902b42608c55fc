"""ADT messages read per interop.md's field table, refused with AR or AE and a reason, and
answered with ACKs that parse back in the message's own separators."""

from __future__ import annotations

import datetime as dt
import string
from zoneinfo import ZoneInfo

import hl7
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from nicu_milk import models
from nicu_milk.adapters.hl7 import (
    AdtEffect,
    AdtMessage,
    AdtRejection,
    MotherIdentity,
    build_ack,
    effect_of,
    hl7_time,
    parse_adt,
    valid_identifier,
)
from nicu_milk.adapters.hl7.messages import IDENTIFIER_MAX, NAME_MAX
from tests.adapters.hl7 import samples
from tests.adapters.hl7.samples import message, msh, segment

NOW = dt.datetime(2026, 11, 28, 20, 6, 30, tzinfo=dt.UTC)
CHICAGO = ZoneInfo("America/Chicago")


def parsed(raw) -> AdtMessage:
    result = parse_adt(raw)
    assert isinstance(result, AdtMessage), result
    return result


def refused(raw) -> AdtRejection:
    result = parse_adt(raw)
    assert isinstance(result, AdtRejection), result
    return result


def admit(*pid_and_more: str, event="A01", control_id="T-0001", version="2.5.1") -> str:
    return message(msh(event, control_id, version), *pid_and_more)


def pid(**fields: str) -> str:
    """A PID with the given fields (f3="...", f21="..."); PID-3 defaults to a valid MRN."""
    numbered = {1: "1", 3: "7000111^^^STMARYS^MR"}
    numbered.update({int(name[1:]): value for name, value in fields.items()})
    return segment("PID", numbered)


# --- the field table --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            samples.TWIN_A,
            {
                "event": "A01",
                "mrn": "7000111",
                "family_name": "Okafor",
                "given_name": "Amara",
                "birth_date": dt.date(2026, 11, 27),
                "mother": MotherIdentity("M7000900", "Okafor", "Ngozi", "PID-21"),
                "multiple_birth": True,
                "birth_order": 1,
                "point_of_care": "NICU",
                "room": "04",
                "bed": "A",
                "prior_mrn": None,
                "message_time": dt.datetime(2026, 11, 28, 20, 5, tzinfo=dt.UTC),
            },
            id="twin A: PID-21 mother named by NK1-2, PID-24 Y, PID-25 1",
        ),
        pytest.param(
            samples.TWIN_B,
            {
                "mrn": "7000112",
                "given_name": "Chidi",
                "mother": MotherIdentity("M7000900", "Okafor", "Ngozi", "PID-21"),
                "multiple_birth": True,
                "birth_order": 2,
                "bed": "B",
            },
            id="twin B: the same mother, birth order 2",
        ),
        pytest.param(
            samples.BABY_GIRL,
            {
                "mrn": "T7000999",
                "family_name": "Baker",
                "given_name": "Baby Girl",
                "birth_date": dt.date(2026, 11, 28),  # PID-7 with a time of birth
                "mother": MotherIdentity("M7000950", None, None, "PID-21"),
                "multiple_birth": None,
                "birth_order": None,
            },
            id="temporary Baby Girl: the repetition typed MR, not the first",
        ),
        pytest.param(
            samples.MERGE,
            {"event": "A40", "mrn": "7000555", "prior_mrn": "T7000999", "point_of_care": None},
            id="A40: MRG-1 is the prior MRN",
        ),
        pytest.param(
            samples.V23,
            {
                "event": "A04",
                "mrn": "4400123",
                "given_name": "Baby Boy",
                "message_time": dt.datetime(1999, 11, 28, 14, 5, tzinfo=dt.UTC),
            },
            id="v2.3",
        ),
        pytest.param(
            samples.V28,
            {"event": "A08", "mrn": "7000111", "given_name": "Amara Grace", "room": "05"},
            id="v2.8 with the truncation character in MSH-2",
        ),
        pytest.param(
            samples.NON_DEFAULT,
            {
                "mrn": "8800123",
                "family_name": "Lee&Park",  # & and ^ are plain characters in this message
                "given_name": "Baby^Boy",
                "mother": MotherIdentity("M8800900", None, None, "PID-21"),
                "multiple_birth": False,
                "point_of_care": "NICU",
                "room": "2",
                "bed": "B",
            },
            id="encoding characters !$~?* from MSH-1 and MSH-2",
        ),
        pytest.param(
            samples.NK1_MOTHER,
            {"mother": MotherIdentity("M7000321", "Haddad", "Rana", "NK1-33")},
            id="mother only in the NK1 with MTH (after the father's NK1)",
        ),
        pytest.param(samples.NO_MOTHER, {"mother": None}, id="no mother in the message"),
    ],
)
def test_samples_read_into_the_field_table(raw, expected):
    result = parsed(raw)
    assert {name: getattr(result, name) for name in expected} == expected


def test_the_header_is_kept_as_sent_for_the_ack_and_the_repeat_check():
    result = parsed(samples.TWIN_A)
    assert result.key == ("EPIC", "STMARYS", "TW-0001")
    assert result.control_id == "TW-0001"
    assert result.version == "2.5.1"
    assert result.header.receiving_application == "NICUMILK"


@pytest.mark.parametrize(
    ("raw", "mrn"),
    [
        (admit(pid(f3="7000111")), "7000111"),  # no CX components at all
        (admit(pid(f3="A-1.b^^^H^PI~7000111^^^H^MR~9^^^H^MR")), "7000111"),  # first MR wins
        (admit(pid(f3="A-1.b^^^H^PI~B2^^^H^PN")), "A-1.b"),  # none typed MR: the first
        (admit(pid(f3="^^^H^PI~7000111^^^H^mr")), "7000111"),  # the type read in any case
        (admit(pid(f3="X" * 64)), "X" * 64),  # the longest allowed
    ],
)
def test_pid_3_is_the_repetition_typed_mr_else_the_first(raw, mrn):
    assert parsed(raw).mrn == mrn


@pytest.mark.parametrize(
    ("pid_fields", "nk1s", "mother"),
    [
        ({"f21": "M1^^^H^MR"}, [], MotherIdentity("M1")),
        ({"f21": "M1^^^H^MR"}, [{2: "Ray^Ann", 3: "MTH"}], MotherIdentity("M1", "Ray", "Ann")),
        (
            {"f21": "M1^^^H^MR"},
            [{2: "Ray^Ann", 3: "MTH", 33: "M1^^^H^MR"}],
            MotherIdentity("M1", "Ray", "Ann"),
        ),
        ({}, [{2: "Ray^Ann", 3: "mth", 33: "M2"}], MotherIdentity("M2", "Ray", "Ann", "NK1-33")),
        # An NK1 with MTH but no identifier names no mother on record.
        ({}, [{2: "Ray^Ann", 3: "MTH"}], None),
        ({}, [{2: "Ray^Bo", 3: "FTH", 33: "F1"}], None),
        # NK1-33 repeats like PID-3: the MR-typed one.
        (
            {},
            [{2: "Ray^Ann", 3: "MTH", 33: "SSN1^^^US^SS~M3^^^H^MR"}],
            MotherIdentity("M3", "Ray", "Ann", "NK1-33"),
        ),
        # HL7's explicit null is no value.
        ({"f21": '""'}, [], None),
    ],
)
def test_the_mother_comes_from_pid_21_else_the_nk1_with_mth(pid_fields, nk1s, mother):
    kin = [segment("NK1", {1: str(number), **fields}) for number, fields in enumerate(nk1s, 1)]
    assert parsed(admit(pid(**pid_fields), *kin)).mother == mother


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ('""', None),
        ("20261128", dt.date(2026, 11, 28)),
        ("202611280312", dt.date(2026, 11, 28)),
        ("20261128031245.5-0600", dt.date(2026, 11, 28)),
        ("20240229", dt.date(2024, 2, 29)),
    ],
)
def test_pid_7_gives_the_date_of_birth(text, expected):
    assert parsed(admit(pid(f7=text))).birth_date == expected


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("20261128140500-0600", None, dt.datetime(2026, 11, 28, 20, 5, tzinfo=dt.UTC)),
        ("20261128140500+0530", None, dt.datetime(2026, 11, 28, 8, 35, tzinfo=dt.UTC)),
        ("20261128140500", CHICAGO, dt.datetime(2026, 11, 28, 20, 5, tzinfo=dt.UTC)),
        ("20260701140500", CHICAGO, dt.datetime(2026, 7, 1, 19, 5, tzinfo=dt.UTC)),  # CDT
        ("202611281405", None, dt.datetime(2026, 11, 28, 14, 5, tzinfo=dt.UTC)),
        ("2026112814", None, dt.datetime(2026, 11, 28, 14, tzinfo=dt.UTC)),
        ("2026", None, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        ("20261128140500.25", None, dt.datetime(2026, 11, 28, 14, 5, 0, 250000, tzinfo=dt.UTC)),
        ("20261328", None, None),
        ("20261128250000", None, None),
        ("20261128140500-2400", None, None),
        ("yesterday", None, None),
        ("", None, None),
    ],
)
def test_hl7_time(text, zone, expected):
    assert hl7_time(text, zone or ZoneInfo("UTC")) == expected


def test_an_offsetless_msh_7_is_read_in_the_zone_given():
    raw = samples.V23
    assert parse_adt(raw, zone=CHICAGO).message_time == dt.datetime(
        1999, 11, 28, 20, 5, tzinfo=dt.UTC
    )


@pytest.mark.parametrize(
    ("fields", "multiple", "order"),
    [
        ({"f24": "Y", "f25": "1"}, True, 1),
        ({"f24": "y", "f25": "3"}, True, 3),
        ({"f24": "N"}, False, None),
        ({}, None, None),
    ],
)
def test_pid_24_and_25_give_the_multiple_birth(fields, multiple, order):
    result = parsed(admit(pid(**fields)))
    assert (result.multiple_birth, result.birth_order) == (multiple, order)


def test_names_are_unescaped_with_the_messages_own_escape_character():
    result = parsed(admit(pid(f5="O\\T\\Brien^Mary\\S\\Kate")))
    assert (result.family_name, result.given_name) == ("O&Brien", "Mary^Kate")


def test_bytes_in_utf_8_or_latin_1_and_lf_line_ends_are_read():
    text = admit(pid(f5="Zoë^Anaïs"))
    assert parsed(text.encode("utf-8")).family_name == "Zoë"
    assert parsed(text.encode("latin-1")).given_name == "Anaïs"
    assert parsed(text.replace("\r", "\n")).given_name == "Anaïs"
    assert parsed(text.replace("\r", "\r\n")).family_name == "Zoë"


def test_a_v2_3_event_missing_from_msh_9_is_read_from_evn_1():
    raw = message(
        "MSH|^~\\&|OLD|HOSP|NICUMILK|NICU|20261128||ADT|EV-1|P|2.3", "EVN|A03|20261128", pid()
    )
    assert parsed(raw).event == "A03"


def test_the_name_limits_are_the_database_columns():
    assert NAME_MAX == models.NAME
    assert IDENTIFIER_MAX == models.CODE


# --- refusals ---------------------------------------------------------------------------------

MRG = "MRG|T1^^^H^MR"
PV1 = "PV1|1|I|NICU^1^A"


@pytest.mark.parametrize(
    ("raw", "code", "error", "fragment", "location"),
    [
        (b"", "AR", "100", "the message is empty", (None, None)),
        (b"\x00\x13\xff garbage \x1b[0m", "AR", "100", "does not begin with an MSH", (None, None)),
        (samples.MISSING_MSH, "AR", "100", "does not begin with an MSH segment", (None, None)),
        ("MSH|^^\\&|A|B", "AR", "102", "4 distinct encoding characters", ("MSH", 2)),
        ("MSHA^~\\&|A|B", "AR", "102", "field separator", ("MSH", 2)),
        (samples.UNKNOWN_EVENT, "AR", "201", "event 'A31' (MSH-9.2) is not supported", ("MSH", 9)),
        (samples.VERSION_29, "AR", "203", "version '2.9' (MSH-12) is not supported", ("MSH", 12)),
        (admit(pid(), version="2.2"), "AR", "203", "takes 2.3 to 2.8", ("MSH", 12)),
        (admit(pid(), version=""), "AR", "203", "'empty'", ("MSH", 12)),
        (
            message("MSH|^~\\&|LAB|H|N|N|2026||ORU^R01|O-1|P|2.5", pid()),
            "AR",
            "200",
            "message type 'ORU' (MSH-9) is not supported",
            ("MSH", 9),
        ),
        (admit(pid(), control_id=""), "AR", "101", "MSH-10", (None, None)),
        (admit(pid(), control_id="C" * 200), "AR", "102", "MSH-10 is 200 characters", ("MSH", 10)),
        (admit(pid(f5="Nul\x00Name")), "AR", "102", "control character (U+0000)", (None, None)),
        (admit(PV1), "AE", "100", "no PID segment", ("PID", None)),
        (admit(pid(f3="")), "AE", "101", "PID-3 holds no MRN", ("PID", 3)),
        (admit(pid(f3="^^^H^MR")), "AE", "101", "PID-3 holds no MRN", ("PID", 3)),
        (samples.MRN_500, "AE", "102", "PID-3.1 is 500 characters long", ("PID", 3)),
        (admit(pid(f3="X" * 65)), "AE", "102", "65 characters long", ("PID", 3)),
        (admit(pid(f3="7000 111")), "AE", "102", "(found ' ')", ("PID", 3)),
        (admit(pid(f3="7000/111")), "AE", "102", "(found '/')", ("PID", 3)),
        (admit(pid(f3="7000é")), "AE", "102", "(found 'é')", ("PID", 3)),
        (admit(pid(f21="M 1")), "AE", "102", "PID-21.1 'M 1' is not a valid MRN", ("PID", 21)),
        (admit(pid(f21="7000111")), "AE", "102", "mother's MRN is the baby's own", ("PID", 21)),
        (
            admit(pid(f21="M1"), segment("NK1", {1: "1", 2: "A^B", 3: "MTH", 33: "M2"})),
            "AE",
            "102",
            "differs between PID-21 (M1) and NK1-33 (M2)",
            ("NK1", 33),
        ),
        (admit(pid(f5="X" * 101)), "AE", "102", "PID-5.1 is 101 characters long", ("PID", 5)),
        (
            admit(pid(), segment("NK1", {1: "1", 2: "A^" + "Y" * 101, 3: "MTH", 33: "M2"})),
            "AE",
            "102",
            "NK1-2.2 is 101 characters long",
            ("NK1", 2),
        ),
        (admit(pid(f7="2026")), "AE", "102", "not a date of birth", ("PID", 7)),
        (admit(pid(f7="20260230")), "AE", "102", "not a calendar date", ("PID", 7)),
        (admit(pid(f24="X")), "AE", "102", "PID-24 'X' is not Y or N", ("PID", 24)),
        (admit(pid(f25="two")), "AE", "102", "PID-25 'two' is not a birth order", ("PID", 25)),
        (admit(pid(f25="0")), "AE", "102", "is not a birth order", ("PID", 25)),
        (admit(pid(), event="A40"), "AE", "101", "needs an MRG segment", ("MRG", None)),
        (admit(pid(), "MRG|", event="A40"), "AE", "101", "MRG-1 holds no prior MRN", ("MRG", 1)),
        (admit(pid(), "MRG|7000111", event="A40"), "AE", "102", "the same MRN", ("MRG", 1)),
        (admit(pid(), "MRG|T 1", event="A40"), "AE", "102", "MRG-1.1 'T 1'", ("MRG", 1)),
        (
            admit(pid(), MRG, pid(f3="7000222"), "MRG|T2", event="A40"),
            "AE",
            "100",
            "merges 2 patients",
            ("MRG", None),
        ),
        (admit(pid(), event="A02"), "AE", "101", "A02 needs the new location", ("PV1", 3)),
        (admit(pid(), "PV1|1|I|^5^A", event="A02"), "AE", "101", "new location", ("PV1", 3)),
    ],
)
def test_refusals_say_why_and_where(raw, code, error, fragment, location):
    result = refused(raw)
    assert (result.code, result.error) == (code, error)
    assert fragment in result.reason
    assert (result.segment, result.field) == location


def test_the_reason_for_a_long_mrn_does_not_echo_it():
    assert "7777777" not in refused(samples.MRN_500).reason


def test_a_refused_message_keeps_its_header_for_the_ack():
    result = refused(samples.MRN_500)
    assert result.key == ("EPIC", "STMARYS", "LONG-0001")
    assert result.control_id == "LONG-0001"


@given(st.from_regex(r"[A-Za-z0-9.\-]{1,64}", fullmatch=True))
def test_any_identifier_interop_md_allows_is_read_back_as_the_mrn(mrn):
    assert valid_identifier(mrn)
    # The escape character must be escaped itself; the allowed set has none of |^~\&.
    assert parsed(admit(pid(f3=f"{mrn}^^^H^MR"))).mrn == mrn


@given(st.text(st.characters(exclude_characters="|^~\\&\r\n"), min_size=1, max_size=80))
def test_any_other_identifier_is_refused_with_ae(text):
    assume(not valid_identifier(text.strip()))
    assume(text.strip() not in ("", '""'))
    result = parse_adt(admit(pid(f3=text)))
    assert isinstance(result, AdtRejection)
    assert result.code in ("AE", "AR")  # AR only when the text holds a control character
    assert result.code == "AE" or "control character" in result.reason


# --- the effect on the unit -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "point_of_care", "effect"),
    [
        ("A01", "NICU", AdtEffect.ADMIT),
        ("A04", "nicu", AdtEffect.ADMIT),
        ("A01", "PEDS", AdtEffect.IGNORE),
        ("A04", None, AdtEffect.IGNORE),
        ("A08", "SCN", AdtEffect.UPDATE),
        ("A08", "PEDS", AdtEffect.IGNORE),
        ("A02", "SCN", AdtEffect.TRANSFER),
        ("A02", "PEDS", AdtEffect.DISCHARGE),
        ("A03", "PEDS", AdtEffect.DISCHARGE),
        ("A03", None, AdtEffect.DISCHARGE),
        ("A11", "PEDS", AdtEffect.CANCEL_ADMISSION),
        ("A13", None, AdtEffect.CANCEL_DISCHARGE),
        ("A40", None, AdtEffect.MERGE),
    ],
)
def test_effect_of_each_event_for_the_units_points_of_care(event, point_of_care, effect):
    pv1 = f"PV1|1|I|{point_of_care}^1^A" if point_of_care else "PV1|1|I"
    extra = [MRG] if event == "A40" else []
    result = parsed(admit(pid(), pv1, *extra, event=event))
    assert effect_of(result, ["NICU", " SCN "]) is effect


# --- acknowledgements -------------------------------------------------------------------------

SAMPLES = {
    name: getattr(samples, name)
    for name in (
        "TWIN_A",
        "TWIN_B",
        "BABY_GIRL",
        "MERGE",
        "DISCHARGE",
        "TRANSFER_OUT",
        "V23",
        "V28",
        "NON_DEFAULT",
        "NK1_MOTHER",
        "NO_MOTHER",
        "MISSING_MSH",
        "MRN_500",
        "UNKNOWN_EVENT",
        "VERSION_29",
    )
}


def value(message_or_segment, *path) -> str:
    """A field of a parsed ACK by position ("MSH", 9, 1, 2; on a segment 3, 1, 2); "" if absent."""
    if isinstance(path[0], str):
        message_or_segment = message_or_segment.segment(path[0])
        path = path[1:]
    try:
        return message_or_segment.extract_field(1, *path)
    except IndexError:
        return ""


def read_ack(ack: str):
    """The ACK parsed back with python-hl7, after checking it is one message of CR segments."""
    assert ack.endswith("\r") and "\n" not in ack
    return hl7.parse(ack)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_is_answered_with_an_ack_that_parses_back(name):
    raw = SAMPLES[name]
    result = parse_adt(raw)
    ack = read_ack(build_ack(result, now=NOW, control_id="ACK-1"))
    header = result.header
    msh = ack.segment("MSH")
    assert str(msh[1]) == header.field_separator
    assert str(msh[2]) == header.encoding_characters
    assert value(ack, "MSH", 9, 1, 1) == "ACK"
    assert value(ack, "MSH", 9, 1, 2) == header.event
    assert value(ack, "MSH", 10) == "ACK-1"
    assert value(ack, "MSH", 3) == header.receiving_application
    assert value(ack, "MSH", 5) == header.sending_application
    assert value(ack, "MSH", 7) == "20261128200630+0000"
    assert value(ack, "MSA", 1) == ("AA" if isinstance(result, AdtMessage) else result.code)
    assert value(ack, "MSA", 2) == header.control_id
    if isinstance(result, AdtMessage):
        assert [str(segment[0]) for segment in ack] == ["MSH", "MSA"]
    else:
        assert [str(segment[0]) for segment in ack] == ["MSH", "MSA", "ERR"]


@pytest.mark.parametrize(
    ("raw", "version", "structure"),
    [(samples.V23, "2.3", ""), (samples.TWIN_A, "2.5.1", "ACK"), (samples.V28, "2.8", "ACK")],
)
def test_the_ack_is_in_the_messages_version(raw, version, structure):
    ack = read_ack(build_ack(parse_adt(raw), now=NOW))
    assert value(ack, "MSH", 12) == version
    assert value(ack, "MSH", 9, 1, 3) == structure


def test_from_v2_5_the_reason_is_in_err_3_with_the_location_in_err_2():
    ack = read_ack(build_ack(parse_adt(samples.MRN_500), now=NOW))
    err = ack.segment("ERR")
    assert value(ack, "MSA", 1) == "AE"
    assert value(err, 2, 1, 1) == "PID"
    assert value(err, 2, 1, 3) == "3"
    assert value(err, 3, 1, 1) == "102"
    assert "500 characters long" in value(err, 3, 1, 2)
    assert value(err, 3, 1, 3) == "HL70357"
    assert value(err, 4) == "E"
    assert value(err, 1) == ""


def test_before_v2_5_the_reason_is_in_err_1_and_msa_3():
    raw = samples.V23.replace("4400123", "4400 123")
    ack = read_ack(build_ack(parse_adt(raw), now=NOW))
    err = ack.segment("ERR")
    assert value(ack, "MSA", 1) == "AE"
    assert "is not a valid MRN" in value(ack, "MSA", 3)
    assert value(err, 1, 1, 1) == "PID"
    assert value(err, 1, 1, 3) == "3"
    assert value(err, 1, 1, 4, 1) == "102"
    assert "is not a valid MRN" in value(err, 1, 1, 4, 2)
    assert len(err) == 2  # nothing in ERR-3, which v2.3 does not have


def test_the_ack_uses_the_messages_own_encoding_characters():
    raw = samples.NON_DEFAULT.replace("TMP9~8800123", "TMP9~88 00123")
    ack_text = build_ack(parse_adt(raw), now=NOW)
    assert ack_text.startswith("MSH!$~?*!NICUMILK!NICU!CERNER!NORTH!")
    ack = read_ack(ack_text)
    assert value(ack, "MSA", 2) == "ND-0001"
    assert "'88 00123' is not a valid MRN" in value(ack.segment("ERR"), 3, 1, 2)


def test_an_unreadable_message_is_answered_in_default_separators_and_v2_5():
    ack = read_ack(build_ack(b"\x00\xff not hl7", now=NOW))  # no code: from raw, AA by default
    assert value(ack, "MSH", 12) == "2.5"
    assert value(ack, "MSH", 9, 1, 1) == "ACK"
    ack = read_ack(build_ack(parse_adt(b"\x00\xff not hl7"), now=NOW))
    assert value(ack, "MSA", 1) == "AR"
    assert value(ack, "MSA", 2) == ""
    assert "does not begin with an MSH" in value(ack.segment("ERR"), 3, 1, 2)


def test_an_ack_from_raw_bytes_echoes_the_header_and_takes_a_code_and_reason():
    ack = read_ack(
        build_ack(
            samples.TWIN_A.encode(),
            "AE",
            "A40 for an unknown MRN",
            error="204",
            segment="MRG",
            field=1,
            now=NOW,
        )
    )
    assert value(ack, "MSA", 1) == "AE"
    assert value(ack, "MSA", 2) == "TW-0001"
    err = ack.segment("ERR")
    assert (value(err, 2, 1, 1), value(err, 2, 1, 3)) == ("MRG", "1")
    assert value(err, 3, 1, 1) == "204"


def test_a_rejections_code_and_reason_can_be_overridden():
    ack = read_ack(build_ack(parse_adt(samples.MRN_500), "AR", "listener stopping", now=NOW))
    assert value(ack, "MSA", 1) == "AR"
    assert value(ack.segment("ERR"), 3, 1, 2) == "listener stopping"


def test_a_header_field_too_long_to_echo_is_left_out():
    raw = samples.TWIN_A.replace("|EPIC|", "|" + "E" * 300 + "|")
    ack = read_ack(build_ack(raw, now=NOW))
    assert value(ack, "MSH", 5) == ""
    assert value(ack, "MSA", 2) == "TW-0001"


@pytest.mark.parametrize(
    ("code", "reason", "now", "problem"),
    [
        ("AE", None, NOW, "needs a reason"),
        ("AR", "", NOW, "needs a reason"),
        ("CA", "x", NOW, "AA, AE or AR"),
        ("AA", None, dt.datetime(2026, 11, 28, 14, 5), "timezone-aware"),
    ],
)
def test_build_ack_refuses_what_would_make_a_bad_ack(code, reason, now, problem):
    with pytest.raises(ValueError, match=problem):
        build_ack(samples.TWIN_A, code, reason, now=now)


# Punctuation that can serve as separators: not alphanumeric, not white space, not CR, and
# not - or . (an MRN's characters, used in the values below).
SEPARATORS = st.lists(
    st.sampled_from(list("!#$%&()*+,/:;<=>?@[\\]^_`{|}~")), min_size=5, max_size=5, unique=True
)


@given(SEPARATORS, st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), max_size=60))
def test_any_reason_survives_escaping_in_any_separators(chars, reason):
    assume(reason.strip())
    field, component, repetition, escape, subcomponent = chars
    header = f"MSH{field}{component}{repetition}{escape}{subcomponent}"
    raw = field.join(
        [header, "EPIC", "H", "N", "N", "20261128", "", f"ADT{component}A01", "Q-1", "P", "2.5"]
    )
    ack = read_ack(build_ack(raw, "AE", reason, now=NOW))
    assert value(ack, "MSA", 2) == "Q-1"
    assert value(ack.segment("ERR"), 3, 1, 2) == " ".join(reason.split())


@given(SEPARATORS, st.from_regex(r"[A-Za-z0-9.\-]{1,64}", fullmatch=True))
def test_any_encoding_characters_are_read_from_msh(chars, mrn):
    field, component, repetition, escape, subcomponent = chars
    raw = "\r".join(
        [
            field.join(
                [
                    f"MSH{field}{component}{repetition}{escape}{subcomponent}",
                    "EPIC",
                    "H",
                    "N",
                    "N",
                    "20261128",
                    "",
                    f"ADT{component}A01",
                    "Q-2",
                    "P",
                    "2.4",
                ]
            ),
            field.join(["PID", "1", "", f"OTHER{repetition}{mrn}{component * 4}MR"]),
        ]
    )
    assert parsed(raw).mrn == mrn


@given(st.binary(max_size=300) | st.text(max_size=300))
def test_no_input_raises_and_every_answer_parses_back(raw):
    result = parse_adt(raw)
    assert isinstance(result, AdtMessage | AdtRejection)
    ack = read_ack(build_ack(result, now=NOW))
    assert value(ack, "MSA", 2) == result.header.control_id


@given(st.text(string.printable, max_size=200))
def test_no_text_after_a_valid_msh_raises(body):
    raw = msh("A01", "F-1") + "\r" + body
    result = parse_adt(raw)
    assert isinstance(result, AdtMessage | AdtRejection)
    assert result.header.control_id == "F-1"


def test_messages_without_a_control_id_are_never_each_others_repeat():
    assert refused(samples.MISSING_MSH).key is None
    assert refused(admit(pid(), control_id="")).key is None
