"""PostgreSQL (psycopg 3): what production uses. Bulk loads go through ``COPY``; one writer is
guarded by a session advisory lock."""

from __future__ import annotations

import contextlib
import operator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine

from ._base import Backend, Plan, Target, WriterLock, converted, pk_cols, pk_getter, with_defaults

#: advisory lock key of the indexer writer ("CHIDX" in ASCII)
ADVISORY_LOCK_KEY = 0x43484958
#: the lock is per schema, so mirrors in different schemas of one database do not block each other
_LOCK_ARGS = ":k, hashtext(current_schema())"
#: from this many rows on, inserts go through COPY (much faster than row-by-row INSERTs)
COPY_MIN_ROWS = 200
#: SQLSTATE of a unique (or primary key) violation
_UNIQUE_VIOLATION = "23505"
#: SQLSTATEs that mean "not migrated yet": undefined table, undefined schema
_MISSING_SCHEMA = frozenset({"42P01", "3F000"})


class PostgreSQLBackend(Backend):
    name = "postgresql"

    def make_engine(self, url: str, *, schema: str | None = None, **kwargs: Any) -> Engine:
        """Via psycopg, with pre-ping and a connect timeout; ``schema`` sets ``search_path``."""
        connect_args: dict[str, Any] = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("connect_timeout", 10)
        if schema:
            connect_args["options"] = f"-csearch_path={schema}"
        return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)

    def writer_lock(self, engine: Engine) -> WriterLock:
        return AdvisoryLock(engine)

    def insert(self, t: sa.Table) -> Any:
        return postgresql.insert(t)

    def is_missing_schema(self, exc: BaseException) -> bool:
        """PostgreSQL raises ``ProgrammingError`` with SQLSTATE 42P01 (undefined table)."""
        return isinstance(exc, sa.exc.ProgrammingError) and getattr(exc.orig, "sqlstate", None) in _MISSING_SCHEMA

    def upsert(self, target: Target, t: sa.Table, rows: list[dict[str, Any]], *, distinct_keys: bool = False) -> None:
        """From :data:`COPY_MIN_ROWS` rows with one row per key (as ``ON CONFLICT`` needs), a bulk load."""
        if len(rows) >= COPY_MIN_ROWS:
            given = list(rows[0])
            full, cols = with_defaults(t, rows)
            if distinct_keys or len(set(map(pk_getter(t), full))) == len(full):
                pk = [c.name for c in pk_cols(t)]
                keys = ", ".join(f'"{c}"' for c in pk)
                sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in given if c not in pk)
                on_conflict = f"ON CONFLICT ({keys}) DO UPDATE SET {sets}" if sets else "ON CONFLICT DO NOTHING"
                self._copy(target, t, full, cols, on_conflict)
                return
        super().upsert(target, t, rows, distinct_keys=distinct_keys)

    def insert_ignore(self, target: Target, t: sa.Table, rows: list[dict[str, Any]]) -> None:
        if len(rows) >= COPY_MIN_ROWS:
            full, cols = with_defaults(t, rows)
            self._copy(target, t, full, cols, "ON CONFLICT DO NOTHING")
            return
        super().insert_ignore(target, t, rows)

    def _copy(self, target: Target, t: sa.Table, rows: list[dict[str, Any]], cols: list[str], on_conflict: str) -> None:
        """Convert ``rows`` to tuples of driver values, then load them now or record the load in a plan."""
        dialect = target.dialect
        processors = [
            (i, proc)
            for i, c in enumerate(cols)
            if not isinstance(t.c[c].type, sa.LargeBinary) and (proc := t.c[c].type.bind_processor(dialect))
        ]
        get = operator.itemgetter(*cols)
        tuples = [get(r) for r in rows] if len(cols) > 1 else [(get(r),) for r in rows]
        if processors:
            tuples = converted(tuples, processors)
        if isinstance(target, Plan):
            target.bulk(str(t.name), cols, tuples, on_conflict)  # a plain str pickles faster than quoted_name
        else:
            self.bulk_insert(target, t.name, cols, tuples, on_conflict)

    def bulk_insert(
        self, conn: Connection, table_name: str, cols: list[str], rows: list[tuple[Any, ...]], on_conflict: str
    ) -> None:
        """COPY ``rows`` into ``table_name``, with the effect of ``INSERT ... on_conflict`` (rows must have
        distinct keys).

        Straight into the table first, inside a savepoint: in a backfill almost every row is new, and this
        writes each row once. A row whose key is already there makes that COPY fail as a whole (unique
        violation); the savepoint is rolled back and the rows go the idempotent way instead: COPY into a
        session-local staging table, then ``INSERT ... SELECT ... on_conflict`` from it. The staging way
        costs about twice as much (each row is written, read and written again, and every staging table a
        transaction touched is truncated at its commit), so it is kept for the batches that need it.
        """
        names = ", ".join(f'"{c}"' for c in cols)
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:  # type: ignore[union-attr]
            cur.execute("SAVEPOINT _bulk_copy")
            try:
                with cur.copy(f'COPY "{table_name}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            except Exception as exc:
                if getattr(exc, "sqlstate", None) != _UNIQUE_VIOLATION:
                    raise
                cur.execute("ROLLBACK TO SAVEPOINT _bulk_copy")
            else:
                cur.execute("RELEASE SAVEPOINT _bulk_copy")
                return
            cur.execute("RELEASE SAVEPOINT _bulk_copy")
            stage = f'"_stage_{table_name}"'
            cur.execute(
                f'CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE "{table_name}" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS'
            )
            with cur.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute(f'INSERT INTO "{table_name}" ({names}) SELECT {names} FROM {stage} {on_conflict}')
            cur.execute(f"DELETE FROM {stage}")


class AdvisoryLock(WriterLock):
    """A session advisory lock (per schema) held on a dedicated connection."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.conn: sa.Connection | None = None

    def try_acquire(self) -> bool:
        conn = self.engine.connect()
        got = conn.execute(sa.text(f"SELECT pg_try_advisory_lock({_LOCK_ARGS})"), {"k": ADVISORY_LOCK_KEY}).scalar()
        conn.commit()
        if got:
            self.conn = conn
            return True
        conn.close()
        return False

    def still_held(self) -> bool:
        if self.conn is None:
            return False
        try:
            self.conn.execute(sa.text("SELECT 1")).scalar()
            self.conn.commit()
            return True
        except sa.exc.SQLAlchemyError:
            return False

    def release(self) -> None:
        if self.conn is None:
            return
        try:
            self.conn.execute(sa.text(f"SELECT pg_advisory_unlock({_LOCK_ARGS})"), {"k": ADVISORY_LOCK_KEY})
            self.conn.commit()
        except sa.exc.SQLAlchemyError:
            pass  # the session is gone, and its lock with it
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            self.conn.close()
        self.conn = None

    def inherited_handles(self) -> list[int]:
        if self.conn is None:
            return []
        with contextlib.suppress(Exception):
            return [self.conn.connection.driver_connection.fileno()]  # type: ignore[union-attr]
        return []
