"""What every storage backend provides (:class:`Backend`, :class:`WriterLock`), and the driver-level
statement machinery they share (:func:`execute_many`, :class:`Plan`)."""

from __future__ import annotations

import functools
import operator
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

#: statements of a :class:`Plan` that are bulk loads (run by :meth:`Backend.bulk_insert`), not SQL
_BULK = "<bulk>"

_compiled: dict[tuple[Any, ...], tuple[str, bool, list[str], dict[str, Any]]] = {}


class Plan:
    """Statements prepared now (parameters converted, SQL compiled) and executed later, elsewhere.

    It stands in for a connection in :meth:`Backend.upsert`, :meth:`Backend.insert_ignore` and
    ``store.apply_changes`` without undo, so the writer thread only runs ``cursor.executemany``. Its
    ``statements`` are plain tuples, so a fetcher process can pickle them to the writer.
    """

    def __init__(self, backend: Backend, dialect: sa.Dialect) -> None:
        self.backend = backend
        self.dialect = dialect
        self.statements: list[tuple[str, Any]] = []

    def exec_driver_sql(self, sql: str, params: list[Any]) -> None:
        self.statements.append((sql, params))

    def bulk(self, table_name: str, cols: list[str], rows: list[tuple[Any, ...]], on_conflict: str) -> None:
        """Record a bulk load (see :meth:`Backend.bulk_insert`)."""
        self.statements.append((_BULK, (table_name, cols, rows, on_conflict)))

    def run(self, conn: Connection) -> None:
        for sql, params in self.statements:
            if sql == _BULK:
                self.backend.bulk_insert(conn, *params)
            else:
                conn.exec_driver_sql(sql, params)


#: where writes go: a connection (now) or a :class:`Plan` (later)
Target = Connection | Plan


class WriterLock(ABC):
    """One indexer writer per database, freed by the OS or the server when its holder dies, so that a
    standby waiting in :meth:`acquire` takes over."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @abstractmethod
    def try_acquire(self) -> bool:
        """Take the lock if it is free; whether this process holds it now."""

    @abstractmethod
    def still_held(self) -> bool:
        """False once the lock was lost (the session that held it ended)."""

    @abstractmethod
    def release(self) -> None: ...

    @abstractmethod
    def inherited_handles(self) -> list[int]:
        """The OS file descriptors that keep the lock held; a forked child closes its copies of them, so
        that the lock is freed as soon as the parent dies, whatever the child is doing then."""

    def acquire(self, poll: float = 1.0, on_wait: Callable[[], None] | None = None) -> None:
        """Block until this process is the writer; ``on_wait`` is called once when it starts waiting."""
        waited = False
        while not self.try_acquire():
            if not waited and on_wait is not None:
                on_wait()
            waited = True
            time.sleep(poll)

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class Backend(ABC):
    """Everything the indexer and the API do differently on SQLite and PostgreSQL. One instance per
    kind of database; :func:`indexer.backends.backend_for` picks it from a URL, engine or dialect."""

    #: SQLAlchemy's backend name (``engine.url.get_backend_name()``, ``dialect.name``)
    name: str

    @abstractmethod
    def make_engine(self, url: str, *, schema: str | None = None, **kwargs: Any) -> Engine:
        """An engine for ``url`` (already normalised); ``schema`` puts everything in that schema."""

    @abstractmethod
    def writer_lock(self, engine: Engine) -> WriterLock: ...

    @abstractmethod
    def insert(self, t: sa.Table) -> Any:
        """The dialect's ``INSERT`` construct (the one with ``on_conflict_do_*``)."""

    @abstractmethod
    def is_missing_schema(self, exc: BaseException) -> bool:
        """Whether ``exc`` says a table is not there (the indexer has not migrated this database yet)."""

    def bulk_insert(
        self, conn: Connection, table_name: str, cols: list[str], rows: list[tuple[Any, ...]], on_conflict: str
    ) -> None:
        """Load ``rows`` (converted tuples, distinct keys) into ``table_name`` with the effect of
        ``INSERT ... on_conflict``. Only backends whose :meth:`upsert` records bulk loads need it."""
        raise NotImplementedError(f"{self.name} has no bulk load path")

    def plan(self, dialect: sa.Dialect) -> Plan:
        """An empty :class:`Plan` for statements compiled for ``dialect``."""
        return Plan(self, dialect)

    def upsert(self, target: Target, t: sa.Table, rows: list[dict[str, Any]], *, distinct_keys: bool = False) -> None:
        """Insert or update (by primary key) rows that all have the same columns; a column the rows do not
        give keeps its value (``distinct_keys``: the caller guarantees one row per key)."""
        if not rows:
            return
        given = list(rows[0])
        rows, cols = with_defaults(t, rows)

        def build() -> Any:
            pk = [c.name for c in pk_cols(t)]
            stmt = self.insert(t)
            update = {c: stmt.excluded[c] for c in given if c not in pk}
            return (
                stmt.on_conflict_do_update(index_elements=pk, set_=update) if update else stmt.on_conflict_do_nothing()
            )

        execute_many(target, ("upsert", t.name, tuple(given)), build, rows, cols)

    def insert_ignore(self, target: Target, t: sa.Table, rows: list[dict[str, Any]]) -> None:
        """Insert rows that all have the same columns; rows already there (same key) are left alone."""
        if not rows:
            return
        given = list(rows[0])
        rows, cols = with_defaults(t, rows)
        execute_many(
            target, ("ignore", t.name, tuple(given)), lambda: self.insert(t).on_conflict_do_nothing(), rows, cols
        )


@functools.cache
def pk_cols(t: sa.Table) -> list[sa.Column[Any]]:
    return list(t.primary_key.columns)


@functools.cache
def pk_getter(t: sa.Table) -> Callable[[dict[str, Any]], Any]:
    """A function giving a row's primary key as a tuple."""
    names = [c.name for c in pk_cols(t)]
    get = operator.itemgetter(*names)
    return get if len(names) > 1 else (lambda row: (get(row),))


def with_defaults(t: sa.Table, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows completed with the scalar defaults of the columns they leave out (as an INSERT would)."""
    missing = {
        c.name: c.default.arg  # type: ignore[attr-defined]
        for c in t.columns
        if c.name not in rows[0] and c.default is not None and c.default.is_scalar
    }
    if missing:
        rows = [{**missing, **r} for r in rows]
    return rows, list(rows[0])


def converted(
    tuples: Iterable[tuple[Any, ...]], fix: Sequence[tuple[int, Callable[[Any], Any]]]
) -> list[tuple[Any, ...]]:
    """``tuples`` with the value at each index of ``fix`` passed through its bind processor."""
    out = []
    for tup in tuples:
        values = list(tup)
        for i, proc in fix:
            values[i] = proc(values[i])
        out.append(tuple(values))
    return out


def execute_many(
    target: Target,
    key: tuple[Any, ...],
    build: Callable[[], Any],
    rows: list[dict[str, Any]],
    column_keys: list[str] | None = None,
) -> None:
    """``executemany`` straight on the driver cursor with a statement compiled once per shape.

    SQLAlchemy's per-row parameter handling costs more than SQLite's own insert; here each row only
    goes through the bind processors its columns need (``U256``), then to ``cursor.executemany``.
    """
    if not rows:
        return
    dialect = target.dialect
    cache_key = (dialect.name, *key)
    entry = _compiled.get(cache_key)
    if entry is None:
        compiled = build().compile(dialect=dialect, column_keys=column_keys)
        names = list(compiled.positiontup or []) if compiled.positional else list(compiled.binds)
        processors = {}
        for n in names:
            type_ = compiled.binds[n].type
            if isinstance(type_, sa.LargeBinary):  # drivers take bytes as is
                continue
            if (proc := type_.dialect_impl(dialect).bind_processor(dialect)) is not None:
                processors[n] = proc
        entry = (str(compiled), compiled.positional, names, processors)
        _compiled[cache_key] = entry
    sql, positional, names, processors = entry
    get = operator.itemgetter(*names)
    if len(names) == 1:
        tuples: Iterable[tuple[Any, ...]] = ((get(r),) for r in rows)
    else:
        tuples = map(get, rows)
    if processors:
        tuples = converted(tuples, [(i, processors[n]) for i, n in enumerate(names) if n in processors])
    params: list[Any] = list(tuples) if positional else [dict(zip(names, t, strict=True)) for t in tuples]
    target.exec_driver_sql(sql, params)
