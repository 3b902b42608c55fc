"""Printed outputs: container labels (PDF, ZPL, or to the printer), take-home sheets, reports."""

from flask import Response, g

from ..extensions import db
from ..runtime import unit
from ..security import file_response
from ..services import printing as printouts
from ..services import storage as ledger
from ..services.common import infant_for
from . import EVERYONE, STAFF, endpoint
from .responses import PrintedOut
from .schemas import ExpiryQuery, LabelQuery, LabelSheetQuery, NearMissQuery, PrintRequest

PDF = "application/pdf"


def _file(content: bytes | str, mimetype: str, filename: str) -> Response:
    # Built in full here, before the request commits the label_printed events.
    return file_response(content, mimetype, filename)


@endpoint(
    "GET",
    "/containers/{code}/label.pdf",
    "The container's label as a PDF",
    roles=EVERYONE,
    query=LabelQuery,
    produces=PDF,
    errors=(400, 401, 404),
    tag="printing",
    writes=True,
)
def label_pdf(code: str, query: LabelQuery):
    bottle = ledger.container_for(db.session, g.user, code)
    pdf = printouts.container_label_pdf(db.session, unit(), g.user, bottle, query.layout)
    return _file(pdf, PDF, f"label-{bottle.code}.pdf")


@endpoint(
    "GET",
    "/containers/{code}/label.zpl",
    "The container's label as ZPL II for a Zebra printer",
    roles=STAFF,
    query=LabelQuery,
    produces="text/plain",
    errors=(400, 401, 403, 404),
    tag="printing",
    writes=True,
)
def label_zpl(code: str, query: LabelQuery):
    bottle = ledger.container_for(db.session, g.user, code)
    zpl = printouts.container_label_zpl(db.session, unit(), g.user, bottle, query.layout)
    return _file(zpl, "text/plain", f"label-{bottle.code}.zpl")


@endpoint(
    "POST",
    "/containers/{code}/print",
    "Print the label on the unit's Zebra printer",
    roles=STAFF,
    body=PrintRequest,
    response=PrintedOut,
    errors=(400, 401, 403, 404, 503),
    tag="printing",
)
def print_label(code: str, body: PrintRequest):
    bottle = ledger.container_for(db.session, g.user, code)
    printer, layout = printouts.send_label(db.session, unit(), g.user, bottle, body.layout)
    return {"code": bottle.code, "printed_to": printer, "layout": layout.name}


@endpoint(
    "GET",
    "/infants/{mrn}/reserved-labels.pdf",
    "The parents' take-home label sheet",
    roles=EVERYONE,
    query=LabelSheetQuery,
    produces=PDF,
    errors=(400, 401, 404, 409),
    tag="printing",
    writes=True,
)
def reserved_sheet(mrn: str, query: LabelSheetQuery):
    baby = infant_for(db.session, g.user, mrn)
    wanted = None
    if query.codes is not None:
        wanted = [code.strip() for code in query.codes.split(",") if code.strip()]
    pdf = printouts.reserved_sheet_pdf(db.session, unit(), g.user, baby, wanted, query.layout)
    return _file(pdf, PDF, f"take-home-labels-{baby.mrn}.pdf")


@endpoint(
    "GET",
    "/infants/{mrn}/discharge.pdf",
    "The take-home list at discharge, printable",
    roles=EVERYONE,
    produces=PDF,
    errors=(400, 401, 404),
    writes=True,  # a report printed is recorded on the audit trail
    tag="printing",
)
def discharge_sheet(mrn: str):
    baby = infant_for(db.session, g.user, mrn)
    return _file(
        printouts.discharge_pdf(db.session, unit(), baby), PDF, f"discharge-{baby.mrn}.pdf"
    )


@endpoint(
    "GET",
    "/reports/expiry.pdf",
    "The expiry report, printable",
    roles=STAFF,
    query=ExpiryQuery,
    produces=PDF,
    errors=(400, 401, 403),
    writes=True,  # a report printed is recorded on the audit trail
    tag="reports",
)
def expiry_pdf(query: ExpiryQuery):
    return _file(
        printouts.expiry_report_pdf(db.session, unit(), query.within_hours),
        PDF,
        "expiry-report.pdf",
    )


@endpoint(
    "GET",
    "/reports/inventory.pdf",
    "The inventory report, printable",
    roles=STAFF,
    produces=PDF,
    errors=(400, 401, 403),
    writes=True,  # a report printed is recorded on the audit trail
    tag="reports",
)
def inventory_pdf():
    return _file(printouts.inventory_report_pdf(db.session, unit()), PDF, "inventory-report.pdf")


@endpoint(
    "GET",
    "/reports/near-misses.pdf",
    "The near-miss report, printable",
    roles=STAFF,
    query=NearMissQuery,
    produces=PDF,
    errors=(400, 401, 403),
    writes=True,  # a report printed is recorded on the audit trail
    tag="reports",
)
def near_misses_pdf(query: NearMissQuery):
    pdf = printouts.near_miss_report_pdf(db.session, unit(), query.since, query.until)
    return _file(pdf, PDF, "near-miss-report.pdf")
