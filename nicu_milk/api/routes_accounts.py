"""Sign-in tokens and user accounts."""

from flask import current_app, g, request

from ..extensions import db
from ..runtime import now, settings, sign_in_attempt, sign_in_limits
from ..services import accounts, signin
from . import endpoint, serialize
from .responses import TokenOut, UserList, UserOut
from .schemas import TokenRequest, UserCreate


@endpoint(
    "POST",
    "/auth/token",
    "Sign in and get an API token",
    roles=None,
    body=TokenRequest,
    response=TokenOut,
    errors=(400, 401, 429),
    tag="auth",
)
def issue_token(body: TokenRequest):
    user = signin.sign_in(
        db.session, sign_in_attempt(body.username, "api_token"), body.password, sign_in_limits()
    )
    hours = settings().token_hours
    token = accounts.issue_token(db.session, user, now(), hours)
    return {"token": token, "role": user.role, "expires_in_hours": float(hours)}


@endpoint(
    "DELETE",
    "/auth/token",
    "Revoke the token this request carries (sign out)",
    response=None,
    status=204,
    # A sensor gateway's token (role device) only posts readings; an administrator revokes it.
    errors=(400, 401, 403),
    tag="auth",
)
def revoke_token():
    token = request.headers["Authorization"].partition(" ")[2].strip()
    accounts.revoke_token(db.session, token, now())
    return None, 204


@endpoint(
    "GET",
    "/auth/me",
    "Who this token belongs to",
    response=UserOut,
    # A sensor gateway's token (role device) may only post readings.
    errors=(400, 401, 403),
    tag="auth",
)
def me():
    return serialize.user(g.user)


@endpoint(
    "POST",
    "/users",
    "Create a user account",
    roles=("admin",),
    body=UserCreate,
    response=UserOut,
    status=201,
    tag="users",
)
def create_user(body: UserCreate):
    user = accounts.create_user(
        db.session,
        body.username,
        body.role,
        body.password,
        infant_mrns=body.infant_mrns,
        display_name=body.display_name,
        badge_code=body.badge_code,
        hash_method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"),
    )
    return serialize.user(user)


@endpoint("GET", "/users", "List user accounts", roles=("admin",), response=UserList, tag="users")
def list_users():
    users = accounts.users(db.session, active_first=False)
    return {"users": [serialize.user(user) for user in users]}


@endpoint(
    "POST",
    "/users/{username}/revoke-tokens",
    "Revoke every token of a user",
    roles=("admin",),
    response=UserOut,
    tag="users",
)
def revoke_user_tokens(username: str):
    user = accounts.user_named(db.session, username)
    accounts.revoke_all(db.session, user, now())
    return serialize.user(user)
