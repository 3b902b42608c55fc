"""Label and report rendering: PDF (ReportLab), ZPL II for Zebra printers, raw TCP printing.

A pure library: no Flask, no database. The app loads the layouts at start-up with
load_layouts() and passes plain values in; every function returns bytes or text.
"""

from .barcodes import LabelTooSmall, code128_svg
from .compose import (
    UnprintableText,
    fits,
    sheet_stock_for,
    stock_for,
    wider_stock_problem,
    worst_case_content,
)
from .content import LabelContent, TakeHomeLabel, display_name, format_time
from .fonts import unprintable_characters
from .labels import label_pdf, reserved_sheet_pdf
from .layouts import Layout, LayoutError, load_layout, load_layouts
from .reports import (
    DischargeRow,
    ExpiryRow,
    InventoryRow,
    NearMissRow,
    discharge_report_pdf,
    expiry_report_pdf,
    inventory_report_pdf,
    near_miss_report_pdf,
)
from .zpl import PrinterError, label_zpl, send_to_printer

__all__ = [
    "code128_svg",
    "DischargeRow",
    "ExpiryRow",
    "InventoryRow",
    "NearMissRow",
    "discharge_report_pdf",
    "expiry_report_pdf",
    "inventory_report_pdf",
    "near_miss_report_pdf",
    "LabelContent",
    "LabelTooSmall",
    "TakeHomeLabel",
    "Layout",
    "LayoutError",
    "PrinterError",
    "UnprintableText",
    "display_name",
    "fits",
    "sheet_stock_for",
    "stock_for",
    "wider_stock_problem",
    "worst_case_content",
    "format_time",
    "label_pdf",
    "label_zpl",
    "load_layout",
    "load_layouts",
    "reserved_sheet_pdf",
    "send_to_printer",
    "unprintable_characters",
]
