"""Who may use each address of the app: the expected answer for every route in the URL map, for
each kind of caller. test_access_matrix.py sends every cell as a real request and compares.

The callers, all about one baby (Ava Nguyen, MRN INF100) and her milk:

- anonymous: no session cookie, no API token;
- parent: Ava's parent, signed in (pages) or holding a token (API);
- other_parent: the parent of another family's babies (the Okafor twins);
- nurse, charge_nurse, admin: unit staff.

What an answer may be:

- OK: it was done or shown (2xx, or a redirect that is not to the sign-in page; signing out,
  which ends there, is OK because it did something);
- LOGIN: sign in first (a page redirects to /login; the API answers 401);
- DENIED: this role may not do this (403), whoever the baby is;
- NOT_FOUND: another family's baby or bottle is not found (404), exactly as one that does not
  exist, so that a parent learns nothing about other families (api-v1.md).

A route that is not in MATRIX fails the test until it is added here: access is decided by this
table, never by default.
"""

from __future__ import annotations

from typing import NamedTuple

OK = "OK"
LOGIN = "LOGIN"
DENIED = "DENIED"
NOT_FOUND = "NOT_FOUND"

CALLERS = ("anonymous", "parent", "other_parent", "nurse", "charge_nurse", "admin")


class Row(NamedTuple):
    anonymous: str
    parent: str
    other_parent: str
    nurse: str
    charge_nurse: str
    admin: str


# fmt: off
# Who may use an address, by kind of address.
#                    anonymous  parent  other_parent  nurse   charge  admin
# Open to anyone: signing in, the API's description, the static files.
PUBLIC =        Row(OK,        OK,     OK,           OK,     OK,     OK)
# Anyone signed in: their start page, who they are, signing out.
SIGNED_IN =     Row(LOGIN,     OK,     OK,           OK,     OK,     OK)
# The unit's staff: the bedside check, the milk room, the charge nurse's pages, reports.
STAFF =         Row(LOGIN,     DENIED, DENIED,       OK,     OK,     OK)
# Administrators only: accounts, storage places, the policy.
ADMIN =         Row(LOGIN,     DENIED, DENIED,       DENIED, DENIED, OK)
# A baby's records through the API: staff, and the baby's own parents. To another family's
# parents the baby does not exist.
FAMILY_RECORD = Row(LOGIN,     OK,     NOT_FOUND,    OK,     OK,     OK)
# The parents' pages about one baby: the baby's own parents only.
FAMILY_PAGE =   Row(LOGIN,     OK,     NOT_FOUND,    DENIED, DENIED, DENIED)
# Lists in which a parent sees their own babies only (checked: no other family shows).
FAMILY_LIST =   Row(LOGIN,     OK,     OK,           OK,     OK,     OK)
# A decision on milk the cold chain held: the charge nurse, and administrators.
CHARGE =        Row(LOGIN,     DENIED, DENIED,       DENIED, OK,     OK)
# Only a sensor gateway's token (role device), which is none of these callers.
DEVICE =        Row(LOGIN,     DENIED, DENIED,       DENIED, DENIED, DENIED)
# A parent's start page, listing their own babies.
FAMILY_HOME =   Row(LOGIN,     OK,     OK,           DENIED, DENIED, DENIED)

MATRIX: dict[tuple[str, str], Row] = {
    ("GET", "/"): SIGNED_IN,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): SIGNED_IN,
    ("GET", "/static/<path:filename>"): PUBLIC,

    # The bedside check.
    ("GET", "/scan"): STAFF,
    ("POST", "/scan"): STAFF,
    ("POST", "/scan/feed"): STAFF,
    ("POST", "/scan/typed"): STAFF,

    # The milk room.
    ("GET", "/milk/"): STAFF,
    ("GET", "/milk/new"): STAFF,
    ("POST", "/milk/new"): STAFF,
    ("GET", "/milk/receive/<code>"): STAFF,
    ("POST", "/milk/receive/<code>"): STAFF,
    ("GET", "/milk/c/<code>"): STAFF,
    ("POST", "/milk/c/<code>/<action>"): STAFF,
    ("GET", "/milk/c/<code>/label.pdf"): STAFF,
    ("POST", "/milk/c/<code>/send-label"): STAFF,
    ("GET", "/milk/where"): STAFF,
    ("GET", "/milk/locations"): STAFF,
    ("GET", "/milk/locations/<code>"): STAFF,

    # The charge nurse's pages (nurses may read and act on them too).
    ("GET", "/charge/"): STAFF,
    ("GET", "/charge/expiry.pdf"): STAFF,
    ("GET", "/charge/inventory.pdf"): STAFF,
    ("GET", "/charge/near-misses"): STAFF,
    ("GET", "/charge/near-misses.pdf"): STAFF,
    ("GET", "/charge/babies"): STAFF,
    ("POST", "/charge/babies"): STAFF,
    ("GET", "/charge/babies/<mrn>"): STAFF,
    ("POST", "/charge/babies/<mrn>"): STAFF,
    ("POST", "/charge/babies/<mrn>/mother/<any(hold, release):change>"): STAFF,
    ("GET", "/charge/discharge/<mrn>"): STAFF,
    ("POST", "/charge/discharge/<mrn>"): STAFF,
    ("GET", "/charge/discharge/<mrn>.pdf"): STAFF,
    ("POST", "/charge/discharge/<mrn>/<code>/<action>"): STAFF,

    # The parents' pages.
    ("GET", "/family/"): FAMILY_HOME,
    ("GET", "/family/<mrn>"): FAMILY_PAGE,
    ("GET", "/family/<mrn>/drop-off"): FAMILY_PAGE,
    ("POST", "/family/<mrn>/drop-off"): FAMILY_PAGE,
    ("GET", "/family/<mrn>/labels"): FAMILY_PAGE,
    ("POST", "/family/<mrn>/labels"): FAMILY_PAGE,
    ("GET", "/family/<mrn>/labels.pdf"): FAMILY_PAGE,
    ("GET", "/family/<mrn>/reprint"): FAMILY_PAGE,
    ("GET", "/family/<mrn>/take-home"): FAMILY_PAGE,
    ("GET", "/family/<mrn>/take-home.pdf"): FAMILY_PAGE,

    # Administration.
    ("GET", "/admin/"): ADMIN,
    ("GET", "/admin/users"): ADMIN,
    ("POST", "/admin/users"): ADMIN,
    ("GET", "/admin/users/<username>"): ADMIN,
    ("POST", "/admin/users/<username>/password"): ADMIN,
    ("POST", "/admin/users/<username>/<any(deactivate, activate):change>"): ADMIN,
    ("POST", "/admin/users/<username>/link"): ADMIN,
    ("POST", "/admin/users/<username>/unlink/<mrn>"): ADMIN,
    ("GET", "/admin/locations"): ADMIN,
    ("POST", "/admin/locations"): ADMIN,
    ("GET", "/admin/locations/<code>/barcode.svg"): ADMIN,
    ("GET", "/admin/locations/<code>/label"): ADMIN,
    ("GET", "/admin/policy"): ADMIN,
    ("GET", "/admin/audit"): ADMIN,

    # The cold chain: temperatures, sign-offs, excursions and the decisions on held milk.
    ("GET", "/temperatures/"): STAFF,
    ("POST", "/temperatures/<code>/sign-off"): STAFF,
    ("GET", "/temperatures/excursions/<int:excursion_id>"): STAFF,
    ("GET", "/temperatures/excursions/<int:excursion_id>/report.pdf"): STAFF,
    ("POST", "/temperatures/excursions/<int:excursion_id>/decision"): CHARGE,
    ("POST", "/api/v1/readings"): DEVICE,
    ("PATCH", "/api/v1/locations/<code>"): ADMIN,
    ("POST", "/api/v1/locations/<code>/sign-off"): STAFF,
    ("GET", "/api/v1/excursions"): STAFF,
    ("GET", "/api/v1/excursions/<excursion_id>"): STAFF,
    ("POST", "/api/v1/excursions/<excursion_id>/decision"): CHARGE,

    # The API: signing in, and who the token is.
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("DELETE", "/api/v1/auth/token"): SIGNED_IN,
    ("GET", "/api/v1/auth/me"): SIGNED_IN,
    ("GET", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users/<username>/revoke-tokens"): ADMIN,

    # Babies and mothers.
    ("GET", "/api/v1/infants"): FAMILY_LIST,
    ("POST", "/api/v1/infants"): STAFF,
    ("GET", "/api/v1/infants/<mrn>"): FAMILY_RECORD,
    ("PATCH", "/api/v1/infants/<mrn>"): STAFF,
    ("GET", "/api/v1/infants/<mrn>/containers"): FAMILY_RECORD,
    ("GET", "/api/v1/infants/<mrn>/take-home"): FAMILY_RECORD,
    ("POST", "/api/v1/infants/<mrn>/discharge"): STAFF,
    ("GET", "/api/v1/infants/<mrn>/discharge.pdf"): FAMILY_RECORD,
    ("POST", "/api/v1/infants/<mrn>/reserved-labels"): FAMILY_RECORD,
    ("GET", "/api/v1/infants/<mrn>/reserved-labels.pdf"): FAMILY_RECORD,
    ("POST", "/api/v1/mothers/<mrn>/hold"): STAFF,
    ("POST", "/api/v1/mothers/<mrn>/release"): STAFF,

    # Milk: a parent pre-registers and reads their own; staff do the rest.
    ("POST", "/api/v1/containers"): FAMILY_RECORD,
    ("GET", "/api/v1/containers/<container:code>"): FAMILY_RECORD,
    ("GET", "/api/v1/containers/<container:code>/label.pdf"): FAMILY_RECORD,
    ("GET", "/api/v1/containers/<container:code>/label.zpl"): STAFF,
    ("POST", "/api/v1/containers/<container:code>/print"): STAFF,
    ("POST", "/api/v1/containers/<container:code>/receive"): STAFF,
    ("POST", "/api/v1/containers/<container:code>/move"): STAFF,
    ("POST", "/api/v1/containers/<container:code>/thaw"): STAFF,
    ("POST", "/api/v1/containers/<container:code>/fortify"): STAFF,
    ("POST", "/api/v1/containers/<container:code>/hold"): STAFF,
    ("POST", "/api/v1/containers/<container:code>/release"): STAFF,
    ("POST", "/api/v1/containers/<container:code>/discard"): STAFF,
    ("POST", "/api/v1/containers/<container:code>/return"): STAFF,
    ("POST", "/api/v1/containers/<container:code>/split"): STAFF,
    ("POST", "/api/v1/containers/combine"): STAFF,

    # Feeding.
    ("POST", "/api/v1/feeds/check"): STAFF,
    ("POST", "/api/v1/feeds"): STAFF,
    ("GET", "/api/v1/feeds"): FAMILY_RECORD,

    # Storage places and reports.
    ("GET", "/api/v1/locations"): STAFF,
    ("POST", "/api/v1/locations"): ADMIN,
    ("GET", "/api/v1/locations/<code>"): STAFF,
    ("GET", "/api/v1/reports/expiry"): STAFF,
    ("GET", "/api/v1/reports/expiry.pdf"): STAFF,
    ("GET", "/api/v1/reports/inventory"): STAFF,
    ("GET", "/api/v1/reports/inventory.pdf"): STAFF,
    ("GET", "/api/v1/reports/near-misses"): STAFF,
    ("GET", "/api/v1/reports/near-misses.pdf"): STAFF,
}
# fmt: on


if __name__ == "__main__":
    # The whole grid, one route a line: python -m tests.security.access_matrix
    width = max(len(rule) for _, rule in MATRIX)
    print(f"{'':7} {'':{width}}" + "".join(f"{name:>14}" for name in CALLERS))
    for (method, rule), row in sorted(MATRIX.items(), key=lambda item: item[0][::-1]):
        print(f"{method:7} {rule:{width}}" + "".join(f"{answer:>14}" for answer in row))
