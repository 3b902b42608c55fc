"""The temperature excursion report (after the CDC's Troubleshooting Record): the unit, the
times, the peak and the minutes out of range, the temperature plot with the limits (drawn with
ReportLab's own graphics.charts), and every bottle concerned with the decision on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors

from .content import format_time
from .fonts import REGULAR
from .reports import _cell, _content_width, _fit_columns, _para, _render, _styles, _table


@dataclass(frozen=True)
class BottleRow:
    code: str
    infant: str  # name and MRN
    state: str
    decision: str  # "release by Cara Lopez, 30 Nov 10:05: why", or "ON HOLD: no decision yet"


@dataclass(frozen=True)
class FeedRow:
    at: datetime
    infant: str
    code: str
    volume_ml: float


@dataclass(frozen=True)
class ExcursionReport:
    unit: str  # "Milk fridge 1 (FR1), refrigerator"
    range_text: str
    low: float | None
    high: float | None
    started_at: datetime
    ended_at: datetime | None
    peak_celsius: float
    minutes_out_of_range: float
    readings: list[tuple[datetime, float]]
    bottles: list[BottleRow]
    feeds: list[FeedRow]
    withdrawn: bool = False


def _plot(report: ExcursionReport, width: float, zone: ZoneInfo) -> Drawing:
    height = 190.0
    drawing = Drawing(width, height)
    points = sorted(report.readings)
    if not points:
        drawing.add(String(width / 2, height / 2, "No readings", textAnchor="middle"))
        return drawing
    origin = points[0][0]

    def hours(moment: datetime) -> float:
        return (moment - origin).total_seconds() / 3600

    series = [(hours(at), celsius) for at, celsius in points]
    first, last = series[0][0], max(series[-1][0], series[0][0] + 0.1)
    plot = LinePlot()
    plot.x, plot.y = 36, 30
    plot.width, plot.height = width - 50, height - 45
    lines = [series]
    limits = [value for value in (report.low, report.high) if value is not None]
    for value in limits:
        lines.append([(first, value), (last, value)])
    plot.data = lines
    plot.lines[0].strokeColor = colors.HexColor("#1f4e79")
    plot.lines[0].strokeWidth = 1.5
    for index in range(1, len(lines)):
        plot.lines[index].strokeColor = colors.HexColor("#b00020")
        plot.lines[index].strokeDashArray = [4, 3]
        plot.lines[index].strokeWidth = 1
    values = [celsius for _, celsius in series] + limits
    low, high = min(values), max(values)
    margin = max((high - low) * 0.1, 1.0)
    plot.yValueAxis.valueMin = low - margin
    plot.yValueAxis.valueMax = high + margin
    plot.xValueAxis.valueMin = first
    plot.xValueAxis.valueMax = last
    span = last - first
    step = next(s for s in (0.25, 0.5, 1, 2, 3, 6, 12, 24, 48, 168) if span / s <= 8)
    plot.xValueAxis.valueSteps = [first + step * i for i in range(int(span / step) + 1)]
    plot.xValueAxis.labelTextFormat = lambda value: (
        (origin + timedelta(hours=value)).astimezone(zone).strftime("%H:%M")
    )
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName = REGULAR
        axis.labels.fontSize = 7
    plot.yValueAxis.labelTextFormat = "%.0f °C"
    # The excursion itself, shaded.
    end = report.ended_at or points[-1][0]
    x0 = plot.x + (hours(report.started_at) - first) / span * plot.width if span else plot.x
    x1 = plot.x + (hours(end) - first) / span * plot.width if span else plot.x + plot.width
    drawing.add(
        Rect(
            x0,
            plot.y,
            max(x1 - x0, 1),
            plot.height,
            fillColor=colors.Color(0.69, 0, 0.13, alpha=0.12),
            strokeColor=None,
        )
    )
    drawing.add(plot)
    for value in limits:
        y = (
            plot.y
            + (value - plot.yValueAxis.valueMin)
            / (plot.yValueAxis.valueMax - plot.yValueAxis.valueMin)
            * plot.height
        )
        drawing.add(
            String(
                plot.x + plot.width - 2,
                y + 2,
                f"limit {value:.1f} °C",
                fontName=REGULAR,
                fontSize=7,
                fillColor=colors.HexColor("#b00020"),
                textAnchor="end",
            )
        )
    return drawing


def excursion_report_pdf(
    report: ExcursionReport,
    unit_name: str,
    generated_at: datetime,
    zone: ZoneInfo,
    *,
    page_size: str = "letter",
) -> bytes:
    styles = _styles()
    total = _content_width(page_size)
    end = format_time(report.ended_at, zone) if report.ended_at else "still out of range"
    story: list = [
        _para("Temperature excursion record", styles["title"]),
        _para(report.unit, styles["heading"], bold=True),
        _para(
            f"Out of range from {format_time(report.started_at, zone)} to {end}; "
            f"peak {report.peak_celsius:.1f} °C; {report.minutes_out_of_range:.0f} minutes out "
            f"of range. Allowed range: {report.range_text}.",
            styles["body"],
        ),
    ]
    if report.withdrawn:
        story.append(
            _para(
                "Withdrawn: readings that arrived late show no excursion after all.",
                styles["body"],
            )
        )
    story += [_para("Temperatures", styles["heading"], bold=True), _plot(report, total, zone)]
    story.append(_para("Milk that was in the unit during the excursion", styles["heading"], True))
    if report.bottles:
        widths = _fit_columns(
            [
                ("Code", [row.code for row in report.bottles], 0),
                ("Baby", [row.infant for row in report.bottles], 1),
                ("Now", [row.state for row in report.bottles], 0),
                ("Decision (who, when, why)", [row.decision for row in report.bottles], 2),
            ],
            total,
        )
        rows = [
            [
                row.code,
                _cell(row.infant, widths[1], styles),
                row.state,
                _cell(row.decision, widths[3], styles),
            ]
            for row in report.bottles
        ]
        story.append(_table(["Code", "Baby", "Now", "Decision (who, when, why)"], rows, widths))
    else:
        story.append(_para("No milk was there.", styles["body"]))
    if report.feeds:
        story.append(_para("Fed from this milk since the excursion began", styles["heading"], True))
        widths = _fit_columns(
            [
                ("When", [format_time(f.at, zone) for f in report.feeds], 0),
                ("Baby", [f.infant for f in report.feeds], 1),
                ("Bottle", [f.code for f in report.feeds], 0),
                ("Volume", [f"{f.volume_ml:g} mL" for f in report.feeds], 0),
            ],
            total,
        )
        story.append(
            _table(
                ["When", "Baby", "Bottle", "Volume"],
                [
                    [
                        format_time(f.at, zone),
                        _cell(f.infant, widths[1], styles),
                        f.code,
                        f"{f.volume_ml:g} mL",
                    ]
                    for f in report.feeds
                ],
                widths,
            )
        )
    return _render("Temperature excursion", unit_name, generated_at, zone, story, page_size)
