"""Server-drawn SVG charts: numbers in, coordinates and labels out, for a template to draw.

No script runs in the browser (the Content-Security-Policy allows none inline), so a chart is
plain SVG: a line per run of readings, the limits as dashed lines with their values, the spans
out of range shaded, and the hours along the bottom in the unit's time zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 70, 12, 12, 36
# A silence longer than this breaks the line: a gap is drawn as a gap.
GAP = dt.timedelta(minutes=30)


@dataclass
class TemperatureChart:
    width: int = WIDTH
    height: int = HEIGHT
    lines: list[str] = field(default_factory=list)  # polyline "x,y x,y ..."
    out_of_range: list[tuple[float, float]] = field(default_factory=list)  # x, width
    limits: list[tuple[float, str]] = field(default_factory=list)  # y, label
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    # x, y, width and height of the plotting area inside the axes
    plot: tuple[float, float, float, float] = (
        LEFT,
        TOP,
        WIDTH - LEFT - RIGHT,
        HEIGHT - TOP - BOTTOM,
    )
    summary: str = ""
    empty: bool = True


def _nice_step(span: float) -> float:
    for step in (0.5, 1, 2, 5, 10, 20, 50):
        if span / step <= 6:
            return step
    return 100


def temperature_chart(
    series: list[tuple[dt.datetime, float]],
    low: float | None,
    high: float | None,
    now: dt.datetime,
    zone: ZoneInfo,
    hours: float = 24,
) -> TemperatureChart:
    chart = TemperatureChart()
    start = now - dt.timedelta(hours=hours)
    shown = sorted((at, celsius) for at, celsius in series if start <= at <= now)
    values = [celsius for _, celsius in shown] + [v for v in (low, high) if v is not None]
    if not values:
        values = [0.0, 5.0]
    bottom, top = min(values), max(values)
    margin = max((top - bottom) * 0.1, 1.0)
    bottom, top = bottom - margin, top + margin
    x0, y0, plot_width, plot_height = chart.plot

    def x(at: dt.datetime) -> float:
        return round(x0 + (at - start) / (now - start) * plot_width, 1)

    def y(celsius: float) -> float:
        return round(y0 + (top - celsius) / (top - bottom) * plot_height, 1)

    line: list[str] = []
    previous: dt.datetime | None = None
    for at, celsius in shown:
        if previous is not None and at - previous > GAP and line:
            chart.lines.append(" ".join(line))
            line = []
        line.append(f"{x(at)},{y(celsius)}")
        previous = at
    if line:
        chart.lines.append(" ".join(line))
    chart.empty = not shown

    def outside(celsius: float) -> bool:
        return (low is not None and celsius < low) or (high is not None and celsius > high)

    run_start: dt.datetime | None = None
    for index, (at, celsius) in enumerate(shown):
        if outside(celsius) and run_start is None:
            run_start = at
        last = index == len(shown) - 1
        if run_start is not None and (not outside(celsius) or last):
            end = at if not outside(celsius) else now
            chart.out_of_range.append((x(run_start), max(round(x(end) - x(run_start), 1), 1.0)))
            run_start = None

    for value in (low, high):
        if value is not None:
            chart.limits.append((y(value), f"{value:.1f} °C"))
    step = _nice_step(top - bottom)
    tick = (int(bottom // step) + 1) * step
    while tick < top:
        chart.y_ticks.append((y(tick), f"{tick:g}"))
        tick += step
    local_start = start.astimezone(zone)
    hour = local_start.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    while hour.astimezone(dt.UTC) <= now:
        if hour.hour % 6 == 0:
            chart.x_ticks.append((x(hour.astimezone(dt.UTC)), f"{hour:%H:%M}"))
        hour += dt.timedelta(hours=1)

    if shown:
        temps = [celsius for _, celsius in shown]
        chart.summary = (
            f"Temperature over the last {hours:g} hours: from {min(temps):.1f} to "
            f"{max(temps):.1f} °C, {len(shown)} readings"
            + (f", {len(chart.out_of_range)} span(s) out of range." if chart.out_of_range else ".")
        )
    else:
        chart.summary = f"No readings in the last {hours:g} hours."
    return chart
