"""How numbers and people's names are written, the same on labels, reports, pages and in the
API's messages. Pure: plain values in, text out.

- Volumes are in millilitres, written "mL" (the SI symbol, as on syringes and feeding orders),
  with no trailing zeros: "60 mL", "22.5 mL", never "60.00 ml".
- Caloric density is written "24 kcal/oz" or "22.5 kcal/oz", one decimal at most.
- A person's name has two orders, each where it serves:
  - on a label (bottle or take-home sheet), the family name first, "Nguyen, Ava": the label is
    read against the baby's hospital wristband, which prints the family name first, and "Baby
    Girl" given names make the family name the part that tells two babies apart;
  - on screens, in reports and in messages, the name as people say it, "Ava Nguyen", always
    beside the MRN (two identifiers).
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

MISSING = "—"


def _plain(value: Decimal | float | int, places: int) -> str:
    """The number rounded to `places` decimals, without trailing zeros or a trailing point."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    text = f"{round(number, places):.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def number(value: Decimal | float | int) -> str:
    """A measured quantity: up to 2 decimals (volumes are stored to 0.01 mL), none trailing."""
    return _plain(value, 2)


def ml(value: Decimal | float | int | None, missing: str = MISSING) -> str:
    """ "60 mL", "22.5 mL"; `missing` when there is no volume."""
    return missing if value is None else f"{number(value)} mL"


def kcal_per_oz(value: Decimal | float | int | None, missing: str = MISSING) -> str:
    """ "24 kcal/oz", "22.5 kcal/oz" (stored to one decimal)."""
    return missing if value is None else f"{_plain(value, 1)} kcal/oz"


def clean(text: str | None) -> str:
    """NFC, with runs of white space (tabs, newlines) made single spaces, trimmed."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def person_name(first: str | None, last: str | None) -> str:
    """The name as people say it, for screens, reports and messages: "Ava Nguyen"."""
    return " ".join(part for part in (clean(first), clean(last)) if part)


def label_name(first: str | None, last: str | None) -> str:
    """The name as labels print it, family name first: "Nguyen, Ava" (either alone if the other
    is blank)."""
    first, last = clean(first), clean(last)
    if first and last:
        return f"{last}, {first}"
    return last or first
