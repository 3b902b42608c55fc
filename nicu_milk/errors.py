"""Domain errors: a stable code, an HTTP status and a message a person can act on."""

from http import HTTPStatus


class DomainError(Exception):
    status = HTTPStatus.BAD_REQUEST

    def __init__(self, code: str, message: str, *, keep=()):
        super().__init__(message)
        self.code = code
        self.message = message
        # Rows recorded even though the request is refused: a failed sign-in is kept.
        self.keep = tuple(keep)


class InvalidInput(DomainError):
    """Malformed or invalid input (400)."""


class NotFound(DomainError):
    """Unknown, or not this user's to see (404)."""

    status = HTTPStatus.NOT_FOUND


class Conflict(DomainError):
    """Valid, but not allowed in the current state (409)."""

    status = HTTPStatus.CONFLICT


class Forbidden(DomainError):
    """The user's role may not do this (403)."""

    status = HTTPStatus.FORBIDDEN


class Unauthorized(DomainError):
    status = HTTPStatus.UNAUTHORIZED


class TooManyAttempts(DomainError):
    """Too many wrong passwords lately (429); `retry_after` is in seconds."""

    status = HTTPStatus.TOO_MANY_REQUESTS

    def __init__(self, code: str, message: str, *, retry_after: int, keep=()):
        super().__init__(code, message, keep=keep)
        self.retry_after = retry_after


def keep_refused(session, error: DomainError) -> None:
    """Undo a refused request's work, but keep what the refusal itself records."""
    session.rollback()
    if error.keep:
        session.add_all(error.keep)
        session.commit()
