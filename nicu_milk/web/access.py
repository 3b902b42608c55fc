"""Who may open a page, and how a page answers with a printout."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import abort
from flask_login import current_user, login_required

from ..models import User
from ..security import file_response
from ..vocabulary import STAFF

ROLE_PAGES = {
    STAFF: "unit staff",
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


def pdf(content: bytes, filename: str):
    """A printout shown in the browser's PDF viewer, ready to print. A page that records the
    printing (a label) declares that it writes (work.page); its record is committed with the
    answer."""
    return file_response(content, "application/pdf", filename)
