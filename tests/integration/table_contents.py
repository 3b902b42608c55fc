"""Every row of every table, all columns, read straight from a database or a backup file.

Both sides of a comparison are read the same way, without the app: SQLite databases and SQLite
backups with sqlite3, PostgreSQL databases with COPY ... TO STDOUT, and pg_dump archives from
the COPY blocks pg_restore prints, which are the same text format. Sequences are read too, so
that a restored database hands out new ids after the old ones.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import psycopg

from nicu_milk.services.backups import find_tool

Contents = dict[str, list]


def of_database(url: str) -> Contents:
    if url.startswith("sqlite"):
        return of_sqlite_file(Path(url.split(":///", 1)[1]))
    return _of_postgresql(url.replace("postgresql+psycopg://", "postgresql://", 1))


def of_sqlite_file(path: Path) -> Contents:
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as database:
        names = [
            name
            for (name,) in database.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: sorted(
                (repr(row) for row in database.execute(f'SELECT * FROM "{name}"')),  # noqa: S608
            )
            for name in names
        }


def _of_postgresql(url: str) -> Contents:
    contents: Contents = {}
    with psycopg.connect(url) as database:
        tables = database.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        for (name,) in tables:
            lines = []
            with database.cursor().copy(f'COPY public."{name}" TO STDOUT') as copy:
                for block in copy:
                    lines.extend(bytes(block).decode().splitlines())
            contents[name] = sorted(lines)
        for (sequence,) in database.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall():
            row = database.execute(f'SELECT last_value, is_called FROM public."{sequence}"')
            contents[f"sequence {sequence}"] = list(row.fetchone())
    return contents


def of_pg_dump(path: Path) -> Contents:
    """What a pg_dump custom archive holds: its COPY blocks and its sequences' values."""
    script = subprocess.run(
        [find_tool("pg_restore"), "--data-only", "--file=-", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    contents: Contents = {}
    for name, block in re.findall(
        r"^COPY public\.\"?(\w+)\"? \(.*?\) FROM stdin;\n(.*?)^\\\.$", script, re.M | re.S
    ):
        contents[name] = sorted(block.splitlines())
    for sequence, value, called in re.findall(
        r"setval\('public\.\"?(\w+)\"?', (\d+), (true|false)\)", script
    ):
        contents[f"sequence {sequence}"] = [int(value), called == "true"]
    return contents
