"""SQLite: the embedded default (a file, WAL, one writer guarded by ``flock``)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine, make_url

from ._base import Backend, WriterLock

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: page cache per connection: a whole batch fits, so nothing spills to the WAL before commit
SQLITE_CACHE_KIB = 64 * 1024


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (None: in memory, or not SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


class SQLiteBackend(Backend):
    name = "sqlite"

    def make_engine(self, url: str, *, schema: str | None = None, **kwargs: Any) -> Engine:
        """WAL, a busy timeout (so API readers never block the writer), the parent folder created, and
        transactions taken over from Python's ``sqlite3`` module. ``schema`` does not apply."""
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # the sqlite3 module would run DDL outside any transaction; take transactions over so that a
            # migration or a batch is all-or-nothing even when killed halfway
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn: sa.Connection) -> None:
            conn.exec_driver_sql("BEGIN")

        return engine

    def writer_lock(self, engine: Engine) -> WriterLock:
        return FileLock(engine)

    def insert(self, t: sa.Table) -> Any:
        return sqlite.insert(t)

    def is_missing_schema(self, exc: BaseException) -> bool:
        """SQLite raises ``OperationalError`` "no such table"."""
        return isinstance(exc, sa.exc.OperationalError) and "no such table" in str(exc.orig)


class FileLock(WriterLock):
    """An exclusive ``flock`` on ``<database>.lock`` (an in-memory database needs none)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.path = sqlite_path(str(engine.url))
        self.fd: int | None = None

    def try_acquire(self) -> bool:
        if self.path is None:
            return True
        fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def still_held(self) -> bool:
        return self.fd is not None or self.path is None

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def inherited_handles(self) -> list[int]:
        return [] if self.fd is None else [self.fd]
