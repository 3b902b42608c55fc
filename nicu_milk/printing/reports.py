"""Report PDFs for the charge nurse (ReportLab platypus): expiry, inventory, near misses, discharge.

Every page has a header with the unit, the time generated in the unit's zone and "Page n
of m"; every table repeats its header row on each page. Names are wrapped in their cells,
never cut.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ..formatting import number as format_number
from ..vocabulary import ON_HAND
from .content import format_ml, format_time
from .fonts import BOLD, REGULAR, clean, ensure_fonts, runs, width, wrap
from .labels import draw_text

PAGE_SIZES = {"letter": LETTER, "a4": A4}
MARGIN = 36.0
HEADER_HEIGHT = 40.0
CELL_SIZE = 8.0
CELL_PAD = 3.0
GREY = colors.Color(0.88, 0.88, 0.88)


@dataclass(frozen=True)
class ExpiryRow:
    code: str
    infant_name: str
    infant_mrn: str
    state: str
    expires_at: datetime
    expiry_reason: str
    storage_unit: str
    shelf: str | None
    volume_ml: float


@dataclass(frozen=True)
class InventoryRow:
    infant_name: str
    infant_mrn: str
    volume_by_state: dict[str, float]  # fresh / frozen / thawed, in mL
    daily_volume_ml: float | None
    days_of_supply: float | None
    low_supply: bool


@dataclass(frozen=True)
class NearMissRow:
    at: datetime
    user: str  # the nurse's full name
    verdict: str
    reason_codes: tuple[str, ...]
    infant_code: str
    container_code: str
    # In words, where known: each reason's text, and the baby's name with the MRN.
    reasons: tuple[str, ...] = ()
    infant: str = ""


@dataclass(frozen=True)
class DischargeRow:
    code: str
    state: str
    volume_ml: float
    expressed_at: datetime | None
    expires_at: datetime | None
    location: str
    # Why the bottle does not go home ("EXPIRED: will be discarded"), or None when it does.
    note: str | None = None


def _styles() -> dict[str, ParagraphStyle]:
    ensure_fonts()
    return {
        "title": ParagraphStyle("title", fontName=BOLD, fontSize=14, leading=17, spaceAfter=4),
        "heading": ParagraphStyle(
            "heading", fontName=BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=3
        ),
        "group": ParagraphStyle("group", fontName=BOLD, fontSize=9, leading=11),
        "body": ParagraphStyle("body", fontName=REGULAR, fontSize=9, leading=11.5, spaceAfter=3),
        "cell": ParagraphStyle(
            "cell", fontName=REGULAR, fontSize=CELL_SIZE, leading=CELL_SIZE * 1.2
        ),
        "cell_bold": ParagraphStyle(
            "cell_bold", fontName=BOLD, fontSize=CELL_SIZE, leading=CELL_SIZE * 1.2
        ),
    }


def _markup(text: str, bold: bool = False) -> str:
    """Paragraph markup that switches to the CJK font where DejaVu has no glyph."""
    parts = runs(text, bold)
    if len(parts) == 1 and parts[0][0] in (REGULAR, BOLD):
        return xml_escape(text)
    return "".join(f'<font face="{font}">{xml_escape(part)}</font>' for font, part in parts)


def _para(text: str, style: ParagraphStyle, bold: bool = False) -> Paragraph:
    return Paragraph(_markup(clean(text), bold), style)


def _cell(text: str, column_width: float, styles, bold: bool = False):
    """A table cell: wrapped (never cut) to its column; a Paragraph only when fonts mix."""
    text = clean(text)
    lines = wrap(text, CELL_SIZE, bold, column_width - 2 * CELL_PAD)
    fonts = {font for line in lines for font, _ in runs(line, bold)}
    if fonts <= {REGULAR, BOLD}:
        return "\n".join(lines)
    style = styles["cell_bold" if bold else "cell"]
    return Paragraph("<br/>".join(_markup(line, bold) for line in lines), style)


def _table(
    header: list[str],
    rows: list[list],
    widths: list[float],
    extra_style: Iterable = (),
    caption=None,
) -> Table:
    """A table whose header row (and caption row, if any) repeats on every page."""
    top = 1 if caption is not None else 0
    data = (
        [header, *rows]
        if caption is None
        else [[caption] + [""] * (len(header) - 1), header, *rows]
    )
    table = Table(data, colWidths=widths, repeatRows=top + 1, hAlign="LEFT")
    caption_style = (
        [
            ("SPAN", (0, 0), (-1, 0)),
            ("FONT", (0, 0), (-1, 0), BOLD, 9),
            ("TOPPADDING", (0, 0), (-1, 0), 6),
        ]
        if caption is not None
        else []
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, top), (-1, top), BOLD, CELL_SIZE),
                ("FONT", (0, top + 1), (-1, -1), REGULAR, CELL_SIZE),
                ("LEADING", (0, 0), (-1, -1), CELL_SIZE * 1.2),
                ("BACKGROUND", (0, top), (-1, top), GREY),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, top), (-1, top), 0.75, colors.black),
                ("LINEBELOW", (0, top + 1), (-1, -1), 0.25, colors.grey),
                *caption_style,
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                *extra_style,
            ]
        )
    )
    return table


def _scaled(fractions: list[float], total: float) -> list[float]:
    whole = sum(fractions)
    return [total * fraction / whole for fraction in fractions]


def _fit_columns(columns: list[tuple[str, list[str], float]], total: float) -> list[float]:
    """Column widths: fixed columns (weight 0) as wide as their widest text, the flexible
    ones sharing what is left by weight, none wider than it needs."""
    natural = []
    for header, values, _ in columns:
        widest = max(
            [width(line, CELL_SIZE, True) for line in header.split("\n")]
            + [width(value, CELL_SIZE) for value in set(values)]
        )
        natural.append(widest + 2 * CELL_PAD + 0.5)
    widths = [
        need if column[2] == 0 else 0.0 for need, column in zip(natural, columns, strict=True)
    ]
    flexible = [index for index, (_, _, weight) in enumerate(columns) if weight > 0]
    left = total - sum(widths)
    while flexible:
        weights = sum(columns[index][2] for index in flexible)
        capped = [
            index for index in flexible if natural[index] <= left * columns[index][2] / weights
        ]
        if not capped:
            for index in flexible:
                widths[index] = max(left * columns[index][2] / weights, 40.0)
            break
        for index in capped:
            widths[index] = natural[index]
            left -= natural[index]
            flexible.remove(index)
    if sum(widths) > total:  # too many fixed columns: scale them all (cells will wrap)
        widths = [value * total / sum(widths) for value in widths]
    return widths


def _keep_heading() -> CondPageBreak:
    """Start a new page rather than leave a heading alone at the foot of one."""
    return CondPageBreak(72)


def _render(
    title: str, unit_name: str, generated_at: datetime, zone: ZoneInfo, story: list, page_size: str
) -> bytes:
    """Build the story with the header on every page; 'Page n of m' is filled in at the end."""
    if page_size not in PAGE_SIZES:
        raise ValueError(f"page_size must be one of {sorted(PAGE_SIZES)}, got {page_size!r}")
    size = PAGE_SIZES[page_size]
    generated = f"Generated {format_time(generated_at, zone)}"
    unit = clean(unit_name)
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=size,
        title=f"{title} - {unit}",
        author="nicu_milk",
        creator="nicu_milk",
        invariant=1,
    )
    frame = Frame(
        MARGIN,
        MARGIN,
        size[0] - 2 * MARGIN,
        size[1] - 2 * MARGIN - HEADER_HEIGHT,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    document.addPageTemplates([PageTemplate(id="report", frames=[frame])])

    class NumberedCanvas(Canvas):
        """Holds each page until the end, when the page count is known."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._held: list[dict] = []

        def showPage(self):
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._held)
            for number, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                _header(self, size, unit, title, generated, f"Page {number} of {total}")
                super().showPage()
            super().save()

    document.build(story, canvasmaker=NumberedCanvas)
    return buffer.getvalue()


def _header(canvas: Canvas, size, unit: str, title: str, generated: str, page: str) -> None:
    page_width, page_height = size
    top = page_height - MARGIN
    right = page_width - MARGIN
    unit_size = 11.0  # a long unit name shrinks rather than run into the page number
    while unit_size > 7 and width(unit, unit_size, True) > (right - MARGIN) * 0.7:
        unit_size -= 0.5
    draw_text(canvas, unit, MARGIN, top - 11, unit_size, bold=True)
    draw_text(canvas, title, MARGIN, top - 25, 9)
    draw_text(canvas, page, right - width(page, 9, True), top - 11, 9, bold=True)
    draw_text(canvas, generated, right - width(generated, 9), top - 25, 9)
    canvas.setLineWidth(0.75)
    canvas.line(MARGIN, top - 31, right, top - 31)


def _content_width(page_size: str) -> float:
    return PAGE_SIZES.get(page_size, LETTER)[0] - 2 * MARGIN


def expiry_report_pdf(
    expired: list[ExpiryRow],
    expiring: list[ExpiryRow],
    within_hours: float,
    unit_name: str,
    generated_at: datetime,
    zone: ZoneInfo,
    *,
    page_size: str = "letter",
) -> bytes:
    """Expired milk, then milk expiring within ``within_hours``, by storage unit and shelf."""
    styles = _styles()
    header = ["Baby", "MRN", "Code", "State", "Expires", "Reason", "Volume"]
    every = [*expired, *expiring]
    widths = _fit_columns(
        [
            ("Baby", [clean(row.infant_name) for row in every], 3),
            ("MRN", [clean(row.infant_mrn) for row in every], 1),
            ("Code", [row.code for row in every], 0),
            ("State", [row.state.upper() for row in every], 0),
            ("Expires", [format_time(row.expires_at, zone) for row in every], 0),
            ("Reason", [clean(row.expiry_reason or "") for row in every], 2),
            ("Volume", [format_ml(row.volume_ml) for row in every], 0),
        ],
        _content_width(page_size),
    )
    hours = format_number(within_hours)
    story: list = [
        _para("Expiry report", styles["title"]),
        _para(
            f"{len(expired)} expired; {len(expiring)} expiring within {hours} h. "
            "Grouped by storage unit and shelf, so that each can be pulled in one "
            "visit.",
            styles["body"],
        ),
    ]
    sections = (
        (f"Expired: pull and discard ({len(expired)})", expired),
        (f"Expiring within {hours} h: use first ({len(expiring)})", expiring),
    )
    for heading, rows in sections:
        story += [_keep_heading(), _para(heading, styles["heading"])]
        if not rows:
            story.append(_para("None.", styles["body"]))
            continue

        def place(row: ExpiryRow):
            return clean(row.storage_unit), clean(row.shelf or "")

        ordered = sorted(rows, key=lambda row: (place(row), row.expires_at, row.code))
        for (unit, shelf), group in groupby(ordered, key=place):
            group = list(group)
            where = f"{unit} · shelf {shelf}" if shelf else f"{unit} · no shelf"
            caption = _para(f"{where} ({len(group)} containers)", styles["group"])
            body = [
                [
                    _cell(row.infant_name, widths[0], styles),
                    _cell(row.infant_mrn, widths[1], styles),
                    row.code,
                    row.state.upper(),
                    format_time(row.expires_at, zone),
                    _cell(row.expiry_reason or "", widths[5], styles),
                    format_ml(row.volume_ml),
                ]
                for row in group
            ]
            story += [
                _keep_heading(),
                _table(
                    header, body, widths, [("ALIGN", (6, 1), (6, -1), "RIGHT")], caption=caption
                ),
            ]
    return _render("Expiry report", unit_name, generated_at, zone, story, page_size)


def inventory_report_pdf(
    rows: list[InventoryRow],
    unit_name: str,
    generated_at: datetime,
    zone: ZoneInfo,
    *,
    page_size: str = "letter",
) -> bytes:
    """Per baby: volume by state, days of supply where a feeding rate is known, low supply."""
    styles = _styles()
    states = list(ON_HAND)
    for row in rows:
        states += [state for state in row.volume_by_state if state not in states]
    header = [
        "Baby",
        "MRN",
        *[f"{state.capitalize()}\nmL" for state in states],
        "Total\nmL",
        "Feeds\nmL a day",
        "Days of\nsupply",
        "Supply",
    ]
    body = []
    low_rows = []
    for number, row in enumerate(rows, start=1):
        volumes = [float(row.volume_by_state.get(state) or 0) for state in states]
        body.append(
            [
                "",
                "",
                *[format_number(volume) for volume in volumes],
                format_number(sum(volumes)),
                format_number(row.daily_volume_ml) if row.daily_volume_ml is not None else "–",
                format_number(row.days_of_supply) if row.days_of_supply is not None else "–",
                "LOW" if row.low_supply else "ok",
            ]
        )
        if row.low_supply:
            low_rows.append(number)
    widths = _fit_columns(
        [
            ("Baby", [clean(row.infant_name) for row in rows], 3),
            ("MRN", [clean(row.infant_mrn) for row in rows], 1),
        ]
        + [
            (title, [line[index + 2] for line in body], 0) for index, title in enumerate(header[2:])
        ],
        _content_width(page_size),
    )
    body = [
        [
            _cell(row.infant_name, widths[0], styles),
            _cell(row.infant_mrn, widths[1], styles),
            *line[2:],
        ]
        for row, line in zip(rows, body, strict=True)
    ]
    last = len(header) - 1
    extra = [("ALIGN", (2, 0), (last - 1, -1), "RIGHT")]
    for number in low_rows:
        extra += [
            ("FONT", (last, number), (last, number), BOLD, CELL_SIZE),
            ("BACKGROUND", (last, number), (last, number), GREY),
        ]
    low = len(low_rows)
    story: list = [
        _para("Inventory by baby", styles["title"]),
        _para(
            f"{len(rows)} babies with milk in the unit; {low} low on supply. Days of supply "
            "is shown where a daily feeding volume is known.",
            styles["body"],
        ),
    ]
    if rows:
        story.append(_table(header, body, widths, extra))
    else:
        story.append(_para("No milk in the unit.", styles["body"]))
    return _render("Inventory by baby", unit_name, generated_at, zone, story, page_size)


def near_miss_report_pdf(
    counts: dict[str, int],
    rows: list[NearMissRow],
    since: datetime | None,
    until: datetime | None,
    unit_name: str,
    generated_at: datetime,
    zone: ZoneInfo,
    *,
    page_size: str = "letter",
) -> bytes:
    """Stopped and warned feeding attempts in a period: counts by reason, then each one."""
    styles = _styles()
    total = _content_width(page_size)
    start = format_time(since, zone) if since else "the first record"
    end = format_time(until, zone) if until else "now"
    story: list = [
        _para("Near misses: stopped and warned feeds", styles["title"]),
        _para(
            f"From {start} to {end}. {len(rows)} attempts. Each stop is the system "
            "working: milk that did not reach the wrong baby.",
            styles["body"],
        ),
        _para("By reason", styles["heading"]),
    ]
    if counts:
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        count_widths = [total * 0.4, total * 0.15]
        count_rows = [[reason, str(count)] for reason, count in ordered]
        story.append(
            _table(
                ["Reason", "Count"], count_rows, count_widths, [("ALIGN", (1, 0), (1, -1), "RIGHT")]
            )
        )
    else:
        story.append(_para("None.", styles["body"]))
    story.append(_para("Each attempt", styles["heading"]))
    if rows:

        def reasons(row: NearMissRow) -> str:
            return " ".join(row.reasons) if row.reasons else ", ".join(row.reason_codes)

        def baby(row: NearMissRow) -> str:
            return row.infant or row.infant_code

        widths = _fit_columns(
            [
                ("Time", [format_time(row.at, zone) for row in rows], 0),
                ("Nurse", [clean(row.user) for row in rows], 1),
                ("Verdict", [row.verdict.upper() for row in rows], 0),
                ("Reasons", [reasons(row) for row in rows], 4),
                ("Baby", [clean(baby(row)) for row in rows], 2),
                ("Container (scanned)", [clean(row.container_code) for row in rows], 1),
            ],
            total,
        )
        body = [
            [
                format_time(row.at, zone),
                _cell(row.user, widths[1], styles),
                row.verdict.upper(),
                _cell(reasons(row), widths[3], styles),
                _cell(baby(row), widths[4], styles),
                _cell(row.container_code, widths[5], styles),
            ]
            for row in sorted(rows, key=lambda row: row.at)
        ]
        story.append(
            _table(
                ["Time", "Nurse", "Verdict", "Reasons", "Baby", "Container (scanned)"], body, widths
            )
        )
    else:
        story.append(_para("None.", styles["body"]))
    return _render("Near misses", unit_name, generated_at, zone, story, page_size)


def discharge_report_pdf(
    infant_name: str,
    infant_mrn: str,
    rows: list[DischargeRow],
    unit_name: str,
    generated_at: datetime,
    zone: ZoneInfo,
    *,
    page_size: str = "letter",
) -> bytes:
    """The milk to return to the family at discharge, with room to sign for it.

    Bottles that do not go home (expired, donor milk) are listed too, each saying why, so that
    the family knows what becomes of them.
    """
    styles = _styles()
    total = _content_width(page_size)
    going = [row for row in rows if row.note is None]
    staying = len(rows) - len(going)
    summary = (
        f"{len(going)} container{'' if len(going) == 1 else 's'} to take home, "
        f"{format_ml(sum(row.volume_ml for row in going))} in all."
    )
    if staying:
        summary += (
            f" {staying} container{'' if staying == 1 else 's'} stay"
            f"{'s' if staying == 1 else ''} in the unit (see the last column)."
        )
    story: list = [
        _para("Milk to send home at discharge", styles["title"]),
        _para(f"{infant_name} · MRN {infant_mrn}", styles["heading"], bold=True),
        _para(summary, styles["body"]),
    ]
    if rows:
        times = [
            format_time(moment, zone)
            for row in rows
            for moment in (row.expressed_at, row.expires_at)
            if moment
        ] or ["–"]
        notes = [row.note or "Yes" for row in rows]
        widths = _fit_columns(
            [
                ("Code", [row.code for row in rows], 0),
                ("State", [row.state.upper() for row in rows], 0),
                ("Volume", [format_ml(row.volume_ml) for row in rows], 0),
                ("Expressed", times, 0),
                ("Expires", times, 0),
                ("Location", [clean(row.location) for row in rows], 1),
                ("Goes home?", notes, 1),
            ],
            total,
        )
        body = [
            [
                row.code,
                row.state.upper(),
                format_ml(row.volume_ml),
                format_time(row.expressed_at, zone) if row.expressed_at else "–",
                format_time(row.expires_at, zone) if row.expires_at else "–",
                _cell(row.location, widths[5], styles),
                _cell(note, widths[6], styles, bold=row.note is not None),
            ]
            for row, note in zip(rows, notes, strict=True)
        ]
        story.append(
            _table(
                ["Code", "State", "Volume", "Expressed", "Expires", "Location", "Goes home?"],
                body,
                widths,
                [("ALIGN", (2, 0), (2, -1), "RIGHT")],
            )
        )
    else:
        story.append(_para("No milk to return.", styles["body"]))
    story += [Spacer(1, 18)]
    sign = [["Returned by (nurse)", "", "Received by (family)", "", "Date and time", ""]]
    story.append(
        Table(
            sign,
            colWidths=_scaled([12, 18, 13, 18, 10, 14], total),
            rowHeights=[22],
            style=TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), REGULAR, 8),
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LINEBELOW", (1, 0), (1, 0), 0.5, colors.black),
                    ("LINEBELOW", (3, 0), (3, 0), 0.5, colors.black),
                    ("LINEBELOW", (5, 0), (5, 0), 0.5, colors.black),
                ]
            ),
        )
    )
    return _render("Discharge", unit_name, generated_at, zone, story, page_size)
