"""Printed outputs through the API, read back: every barcode must decode to its code."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from config import Printer
from tests.api.conftest import ago, expect, receive_milk, snapshot
from tests.conftest import change_settings
from tests.unit.printing.readback import decode, page_count, render, squash, text


def _events(api, code: str) -> list[dict]:
    return api.get(f"/containers/{code}").get_json()["events"]


def test_the_label_pdf_carries_a_code128_that_decodes_to_the_code(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse, colostrum=True)

    answer = nurse.get(f"/containers/{bottle['code']}/label.pdf")

    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert decode(render(answer.data)) == [bottle["code"]]
    words = squash(text(answer.data))
    for expected in ("Nguyen,Ava", "INF100", "COLOSTRUM", "FORENTERALUSEONLY", "MOM"):
        assert expected in words
    assert [e["type"] for e in _events(nurse, bottle["code"])][-1] == "label_printed"


def test_a_parent_prints_their_own_label_but_not_another_familys(unit):
    theirs = receive_milk(unit["nurse"])
    others = receive_milk(unit["nurse"], mrn="INF200")
    parent = unit["parent"]

    assert parent.get(f"/containers/{theirs['code']}/label.pdf").status_code == 200
    refused = parent.get(f"/containers/{others['code']}/label.pdf")
    assert refused.status_code == 404
    assert b"Okafor" not in refused.data


def test_the_zpl_label_is_a_complete_escaped_format(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse)

    answer = nurse.get(f"/containers/{bottle['code']}/label.zpl?layout=thermal-2x1-300dpi")

    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    zpl = answer.get_data(as_text=True)
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    assert "^CI28" in zpl and "^BC" in zpl and "^DF" not in zpl
    assert bottle["code"] in zpl


def test_an_unknown_layout_or_code_is_a_clear_4xx(unit):
    nurse = unit["nurse"]
    bottle = receive_milk(nurse)
    wrong_stock = nurse.get(f"/containers/{bottle['code']}/label.pdf?layout=sheet-letter-30")
    assert wrong_stock.status_code == 400
    assert "thermal-2x1-203dpi" in wrong_stock.get_json()["error"]["message"]
    assert nurse.get("/containers/M0000999999/label.pdf").status_code == 404
    assert nurse.get("/containers/not-a-code/label.zpl").status_code == 404


def test_the_take_home_sheet_decodes_all_thirty_reserved_labels(unit):
    parent = unit["parent"]
    codes = parent.post("/infants/INF100/reserved-labels", {"count": 30}).get_json()["codes"]

    answer = parent.get("/infants/INF100/reserved-labels.pdf?codes=" + ",".join(codes))

    assert answer.status_code == 200
    assert page_count(answer.data) == 1
    assert sorted(decode(render(answer.data))) == sorted(codes)
    words = squash(text(answer.data))
    assert "Nguyen,Ava" in words and "INF100" in words  # labels put the family name first


def test_the_take_home_sheet_refuses_codes_of_another_baby(unit):
    nurse = unit["nurse"]
    twin_codes = nurse.post("/infants/INF200/reserved-labels", {"count": 2}).get_json()["codes"]
    answer = unit["parent"].get("/infants/INF100/reserved-labels.pdf?codes=" + twin_codes[0])
    assert answer.status_code == 404


def test_the_take_home_sheet_prints_no_label_for_milk_already_in_the_unit(unit):
    """A second label for a bottle in stock could go on another bottle and pass the bedside
    check as that one: the take-home sheet prints only labels still waiting for their milk."""
    parent, nurse = unit["parent"], unit["nurse"]
    [blank] = parent.post("/infants/INF100/reserved-labels", {"count": 1}).get_json()["codes"]
    stocked = receive_milk(nurse)["code"]
    before = snapshot()
    for who in (parent, nurse):
        answer = who.get(f"/infants/INF100/reserved-labels.pdf?codes={blank},{stocked}")
        expect(answer, 409, "ALREADY_RECEIVED")
        assert stocked in answer.get_json()["error"]["message"]
    assert snapshot() == before
    assert parent.get(f"/infants/INF100/reserved-labels.pdf?codes={blank}").status_code == 200


def test_the_expiry_report_pdf_lists_what_to_pull(unit):
    nurse, charge = unit["nurse"], unit["charge_nurse"]
    expired = receive_milk(nurse, expressed_at=ago(hours=60))
    expiring = receive_milk(nurse, mrn="INF200", expressed_at=ago(hours=40))
    receive_milk(nurse, location="FZ1-S1")  # months away: not on the report

    answer = charge.get("/reports/expiry.pdf?within_hours=24")

    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    words = squash(text(answer.data))
    assert expired["code"] in words and expiring["code"] in words
    assert words.index(expired["code"]) < words.index(expiring["code"])
    assert "Milkfridge1" in words
    assert unit["parent"].get("/reports/expiry.pdf").status_code == 403


@pytest.mark.parametrize(
    "path", ["/reports/inventory.pdf", "/reports/near-misses.pdf", "/infants/INF100/discharge.pdf"]
)
def test_the_other_reports_print(unit, path):
    receive_milk(unit["nurse"])
    answer = unit["charge_nurse"].get(path)
    assert answer.status_code == 200
    assert answer.data.startswith(b"%PDF")
    assert "Ava" in text(answer.data) or "near" in text(answer.data).lower()


class FakePrinter:
    """A Zebra printer on loopback: it accepts one connection and keeps what it was sent."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        connection, _ = self.server.accept()
        with connection:
            while chunk := connection.recv(65536):
                self.received += chunk
        self.server.close()


def test_printing_sends_zpl_to_the_units_printer_and_records_it(app, unit):
    printer = FakePrinter()
    change_settings(app, label_printer=Printer("127.0.0.1", printer.port))
    nurse = unit["nurse"]
    bottle = receive_milk(nurse)

    answer = nurse.post(f"/containers/{bottle['code']}/print", {})

    assert answer.status_code == 200, answer.get_json()
    printer.thread.join(timeout=5)
    assert printer.received.startswith(b"^XA") and bottle["code"].encode() in printer.received
    assert _events(nurse, bottle["code"])[-1]["type"] == "label_printed"


def test_a_printer_that_does_not_answer_fails_clearly_within_five_seconds(app, unit):
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    change_settings(app, label_printer=Printer("127.0.0.1", port))
    nurse = unit["nurse"]
    bottle = receive_milk(nurse)

    started = time.monotonic()
    answer = nurse.post(f"/containers/{bottle['code']}/print", {})

    assert time.monotonic() - started < 5
    assert answer.status_code == 503
    assert "PDF" in answer.get_json()["error"]["message"]
    assert "label_printed" not in [e["type"] for e in _events(nurse, bottle["code"])]
    assert nurse.get(f"/containers/{bottle['code']}/label.pdf").status_code == 200
