"""Where everything goes on a label: a plan in points from the top-left, for PDF and ZPL alike.

Composing once and rendering twice keeps the PDF and the ZPL of a label the same: the same
name size and line breaks, the same barcode geometry. Nothing is ever cut short: a name
shrinks to the layout's minimum and then wraps onto two lines, body text shrinks and then
wraps, and what still does not fit raises LabelTooSmall.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from .barcodes import LabelTooSmall, code128_modules, datamatrix_rows
from .content import MILK_TYPES, LabelContent, format_ml, format_number, format_time
from .fonts import (
    ASCENT,
    LEADING,
    clean,
    describe,
    ensure_fonts,
    two_lines,
    unprintable_characters,
    width,
    wrap,
)
from .layouts import MIL, Layout

STEP = 0.25  # font sizes are tried in quarter points
ENTERAL = "FOR ENTERAL USE ONLY"
NAME_ALERT = "NAME ALERT"


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
    body_size: float = 0.0


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


def name_options(name: str, high: float, low: float, limit: float) -> list[tuple[float, tuple]]:
    """Ways to set ``name`` in bold, best first: one line from ``high`` down to ``low``, then
    two lines likewise."""
    options: list[tuple[float, tuple]] = []
    per_point = width(name, 1.0, True)
    for size in _sizes(high, low):
        if per_point * size <= limit:
            options.append((size, (name,)))
    for size in _sizes(high, low):
        lines = two_lines(name, size, True, limit)
        if lines is not None:
            options.append((size, lines))
    return options


# A chunk of body text: (text, style); style is "regular", "bold" or "tag" (white on black),
# or "optional" (regular text left out when the label is full: it is not on domain.md's list).
Chunk = tuple[str, str]


def _flow(paragraphs: list[list[Chunk]], size: float, limit: float,
          keep_optional: bool = True) -> list[list[tuple]]:
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


def _barcode_block(code: str, layout: Layout, cell_width: float, bottom: float,
                   margin: float, snap, center_text: bool = False) -> _BarcodeBlock:
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
        raise LabelTooSmall(f"the code text {code!r} does not fit under its barcode on "
                            f"the {layout.name} label")
    items.append(Text(text_x, text_top, text_size, False, code))
    return _BarcodeBlock(top=min(bars_top, matrix_top), items=items,
                         text_right=text_x + code_width, free_right=right_limit)


def _snapper(layout: Layout):
    dot = layout.dot
    if not dot:
        return lambda value: value
    return lambda value: round(value / dot) * dot


def _check_content(content: LabelContent) -> None:
    if content.milk_type not in MILK_TYPES:
        raise ValueError(f"milk_type must be MOM or DHM, got {content.milk_type!r}")
    for what, text in (("infant's first name", content.infant_first_name),
                       ("infant's last name", content.infant_last_name),
                       ("MRN", content.infant_mrn), ("donor lot", content.donor_lot),
                       ("donor product code", content.donor_product_code),
                       ("fortifier", content.fortifier), ("expiry reason", content.expiry_reason),
                       ("medications", content.medications)):
        if text:
            _require_printable(what, text)
    if not content.full_name:
        raise ValueError("the label needs the infant's name")
    if not clean(content.infant_mrn or ""):
        raise ValueError("the label needs the infant's MRN")


def _details(content: LabelContent, zone: ZoneInfo) -> list[list[Chunk]]:
    """The body paragraphs of a container label, in reading order."""
    first: list[Chunk] = [(f"MRN {clean(content.infant_mrn)}", "bold"), (content.milk_type, "bold")]
    if content.milk_type == "DHM":
        first.append((f"Lot {clean(content.donor_lot or '') or '________'}", "regular"))
        if content.donor_product_code:
            first.append((f"Product {clean(content.donor_product_code)}", "optional"))
    if content.colostrum:
        first.append(("COLOSTRUM", "tag"))
    paragraphs = [first]
    received = content.state.lower() != "reserved"
    if received and content.expires_at is not None:
        expiry: list[Chunk] = [(content.state_word, "bold"),
                               (f"Exp {format_time(content.expires_at, zone)}", "bold")]
        if content.expiry_reason:
            expiry.append((f"({clean(content.expiry_reason)})", "optional"))
    else:
        expiry = [(content.state_word if received else "State ________", "regular"),
                  ("Exp ________________", "regular")]
    paragraphs.append(expiry)
    pumped = (f"Pumped {format_time(content.expressed_at, zone)}" if content.expressed_at
              else "Pumped ________________")
    volume = format_ml(content.volume_ml) if content.volume_ml is not None else "______ mL"
    paragraphs.append([(pumped, "regular"), (volume, "bold")])
    if content.fortifier:
        fortified: list[Chunk] = [(f"Fortifier {clean(content.fortifier)}", "regular")]
        if content.kcal_per_oz is not None:
            fortified.append((f"{format_number(content.kcal_per_oz)} kcal/oz", "bold"))
        paragraphs.append(fortified)
    if content.medications:
        paragraphs.append([(f"Meds {clean(content.medications)}", "optional")])
    return paragraphs


def container_plan(content: LabelContent, layout: Layout, zone: ZoneInfo) -> Plan:
    """The container label on thermal stock."""
    if layout.kind != "thermal":
        raise ValueError(f"layout {layout.name} is a {layout.kind} layout; container labels "
                         "print on thermal stock")
    ensure_fonts()
    _check_content(content)
    snap = _snapper(layout)
    W, H, m = layout.width, layout.height, layout.margin
    inner = W - 2 * m
    block = _barcode_block(content.code, layout, W, H - m, m, snap)
    sizes = layout.text
    paragraphs = _details(content, zone)
    # FOR ENTERAL USE ONLY sits on the code-text line when there is room, else in the body.
    enteral_on_code_line = None
    code_text = block.items[-1]
    for size in _sizes(sizes.code, min(sizes.code, sizes.body_min)):
        enteral_width = width(ENTERAL, size, True)
        if block.free_right - block.text_right - sizes.code * 0.8 >= enteral_width:
            enteral_on_code_line = Text(block.free_right - enteral_width,
                                        code_text.baseline - ASCENT * size, size, True, ENTERAL)
            break
    else:
        paragraphs.append([(ENTERAL, "bold")])
    name = content.full_name
    options = name_options(name, sizes.name_max, sizes.name_min, inner)
    if not options:
        raise LabelTooSmall(
            f"the name {name!r} does not fit on two lines at {sizes.name_min:g} pt on the "
            f"{layout.name} label ({inner / 72:.2f} in wide); use wider stock"
        )
    space_below = block.top - 0.2 * sizes.body
    for body, keep_optional in _body_choices(sizes.body, sizes.body_min):
        banner_size = body
        banner_height = banner_size * 1.25 if content.name_alert else 0.0
        lines = _flow(paragraphs, body, inner, keep_optional)
        details_height = len(lines) * body * LEADING
        room = space_below - m - banner_height - details_height - 0.1 * body
        for size, name_lines in options:
            if len(name_lines) * size * LEADING <= room + 1e-6:
                break
        else:
            continue
        plan = Plan(W, H, name_lines=name_lines, name_size=size, body_size=body)
        top = m
        if content.name_alert:
            plan.items.append(Box(m, top, inner, banner_height))
            label_width = width(NAME_ALERT, banner_size, True)
            plan.items.append(Text(m + (inner - label_width) / 2,
                                   top + (banner_height - banner_size * 1.05) / 2,
                                   banner_size, True, NAME_ALERT, white=True))
            top += banner_height + 0.1 * body
        for line in name_lines:
            plan.items.append(Text(m, top, size, True, line))
            top += size * LEADING
        top += 0.1 * body
        plan.items.extend(_place_flow(lines, m, top, body))
        plan.items.extend(block.items)
        if enteral_on_code_line is not None:
            plan.items.append(enteral_on_code_line)
        return plan
    raise LabelTooSmall(
        f"the container label for {content.code} does not fit the {layout.name} stock "
        f"({W / 72:.2f} x {H / 72:.2f} in) even at {sizes.name_min:g} pt names and "
        f"{sizes.body_min:g} pt text"
    )


def _body_choices(high: float, low: float) -> list[tuple[float, bool]]:
    """Body sizes, largest first; at each, first with the optional fields, then without."""
    return [(size, keep) for size in _sizes(high, low) for keep in (True, False)]


def sheet_label_plan(code: str, infant_name: str, infant_mrn: str, layout: Layout) -> Plan:
    """One take-home label of a sheet, in the label's own coordinates."""
    if layout.kind != "sheet" or layout.grid is None:
        raise ValueError(f"layout {layout.name} is a {layout.kind} layout; take-home labels "
                         "print on sheet stock")
    ensure_fonts()
    name, mrn = clean(infant_name), clean(infant_mrn)
    if not name or not mrn:
        raise ValueError("take-home labels need the infant's name and MRN")
    _require_printable("infant's name", name)
    _require_printable("MRN", mrn)
    grid, p, sizes = layout.grid, layout.margin, layout.text
    W, H = grid.label_width, grid.label_height
    inner = W - 2 * p
    blanks_top = H - p - 2 * layout.blank_line
    bottom = blanks_top - 0.15 * sizes.code
    centred = _barcode_block(code, layout, W, bottom, p, lambda v: v, center_text=True)
    left = _barcode_block(code, layout, W, bottom, p, lambda v: v)
    options = name_options(name, sizes.name_max, sizes.name_min, inner)
    if not options:
        raise LabelTooSmall(f"the name {name!r} does not fit on two lines at "
                            f"{sizes.name_min:g} pt on the {layout.name} labels")
    mrn_text = f"MRN {mrn}"
    for body in _sizes(sizes.body, sizes.body_min):
        # The MRN goes under the name; when a two-line name leaves no room for it there, it
        # moves to the right end of the code-text line.
        mrn_lines = _flow([[(mrn_text, "bold")]], body, inner)
        mrn_width = width(mrn_text, body, True)
        arrangements = [(centred, mrn_lines)]
        if left.free_right - left.text_right - body >= mrn_width:
            arrangements.append((left, []))
        for block, under_name in arrangements:
            room = block.top - 0.15 * body - p - len(under_name) * body * LEADING
            fitting = [(size, lines) for size, lines in options
                       if len(lines) * size * LEADING <= room + 1e-6]
            if fitting:
                break
        else:
            continue
        size, name_lines = fitting[0]
        plan = Plan(W, H, name_lines=name_lines, name_size=size, body_size=body)
        top = p
        for line in name_lines:
            plan.items.append(Text(p, top, size, True, line))
            top += size * LEADING
        plan.items.extend(_place_flow(under_name, p, top, body))
        plan.items.extend(block.items)
        if not under_name:
            code_text = block.items[-1]
            plan.items.append(Text(block.free_right - mrn_width,
                                   code_text.baseline - ASCENT * body, body, True, mrn_text))
        plan.items.extend(_blanks(layout, p, blanks_top, inner, body))
        return plan
    raise LabelTooSmall(f"the take-home label does not fit the {layout.name} stock even at "
                        f"{sizes.name_min:g} pt names and {sizes.body_min:g} pt text")


def _blanks(layout: Layout, x0: float, top: float, inner: float, size: float) -> list:
    """'Pumped: date ____ time ____' and 'Meds: ____', with rules to write on."""
    items: list = []
    line = layout.blank_line
    rule = max(0.5, size * 0.06)
    right = x0 + inner

    def label(x: float, row_top: float, text: str) -> float:
        text_top = row_top + line - size * (ASCENT + 0.12)
        items.append(Text(x, text_top, size, False, text))
        return x + width(text, size, False) + size * 0.2

    def write_in(start: float, end: float, row_top: float) -> None:
        items.append(Box(start, row_top + line - size * 0.1 - rule, end - start, rule))

    after_date = label(x0, top, "Pumped: date")
    time_x = x0 + inner * 0.62
    write_in(after_date, time_x - size * 0.4, top)
    after_time = label(time_x, top, "time")
    write_in(after_time, right, top)
    after_meds = label(x0, top + line, "Meds:")
    write_in(after_meds, right, top + line)
    return items


def sample_content() -> LabelContent:
    """A demanding container label: every optional field, a long name, a NAME ALERT."""
    moment = datetime(2026, 11, 28, 20, 5, tzinfo=UTC)
    return LabelContent(
        code="M9999999999", infant_first_name="Baby Girl B", infant_last_name="Featherstonehaugh",
        infant_mrn="MRN-0012345678", milk_type="DHM", donor_lot="LOT-2026-11-0042",
        donor_product_code="M0001", colostrum=True, expressed_at=moment, state="thawed",
        expires_at=moment, expiry_reason="fortified 14:05, +24 h", fortifier="Similac HMF",
        kcal_per_oz=24, volume_ml=120, name_alert=True,
    )


def sample_fit_problem(layout: Layout) -> tuple[str, str] | None:
    """(field, message) when a demanding label cannot be composed on this stock, else None."""
    zone = ZoneInfo("America/Chicago")
    try:
        if layout.kind == "thermal":
            container_plan(sample_content(), layout, zone)
        else:
            sheet_label_plan("M9999999999", "Featherstonehaugh, Baby Girl B", "MRN-0012345678",
                             layout)
    except LabelTooSmall as error:
        message = str(error)
        if "DataMatrix" in message:
            return "datamatrix.module", message
        if "Code 128" in message or "code text" in message:
            return "code128.module", message
        height_field = "stock.height" if layout.kind == "thermal" else "grid.label_height"
        return height_field, message + " (a sample label with every field did not fit)"
    return None
