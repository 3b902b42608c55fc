"""What the running app knows about its unit: settings, policy, time zone, clock and layouts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, g, has_request_context, request

from config import Settings

from .policy import Policy
from .services.common import NicuUnit
from .services.signin import Attempt, Limits


def now() -> dt.datetime:
    clock = current_app.config.get("CLOCK")
    return clock() if clock else dt.datetime.now(dt.UTC)


def settings() -> Settings:
    """The NICU_MILK_* settings, as checked at start-up."""
    return current_app.extensions["nicu_milk"]["settings"]


def policy() -> Policy:
    return current_app.extensions["nicu_milk"]["policy"]


def zone() -> ZoneInfo:
    return policy().zone


def unit() -> NicuUnit:
    state = current_app.extensions["nicu_milk"]
    given = state["settings"]
    return NicuUnit(
        policy=state["policy"],
        now=now(),
        fingerprint=state["fingerprint"],
        name=given.unit_name,
        layouts=state["layouts"],
        label_stock=given.label_stock,
        sheet_stock=given.sheet_stock,
        wide_label_stock=given.wide_label_stock,
        wide_sheet_stock=given.wide_sheet_stock,
        printer=given.label_printer,
    )


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
    given = settings()
    return Limits(
        window=dt.timedelta(minutes=given.sign_in_window_minutes),
        per_user=given.sign_in_user_limit,
        per_address=given.sign_in_address_limit,
    )


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
