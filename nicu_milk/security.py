"""What every answer is armoured with: the session key, security headers, request ids and the log.

- The session key is never one written in the source. Without NICU_MILK_SECRET_KEY a random key
  is made once and kept in the instance folder (mode 0600), so that every gunicorn worker and
  every restart signs and reads the same sessions.
- Every answer (pages, API, static files, errors) carries a Content-Security-Policy without
  inline script, refuses to be framed, and is not sniffed; pages and API answers, which carry
  patients' names, are never cached; HSTS is sent when the request came over HTTPS.
- Every request has an id (a sane incoming X-Request-Id, or a new one), returned in
  X-Request-Id and logged with any 500, so that a nurse's report leads to the traceback.
  The log itself is Flask's: with no handler above it, the app logs to the WSGI server's error
  stream (gunicorn's error log).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from pathlib import Path
from urllib.parse import quote

from flask import Flask, Response, abort, g, request

SECRET_FILE_NAME = "secret_key"  # noqa: S105 - the file's name, not a key
SECRET_BYTES = 32

# No inline script or style, nothing from elsewhere, no framing: the pages need only their own
# app.js and app.css. `data:` images are the empty favicon.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
MAX_URL_LENGTH = 4000
HSTS = "max-age=31536000; includeSubDomains"
# Letters, digits and - _ . : only, at most 64: anything else in a client's id is replaced.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class SecretKeyError(RuntimeError):
    """The instance folder's key file cannot be used; the message says how to fix it."""


def instance_secret(folder: str | os.PathLike) -> str:
    """The key kept in `folder`, made now if there is none yet.

    Two workers starting at once must end up with one key: the new key is written in full to a
    private temporary file, then linked into place, which fails for the second one; that one
    reads the first one's key instead. A reader never sees a half-written file.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SECRET_FILE_NAME
    if not path.exists():
        _create_secret(path)
    return _read_secret(path)


def _create_secret(path: Path) -> None:
    temporary = path.with_name(f".{SECRET_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(SECRET_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        # When another worker was first, its key is the one.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _read_secret(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SecretKeyError(
            f"{path} can be read by other users of this server (mode {mode:04o}). "
            f"Run: chmod 600 {path}"
        )
    key = path.read_text().strip()
    if len(key) < SECRET_BYTES:
        raise SecretKeyError(
            f"{path} does not hold a usable key. Delete it and start again: a new one is made "
            "(everyone is signed out)."
        )
    return key


# --- headers -------------------------------------------------------------------------------


def add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if not request.path.startswith("/static/"):
        # Pages and API answers name babies and mothers: no copy in any cache.
        headers["Cache-Control"] = "no-store"
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if "request_id" in g:
        headers["X-Request-Id"] = g.request_id
    return response


def request_id() -> str:
    """This request's id: the client's X-Request-Id when it is sane, else a new one."""
    if "request_id" not in g:
        offered = request.headers.get("X-Request-Id", "")
        g.request_id = offered if _REQUEST_ID.fullmatch(offered) else secrets.token_hex(8)
    return g.request_id


# --- files --------------------------------------------------------------------------------

_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def file_response(content: bytes | str, mimetype: str, filename: str) -> Response:
    """A printout or label shown in the browser, with a file name no value can break.

    The header is built here, in full, before anything is committed (RFC 6266): a plain ASCII
    `filename` with anything unusual replaced, and the exact name as `filename*` when it differs.
    """
    response = Response(content, mimetype=mimetype)
    printable = "".join(ch for ch in filename if ch.isprintable())
    simple = _UNSAFE_IN_FILENAME.sub("_", printable).strip("._") or "download"
    options = {"filename": simple}
    if simple != printable:
        options["filename*"] = "UTF-8''" + quote(printable, safe="")
    response.headers.set("Content-Disposition", "inline", **options)
    response.headers["Cache-Control"] = "no-store"
    return response


def _name_request() -> None:
    request_id()
    # Gunicorn refuses request lines over 4094 bytes in plain text; below that, say it here, in
    # the API's own shape. No address of ours needs more (60 label codes fit in 1000).
    if len(request.full_path) > MAX_URL_LENGTH:
        abort(414, f"The address is longer than {MAX_URL_LENGTH} characters.")


def install(app: Flask) -> None:
    app.before_request(_name_request)
    app.after_request(add_headers)
