"""Backups: copy the unit's database while it serves, and bring a copy back.

- SQLite: the online backup API (sqlite3.Connection.backup) copies the database in one step,
  inside one read transaction, so the copy is the database as of one instant. In WAL mode a
  reader never blocks the server's writers. The copy is a single self-contained file.
- PostgreSQL: pg_dump in its custom format, which also reads one consistent snapshot while the
  server writes. pg_restore --clean brings it back in a single transaction: all or nothing.

A restore never replaces records silently: it says what the backup holds and what the database
holds, and refuses a database that already holds records unless told to replace them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import OperationalError

from ..errors import Conflict, DomainError, InvalidInput

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
PG_ROOTS = ("/usr/lib/postgresql",)
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
# Bookkeeping a fresh `init-db` writes: a database holding only these holds no records.
BOOKKEEPING = frozenset({"alembic_version", "settings", "counters", "audit_head"})
# The tables named first when a database's records are summed up for a person, and their names.
HEADLINE = ("users", "infants", "containers", "feeds", "check_attempts")
SAID = {
    "check_attempts": "near misses",
    "container_events": "container events",
    "parent_infants": "parent-baby links",
    "api_tokens": "API tokens",
    "audit_events": "audit events",
}


class ToolFailed(DomainError):
    """pg_dump or pg_restore is missing or failed; the message says what to do."""


@dataclass
class Backup:
    """A backup file, as far as it can be read without restoring it."""

    path: Path
    kind: str  # "SQLite" or "PostgreSQL"
    revision: str | None
    taken_at: dt.datetime | None
    size: int
    records: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        taken = f", taken {self.taken_at:%Y-%m-%d %H:%M:%S} UTC" if self.taken_at else ""
        held = f": {summary(self.records)}" if self.records else ""
        return (
            f"{self.path} ({self.kind} backup, schema {self.revision or 'unknown'}{taken}, "
            f"{self.size / 1024:.0f} kB){held}"
        )


def summary(records: dict[str, int]) -> str:
    """'3 users, 12 containers, ...' for the tables that hold rows, the important ones first."""
    named = sorted(records, key=lambda n: (HEADLINE.index(n) if n in HEADLINE else 99, n))
    shown = [f"{records[n]} {SAID.get(n, n.replace('_', ' '))}" for n in named if records[n]]
    return ", ".join(shown) or "no records"


def where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


# --- PostgreSQL's tools -------------------------------------------------------------------


def find_tool(
    name: str,
    directory: str | None = None,
    *,
    search_path: str | None = None,
    roots: tuple[str, ...] = PG_ROOTS,
) -> str:
    """pg_dump or pg_restore: in `directory` when one is configured, else on PATH, else the
    newest under /usr/lib/postgresql/*/bin (Debian's layout)."""
    if directory:
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
        raise ToolFailed(
            "PG_TOOL_MISSING",
            f"{name} is not in {directory} (NICU_MILK_PG_BIN). Point it at the folder that "
            "holds PostgreSQL's client programs, or unset it to search PATH.",
        )
    found = shutil.which(name, path=search_path)
    if found:
        return found
    installed = [
        path
        for root in roots
        for path in Path(root).glob(f"*/bin/{name}")
        if os.access(path, os.X_OK)
    ]
    if installed:
        return str(max(installed, key=lambda path: _version(path.parent.parent.name)))
    raise ToolFailed(
        "PG_TOOL_MISSING",
        f"{name} was not found on PATH or under {', '.join(roots)}/*/bin. Install PostgreSQL's "
        "client programs (Debian: apt-get install postgresql-client), or set NICU_MILK_PG_BIN "
        "to the folder that holds them.",
    )


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)) or (0,)


def _libpq(url: URL) -> tuple[str, dict[str, str] | None]:
    """The connection URI for pg_dump and pg_restore, and the environment that carries the
    password (never on the command line, where `ps` would show it)."""
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    if url.password is None:
        return uri, None
    return uri, {**os.environ, "PGPASSWORD": str(url.password)}


def _run(tool: str, arguments: list[str], environment: dict[str, str] | None) -> str:
    done = subprocess.run(  # noqa: S603 - a program we found, with arguments we built
        [tool, *arguments], env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        said = "\n".join(done.stderr.strip().splitlines()[-5:]) or f"exit status {done.returncode}"
        raise ToolFailed(
            "PG_TOOL_FAILED", f"{Path(tool).name} failed; nothing was changed. It said:\n{said}"
        )
    return done.stdout


# --- reading backups ----------------------------------------------------------------------


def inspect_backup(path: Path, *, pg_bin: str | None = None) -> Backup:
    """What a backup file is and holds; a file that is no backup of ours is refused."""
    with path.open("rb") as start:
        magic = start.read(len(SQLITE_MAGIC))
    if magic.startswith(SQLITE_MAGIC):
        return _inspect_sqlite(path)
    if magic.startswith(PG_MAGIC):
        return _inspect_pg_dump(path, pg_bin)
    raise InvalidInput(
        "NOT_A_BACKUP",
        f"{path} is neither a SQLite database nor a pg_dump custom-format archive.",
    )


def _inspect_sqlite(path: Path) -> Backup:
    try:
        with _open_sqlite(path, read_only=True) as copy:
            if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise InvalidInput("DAMAGED_BACKUP", f"{path} is damaged (SQLite quick_check).")
            revision = _sqlite_revision(copy)
            records = _sqlite_records(copy)
    except sqlite3.DatabaseError as unreadable:
        raise InvalidInput("NOT_A_BACKUP", f"{path} cannot be read: {unreadable}.") from None
    if revision is None:
        raise InvalidInput("NOT_A_BACKUP", f"{path} is a SQLite database, but not nicu_milk's.")
    written = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return Backup(path, "SQLite", revision, written, path.stat().st_size, records)


def _inspect_pg_dump(path: Path, pg_bin: str | None) -> Backup:
    tool = find_tool("pg_restore", pg_bin)
    listing = _run(tool, ["--list", str(path)], None)
    created = re.search(r"^; Archive created at (.+)$", listing, re.MULTILINE)
    taken_at = None
    if created:
        try:
            taken_at = dt.datetime.strptime(created.group(1).strip(), "%Y-%m-%d %H:%M:%S %Z")
            taken_at = taken_at.replace(tzinfo=dt.UTC)
        except ValueError:
            taken_at = None  # a server in another zone: the archive still restores
    data = _run(tool, ["--data-only", "--table=alembic_version", "--file=-", str(path)], None)
    copied = re.search(r"^COPY [\w.]*alembic_version .*;\n(.+)\n\\\.$", data, re.MULTILINE)
    if copied is None:
        raise InvalidInput("NOT_A_BACKUP", f"{path} is a pg_dump archive, but not nicu_milk's.")
    return Backup(path, "PostgreSQL", copied.group(1).strip(), taken_at, path.stat().st_size)


def _open_sqlite(path: Path, *, read_only: bool = False) -> closing[sqlite3.Connection]:
    """A connection that closes at the end of the `with` (sqlite3's own only ends transactions)."""
    if read_only:
        return closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True))
    return closing(sqlite3.connect(path, timeout=30))


def _sqlite_tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return [name for (name,) in rows]


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    if "alembic_version" not in _sqlite_tables(connection):
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def _sqlite_records(connection: sqlite3.Connection) -> dict[str, int]:
    return {
        name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608
        for name in _sqlite_tables(connection)
        if name not in BOOKKEEPING
    }


def _check_revision(backup: Backup) -> str | None:
    """Refuse a backup from a newer release; say when the schema needs an upgrade after."""
    scripts = ScriptDirectory(str(MIGRATIONS))
    try:
        scripts.get_revision(backup.revision)
    except CommandError:
        raise Conflict(
            "BACKUP_FROM_NEWER_RELEASE",
            f"The backup's schema is {backup.revision}, which this release of nicu_milk does not "
            "know: a newer release made it. Restore it with that release.",
        ) from None
    if backup.revision not in scripts.get_heads():
        return (
            "Its schema is older than this release's: run `flask --app wsgi init-db` to upgrade it."
        )
    return None


# --- the database's own records -----------------------------------------------------------


def records(engine: Engine) -> dict[str, int]:
    """Rows per table, bookkeeping aside: what a restore would replace."""
    with engine.connect() as connection:
        names = [n for n in inspect(connection).get_table_names() if n not in BOOKKEEPING]
        counts = {
            name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in names
        }
        connection.rollback()
    return counts


# --- backup --------------------------------------------------------------------------------


def backup(engine: Engine, path: Path, *, pg_bin: str | None = None) -> Backup:
    """Copy the database to `path` (a new file) while the server keeps working."""
    if path.exists():
        raise Conflict(
            "BACKUP_EXISTS",
            f"{path} already exists. Backups are never overwritten: name a new file.",
        )
    if not path.parent.is_dir():
        raise InvalidInput("NO_SUCH_FOLDER", f"There is no folder {path.parent} to write into.")
    # Written beside the target, then renamed: a backup that stopped halfway is never `path`.
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if engine.dialect.name == "sqlite":
            _backup_sqlite(engine, partial)
        elif engine.dialect.name == "postgresql":
            tool = find_tool("pg_dump", pg_bin)
            uri, environment = _libpq(engine.url)
            _run(tool, ["--format=custom", "--no-password", f"--file={partial}", uri], environment)
        else:
            raise InvalidInput(
                "UNSUPPORTED_DATABASE",
                f"Backups cover SQLite and PostgreSQL, not {engine.dialect.name}.",
            )
        _sync(partial)
        made = inspect_backup(partial, pg_bin=pg_bin)
        os.replace(partial, path)
        _sync(path.parent)
    finally:
        partial.unlink(missing_ok=True)
    made.path = path
    return made


def _sqlite_file(engine: Engine) -> Path:
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise InvalidInput("UNSUPPORTED_DATABASE", "Only a SQLite database in a file is backed up.")
    return Path(name)


def _backup_sqlite(engine: Engine, partial: Path) -> None:
    live = _sqlite_file(engine)
    if not live.is_file():
        raise InvalidInput("NO_DATABASE", f"There is no database at {live} to back up.")
    with _open_sqlite(live) as source, _open_sqlite(partial) as copy:
        # One step (pages=-1): one read transaction, so one instant of the database.
        source.backup(copy)
        # A single file, with no write-ahead log beside it.
        copy.execute("PRAGMA journal_mode = DELETE")


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- restore -------------------------------------------------------------------------------


def restore(
    engine: Engine,
    path: Path,
    *,
    force: bool = False,
    pg_bin: str | None = None,
    announce: Callable[[str], None] = print,
) -> Backup:
    """Bring a backup back into the configured database, saying first what that will do."""
    found = inspect_backup(path, pg_bin=pg_bin)
    expected = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(engine.dialect.name)
    if found.kind != expected:
        raise InvalidInput(
            "WRONG_KIND_OF_BACKUP",
            f"{path} is a {found.kind} backup, and the database configured ({where(engine)}) "
            f"is {expected}. Restore it into a {found.kind} database.",
        )
    upgrade = _check_revision(found)
    try:
        held = records(engine) if _exists(engine) else {}
    except OperationalError as unreachable:
        raise InvalidInput(
            "NO_DATABASE", f"Cannot reach {where(engine)}: {unreachable.orig}"
        ) from None
    announce(f"Restoring {found.describe()}")
    if any(held.values()):
        announce(f"into {where(engine)}, which holds {summary(held)}.")
        if not force:
            raise Conflict(
                "DATABASE_NOT_EMPTY",
                "Refused: that database already holds records, and a restore replaces them all "
                "with the backup's. Stop the server, then run again with --force to replace them.",
            )
        announce("--force: they will be replaced by the backup's.")
    else:
        announce(f"into {where(engine)}, which holds no records.")
    engine.dispose()  # the restore needs the tables to itself
    if found.kind == "SQLite":
        _restore_sqlite(engine, path)
    else:
        uri, environment = _libpq(engine.url)
        arguments = [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--no-password",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={uri}",
            str(path),
        ]
        _run(find_tool("pg_restore", pg_bin), arguments, environment)
    announce("Restored." + (f" {upgrade}" if upgrade else ""))
    return found


def _exists(engine: Engine) -> bool:
    return engine.dialect.name != "sqlite" or _sqlite_file(engine).exists()


def _restore_sqlite(engine: Engine, path: Path) -> None:
    target = _sqlite_file(engine)
    if not target.parent.is_dir():
        raise InvalidInput("NO_SUCH_FOLDER", f"There is no folder {target.parent} for {target}.")
    with _open_sqlite(path, read_only=True) as copy, _open_sqlite(target) as live:
        # Page by page, inside the database's own locking: a server still running waits, then
        # reads the backup's records, never a half-written file.
        copy.backup(live)
