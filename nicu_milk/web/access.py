"""Who may open a page, and how a page answers with a printout."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import abort, current_app
from flask_login import current_user, login_required

from ..models import User
from ..security import file_response

STAFF = ("admin", "charge_nurse", "nurse")
CHARGE = ("admin", "charge_nurse")
ROLE_PAGES = {
    STAFF: "unit staff",
    CHARGE: "charge nurses and administrators",
    ("admin",): "administrators",
    ("parent",): "parents",
}


def allow(*roles: str) -> Callable:
    """The page needs a signed-in user with one of these roles."""

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if current_user.role not in roles:
                who = ROLE_PAGES.get(tuple(roles), ", ".join(roles))
                abort(403, f"This page is for {who}. Use the menu to go to your own pages.")
            return view(*args, **kwargs)

        return guarded

    return wrap


def me() -> User:
    """The signed-in user as the model the services take (not Flask-Login's proxy)."""
    return current_user._get_current_object()


def printouts():
    """The printing service, once it is installed; until then a page says so (503)."""
    try:
        from ..services import printing as module
    except ImportError:
        current_app.logger.warning("nicu_milk.services.printing is not installed")
        abort(503, "Printing is not installed on this server yet. Tell the unit's IT support.")
    return module


def pdf(content: bytes, filename: str):
    """A printout shown in the browser's PDF viewer, ready to print. A page that records the
    printing (a label) declares that it writes (work.page); its record is committed with the
    answer."""
    return file_response(content, "application/pdf", filename)
