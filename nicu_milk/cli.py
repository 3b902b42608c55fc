"""Command-line tools: init-db, create-user, demo-data, show-policy, backup, restore and
verify-audit."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from .errors import DomainError
from .extensions import db
from .policy import describe_policy
from .runtime import policy, settings, unit
from .services import accounts, audit, backups, storage
from .vocabulary import ROLES


def register_commands(app: Flask) -> None:
    from .adapters.sensors import COMMANDS as SENSOR_COMMANDS

    for command in (init_db, create_user, demo_data, show_policy, backup, restore, verify_audit):
        app.cli.add_command(command)
    for command in SENSOR_COMMANDS:
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db():
    """Create the schema, or upgrade it in place keeping every record."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    changed = refresh_expiries()
    db.session.commit()
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")
    if changed:
        click.echo(f"The expiry policy changed: recomputed the expiry of {changed} containers.")


def refresh_expiries() -> int:
    """After a policy change, recompute every stored container's cached expiry."""
    return storage.refresh_expiries(db.session, unit())


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin.")
@click.option(
    "--infant",
    "infants",
    multiple=True,
    metavar="MRN",
    help="Link a parent to a baby; repeat for twins.",
)
@click.option("--display-name", default=None)
@click.option("--badge", default=None, help="The staff badge's barcode, for scan sign-in.")
def create_user(username, role, password_stdin, infants, display_name, badge):
    """Create a user account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        accounts.create_user(
            db.session,
            username,
            role,
            password,
            infant_mrns=list(infants),
            display_name=display_name,
            badge_code=badge,
            hash_method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"),
        )
        db.session.commit()
    except DomainError as refused:
        db.session.rollback()
        raise click.ClickException(refused.message) from None
    click.echo(f"Created {role.replace('_', ' ')} {username}.")


@click.command("demo-data")
@with_appcontext
@click.option("--seed", default=20261128, help="Random seed, for a reproducible unit.")
@click.option(
    "--reset",
    is_flag=True,
    help="Wipe the demo unit and load it again, anchored to now (never a real unit's data).",
)
def demo_data(seed, reset):
    """Load a small, realistic unit: babies, fridges and freezers, milk in every state."""
    from .demo import NotADemo, load_demo, wipe

    if reset:
        if settings().production:
            raise click.ClickException("demo-data --reset is refused in production.")
        try:
            wipe(db.session)
        except NotADemo as refused:
            db.session.rollback()
            raise click.ClickException(str(refused)) from None
    summary = load_demo(db.session, unit(), seed=seed)
    db.session.commit()
    click.echo(summary)


@click.command("show-policy")
@with_appcontext
def show_policy():
    """Print the expiry policy in force."""
    click.echo(describe_policy(policy()))


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path):
    """Copy the database to PATH, a new file, while the unit keeps working."""
    try:
        made = backups.backup(db.engine, path, pg_bin=settings().pg_bin)
    except DomainError as refused:
        raise click.ClickException(refused.message) from None
    click.echo(f"Backed up {backups.where(db.engine)} to {made.describe()}")


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds records.")
def restore(path, force):
    """Bring the backup at PATH back into the database. Stop the server first."""
    try:
        backups.restore(
            db.engine,
            path,
            force=force,
            pg_bin=settings().pg_bin,
            announce=click.echo,
        )
    except DomainError as refused:
        raise click.ClickException(refused.message) from None


@click.command("verify-audit")
@with_appcontext
def verify_audit():
    """Check the whole audit trail's hash chain; name the first broken link (exit 1) if any."""
    verdict = audit.verify_database(db.session)
    db.session.rollback()
    if verdict.sound:
        head = (
            f" Head: event {verdict.head_seq}, hash {verdict.head_hash}."
            if verdict.head_seq
            else ""
        )
        click.echo(f"The audit trail is sound: {verdict.verified} events verified.{head}")
        return
    click.echo(
        f"The audit trail is BROKEN at {verdict.problem}. "
        f"{verdict.verified} events before it verified.",
        err=True,
    )
    sys.exit(1)
