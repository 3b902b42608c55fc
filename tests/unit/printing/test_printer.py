"""Raw TCP printing to port 9100, against fake printers listening on loopback only."""

from __future__ import annotations

import inspect
import socket
import threading
import time

import pytest

from nicu_milk.printing import PrinterError, label_zpl, send_to_printer

from .samples import content


class FakePrinter:
    """Accepts one connection on 127.0.0.1 and keeps every byte it is sent."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(5)
        self.port = self.server.getsockname()[1]
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            connection, _ = self.server.accept()
        except OSError:
            return
        with connection:
            connection.settimeout(5)
            while chunk := connection.recv(65536):
                self.received += chunk

    def close(self):
        self.thread.join(timeout=5)
        self.server.close()


def test_the_label_reaches_the_printer_byte_for_byte(layouts, zone):
    zpl = label_zpl(content(infant_first_name="Zoë ^~_"), layouts["thermal-2x1-203dpi"], zone)
    printer = FakePrinter()
    try:
        send_to_printer(zpl, "127.0.0.1", printer.port)
    finally:
        printer.close()
    assert printer.received == zpl.encode("utf-8")
    assert printer.received.startswith(b"^XA") and printer.received.rstrip().endswith(b"^XZ")


def test_a_refused_connection_says_so_at_once():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(PrinterError, match=rf"127\.0\.0\.1:{port} refused the connection"):
        send_to_printer("^XA^XZ", "127.0.0.1", port)
    assert time.monotonic() - started < 1


def test_a_printer_that_never_answers_times_out_clearly():
    """A listener whose accept queue is full: the kernel drops our SYN, so connect hangs."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):  # fill the queue; once it is full further connects cannot complete
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.1)
        started = time.monotonic()
        with pytest.raises(PrinterError, match="did not answer within 1 s"):
            send_to_printer("^XA^XZ", "127.0.0.1", port, timeout=1.0)
        assert time.monotonic() - started < 1.5
    finally:
        for filler in fillers:
            filler.close()
        server.close()


def test_a_printer_that_stops_reading_times_out_within_the_deadline():
    """Connected, but the printer never reads: the send blocks once the buffers are full."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    held = []
    thread = threading.Thread(target=lambda: held.append(server.accept()), daemon=True)
    thread.start()
    zpl = "^XA" + "^FDx^FS" * 5_000_000 + "^XZ"  # 35 MB: more than loopback buffers hold
    try:
        started = time.monotonic()
        with pytest.raises(PrinterError, match="did not answer within 0.5 s"):
            send_to_printer(zpl, "127.0.0.1", port, timeout=0.5)
        assert time.monotonic() - started < 1.5
    finally:
        thread.join(timeout=5)
        for connection, _ in held:
            connection.close()
        server.close()


def test_the_default_timeout_is_five_seconds():
    parameters = inspect.signature(send_to_printer).parameters
    assert parameters["timeout"].default == 5.0
    assert parameters["port"].default == 9100


def test_a_bad_port_is_refused():
    with pytest.raises(PrinterError, match="not a TCP port"):
        send_to_printer("^XA^XZ", "127.0.0.1", 70000)
