"""The long schemathesis run: at least 100,000 requests against the API, in process.

    .venv/bin/python bench/fuzz_api.py                       # 100,000 requests on SQLite
    .venv/bin/python bench/fuzz_api.py --requests 2000       # a smoke run
    .venv/bin/python bench/fuzz_api.py --database postgresql+psycopg://postgres@127.0.0.1/fuzz
    .venv/bin/python bench/fuzz_api.py --json bench/results/fuzz.json

A demo unit is loaded (babies, bottles in every state, staff and parents), then every operation
of /api/v1/openapi.json is fuzzed in turn, with schema-valid and schema-invalid data, and every
answer goes through every schemathesis check plus the two of tests/api/test_schemathesis.py.
Requests are counted at the WSGI app, so the probes that checks send count too. The run goes on
after a failure, and prints each distinct failure once (operation, check, first message).
Exit status 1 when any failure was found.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import hypothesis  # noqa: E402
import schemathesis  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.core.failures import FailureGroup  # noqa: E402
from schemathesis.core.parameters import ParameterLocation  # noqa: E402
from sqlalchemy import select  # noqa: E402

from config import TestConfig  # noqa: E402
from nicu_milk import create_app  # noqa: E402
from nicu_milk.api.routes_openapi import build_document  # noqa: E402
from nicu_milk.extensions import db  # noqa: E402
from nicu_milk.models import User  # noqa: E402
from nicu_milk.services import accounts  # noqa: E402
from tests.api.test_schemathesis import (  # noqa: E402
    fuzz_config,
    nothing_answers_500,
    schema_layer_agrees,
)

BATCH = 50  # cases per operation and mode before moving on to the next


class Counter:
    """WSGI middleware counting every request and every 5xx the app answers."""

    def __init__(self, app):
        self.app = app
        self.requests = 0
        self.statuses: collections.Counter = collections.Counter()

    def __call__(self, environ, start_response):
        self.requests += 1

        def counted(status, headers, exc_info=None):
            self.statuses[int(status.split(" ", 1)[0]) // 100 * 100] += 1
            return start_response(status, headers, exc_info)

        return self.app(environ, counted)


def build_app(database: str | None, folder: Path):
    url = database or f"sqlite:///{folder / 'fuzz.sqlite'}"
    app = create_app(
        TestConfig,
        instance_path=str(folder),
        SQLALCHEMY_DATABASE_URI=url,
        SIGN_IN_USER_LIMIT=10_000_000,
        SIGN_IN_ADDRESS_LIMIT=10_000_000,
    )
    from flask_migrate import upgrade

    from nicu_milk.demo import load_demo
    from nicu_milk.runtime import unit

    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        with app.test_request_context():
            load_demo(db.session, unit())
            db.session.commit()
    return app


class Tokens:
    """An admin token, renewed when a fuzzed DELETE /auth/token has revoked it."""

    def __init__(self, app):
        self.app = app
        self.token = self._new()

    def _new(self) -> str:
        with self.app.app_context():
            admin = db.session.scalars(select(User).where(User.username == "admin")).one()
            token = accounts.issue_token(db.session, admin, dt.datetime.now(dt.UTC), 12)
            db.session.commit()
            return token

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def for_case(self, case) -> dict:
        """A valid token, unless the case is about the Authorization header being wrong."""
        header = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
        if header is not None and header.mode.is_negative:
            return {}
        return self.headers()

    def spent(self, case, response) -> None:
        if (case.method.upper() == "DELETE" and case.path == "/auth/token") or (
            response.status_code == 401 and "INVALID_TOKEN" in response.text
        ):
            self.token = self._new()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--database", help="a SQLAlchemy URL (default: a new SQLite file)")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--only", help="fuzz only operations whose label contains this")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="nicu-fuzz-") as folder:
        app = build_app(args.database, Path(folder))
        counter = Counter(app.wsgi_app)
        app.wsgi_app = counter
        schema = schemathesis.openapi.from_dict(
            build_document(), config=fuzz_config(BATCH, seed=args.seed)
        )
        schema.app = app
        operations = [result.ok() for result in schema.get_all_operations()]
        operations = [op for op in operations if not args.only or args.only in op.label]
        tokens = Tokens(app)
        failures: dict[tuple, str] = {}
        cases = collections.Counter()
        started = time.perf_counter()
        rounds = 0
        while counter.requests < args.requests:
            rounds += 1
            for operation in operations:
                # Nothing to make invalid in a request without parameters or body.
                modes = (
                    (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
                    if (operation.body or any(True for _ in operation.iter_parameters()))
                    else (GenerationMode.POSITIVE,)
                )
                for mode in modes:
                    _fuzz(app, operation, mode, tokens, failures, cases, args.seed * 1000 + rounds)
                if counter.requests >= args.requests:
                    break
            print(
                f"round {rounds}: {counter.requests} requests, {len(failures)} failures, "
                f"{time.perf_counter() - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )
        seconds = time.perf_counter() - started
        with app.app_context():
            db.engine.dispose()

    figures = {
        "requests": counter.requests,
        "cases": sum(cases.values()),
        "operations": len(operations),
        "rounds": rounds,
        "seconds": round(seconds, 1),
        "requests_per_second": round(counter.requests / seconds, 1),
        "answers_by_class": {f"{k // 100}xx": v for k, v in sorted(counter.statuses.items())},
        "distinct_failures": len(failures),
        "database": "postgresql" if args.database else "sqlite",
        "python": platform.python_version(),
        "schemathesis": schemathesis.__version__ if hasattr(schemathesis, "__version__") else "",
        "cpus": os.cpu_count(),
    }
    print(json.dumps(figures, indent=2))
    for (operation, check), message in sorted(failures.items()):
        print(f"FAILURE {operation} [{check}]: {message}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    **figures,
                    "failures": [
                        {"operation": op, "check": check, "message": message}
                        for (op, check), message in sorted(failures.items())
                    ],
                },
                indent=2,
            )
        )
    return 1 if failures else 0


def _fuzz(app, operation, mode, tokens, failures, cases, seed) -> None:
    strategy = operation.as_strategy(generation_mode=mode)

    @hypothesis.seed(seed)
    @settings(
        max_examples=BATCH, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=strategy)
    def run(case):
        cases[operation.label] += 1
        headers = tokens.for_case(case)
        response = case.call(app=app, headers=headers)
        try:
            case.validate_response(
                response,
                additional_checks=[schema_layer_agrees, nothing_answers_500],
                headers=headers,
                transport_kwargs={"app": app},
            )
        except FailureGroup as group:
            for failure in group.exceptions:
                key = (operation.label, type(failure).__name__)
                failures.setdefault(
                    key,
                    f"[{response.status_code}] {failure.title}: {str(failure.message)[:300]}"
                    f"\n  {case.as_curl_command(headers=headers)[:600]}",
                )
        tokens.spent(case, response)

    try:
        run()
    except Exception as trouble:  # noqa: BLE001 - a run that cannot generate is itself a finding
        failures.setdefault((operation.label, type(trouble).__name__), str(trouble)[:300])


if __name__ == "__main__":
    sys.exit(main())
