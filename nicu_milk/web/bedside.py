"""/scan: the bedside check. Scan the wristband and the bottle in either order, then feed.

The pair being checked travels in the page (two hidden fields) and is resolved again on every
request, so nothing the browser sends is trusted. A code typed in by hand needs a second nurse
(two-person check); that witness is kept in the signed session beside the code it vouches for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import InputRequired, Length, Optional

from .. import codes
from ..checks import Verdict
from ..errors import InvalidInput, NotFound, TooManyAttempts
from ..extensions import db
from ..models import Container, Infant, User
from ..runtime import sign_in_attempt, sign_in_limits, unit
from ..services import feeding
from ..services.families import infant_by_wristband
from ..services.storage import find_container, get_location
from . import work
from .access import STAFF, allow, me
from .display import from_local, ml
from .forms import LocalTimeField, VolumeField, not_in_future, printable, show_domain_error

bp = Blueprint("bedside", __name__)

MAX_SCAN = 64  # the longest code the unit issues or stores
WITNESS_KEY = "scan_witness"


class TypedForm(FlaskForm):
    """A damaged barcode typed in by hand, confirmed by a second nurse."""

    typed_code = StringField(
        "Code on the damaged label or wristband",
        [
            InputRequired("Type the code printed under the barcode."),
            Length(max=MAX_SCAN, message=f"A code has at most {MAX_SCAN} characters."),
            printable,
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    witness_username = StringField(
        "Second nurse: username or badge",
        [
            InputRequired("The second nurse enters their username or scans their badge."),
            Length(max=100),
            printable,
        ],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        render_kw={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"},
    )
    witness_password = PasswordField(
        "Second nurse: password",
        [
            InputRequired("The second nurse types their password."),
            Length(max=200),
        ],
        render_kw={"autocomplete": "off"},
    )


class FeedForm(FlaskForm):
    volume_ml = VolumeField("Volume to feed (mL)")
    finished = BooleanField("Bottle finished: discard what is left")
    fed_at = LocalTimeField("Fed earlier? When (leave empty for now)", [Optional(), not_in_future])


@dataclass
class Problem:
    """A single scan that did not resolve: said at once, and the scan box stays ready."""

    code: str
    message: str


@dataclass
class Page:
    infant_code: str = ""
    container_code: str = ""
    infant: Infant | None = None
    container: Container | None = None
    verdict: Verdict | None = None
    problem: Problem | None = None
    notice: str | None = None
    witness: User | None = None
    typed_codes: list[str] = field(default_factory=list)
    ack_error: str | None = None
    # The answer to a new scan (or a feed the check refused) sounds its tone on the device;
    # the same verdict shown again, say beside a form's mistake, stays quiet.
    sound: bool = False


# --- reading scans --------------------------------------------------------------------------


def _clean(text: str | None) -> str | None:
    """The scanned text, trimmed; None when it cannot be a code of ours at all."""
    text = (text or "").strip()
    if len(text) > MAX_SCAN or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return None
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        return None
    return text


def _not_recognised(text: str) -> Problem:
    shown = text if len(text) <= 40 else text[:40] + "…"
    if codes.looks_like_container(text):
        return Problem(
            "INVALID_CODE",
            f"{shown!r} is not a valid milk label: its check digits do not match. "
            "Scan the label again. If the barcode is damaged, use “Barcode "
            "damaged?” below, with a second nurse as witness.",
        )
    try:
        place = get_location(db.session, text)
    except NotFound:
        place = None
    if place is not None:
        return Problem(
            "UNKNOWN_INFANT",
            f"That is the label of a storage place ({place.path}), not a wristband. "
            "Scan the baby's wristband.",
        )
    return Problem(
        "UNKNOWN_INFANT",
        f"No baby with wristband code {shown!r} is on record. Check that you scanned "
        "the baby's wristband, and ask the charge nurse if the baby is not registered.",
    )


def _unknown_bottle(code: str) -> Problem:
    return Problem(
        "UNKNOWN_BOTTLE",
        f"No milk container {code!r} is on record. Do not feed it; take it to the "
        "milk room or the charge nurse.",
    )


def _place(page: Page, text: str) -> bool:
    """Put a scan in its slot: a container code goes with the bottle, anything else is a baby.

    False when the scan was set aside instead: something unknown scanned over a baby already
    shown says so and leaves the pair as it was.
    """
    read = codes.read_scan(text)
    if read.container_shaped:
        page.container_code = read.text  # "m0000001262" is M0000001262
        return True
    if page.infant_code and page.infant_code != text:
        current = infant_by_wristband(db.session, page.infant_code)
        if current is not None:
            if infant_by_wristband(db.session, text) is None:
                page.problem = _not_recognised(text)
                return False
            # A new baby starts a new pair: the last baby's bottle does not carry over.
            page.container_code = ""
            page.notice = "New baby scanned: scan the bottle for this baby."
    page.infant_code = text
    return True


def _witness(page: Page) -> feeding.Witness | None:
    """The second nurse who vouched for a typed code still in the pair, if any."""
    stored = session.get(WITNESS_KEY)
    if not isinstance(stored, dict):
        return None
    in_pair = {page.infant_code, page.container_code} - {""}
    typed = [code for code in stored.get("codes", []) if code in in_pair]
    if not typed:
        session.pop(WITNESS_KEY, None)
        return None
    if typed != stored.get("codes"):
        session[WITNESS_KEY] = {**stored, "codes": typed}
    witness = feeding.witness_by_id(db.session, stored.get("user_id"))
    if witness is None:
        session.pop(WITNESS_KEY, None)
        return None
    page.witness = witness.user
    page.typed_codes = typed
    return witness


def _resolve(page: Page, *, record: bool) -> None:
    """Show what each slot holds; with both filled, run the check (recording a near miss)."""
    witness = _witness(page)
    if page.infant_code and page.container_code:
        if record:
            result = feeding.check(
                db.session, unit(), me(), page.infant_code, page.container_code, witness
            )
        else:
            result = feeding.scan(db.session, unit(), page.infant_code, page.container_code)
        page.infant, page.container, page.verdict = result.infant, result.container, result.verdict
        return
    if page.infant_code:
        page.infant = infant_by_wristband(db.session, page.infant_code)
        if page.infant is None:
            page.problem = _not_recognised(page.infant_code)
            page.infant_code = ""
    elif page.container_code:
        code = codes.parse_container_code(page.container_code)
        if code is None:
            page.problem = _not_recognised(page.container_code)
        else:
            page.container = find_container(db.session, code)
            if page.container is None:
                page.problem = _unknown_bottle(code)
        if page.container is None:
            page.container_code = ""


def _pair_from(form) -> Page:
    return Page(
        infant_code=_clean(form.get("infant_code")) or "",
        container_code=_clean(form.get("container_code")) or "",
    )


def _render(
    page: Page,
    *,
    feed_form: FeedForm | None = None,
    typed_form: TypedForm | None = None,
    status: int = 200,
):
    return render_template(
        "bedside/scan.html",
        page=page,
        feed_form=feed_form or FeedForm(formdata=None),
        typed_form=typed_form or TypedForm(formdata=None),
    ), status


# --- routes ---------------------------------------------------------------------------------


@bp.route("/scan", methods=["GET"])
@allow(*STAFF)
@work.page()
def scan():
    session.pop(WITNESS_KEY, None)
    return _render(Page())


@bp.route("/scan", methods=["POST"])
@allow(*STAFF)
@work.page(writes=True)
def scan_post():
    page = _pair_from(request.form)
    raw = request.form.get("scan", "")
    text = _clean(raw)
    if text is None:
        page.problem = Problem(
            "INVALID_CODE",
            "That scan is not a code of ours (it is too long or holds "
            "invisible characters). Scan the wristband or the bottle again.",
        )
        _resolve(page, record=False)
        return _render(page, status=400)
    changed = False
    if not text:
        page.notice = "Nothing was scanned. Scan the baby's wristband or the bottle's label."
    elif request.form.get("entry") == "typed":
        page.problem = Problem(
            "TYPED_ENTRY",
            "That code looks typed by hand. Scan the barcode. If the barcode is damaged, use "
            "“Barcode damaged?” below: a second nurse must confirm the code.",
        )
    else:
        changed = _place(page, text)
    # Only a new scan is a new attempt; showing the same pair again records nothing.
    _resolve(page, record=changed)
    page.sound = changed or page.problem is not None
    return _render(page)


@bp.route("/scan/typed", methods=["POST"])
@allow(*STAFF)
@work.page(writes=True)
def typed():
    page = _pair_from(request.form)
    form = TypedForm()
    if not form.validate():
        _resolve(page, record=False)
        return _render(page, typed_form=form, status=400)
    try:
        witness = feeding.witness_for(
            db.session,
            me(),
            sign_in_attempt(form.witness_username.data, "witness", me()),
            form.witness_password.data,
            sign_in_limits(),
        )
    except (InvalidInput, TooManyAttempts) as refused:
        show_domain_error(
            form,
            refused,
            {
                "WITNESS_NOT_CONFIRMED": "witness_password",
                "TOO_MANY_ATTEMPTS": "witness_password",
                "WITNESS_SAME_USER": "witness_username",
                "WITNESS_NOT_STAFF": "witness_username",
            },
        )
        form.witness_password.data = ""
        _resolve(page, record=False)
        body, status = _render(page, typed_form=form, status=int(refused.status))
        answer = make_response(body, status)
        if isinstance(refused, TooManyAttempts):
            answer.headers["Retry-After"] = str(refused.retry_after)
        return answer
    code = codes.read_scan(form.typed_code.data).text
    placed = _place(page, code)
    if placed:
        stored = session.get(WITNESS_KEY)
        kept = (
            stored.get("codes", [])
            if isinstance(stored, dict) and stored.get("user_id") == witness.user.id
            else []
        )
        session[WITNESS_KEY] = {"user_id": witness.user.id, "codes": [*kept, code]}
    _resolve(page, record=placed)
    page.sound = True
    return _render(page)


@bp.route("/scan/feed", methods=["POST"])
@allow(*STAFF)
@work.page(writes=True)
def feed():
    page = _pair_from(request.form)
    form = FeedForm()
    if not (page.infant_code and page.container_code):
        page.notice = "Scan the baby's wristband and the bottle before recording a feed."
        _resolve(page, record=False)
        return _render(page, status=400)
    _resolve(page, record=False)
    valid = form.validate()
    if not valid and page.verdict.outcome != "stop":
        return _render(page, feed_form=form, status=400)
    # The service decides: it checks again under the bottle's lock and gives the feed only
    # if every warning it finds was ticked here. A refused feed is kept as a near miss, even
    # when the form had a mistake too (it is still an attempt to feed milk that must not be
    # given).
    witness = feeding.Witness(page.witness) if page.witness else None
    try:
        outcome = feeding.feed(
            db.session,
            unit(),
            me(),
            page.infant_code,
            page.container_code,
            form.volume_ml.data if valid else None,
            acknowledged=frozenset(request.form.getlist("acknowledge")),
            at=from_local(form.fed_at.data) if valid else None,
            finished=form.finished.data,
            witness=witness,
        )
    except InvalidInput as refused:
        show_domain_error(
            form,
            refused,
            {
                "VOLUME_REQUIRED": "volume_ml",
                "INVALID_VOLUME": "volume_ml",
                "VOLUME_EXCEEDS_REMAINING": "volume_ml",
                "FUTURE_TIME": "fed_at",
                "TIME_BEFORE_PREVIOUS_EVENT": "fed_at",
            },
        )
        _resolve(page, record=False)
        return _render(page, feed_form=form, status=400)
    if outcome.refused:
        page.infant, page.container = outcome.scan.infant, outcome.scan.container
        page.verdict = outcome.scan.verdict
        if page.verdict.outcome == "warn":
            page.ack_error = (
                "Tick each warning to confirm you have checked it, then record "
                "the feed. Nothing was fed."
            )
            return _render(page, feed_form=form, status=409)
        if valid:
            form.form_errors = ["Nothing was fed: the check now says stop."]
        page.sound = True
        return _render(page, feed_form=form, status=409)
    given = outcome.feed
    session.pop(WITNESS_KEY, None)
    finished = given.container.state == "consumed"
    left = given.container.remaining_ml
    flash(
        f"Feed recorded: {ml(given.volume_ml)} from {given.container.code} to "
        f"{page.infant.full_name} (MRN {page.infant.mrn}). "
        + ("The bottle is finished." if finished else f"{ml(left)} left in the bottle."),
        "success",
    )
    return redirect(url_for("bedside.scan"))
