"""What a hostile or careless browser sends to the pages' forms: a post without its CSRF token
(every form), a body too large, invisible and control characters in identifiers and names, and
a session cookie saved before signing out. Each is refused with a 4xx (or sent to sign in), says
why, and changes nothing."""

from __future__ import annotations

import pytest

from tests.api.conftest import snapshot

from .conftest import Pages

# Values for the variable parts of the pages' addresses.
ADDRESS_VALUES = {
    "mrn": "INF100",
    "username": "noor",
    "action": "hold",
    "change": "hold",
    "code": None,
    # No excursion need exist: CSRF is refused before anything is looked up.
    "excursion_id": 1,
}


def _form_routes(app) -> list[tuple[str, dict]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith(("/api/", "/static/")):
            continue
        routes.append((rule.endpoint, rule))
    return sorted(routes, key=lambda item: item[1].rule)


def _url(rule, code: str) -> str:
    values = {name: (code if name == "code" else ADDRESS_VALUES[name]) for name in rule.arguments}
    if rule.endpoint == "admin.set_active":
        values["change"] = "deactivate"
    return rule.build(values, append_unknown=False)[1]


def test_every_form_refuses_a_post_without_its_csrf_token(app, unit, as_user):
    code = unit.receive("INF100")
    admin, parent = as_user("ada"), as_user("linh")
    routes = _form_routes(app)
    assert len(routes) >= 15, [rule.rule for _, rule in routes]
    before = snapshot()
    for endpoint, rule in routes:
        browser = parent if endpoint.startswith("family.") else admin
        url = _url(rule, code)
        for token in (None, "forged-token", "x" * 5000):
            data = {"csrf_token": token} if token else {}
            answer = browser.post(url, data, csrf=False)
            assert answer.status_code == 400, (url, token, answer.status_code)
            assert "out of date" in browser.text(answer), url
    assert snapshot() == before


def test_a_form_body_over_the_limit_is_refused(app, unit, as_user):
    nurse = as_user("nina")
    before = snapshot()
    limit = app.config["MAX_CONTENT_LENGTH"]
    answer = nurse.post("/charge/babies", {"mrn": "INF700", "first_name": "A" * limit})
    assert answer.status_code == 413
    assert snapshot() == before


ADMISSION = {
    "mrn": "INF700",
    "first_name": "Noa",
    "last_name": "Berg",
    "date_of_birth": "2026-11-27",
    "mother_mrn": "MOM700",
    "mother_first_name": "Ida",
    "mother_last_name": "Berg",
}


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("mrn", "INF\u200b700", "invisible character (U+200B ZERO WIDTH SPACE)"),
        ("mrn", "INF 700", "must not contain spaces"),
        ("mrn", "INF\x07700", "control characters"),
        ("mother_mrn", "MOM\u2060700", "invisible character (U+2060 WORD JOINER)"),
        ("wristband_code", "WB\u200d1", "invisible character (U+200D ZERO WIDTH JOINER)"),
        ("first_name", "\u200b\u200b", "invisible character"),
        ("last_name", "42", "needs at least one letter"),
        ("mother_first_name", "\u3164", "invisible character (U+3164 HANGUL FILLER)"),
        ("date_of_birth", "1990-01-01", "not plausible"),
    ],
)
def test_the_admission_form_refuses_invisible_and_implausible_values(as_user, field, value, says):
    nurse = as_user("nina")
    before = snapshot()
    answer = nurse.post("/charge/babies", {**ADMISSION, field: value})
    assert answer.status_code == 400, answer.status_code
    assert says in nurse.text(answer)
    assert snapshot() == before
    assert nurse.post("/charge/babies", ADMISSION).status_code == 302


@pytest.mark.parametrize(
    ("form", "url", "fields"),
    [
        (
            "location",
            "/admin/locations",
            {"code": "FR\u200b9", "name": "Fridge 9", "kind": "refrigerator"},
        ),
        ("location", "/admin/locations", {"code": "FR9", "name": "\u200b", "kind": "refrigerator"}),
        (
            "user",
            "/admin/users",
            {"username": "new\u200bnurse", "role": "nurse", "password": "long enough pw"},
        ),
        (
            "user",
            "/admin/users",
            {
                "username": "newnurse",
                "role": "nurse",
                "badge_code": "B\u200b1",
                "password": "long enough pw",
            },
        ),
        (
            "user",
            "/admin/users",
            {
                "username": "newnurse",
                "role": "nurse",
                "display_name": "\u200b",
                "password": "long enough pw",
            },
        ),
    ],
)
def test_admin_forms_refuse_invisible_identifiers_and_names(as_user, form, url, fields):
    admin = as_user("ada")
    before = snapshot()
    answer = admin.post(url, fields)
    assert answer.status_code == 400, (fields, answer.status_code)
    assert "invisible character" in admin.text(answer)
    assert snapshot() == before


def test_a_donor_lot_with_an_invisible_character_is_refused(as_user):
    nurse = as_user("nina")
    before = snapshot()
    answer = nurse.post(
        "/milk/new",
        {
            "infant": "INF200",
            "milk_type": "DHM",
            "donor_lot": "LOT\u200b7",
            "volume_ml": "30",
            "expressed_at": "2026-11-28T10:00",
            "donor_expires_at": "2027-06-01T10:00",
            "location_code": "FR1",
        },
    )
    assert answer.status_code == 400
    assert "invisible character" in nurse.text(answer)
    assert snapshot() == before


def test_a_form_posted_with_a_cookie_from_before_sign_out_changes_nothing(app, unit, as_user):
    nurse = as_user("nina")
    saved = nurse.client.get_cookie("session").value
    token = nurse.csrf
    nurse.post("/logout")
    before = snapshot()
    replay = Pages(app.test_client())
    replay.client.set_cookie("session", saved)
    answer = replay.post("/charge/babies", {**ADMISSION, "csrf_token": token}, csrf=False)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    assert snapshot() == before
