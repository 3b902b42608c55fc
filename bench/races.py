"""Race benchmark: nurses racing on one bottle at a time, for many rounds, then every check.

    .venv/bin/python bench/races.py                        # 2,000 rounds x 8 nurses, both databases
    .venv/bin/python bench/races.py --rounds 500 --nurses 16 --database sqlite
    .venv/bin/python bench/races.py --gunicorn 4           # over HTTP, through 4 worker processes

The rounds and the checks are those of the CI test (tests/integration/racing.py): nothing
overdrawn, no event lost or invented, no container in an impossible state. By default the
nurses go through Flask's test client in threads, as the test does; with --gunicorn they go
over HTTP to gunicorn's worker processes, so that the races cross process boundaries too.
Exit status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import throwaway  # noqa: E402

from tests.integration import racing  # noqa: E402
from tests.integration.servers import HttpApi, start_cold  # noqa: E402


def over_http(base: str, token: str) -> racing.Send:
    return HttpApi(base, token).call


def run(kind: str, rounds: int, nurses: int, workers: int, seed: int) -> bool:
    with throwaway.database(kind) as url:
        app, usernames, tokens = throwaway.unit(url, nurses)
        server = start_cold(url, workers=workers) if workers else None
        try:
            with app.app_context():
                if server:
                    senders = [over_http(server.base, token) for token in tokens]
                else:
                    senders = [racing.through_test_client(app, token) for token in tokens]
                race = racing.run(senders, usernames, rounds=rounds, seed=seed)
                checking = time.monotonic()
                problems = racing.verify(race, lambda path: senders[0]("GET", path))
                checked = time.monotonic() - checking
        finally:
            if server:
                server.stop()
    how = f"gunicorn, {workers} workers" if workers else "in-process, Flask test client"
    print(f"\n{kind} ({how})")
    print(racing.figures(race))
    print(
        f"{race.seconds / race.rounds * 1000:.0f} ms a round, "
        f"{len(race.answers) / race.seconds:.0f} requests/s; checks {checked:.1f} s: "
        f"{len(problems)} problems"
    )
    for problem in problems[:20]:
        print(f"  {problem}")
    return not problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--nurses", type=int, default=8, help="threads racing in each round")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--gunicorn",
        type=int,
        default=0,
        metavar="WORKERS",
        help="race over HTTP through this many gunicorn workers",
    )
    parser.add_argument("--seed", type=int, default=20261128)
    arguments = parser.parse_args()
    kinds = ("sqlite", "postgresql") if arguments.database == "both" else (arguments.database,)
    results = [
        run(kind, arguments.rounds, arguments.nurses, arguments.gunicorn, arguments.seed)
        for kind in kinds
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
