"""One unit of work per page request: each view says whether it writes, and its transaction
ends here, nowhere else in the pages.

A view declares it with ``@page(writes=...)``, as the API's routes do with ``endpoint``:

- ``writes=False`` (the default): the page only reads. It starts a plain transaction, which on
  SQLite never waits for the unit's single write lock, and whatever it did is rolled back.
- ``writes=True``: every request to the view may write, a GET included (a label PDF records
  that the label was printed). It starts as a writer (BEGIN IMMEDIATE on SQLite, see
  database.py), so that two nurses acting on one bottle queue rather than both reading the
  same remaining volume, and its work is committed once the view has returned.
- ``writes=("POST",)``: a page that shows its form on GET and records it on POST.

When a service refuses (a DomainError), the view either lets it go to the error page (the
app's handler undoes the work) or shows the form again with the message: ``refuse(error)``
undoes the work at once, keeping only what the refusal itself records (a wrong witness
password), so that the page drawn next shows the records as they are. What the view returns
after that is still committed: a bedside feed the check refused is kept as a near miss.

The declaration is read before the view runs (see ``begin``), because the signed-in user is
loaded, and so the transaction begun, before any view code.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection

from flask import Flask, request

from ..database import write_intent
from ..errors import DomainError, keep_refused
from ..extensions import db

ATTRIBUTE = "page_writes"
EVERY_METHOD = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})


def page(*, writes: bool | Collection[str] = False) -> Callable:
    """Declare how a page's request uses the database, and end its transaction (see above)."""
    methods = (
        EVERY_METHOD if writes is True else frozenset() if writes is False else frozenset(writes)
    )

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def run(*args, **kwargs):
            answer = view(*args, **kwargs)
            if request.method in methods:
                db.session.commit()
            else:
                db.session.rollback()
            return answer

        setattr(run, ATTRIBUTE, methods)
        return run

    return wrap


def writes(view: Callable | None, method: str) -> bool:
    """Whether a request with `method` to `view` starts as a writer; an undeclared view does not."""
    return method in getattr(view, ATTRIBUTE, frozenset())


def begin(view: Callable | None, method: str) -> None:
    """Set how the request's transaction will start, before anything reads."""
    write_intent.set(writes(view, method))


def refuse(error: DomainError) -> None:
    """A service refused: undo this request's work now, keeping what the refusal records."""
    keep_refused(db.session, error)


def abandon() -> None:
    """The request is refused before its view ran (a stale form): nothing of it is kept."""
    db.session.rollback()


def check_declared(app: Flask, blueprints: Collection[str]) -> None:
    """Every page says whether it writes: an undeclared one would start as a reader and have
    its writes rolled back. Checked at start-up, so a new page cannot forget it."""
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint.partition(".")[0] in blueprints and not hasattr(view, ATTRIBUTE)
    ]
    if missing:
        raise RuntimeError(
            f"Pages without @page(writes=...) in nicu_milk/web: {', '.join(sorted(missing))}."
        )
