"""Several gunicorn workers on one database behave as one: nothing lives in process memory."""

from __future__ import annotations

import threading

import pytest

from tests.api.conftest import receive_milk
from tests.integration.servers import start_cold

# Minutes, not seconds: left out of a plain `pytest`, run by scripts/test.sh and CI.
pytestmark = pytest.mark.slow

WORKERS = 3


@pytest.fixture
def server(database_url, unit, tmp_path):
    running = start_cold(database_url, workers=WORKERS, log_dir=tmp_path)
    yield running
    running.stop()


def test_feeds_racing_across_worker_processes_never_overdraw(server, unit):
    bottle = receive_milk(unit["nurse"], volume_ml=35)
    body = {"infant_code": "INF100", "container_code": bottle["code"], "volume_ml": 10}
    api = server.api(unit["nurse"].token)
    barrier = threading.Barrier(8)
    answers: list = [None] * 8

    def feed(index):
        barrier.wait()
        answers[index] = api.post("/feeds", body)

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
