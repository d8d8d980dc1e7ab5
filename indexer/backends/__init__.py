"""The one seam between the hub and its SQL database: everything SQLite and PostgreSQL do differently
(engine set-up, the single-writer lock, upsert and insert-ignore, bulk loads, recognising a database
the indexer has not migrated yet) is a method of a :class:`Backend`, chosen once from the URL::

    backend = backend_for(url_or_engine)
    engine = backend.make_engine(normalize_url(url))   # or indexer.db.make_engine(url)
    backend.upsert(conn, table, rows)
    if backend.is_missing_schema(exc): ...

Nothing outside this package branches on the database's kind.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection, Dialect, Engine, make_url

from ..errors import UnsupportedDatabase
from ._base import Backend, Plan, Target, WriterLock, execute_many, pk_cols, pk_getter
from .postgresql import PostgreSQLBackend
from .sqlite import SQLiteBackend

__all__ = [
    "Backend",
    "Plan",
    "PostgreSQLBackend",
    "SQLiteBackend",
    "Target",
    "WriterLock",
    "backend_for",
    "execute_many",
    "normalize_url",
    "pk_cols",
    "pk_getter",
]

_BACKENDS: dict[str, Backend] = {b.name: b for b in (SQLiteBackend(), PostgreSQLBackend())}


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` use psycopg 3; everything else is left as given."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def backend_for(target: str | Engine | Connection | Dialect | Plan) -> Backend:
    """The backend of a database URL, an engine, a connection, a dialect or a plan."""
    if isinstance(target, str):
        name = make_url(normalize_url(target)).get_backend_name()
    elif isinstance(target, Dialect):
        name = target.name
    else:
        name = target.dialect.name
    try:
        return _BACKENDS[name]
    except KeyError:
        raise UnsupportedDatabase(name) from None
