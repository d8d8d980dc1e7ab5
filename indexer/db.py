"""Engines, migrations and the single-writer lock for SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: PostgreSQL advisory lock key of the indexer writer ("CHIDX" in ASCII).
ADVISORY_LOCK_KEY = 0x43484958
#: the lock is per schema, so mirrors in different schemas of one database do not block each other
_PG_LOCK_ARGS = ":k, hashtext(current_schema())"
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: page cache per connection: a whole batch fits, so nothing spills to the WAL before commit
SQLITE_CACHE_KIB = 64 * 1024


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` use psycopg 3; everything else is left as given."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(normalize_url(engine_or_url))
    return url.get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def make_engine(url: str, *, schema: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url``. SQLite: WAL, a busy timeout, parent folder created. PostgreSQL via psycopg;
    ``schema`` puts everything in that schema (``search_path``), as the tests do."""
    url = normalize_url(url)
    if is_sqlite(url):
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
    connect_args: dict[str, Any] = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("connect_timeout", 10)
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def head_revision() -> str:
    """The newest migration's revision id, read from the migration files (not through Alembic, whose
    script loading and catalog checks cost a PostgreSQL start more than the check itself)."""
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        rev = re.search(r'^revision = "([^"]+)"', text, re.M)
        down = re.search(r'^down_revision = (?:"([^"]+)"|None)', text, re.M)
        if rev and down:
            revisions[rev.group(1)] = down.group(1)
    heads = set(revisions) - {d for d in revisions.values() if d}
    if len(heads) != 1:
        raise RuntimeError(f"the migrations in {MIGRATIONS_DIR} have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (the same migrations on SQLite and PostgreSQL).

    A schema already at the newest revision is left alone after one query.
    """
    try:
        with engine.connect() as conn:
            current = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
        if current == [head_revision()]:
            return
    except (sa.exc.ProgrammingError, sa.exc.OperationalError):  # no alembic_version table yet
        pass
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def drop_all(engine: Engine) -> None:
    """Remove every mirror table (Alembic downgrade to nothing); the next :func:`migrate` starts afresh."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")


class WriterLock:
    """One indexer writer per database.

    PostgreSQL: a session advisory lock held on a dedicated connection. SQLite: an exclusive
    ``flock`` on ``<database>.lock``. Either is freed by the OS/server when the holder dies, so a
    standby waiting in :meth:`acquire` takes over.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: sa.Connection | None = None
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if is_sqlite(self.engine):
            path = sqlite_path(str(self.engine.url))
            if path is None:
                return True
            fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            self._fd = fd
            return True
        conn = self.engine.connect()
        got = conn.execute(sa.text(f"SELECT pg_try_advisory_lock({_PG_LOCK_ARGS})"), {"k": ADVISORY_LOCK_KEY}).scalar()
        conn.commit()
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def acquire(self, poll: float = 1.0, on_wait: Callable[[], None] | None = None) -> None:
        """Block until this process is the writer; ``on_wait`` is called once when it starts waiting."""
        waited = False
        while not self.try_acquire():
            if not waited and on_wait is not None:
                on_wait()
            waited = True
            time.sleep(poll)

    def still_held(self) -> bool:
        """False if the PostgreSQL session holding the lock was lost."""
        if self._conn is None:
            return self._fd is not None or sqlite_path(str(self.engine.url)) is None
        try:
            self._conn.execute(sa.text("SELECT 1")).scalar()
            self._conn.commit()
            return True
        except sa.exc.SQLAlchemyError:
            return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(sa.text(f"SELECT pg_advisory_unlock({_PG_LOCK_ARGS})"), {"k": ADVISORY_LOCK_KEY})
                self._conn.commit()
            except sa.exc.SQLAlchemyError:
                pass  # the session is gone, and its lock with it
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._conn.close()
            self._conn = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
