"""Several gunicorn workers on one database behave as one: nothing lives in process memory."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.api.conftest import receive_milk

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(database_url, unit):
    port = _free_port()
    env = {
        **os.environ,
        "NICU_MILK_DATABASE_URL": database_url,
        "NICU_MILK_TIMEZONE": "America/Chicago",
        "NICU_MILK_SECRET_KEY": "test",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            "--no-control-socket",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/openapi.json", timeout=2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start: {process.stdout.read().decode()[-2000:]}")
            time.sleep(0.2)
    yield base
    process.terminate()
    process.communicate(timeout=20)


def _post(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_feeds_racing_across_worker_processes_never_overdraw(server, unit):
    bottle = receive_milk(unit["nurse"], volume_ml=35)
    body = {"infant_code": "INF100", "container_code": bottle["code"], "volume_ml": 10}
    barrier = threading.Barrier(8)
    answers: list = [None] * 8

    def feed(index):
        barrier.wait()
        answers[index] = _post(f"{server}/feeds", unit["nurse"].token, body)

    threads = [threading.Thread(target=feed, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * 3 + [400] * 5, answers
    remaining = sorted(
        payload["container"]["remaining_ml"] for status, payload in answers if status == 201
    )
    assert remaining == [5, 15, 25]
