"""Running a statement on the API's shared tables (:mod:`indexer.tables.api_state`): they are created
on first use if no migration has yet; a mirror table still missing (the indexer has not run) and a
database that does not answer are 503 problems."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from indexer.tables.api_state import ensure

from ..problems import Problem

T = TypeVar("T")


def in_transaction(engine: Engine, work: Callable[[sa.Connection], T]) -> T:
    """``work(conn)`` in one transaction; the tables created first when they are missing."""
    for attempt in (1, 2):
        try:
            with engine.begin() as conn:
                return work(conn)
        except sa.exc.DBAPIError as exc:
            missing = _missing_table(engine, exc)
            if attempt == 1 and missing:
                with engine.begin() as conn:
                    ensure(conn)
                continue
            if missing:  # still missing once the API's own tables exist: a mirror table the indexer makes
                raise Problem(
                    503, "Mirror not ready", "the indexer has not created the database yet; start `copyright-hub index`"
                ) from None
            raise Problem(503, "Database unavailable", "the database did not answer; try again") from None
    raise AssertionError("unreachable")


def _missing_table(engine: Engine, exc: sa.exc.DBAPIError) -> bool:
    from indexer.backends import backend_for

    return bool(backend_for(engine).is_missing_schema(exc))


def upsert(engine: Engine, table: sa.Table, values: dict[str, object], keys: list[str], set_: dict[str, object]) -> Any:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE SET set_`` in the engine's dialect (SQLite and
    PostgreSQL spell it alike, through different constructors)."""
    insert = (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(table)
    return insert.values(**values).on_conflict_do_update(index_elements=keys, set_=set_)
