"""Where everything goes on a label: a plan in points from the top-left, for PDF and ZPL alike.

Composing once and rendering twice keeps the PDF and the ZPL of a label the same: the same
name size and line breaks, the same barcode geometry. Nothing is ever cut short or left out
silently. When the label is full, things shrink or move in a fixed order (labels/README.md
says which, and why): the text shrinks, the name wraps to three lines, then condenses; the
NAME ALERT banner moves into the text; medications that do not fit in full print as "MEDS:
see record". What still does not fit raises LabelTooSmall, and the unit's wider stock is used.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from .barcodes import LabelTooSmall, code128_modules, datamatrix_rows
from .content import (
    MILK_TYPES,
    LabelContent,
    TakeHomeLabel,
    display_name,
    format_kcal,
    format_ml,
    format_time,
)
from .fonts import (
    ASCENT,
    LEADING,
    best_split,
    clean,
    describe,
    ensure_fonts,
    unprintable_characters,
    width,
    wrap,
)
from .layouts import MIL, Layout

STEP = 0.25  # font sizes are tried in quarter points
ENTERAL = "FOR ENTERAL USE ONLY"
NAME_ALERT = "NAME ALERT"
MEDS_SEE_RECORD = "MEDS: see record"
# A name wraps onto at most this many lines before it condenses.
NAME_LINES = 3
# The condensed face: the bold face drawn at these fractions of its width, in turn. The last is
# the floor: narrower, letters start to run together on a 203 dpi printer.
CONDENSED = (0.85, 0.75)


class UnprintableText(ValueError):
    """A name or field holds characters the label fonts cannot print correctly."""


@dataclass(frozen=True)
class Text:
    x: float
    top: float  # top of the line box; the baseline is ASCENT * size below it
    size: float
    bold: bool
    text: str
    white: bool = False
    scale: float = 1.0  # horizontal scale: below 1 for a condensed name

    @property
    def baseline(self) -> float:
        return self.top + ASCENT * self.size


@dataclass(frozen=True)
class Box:
    """A filled black rectangle (banners, tags, write-in rules)."""

    x: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class Bars:
    """Code 128: ``modules`` is python-barcode's pattern, drawn as runs of filled modules."""

    x: float
    top: float
    module: float
    height: float
    modules: str
    code: str

    @property
    def width(self) -> float:
        return len(self.modules) * self.module


@dataclass(frozen=True)
class Matrix:
    """DataMatrix modules, top row first; (x, top) is the symbol's corner, inside its quiet zone."""

    x: float
    top: float
    module: float
    rows: tuple[str, ...]
    code: str


@dataclass
class Plan:
    width: float
    height: float
    items: list = field(default_factory=list)
    name_lines: tuple[str, ...] = ()
    name_size: float = 0.0
    name_scale: float = 1.0
    # True only when a line of the name ends inside a word (the last resort).
    name_broken: bool = False
    body_size: float = 0.0
    # How the medications are shown: "in full", "see record" (MEDS: see record), or None.
    medications: str | None = None
    # How NAME ALERT is shown: "banner" across the top, "in text" (a tag after the MRN), or None.
    name_alert: str | None = None


def _sizes(high: float, low: float) -> list[float]:
    """high, high - STEP, ... down to low (always included)."""
    sizes = []
    size = high
    while size > low + 1e-9:
        sizes.append(round(size, 2))
        size -= STEP
    sizes.append(low)
    return sizes


def _require_printable(what: str, text: str) -> None:
    bad = unprintable_characters(text)
    if bad:
        raise UnprintableText(
            f"the {what} {text!r} holds characters the label fonts cannot print correctly: "
            f"{describe(bad)}. Right-to-left and complex scripts (Hebrew, Arabic, Indic) need "
            "text shaping, which ReportLab does not do; record the name in Latin script too."
        )


@dataclass(frozen=True)
class NameSetting:
    """One way to set a name: its lines, size and horizontal scale."""

    size: float
    lines: tuple[str, ...]
    scale: float = 1.0
    broken: bool = False  # a line ends inside a word

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * LEADING


class NameSettings:
    """The ways to set a name in bold within ``limit`` points, best first, in three tiers:

    - plain: one line from ``high`` down to ``low``, then two lines, then three (broken only
      at spaces and after hyphens);
    - condensed: the same at each width of CONDENSED in turn;
    - broken: at the floor width, as many lines as it takes, ending inside a word where they
      must; the last resort. Nothing is ever left out: joined again, the lines give the name.
    """

    def __init__(self, name: str, high: float, low: float, limit: float):
        self.name, self.high, self.low, self.limit = name, high, low, limit
        self._tiers: dict[str, list[NameSetting]] = {}

    def tier(self, faces: str) -> list[NameSetting]:
        if faces not in self._tiers:
            self._tiers[faces] = list(getattr(self, f"_{faces}")())
        return self._tiers[faces]

    def _at(self, scale: float):
        for count in range(1, NAME_LINES + 1):
            split = best_split(self.name, True, count)
            if split is None:
                continue
            per_point, lines = split
            for size in _sizes(self.high, self.low):
                if per_point * size * scale <= self.limit + 1e-6:
                    yield NameSetting(size, lines, scale)

    def _plain(self):
        return self._at(1.0)

    def _condensed(self):
        for scale in CONDENSED:
            yield from self._at(scale)

    def _broken(self):
        # The last resort takes as many lines as the label has room for.
        scale = CONDENSED[-1]
        for size in _sizes(self.high, self.low):
            lines = wrap(self.name, size, True, self.limit / scale)
            yield NameSetting(size, tuple(lines), scale, broken=True)

    def first(self, faces: str, room: float) -> NameSetting | None:
        """The best setting of this tier no taller than ``room``."""
        return next((each for each in self.tier(faces) if each.height <= room + 1e-6), None)


# A chunk of body text: (text, style); style is "regular", "bold" or "tag" (white on black),
# or "optional" (regular text left out when the label is full: it is not on domain.md's list).
Chunk = tuple[str, str]


def _flow(
    paragraphs: list[list[Chunk]], size: float, limit: float, keep_optional: bool = True
) -> list[list[tuple]]:
    """Lay chunks out in lines no wider than ``limit``: lines of (x, text, style, width)."""
    gap = size * 0.55
    pad = size * 0.25
    lines: list[list[tuple]] = []
    for paragraph in paragraphs:
        line: list[tuple] = []
        end = 0.0
        for text, style in paragraph:
            if style == "optional":
                if not keep_optional:
                    continue
                style = "regular"
            bold = style != "regular"
            extra = 2 * pad if style == "tag" else 0.0
            wide = width(text, size, bold) + extra
            start = end + gap if line else 0.0
            if start + wide <= limit:
                line.append((start, text, style, wide))
                end = start + wide
                continue
            if line:
                lines.append(line)
            if wide <= limit:
                line, end = [(0.0, text, style, wide)], wide
                continue
            pieces = wrap(text, size, bold, limit - extra)
            for piece in pieces[:-1]:
                lines.append([(0.0, piece, style, width(piece, size, bold) + extra)])
            last = width(pieces[-1], size, bold) + extra
            line, end = [(0.0, pieces[-1], style, last)], last
        if line:
            lines.append(line)
    return lines


def _place_flow(lines: list[list[tuple]], x0: float, top: float, size: float) -> list:
    items = []
    pad = size * 0.25
    for number, line in enumerate(lines):
        line_top = top + number * size * LEADING
        for x, text, style, wide in line:
            if style == "tag":
                items.append(Box(x0 + x, line_top + 0.02 * size, wide, size * 1.13))
                items.append(Text(x0 + x + pad, line_top, size, True, text, white=True))
            else:
                items.append(Text(x0 + x, line_top, size, style == "bold", text))
    return items


@dataclass
class _BarcodeBlock:
    top: float  # the highest point of the bars, the DataMatrix or the code text
    items: list
    text_right: float  # where free space on the code-text line starts
    free_right: float  # where it ends


def _barcode_block(
    code: str,
    layout: Layout,
    cell_width: float,
    bottom: float,
    margin: float,
    snap,
    center_text: bool = False,
) -> _BarcodeBlock:
    """The Code 128 (with its text under it) and the optional DataMatrix, bottom-aligned.

    The code text starts under the first bar, leaving the rest of its line free, or is
    centred under the bars.
    """
    spec = layout.code128
    modules = code128_modules(code)
    module = spec.module
    bars = len(modules) * module
    quiet = spec.quiet_zone * module
    need = bars + 2 * quiet
    if need > cell_width + 1e-6:
        raise LabelTooSmall(
            f"the Code 128 of {code!r} is {len(modules)} modules; at {module / MIL:.1f} mil with "
            f"{spec.quiet_zone}-module quiet zones it needs {need / 72:.3f} in, but the "
            f"{layout.name} label is {cell_width / 72:.3f} in wide. Use wider stock; the "
            "modules will not be made narrower than 10 mil."
        )
    items: list = []
    right_limit = cell_width - margin
    text_size = layout.text.code
    text_top = bottom - text_size * (ASCENT + 0.04)
    matrix_top = bottom
    if layout.datamatrix.enabled:
        rows = datamatrix_rows(code)
        dm_module = layout.datamatrix.module
        outer = (len(rows) + 2) * dm_module  # one module of quiet zone on every side
        dm_left = snap(cell_width - max(margin, dm_module) - outer)
        bars_x = snap(max(margin, quiet))
        if bars_x + bars + quiet > dm_left + 1e-6:
            raise LabelTooSmall(
                f"no room for the {len(rows)}x{len(rows)} DataMatrix of {code!r} beside its "
                f"Code 128 on the {layout.name} label; turn the DataMatrix off or use wider stock."
            )
        matrix_top = snap(bottom - outer)
        items.append(Matrix(dm_left + dm_module, matrix_top + dm_module, dm_module, rows, code))
        right_limit = dm_left - dm_module  # two modules of white before the symbol
    else:
        bars_x = snap((cell_width - bars) / 2)
    bars_top = snap(text_top - 0.15 * text_size - spec.height)
    items.append(Bars(bars_x, bars_top, module, spec.height, modules, code))
    code_width = width(code, text_size, False)
    text_x = max(margin, bars_x + (bars - code_width) / 2 if center_text else bars_x)
    if text_x + code_width > right_limit + 1e-6:
        raise LabelTooSmall(
            f"the code text {code!r} does not fit under its barcode on the {layout.name} label"
        )
    items.append(Text(text_x, text_top, text_size, False, code))
    return _BarcodeBlock(
        top=min(bars_top, matrix_top),
        items=items,
        text_right=text_x + code_width,
        free_right=right_limit,
    )


def _snapper(layout: Layout):
    dot = layout.dot
    if not dot:
        return lambda value: value
    return lambda value: round(value / dot) * dot


def _check_content(content: LabelContent) -> None:
    if content.milk_type not in MILK_TYPES:
        raise ValueError(f"milk_type must be MOM or DHM, got {content.milk_type!r}")
    for what, text in (
        ("infant's first name", content.infant_first_name),
        ("infant's last name", content.infant_last_name),
        ("MRN", content.infant_mrn),
        ("donor lot", content.donor_lot),
        ("donor product code", content.donor_product_code),
        ("fortifier", content.fortifier),
        ("expiry reason", content.expiry_reason),
        ("medications", content.medications),
    ):
        if text:
            _require_printable(what, text)
    if not content.full_name:
        raise ValueError("the label needs the infant's name")
    if not clean(content.infant_mrn or ""):
        raise ValueError("the label needs the infant's MRN")


def _details(
    content: LabelContent,
    zone: ZoneInfo,
    *,
    medications_in_full: bool = True,
    alert_in_text: bool = False,
) -> list[list[Chunk]]:
    """The body paragraphs of a container label, in reading order."""
    first: list[Chunk] = [(f"MRN {clean(content.infant_mrn)}", "bold")]
    if alert_in_text:
        first.append((NAME_ALERT, "tag"))
    first.append((content.milk_type, "bold"))
    if content.milk_type == "DHM":
        first.append((f"Lot {clean(content.donor_lot or '') or '________'}", "regular"))
        if content.donor_product_code:
            first.append((f"Product {clean(content.donor_product_code)}", "optional"))
    if content.colostrum:
        first.append(("COLOSTRUM", "tag"))
    paragraphs = [first]
    received = content.state.lower() != "reserved"
    if received and content.expires_at is not None:
        expiry: list[Chunk] = [
            (content.state_word, "bold"),
            (f"Exp {format_time(content.expires_at, zone)}", "bold"),
        ]
        if content.expiry_reason:
            expiry.append((f"({clean(content.expiry_reason)})", "optional"))
    else:
        expiry = [
            (content.state_word if received else "State ________", "regular"),
            ("Exp ________________", "regular"),
        ]
    paragraphs.append(expiry)
    pumped = (
        f"Pumped {format_time(content.expressed_at, zone)}"
        if content.expressed_at
        else "Pumped ________________"
    )
    volume = format_ml(content.volume_ml) if content.volume_ml is not None else "______ mL"
    paragraphs.append([(pumped, "regular"), (volume, "bold")])
    if content.fortifier:
        fortified: list[Chunk] = [(f"Fortifier {clean(content.fortifier)}", "regular")]
        if content.kcal_per_oz is not None:
            fortified.append((format_kcal(content.kcal_per_oz), "bold"))
        paragraphs.append(fortified)
    if content.medications:
        paragraphs.append(_medications(content.medications, medications_in_full))
    return paragraphs


def _medications(medications: str, in_full: bool) -> list[Chunk]:
    # Safety information: in full, or a pointer to the record; never silently left out.
    if in_full:
        return [("MEDS:", "bold"), (clean(medications), "regular")]
    return [(MEDS_SEE_RECORD, "tag")]


@dataclass(frozen=True)
class _Tier:
    """One step of the order in which a full label gives way (see labels/README.md)."""

    faces: str  # "plain", "condensed" or "broken": which NameSettings tier the name takes
    medications_in_full: bool
    banner: bool


def _tiers(medications: bool, name_alert: bool, last_resort: bool) -> list[_Tier]:
    """Plain name, then condensed; then NAME ALERT moves from the banner into the text; then
    medications print as "MEDS: see record". Last, the same again with a name that may break
    inside a word."""
    in_full = (True, False) if medications else (True,)
    banner = (True, False) if name_alert else (False,)
    groups = [("plain", "condensed"), ("broken",)] if last_resort else [("plain", "condensed")]
    return [
        _Tier(faces, meds, shown)
        for group in groups
        for meds in in_full
        for shown in banner
        for faces in group
    ]


def container_plan(
    content: LabelContent, layout: Layout, zone: ZoneInfo, *, last_resort: bool = True
) -> Plan:
    """The container label on thermal stock.

    ``last_resort`` allows a name to break inside a word when nothing else fits; the unit
    tries its wider stock before that (services.printing).
    """
    if layout.kind != "thermal":
        raise ValueError(
            f"layout {layout.name} is a {layout.kind} layout; container labels "
            "print on thermal stock"
        )
    ensure_fonts()
    _check_content(content)
    snap = _snapper(layout)
    W, H, m = layout.width, layout.height, layout.margin
    inner = W - 2 * m
    block = _barcode_block(content.code, layout, W, H - m, m, snap)
    sizes = layout.text
    # FOR ENTERAL USE ONLY sits on the code-text line when there is room, else in the body.
    enteral_on_code_line = None
    code_text = block.items[-1]
    for size in _sizes(sizes.code, min(sizes.code, sizes.body_min)):
        enteral_width = width(ENTERAL, size, True)
        if block.free_right - block.text_right - sizes.code * 0.8 >= enteral_width:
            enteral_on_code_line = Text(
                block.free_right - enteral_width,
                code_text.baseline - ASCENT * size,
                size,
                True,
                ENTERAL,
            )
            break
    names = NameSettings(content.full_name, sizes.name_max, sizes.name_min, inner)
    space_below = block.top - 0.2 * sizes.body
    for tier in _tiers(bool(content.medications), content.name_alert, last_resort):
        alert_in_text = content.name_alert and not tier.banner
        paragraphs = _details(
            content, zone, medications_in_full=tier.medications_in_full, alert_in_text=alert_in_text
        )
        if enteral_on_code_line is None:
            paragraphs.append([(ENTERAL, "bold")])
        for body, keep_optional in _body_choices(sizes.body, sizes.body_min):
            banner_height = body * 1.25 if tier.banner else 0.0
            lines = _flow(paragraphs, body, inner, keep_optional)
            room = space_below - m - banner_height - len(lines) * body * LEADING - 0.1 * body
            setting = names.first(tier.faces, room)
            if setting is None:
                continue
            plan = Plan(
                W,
                H,
                name_lines=setting.lines,
                name_size=setting.size,
                name_scale=setting.scale,
                name_broken=setting.broken,
                body_size=body,
                medications=(
                    None
                    if not content.medications
                    else "in full"
                    if tier.medications_in_full
                    else "see record"
                ),
                name_alert=(
                    None if not content.name_alert else "banner" if tier.banner else "in text"
                ),
            )
            top = m
            if tier.banner:
                plan.items.append(Box(m, top, inner, banner_height))
                label_width = width(NAME_ALERT, body, True)
                plan.items.append(
                    Text(
                        m + (inner - label_width) / 2,
                        top + (banner_height - body * 1.05) / 2,
                        body,
                        True,
                        NAME_ALERT,
                        white=True,
                    )
                )
                top += banner_height + 0.1 * body
            top = _place_name(plan, setting, m, top)
            top += 0.1 * body
            plan.items.extend(_place_flow(lines, m, top, body))
            plan.items.extend(block.items)
            if enteral_on_code_line is not None:
                plan.items.append(enteral_on_code_line)
            return plan
    raise LabelTooSmall(
        f"the container label for {content.code} does not fit the {layout.name} stock "
        f"({W / 72:.2f} x {H / 72:.2f} in) even with the name at {sizes.name_min:g} pt on "
        f"{NAME_LINES} lines condensed to {CONDENSED[-1]:.0%} and {sizes.body_min:g} pt text"
    )


def _place_name(plan: Plan, setting: NameSetting, x: float, top: float) -> float:
    """Add the name's lines from ``top``; returns where the next thing starts."""
    for line in setting.lines:
        plan.items.append(Text(x, top, setting.size, True, line, scale=setting.scale))
        top += setting.size * LEADING
    return top


def _body_choices(high: float, low: float) -> list[tuple[float, bool]]:
    """Body sizes, largest first; at each, first with the optional fields, then without."""
    return [(size, keep) for size in _sizes(high, low) for keep in (True, False)]


def _sheet_rows(label: TakeHomeLabel, zone: ZoneInfo | None, medications_in_full: bool) -> list:
    """What goes under a take-home label's barcode, top to bottom: what the parent gave, as
    text, and write-in rules only for what was not given.

    Each row is ("blank", "pumped" | "meds") or ("text", paragraph).
    """
    rows: list = []
    given: list[Chunk] = []
    if label.expressed_at is not None:
        if zone is None:
            raise ValueError("a take-home label with a pump time needs the unit's time zone")
        given.append((f"Pumped {format_time(label.expressed_at, zone)}", "regular"))
    else:
        rows.append(("blank", "pumped"))
    if label.volume_ml is not None:
        given.append((format_ml(label.volume_ml), "bold"))
    if label.colostrum:
        given.append(("COLOSTRUM", "tag"))
    if given:
        rows.append(("text", given))
    if label.medications:
        rows.append(("text", _medications(label.medications, medications_in_full)))
    else:
        rows.append(("blank", "meds"))
    return rows


def sheet_label_plan(
    label: TakeHomeLabel | str,
    infant_name: str,
    infant_mrn: str,
    layout: Layout,
    zone: ZoneInfo | None = None,
    *,
    last_resort: bool = True,
) -> Plan:
    """One take-home label of a sheet, in the label's own coordinates.

    A label printed at a parent's drop-off carries what the parent entered (pump time, volume,
    COLOSTRUM, medications); a blank one has rules to write the pump time and medications on.
    It gives way as a container label does (``last_resort`` as in container_plan).
    """
    if layout.kind != "sheet" or layout.grid is None:
        raise ValueError(
            f"layout {layout.name} is a {layout.kind} layout; take-home labels print on sheet stock"
        )
    ensure_fonts()
    if isinstance(label, str):
        label = TakeHomeLabel(label)
    name, mrn = clean(infant_name), clean(infant_mrn)
    if not name or not mrn:
        raise ValueError("take-home labels need the infant's name and MRN")
    _require_printable("infant's name", name)
    _require_printable("MRN", mrn)
    if label.medications:
        _require_printable("medications", label.medications)
    grid, p, sizes = layout.grid, layout.margin, layout.text
    W, H = grid.label_width, grid.label_height
    inner = W - 2 * p
    names = NameSettings(name, sizes.name_max, sizes.name_min, inner)
    mrn_text = f"MRN {mrn}"
    for tier in _tiers(bool(label.medications), False, last_resort):
        faces, meds_in_full = tier.faces, tier.medications_in_full
        rows = _sheet_rows(label, zone, meds_in_full)
        for body in _sizes(sizes.body, sizes.body_min):
            flowed = [
                (kind, _flow([row], body, inner) if kind == "text" else row) for kind, row in rows
            ]
            rows_height = sum(
                layout.blank_line if kind == "blank" else len(lines) * body * LEADING
                for kind, lines in flowed
            )
            rows_top = H - p - rows_height
            bottom = rows_top - 0.15 * sizes.code
            centred = _barcode_block(
                label.code, layout, W, bottom, p, lambda v: v, center_text=True
            )
            left = _barcode_block(label.code, layout, W, bottom, p, lambda v: v)
            # The MRN goes under the name; when the name leaves no room for it there, it
            # moves to the right end of the code-text line.
            mrn_lines = _flow([[(mrn_text, "bold")]], body, inner)
            mrn_width = width(mrn_text, body, True)
            arrangements = [(centred, mrn_lines)]
            if left.free_right - left.text_right - body >= mrn_width:
                arrangements.append((left, []))
            for block, under_name in arrangements:
                room = block.top - 0.15 * body - p - len(under_name) * body * LEADING
                setting = names.first(faces, room)
                if setting is not None:
                    break
            else:
                continue
            plan = Plan(
                W,
                H,
                name_lines=setting.lines,
                name_size=setting.size,
                name_scale=setting.scale,
                name_broken=setting.broken,
                body_size=body,
                medications=(
                    None if not label.medications else "in full" if meds_in_full else "see record"
                ),
            )
            top = _place_name(plan, setting, p, p)
            plan.items.extend(_place_flow(under_name, p, top, body))
            plan.items.extend(block.items)
            if not under_name:
                code_text = block.items[-1]
                plan.items.append(
                    Text(
                        block.free_right - mrn_width,
                        code_text.baseline - ASCENT * body,
                        body,
                        True,
                        mrn_text,
                    )
                )
            row_top = rows_top
            for kind, row in flowed:
                if kind == "blank":
                    plan.items.extend(_blank_row(layout, row, p, row_top, inner, body))
                    row_top += layout.blank_line
                else:
                    plan.items.extend(_place_flow(row, p, row_top, body))
                    row_top += len(row) * body * LEADING
            return plan
    raise LabelTooSmall(
        f"the take-home label does not fit the {layout.name} stock even with "
        f"the name at {sizes.name_min:g} pt on {NAME_LINES} lines condensed to "
        f"{CONDENSED[-1]:.0%} and {sizes.body_min:g} pt text"
    )


def _blank_row(layout: Layout, kind: str, x0: float, top: float, inner: float, size: float) -> list:
    """'Pumped: date ____ time ____' or 'Meds: ____', with rules to write on."""
    items: list = []
    line = layout.blank_line
    rule = max(0.5, size * 0.06)
    right = x0 + inner

    def label(x: float, text: str) -> float:
        text_top = top + line - size * (ASCENT + 0.12)
        items.append(Text(x, text_top, size, False, text))
        return x + width(text, size, False) + size * 0.2

    def write_in(start: float, end: float) -> None:
        items.append(Box(start, top + line - size * 0.1 - rule, end - start, rule))

    if kind == "pumped":
        after_date = label(x0, "Pumped: date")
        time_x = x0 + inner * 0.62
        write_in(after_date, time_x - size * 0.4)
        write_in(label(time_x, "time"), right)
    else:
        write_in(label(x0, "Meds:"), right)
    return items


def sample_content() -> LabelContent:
    """A demanding container label: every optional field, a long name, a NAME ALERT."""
    moment = datetime(2026, 11, 28, 20, 5, tzinfo=UTC)
    return LabelContent(
        code="M9999999999",
        infant_first_name="Baby Girl B",
        infant_last_name="Featherstonehaugh",
        infant_mrn="MRN-0012345678",
        milk_type="DHM",
        donor_lot="LOT-2026-11-0042",
        donor_product_code="M0001",
        colostrum=True,
        expressed_at=moment,
        state="thawed",
        expires_at=moment,
        expiry_reason="fortified 14:05, +24 h",
        fortifier="Similac HMF",
        kcal_per_oz=24,
        volume_ml=120,
        name_alert=True,
        medications="sertraline 50 mg daily; ibuprofen 400 mg as needed",
    )


# The longest name the API accepts, in the widest Latin capital of the label face: the wider
# stock must take it with everything else on the label (see wider_stock_problem).
LONGEST_NAME = ("W" * 100, "W" * 100)


def worst_case_content(first: str, last: str, mrn: str, code: str = "M9999999999") -> LabelContent:
    """The fullest container label a baby with this name can have: NAME ALERT, donor milk with
    its lot, colostrum, thawed and fortified, and the mother's medications."""
    return dataclasses.replace(
        sample_content(), code=code, infant_first_name=first, infant_last_name=last, infant_mrn=mrn
    )


def fits(
    content: LabelContent, layout: Layout, zone: ZoneInfo, *, last_resort: bool = True
) -> bool:
    """Whether the container label composes on this stock."""
    try:
        container_plan(content, layout, zone, last_resort=last_resort)
    except LabelTooSmall:
        return False
    return True


def stock_for(content: LabelContent, usual: Layout, wider: Layout, zone: ZoneInfo) -> Layout:
    """The stock a container label prints on: the usual one while the label fits it, down to
    the floor and without breaking the name inside a word; else the unit's wider stock."""
    return usual if fits(content, usual, zone, last_resort=False) else wider


def sheet_stock_for(
    labels: list[TakeHomeLabel],
    infant_name: str,
    infant_mrn: str,
    usual: Layout,
    wider: Layout,
    zone: ZoneInfo,
) -> Layout:
    """The sheet a parent's labels print on: the usual one while every label fits it, else the
    unit's wider sheet (all labels of one sheet on one stock)."""
    for label in labels:
        try:
            sheet_label_plan(label, infant_name, infant_mrn, usual, zone, last_resort=False)
        except LabelTooSmall:
            return wider
    return usual


def _worst_take_home_labels() -> list[TakeHomeLabel]:
    moment = datetime(2026, 11, 28, 20, 5, tzinfo=UTC)
    return [
        TakeHomeLabel("M9999999999"),
        TakeHomeLabel("M9999999999", moment, 120, True, sample_content().medications),
    ]


def wider_stock_problem(layout: Layout) -> str | None:
    """Why this stock cannot be one of the unit's wider stocks, or None: it must take the worst
    case, the longest name the API accepts with everything else on the label."""
    zone = ZoneInfo("America/Chicago")
    try:
        if layout.kind == "thermal":
            container_plan(worst_case_content(*LONGEST_NAME, "MRN-0012345678"), layout, zone)
        else:
            for label in _worst_take_home_labels():
                sheet_label_plan(label, display_name(*LONGEST_NAME), "MRN-0012345678", layout, zone)
    except LabelTooSmall:
        return (
            f"{layout.name} cannot take a label with the longest name (100 + 100 letters) "
            "and every field; choose a larger stock"
        )
    return None


def sample_fit_problem(layout: Layout) -> tuple[str, str] | None:
    """(field, message) when a demanding label cannot be composed on this stock, else None."""
    zone = ZoneInfo("America/Chicago")
    try:
        if layout.kind == "thermal":
            container_plan(sample_content(), layout, zone)
        else:
            sheet_label_plan(
                "M9999999999", "Featherstonehaugh, Baby Girl B", "MRN-0012345678", layout
            )
    except LabelTooSmall as error:
        message = str(error)
        if "DataMatrix" in message:
            return "datamatrix.module", message
        if "Code 128" in message or "code text" in message:
            return "code128.module", message
        height_field = "stock.height" if layout.kind == "thermal" else "grid.label_height"
        return height_field, message + " (a sample label with every field did not fit)"
    return None
