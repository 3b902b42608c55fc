"""ADT messages written for these tests, as an EHR would send them (segments end in CR).

Twins with PID-24/25, a temporary "Baby Girl" registration merged by A40, v2.3 and v2.8,
non-default encoding characters, a mother only in NK1, and the bad ones: no MSH, an MRN of
500 characters, an unknown event, an unsupported version, and a message of 1 MB.
"""

from __future__ import annotations


def segment(name: str, fields: dict[int, str], separator: str = "|") -> str:
    """A segment with each field at its number (PID-21 is fields[21]); the rest empty."""
    last = max(fields)
    return separator.join([name, *(fields.get(number, "") for number in range(1, last + 1))])


def message(*segments: str) -> str:
    return "\r".join(segments) + "\r"


def msh(event: str, control_id: str, version: str = "2.5.1", structure: str = "ADT_A01") -> str:
    kind = f"ADT^{event}" + (f"^{structure}" if structure else "")
    return (
        f"MSH|^~\\&|EPIC|STMARYS|NICUMILK|NICU|20261128140500-0600||{kind}|{control_id}|P|{version}"
    )


MOTHER_OKAFOR = "M7000900"


def twin(control_id: str, mrn: str, given: str, sex: str, order: int, bed: str) -> str:
    """An A01 for one of the Okafor twins: PID-24 = Y, PID-25 = order, the same mother."""
    mother = f"{MOTHER_OKAFOR}^^^STMARYS^MR"
    return message(
        msh("A01", control_id),
        "EVN|A01|20261128140500-0600",
        segment(
            "PID",
            {
                1: "1",
                3: f"{mrn}^^^STMARYS^MR",
                5: f"Okafor^{given}",
                7: "20261127",
                8: sex,
                21: mother,
                24: "Y",
                25: str(order),
            },
        ),
        segment("NK1", {1: "1", 2: "Okafor^Ngozi", 3: "MTH", 33: mother}),
        f"PV1|1|I|NICU^04^{bed}|||||||||||||||||V10000{order}",
    )


TWIN_A = twin("TW-0001", "7000111", "Amara", "F", 1, "A")
TWIN_B = twin("TW-0002", "7000112", "Chidi", "M", 2, "B")

# A baby registered at birth before the record knew her name: the temporary MRN is typed PI,
# the one typed MR is the one to use, and it is the second repetition.
BABY_GIRL = message(
    msh("A01", "BG-0001"),
    segment(
        "PID",
        {
            1: "1",
            3: "TMP-55012^^^STMARYS^PI~T7000999^^^STMARYS^MR",
            5: "Baker^Baby Girl",
            7: "202611280312",
            21: "M7000950^^^STMARYS^MR",
        },
    ),
    "PV1|1|I|NICU^09^A",
)
# The record merges the temporary MRN into the permanent one.
MERGE = message(
    msh("A40", "MG-0001", structure="ADT_A39"),
    "EVN|A40|20261129091500-0600",
    segment("PID", {1: "1", 3: "7000555^^^STMARYS^MR", 5: "Baker^Lily", 7: "20261128"}),
    "MRG|T7000999^^^STMARYS^MR",
)
DISCHARGE = message(
    msh("A03", "DC-0001"),
    segment("PID", {1: "1", 3: "7000111^^^STMARYS^MR", 5: "Okafor^Amara"}),
    "PV1|1|I|NICU^04^A",
)
TRANSFER_OUT = message(
    msh("A02", "TR-0001"),
    segment("PID", {1: "1", 3: "7000111^^^STMARYS^MR", 5: "Okafor^Amara"}),
    "PV1|1|I|PEDS^12^1",
)
# Version 2.3: MSH-9 without the message structure, and the event repeated in EVN-1.
V23 = message(
    "MSH|^~\\&|MEDITECH|GENERAL|NICUMILK|NICU|199911281405||ADT^A04|V23-0001|P|2.3",
    "EVN|A04|199911281405",
    segment("PID", {1: "1", 3: "4400123^^^GENERAL^MR", 5: "Nguyen^Baby Boy", 7: "20261128"}),
    "PV1|1|I|NICU^1^1",
)
# Version 2.8, with the truncation character (#) that 2.7 added to MSH-2.
V28 = message(
    "MSH|^~\\&#|EPIC|STMARYS|NICUMILK|NICU|20261128140500-0600||ADT^A08^ADT_A01|V28-0001|P|2.8",
    "EVN||20261128140500-0600",
    segment("PID", {1: "1", 3: "7000111^^^STMARYS^MR", 5: "Okafor^Amara Grace", 7: "20261127"}),
    "PV1|1|I|NICU^05^A",
)
# Separators that are not |^~\&: field !, component $, repetition ~, escape ?, subcomponent *.
# The & and ^ in the names are plain characters here, and ?S? is an escaped component ($).
NON_DEFAULT = message(
    "MSH!$~?*!CERNER!NORTH!NICUMILK!NICU!20261128140500+0000!!ADT$A01$ADT_A01!ND-0001!P!2.5",
    segment(
        "PID",
        {
            1: "1",
            3: "TMP9~8800123$$$NORTH$MR",
            5: "Lee&Park$Baby^Boy",
            7: "20261128",
            21: "M8800900$$$NORTH$MR",
            24: "N",
        },
        separator="!",
    ),
    "PV1!1!I!NICU$2$B",
)
# The mother only in NK1 (relationship MTH), with her identifier in NK1-33; an NK1 for the
# father comes first.
NK1_MOTHER = message(
    msh("A01", "NK-0001"),
    segment("PID", {1: "1", 3: "7000321^^^STMARYS^MR", 5: "Haddad^Yara", 7: "20261126"}),
    segment("NK1", {1: "1", 2: "Haddad^Omar", 3: "FTH", 33: "P1000001^^^STMARYS^MR"}),
    segment("NK1", {1: "2", 2: "Haddad^Rana", 3: "MTH", 33: "M7000321^^^STMARYS^MR"}),
    "PV1|1|I|NICU^07^A",
)
NO_MOTHER = message(
    msh("A01", "NM-0001"),
    segment("PID", {1: "1", 3: "7000400^^^STMARYS^MR", 5: "Doe^Baby", 7: "20261128"}),
    "PV1|1|I|NICU^08^A",
)
MISSING_MSH = message(
    "EVN|A01|20261128140500",
    segment("PID", {1: "1", 3: "7000111^^^STMARYS^MR", 5: "Okafor^Amara"}),
)
MRN_500 = message(
    msh("A01", "LONG-0001"),
    segment("PID", {1: "1", 3: "7" * 500 + "^^^STMARYS^MR", 5: "Long^Baby"}),
    "PV1|1|I|NICU^01^A",
)
UNKNOWN_EVENT = message(
    msh("A31", "UE-0001", structure="ADT_A05"),
    segment("PID", {1: "1", 3: "7000111^^^STMARYS^MR"}),
)
VERSION_29 = message(
    msh("A01", "V29-0001", version="2.9"),
    segment("PID", {1: "1", 3: "7000111^^^STMARYS^MR"}),
)


def one_megabyte(control_id: str = "BIG-0001") -> str:
    """A valid A01 of just over 1 MB: the admission notes run to a thousand NTE segments."""
    note = "Feeding plan discussed with the family; " * 25  # about 1 kB
    notes = [f"NTE|{number}||{note}" for number in range(1, 1025)]
    return message(
        msh("A01", control_id),
        segment("PID", {1: "1", 3: "7000777^^^STMARYS^MR", 5: "Big^Baby", 7: "20261128"}),
        "PV1|1|I|NICU^03^A",
        *notes,
    )
