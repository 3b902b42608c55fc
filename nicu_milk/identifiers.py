"""What an identifier, a name and a line of text may hold: one rule for the API, the pages and the
services.

- An identifier (an MRN, a wristband, a storage place's code, a staff badge, a donor lot or
  product code, a label layout) is 1 to 64 of ``A-Z a-z 0-9 - .`` (the characters of a FHIR
  id, api-v1.md). Nothing invisible, nothing a label, a barcode, a file name or an address could
  mangle: ``7000\\u200b101`` cannot pass for 7000101.
- A name has at least one letter, no control or invisible formatting characters (zero-width
  spaces, direction marks), no line breaks, and does not begin or end with a space.
- A line of free text (a reason, medications) has no control characters and does not begin or
  end with white space.

The rules are regular expressions so that the API's OpenAPI document carries them exactly; the
API validates with Python's `re`, the engine the schema's readers (and fuzzers) use too.
"""

from __future__ import annotations

import re
import sys
import unicodedata

from .errors import InvalidInput

IDENTIFIER_MAX = 64
NAME_MAX = 100
IDENTIFIER_CHARACTERS = "A-Z a-z 0-9 - ."


def _class(chars: list[int]) -> str:
    """A regular-expression character class body listing these code points, as ranges."""
    parts: list[str] = []
    start = previous = None
    for code in [*sorted(chars), None]:
        if code is not None and previous is not None and code == previous + 1:
            previous = code
            continue
        if start is not None:
            first, last = _escape(start), _escape(previous)
            parts.append(first if start == previous else f"{first}-{last}")
        start = previous = code
    return "".join(parts)


def _escape(code: int) -> str:
    if code < 0x80:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return chr(code)  # astral characters stand for themselves in every engine


_ALL = range(sys.maxunicode + 1)
# Invisible formatting characters (Unicode category Cf): zero-width spaces and joiners, direction
# marks and overrides, the byte-order mark, soft hyphens.
# Hangul fillers are letters by category, yet draw nothing: they count as invisible too.
FILLERS = [0x115F, 0x1160, 0x3164, 0xFFA0]
FORMAT = [*(c for c in _ALL if unicodedata.category(chr(c)) == "Cf"), *FILLERS]
_FORMAT_SET = frozenset(FORMAT)
CONTROL = [*range(0x00, 0x20), *range(0x7F, 0xA0)]
SPACE = [c for c in _ALL if chr(c).isspace()]
_BAD_IN_NAME = _class([*CONTROL, *FORMAT, *(c for c in SPACE if c != 0x20)])
_BAD_AT_NAME_EDGE = _class([*CONTROL, *FORMAT, *SPACE])
# Free text may hold tabs and line breaks, but no other control character.
_BAD_IN_TEXT = _class([c for c in CONTROL if c not in (0x09, 0x0A, 0x0D)])
_BAD_AT_TEXT_EDGE = _class([*(c for c in CONTROL if c not in (0x09, 0x0A, 0x0D)), *SPACE])

# What counts as a letter: a word character that is not a digit, an underscore, a number such
# as ½ (which Python's \w includes) or a filler.
NOT_LETTERS = [c for c in _ALL if chr(c).isnumeric() and not chr(c).isalpha()]
_LETTER = rf"[^\W\d_{_class([*NOT_LETTERS, *FILLERS])}]"

IDENTIFIER_PATTERN = r"^[A-Za-z0-9.\-]+$"
# Optional text starting with a visible character, then a letter, then optional text ending
# with one: at least one letter, and no space at either end.
NAME_PATTERN = (
    rf"^(?:[^{_BAD_AT_NAME_EDGE}][^{_BAD_IN_NAME}]*)?"
    rf"{_LETTER}"
    rf"(?:[^{_BAD_IN_NAME}]*[^{_BAD_AT_NAME_EDGE}])?$"
)
TEXT_PATTERN = rf"^[^{_BAD_AT_TEXT_EDGE}](?:[^{_BAD_IN_TEXT}]*[^{_BAD_AT_TEXT_EDGE}])?$"
# A code as scanned (or a username or staff badge as typed): surrounding white space is trimmed
# later, and nothing invisible is let through: a scanner never sends it.
SCANNED_PATTERN = rf"^[^{_class([*(c for c in CONTROL if c not in (9, 10, 13)), *FORMAT])}]*$"
# Secrets are whatever the person chose, but no control characters.
SECRET_PATTERN = rf"^[^{_BAD_IN_TEXT}]*$"
# A single word of visible characters: usernames.
WORD_PATTERN = rf"^[^{_BAD_AT_NAME_EDGE}]+$"

_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
_NAME = re.compile(NAME_PATTERN)
_TEXT = re.compile(TEXT_PATTERN)
_WORD = re.compile(WORD_PATTERN)


def invisible(text: str) -> list[str]:
    """The invisible formatting characters in `text`, named: ['U+200B ZERO WIDTH SPACE']."""
    found = []
    for ch in text:
        if ord(ch) in _FORMAT_SET:
            label = f"U+{ord(ch):04X} {unicodedata.name(ch, 'FORMAT CHARACTER')}"
            if label not in found:
                found.append(label)
    return found


def _common_problem(text: str) -> str | None:
    hidden = invisible(text)
    if hidden:
        return (
            f"holds an invisible character ({', '.join(hidden)}) that would make it look "
            "like something it is not. Type it again"
        )
    if any(ord(ch) in CONTROL for ch in text):
        return "holds a control character (perhaps a line break). Type it again"
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        return "holds characters that cannot be stored. Type it again"
    return None


def identifier_problem(text: str) -> str | None:
    """Why `text` is not an identifier, as words for a person; None when it is one."""
    if _IDENTIFIER.fullmatch(text) and len(text) <= IDENTIFIER_MAX:
        return None
    if not text:
        return "is empty"
    if len(text) > IDENTIFIER_MAX:
        return f"is longer than {IDENTIFIER_MAX} characters"
    common = _common_problem(text)
    if common:
        return common
    if any(ch.isspace() for ch in text):
        return f"must not contain spaces (only {IDENTIFIER_CHARACTERS} are allowed)"
    return f"may only hold the characters {IDENTIFIER_CHARACTERS}, with no spaces"


def name_problem(text: str, max_length: int = NAME_MAX) -> str | None:
    """Why `text` is not a usable name; None when it is one."""
    if _NAME.fullmatch(text) and len(text) <= max_length:
        return None
    if not text:
        return "is empty"
    if len(text) > max_length:
        return f"is longer than {max_length} characters"
    common = _common_problem(text)
    if common:
        return common
    if text != text.strip():
        return "must not begin or end with a space"
    if not any(ch.isalpha() for ch in text):
        return "needs at least one letter"
    return "may not hold line breaks or tabs"


def text_problem(text: str) -> str | None:
    if _TEXT.fullmatch(text):
        return None
    if not text.strip():
        return "is empty"
    common = _common_problem(text)
    if common and "invisible" not in common:
        return common
    return "must not begin or end with white space"


def scanned_problem(text: str) -> str:
    return (_common_problem(text) or "holds a character a scanner does not send").replace(
        "Type it again", "Scan or type it again"
    )


def word_problem(text: str) -> str | None:
    if _WORD.fullmatch(text):
        return None
    return _common_problem(text) or "must be one word: no spaces"


def require_identifier(field: str, text: str, code: str = "INVALID_IDENTIFIER") -> str:
    """The identifier, or a 400 that says what is wrong with it (checked again in services)."""
    problem = identifier_problem(text)
    if problem:
        raise InvalidInput(code, f"{field} {text[:70]!r} {problem}.")
    return text


def require_name(field: str, text: str, code: str = "INVALID_NAME") -> str:
    problem = name_problem(text)
    if problem:
        raise InvalidInput(code, f"{field} {problem}.")
    return text
