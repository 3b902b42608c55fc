"""MLLP: the framing HL7 v2 travels in (0x0B message 0x1C 0x0D), files of messages, and the
listener that answers each message with the handler's ACK.

The decoder and `read_messages_file` are pure. `serve` is the I/O edge: one asyncio loop reads
every connection, and the handler (which will open a database transaction) runs in a thread
pool, so a slow message or a slow client never holds up another connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .messages import ERR_APPLICATION_INTERNAL, ERR_DATA_TYPE, build_ack

START_BLOCK = 0x0B
END_BLOCK = 0x1C
CARRIAGE_RETURN = 0x0D
# An ADT message is a few kilobytes; 2 MiB leaves room for long histories and stops a sender
# (or a stream of garbage after a lost end block) from filling the listener's memory.
DEFAULT_MAX_MESSAGE_BYTES = 2 * 1024 * 1024
# Enough of an oversized message to read its MSH, so that its AR names its MSH-10.
_HEAD_BYTES = 4096
_READ_BYTES = 64 * 1024
# How long a stopping listener lets messages in progress finish and be acknowledged.
_STOP_GRACE_SECONDS = 30.0

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Oversized:
    """A framed message larger than the limit: only its head is kept, to answer it AR."""

    head: bytes
    size: int


@dataclass(frozen=True)
class Discarded:
    """Bytes that were no whole message: outside any frame, or a frame that never ended."""

    size: int
    why: str


class MllpDecoder:
    """Bytes in as they arrive, whole messages out, without their framing.

    A message may arrive over several reads and several may arrive in one. Bytes outside a
    frame are discarded (CR and LF between frames silently). A start block inside a frame means
    the sender gave up on that frame and began again. A message over `max_message_bytes` comes
    out as `Oversized`; None means no limit.
    """

    def __init__(self, max_message_bytes: int | None = DEFAULT_MAX_MESSAGE_BYTES):
        if max_message_bytes is not None and max_message_bytes < 1:
            raise ValueError("max_message_bytes must be positive")
        self.max_message_bytes = max_message_bytes
        self._in_frame = False
        self._buffer = bytearray()
        self._size = 0
        self._head: bytes | None = None  # set once the frame is over the limit

    @property
    def in_frame(self) -> bool:
        """True between a start block and its end block."""
        return self._in_frame

    def _open(self) -> None:
        self._in_frame = True
        self._buffer = bytearray()
        self._size = 0
        self._head = None

    def _take(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._head is not None:
            return
        self._buffer += chunk
        if self.max_message_bytes is not None and self._size > self.max_message_bytes:
            self._head = bytes(self._buffer[:_HEAD_BYTES])
            self._buffer = bytearray()

    def _close(self) -> bytes | Oversized:
        self._in_frame = False
        if self._head is not None:
            return Oversized(self._head, self._size)
        message, self._buffer = bytes(self._buffer), bytearray()
        return message

    def feed(self, data: bytes) -> list[bytes | Oversized | Discarded]:
        """Everything that `data` completes, in order."""
        out: list[bytes | Oversized | Discarded] = []
        garbage = 0
        position, length = 0, len(data)
        while position < length:
            if not self._in_frame:
                start = data.find(START_BLOCK, position)
                stop = length if start < 0 else start
                between = data[position:stop]
                garbage += len(between) - between.count(b"\r") - between.count(b"\n")
                if start < 0:
                    break
                self._open()
                position = start + 1
                continue
            end = data.find(END_BLOCK, position)
            restart = data.find(START_BLOCK, position, length if end < 0 else end)
            if restart >= 0:
                self._take(data[position:restart])
                out.append(Discarded(self._size, "a new message began before this one ended"))
                self._in_frame = False
                position = restart
                continue
            if end < 0:
                self._take(data[position:])
                break
            self._take(data[position:end])
            out.append(self._close())
            position = end + 1  # the CR after the end block is read as "between frames"
        if garbage:
            out.append(Discarded(garbage, "bytes outside an MLLP frame"))
        return out

    def close(self) -> Discarded | None:
        """At the end of the stream: the frame left unfinished, if any."""
        if not self._in_frame:
            return None
        self._in_frame = False
        return Discarded(self._size, "the stream ended in the middle of a message")


def frame(message: bytes | str, encoding: str = "utf-8") -> bytes:
    """One message in MLLP framing."""
    payload = message.encode(encoding) if isinstance(message, str) else bytes(message)
    if START_BLOCK in payload or END_BLOCK in payload:
        raise ValueError("a message cannot hold the MLLP block characters 0x0B or 0x1C")
    return bytes([START_BLOCK]) + payload + bytes([END_BLOCK, CARRIAGE_RETURN])


_BATCH_ENVELOPE = (b"FHS", b"BHS", b"BTS", b"FTS")


def read_messages_file(data: bytes) -> list[bytes]:
    """The messages in a file, as `adt-import` reads them.

    A file with MLLP framing is split by it. Otherwise a message ends at a blank line or where
    the next MSH begins (engines write both), with CR, LF or CR LF between segments, and HL7
    batch envelopes (FHS, BHS, BTS, FTS) are skipped. A file that ends in the middle of a framed
    message is refused whole (ValueError): its last message may have lost its NK1 or PV1, and
    applying the rest silently would hide that.
    """
    if START_BLOCK in data:
        decoder = MllpDecoder(max_message_bytes=None)
        messages = [item for item in decoder.feed(data) if isinstance(item, bytes)]
        unfinished = decoder.close()
        if unfinished is not None:
            raise ValueError(
                f"the file ends in the middle of message {len(messages) + 1} "
                f"({unfinished.size} bytes after its start block, and no end block)"
            )
        return [message for message in messages if message.strip()]
    text = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\r").replace(b"\n", b"\r")
    messages: list[bytes] = []
    current: list[bytes] = []
    for line in text.split(b"\r"):
        header = line.startswith(b"MSH")
        if (not line.strip() or header) and current:
            messages.append(b"\r".join(current) + b"\r")
            current = []
        if line.strip() and not line.startswith(_BATCH_ENVELOPE):
            current.append(line)
    if current:
        messages.append(b"\r".join(current) + b"\r")
    return messages


# --- the listener ---------------------------------------------------------------------------

Handler = Callable[[bytes], "str | bytes"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _answer(handler: Handler, raw: bytes) -> bytes:
    """The handler's ACK; an AR if it fails, so that the sender keeps its message and retries."""
    try:
        return frame(handler(raw))
    except Exception:  # a bug or a lost database must cost one AR, not the connection
        log.exception("ADT handler failed; answering AR")
        ack = build_ack(
            raw,
            "AR",
            "the message could not be processed (internal error); send it again later",
            error=ERR_APPLICATION_INTERNAL,
            now=_now(),
        )
    return frame(ack)


class _Connection:
    def __init__(self, peer: str):
        self.peer = peer
        self.busy = False
        self.task: asyncio.Task | None = None


async def serve(
    handler: Handler,
    host: str,
    port: int,
    *,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    workers: int = 4,
    ready: Callable[[int], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Listen for MLLP on host:port and answer every message with `handler(raw) -> ACK`.

    The handler runs in a pool of `workers` threads. Messages on one connection are answered in
    order, one at a time, as MLLP senders expect; connections do not wait for each other. A bad
    message is answered and the next one read: only the client closes a connection. `ready` is
    called with the bound port (useful with port 0). It runs until `stop` is set or, in the main
    thread, until SIGTERM or SIGINT; then it stops accepting, lets each message in progress be
    acknowledged, and returns.
    """
    loop = asyncio.get_running_loop()
    stop = stop or asyncio.Event()
    connections: set[_Connection] = set()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="adt")

    async def one_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        peername = writer.get_extra_info("peername")
        connection = _Connection(str(peername))
        connection.task = asyncio.current_task()
        connections.add(connection)
        decoder = MllpDecoder(max_message_bytes)
        try:
            while not stop.is_set():
                data = await reader.read(_READ_BYTES)
                if not data:
                    break
                connection.busy = True
                for item in decoder.feed(data):
                    if isinstance(item, bytes):
                        answer = await loop.run_in_executor(pool, _answer, handler, item)
                    elif isinstance(item, Oversized):
                        log.warning("%s: message of %d bytes refused", connection.peer, item.size)
                        reason = (
                            f"the message is {item.size} bytes; this listener takes at most "
                            f"{max_message_bytes}"
                        )
                        ack = build_ack(item.head, "AR", reason, error=ERR_DATA_TYPE, now=_now())
                        answer = frame(ack)
                    else:
                        log.warning(
                            "%s: %d bytes discarded: %s", connection.peer, item.size, item.why
                        )
                        continue
                    writer.write(answer)
                    await writer.drain()
                    if stop.is_set():
                        break
                connection.busy = False
            unfinished = decoder.close()
            if unfinished is not None:
                log.warning("%s: %s (%d bytes)", connection.peer, unfinished.why, unfinished.size)
        except (ConnectionError, OSError) as error:
            log.info("%s: connection lost: %s", connection.peer, error)
        except asyncio.CancelledError:
            pass  # stopping: this connection was waiting for bytes, with nothing in progress
        finally:
            connections.discard(connection)
            writer.close()
            with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
                await writer.wait_closed()

    server = await asyncio.start_server(one_connection, host, port, limit=_READ_BYTES)
    signals = []
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, stop.set)
            signals.append(number)
    try:
        bound = server.sockets[0].getsockname()[1]
        log.info("ADT listener on %s:%d", host, bound)
        if ready is not None:
            ready(bound)
        await stop.wait()
    finally:
        for number in signals:
            loop.remove_signal_handler(number)
        server.close()
        for connection in list(connections):
            if not connection.busy and connection.task is not None:
                connection.task.cancel()
        tasks = [c.task for c in connections if c.task is not None]
        if tasks:
            _done, late = await asyncio.wait(tasks, timeout=_STOP_GRACE_SECONDS)
            for task in late:
                task.cancel()
        await server.wait_closed()
        pool.shutdown(wait=True)
        log.info("ADT listener stopped")


def run(handler: Handler, host: str, port: int, **options) -> None:
    """`serve` in its own event loop until SIGTERM or SIGINT: what `adt-listen` will call."""
    asyncio.run(serve(handler, host, port, **options))
