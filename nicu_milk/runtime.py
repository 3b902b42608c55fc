"""What the running app knows about its unit: policy, time zone, clock and label layouts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, g, has_request_context, request

from .policy import Policy
from .services.common import NicuUnit
from .services.signin import Attempt, Limits


def now() -> dt.datetime:
    clock = current_app.config.get("CLOCK")
    return clock() if clock else dt.datetime.now(dt.UTC)


def policy() -> Policy:
    return current_app.extensions["nicu_milk"]["policy"]


def zone() -> ZoneInfo:
    return policy().zone


def unit() -> NicuUnit:
    state = current_app.extensions["nicu_milk"]
    config = current_app.config
    return NicuUnit(
        policy=state["policy"],
        now=now(),
        fingerprint=state["fingerprint"],
        name=config["UNIT_NAME"],
        layouts=state["layouts"],
        label_stock=config["LABEL_STOCK"],
        sheet_stock=config["SHEET_STOCK"],
        wide_label_stock=config["WIDE_LABEL_STOCK"],
        wide_sheet_stock=config["WIDE_SHEET_STOCK"],
        printer=config.get("LABEL_PRINTER"),
    )


def layouts() -> dict:
    return current_app.extensions["nicu_milk"]["layouts"]


def sign_in_attempt(username: str, channel: str, by_user=None) -> Attempt:
    """A password check made by this request: the name given, the client's address, now."""
    return Attempt(
        username=username,
        address=request.remote_addr or "unknown",
        channel=channel,
        now=now(),
        by_user=by_user,
    )


def sign_in_limits() -> Limits:
    return Limits.from_config(current_app.config)


def acting_user():
    """The user this request acts for (API token or signed-in page), or None outside a request.

    The audit trail asks this for changes that do not name their actor (an account reset).
    """
    if not has_request_context():
        return None
    user = g.get("user")
    if user is not None:
        return user
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        return current_user._get_current_object()
    return None
