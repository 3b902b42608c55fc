"""SIGKILL the whole gunicorn server during a stream of writes, 20 times, on SQLite and PostgreSQL.

After every restart, no write the server acknowledged is missing, nothing appears that was not
in flight, every bottle's remaining volume is its volume minus its feeds, and the audit trail's
hash chain verifies. What is written
and checked is described in tests.integration.crashing; bench/crash.py runs more cycles.
"""

from __future__ import annotations

import random
import time

import pytest

from tests.conftest import FIGURES, Api, make_user
from tests.integration import crashing
from tests.integration.servers import WarmStarter

# Minutes, not seconds: left out of a plain `pytest`, run by scripts/test.sh and CI.
pytestmark = pytest.mark.slow

CYCLES = 20
WRITERS = 4


def test_a_killed_server_loses_no_acknowledged_write(app, unit, database_url, tmp_path):
    usernames = [f"writer{n}" for n in range(1, WRITERS + 1)]
    for username in usernames:
        make_user(username, "nurse")
    tokens = [Api(app.test_client(), username).token for username in usernames]
    rng = random.Random(20261128)
    ledger = crashing.Ledger()
    started = time.monotonic()

    with WarmStarter(database_url, log_dir=tmp_path) as starter:
        server = starter.start()
        for cycle in range(CYCLES):
            # Kill at a different point each time: after a few writes, or after many.
            written = crashing.write_until_killed(
                server, tokens, ledger, rng, kill_after=rng.randint(2, 20)
            )
            restarting = time.monotonic()
            server = starter.start()
            ledger.restart_seconds.append(time.monotonic() - restarting)
            problems = crashing.verify(
                server.api(tokens[0]), ledger, histories_of=written, database_url=database_url
            )
            assert problems == [], f"after kill {cycle + 1}:\n" + "\n".join(problems[:40])
        # Once more, every bottle's whole history.
        problems = crashing.verify(server.api(tokens[0]), ledger, database_url=database_url)
        server.stop()

    database = database_url.split(":")[0].split("+")[0]
    figures = crashing.figures(ledger, database, time.monotonic() - started)
    print(figures)
    FIGURES.mkdir(parents=True, exist_ok=True)
    (FIGURES / f"crashes-{database}.txt").write_text(figures + "\n")
    assert problems == [], "\n".join(problems[:40])
    # The kills landed mid-stream: writes of every kind were acknowledged, and some were cut off.
    kinds = {write.kind for write in ledger.acknowledged}
    assert kinds == {"receipt", "feed", "move"}, figures
    assert ledger.cycles == CYCLES and ledger.uncertain, figures
