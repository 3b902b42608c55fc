"""Container labels and take-home sheets as PDF, drawn from a composed plan as vector shapes."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from reportlab.lib.colors import black
from reportlab.lib.colors import white as white_colour
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .barcodes import check_code, runs_of_ones
from .compose import Bars, Box, Matrix, Plan, Text, container_plan, sheet_label_plan
from .content import LabelContent, TakeHomeLabel, format_time
from .fonts import CJK, clean, ensure_fonts, runs, width
from .layouts import Layout

# Office printers print at 300, 600 or 1200 dpi: bars that start on a 1/300 in grid and are
# whole 1/300 in wide are whole dots on every one of them.
OFFICE_GRID = 72 / 300


def label_pdf(
    content: LabelContent, layout: Layout, zone: ZoneInfo, *, last_resort: bool = True
) -> bytes:
    """One container label, one page the size of the thermal stock (see container_plan)."""
    plan = container_plan(content, layout, zone, last_resort=last_resort)
    buffer = io.BytesIO()
    canvas = _canvas(buffer, (plan.width, plan.height), f"Milk label {content.code}")
    draw_plan(canvas, plan, 0.0, plan.height)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def reserved_sheet_pdf(
    codes: Sequence[str | TakeHomeLabel],
    infant_name: str,
    infant_mrn: str,
    layout: Layout,
    zone: ZoneInfo,
    printed_at: datetime,
    *,
    last_resort: bool = True,
) -> bytes:
    """Take-home labels, one per reserved code, as many sheets as the codes need.

    A code alone prints a blank label; a TakeHomeLabel prints what the parent entered.
    """
    if layout.kind != "sheet" or layout.grid is None:
        raise ValueError(
            f"layout {layout.name} is a {layout.kind} layout; take-home sheets need a sheet layout"
        )
    if not codes:
        raise ValueError("a take-home sheet needs at least one reserved code")
    labels = [TakeHomeLabel(each) if isinstance(each, str) else each for each in codes]
    for label in labels:
        check_code(label.code)
    printed = format_time(printed_at, zone)
    grid = layout.grid
    per_sheet = grid.per_sheet
    sheets = (len(codes) + per_sheet - 1) // per_sheet
    buffer = io.BytesIO()
    canvas = _canvas(
        buffer, (layout.width, layout.height), f"Take-home milk labels, MRN {clean(infant_mrn)}"
    )
    plans: dict[TakeHomeLabel, Plan] = {}
    for sheet in range(sheets):
        page_labels = labels[sheet * per_sheet : (sheet + 1) * per_sheet]
        if layout.header:
            _sheet_header(canvas, layout, infant_name, infant_mrn, printed, sheet + 1, sheets)
        for index, label in enumerate(page_labels):
            plan = plans.get(label) or sheet_label_plan(
                label, infant_name, infant_mrn, layout, zone, last_resort=last_resort
            )
            plans[label] = plan
            left, top = grid.cell(index)
            draw_plan(canvas, plan, left, layout.height - top, OFFICE_GRID)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _sheet_header(
    canvas: Canvas,
    layout: Layout,
    infant_name: str,
    infant_mrn: str,
    printed: str,
    sheet: int,
    sheets: int,
) -> None:
    """A line in the top margin: whose labels, when printed, which sheet, what to write."""
    room = layout.grid.top
    size = min(8.0, room * 0.4)
    if size < 5:
        return
    text = (
        f"Milk labels for {clean(infant_name)} · MRN {clean(infant_mrn)} · printed "
        f"{printed} · sheet {sheet} of {sheets} · write on each label what is left blank"
    )
    while width(text, size) > layout.width - 36 and size > 5:
        size -= 0.5
    x = (layout.width - width(text, size)) / 2
    draw_text(canvas, text, x, layout.height - room / 2 - size * 0.35, size)


def _canvas(buffer, size: tuple[float, float], title: str) -> Canvas:
    ensure_fonts()
    canvas = Canvas(buffer, pagesize=size, invariant=1, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("nicu_milk")
    return canvas


def draw_plan(
    canvas: Canvas, plan: Plan, left: float, top: float, grid: float | None = None
) -> None:
    """Draw a plan whose top-left corner sits at (left, top) in PDF coordinates (y up).

    With ``grid`` (points), barcodes start on that grid of the page, so that modules a whole
    number of grid steps wide print as whole printer dots.
    """

    def snap(value: float) -> float:
        return round(value / grid) * grid if grid else value

    canvas.setFillColor(black)
    boxes = canvas.beginPath()
    has_boxes = False
    for item in plan.items:
        if isinstance(item, Box):
            boxes.rect(left + item.x, top - item.top - item.height, item.width, item.height)
            has_boxes = True
        elif isinstance(item, Bars):
            bars = canvas.beginPath()
            x0, bottom = snap(left + item.x), snap(top - item.top - item.height)
            for start, count in runs_of_ones(item.modules):
                bars.rect(x0 + start * item.module, bottom, count * item.module, item.height)
            canvas.drawPath(bars, stroke=0, fill=1)
        elif isinstance(item, Matrix):
            cells = canvas.beginPath()
            x0, y0 = snap(left + item.x), snap(top - item.top)
            for number, row in enumerate(item.rows):
                y = y0 - (number + 1) * item.module
                for start, count in runs_of_ones(row):
                    cells.rect(x0 + start * item.module, y, count * item.module, item.module)
            canvas.drawPath(cells, stroke=0, fill=1)
    if has_boxes:  # white text goes on top of its black box
        canvas.drawPath(boxes, stroke=0, fill=1)
    for item in plan.items:
        if isinstance(item, Text):
            _draw_text(canvas, item, left, top - item.baseline)


def _draw_text(canvas: Canvas, item: Text, x0: float, baseline: float) -> None:
    draw_text(
        canvas, item.text, x0 + item.x, baseline, item.size, item.bold, item.white, item.scale
    )


def draw_text(
    canvas: Canvas,
    text: str,
    x: float,
    baseline: float,
    size: float,
    bold: bool = False,
    white: bool = False,
    scale: float = 1.0,
) -> None:
    """Draw text from its left end on a baseline, switching fonts where a glyph needs it.

    ``scale`` below 1 condenses the text horizontally (a condensed face, synthesised).
    """
    if white:
        canvas.setFillColor(white_colour)
    for font, part in runs(text, bold):
        fake_bold = font == CJK and bold
        if fake_bold or scale != 1.0:
            text_object = canvas.beginText(x, baseline)
            text_object.setFont(font, size)
            text_object.setHorizScale(scale * 100)
            if fake_bold:
                # The CJK font has no bold: stroke the outline as well as filling it.
                text_object.setTextRenderMode(2)
                canvas.setLineWidth(size * 0.035)
                canvas.setStrokeColor(white_colour if white else black)
            text_object.textOut(part)
            text_object.setTextRenderMode(0)
            canvas.drawText(text_object)
        else:
            canvas.setFont(font, size)
            canvas.drawString(x, baseline, part)
        x += stringWidth(part, font, size) * scale
    if white:
        canvas.setFillColor(black)
