"""People and reasons in plain words: near misses (page and PDF) and a bottle's history name the
nurse, the baby with the MRN, the reason and the place, never bare codes and usernames."""

from __future__ import annotations

import html as markup
import re

import pypdfium2

from tests.web.seed import PASSWORD


def words(pages, answer) -> str:
    return markup.unescape(pages.text(answer))


def block(answer, opening: str, closing: str) -> list[str]:
    """The words of each element that opens with `opening` (up to its `closing` tag)."""
    html = answer.get_data(as_text=True)
    found = re.findall(re.escape(opening) + r"(.*?)" + re.escape(closing), html, re.S)
    return [" ".join(markup.unescape(re.sub(r"<[^>]+>", " ", part)).split()) for part in found]


def pdf_words(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    try:
        return " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in document)
    finally:
        document.close()


def stopped_attempts(as_user, unit):
    """Nurse Nina Park scans Ava's wristband with Noah's milk, then an unknown wristband."""
    other = unit.receive("INF300")
    nurse = as_user("nina")
    nurse.post("/scan", {"scan": "INF100", "infant_code": "", "container_code": ""})
    answer = nurse.post("/scan", {"scan": other, "infant_code": "INF100", "container_code": ""})
    assert 'data-verdict="stop"' in answer.get_data(as_text=True)
    nurse.post("/scan", {"scan": "SMUDGED-BAND", "infant_code": "", "container_code": other})
    return other


def test_near_misses_name_the_reason_the_nurse_and_the_baby(as_user, unit):
    bottle = stopped_attempts(as_user, unit)
    charge = as_user("cara")
    page = charge.get("/charge/near-misses")
    rows = block(page, "<tr data-attempt>", "</tr>")
    assert len(rows) == 2
    wrong_baby = next(row for row in rows if "Ava Nguyen" in row)
    assert "Another baby's milk." in wrong_baby
    assert "labelled for another baby (MRN INF300)" in wrong_baby  # the reason's own text
    assert "Ava Nguyen MRN INF100" in wrong_baby and "Nina Park" in wrong_baby
    assert bottle in wrong_baby
    unknown = next(row for row in rows if "SMUDGED-BAND" in row)
    assert "Wristband not on record." in unknown and "Not recognised" in unknown
    for row in rows:
        assert not re.search(r"\bnina\b", row) and "WRONG_INFANT" not in row
    assert "1 Another baby's milk" in " ".join(block(page, '<ul class="reason-counts"', "</ul>"))

    dashboard = charge.get("/charge/")
    [latest, _] = sorted(
        block(dashboard, "<li data-attempt>", "</li>"), key=lambda row: "Ava" not in row
    )
    assert "Another baby's milk" in latest and "Ava Nguyen (MRN INF100)" in latest
    assert "Nina Park" in latest and not re.search(r"\bnina\b", latest)
    assert "WRONG_INFANT" not in words(charge, dashboard)


def test_the_near_miss_report_pdf_names_them_too(as_user, unit):
    stopped_attempts(as_user, unit)
    report = as_user("cara").get("/charge/near-misses.pdf")
    assert report.status_code == 200 and report.mimetype == "application/pdf"
    text = pdf_words(report.data)
    for expected in (
        "Nina Park",
        "Ava Nguyen · MRN INF100",
        "Another baby's milk (WRONG_INFANT)",
        "labelled for another baby",
        "not recognised: SMUDGED-BAND",
        "Time Nurse Verdict Reasons Baby",
    ):
        assert expected in text, expected
    assert not re.search(r"\bnina\b", text)


def test_a_bottles_history_names_places_and_people(as_user, unit):
    code = unit.receive("INF100", location="FR1-S1", volume=60)
    nurse = as_user("nina")
    typed = nurse.post(
        "/scan/typed",
        {
            "infant_code": "INF100",
            "container_code": "",
            "typed_code": code,
            "witness_username": "noor",
            "witness_password": PASSWORD,
        },
    )
    assert 'data-verdict="go"' in typed.get_data(as_text=True)
    fed = nurse.post(
        "/scan/feed", {"infant_code": "INF100", "container_code": code, "volume_ml": "10"}
    )
    assert fed.status_code == 302
    moved = as_user("noor").post(f"/milk/c/{code}/move", {"move-location_code": "FR1-S2"})
    assert moved.status_code == 302
    history = block(nurse.get(f"/milk/c/{code}"), "<li data-event=", "</li>")
    received, fed_line, moved_line = history[-1], history[-2], history[0]
    assert "Received" in received and "Milk fridge 1 / Top shelf" in received
    assert "Nina Park" in received
    assert "10 mL to Ava Nguyen (MRN INF100)" in fed_line
    assert "witnessed by Noor Haddad" in fed_line and "Nina Park" in fed_line
    assert "Moved" in moved_line and "Milk fridge 1 / Bottom shelf" in moved_line
    assert "Noor Haddad" in moved_line
    for line in history:
        assert not re.search(r"\b(nina|noor|FR1-S1|FR1-S2|refrigerator)\b", line), line
