"""A small unit for API flows: storage, two families (one with twins), parents, staff.

Every answer the signed-in clients get is checked against the API's own description: a success
must validate against the response model its route declares in nicu_milk.api.ENDPOINTS (those
models forbid extra fields), and an error must have the declared status and the error shape.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import current_app
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from nicu_milk.api import ENDPOINTS, Endpoint
from nicu_milk.api.responses import ErrorOut, FeedRefused
from nicu_milk.api.routes_openapi import ALWAYS_POSSIBLE
from nicu_milk.extensions import db
from nicu_milk.models import SignInAttempt
from nicu_milk.runtime import now, zone
from nicu_milk.services import accounts, families, storage
from tests.conftest import PASSWORD, TABLES_IN_DELETE_ORDER, Api, make_user

UTC = dt.UTC
PREFIX = "/api/v1"


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def ago(**delta) -> str:
    return iso(dt.datetime.now(UTC) - dt.timedelta(**delta))


def later(**delta) -> str:
    return iso(dt.datetime.now(UTC) + dt.timedelta(**delta))


def parse(value: str) -> dt.datetime:
    assert value.endswith("Z"), f"answers give UTC with Z, not {value!r}"
    return dt.datetime.fromisoformat(value)


# --- the route an answer came from, and what its description promises ----------------------------


def route_for(method: str, path: str) -> Endpoint | None:
    """The registered endpoint serving `method path` (path without /api/v1, query allowed)."""
    adapter = current_app.url_map.bind("localhost")
    try:
        rule, _ = adapter.match(PREFIX + path.split("?", 1)[0], method=method, return_rule=True)
    except HTTPException:
        return None
    template = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
    matches = [e for e in ENDPOINTS if e.method == method and e.path == template]
    assert len(matches) == 1, f"{method} {template} is registered {len(matches)} times in ENDPOINTS"
    return matches[0]


def response_model(method: str, template: str):
    """The response model ENDPOINTS names for a route, by method and path template."""
    [route] = [e for e in ENDPOINTS if e.method == method and e.path == template]
    return route.response


def assert_error_shape(answer, route: Endpoint | None = None) -> dict:
    body = answer.get_json(silent=True)
    assert isinstance(body, dict), f"{answer.status_code} without JSON: {answer.data[:200]!r}"
    assert answer.mimetype == "application/json"
    if (
        route is not None
        and route.path == "/feeds"
        and route.method == "POST"
        and answer.status_code == 409
    ):
        FeedRefused.model_validate(body)
    else:
        ErrorOut.model_validate(body)
        assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] and body["error"]["message"], body
    return body


def check_answer(method: str, path: str, answer) -> None:
    """The answer is what the route's description says: its model on success, the error shape
    with a declared status otherwise. Never a 500; a 503 only where a route declares one (a label
    printer that does not answer)."""
    route = route_for(method, path)
    assert answer.status_code < 500 or (route is not None and answer.status_code in route.errors), (
        method,
        path,
        answer.status_code,
        answer.data[:500],
    )
    if answer.status_code >= 400:
        assert_error_shape(answer, route)
        if route is not None:
            declared = (*route.errors, *ALWAYS_POSSIBLE)
            assert answer.status_code in declared, (
                f"{method} {route.path} answered {answer.status_code}, "
                f"not among its declared errors {declared}: {answer.get_json()}"
            )
        return
    assert route is not None, (method, path)
    assert answer.status_code == route.status, (method, path, answer.status_code, route.status)
    if route.response is not None:
        route.response.model_validate(answer.get_json())


class CheckedApi(Api):
    """Api whose every answer is validated against the route's declared models (see above)."""

    def get(self, path, **kwargs):
        answer = super().get(path, **kwargs)
        check_answer("GET", path, answer)
        return answer

    def post(self, path, json=None, **kwargs):
        answer = super().post(path, json, **kwargs)
        check_answer("POST", path, answer)
        return answer

    def patch(self, path, json=None, **kwargs):
        answer = super().patch(path, json, **kwargs)
        check_answer("PATCH", path, answer)
        return answer

    def delete(self, path, **kwargs):
        answer = super().delete(path, **kwargs)
        check_answer("DELETE", path, answer)
        return answer

    def raw(self, method: str, path: str, data: bytes, content_type: str = "application/json"):
        """Send bytes exactly as given (malformed JSON, lone surrogates, huge bodies)."""
        answer = self.client.open(
            f"{PREFIX}{path}",
            method=method,
            data=data,
            content_type=content_type,
            headers=self._headers(),
        )
        check_answer(method, path, answer)
        return answer


def error_code(answer) -> str:
    return answer.get_json()["error"]["code"]


def expect(answer, status: int, code: str | None = None) -> dict:
    """Assert the status (and error code); give the JSON body."""
    body = answer.get_json(silent=True)
    assert answer.status_code == status, (answer.status_code, body)
    if code is not None:
        assert body["error"]["code"] == code, body
    return body


# --- database state, to show that a refused request changed nothing -----------------------------

# A refused request changes nothing, except that a wrong password is itself recorded (the tests
# of sign-in limits check those records), on the audit trail too.
SNAPSHOT_TABLES = (*(t for t in TABLES_IN_DELETE_ORDER if t != "sign_in_attempts"), "counters")


def _table(name: str):
    return db.metadata.tables[name]


def _rows_of(name: str):
    query = select(_table(name))
    if name == "audit_events":
        # What a refusal itself records (a wrong password, a near miss) is on the audit trail
        # too; the tests compare sign_in_attempts and check_attempts themselves.
        action = _table(name).c.action
        query = query.where(~action.startswith("sign_in."), ~action.startswith("near_miss."))
    return query


def snapshot() -> dict[str, list[str]]:
    """Every row of every table, read on a fresh connection (not the test's session)."""
    db.session.commit()
    with db.engine.connect() as connection:
        state = {
            name: sorted(repr(tuple(row)) for row in connection.execute(_rows_of(name)))
            for name in SNAPSHOT_TABLES
        }
        connection.rollback()
    return state


def count(table: str) -> int:
    db.session.commit()
    with db.engine.connect() as connection:
        value = connection.execute(select(func.count()).select_from(_table(table))).scalar_one()
        connection.rollback()
    return value


def failed_sign_ins() -> list[tuple[str, str, str]]:
    """(name given, channel, outcome) of every refused password check, oldest first."""
    db.session.commit()
    with db.engine.connect() as connection:
        rows = connection.execute(
            select(SignInAttempt.username, SignInAttempt.channel, SignInAttempt.outcome)
            .where(SignInAttempt.outcome != "ok")
            .order_by(SignInAttempt.id)
        ).all()
        connection.rollback()
    return [tuple(row) for row in rows]


# --- fixtures ------------------------------------------------------------------------------------


# The fixtures below set the unit up through the services, as a script would: the API's own
# routes for accounts, places and admissions are tested where they are the subject, and every
# other test starts from the same records without a dozen requests first.


def signed_in(client, username: str) -> CheckedApi:
    """A client holding a token issued to `username`, as POST /auth/token would issue it."""
    user = accounts.user_named(db.session, username)
    token = accounts.issue_token(db.session, user, now(), current_app.config["TOKEN_HOURS"])
    db.session.commit()
    return CheckedApi(client, username, token)


@pytest.fixture
def staff(app, client):
    """Clients signed in as each staff role (answers checked against the API description)."""
    for username, role in (
        ("ada", "admin"),
        ("cara", "charge_nurse"),
        ("nina", "nurse"),
        ("noor", "nurse"),
    ):
        make_user(username, role)
    return {
        "admin": signed_in(client, "ada"),
        "charge_nurse": signed_in(client, "cara"),
        "nurse": signed_in(client, "nina"),
        "nurse2": signed_in(client, "noor"),
    }


@pytest.fixture
def unit(app, client, staff):
    for code, name, kind, parent in (
        ("FR1", "Milk fridge 1", "refrigerator", None),
        ("FR1-S1", "Shelf 1", None, "FR1"),
        ("FZ1", "Freezer 1", "freezer", None),
        ("FZ1-S1", "Shelf 1", None, "FZ1"),
        ("DF1", "Deep freezer", "deep_freezer", None),
        ("BED3", "Bedside 3", "room", None),
    ):
        storage.create_location(db.session, code, name, kind, parent)
    babies = (
        ("INF100", "Ava", "Nguyen", "MOM100", "Linh", "Nguyen", False),
        ("INF200", "Leo", "Okafor", "MOM200", "Ada", "Okafor", True),
        ("INF201", "Mia", "Okafor", "MOM200", "Ada", "Okafor", True),
    )
    for mrn, first, last, mother, mother_first, mother_last, consent in babies:
        families.admit_infant(
            db.session,
            mrn=mrn,
            first_name=first,
            last_name=last,
            date_of_birth=dt.date(2026, 11, 20),
            mother_mrn=mother,
            mother_first_name=mother_first,
            mother_last_name=mother_last,
            donor_milk_consent=consent,
            wristband_code=None,
            daily_volume_ml=None,
            today=now().astimezone(zone()).date(),
        )
    db.session.commit()
    make_user("linh", "parent", ("INF100",))
    make_user("ada.okafor", "parent", ("INF200", "INF201"))
    return {
        **staff,
        "parent": signed_in(client, "linh"),
        "twins_parent": signed_in(client, "ada.okafor"),
    }


def receive_milk(api: Api, mrn: str = "INF100", location: str = "FR1-S1", **overrides) -> dict:
    body = {
        "infant_mrn": mrn,
        "expressed_at": ago(hours=2),
        "volume_ml": 60,
        "milk_type": "MOM",
        "location_code": location,
        **overrides,
    }
    answer = api.post("/containers", body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def donor_milk(api: Api, mrn: str = "INF200", location: str = "FR1", **overrides) -> dict:
    return receive_milk(
        api,
        mrn,
        location,
        **{
            "milk_type": "DHM",
            "donor_lot": "LOT-77",
            "donor_expires_at": later(days=90),
            **overrides,
        },
    )


__all__ = ["PASSWORD", "ago", "count", "expect", "iso", "later", "receive_milk", "snapshot"]
