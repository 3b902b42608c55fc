"""The MLLP listener over real sockets on 127.0.0.1, with a handler that only parses and acks:
many clients at once, slow and broken clients, bad and huge messages, and a clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import hl7
import pytest

from nicu_milk.adapters.hl7 import MllpDecoder, build_ack, frame, parse_adt, serve
from tests.adapters.hl7 import samples

# Hang guards, not timings: a test that waits this long has failed anyway.
WAIT = 30
ROOT = Path(__file__).resolve().parents[3]


def parse_and_ack(raw: bytes) -> str:
    return build_ack(parse_adt(raw), now=dt.datetime.now(dt.UTC))


@contextlib.contextmanager
def listening(handler=parse_and_ack, **options):
    """serve() on a free port in a thread of its own; stopped (and checked stopped) on exit."""
    ports: queue.Queue[int] = queue.Queue()
    state: dict = {}

    async def main():
        state["loop"] = asyncio.get_running_loop()
        state["stop"] = asyncio.Event()
        await serve(handler, "127.0.0.1", 0, ready=ports.put, stop=state["stop"], **options)

    def run():
        try:
            asyncio.run(main())
        except BaseException as error:  # surfaced in the test's thread below
            state["error"] = error
            ports.put(-1)

    thread = threading.Thread(target=run, name="mllp-test", daemon=True)
    thread.start()
    port = ports.get(timeout=WAIT)
    assert port > 0, state.get("error")
    try:
        yield port
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(timeout=WAIT)
        assert not thread.is_alive(), "the listener did not stop"
        assert "error" not in state, state.get("error")


class Client:
    """A sender: writes bytes, reads framed ACKs."""

    def __init__(self, port: int):
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        self.decoder = MllpDecoder()
        self.pending: list[bytes] = []

    def send(self, data: bytes | str) -> None:
        self.socket.sendall(data.encode() if isinstance(data, str) else data)

    def ack(self):
        """The next ACK, parsed."""
        while not self.pending:
            data = self.socket.recv(65536)
            assert data, "the listener closed the connection"
            self.pending += [item for item in self.decoder.feed(data) if isinstance(item, bytes)]
        return hl7.parse(self.pending.pop(0).decode())

    def at_end(self) -> bool:
        """True when the listener has closed the connection."""
        return self.socket.recv(1) == b""

    def close(self) -> None:
        self.socket.close()


def msa(ack) -> tuple[str, str]:
    segment = ack.segment("MSA")
    return str(segment[1]), str(segment[2])


def err_text(ack) -> str:
    return ack.segment("ERR").extract_field(1, 3, 1, 2)


def test_a_message_is_answered_with_its_ack():
    with listening() as port:
        client = Client(port)
        client.send(frame(samples.TWIN_A))
        assert msa(client.ack()) == ("AA", "TW-0001")
        client.close()


def test_bad_messages_are_answered_and_the_connection_keeps_serving():
    with listening() as port:
        client = Client(port)
        client.send(
            frame(samples.TWIN_A)
            + frame(b"\x00\x01\x02 garbage \xff\xfe")
            + frame(samples.MISSING_MSH)
            + frame(samples.MRN_500)
            + frame(samples.UNKNOWN_EVENT)
            + frame(samples.TWIN_B)
        )
        answers = [client.ack() for _ in range(6)]
        assert [msa(ack) for ack in answers] == [
            ("AA", "TW-0001"),
            ("AR", ""),
            ("AR", ""),
            ("AE", "LONG-0001"),
            ("AR", "UE-0001"),
            ("AA", "TW-0002"),
        ]
        assert "does not begin with an MSH" in err_text(answers[1])
        assert "500 characters long" in err_text(answers[3])
        client.close()


def test_garbage_outside_frames_is_skipped():
    with listening() as port:
        client = Client(port)
        client.send(b"GET / HTTP/1.1\r\n\r\n\xff\xfe\x00")
        client.send(frame(samples.TWIN_A) + b"more garbage" + frame(samples.TWIN_B))
        assert msa(client.ack()) == ("AA", "TW-0001")
        assert msa(client.ack()) == ("AA", "TW-0002")
        client.close()


def test_two_clients_at_once_each_get_their_own_acks_in_order():
    count = 25
    results: dict[str, list] = {}

    def sender(name: str, port: int):
        client = Client(port)
        sent, answered = [], []
        for number in range(count):
            control_id = f"{name}-{number:03d}"
            sent.append(control_id)
            client.send(frame(samples.TWIN_A.replace("TW-0001", control_id)))
        for _ in range(count):
            answered.append(msa(client.ack())[1])
        client.close()
        results[name] = [sent, answered]

    with listening() as port:
        threads = [threading.Thread(target=sender, args=(name, port)) for name in ("ONE", "TWO")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=WAIT)
    assert set(results) == {"ONE", "TWO"}
    for sent, answered in results.values():
        assert answered == sent


def test_a_slow_message_on_one_connection_never_holds_up_another():
    release = threading.Event()

    def handler(raw: bytes) -> str:
        if b"|SLOW-1|" in raw:
            assert release.wait(WAIT), "the other connection was never answered"
        return parse_and_ack(raw)

    with listening(handler) as port:
        slow, quick = Client(port), Client(port)
        slow.send(frame(samples.TWIN_A.replace("TW-0001", "SLOW-1")))
        quick.send(frame(samples.TWIN_B))
        # Answered while the slow message's handler is still waiting in its thread.
        assert msa(quick.ack()) == ("AA", "TW-0002")
        release.set()
        assert msa(slow.ack()) == ("AA", "SLOW-1")
        slow.close()
        quick.close()


def test_a_client_stalled_in_the_middle_of_a_message_never_holds_up_another():
    whole = frame(samples.TWIN_A)
    with listening() as port:
        stalled, other = Client(port), Client(port)
        stalled.send(whole[:40])
        other.send(frame(samples.TWIN_B))
        assert msa(other.ack()) == ("AA", "TW-0002")
        stalled.send(whole[40:])
        assert msa(stalled.ack()) == ("AA", "TW-0001")
        stalled.close()
        other.close()


def test_a_message_cut_in_the_middle_then_closed_is_never_handled():
    handled: list[bytes] = []

    def handler(raw: bytes) -> str:
        handled.append(raw)
        return parse_and_ack(raw)

    whole = frame(samples.DISCHARGE)
    with listening(handler) as port:
        broken = Client(port)
        broken.send(whole[: len(whole) // 2])
        broken.close()
        after = Client(port)
        after.send(frame(samples.TWIN_B))
        assert msa(after.ack()) == ("AA", "TW-0002")
        after.close()
    # The discharge, cut before its end block, was never applied.
    assert handled == [samples.TWIN_B.encode()]


def test_a_message_of_one_megabyte_is_answered():
    big = samples.one_megabyte("BIG-0001")
    with listening() as port:
        client = Client(port)
        client.send(frame(big) + frame(samples.TWIN_A))
        assert msa(client.ack()) == ("AA", "BIG-0001")
        assert msa(client.ack()) == ("AA", "TW-0001")
        client.close()


def test_a_message_over_the_limit_is_answered_ar_and_the_next_one_is_read():
    with listening(max_message_bytes=64 * 1024) as port:
        client = Client(port)
        client.send(frame(samples.one_megabyte("BIG-0002")) + frame(samples.TWIN_A))
        refused = client.ack()
        assert msa(refused) == ("AR", "BIG-0002")
        assert "this listener takes at most 65536" in err_text(refused)
        assert msa(client.ack()) == ("AA", "TW-0001")
        client.close()


def test_a_handler_that_fails_is_answered_ar_and_the_connection_keeps_serving(caplog):
    def handler(raw: bytes) -> str:
        if b"|TW-0001|" in raw:
            raise RuntimeError("database unavailable")
        return parse_and_ack(raw)

    with listening(handler) as port:
        client = Client(port)
        client.send(frame(samples.TWIN_A) + frame(samples.TWIN_B))
        failed = client.ack()
        assert msa(failed) == ("AR", "TW-0001")
        assert failed.segment("ERR").extract_field(1, 3, 1, 1) == "207"
        assert "send it again later" in err_text(failed)
        assert msa(client.ack()) == ("AA", "TW-0002")
        client.close()
    assert "ADT handler failed" in caplog.text


def test_a_handler_answer_that_cannot_be_framed_is_replaced_by_an_ar():
    with listening(lambda raw: "MSA|AA|\x1c") as port:
        client = Client(port)
        client.send(frame(samples.TWIN_A))
        assert msa(client.ack()) == ("AR", "TW-0001")
        client.close()


def test_stopping_lets_the_message_in_progress_be_acknowledged():
    started, release = threading.Event(), threading.Event()

    def handler(raw: bytes) -> str:
        started.set()
        assert release.wait(WAIT)
        return parse_and_ack(raw)

    stopper: threading.Thread | None = None
    with contextlib.ExitStack() as stack:
        port = stack.enter_context(listening(handler))
        busy, idle = Client(port), Client(port)
        busy.send(frame(samples.TWIN_A))
        assert started.wait(WAIT)
        # Leave the `with`: the listener is told to stop while the handler is still working.
        stopper = threading.Thread(target=stack.close)
        stopper.start()
        release.set()
        assert msa(busy.ack()) == ("AA", "TW-0001")
        assert busy.at_end()
        assert idle.at_end()
        busy.close()
        idle.close()
    stopper.join(timeout=WAIT)
    assert not stopper.is_alive()


LISTENER = """
import datetime as dt
from nicu_milk.adapters.hl7 import build_ack, parse_adt
from nicu_milk.adapters.hl7.mllp import run

def handler(raw):
    return build_ack(parse_adt(raw), now=dt.datetime.now(dt.UTC))

run(handler, "127.0.0.1", 0, ready=lambda port: print(port, flush=True))
print("stopped", flush=True)
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM is a POSIX signal")
def test_sigterm_stops_the_listener_cleanly():
    process = subprocess.Popen(
        [sys.executable, "-c", LISTENER],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(process.stdout.readline())
        client = Client(port)
        client.send(frame(samples.TWIN_A))
        assert msa(client.ack()) == ("AA", "TW-0001")
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=WAIT)
        assert process.returncode == 0, err
        assert out.strip() == "stopped"
        assert client.at_end()
        client.close()
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
