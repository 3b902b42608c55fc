"""Under gunicorn: a 500 reaches the error log with its traceback and request id, and workers
started at once share one session key made in the instance folder."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.integration.servers import free_port

# Minutes, not seconds: left out of a plain `pytest`, run by scripts/test.sh and CI.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3


@pytest.fixture
def served(database_url, staff, tmp_path):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("NICU_MILK_")}
    env.update(
        {
            "NICU_MILK_DATABASE_URL": database_url,
            "NICU_MILK_TEST_INSTANCE": str(tmp_path / "instance"),
        }
    )
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
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
                "tests.integration.served_app:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(f"{base}/login", process, lambda: log.read_text()[-2000:])
    yield base, log, tmp_path / "instance"
    process.terminate()
    process.communicate(timeout=20)


def wait_until_serving(url: str, process: subprocess.Popen, output) -> None:
    """Wait until gunicorn answers `url`; fail with the end of its `output()` if it does not."""
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start: {output()}")
            time.sleep(0.2)


def _wait_for(log: Path, text: str) -> str:
    deadline = time.monotonic() + 10
    while text not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    return log.read_text()


def test_a_500_is_in_the_error_log_with_its_traceback_and_request_id(served):
    base, log, _ = served
    request = urllib.request.Request(
        f"{base}/api/v1/broken", headers={"X-Request-Id": "ward-4-cart-2"}
    )
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(request, timeout=10)
    answer = failed.value
    assert answer.code == 500
    body = json.loads(answer.read())
    assert body["request_id"] == "ward-4-cart-2" == answer.headers["X-Request-Id"]
    assert "ward-4-cart-2" in body["error"]["message"]
    text = _wait_for(log, "a deliberate failure")
    assert "request id ward-4-cart-2" in text
    assert "Traceback (most recent call last)" in text
    assert "RuntimeError: a deliberate failure for the error log test" in text
    # A page's 500 says the id too, one the server made.
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(f"{base}/broken", timeout=10)
    page_id = failed.value.headers["X-Request-Id"]
    assert page_id in failed.value.read().decode()
    assert f"request id {page_id}" in _wait_for(log, f"request id {page_id}")


def test_workers_share_one_key_from_the_instance_folder(served):
    base, _, instance = served
    key_file = instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = browser.open(f"{base}/login", timeout=10).read().decode()
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', page
    )
    form = urllib.parse.urlencode(
        {"csrf_token": csrf.group(1), "username": "nina", "password": PASSWORD}
    ).encode()
    answer = browser.open(f"{base}/login", data=form, timeout=10)
    assert answer.geturl().endswith("/scan")
    # Each request may land on any worker: every one reads the session.
    for _ in range(4 * WORKERS):
        assert browser.open(f"{base}/scan", timeout=10).geturl().endswith("/scan")
