"""Printing benchmark: labels, sheets and the expiry report, each against a minimal ReportLab
baseline measured in the same run, so that the ratios carry over to other machines.

    .venv/bin/python bench/printing.py            # print the table
    .venv/bin/python bench/printing.py --check    # exit 1 if a target is missed
    .venv/bin/python bench/printing.py --json bench/results/printing.json

Targets (on the project's 2-core machine): one container label 20 ms or less, a 30-label
sheet 300 ms or less, a 2,000-row expiry report 3 s or less.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate, Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nicu_milk.codes import container_code  # noqa: E402
from nicu_milk.printing import (  # noqa: E402
    ExpiryRow,
    LabelContent,
    expiry_report_pdf,
    label_pdf,
    label_zpl,
    load_layouts,
    reserved_sheet_pdf,
)

ZONE = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 28, 20, 5, tzinfo=UTC)
NAMES = [
    "Smith, Olivia",
    "Nguyễn, Thị Ánh",
    "王, 小明",
    "Иванов, Иван",
    "Featherstonehaugh-Montgomery, Baby Girl Anastasia",
]


def label_content(serial: int) -> LabelContent:
    return LabelContent(
        code=container_code(serial),
        infant_first_name="Baby Girl B",
        infant_last_name="Featherstonehaugh",
        infant_mrn="MRN-0012345678",
        milk_type="DHM",
        donor_lot="LOT-2026-11-0042",
        donor_product_code="M0001",
        colostrum=True,
        expressed_at=NOW,
        state="thawed",
        expires_at=NOW,
        expiry_reason="thawed 14:05, +24 h",
        fortifier="Similac HMF",
        kcal_per_oz=24,
        volume_ml=120,
        name_alert=True,
    )


def expiry_rows(count: int) -> list[ExpiryRow]:
    places = [("Fridge 1", "A"), ("Fridge 1", "B"), ("Freezer A", None), ("Deep freezer", "3")]
    return [
        ExpiryRow(
            code=container_code(index + 1),
            infant_name=NAMES[index % len(NAMES)],
            infant_mrn=f"{10_000_000 + index * 7919 % 89_999_999}",
            state=("fresh", "frozen", "thawed")[index % 3],
            expires_at=NOW + timedelta(minutes=index * 7 - 4000),
            expiry_reason="thawed 14:05, +24 h",
            storage_unit=places[index % 4][0],
            shelf=places[index % 4][1],
            volume_ml=60,
        )
        for index in range(count)
    ]


# Minimal ReportLab baselines: the same page sizes and amounts of text and barcodes, drawn
# the plainest way ReportLab allows (Helvetica, ReportLab's own Code 128, no fitting).


def baseline_label(serial: int) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(2 * inch, 1 * inch))
    canvas.setFont("Helvetica-Bold", 9)
    canvas.drawString(4, 60, "Featherstonehaugh, Baby Girl B")
    canvas.setFont("Helvetica", 6)
    canvas.drawString(4, 50, "MRN MRN-0012345678 DHM Lot LOT-2026-11-0042")
    Code128(
        container_code(serial),
        barWidth=0.0148 * inch,
        barHeight=0.2 * inch,
        lquiet=0.148 * inch,
        rquiet=0.148 * inch,
    ).drawOn(canvas, 0, 10)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def baseline_sheet(codes: list[str]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER)
    for index, code in enumerate(codes):
        row, column = divmod(index, 3)
        x, top = 13.5 + column * 198, 792 - 36 - row * 72
        canvas.setFont("Helvetica-Bold", 9)
        canvas.drawString(x + 4, top - 12, "Featherstonehaugh, Baby Girl B")
        Code128(code, barWidth=0.013 * inch, barHeight=0.2 * inch).drawOn(canvas, x, top - 40)
        canvas.setFont("Helvetica", 7)
        canvas.drawString(x + 4, top - 60, "Pumped: date ______ time ______")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def baseline_report(rows: list[ExpiryRow]) -> bytes:
    buffer = io.BytesIO()
    data = [["Baby", "MRN", "Code", "State", "Expires", "Reason", "Volume"]] + [
        [
            row.infant_name,
            row.infant_mrn,
            row.code,
            row.state,
            row.expires_at.isoformat(),
            row.expiry_reason,
            str(row.volume_ml),
        ]
        for row in rows
    ]
    SimpleDocTemplate(buffer, pagesize=LETTER).build([Table(data, repeatRows=1)])
    return buffer.getvalue()


def median_ms(action, repeats: int) -> float:
    action()  # warm: fonts registered, caches filled
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    options = parser.parse_args()
    started = time.perf_counter()
    layouts = load_layouts(ROOT / "labels")  # registers DejaVu, composes a sample per stock
    load_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    label_pdf(label_content(1), layouts["thermal-2x1-203dpi"], ZONE)
    cold_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    label_pdf(
        dataclasses.replace(label_content(1), infant_first_name="小明"),
        layouts["thermal-2x1-203dpi"],
        ZONE,
    )
    cjk_cold_ms = (time.perf_counter() - started) * 1000

    few = options.quick
    codes = [container_code(serial) for serial in range(1, 31)]
    rows = expiry_rows(2000)
    cases = [
        (
            "container label, PDF, 203 dpi",
            20.0,
            lambda: label_pdf(label_content(7), layouts["thermal-2x1-203dpi"], ZONE),
            lambda: baseline_label(7),
            10 if few else 100,
        ),
        (
            "container label, PDF, 300 dpi + DataMatrix",
            20.0,
            lambda: label_pdf(label_content(7), layouts["thermal-2x1-300dpi"], ZONE),
            lambda: baseline_label(7),
            10 if few else 100,
        ),
        (
            "container label, ZPL, 203 dpi",
            20.0,
            lambda: label_zpl(label_content(7), layouts["thermal-2x1-203dpi"], ZONE),
            lambda: baseline_label(7),
            10 if few else 100,
        ),
        (
            "30-label Letter sheet",
            300.0,
            lambda: reserved_sheet_pdf(
                codes, NAMES[4], "MRN-0012345678", layouts["sheet-letter-30"], ZONE, NOW
            ),
            lambda: baseline_sheet(codes),
            3 if few else 20,
        ),
        (
            "2,000-row expiry report",
            3000.0,
            lambda: expiry_report_pdf(rows[:600], rows[600:], 12, "NICU 4 West", NOW, ZONE),
            lambda: baseline_report(rows),
            1 if few else 5,
        ),
    ]
    results = []
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{len(os.sched_getaffinity(0))} cores"
    )
    print(
        f"load_layouts (start-up, fonts registered): {load_ms:.1f} ms; first label: "
        f"{cold_ms:.1f} ms; first CJK name (CJK font loads): {cjk_cold_ms:.1f} ms\n"
    )
    print(f"{'case':<44} {'ours ms':>9} {'baseline ms':>12} {'ratio':>7} {'target ms':>10}  ok")
    missed = False
    for name, target, ours, baseline, repeats in cases:
        ours_ms = median_ms(ours, repeats)
        base_ms = median_ms(baseline, repeats)
        ok = ours_ms <= target
        missed |= not ok
        results.append(
            {
                "case": name,
                "ours_ms": round(ours_ms, 2),
                "baseline_ms": round(base_ms, 2),
                "ratio": round(ours_ms / base_ms, 2),
                "target_ms": target,
                "ok": ok,
                "repeats": repeats,
            }
        )
        print(
            f"{name:<44} {ours_ms:>9.1f} {base_ms:>12.1f} {ours_ms / base_ms:>7.2f} "
            f"{target:>10.0f}  {'yes' if ok else 'NO'}"
        )
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(
            json.dumps(
                {
                    "load_layouts_ms": round(load_ms, 1),
                    "cold_ms": round(cold_ms, 1),
                    "cjk_cold_ms": round(cjk_cold_ms, 1),
                    "cases": results,
                },
                indent=2,
            )
            + "\n"
        )
    return 1 if options.check and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
