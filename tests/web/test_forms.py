"""Forms show their mistakes, and every time is on the 24-hour clock.

A failed submit lists every mistake at the top (the error summary), each linking to its field,
and marks each field (aria-invalid, aria-describedby pointing at its message). Times are a date
picker and a time typed as HH:MM, read on the unit's clock; AM/PM is refused, saying the
24-hour time meant.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from nicu_milk.extensions import db
from nicu_milk.models import Container
from nicu_milk.runtime import now, zone
from nicu_milk.web.forms import read_clock

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None]):
        self.tag, self.attrs, self.text = tag, attrs, ""


class Page(HTMLParser):
    """The page's elements, each with its attributes and the text inside it."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element.text += data

    def by_id(self, element_id: str) -> Element | None:
        return next((e for e in self.elements if e.attrs.get("id") == element_id), None)

    def having(self, attribute: str) -> list[Element]:
        return [e for e in self.elements if attribute in e.attrs]


def check_summary(answer) -> tuple[Page, list[str]]:
    """The page's error summary is whole and true; the ids its lines link to."""
    page = Page(answer.get_data(as_text=True))
    [summary] = page.having("data-error-summary")
    assert summary.attrs.get("tabindex") == "-1"  # the script moves focus to it
    inside = Page(
        answer.get_data(as_text=True).split("data-error-summary", 1)[1].split("</ul>", 1)[0]
    )
    targets = [link.attrs["href"][1:] for link in inside.having("data-error-link")]
    assert len(inside.elements) > 1, "an error summary that lists nothing"
    # Each line links to a field that is marked invalid and described by its message.
    for target in targets:
        field = page.by_id(target)
        assert field is not None, f"the summary links to #{target}, which is not on the page"
        assert field.attrs.get("aria-invalid") == "true", target
        described = (field.attrs.get("aria-describedby") or "").split()
        messages = [page.by_id(ref) for ref in described]
        assert any(
            m is not None and "error" in (m.attrs.get("class") or "") and m.text.strip()
            for m in messages
        ), f"#{target} is not described by its error message"
    # Each message beside a field is in the summary, linked.
    for message in page.having("data-error-for"):
        error_id = message.attrs.get("id")
        fields = [
            e for e in page.elements if error_id in (e.attrs.get("aria-describedby") or "").split()
        ]
        assert fields, f"nothing points at the message {error_id}"
        assert any(f.attrs.get("id") in targets for f in fields), (
            f"the summary does not link to the field of {error_id}"
        )
    return page, targets


def fields_of(targets: list[str]) -> set[str]:
    return {target.removesuffix("-0") for target in targets}


# --- every form's failed submit --------------------------------------------------------------


def test_signing_in_shows_its_mistakes(pages):
    pages.get("/login")
    _, targets = check_summary(pages.post("/login", {"username": "", "password": ""}))
    assert fields_of(targets) == {"username", "password"}
    wrong = pages.post("/login", {"username": "nina", "password": "not it"})
    assert wrong.status_code == 401
    page, targets = check_summary(wrong)
    assert (
        targets == []
        and "username or password is wrong" in page.having("data-error-summary")[0].text
    )


def drop_off(rows: dict[int, dict]) -> dict:
    """The drop-off form as a browser sends it: all six rows, empty ones included."""
    sent = {}
    for number in range(6):
        row = rows.get(number, {})
        sent[f"bottles-{number}-expressed_at"] = row.get("expressed_at", ["", ""])
        sent[f"bottles-{number}-volume_ml"] = row.get("volume_ml", "")
    return sent


def staff_forms(unit) -> list[tuple[str, str, dict, set[str]]]:
    """(user, address, what is sent, the fields the summary must link to)."""
    fresh = unit.receive("INF100")
    [reserved] = unit.reserve("INF200")
    return [
        (
            "nina",
            "/scan/feed",
            {
                "infant_code": "INF100",
                "container_code": fresh,
                "volume_ml": "",
                "fed_at": ["2026-11-01", "25:00"],
            },
            {"volume_ml", "fed_at"},
        ),
        (
            "nina",
            "/scan/typed",
            {"infant_code": "INF100", "container_code": ""},
            {"typed_code", "witness_username", "witness_password"},
        ),
        (
            "nina",
            "/milk/new",
            {"milk_type": "DHM"},
            {
                "infant",
                "expressed_at",
                "volume_ml",
                "location_code",
                "donor_lot",
                "donor_expires_at",
            },
        ),
        (
            "nina",
            f"/milk/receive/{reserved}",
            {"expressed_at": ["", "07:30"]},
            {"expressed_at", "volume_ml", "location_code"},
        ),
        (
            "nina",
            f"/milk/c/{fresh}/move",
            {"move-at": ["2026-11-01", "6 pm"]},
            {"move-location_code", "move-at"},
        ),
        (
            "nina",
            f"/milk/c/{fresh}/fortify",
            {"fortify-kcal_per_oz": "lots"},
            {"fortify-product", "fortify-kcal_per_oz"},
        ),
        ("nina", f"/milk/c/{fresh}/split", {}, {"split-volumes"}),
        ("nina", f"/milk/c/{fresh}/combine", {}, {"combine-others", "combine-location_code"}),
        ("nina", f"/milk/c/{fresh}/hold", {}, {"hold-reason"}),
        ("nina", f"/milk/c/{fresh}/discard", {}, {"discard-reason"}),
        (
            "cara",
            "/charge/babies",
            {},
            {
                "mrn",
                "first_name",
                "last_name",
                "date_of_birth",
                "mother_mrn",
                "mother_first_name",
                "mother_last_name",
            },
        ),
        ("cara", "/charge/babies/INF100", {"daily_volume_ml": "a lot"}, {"daily_volume_ml"}),
        ("cara", "/charge/babies/INF100/mother/hold", {}, {"reason"}),
        ("ada", "/admin/users", {"role": "nurse"}, {"username", "password"}),
        ("ada", "/admin/users/nina/password", {"password": "short"}, {"password"}),
        ("ada", "/admin/users/linh/link", {}, {"infant_mrn"}),
        ("ada", "/admin/locations", {}, {"code", "name"}),
        (
            "linh",
            "/family/INF100/drop-off",
            drop_off({0: {"volume_ml": "60"}, 2: {"expressed_at": ["2026-11-01", "6:30 PM"]}}),
            {"bottles-0-expressed_at", "bottles-2-expressed_at", "bottles-2-volume_ml"},
        ),
        ("linh", "/family/INF100/labels", {"count": "0"}, {"count"}),
    ]


def test_every_form_lists_its_mistakes_at_the_top_and_marks_each_field(as_user, unit):
    browsers = {}
    for username, path, sent, expected in staff_forms(unit):
        browser = browsers.setdefault(username, as_user(username))
        answer = browser.post(path, sent)
        assert answer.status_code == 400, (path, answer.status_code)
        _, targets = check_summary(answer)
        assert fields_of(targets) == expected, path
    assert (
        db.session.scalars(
            select(Container).where(
                Container.state == "reserved", Container.infant.has(mrn="INF100")
            )
        ).all()
        == []
    )


def test_an_unticked_warning_is_in_the_summary(as_user, unit):
    twin_milk = unit.receive("INF201")
    nurse = as_user("nina")
    answer = nurse.post(
        "/scan/feed", {"infant_code": "INF200", "container_code": twin_milk, "volume_ml": "10"}
    )
    assert answer.status_code == 409
    page, targets = check_summary(answer)
    assert targets == ["acknowledge-1"]
    assert page.by_id("acknowledge-1").attrs.get("value") == "SIBLING"


def test_get_forms_show_their_mistakes_too(as_user, unit):
    charge = as_user("cara")
    _, targets = check_summary(charge.get("/charge/?within_hours=abc"))
    assert targets == ["within_hours"]
    answer = charge.get(
        "/charge/near-misses",
        query_string=[
            ("since", "2026-11-20"),
            ("since", "18:00"),
            ("until", "2026-11-19"),
            ("until", "7"),
        ],
    )
    assert answer.status_code == 400
    _, targets = check_summary(answer)
    assert targets == ["until"]


def test_a_page_without_mistakes_has_no_summary(as_user, unit):
    nurse = as_user("nina")
    for path in ("/scan", "/milk/new", "/charge/babies"):
        assert Page(nurse.get(path).get_data(as_text=True)).having("data-error-summary") == []


# --- one clock --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("18:30", dt.time(18, 30)),
        ("1830", dt.time(18, 30)),
        ("18.30", dt.time(18, 30)),
        ("18h30", dt.time(18, 30)),
        (" 6:05 ", dt.time(6, 5)),
        ("0605", dt.time(6, 5)),
        ("00:00", dt.time(0, 0)),
        ("23:59", dt.time(23, 59)),
        ("07:30:15", dt.time(7, 30, 15)),
    ],
)
def test_a_time_on_the_24_hour_clock_is_read(typed, meant):
    assert read_clock(typed) == meant


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("6:30 PM", "Use the 24-hour clock: 18:30 for 6:30 PM."),
        ("6:30pm", "Use the 24-hour clock: 18:30 for 6:30pm."),
        ("12:15 a.m.", "Use the 24-hour clock: 00:15 for 12:15 a.m."),
        ("12:15 PM", "Use the 24-hour clock: 12:15 for 12:15 PM."),
        (
            "13:00 PM",
            "Use the 24-hour clock. Enter the time on the 24-hour clock, as hours and "
            "minutes, for example 18:30.",
        ),
        ("24:00", "for example 18:30"),
        ("18:60", "for example 18:30"),
        ("noon", "for example 18:30"),
        ("1", "for example 18:30"),
        ("18:30:75", "for example 18:30"),
    ],
)
def test_anything_else_is_refused_with_an_example_in_the_fields_format(typed, message):
    with pytest.raises(ValueError) as refused:
        read_clock(typed)
    assert message in str(refused.value)


@given(st.times())
def test_every_time_reads_back_as_written(moment):
    whole = moment.replace(microsecond=0)
    assert read_clock(whole.strftime("%H:%M")) == whole.replace(second=0)
    assert read_clock(whole.strftime("%H%M")) == whole.replace(second=0)
    assert read_clock(whole.strftime("%H:%M:%S")) == whole


def test_a_date_and_a_time_are_read_on_the_units_clock(as_user, unit):
    [code] = unit.reserve("INF200")
    moment = (now() - dt.timedelta(hours=5)).replace(second=0, microsecond=0)
    local = moment.astimezone(zone())
    answer = as_user("nina").post(
        f"/milk/receive/{code}",
        {
            "expressed_at": [local.strftime("%Y-%m-%d"), local.strftime("%H%M")],
            "volume_ml": "30",
            "location_code": "FR1-S1",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    stored = db.session.scalars(select(Container.expressed_at).where(Container.code == code)).one()
    assert stored == moment


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        (["2026-11-01", "6:30 PM"], "Use the 24-hour clock: 18:30 for 6:30 PM."),
        (["", "18:30"], "Enter the date as well as the time."),
        (["2026-11-01", ""], "Enter the time as well. Enter the time on the 24-hour clock"),
        (["2026-02-30", "10:00"], "Enter a whole date: day, month and year."),
        (["0001-01-01", "10:00"], "Check the year"),
        # The unit's clock skips 02:00 to 03:00 on 8 March 2026 (America/Chicago).
        (["2026-03-08", "02:30"], "02:30 does not exist on 8 Mar 2026 on the unit's clock"),
    ],
)
def test_a_time_that_cannot_be_right_says_why_beside_the_field(as_user, unit, sent, message):
    answer = as_user("linh").post(
        "/family/INF100/drop-off", drop_off({0: {"expressed_at": sent, "volume_ml": "40"}})
    )
    assert answer.status_code == 400
    page, targets = check_summary(answer)
    assert targets == ["bottles-0-expressed_at"]
    error = page.by_id("bottles-0-expressed_at-error")
    assert message in " ".join(error.text.replace("&#39;", "'").split())
    # What was typed stays, so that it can be corrected.
    assert page.by_id("bottles-0-expressed_at").attrs["value"] == sent[0]
    assert page.by_id("bottles-0-expressed_at-time").attrs["value"] == sent[1]


def test_time_fields_are_a_date_and_a_24_hour_time_everywhere(as_user, unit):
    code = unit.receive("INF100")
    nurse, parent = as_user("nina"), as_user("linh")
    answers = {
        "the feed": nurse.post("/scan", {"scan": code, "infant_code": "INF100"}),
        **{
            path: nurse.get(path)
            for path in ("/milk/new", f"/milk/c/{code}", "/charge/near-misses")
        },
        "the drop-off": parent.get("/family/INF100/drop-off"),
    }
    for path, answer in answers.items():
        html = answer.get_data(as_text=True)
        assert 'type="datetime-local"' not in html and 'type="time"' not in html, path
        page = Page(html)
        clocks = page.having("data-clock")
        assert clocks, path
        for clock in clocks:
            assert clock.attrs["placeholder"] == "HH:MM"
            assert clock.attrs["pattern"].startswith("([01]?[0-9]|2[0-3])")
            date = page.by_id(clock.attrs["id"].removesuffix("-time"))
            assert date.attrs["type"] == "date" and date.attrs["name"] == clock.attrs["name"]
