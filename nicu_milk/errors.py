"""Domain errors: a stable code, an HTTP status and a message a person can act on."""

from http import HTTPStatus


class DomainError(Exception):
    status = HTTPStatus.BAD_REQUEST

    def __init__(self, code: str, message: str, *, extra: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}


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
