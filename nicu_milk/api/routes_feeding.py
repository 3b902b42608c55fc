"""The bedside check and feeds."""

from flask import current_app, g

from ..database import write_from_here
from ..errors import InvalidInput
from ..extensions import db
from ..runtime import sign_in_attempt, sign_in_limits, unit
from ..services import feeding
from ..services.common import infant_for
from . import EVERYONE, STAFF, endpoint, error_body, serialize
from .responses import CheckOut, FeedList, FeedOut
from .schemas import FeedCheck, FeedCreate, FeedsQuery


def _witness(body: FeedCheck):
    if not body.manual_entry:
        if body.witness is not None:
            raise InvalidInput("UNEXPECTED_WITNESS", "A witness is only given for a typed-in code.")
        return None
    if body.witness is None:
        raise InvalidInput(
            "WITNESS_REQUIRED",
            "A code typed in by hand needs a second nurse as witness: give witness.username and "
            "witness.password.",
        )
    return feeding.witness_for(
        db.session,
        g.user,
        sign_in_attempt(body.witness.username, "witness", by_user=g.user),
        body.witness.password,
        sign_in_limits(),
    )


def _scan_view(result: feeding.Scan) -> dict:
    out = serialize.verdict(result.verdict)
    if result.container is not None:
        out["container"] = serialize.container(result.container, full=False)
    if result.infant is not None:
        out["infant"] = serialize.infant(result.infant)
    return out


@endpoint(
    "POST",
    "/feeds/check",
    "Check a bottle against a baby before a feed: go, warn or stop",
    roles=STAFF,
    body=FeedCheck,
    response=CheckOut,
    errors=(400, 401, 403, 429),
    tag="feeding",
    # A check reads; a warn or stop writes its near miss afterwards, in a transaction of its own.
    writes=False,
)
def check(body: FeedCheck):
    if body.manual_entry:
        # The witness's sign-in is recorded whatever the verdict (rare: a damaged barcode).
        write_from_here(db.session)
    result = feeding.bedside_check(
        db.session, unit(), g.user, body.infant_code, body.container_code, _witness(body)
    )
    return _scan_view(result)


@endpoint(
    "POST",
    "/feeds",
    "Record a feed (only on go, or warn with acknowledgement)",
    roles=STAFF,
    body=FeedCreate,
    response=FeedOut,
    status=201,
    errors=(400, 401, 403, 404, 409, 429),
    tag="feeding",
)
def give_feed(body: FeedCreate):
    outcome = feeding.feed(
        db.session,
        unit(),
        g.user,
        body.infant_code,
        body.container_code,
        body.volume_ml,
        # true: "I acknowledge the warnings I was shown" (api-v1.md), whichever they were.
        acknowledged=feeding.EVERY_WARNING if body.acknowledge_warnings else frozenset(),
        at=body.at,
        finished=body.finished,
        witness=_witness(body),
    )
    if outcome.refused:
        verdict = outcome.scan.verdict
        message = (
            "The check says stop: this milk must not be given."
            if verdict.outcome == "stop"
            else "The check gave warnings: acknowledge them (acknowledge_warnings) to feed."
        )
        code = "FEED_STOPPED" if verdict.outcome == "stop" else "WARNINGS_NOT_ACKNOWLEDGED"
        # The refused attempt is a near miss, so this answer commits it.
        return error_body(code, message, **_scan_view(outcome.scan)), 409
    db.session.flush()
    current_app.logger.info(
        "feed %s of %s ml from %s",
        outcome.feed.id,
        outcome.feed.volume_ml,
        outcome.feed.container.code,
    )
    return {
        "feed": serialize.feed(outcome.feed),
        "container": serialize.container(outcome.feed.container, full=False),
        **serialize.verdict(outcome.scan.verdict),
    }


@endpoint(
    "GET",
    "/feeds",
    "The feeds a baby was given",
    roles=EVERYONE,
    query=FeedsQuery,
    response=FeedList,
    tag="feeding",
)
def list_feeds(query: FeedsQuery):
    baby = infant_for(db.session, g.user, query.infant_mrn)
    return {"feeds": [serialize.feed(given) for given in feeding.feeds_for(db.session, baby)]}
