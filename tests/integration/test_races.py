"""Eight nurses race on one bottle at a time, 200 rounds on SQLite and 200 on PostgreSQL.

Each nurse has their own account and connection and goes through the whole HTTP stack
(Flask's test client, one thread each), so the database's locks decide every race: SQLite's
write-first transactions, PostgreSQL's row locks. What is raced and what is checked afterwards
is described in tests.integration.racing. This is CI's short pass, 200 rounds a database: 100 took
17 to 45 s a database on the project's shared 2-core machine, depending on its load.
bench/races.py runs the same for 1,000 rounds and more, and through gunicorn's workers.
"""

from __future__ import annotations

import pytest

from tests.conftest import FIGURES, Api, make_user
from tests.integration import crashing, racing

# Minutes, not seconds: left out of a plain `pytest`, run by scripts/test.sh and CI.
pytestmark = pytest.mark.slow

THREADS = 8
ROUNDS = 200  # on each database


def test_racing_nurses_never_overdraw_lose_an_event_or_reach_an_impossible_state(
    app, unit, database_url
):
    usernames = [f"racer{n}" for n in range(1, THREADS + 1)]
    for username in usernames:
        make_user(username, "nurse")
    tokens = [Api(app.test_client(), username).token for username in usernames]
    nurses = [racing.through_test_client(app, token) for token in tokens]

    race = racing.run(nurses, usernames, rounds=ROUNDS)
    problems = racing.verify(race, lambda path: nurses[0]("GET", path))
    # The audit chain verifies after the race, and every feed stored has its row on it.
    problems += crashing.audit_problems(database_url)

    database = database_url.split(":")[0].split("+")[0]
    figures = f"{database}: {racing.figures(race)}"
    print(figures)
    FIGURES.mkdir(parents=True, exist_ok=True)
    (FIGURES / f"races-{database}.txt").write_text(figures + "\n")
    assert problems == [], "\n".join(problems[:50])
    # The race reached every corner it is meant to: each action both went through and was
    # refused by the bottle's state, and the portions split off were fed.
    outcomes = {(a.action, a.accepted) for a in race.answers}
    for action in racing.WEIGHTS:
        if action != "check":
            assert (action, True) in outcomes and (action, False) in outcomes, (action, figures)
    verdicts = {a.payload["verdict"] for a in race.answers if a.action == "check"}
    assert "stop" in verdicts and verdicts - {"stop"}, figures
