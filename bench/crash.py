"""Crash benchmark: SIGKILL the whole gunicorn server during a stream of writes, many times.

    .venv/bin/python bench/crash.py                     # 100 kills per database
    .venv/bin/python bench/crash.py --cycles 300 --database postgresql --workers 4 --writers 8
    .venv/bin/python bench/crash.py --cold              # each restart in a fresh interpreter

The writes, the ledger and the checks after each restart are those of the CI test
(tests/integration/crashing.py): every acknowledged receipt, feed and move is there, nothing
else beyond the writes in flight at a kill, each bottle's remaining volume is its volume minus
its feeds, and the audit trail's hash chain verifies with every feed on it. Exit status 1 if any
check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import throwaway  # noqa: E402

from tests.integration import crashing  # noqa: E402
from tests.integration.servers import WarmStarter, start_cold  # noqa: E402


def run(kind: str, cycles: int, workers: int, writers: int, cold: bool, seed: int) -> bool:
    rng = random.Random(seed)
    ledger = crashing.Ledger()
    problems: list[str] = []
    started = time.monotonic()
    with (
        throwaway.database(kind) as url,
        tempfile.TemporaryDirectory() as logs,
        contextlib.ExitStack() as stack,
    ):
        _app, _usernames, tokens = throwaway.unit(url, writers)
        if cold:

            def start():
                return start_cold(url, workers=workers, log_dir=Path(logs))
        else:
            starter = stack.enter_context(WarmStarter(url, log_dir=Path(logs)))

            def start():
                return starter.start(workers=workers)

        server = start()
        for cycle in range(cycles):
            written = crashing.write_until_killed(
                server, tokens, ledger, rng, kill_after=rng.randint(2, 30)
            )
            restarting = time.monotonic()
            server = start()
            ledger.restart_seconds.append(time.monotonic() - restarting)
            found = crashing.verify(
                server.api(tokens[0]), ledger, histories_of=written, database_url=url
            )
            problems += [f"after kill {cycle + 1}: {problem}" for problem in found]
        problems += crashing.verify(server.api(tokens[0]), ledger, database_url=url)
        server.stop()
    how = "cold restarts" if cold else "restarts forked from a warm interpreter"
    print(f"\n{workers} workers, {writers} writers, {how}")
    print(crashing.figures(ledger, kind, time.monotonic() - started))
    print(f"{len(problems)} problems")
    for problem in problems[:20]:
        print(f"  {problem}")
    return not problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=100, help="kills per database")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--writers", type=int, default=4, help="nurses writing at once")
    parser.add_argument("--cold", action="store_true", help="restart in a fresh interpreter")
    parser.add_argument("--seed", type=int, default=20261128)
    arguments = parser.parse_args()
    kinds = ("sqlite", "postgresql") if arguments.database == "both" else (arguments.database,)
    results = [
        run(
            kind,
            arguments.cycles,
            arguments.workers,
            arguments.writers,
            arguments.cold,
            arguments.seed,
        )
        for kind in kinds
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
