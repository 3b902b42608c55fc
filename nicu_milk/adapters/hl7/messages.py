"""ADT messages read into typed values, and the ACKs that answer them (interop.md, "HL7 v2 ADT").

Pure: no Flask, no database, no clock (the ACK's own time is passed in).

The parser is python-hl7 (`hl7` on PyPI, BSD). Both it and hl7apy (MIT) were tried on the
cases this interface must take: encoding characters read from MSH-1 and MSH-2 (both do),
versions 2.3 to 2.8 (both), repetitions in PID-3 (both), NK1 with MTH, and a 1 MB message
(python-hl7 3 ms, hl7apy 11 ms). python-hl7 was chosen because:

- hl7apy's value is validation against each version's message structures, and that is what
  would have to be switched off here. In strict mode it refused a legal v2.3 A04 (with or
  without a message structure in MSH-9) and a v2.8 A01 that still fills EVN-1 (withdrawn in
  2.7, still sent by many feeds), and its validation fails an A01 without EVN (required, often
  omitted). The contract accepts anything from 2.3 to 2.8 that carries the few fields of its
  table. In tolerant mode hl7apy validates nothing and is a slower tree of the same strings.
- python-hl7 is version-agnostic and small: it splits by the message's own separators,
  unescapes, and reads fields by position, which is exactly the contract's field table.
- Its asyncio MLLP helpers are not used: they drop a frame with bytes before its start block
  and call the deprecated `get_event_loop`, so `mllp.py` frames by itself.
- The risk: python-hl7's last release (0.4.5) is from 2022, hl7apy's from 2024. Only
  `hl7.parse` and `Segment.extract_field` are used here, behind this module's own types, so
  replacing it would touch this file alone.

What each field means, and what is refused with which acknowledgement code, follows interop.md:
AR for what cannot be parsed or is not supported (message type, event, version), AE for an
ADT message that is understood but cannot be applied (no MRN, an MRN that is not a valid
identifier, ...). Nothing here decides what a message changes in the unit: see `effect_of`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

import hl7

AckCode = Literal["AA", "AE", "AR"]

EVENTS = frozenset({"A01", "A02", "A03", "A04", "A08", "A11", "A13", "A40"})
# MSH-12.1 values from 2.3 to 2.8, with the point releases the standard published.
SUPPORTED_VERSIONS = frozenset(
    {"2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2"}
)
# The characters a FHIR id allows, so that the MRN can be Patient.id as it is.
_IDENTIFIER = re.compile(r"[A-Za-z0-9.\-]{1,64}")
IDENTIFIER_MAX = 64
# The width of the name columns (models.NAME); a test keeps the two equal.
NAME_MAX = 100
# MSH-10 is at most 199 characters from v2.5 on; it is echoed in MSA-2, so it is bounded here.
CONTROL_ID_MAX = 199
# A header field longer than this is not echoed into the ACK (a 1 MB MSH-3 is not copied back).
_ECHO_MAX = 227
# HL7 table 0357, message error condition codes, as ERR carries them.
ERR_SEGMENT_SEQUENCE = "100"
ERR_REQUIRED_FIELD_MISSING = "101"
ERR_DATA_TYPE = "102"
ERR_UNSUPPORTED_MESSAGE_TYPE = "200"
ERR_UNSUPPORTED_EVENT = "201"
ERR_UNSUPPORTED_VERSION = "203"
ERR_UNKNOWN_KEY = "204"
ERR_APPLICATION_INTERNAL = "207"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TIME = re.compile(
    r"(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?)?)?"
    r"([+-]\d{4})?"
)
_VERSION_SHAPE = re.compile(r"\d{1,2}(?:\.\d{1,2}){0,2}")
UTC = dt.UTC


@dataclass(frozen=True)
class MessageHeader:
    """What the ACK and the duplicate check need from MSH, read even from a message refused.

    Fields are as sent, still escaped, so that the ACK echoes them exactly and a repeat (the
    same MSH-3, MSH-4 and MSH-10) compares equal.
    """

    field_separator: str = "|"
    encoding_characters: str = "^~\\&"
    sending_application: str = ""  # MSH-3
    sending_facility: str = ""  # MSH-4
    receiving_application: str = ""  # MSH-5
    receiving_facility: str = ""  # MSH-6
    message_time: str = ""  # MSH-7.1
    message_type: str = ""  # MSH-9.1
    event: str = ""  # MSH-9.2 (EVN-1 when MSH-9.2 is empty)
    control_id: str = ""  # MSH-10
    processing_id: str = ""  # MSH-11.1
    version: str = ""  # MSH-12.1

    @property
    def key(self) -> tuple[str, str, str] | None:
        """MSH-3, MSH-4 and MSH-10: a message with the same key is a repeat.

        None without an MSH-10: such messages (no MSH at all, say) are never each other's repeat.
        """
        if not self.control_id:
            return None
        return (self.sending_application, self.sending_facility, self.control_id)


@dataclass(frozen=True)
class MotherIdentity:
    """The baby's mother as the message names her: PID-21, else the NK1 with NK1-3 = MTH."""

    mrn: str
    family_name: str | None = None  # NK1-2, when an NK1 with MTH is present
    given_name: str | None = None
    source: Literal["PID-21", "NK1-33"] = "PID-21"


class _FromHeader:
    """MSH-10, MSH-12 and the repeat key, read through the message's header."""

    header: MessageHeader

    @property
    def control_id(self) -> str:
        return self.header.control_id

    @property
    def version(self) -> str:
        return self.header.version

    @property
    def key(self) -> tuple[str, str, str] | None:
        return self.header.key


@dataclass(frozen=True)
class AdtMessage(_FromHeader):
    """An ADT message understood, with every field of interop.md's table it carries."""

    header: MessageHeader
    event: str
    mrn: str  # PID-3: the repetition typed MR (CX.5), else the first
    family_name: str | None  # PID-5.1
    given_name: str | None  # PID-5.2
    birth_date: dt.date | None  # PID-7, the date part as the record gives it
    mother: MotherIdentity | None
    multiple_birth: bool | None  # PID-24
    birth_order: int | None  # PID-25
    point_of_care: str | None  # PV1-3.1
    room: str | None  # PV1-3.2
    bed: str | None  # PV1-3.3
    prior_mrn: str | None = None  # MRG-1 in an A40
    message_time: dt.datetime | None = None  # MSH-7, in UTC


@dataclass(frozen=True)
class AdtRejection(_FromHeader):
    """A message refused: AR (cannot be parsed, or not supported) or AE (cannot be applied).

    `reason` is for the interface analyst who reads the ACK; `error` is HL7 table 0357's code,
    and `segment`/`field` locate the fault where there is one.
    """

    code: Literal["AE", "AR"]
    reason: str
    error: str
    header: MessageHeader = field(default_factory=MessageHeader)
    segment: str | None = None
    field: int | None = None


class AdtEffect(enum.StrEnum):
    """What an ADT message asks of the unit, before anything is looked up (interop.md's table)."""

    ADMIT = "admit"  # A01, A04 in the unit's points of care: admit, or update if known
    UPDATE = "update"  # A08 in the unit's points of care: update, or admit if unknown
    TRANSFER = "transfer"  # A02 to a bed in the unit's points of care
    DISCHARGE = "discharge"  # A03, or an A02 out of the unit's points of care
    CANCEL_ADMISSION = "cancel_admission"  # A11
    CANCEL_DISCHARGE = "cancel_discharge"  # A13
    MERGE = "merge"  # A40
    IGNORE = "ignore"  # A01, A04, A08 for another point of care: AA, nothing changes


def effect_of(message: AdtMessage, points_of_care: Iterable[str]) -> AdtEffect:
    """The effect of `message` for a unit with these PV1-3.1 points of care (case ignored)."""
    ours = {point.strip().casefold() for point in points_of_care}
    here = (message.point_of_care or "").casefold() in ours
    match message.event:
        case "A01" | "A04":
            return AdtEffect.ADMIT if here else AdtEffect.IGNORE
        case "A08":
            return AdtEffect.UPDATE if here else AdtEffect.IGNORE
        case "A02":
            return AdtEffect.TRANSFER if here else AdtEffect.DISCHARGE
        case "A03":
            return AdtEffect.DISCHARGE
        case "A11":
            return AdtEffect.CANCEL_ADMISSION
        case "A13":
            return AdtEffect.CANCEL_DISCHARGE
        case "A40":
            return AdtEffect.MERGE
    raise ValueError(f"not a supported ADT event: {message.event!r}")


def valid_identifier(value: str) -> bool:
    """True for an MRN interop.md allows: 1 to 64 characters of A-Z a-z 0-9 - ."""
    return _IDENTIFIER.fullmatch(value) is not None


def hl7_time(text: str, zone: ZoneInfo = ZoneInfo("UTC")) -> dt.datetime | None:
    """An HL7 TS/DTM (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+-ZZZZ]) in UTC; None if it is not one.

    A time without an offset is the sender's local time, read in `zone` (the unit's).
    """
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    try:
        moment = dt.datetime(
            int(year),
            int(month or 1),
            int(day or 1),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")[:6]),
        )
    except ValueError:
        return None
    if offset is None:
        return moment.replace(tzinfo=zone).astimezone(UTC)
    sign = -1 if offset[0] == "-" else 1
    hours, minutes = int(offset[1:3]), int(offset[3:5])
    if hours > 14 or minutes > 59:
        return None
    delta = dt.timedelta(hours=hours, minutes=minutes) * sign
    return moment.replace(tzinfo=dt.timezone(delta)).astimezone(UTC)


# --- reading -------------------------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, code, reason, error, segment=None, field=None):
        super().__init__(reason)
        self.rejection = (code, reason, error, segment, field)


def _decode(raw: bytes | str) -> str:
    if isinstance(raw, str):
        text = raw
    else:
        # HL7 defaults to ASCII; UTF-8 is what current records send, ISO 8859-1 what older ones
        # do, and Latin-1 decodes any byte, so a message is never lost to its character set.
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    # Files and some engines end segments with CR LF or LF; the standard says CR.
    text = text.removeprefix("\ufeff").replace("\r\n", "\r").replace("\n", "\r")
    return text.strip(" \t\r")


def _split_header(text: str) -> MessageHeader | None:
    """MSH read by hand, so that even a message the parser refuses gets a proper ACK."""
    first = text.split("\r", 1)[0]
    if not first.startswith("MSH") or len(first) < 8:
        return None
    separator = first[3]
    fields = first.split(separator)
    encoding = fields[1]
    specials = separator + encoding
    if (
        len(encoding) not in (4, 5)  # 2.7 added a fifth, the truncation character
        or len(set(specials)) != len(specials)
        or any(char.isalnum() or char.isspace() for char in specials)
    ):
        return None
    component = encoding[0]

    def msh(number: int) -> str:
        return fields[number - 1] if number - 1 < len(fields) else ""

    def first_component(number: int) -> str:
        return msh(number).split(encoding[1], 1)[0].split(component, 1)[0]

    message_type = msh(9).split(encoding[1], 1)[0].split(component)
    return MessageHeader(
        field_separator=separator,
        encoding_characters=encoding,
        sending_application=msh(3),
        sending_facility=msh(4),
        receiving_application=msh(5),
        receiving_facility=msh(6),
        message_time=first_component(7),
        message_type=message_type[0].strip().upper(),
        event=message_type[1].strip().upper() if len(message_type) > 1 else "",
        control_id=msh(10),
        processing_id=first_component(11),
        version=first_component(12).strip(),
    )


def _value(segment, number: int, repetition=1, component=1, subcomponent=1) -> str:
    """One value, unescaped; "" where the message stops short of it."""
    try:
        return segment.extract_field(1, number, repetition, component, subcomponent).strip()
    except IndexError:
        return ""


def _repetitions(segment, number: int) -> int:
    return len(segment(number)) if number < len(segment) else 0


def _present(value: str) -> str | None:
    # `""` is HL7's explicit null; a blank and a null both mean "nothing here".
    return None if value in ("", '""') else value


def _identifier(segment, number: int, name: str) -> str | None:
    """A CX field's identifier: the repetition typed MR (CX.5), else the first."""
    count = _repetitions(segment, number)
    chosen = 1
    for repetition in range(1, count + 1):
        if _value(segment, number, repetition, 5).upper() == "MR":
            chosen = repetition
            break
    value = _present(_value(segment, number, chosen, 1)) if count else None
    if value is None:
        return None
    where = f"{name}.1" if chosen == 1 else f"{name}.1 (repetition {chosen}, typed MR)"
    if len(value) > IDENTIFIER_MAX:
        raise _Refused(
            "AE",
            f"{where} is {len(value)} characters long; an MRN is 1 to {IDENTIFIER_MAX} "
            "characters of A-Z a-z 0-9 - .",
            ERR_DATA_TYPE,
            str(segment[0]),
            number,
        )
    if not valid_identifier(value):
        bad = sorted({char for char in value if not _IDENTIFIER.fullmatch(char)})
        shown = " ".join(repr(char) if char.isprintable() else f"U+{ord(char):04X}" for char in bad)
        raise _Refused(
            "AE",
            f"{where} {value!r} is not a valid MRN: it may only hold A-Z a-z 0-9 - . "
            f"(found {shown})",
            ERR_DATA_TYPE,
            str(segment[0]),
            number,
        )
    return value


def _name(segment, number: int, where: str) -> tuple[str | None, str | None]:
    family = _present(_value(segment, number, 1, 1, 1))
    given = _present(_value(segment, number, 1, 2, 1))
    for part, value in (("1", family), ("2", given)):
        if value is not None and len(value) > NAME_MAX:
            raise _Refused(
                "AE",
                f"{where}.{part} is {len(value)} characters long; a name is at most {NAME_MAX}",
                ERR_DATA_TYPE,
                str(segment[0]),
                number,
            )
    return family, given


def _birth_date(pid) -> dt.date | None:
    text = _present(_value(pid, 7, 1, 1))
    if text is None:
        return None
    match = _TIME.fullmatch(text)
    if match is None or match.group(3) is None:
        raise _Refused(
            "AE", f"PID-7 {text[:40]!r} is not a date of birth (YYYYMMDD)", ERR_DATA_TYPE, "PID", 7
        )
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise _Refused(
            "AE", f"PID-7 {text[:40]!r} is not a calendar date", ERR_DATA_TYPE, "PID", 7
        ) from None


def _multiple_birth(pid) -> tuple[bool | None, int | None]:
    flag = _present(_value(pid, 24, 1, 1).upper())
    if flag not in (None, "Y", "N"):
        raise _Refused(
            "AE", f"PID-24 {flag[:10]!r} is not Y or N (multiple birth)", ERR_DATA_TYPE, "PID", 24
        )
    order_text = _present(_value(pid, 25, 1, 1))
    order = None
    if order_text is not None:
        if not order_text.isdigit() or not 1 <= int(order_text) <= 20:
            raise _Refused(
                "AE",
                f"PID-25 {order_text[:10]!r} is not a birth order (1, 2, 3, ...)",
                ERR_DATA_TYPE,
                "PID",
                25,
            )
        order = int(order_text)
    return (None if flag is None else flag == "Y"), order


def _mother(message, pid) -> MotherIdentity | None:
    from_pid = _identifier(pid, 21, "PID-21")
    kin = next(
        (nk1 for nk1 in _segments(message, "NK1") if _value(nk1, 3, 1, 1).upper() == "MTH"), None
    )
    if kin is None:
        return None if from_pid is None else MotherIdentity(from_pid)
    from_kin = _identifier(kin, 33, "NK1-33")
    if from_pid is not None and from_kin is not None and from_pid != from_kin:
        # Two different mothers for one baby: guessing would put the wrong milk beside her.
        raise _Refused(
            "AE",
            f"the mother's MRN differs between PID-21 ({from_pid}) and NK1-33 ({from_kin})",
            ERR_DATA_TYPE,
            "NK1",
            33,
        )
    mrn = from_pid or from_kin
    if mrn is None:
        return None  # an NK1 with MTH but no identifier: no mother on record, as interop.md says
    family, given = _name(kin, 2, "NK1-2")
    return MotherIdentity(mrn, family, given, "PID-21" if from_pid else "NK1-33")


def _segments(message, name: str) -> list:
    return [segment for segment in message if str(segment[0]) == name]


def _point_of_care(pv1) -> tuple[str | None, str | None, str | None]:
    if pv1 is None:
        return None, None, None
    return tuple(_present(_value(pv1, 3, 1, number)) for number in (1, 2, 3))


def _check_header(header: MessageHeader, text: str) -> None:
    if not header.control_id:
        raise _Refused("AR", "MSH-10 (message control ID) is empty", ERR_REQUIRED_FIELD_MISSING)
    if len(header.control_id) > CONTROL_ID_MAX:
        raise _Refused(
            "AR",
            f"MSH-10 is {len(header.control_id)} characters; at most {CONTROL_ID_MAX}",
            ERR_DATA_TYPE,
            "MSH",
            10,
        )
    if header.version not in SUPPORTED_VERSIONS:
        shown = header.version[:20] or "empty"
        raise _Refused(
            "AR",
            f"HL7 version {shown!r} (MSH-12) is not supported; this interface takes 2.3 to 2.8",
            ERR_UNSUPPORTED_VERSION,
            "MSH",
            12,
        )
    if header.message_type != "ADT":
        shown = header.message_type[:20] or "empty"
        raise _Refused(
            "AR",
            f"message type {shown!r} (MSH-9) is not supported; this interface takes ADT",
            ERR_UNSUPPORTED_MESSAGE_TYPE,
            "MSH",
            9,
        )
    if header.event not in EVENTS:
        raise _Refused(
            "AR",
            f"ADT event {header.event[:20] or 'empty'!r} (MSH-9.2) is not supported; "
            f"this interface takes {', '.join(sorted(EVENTS))}",
            ERR_UNSUPPORTED_EVENT,
            "MSH",
            9,
        )
    control = _CONTROL.search(text)
    if control is not None:
        raise _Refused(
            "AR",
            f"the message holds a control character (U+{ord(control.group()):04X}) "
            "outside any escape sequence",
            ERR_DATA_TYPE,
        )


def parse_adt(raw: bytes | str, *, zone: ZoneInfo = ZoneInfo("UTC")) -> AdtMessage | AdtRejection:
    """Read one ADT message (without MLLP framing); refuse it with AR or AE and a reason.

    `zone` reads MSH-7 when it carries no offset (the sending system's local time).
    """
    text = _decode(raw)
    header = _split_header(text)
    if header is None:
        if not text:
            return AdtRejection("AR", "the message is empty", ERR_SEGMENT_SEQUENCE)
        if not text.startswith("MSH"):
            return AdtRejection(
                "AR", "the message does not begin with an MSH segment", ERR_SEGMENT_SEQUENCE
            )
        return AdtRejection(
            "AR",
            "MSH-1 and MSH-2 do not give a field separator and 4 distinct encoding characters",
            ERR_DATA_TYPE,
            segment="MSH",
            field=2,
        )
    try:
        if not header.event and header.message_type == "ADT":
            # v2.3 senders may leave MSH-9.2 empty and put the event in EVN-1 only.
            header = _event_from_evn(header, text)
        _check_header(header, text)
        return _read_adt(header, text, zone)
    except _Refused as refused:
        code, reason, error, segment, number = refused.rejection
        return AdtRejection(code, reason, error, header, segment, number)


def _event_from_evn(header: MessageHeader, text: str) -> MessageHeader:
    for line in text.split("\r"):
        if line.startswith("EVN" + header.field_separator):
            event = line.split(header.field_separator)[1:2]
            if event:
                code = event[0].split(header.encoding_characters[0], 1)[0].strip().upper()
                return dataclasses.replace(header, event=code)
    return header


def _read_adt(header: MessageHeader, text: str, zone: ZoneInfo) -> AdtMessage:
    try:
        message = hl7.parse(text)
    except Exception as error:  # the parser's own errors carry no common base class
        raise _Refused(
            "AR", f"the message cannot be parsed: {str(error)[:120]}", ERR_DATA_TYPE
        ) from None
    pids = _segments(message, "PID")
    if not pids:
        raise _Refused("AE", "the message has no PID segment", ERR_SEGMENT_SEQUENCE, "PID")
    pid = pids[0]
    mrn = _identifier(pid, 3, "PID-3")
    if mrn is None:
        raise _Refused(
            "AE", "PID-3 holds no MRN (the baby's identifier)", ERR_REQUIRED_FIELD_MISSING, "PID", 3
        )
    family, given = _name(pid, 5, "PID-5")
    birth_date = _birth_date(pid)
    mother = _mother(message, pid)
    if mother is not None and mother.mrn == mrn:
        raise _Refused(
            "AE", f"the mother's MRN is the baby's own ({mrn})", ERR_DATA_TYPE, "PID", 21
        )
    multiple_birth, birth_order = _multiple_birth(pid)
    pv1s = _segments(message, "PV1")
    point_of_care, room, bed = _point_of_care(pv1s[0] if pv1s else None)
    if header.event == "A02" and point_of_care is None:
        # Without the new location a transfer cannot say whether the baby left the unit.
        raise _Refused(
            "AE",
            "an A02 needs the new location in PV1-3 (point of care^room^bed)",
            ERR_REQUIRED_FIELD_MISSING,
            "PV1",
            3,
        )
    prior_mrn = _prior_mrn(message, mrn) if header.event == "A40" else None
    return AdtMessage(
        header=header,
        event=header.event,
        mrn=mrn,
        family_name=family,
        given_name=given,
        birth_date=birth_date,
        mother=mother,
        multiple_birth=multiple_birth,
        birth_order=birth_order,
        point_of_care=point_of_care,
        room=room,
        bed=bed,
        prior_mrn=prior_mrn,
        message_time=hl7_time(header.message_time, zone) if header.message_time else None,
    )


def _prior_mrn(message, mrn: str) -> str:
    merges = _segments(message, "MRG")
    if not merges:
        raise _Refused(
            "AE",
            "an A40 needs an MRG segment with the prior MRN in MRG-1",
            ERR_REQUIRED_FIELD_MISSING,
            "MRG",
        )
    if len(merges) > 1 or len(_segments(message, "PID")) > 1:
        # Merging only the first pair would leave the others half done; send one per message.
        raise _Refused(
            "AE",
            f"the A40 merges {len(merges)} patients; send one merge (PID and MRG) per message",
            ERR_SEGMENT_SEQUENCE,
            "MRG",
        )
    prior = _identifier(merges[0], 1, "MRG-1")
    if prior is None:
        raise _Refused("AE", "MRG-1 holds no prior MRN", ERR_REQUIRED_FIELD_MISSING, "MRG", 1)
    if prior == mrn:
        raise _Refused(
            "AE",
            f"MRG-1 and PID-3 are the same MRN ({mrn}); there is nothing to merge",
            ERR_DATA_TYPE,
            "MRG",
            1,
        )
    return prior


# --- the acknowledgement -------------------------------------------------------------------


def _escape(text: str, separator: str, encoding: str) -> str:
    """Text as an HL7 value: the separators written as escape sequences, lines joined."""
    component, repetition, escape, subcomponent = encoding[:4]
    text = " ".join(text.split())  # CR would end the segment; other white space is cosmetic
    text = text.replace(escape, f"{escape}E{escape}")
    for char, letter in (
        (separator, "F"),
        (component, "S"),
        (subcomponent, "T"),
        (repetition, "R"),
        *([(encoding[4], "P")] if len(encoding) == 5 else []),
    ):
        text = text.replace(char, f"{escape}{letter}{escape}")
    return text


def _version_tuple(version: str) -> tuple[int, ...] | None:
    if _VERSION_SHAPE.fullmatch(version) is None:
        return None
    return tuple(int(part) for part in version.split("."))


def _echo(value: str) -> str:
    return value if len(value) <= _ECHO_MAX else ""


def build_ack(
    message_or_raw: AdtMessage | AdtRejection | bytes | str,
    code: AckCode | None = None,
    reason: str | None = None,
    *,
    now: dt.datetime,
    error: str | None = None,
    segment: str | None = None,
    field: int | None = None,
    control_id: str | None = None,
) -> str:
    """The ACK for a message, in the message's own separators and version.

    MSH-9 is ACK^<event>, MSA-2 the message's MSH-10. A refusal carries ERR: ERR-3 (HL7 table
    0357 code^reason) from v2.5 on, ERR-1 (segment^sequence^field^code&reason) before it, where
    MSA-3 repeats the reason too. From a rejection, `code`, `reason`, `error` and the location
    default to the rejection's. `now` is the ACK's MSH-7; `control_id` its MSH-10 (a fresh one
    if not given). A message that cannot be read at all is answered in `|^~\\&` and v2.5.
    """
    if isinstance(message_or_raw, AdtMessage | AdtRejection):
        header = message_or_raw.header
    else:
        header = _split_header(_decode(message_or_raw)) or MessageHeader()
    if isinstance(message_or_raw, AdtRejection):
        code = code or message_or_raw.code
        reason = reason if reason is not None else message_or_raw.reason
        error = error or message_or_raw.error
        if segment is None and field is None:
            segment, field = message_or_raw.segment, message_or_raw.field
    code = code or "AA"
    if code not in ("AA", "AE", "AR"):
        raise ValueError(f"an acknowledgement code is AA, AE or AR, not {code!r}")
    if code != "AA" and not reason:
        raise ValueError("an AE or AR needs a reason for the sender")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")

    version = header.version if _version_tuple(header.version) else "2.5"
    numbers = _version_tuple(version) or (2, 5)
    separator, encoding = header.field_separator, header.encoding_characters
    component, subcomponent = encoding[0], encoding[3]
    event = header.event if re.fullmatch(r"[A-Z0-9]{3}", header.event) else ""
    message_type = "ACK" + (component + event if event else "")
    if event and numbers >= (2, 3, 1):
        message_type += component + "ACK"  # MSH-9.3, the message structure, from v2.3.1
    processing_id = header.processing_id if header.processing_id in ("P", "T", "D") else "P"
    msh = [
        "MSH",
        encoding,
        _echo(header.receiving_application),
        _echo(header.receiving_facility),
        _echo(header.sending_application),
        _echo(header.sending_facility),
        now.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000"),
        "",
        message_type,
        control_id or uuid.uuid4().hex[:20].upper(),
        processing_id,
        version,
    ]
    msa = ["MSA", code, _echo(header.control_id)]
    segments = [separator.join(msh), None]
    if code != "AA":
        text = _escape(reason, separator, encoding)
        error = error or ERR_APPLICATION_INTERNAL
        location = [segment or "", "1" if segment else "", str(field) if field else ""]
        if numbers >= (2, 5):
            err = ["ERR", "", component.join(location).rstrip(component)]
            err += [component.join((error, text, "HL70357")), "E"]
        else:
            msa.append(text)
            err = ["ERR", component.join([*location, subcomponent.join((error, text, "HL70357"))])]
        segments.append(separator.join(err))
    segments[1] = separator.join(msa)
    return "\r".join(segments) + "\r"
