"""What the unit prints: container labels (PDF and ZPL, or straight to a Zebra printer), parents'
take-home sheets, and the charge nurse's report PDFs. Rendering itself is nicu_milk.printing."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import codes as container_codes
from .. import formatting, printing
from ..errors import Conflict, DomainError, InvalidInput, NotFound
from ..models import Container, Infant, StorageLocation, User
from . import audit, families, reports
from .common import NicuUnit
from .storage import expiry_reason, mark_printed


class PrinterUnavailable(DomainError):
    """The label printer did not take the label; the PDF is still there to print."""

    status = HTTPStatus.SERVICE_UNAVAILABLE


def pick_layout(unit: NicuUnit, name: str | None, kind: str) -> printing.Layout:
    """The named label stock, or the unit's default for this kind of output."""
    layouts = unit.layouts
    name = name or (unit.label_stock if kind == "thermal" else unit.sheet_stock)
    layout = layouts.get(name)
    if layout is None or layout.kind != kind:
        choices = ", ".join(sorted(n for n, lay in layouts.items() if lay.kind == kind))
        raise InvalidInput(
            "UNKNOWN_LAYOUT", f"No {kind} label layout named {name!r}. Choose one of: {choices}."
        )
    return layout


def label_content(container: Container, unit: NicuUnit) -> printing.LabelContent:
    infant = container.infant
    return printing.LabelContent(
        code=container.code,
        infant_first_name=infant.first_name,
        infant_last_name=infant.last_name,
        infant_mrn=infant.mrn,
        milk_type=container.milk_type,
        donor_lot=container.donor_lot,
        donor_product_code=container.donor_product_code,
        colostrum=container.colostrum,
        expressed_at=container.expressed_at,
        state=container.state,
        expires_at=container.expires_at,
        expiry_reason=expiry_reason(container, unit.policy),
        fortifier=container.fortifier,
        kcal_per_oz=float(container.kcal_per_oz) if container.kcal_per_oz is not None else None,
        volume_ml=float(container.remaining_ml) if container.remaining_ml is not None else None,
        name_alert=infant.name_alert,
        medications=container.medications,
    )


def _render(render, *args, **kwargs):
    try:
        return render(*args, **kwargs)
    except printing.LabelTooSmall as too_small:
        raise InvalidInput("LABEL_TOO_SMALL", str(too_small)) from None
    except printing.UnprintableText as unprintable:
        raise InvalidInput("UNPRINTABLE_TEXT", str(unprintable)) from None


def _wide_layout(unit: NicuUnit) -> printing.Layout:
    return pick_layout(unit, unit.wide_label_stock, "thermal")


def _thermal_label(unit: NicuUnit, container: Container, layout_name: str | None, render):
    """Render the container's label; returns (layout, output).

    On the stock asked for, or else on the unit's stock; a label that does not fit the unit's
    stock, even condensed, prints whole on the unit's wider stock instead (never cut short).
    """
    content = label_content(container, unit)
    layout = pick_layout(unit, layout_name, "thermal")
    if layout_name is None:
        layout = _render(printing.stock_for, content, layout, _wide_layout(unit), unit.zone)
    return layout, _render(render, content, layout, unit.zone)


def admission_label_warning(
    unit: NicuUnit, first_name: str, last_name: str, mrn: str
) -> str | None:
    """What the unit must know at admission when this baby's fullest label (NAME ALERT, donor
    milk, colostrum, fortified, medications) does not fit its usual stock; None when it does.

    Said at once, so that the wider stock is loaded before the first such label is needed.
    """
    content = printing.worst_case_content(first_name, last_name, mrn)
    usual = pick_layout(unit, None, "thermal")
    if printing.fits(content, usual, unit.zone, last_resort=False):
        return None
    wide = _wide_layout(unit)
    name = formatting.person_name(first_name, last_name)
    if printing.fits(content, wide, unit.zone):
        return (
            f"{name}'s name is too long for the {usual.description} when the label also "
            f"carries NAME ALERT, donor milk, colostrum, a fortifier and medications. Such "
            f"labels print whole on the wider stock ({wide.description}): keep it loaded."
        )
    return (
        f"{name}'s name does not fit any of the unit's label stocks with every field; some "
        "labels for this baby cannot be printed. Ask the administrator for a larger stock."
    )


def container_label_pdf(
    session: Session,
    unit: NicuUnit,
    user: User,
    container: Container,
    layout_name: str | None = None,
) -> bytes:
    layout, pdf = _thermal_label(unit, container, layout_name, printing.label_pdf)
    mark_printed(session, unit, user, container, f"PDF, {layout.name}")
    return pdf


def container_label_zpl(
    session: Session,
    unit: NicuUnit,
    user: User,
    container: Container,
    layout_name: str | None = None,
) -> str:
    layout, zpl = _thermal_label(unit, container, layout_name, printing.label_zpl)
    mark_printed(session, unit, user, container, f"ZPL, {layout.name}")
    return zpl


def send_label(
    session: Session,
    unit: NicuUnit,
    user: User,
    container: Container,
    layout_name: str | None = None,
) -> tuple[str, printing.Layout]:
    """Send the label to the unit's Zebra printer (host:port); returns where it went and on
    which stock (the wider one, for a label that does not fit the usual stock)."""
    printer = unit.printer
    if printer is None:
        raise PrinterUnavailable(
            "NO_PRINTER",
            "No label printer is configured for this unit (NICU_MILK_LABEL_PRINTER). "
            "Print the PDF label instead.",
        )
    layout, zpl = _thermal_label(unit, container, layout_name, printing.label_zpl)
    try:
        printing.send_to_printer(zpl, printer.host, printer.port)
    except printing.PrinterError as failure:
        raise PrinterUnavailable(
            "PRINTER_UNAVAILABLE",
            f"{failure} The label was not printed; print the PDF label instead.",
        ) from None
    mark_printed(session, unit, user, container, f"sent to {printer}, {layout.name}")
    return str(printer), layout


def reserved_containers(
    session: Session, infant: Infant, wanted: list[str] | None
) -> list[Container]:
    """The baby's reserved labels: all of them, or the codes asked for (each this baby's)."""
    query = select(Container).where(Container.infant_id == infant.id)
    if wanted is None:
        return list(
            session.scalars(
                query.where(
                    Container.state == "reserved", Container.expressed_at.is_(None)
                ).order_by(Container.code)
            )
        )
    parsed = [container_codes.parse_container_code(code) for code in wanted]
    found = {
        c.code: c
        for c in session.scalars(query.where(Container.code.in_([p for p in parsed if p])))
    }
    for code, text in zip(parsed, wanted, strict=True):
        if code is None or code not in found:
            raise NotFound("UNKNOWN_BOTTLE", f"{text!r} is not one of this baby's labels.")
        if found[code].state != "reserved":
            # A second label for a bottle in stock could go on another bottle and pass the
            # bedside check as this one: its label comes from the milk room, not this sheet.
            raise Conflict(
                "ALREADY_RECEIVED",
                f"{code} is already in the unit's stock: its label is printed in the milk room, "
                "not on a take-home sheet.",
            )
    return [found[code] for code in parsed]


def take_home_label(container: Container) -> printing.TakeHomeLabel:
    """A take-home label with what the parent entered at drop-off; blanks for the rest."""
    return printing.TakeHomeLabel(
        code=container.code,
        expressed_at=container.expressed_at,
        volume_ml=float(container.volume_ml) if container.volume_ml is not None else None,
        colostrum=container.colostrum,
        medications=container.medications,
    )


def reserved_sheet_pdf(
    session: Session,
    unit: NicuUnit,
    user: User,
    infant: Infant,
    codes: list[str] | None = None,
    layout_name: str | None = None,
) -> bytes:
    """The parents' take-home sheet: the codes given, or every blank reserved label of the baby."""
    layout = pick_layout(unit, layout_name, "sheet")
    containers = reserved_containers(session, infant, codes)
    if not containers:
        raise InvalidInput(
            "NO_LABELS", "There are no reserved labels to print. Reserve some labels first."
        )
    labels = [take_home_label(c) for c in containers]
    name = formatting.label_name(infant.first_name, infant.last_name)
    if layout_name is None:
        # A label that does not fit the usual sheet puts the whole sheet on the wider one.
        wide = pick_layout(unit, unit.wide_sheet_stock, "sheet")
        layout = _render(
            printing.sheet_stock_for, labels, name, infant.mrn, layout, wide, unit.zone
        )
    pdf = _render(
        printing.reserved_sheet_pdf, labels, name, infant.mrn, layout, unit.zone, unit.now
    )
    for container in containers:
        mark_printed(session, unit, user, container, f"take-home sheet, {layout.name}")
    return pdf


def _shelf(container: Container) -> tuple[str, str | None]:
    place = container.location
    if place is None:
        return "Not yet stored", None
    unit_place = place.storage_unit
    return unit_place.name, (None if place is unit_place else place.name)


def expiry_rows(containers: list[Container], unit: NicuUnit) -> list[printing.ExpiryRow]:
    rows = []
    for container in containers:
        storage_unit, shelf = _shelf(container)
        rows.append(
            printing.ExpiryRow(
                code=container.code,
                infant_name=container.infant.full_name,
                infant_mrn=container.infant.mrn,
                state=container.state,
                expires_at=container.expires_at,
                expiry_reason=expiry_reason(container, unit.policy) or "",
                storage_unit=storage_unit,
                shelf=shelf,
                volume_ml=float(container.remaining_ml or 0),
            )
        )
    return rows


def expiry_report_pdf(session: Session, unit: NicuUnit, within_hours: float) -> bytes:
    report = reports.expiry(session, unit.now, within_hours)
    pdf = printing.expiry_report_pdf(
        expiry_rows(report.expired, unit),
        expiry_rows(report.expiring, unit),
        within_hours,
        unit.name,
        unit.now,
        unit.zone,
    )
    return _printed(session, unit, pdf, "expiry", within_hours=within_hours)


def inventory_report_pdf(session: Session, unit: NicuUnit) -> bytes:
    rows = [
        printing.InventoryRow(
            infant_name=row.infant.full_name,
            infant_mrn=row.infant.mrn,
            volume_by_state=row.volume_by_state,
            daily_volume_ml=float(row.infant.daily_volume_ml)
            if row.infant.daily_volume_ml
            else None,
            days_of_supply=row.days_of_supply,
            low_supply=row.low_supply,
        )
        for row in reports.inventory(session, unit.policy, unit.now)
    ]
    pdf = printing.inventory_report_pdf(rows, unit.name, unit.now, unit.zone)
    return _printed(session, unit, pdf, "inventory")


def near_miss_report_pdf(
    session: Session, unit: NicuUnit, since: dt.datetime | None, until: dt.datetime | None
) -> bytes:
    report = reports.near_misses(session, since, until)
    rows = [
        printing.NearMissRow(
            at=attempt.at,
            user=attempt.user.display_name or attempt.user.username,
            verdict=attempt.verdict,
            reason_codes=tuple(reason["code"] for reason in attempt.reasons),
            infant_code=attempt.infant_code,
            container_code=attempt.container_code,
            reasons=tuple(
                reason.get("message") or reports.reason_title(reason["code"])
                for reason in attempt.reasons
            ),
            infant=(
                f"{attempt.infant.full_name} · MRN {attempt.infant.mrn}"
                if attempt.infant
                else f"not recognised: {attempt.infant_code}"
            ),
        )
        for attempt in report.attempts
    ]
    counts = {
        f"{reports.reason_title(code)} ({code})": count for code, count in report.counts.items()
    }
    pdf = printing.near_miss_report_pdf(counts, rows, since, until, unit.name, unit.now, unit.zone)
    return _printed(session, unit, pdf, "near_misses", since=since, until=until)


def discharge_pdf(session: Session, unit: NicuUnit, infant: Infant) -> bytes:
    rows = [
        printing.DischargeRow(
            code=item.container.code,
            state=item.container.state,
            volume_ml=float(item.container.remaining_ml or 0),
            expressed_at=item.container.expressed_at,
            expires_at=item.container.expires_at,
            location=item.container.location.path if item.container.location else "",
            note=item.note,
        )
        for item in families.discharge_list(session, infant, unit.now)
    ]
    pdf = printing.discharge_report_pdf(
        infant.full_name, infant.mrn, rows, unit.name, unit.now, unit.zone
    )
    return _printed(session, unit, pdf, "discharge", subject=f"infant:{infant.mrn}")


def _printed(session: Session, unit: NicuUnit, pdf: bytes, report: str, subject=None, **details):
    """A report printed is on the audit trail, once the PDF is built (who printed what)."""
    audit.record(
        session,
        None,
        "print.report",
        subject or f"report:{report}",
        {"report": report, **details},
        unit.now,
    )
    return pdf


# --- storage places -------------------------------------------------------------------------


def location_barcode_drawable(location: StorageLocation) -> bool:
    """Whether a Code 128 barcode can hold the place's code (printable ASCII only)."""
    return all(32 <= ord(ch) < 127 for ch in location.code)


def location_barcode_svg(location: StorageLocation) -> bytes:
    """The barcode label stuck on a shelf, fridge or freezer: its code, scannable."""
    if not location_barcode_drawable(location):
        raise Conflict(
            "UNPRINTABLE_CODE",
            f"The code {location.code!r} has characters a Code 128 barcode cannot hold. "
            "Create the location again with letters, digits and dashes only.",
        )
    return printing.code128_svg(location.code)
