"""The API answers as its OpenAPI document says: schemathesis, in process, over every operation.

Every check schemathesis has runs on every answer: no 5xx; status codes, content types, headers
and bodies as documented; schema-valid data accepted, schema-invalid data refused; 405 with
Allow; authentication not ignored. Positive data may still be refused with a 400 by a rule that
a JSON schema cannot state (a time in the future, a lot required for donor milk, more than is
left in the bottle): such a refusal must carry its own error code, never the generic codes the
schema layer uses, which would mean that the document and the API disagree.

A short pass runs here (NICU_MILK_FUZZ_EXAMPLES per operation, default 8); bench/fuzz_api.py
makes the long run.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from sqlalchemy import select

from nicu_milk.api.routes_openapi import build_document
from nicu_milk.extensions import db
from nicu_milk.models import User
from nicu_milk.services import accounts
from tests.conftest import change_settings

# Minutes, not seconds: left out of a plain `pytest`, run by scripts/test.sh and CI.
pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("NICU_MILK_FUZZ_EXAMPLES", "8"))
# The codes the schema layer answers with. A schema-valid request refused with one of these is a
# disagreement between the document and the API.
SCHEMA_LAYER_CODES = frozenset(
    {
        "INVALID_INPUT",
        "MISSING_FIELD",
        "UNKNOWN_FIELD",
        "MALFORMED_JSON",
        "UNKNOWN_PARAMETER",
        "UNSUPPORTED_MEDIA_TYPE",
    }
)


def fuzz_config(examples: int, *, seed: int | None = None) -> SchemathesisConfig:
    settings_ = {
        "generation": {"mode": "all", "max-examples": examples, "database": "none"},
        # Rules a schema cannot state answer 400 with their own codes (see schema_layer_agrees).
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]
            },
            # An address too long for any route is refused before routing, with 414.
            "negative_data_rejection": {
                "expected-statuses": [
                    "400",
                    "401",
                    "403",
                    "404",
                    "405",
                    "409",
                    "413",
                    "414",
                    "415",
                    "422",
                    "429",
                ]
            },
        },
        "phases": {"stateful": {"enabled": False}},
        "suppress-health-check": ["all"],
    }
    if seed is not None:
        settings_["seed"] = seed
    return SchemathesisConfig.from_dict(settings_)


@schemathesis.check
def schema_layer_agrees(ctx, response, case):
    """Schema-valid data is never refused by the schema layer itself."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return None
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        raise AssertionError("A 400 without the API's error shape") from None
    if code in SCHEMA_LAYER_CODES:
        raise AssertionError(
            f"Schema-valid data was refused by the schema layer: {response.json()['error']}"
        )
    return None


@schemathesis.check
def nothing_answers_500(ctx, response, case):
    """Belt and braces for not_a_server_error: a 5xx carries the request id, and never happens."""
    if response.status_code >= 500 and response.status_code != 503:
        raise AssertionError(f"{response.status_code}: {response.text[:500]}")
    return None


@pytest.fixture
def fuzzed_app(app, unit):
    """The API's unit (locations, three babies, staff and parents), open to many wrong guesses."""
    change_settings(app, sign_in_user_limit=10_000, sign_in_address_limit=10_000)
    return app


def fresh_token(username: str = "ada") -> str:
    """A new admin token for each request: a DELETE /auth/token case revokes the one it used."""
    user = db.session.scalars(select(User).where(User.username == username)).one()
    token = accounts.issue_token(db.session, user, dt.datetime.now(dt.UTC), 1)
    db.session.commit()
    return token


# The document the app serves at /api/v1/openapi.json (test_openapi.py checks they are one).
schema = schemathesis.openapi.from_dict(build_document(), config=fuzz_config(EXAMPLES))


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_agrees_with_its_description(case, fuzzed_app):
    # Every request, and every probe a check sends, goes to this test's app in process.
    case.operation.schema.app = fuzzed_app
    case.call_and_validate(headers=auth_for(case), app=fuzzed_app)


def auth_for(case) -> dict:
    """A valid admin token, unless the case is about a missing or wrong Authorization header."""
    header = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    if header is not None and header.mode.is_negative:
        return {}
    return {"Authorization": f"Bearer {fresh_token()}"}
