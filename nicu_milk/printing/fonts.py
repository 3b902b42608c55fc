"""The bundled Unicode fonts: registered once per process, measured, and split into runs.

DejaVu Sans draws Latin (with every accent), Greek, Cyrillic, Armenian and Georgian.
WenQuanYi Micro Hei draws Chinese, Japanese kana and Korean hangul; it is loaded only
when a text needs it. ReportLab shapes nothing and orders nothing right to left, so text
that needs either (Hebrew, Arabic, Indic scripts) is refused on labels rather than printed
wrongly: see unprintable_characters().
"""

from __future__ import annotations

import threading
import unicodedata
from functools import lru_cache
from itertools import combinations
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ..formatting import clean  # noqa: F401 - the printing package's text cleaner

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
REGULAR = "NicuSans"
BOLD = "NicuSans-Bold"
CJK = "NicuCJK"
_FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    CJK: "WenQuanYiMicroHei.ttf",
}
# Line metrics shared by every renderer, in ems: DejaVu's ascender (room for accents on
# capitals) and the distance from one baseline to the next.
ASCENT = 0.93
LEADING = 1.17

_lock = threading.Lock()
_cmaps: dict[str, dict[int, int]] = {}
_RTL = {"R", "AL", "RLE", "RLO", "RLI", "LRE", "LRO", "PDF", "LRI", "FSI", "PDI"}


def _register(name: str) -> dict[int, int]:
    cmap = _cmaps.get(name)
    if cmap is not None:
        return cmap
    with _lock:
        if name not in _cmaps:
            font = TTFont(name, str(FONT_DIR / _FILES[name]))
            pdfmetrics.registerFont(font)
            if name == REGULAR:
                addMapping(REGULAR, 0, 0, REGULAR)
                addMapping(REGULAR, 0, 1, REGULAR)
            elif name == BOLD:
                addMapping(REGULAR, 1, 0, BOLD)
                addMapping(REGULAR, 1, 1, BOLD)
            else:
                for bold in (0, 1):
                    for italic in (0, 1):
                        addMapping(CJK, bold, italic, CJK)
            _cmaps[name] = font.face.charToGlyph
        return _cmaps[name]


def ensure_fonts() -> None:
    """Register DejaVu Sans and its bold (the CJK font waits until a text needs it)."""
    _register(REGULAR)
    _register(BOLD)


def _is_mark(char: str) -> bool:
    return unicodedata.category(char) in ("Mn", "Me", "Mc")


def runs(text: str, bold: bool = False) -> list[tuple[str, str]]:
    """The text as (font name, text) runs: DejaVu where it has the glyph, else the CJK font.

    A bold letter that DejaVu Sans Bold lacks comes from DejaVu Sans, then the CJK font.
    A combining mark stays in its base letter's run.
    """
    primary = BOLD if bold else REGULAR
    cmap = _register(primary)
    if all(ord(char) in cmap for char in text):
        return [(primary, text)]
    chain = [(primary, cmap), (REGULAR, _register(REGULAR)), (CJK, _register(CJK))]
    result: list[tuple[str, str]] = []
    current, start = primary, 0
    for index, char in enumerate(text):
        if index > 0 and _is_mark(char):
            continue
        code = ord(char)
        font = next((name for name, table in chain if code in table), primary)
        if font != current and index > start:
            result.append((current, text[start:index]))
            start = index
        current = font
    result.append((current, text[start:]))
    return result


def unprintable_characters(text: str) -> list[str]:
    """The characters of ``text`` that would not print correctly on a label.

    Those are characters no bundled font has, control characters, and right-to-left
    characters (ReportLab would print Hebrew or Arabic letters backwards and unjoined).
    """
    regular = _register(REGULAR)
    bold = _register(BOLD)
    bad = []
    for char in text:
        if char.isspace() and char not in "\x1c\x1d\x1e\x1f\x85":
            continue
        code = ord(char)
        control = unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn")
        right_to_left = unicodedata.bidirectional(char) in _RTL
        missing = code not in regular and code not in bold and code not in _register(CJK)
        if control or right_to_left or missing:
            bad.append(char)
    return list(dict.fromkeys(bad))


def describe(chars: list[str]) -> str:
    """'U+05D3 HEBREW LETTER DALET, ...' for an error message."""
    return ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')}" for c in chars)


@lru_cache(maxsize=4096)
def width(text: str, size: float, bold: bool = False) -> float:
    """The advance width of ``text`` in points, across font runs."""
    return sum(pdfmetrics.stringWidth(part, font, size) for font, part in runs(text, bold))


def _breaks(text: str) -> list[int]:
    """Indexes where a line may break inside a word: before any letter that is no mark."""
    return [i for i in range(1, len(text)) if not _is_mark(text[i]) and not text[i].isspace()]


def _fill(text: str, size: float, bold: bool, limit: float) -> int:
    """How many characters of ``text`` fit in ``limit`` points, ending on a letter boundary."""
    best = 0
    for index in _breaks(text) + [len(text)]:
        if width(text[:index], size, bold) <= limit:
            best = index
        else:
            break
    return best


def _hyphen_fill(word: str, size: float, bold: bool, limit: float) -> int:
    """The longest head of ``word`` that ends in a hyphen and fits ``limit``, or 0."""
    best = 0
    for index, char in enumerate(word[:-1]):
        if char in "-\u2010" and width(word[: index + 1], size, bold) <= limit:
            best = index + 1
    return best


def wrap(text: str, size: float, bold: bool, limit: float) -> list[str]:
    """Greedy lines no wider than ``limit``: break at spaces, then after hyphens, then
    inside a word only if need be.

    Nothing is dropped: joining the lines with spaces (or nothing, where a word was broken)
    gives the text back.
    """
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if width(candidate, size, bold) <= limit:
            line = candidate
            continue
        if line:
            lines.append(line)
            line = ""
        while width(word, size, bold) > limit:
            count = (
                _hyphen_fill(word, size, bold, limit)
                or _fill(word, size, bold, limit)
                or _first_cluster(word)
            )
            lines.append(word[:count])
            word = word[count:]
        line = word
    if line or not lines:
        lines.append(line)
    return lines


def _first_cluster(word: str) -> int:
    count = 1
    while count < len(word) and _is_mark(word[count]):
        count += 1
    return count


def _soft_breaks(text: str) -> list[tuple[int, int]]:
    """Where a line may end without cutting a word: (end of this line, start of the next), at a
    space or just after a hyphen."""
    breaks = []
    for index, char in enumerate(text):
        if char == " ":
            breaks.append((index, index + 1))
        elif char in "-\u2010" and index + 1 < len(text):
            breaks.append((index + 1, index + 1))
    return breaks


@lru_cache(maxsize=1024)
def best_split(text: str, bold: bool, count: int) -> tuple[float, tuple[str, ...]] | None:
    """The text on exactly ``count`` lines, broken only at spaces or after hyphens, with the
    widest line as narrow as it can be: (that width at 1 pt, the lines); None when the text
    has too few such places.

    Widths grow in proportion to the size, so one split serves every size and every condensing.
    """
    if count == 1:
        return width(text, 1.0, bold), (text,)
    best: tuple[float, tuple[str, ...]] | None = None
    for chosen in combinations(_soft_breaks(text), count - 1):
        starts = [0, *(start for _, start in chosen)]
        ends = [*(end for end, _ in chosen), len(text)]
        lines = tuple(text[a:b].strip() for a, b in zip(starts, ends, strict=True))
        if not all(lines):
            continue
        widest = max(width(line, 1.0, bold) for line in lines)
        if best is None or widest < best[0]:
            best = (widest, lines)
    return best


def balanced_lines(
    text: str, size: float, bold: bool, limit: float, count: int
) -> tuple[str, ...] | None:
    """The text on exactly ``count`` lines no wider than ``limit`` (see best_split), or None."""
    split = best_split(text, bold, count)
    if split is None or split[0] * size > limit + 1e-9:
        return None
    return split[1]
