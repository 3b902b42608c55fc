"""Container codes: issued by the system, checked with ISO 7064 MOD 97-10, parsed from scans.

A container code is ``M`` followed by an 8-digit serial and 2 check digits, for example
``M0000001262``. The letter tells a bottle from a wristband in one scan box; the digits let
Code 128 pack them in pairs, so the barcode fits a 2-inch label at 10 mil. MOD 97-10 (the
IBAN scheme) catches every single-character substitution and every adjacent transposition:
the weights are successive powers of ten modulo the prime 97, so any such change moves the
remainder.

Every place that reads a code (the bedside page, the milk room, the API) goes through
read_scan() or parse_container_code(): a scanner with Caps Lock on sends ``m0000001262``,
which is the same code as ``M0000001262``, and is looked up as that.
"""

import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Scanned:
    """What one scan holds: the trimmed text, and the container code in it if it is one."""

    text: str
    # The text has the shape of a container code (M and 10 digits), valid or not: a damaged
    # or mistyped milk label rather than a wristband or a shelf.
    container_shaped: bool
    # The container code, in its canonical upper case, when the check digits hold.
    container: str | None


def _canonical(text: str) -> str:
    code = text.strip()
    # Only the ASCII letter is read without regard to case: the digits have no case, and no
    # other character may stand in for the M.
    return PREFIX + code[1:] if code[:1] == PREFIX.lower() else code


def read_scan(text: str) -> Scanned:
    """Read scanned text: surrounding white space is trimmed (scanners add CR, LF or tabs) and
    the M is read without regard to case; nothing else is forgiven."""
    code = _canonical(text)
    if _CONTAINER_SHAPE.fullmatch(code) is None:
        return Scanned(text.strip(), False, None)
    valid = int(code[len(PREFIX) :]) % 97 == 1
    return Scanned(code, True, code if valid else None)


def looks_like_container(text: str) -> bool:
    """True when the text has the shape of a container code, valid or not."""
    return read_scan(text).container_shaped


def parse_container_code(text: str) -> str | None:
    """The container code in scanned text, or None when it is not a valid code of ours."""
    return read_scan(text).container


def serial_of(code: str) -> int:
    """The serial number inside a valid container code."""
    return int(code[len(PREFIX) : len(PREFIX) + SERIAL_DIGITS])
