"""Real gunicorn servers for the integration tests and the benchmarks: start, kill, talk HTTP.

Two ways to start one, both running gunicorn's own command line on `wsgi:app`:
- `start_cold`: `python -m gunicorn` in a fresh interpreter, as a unit runs it.
- `WarmStarter`: a helper process that has imported the app's libraries once and forks a new
  gunicorn (master and workers) on demand. The crash test restarts the server after every
  kill; importing Flask, SQLAlchemy, pydantic and ReportLab costs 1-2 s a start (much more on a
  busy machine), forking costs milliseconds. Nothing touches the database before the fork.

Each server runs in its own session, so that one SIGKILL to its process group takes down the
master and every worker at once, as a power cut or the kernel's OOM killer would.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class ServerGone(Exception):
    """The connection failed or broke before a whole answer came back: the outcome is unknown."""


class ServerDidNotStart(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "NICU_MILK_DATABASE_URL": database_url,
        "NICU_MILK_TIMEZONE": "America/Chicago",
        "NICU_MILK_SECRET_KEY": "test",
    }


def gunicorn_arguments(port: int, workers: int) -> list[str]:
    return [
        "--workers",
        str(workers),
        "--no-control-socket",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "wsgi:app",
    ]


class HttpApi:
    """JSON over HTTP to /api/v1, one connection per request, as a bedside scanner would."""

    def __init__(self, base: str, token: str | None = None, timeout: float = 60):
        self.base = base
        self.token = token
        self.timeout = timeout

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            f"{self.base}/api/v1{path}",
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as refused:
            try:
                with refused:
                    return refused.code, json.loads(refused.read())
            except (OSError, http.client.HTTPException, ValueError) as broken:
                raise ServerGone(f"{method} {path}: {broken!r}") from None
        except (OSError, http.client.HTTPException, ValueError) as broken:
            # Refused, reset, or cut off mid-answer (a truncated body is not JSON).
            raise ServerGone(f"{method} {path}: {broken!r}") from None

    def post(self, path: str, body: dict | None = None) -> tuple[int, dict]:
        return self.call("POST", path, body or {})

    def get(self, path: str) -> tuple[int, dict]:
        return self.call("GET", path)


class Server:
    """A running gunicorn: its address, and the process group that one signal ends."""

    def __init__(self, pid: int, port: int, log: Path, popen: subprocess.Popen | None = None):
        self.pid = pid
        self.port = port
        self.log = log
        self.popen = popen
        self.base = f"http://127.0.0.1:{port}"

    def api(self, token: str | None = None) -> HttpApi:
        return HttpApi(self.base, token)

    def wait_until_serving(self, timeout: float = 120) -> float:
        """Seconds until the API answered; fails with the server's log if it never does."""
        started = time.monotonic()
        while True:
            try:
                urllib.request.urlopen(f"{self.base}/api/v1/openapi.json", timeout=5).close()
                return time.monotonic() - started
            except OSError:
                if not self._alive() or time.monotonic() - started > timeout:
                    self.kill()
                    raise ServerDidNotStart(self.log_tail()) from None
                time.sleep(0.05)

    def log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return "(no log)"

    def _alive(self) -> bool:
        if self.popen is not None and self.popen.poll() is not None:
            return False
        return _group_running(self.pid)

    def kill(self) -> None:
        """SIGKILL the master and all its workers at once, and wait until they are gone."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self._wait_gone()

    def stop(self) -> None:
        """A graceful stop (SIGTERM to the master), falling back to SIGKILL."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        try:
            self._wait_gone(timeout=30)
        except TimeoutError:
            self.kill()

    def _wait_gone(self, timeout: float = 30) -> None:
        if self.popen is not None:
            self.popen.wait(timeout=timeout)
        deadline = time.monotonic() + timeout
        while _group_running(self.pid):
            if time.monotonic() > deadline:
                raise TimeoutError(f"gunicorn group {self.pid} still alive after {timeout} s")
            time.sleep(0.02)


def _group_running(group: int) -> bool:
    """Whether a process of this group still runs. A dead worker may wait a while for init to
    reap it; as a zombie it holds no socket or database connection, so it counts as gone."""
    with os.scandir("/proc") as entries:
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            state, _parent, process_group = stat.rsplit(")", 1)[1].split()[:3]
            if int(process_group) == group and state not in ("Z", "X"):
                return True
    return False


def _log_file(directory: Path | None) -> Path:
    handle, name = tempfile.mkstemp(prefix="gunicorn-", suffix=".log", dir=directory)
    os.close(handle)
    return Path(name)


def start_cold(database_url: str, *, workers: int = 2, log_dir: Path | None = None) -> Server:
    """`python -m gunicorn ... wsgi:app` in a new interpreter and session."""
    port = free_port()
    log = _log_file(log_dir)
    with log.open("ab") as output:
        popen = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *gunicorn_arguments(port, workers)],
            cwd=ROOT,
            env=server_environment(database_url),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(popen.pid, port, log, popen)
    server.wait_until_serving()
    return server


class WarmStarter:
    """Forks gunicorn servers from a helper that imported the app's libraries once."""

    def __init__(self, database_url: str, *, log_dir: Path | None = None):
        self.log_dir = log_dir
        self.helper = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.gunicorn_starter"],
            cwd=ROOT,
            env=server_environment(database_url),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def start(self, *, workers: int = 2) -> Server:
        port = free_port()
        log = _log_file(self.log_dir)
        self.helper.stdin.write(f"start {port} {workers} {log}\n")
        self.helper.stdin.flush()
        answer = self.helper.stdout.readline()
        if not answer.strip().isdigit():
            raise ServerDidNotStart(f"the starter answered {answer!r}")
        server = Server(int(answer), port, log)
        server.wait_until_serving()
        return server

    def close(self) -> None:
        self.helper.stdin.close()  # end of input ends the helper
        self.helper.wait(timeout=30)
        self.helper.stdout.close()

    def __enter__(self) -> WarmStarter:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
