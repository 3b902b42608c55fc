"""Readings in from outside the API: the MQTT listener against a real Mosquitto broker (which is
killed and restarted under it), and the CSV import. Both store through the same service as
POST /api/v1/readings: the excursion opens, the milk is held and the bedside check stops it."""

from __future__ import annotations

import datetime as dt
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.api import test_coldchain as api_tests
from tests.api.conftest import count, expect, receive_milk, staff, unit  # noqa: F401
from tests.api.test_coldchain import WARM_HOUR, check, excursions, series, stops
from tests.conftest import REQUIRED
from tests.integration.servers import free_port, server_environment

MOSQUITTO = Path("/usr/sbin/mosquitto")
ROOT = Path(__file__).resolve().parents[2]
TOPIC = "nicu/sensors/{}/reading"
# The API tests' unit, with sensors on its fridge and freezer and a gateway's device token.
cold = api_tests.cold


def _start_broker(port: int) -> subprocess.Popen:
    broker = subprocess.Popen(
        [str(MOSQUITTO), "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return broker
        time.sleep(0.05)
    broker.kill()
    pytest.fail(f"mosquitto did not listen on port {port}")


def _publish(port: int, payload) -> None:
    import paho.mqtt.publish as publish

    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    publish.single(TOPIC.format("T-FR1"), body, qos=1, hostname="127.0.0.1", port=port)


def _until(condition, timeout: float, what: str, every=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if every is not None:
            every()
        if condition():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def broker_port():
    if not MOSQUITTO.exists():
        reason = "mosquitto is not installed at /usr/sbin/mosquitto"
        if REQUIRED:
            pytest.fail(f"CI requires the MQTT broker, but {reason}")
        pytest.skip(reason)
    return free_port()


def test_the_listener_stores_holds_refuses_and_survives_a_broker_restart(
    cold, database_url, broker_port, tmp_path
):
    nurse = cold["nurse"]
    now = dt.datetime.now(dt.UTC)
    bottle = receive_milk(
        nurse,
        location="FR1-S1",
        at=(now - dt.timedelta(hours=3)).isoformat(),
        expressed_at=(now - dt.timedelta(hours=4)).isoformat(),
    )
    broker = _start_broker(broker_port)
    log = (tmp_path / "listener.log").open("w+")
    listener = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "sensors-listen",
            "--broker",
            f"127.0.0.1:{broker_port}",
            "--client-id",
            f"test-{broker_port}",
        ],
        cwd=ROOT,
        env=server_environment(database_url),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        warm = series("T-FR1", 125, 5, *WARM_HOUR)
        # Until the listener has subscribed, what is published is lost: repeat the first reading
        # (a repeat is a duplicate and changes nothing) until it is stored.
        _until(
            lambda: count("sensor_readings") == 1,
            60,
            "the first reading",
            every=lambda: _publish(broker_port, warm[0]),
        )
        bad = [
            b"not json at all",
            b'{"sensor_id": "T-FR1", "at": "2026-11-28T10:00:00", "celsius": 3}',
            b'{"sensor_id": "T-FR1", "at": "2026-11-28T10:00:00Z", "celsius": NaN}',
            b'{"sensor_id": "T-FR1", "at": "2026-11-28T10:00:00Z", "celsius": 1e9}',
            json.dumps(
                {
                    "sensor_id": "T-FR1",
                    "at": (now + dt.timedelta(hours=1)).isoformat(),
                    "celsius": 3.0,
                }
            ).encode(),
        ]
        for payload in [*bad[:2], *warm[1:], *bad[2:]]:
            _publish(broker_port, payload)
        _until(lambda: count("sensor_readings") == len(warm), 60, "every good reading")
        [excursion] = excursions(cold["charge_nurse"])
        assert excursion["held"] == [bottle["code"]]
        assert "Temperature excursion" in stops(check(nurse, "INF100", bottle["code"]))["HELD"]

        # The broker goes away and comes back: the listener reconnects by itself.
        broker.kill()
        broker.wait()
        time.sleep(1.5)
        assert listener.poll() is None, "the listener stopped when the broker went away"
        broker = _start_broker(broker_port)
        late = series("T-FR1", 1, 1, 3.1)[0]
        _until(
            lambda: count("sensor_readings") == len(warm) + 1,
            60,
            "a reading after the broker restarted",
            every=lambda: _publish(broker_port, late),
        )
    finally:
        listener.send_signal(signal.SIGTERM)
        try:
            code = listener.wait(timeout=20)
        finally:
            if listener.poll() is None:
                listener.kill()
            broker.kill()
            broker.wait()
    log.seek(0)
    output = log.read()
    log.close()
    assert code == 0, output
    assert "Stopped:" in output, output
    refused = int(output.split(" refused.")[0].rsplit(", ", 1)[1])
    assert refused == len(bad), output
    assert output.count("refused a reading") == len(bad), output


def test_csv_import_stores_once_holds_and_refuses_a_bad_file_whole(cold, runner, tmp_path):
    nurse = cold["nurse"]
    now = dt.datetime.now(dt.UTC)
    bottle = receive_milk(
        nurse,
        location="FR1",
        at=(now - dt.timedelta(hours=3)).isoformat(),
        expressed_at=(now - dt.timedelta(hours=4)).isoformat(),
    )
    rows = series("T-FR1", 125, 5, *WARM_HOUR)
    good = tmp_path / "logger.csv"
    good.write_text(
        "sensor_id,at,celsius\n"
        + "".join(f"{r['sensor_id']},{r['at']},{r['celsius']}\n" for r in reversed(rows))
    )
    result = runner.invoke(args=["readings-import", str(good)])
    assert result.exit_code == 0, result.output
    assert f"{len(rows)} readings stored, 0 duplicates" in result.output
    again = runner.invoke(args=["readings-import", str(good)])
    assert f"0 readings stored, {len(rows)} duplicates" in again.output
    [excursion] = excursions(cold["charge_nurse"])
    assert excursion["held"] == [bottle["code"]]
    assert "HELD" in stops(check(nurse, "INF100", bottle["code"]))

    stored = count("sensor_readings")
    for name, text, problem in (
        (
            "nan.csv",
            f"sensor_id,at,celsius\nT-FR1,{rows[0]['at']},3\nT-FR1,{rows[1]['at']},nan\n",
            "line 3",
        ),
        ("columns.csv", "sensor,when,temp\nT-FR1,2026-11-28T10:00Z,3\n", "sensor_id,at,celsius"),
        ("naive.csv", "sensor_id,at,celsius\nT-FR1,2026-11-28T10:00,3\n", "line 2"),
        ("word.csv", "sensor_id,at,celsius\nT-FR1,2026-11-28T10:00Z,cold\n", "line 2"),
    ):
        path = tmp_path / name
        path.write_text(text)
        refused = runner.invoke(args=["readings-import", str(path)])
        assert refused.exit_code != 0, (name, refused.output)
        assert "nothing stored" in refused.output and problem in refused.output, refused.output
    assert count("sensor_readings") == stored
    expect(nurse.get("/excursions"), 200)
