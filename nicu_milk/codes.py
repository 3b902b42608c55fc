"""Container codes: issued by the system, checked with ISO 7064 MOD 97-10, parsed from scans.

A container code is ``M`` followed by an 8-digit serial and 2 check digits, for example
``M0000001262``. The letter tells a bottle from a wristband in one scan box; the digits let
Code 128 pack them in pairs, so the barcode fits a 2-inch label at 10 mil. MOD 97-10 (the
IBAN scheme) catches every single-character substitution and every adjacent transposition:
the weights are successive powers of ten modulo the prime 97, so any such change moves the
remainder.
"""

import re

PREFIX = "M"
SERIAL_DIGITS = 8
CODE_LENGTH = len(PREFIX) + SERIAL_DIGITS + 2
MAX_SERIAL = 10**SERIAL_DIGITS - 1
# What a scan of one of our labels looks like, before its check digits are verified.
_CONTAINER_SHAPE = re.compile(rf"{PREFIX}[0-9]{{{SERIAL_DIGITS + 2}}}")


def check_digits(serial_digits: str) -> str:
    """The two MOD 97-10 check digits for a string of digits."""
    return f"{98 - (int(serial_digits) * 100) % 97:02d}"


def container_code(serial: int) -> str:
    """The code for the container with this serial number."""
    if not 0 < serial <= MAX_SERIAL:
        raise ValueError(f"container serial {serial} is outside 1..{MAX_SERIAL}")
    digits = f"{serial:0{SERIAL_DIGITS}d}"
    return f"{PREFIX}{digits}{check_digits(digits)}"


def looks_like_container(text: str) -> bool:
    """True when the (trimmed) text has the shape of a container code, valid or not."""
    return _CONTAINER_SHAPE.fullmatch(text.strip()) is not None


def parse_container_code(text: str) -> str | None:
    """The container code in scanned text, or None when it is not a valid code of ours.

    Surrounding white space is trimmed (scanners add CR, LF or tabs); nothing else is forgiven.
    """
    code = text.strip()
    if _CONTAINER_SHAPE.fullmatch(code) is None:
        return None
    return code if int(code[len(PREFIX) :]) % 97 == 1 else None


def serial_of(code: str) -> int:
    """The serial number inside a valid container code."""
    return int(code[len(PREFIX) : len(PREFIX) + SERIAL_DIGITS])
