"""Fork fresh gunicorn servers from an interpreter that has already imported the app's libraries.

Run by tests.integration.servers.WarmStarter, with the server's environment. It reads one
command a line on stdin, `start PORT WORKERS LOGFILE`, and answers the new master's pid; end
of input ends it. Each server runs gunicorn's own command line (`gunicorn ... wsgi:app`) in a
new session. `wsgi` itself is not imported here, so no app, engine or connection exists before
the fork: every server builds its own, as a cold start does.
"""

from __future__ import annotations

import os
import signal
import sys

import gunicorn.app.wsgiapp

import nicu_milk.api  # noqa: F401 - imported for its libraries (Flask, SQLAlchemy, pydantic)
import nicu_milk.printing  # noqa: F401 - ReportLab, python-barcode, zxing-cpp
import nicu_milk.web  # noqa: F401
from tests.integration.servers import gunicorn_arguments


def _serve(port: str, workers: str, log: str, in_session: int) -> None:
    os.setsid()
    os.write(in_session, b"!")
    os.close(in_session)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    output = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    sys.argv = ["gunicorn", *gunicorn_arguments(int(port), int(workers))]
    # Workers are forked inside run() too, so they leave through here as well. Keep their exit
    # status (gunicorn's master stops when a worker exits with its boot-error status), and never
    # return into this helper's loop.
    status = 1
    try:
        gunicorn.app.wsgiapp.run()
        status = 0
    except SystemExit as leaving:
        status = leaving.code if isinstance(leaving.code, int) else int(leaving.code is not None)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def main() -> None:
    # The kernel reaps the servers this process forks: nobody waits for them here.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in sys.stdin:
        command, port, workers, log = line.split()
        if command != "start":
            raise SystemExit(f"unknown command {command!r}")
        # Answer only once the server leads its own process group, so that the caller may
        # look for it (and signal it) by that group at once.
        waiting, in_session = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(waiting)
            _serve(port, workers, log, in_session)
        os.close(in_session)
        os.read(waiting, 1)
        os.close(waiting)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
