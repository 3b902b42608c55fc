"""Temperature readings in from the outside: an MQTT listener and a CSV import.

Both, like POST /api/v1/readings, parse each reading with the API's own model (ReadingIn) and
store it through nicu_milk.services.coldchain.store_readings: one code path. A bad reading is
refused, counted and logged, and never stops the listener.
"""

from __future__ import annotations

import csv
import json
import logging
import signal
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from pydantic import ValidationError

from ..errors import DomainError
from ..extensions import db
from ..runtime import unit

log = logging.getLogger("nicu_milk.sensors")


def _problem(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "payload"
    return f"{where}: {first['msg']}"


def parse_payload(payload: bytes):
    """One MQTT payload: a JSON object {"sensor_id", "at", "celsius"}; ValueError if not."""
    from ..api.routes_coldchain import ReadingIn

    try:
        text = payload.decode("utf-8")
        json.loads(text)  # a clear "not JSON" before the model's own message
    except (UnicodeDecodeError, ValueError):
        raise ValueError("the payload is not JSON") from None
    try:
        return ReadingIn.model_validate_json(text)
    except ValidationError as problem:
        raise ValueError(_problem(problem)) from None


class ReadingsListener:
    """Subscribes to the sensors' topic, stores every reading, and reconnects by itself."""

    def __init__(self, app: Flask, host: str, port: int, topic: str, client_id: str):
        import paho.mqtt.client as mqtt

        self.app = app
        self.topic = topic
        self.counts: Counter[str] = Counter()
        self.connected = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False
        )
        self.client.reconnect_delay_set(min_delay=1, max_delay=10)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.connect_async(host, port, keepalive=30)

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties):
        if reason_code.is_failure:
            log.warning("the broker refused the connection: %s", reason_code)
            return
        # Subscribed on every (re)connection: a restarted broker may have forgotten us.
        client.subscribe(self.topic, qos=1)
        self.connected.set()
        log.info("connected; listening on %s", self.topic)

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _properties):
        self.connected.clear()
        log.warning("disconnected from the broker (%s); reconnecting", reason_code)

    def _on_message(self, _client, _userdata, message):
        self.handle(message.topic, message.payload)

    def handle(self, topic: str, payload: bytes) -> str:
        """Store one payload; gives accepted, duplicate or refused. Never raises."""
        from ..services.coldchain import store_readings

        with self.app.app_context():
            try:
                reading = parse_payload(payload)
                stored = store_readings(db.session, unit(), [reading.as_new()], "mqtt")
                db.session.commit()
            except (ValueError, DomainError) as refused:
                db.session.rollback()
                self.counts["refused"] += 1
                reason = refused.message if isinstance(refused, DomainError) else str(refused)
                log.warning("refused a reading on %s: %s (%r)", topic, reason, payload[:200])
                return "refused"
            except Exception:  # noqa: BLE001 - one bad message must never stop the listener
                db.session.rollback()
                self.counts["refused"] += 1
                log.exception("could not store a reading on %s (%r)", topic, payload[:200])
                return "refused"
            finally:
                db.session.remove()
        outcome = "accepted" if stored.accepted else "duplicate"
        self.counts[outcome] += 1
        return outcome

    def run(self) -> None:
        self.client.loop_forever(retry_first_connection=True)

    def stop(self) -> None:
        self.client.disconnect()


def _broker(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter("give the broker as HOST:PORT, e.g. 127.0.0.1:1883")
    return host, int(port)


@click.command("sensors-listen")
@with_appcontext
@click.option("--broker", default="127.0.0.1:1883", show_default=True, help="HOST:PORT")
@click.option("--topic", default="nicu/sensors/+/reading", show_default=True)
@click.option("--client-id", default="nicu-milk-readings", show_default=True)
def sensors_listen(broker, topic, client_id):
    """Store temperature readings from the sensors' MQTT topic until SIGTERM."""
    host, port = _broker(broker)
    app = current_app._get_current_object()
    listener = ReadingsListener(app, host, port, topic, client_id)

    def finish(_signum, _frame):
        listener.stop()

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    click.echo(f"Listening for readings on {topic} at {host}:{port}.")
    listener.run()
    counts = listener.counts
    click.echo(
        f"Stopped: {counts['accepted']} accepted, {counts['duplicate']} duplicates, "
        f"{counts['refused']} refused."
    )


def read_csv(lines: Iterable[str]):
    """Every row of a sensor_id,at,celsius file as a ReadingIn; ValueError names the first bad
    line (the whole file is refused)."""
    from ..api.routes_coldchain import ReadingIn

    rows = csv.DictReader(lines)
    if rows.fieldnames is None or set(rows.fieldnames) != {"sensor_id", "at", "celsius"}:
        raise ValueError("the first line must name the columns: sensor_id,at,celsius")
    readings = []
    for row in rows:
        line = rows.line_num
        text = (row["celsius"] or "").strip()
        try:
            celsius = float(text)
        except ValueError:
            raise ValueError(f"line {line}: celsius {text!r} is not a number") from None
        try:
            readings.append(
                ReadingIn.model_validate(
                    {"sensor_id": row["sensor_id"], "at": row["at"], "celsius": celsius}
                )
            )
        except ValidationError as problem:
            raise ValueError(f"line {line}: {_problem(problem)}") from None
    return readings


@click.command("readings-import")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def readings_import(path: Path):
    """Import temperature readings from a CSV file (sensor_id,at,celsius), e.g. a logger's
    download; repeats of stored readings are counted and change nothing."""
    from ..services.coldchain import store_readings

    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            readings = read_csv(handle)
        stored = store_readings(db.session, unit(), [r.as_new() for r in readings], "csv")
        db.session.commit()
    except (ValueError, DomainError) as refused:
        db.session.rollback()
        reason = refused.message if isinstance(refused, DomainError) else str(refused)
        raise click.ClickException(f"Refused {path.name}, nothing stored: {reason}") from None
    click.echo(f"{stored.accepted} readings stored, {stored.duplicates} duplicates.")


# The same listener under the name some of the unit's run books use.
readings_listen = click.Command(
    "readings-listen",
    callback=sensors_listen.callback,
    params=sensors_listen.params,
    help=sensors_listen.help,
)
COMMANDS = (sensors_listen, readings_listen, readings_import)
