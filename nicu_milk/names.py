"""NAME ALERT: which admitted babies have names a nurse could confuse."""

import re
import unicodedata
from collections.abc import Sequence

# Full names at most this many edits apart are flagged (domain.md: within an edit distance of 2).
EDIT_DISTANCE = 2


def normalise(text: str) -> str:
    """Case-, accent- and spacing-blind form of a name: "Zoë  Peña" and "zoe pena" are equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


# Letters NFKD does not take apart, as a person typing without them would write them.
_PLAIN_LETTERS = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "ħ": "h",
        "ŧ": "t",
    }
)
_APOSTROPHES = re.compile(r"['’ʼ`´]")
_NOT_LETTERS = re.compile(r"[^\w]+|_+")


def search_form(text: str) -> str:
    """What a search compares: accents, case, punctuation and spacing set aside.

    "Hernández" and "hernandez", "Zoë Müller" and "zoe muller", "O’Brien" and "obrien",
    "Anna-Lena" and "anna lena" each read the same. Stored beside a name, and applied to what
    is typed into a search, so that both sides are compared in the same form.
    """
    folded = normalise(text).translate(_PLAIN_LETTERS)
    return " ".join(_NOT_LETTERS.sub(" ", _APOSTROPHES.sub("", folded)).split())


def infant_search_name(first_name: str, last_name: str) -> str:
    """A baby's name as searched: first then last, and last then first (as labels write it)."""
    in_order = search_form(f"{first_name} {last_name}")
    reversed_ = search_form(f"{last_name} {first_name}")
    return f"{in_order} | {reversed_}"


def edit_distance(a: str, b: str, limit: int = EDIT_DISTANCE) -> int:
    """Levenshtein distance, or limit + 1 for anything farther: it stops early once the
    distance must exceed `limit`, and gives the same answer either way round."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return min(previous[-1], limit + 1)


def similar(first_a: str, last_a: str, first_b: str, last_b: str) -> bool:
    if normalise(last_a) == normalise(last_b):
        return True
    full_a = normalise(f"{first_a} {last_a}")
    full_b = normalise(f"{first_b} {last_b}")
    return edit_distance(full_a, full_b) <= EDIT_DISTANCE


def alerted(names: Sequence[tuple[str, str]]) -> set[int]:
    """Indexes of the (first, last) names that resemble at least one other name in the list."""
    flagged: set[int] = set()
    for i, (first_a, last_a) in enumerate(names):
        for j in range(i + 1, len(names)):
            first_b, last_b = names[j]
            if similar(first_a, last_a, first_b, last_b):
                flagged.update((i, j))
    return flagged
