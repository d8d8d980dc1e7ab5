"""Writing projections to SQL in bulk, with before-images for reorgs, and rolling them back.

Handlers describe what an event does as *blind writes* (:class:`Changes`): put a whole row, patch some
columns, delete rows, append a history row. Because no handler reads the database, writes to
different tables commute, and consecutive writes of one kind to one table become one ``executemany``.
Inside the reorg window the before-image of every state row a batch touches goes to ``undo_log`` first.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from . import models

_CHUNK = 400


class Changes:
    """The writes a batch of events makes, in event order."""

    __slots__ = ("ops",)

    def __init__(self) -> None:
        self.ops: list[tuple[str, str, Any]] = []

    def put(self, table: str, row: dict[str, Any]) -> None:
        """Create or fully replace a state row."""
        self.ops.append(("put", table, row))

    def patch(self, table: str, key: dict[str, Any], values: dict[str, Any]) -> None:
        """Change some columns of an existing state row (no-op if it does not exist)."""
        self.ops.append(("patch", table, (key, values)))

    def delete(self, table: str, key: dict[str, Any]) -> None:
        self.ops.append(("delete", table, key))

    def delete_where(self, table: str, **filters: Any) -> None:
        """Delete every state row whose columns equal ``filters``."""
        self.ops.append(("delete_where", table, filters))

    def append(self, table: str, row: dict[str, Any]) -> None:
        """Add a history row (it must carry ``block_number`` and ``log_index``)."""
        self.ops.append(("append", table, row))


def table(name: str) -> sa.Table:
    return SQLModel.metadata.tables[name]


@functools.cache
def _pk_cols(t: sa.Table) -> list[sa.Column[Any]]:
    return list(t.primary_key.columns)


@functools.cache
def _pk_getter(t: sa.Table) -> Callable[[dict[str, Any]], Any]:
    names = [c.name for c in _pk_cols(t)]
    get = operator.itemgetter(*names)
    return get if len(names) > 1 else (lambda row: (get(row),))


def _insert(conn: Connection | Plan, t: sa.Table) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(t)


_compiled: dict[tuple[Any, ...], tuple[str, bool, list[str], dict[str, Any]]] = {}


class Plan:
    """Statements prepared now (parameters converted, SQL compiled) and executed later, elsewhere.

    It stands in for a connection in :func:`upsert_rows`, :func:`insert_ignore` and
    :func:`apply_changes` without undo, so the writer thread only runs ``cursor.executemany``.
    """

    def __init__(self, dialect: sa.Dialect) -> None:
        self.dialect = dialect
        self.statements: list[tuple[str, Any]] = []

    def exec_driver_sql(self, sql: str, params: list[Any]) -> None:
        self.statements.append((sql, params))

    def copy(self, table_name: str, cols: list[str], rows: list[tuple[Any, ...]], on_conflict: str) -> None:
        self.statements.append((_COPY, (table_name, cols, rows, on_conflict)))

    def run(self, conn: Connection) -> None:
        for sql, params in self.statements:
            if sql == _COPY:
                _pg_copy(conn, *params)
            else:
                conn.exec_driver_sql(sql, params)


_COPY = "<copy>"
#: from this many rows on, PostgreSQL inserts go through COPY (much faster than row-by-row INSERTs)
PG_COPY_MIN_ROWS = 200


def _pg_copy(conn: Connection, table_name: str, cols: list[str], rows: list[tuple[Any, ...]], on_conflict: str) -> None:
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


#: SQLSTATE of a unique (or primary key) violation
_UNIQUE_VIOLATION = "23505"


def execute_many(
    conn: Connection | Plan,
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
    cache_key = (conn.dialect.name, *key)
    entry = _compiled.get(cache_key)
    if entry is None:
        compiled = build().compile(dialect=conn.dialect, column_keys=column_keys)
        names = list(compiled.positiontup or []) if compiled.positional else list(compiled.binds)
        processors = {
            n: p
            for n, p in compiled._bind_processors.items()
            if n in names and not isinstance(compiled.binds[n].type, sa.LargeBinary)  # drivers take bytes as is
        }
        entry = (str(compiled), compiled.positional, names, processors)
        _compiled[cache_key] = entry
    sql, positional, names, processors = entry
    get = operator.itemgetter(*names)
    if len(names) == 1:
        tuples: Iterable[tuple[Any, ...]] = ((get(r),) for r in rows)
    else:
        tuples = map(get, rows)
    if processors:
        fix = [(i, processors[n]) for i, n in enumerate(names) if n in processors]
        fixed = []
        for tup in tuples:
            values = list(tup)
            for i, proc in fix:
                values[i] = proc(values[i])
            fixed.append(tuple(values))
        tuples = fixed
    params: list[Any] = list(tuples) if positional else [dict(zip(names, t, strict=True)) for t in tuples]
    conn.exec_driver_sql(sql, params)


def upsert_rows(
    conn: Connection | Plan, t: sa.Table, rows: list[dict[str, Any]], *, distinct_keys: bool = False
) -> None:
    """Insert or update (by primary key) rows that all have the same columns (``distinct_keys``: the
    caller guarantees one row per key, which spares checking it)."""
    if not rows:
        return
    given = list(rows[0])
    rows, cols = _with_defaults(t, rows)
    if conn.dialect.name == "postgresql" and len(rows) >= PG_COPY_MIN_ROWS:
        pk = [c.name for c in _pk_cols(t)]
        key = _pk_getter(t)
        if distinct_keys or len(set(map(key, rows))) == len(rows):  # one row per key, as ON CONFLICT needs
            keys = ", ".join(f'"{c}"' for c in pk)
            sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in given if c not in pk)
            _copy(
                conn, t, rows, cols, f"ON CONFLICT ({keys}) DO UPDATE SET {sets}" if sets else "ON CONFLICT DO NOTHING"
            )
            return

    def build() -> Any:
        pk = [c.name for c in _pk_cols(t)]
        stmt = _insert(conn, t)
        update = {c: stmt.excluded[c] for c in given if c not in pk}  # a column not given keeps its value
        return stmt.on_conflict_do_update(index_elements=pk, set_=update) if update else stmt.on_conflict_do_nothing()

    execute_many(conn, ("upsert", t.name, tuple(given)), build, rows, cols)


def insert_ignore(conn: Connection | Plan, t: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows that all have the same columns; rows already there (same key) are left alone."""
    if not rows:
        return
    given = list(rows[0])
    rows, cols = _with_defaults(t, rows)
    if conn.dialect.name == "postgresql" and len(rows) >= PG_COPY_MIN_ROWS:
        _copy(conn, t, rows, cols, "ON CONFLICT DO NOTHING")
        return
    execute_many(conn, ("ignore", t.name, tuple(given)), lambda: _insert(conn, t).on_conflict_do_nothing(), rows, cols)


def _copy(conn: Connection | Plan, t: sa.Table, rows: list[dict[str, Any]], cols: list[str], on_conflict: str) -> None:
    processors = [
        (i, proc)
        for i, c in enumerate(cols)
        if not isinstance(t.c[c].type, sa.LargeBinary) and (proc := t.c[c].type.bind_processor(conn.dialect))
    ]
    get = operator.itemgetter(*cols)
    tuples = [get(r) for r in rows] if len(cols) > 1 else [(get(r),) for r in rows]
    if processors:
        fixed = []
        for tup in tuples:
            values = list(tup)
            for i, proc in processors:
                values[i] = proc(values[i])
            fixed.append(tuple(values))
        tuples = fixed
    if isinstance(conn, Plan):
        conn.copy(str(t.name), cols, tuples, on_conflict)  # a plain str pickles faster than quoted_name
    else:
        _pg_copy(conn, t.name, cols, tuples, on_conflict)


def _with_defaults(t: sa.Table, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows completed with the scalar defaults of the columns they leave out (as an INSERT would)."""
    missing = {
        c.name: c.default.arg  # type: ignore[attr-defined]
        for c in t.columns
        if c.name not in rows[0] and c.default is not None and c.default.is_scalar
    }
    if missing:
        rows = [{**missing, **r} for r in rows]
    return rows, list(rows[0])


def _key_tuple(t: sa.Table, row: dict[str, Any]) -> tuple[Any, ...]:
    return _pk_getter(t)(row)


def _runs(ops: list[tuple[str, str, Any]]) -> Iterable[tuple[str, str, list[Any]]]:
    """Group ops by table (order kept within a table), then into runs of one kind and column set."""
    per_table: dict[str, list[tuple[str, Any]]] = {}
    for kind, name, payload in ops:
        per_table.setdefault(name, []).append((kind, payload))
    for name, items in per_table.items():
        run_kind: str = ""
        run_shape: Any = None
        run: list[Any] = []
        for kind, payload in items:
            shape = _shape(kind, payload)
            if kind != run_kind or shape != run_shape or kind == "delete_where":
                if run:
                    yield run_kind, name, run
                run_kind, run_shape, run = kind, shape, []
            run.append(payload)
        if run:
            yield run_kind, name, run


def _shape(kind: str, payload: Any) -> Any:
    if kind in ("put", "append"):
        return tuple(payload)
    if kind == "patch":
        return (tuple(payload[0]), tuple(payload[1]))
    if kind == "delete":
        return tuple(payload)
    return None


def apply_changes(conn: Connection | Plan, changes: Changes, undo_block: int | None) -> None:
    """Write ``changes``; with ``undo_block`` first record before-images tagged with that block."""
    if undo_block is not None:
        assert isinstance(conn, Connection), "undo needs to read: use a connection, not a Plan"
        record_undo(conn, changes, undo_block)
    for kind, name, run in _runs(changes.ops):
        t = table(name)
        if kind == "put":
            key = _pk_getter(t)
            last = {key(row): row for row in run}  # a later put of a key replaces an earlier one
            upsert_rows(conn, t, list(last.values()), distinct_keys=True)
        elif kind == "append":
            insert_ignore(conn, t, run)
        elif kind == "patch":
            key, values = run[0]
            update = (
                sa.update(t)
                .where(*[t.c[k] == sa.bindparam("k_" + k, type_=t.c[k].type) for k in key])
                .values({c: sa.bindparam("v_" + c, type_=t.c[c].type) for c in values})
            )
            params = [
                {**{"k_" + k: v for k, v in kk.items()}, **{"v_" + c: v for c, v in vv.items()}} for kk, vv in run
            ]
            execute_many(conn, ("patch", name, tuple(key), tuple(values)), _given(update), params)
        elif kind == "delete":
            delete = sa.delete(t).where(*[t.c[k] == sa.bindparam("k_" + k, type_=t.c[k].type) for k in run[0]])
            params = [{"k_" + k: v for k, v in key.items()} for key in run]
            execute_many(conn, ("delete", name, tuple(run[0])), _given(delete), params)
        elif kind == "delete_where":
            for filters in run:
                where = sa.delete(t).where(*[t.c[k] == sa.bindparam("k_" + k, type_=t.c[k].type) for k in filters])
                params = [{"k_" + k: v for k, v in filters.items()}]
                execute_many(conn, ("delete_where", name, tuple(filters)), _given(where), params)


def _given(statement: Any) -> Callable[[], Any]:
    return lambda: statement


def _row_json(t: sa.Table, row: sa.RowMapping) -> str:
    return json.dumps({c.name: row[c.name] for c in t.columns})


def record_undo(conn: Connection, changes: Changes, block_number: int) -> None:
    """Before-images (as of now, before ``changes``) of every state row the changes can touch."""
    keys: dict[str, set[tuple[Any, ...]]] = {}
    filters: dict[str, list[dict[str, Any]]] = {}
    for kind, name, payload in changes.ops:
        if kind == "append":
            continue
        t = table(name)
        if kind == "put":
            keys.setdefault(name, set()).add(_key_tuple(t, payload))
        elif kind == "patch":
            keys.setdefault(name, set()).add(_key_tuple(t, payload[0]))
        elif kind == "delete":
            keys.setdefault(name, set()).add(_key_tuple(t, payload))
        else:
            filters.setdefault(name, []).append(payload)
    entries: list[dict[str, Any]] = []
    for name in sorted(set(keys) | set(filters)):
        t = table(name)
        pk = _pk_cols(t)
        images: dict[tuple[Any, ...], str | None] = {k: None for k in keys.get(name, ())}
        wanted = list(images)
        for i in range(0, len(wanted), _CHUNK):
            chunk = wanted[i : i + _CHUNK]
            cond = sa.tuple_(*pk).in_(chunk) if len(pk) > 1 else pk[0].in_([k[0] for k in chunk])
            for row in conn.execute(sa.select(t).where(cond)).mappings():
                images[tuple(row[c.name] for c in pk)] = _row_json(t, row)
        for f in filters.get(name, ()):
            for row in conn.execute(sa.select(t).where(*[t.c[k] == v for k, v in f.items()])).mappings():
                images[tuple(row[c.name] for c in pk)] = _row_json(t, row)
        for key, image in images.items():
            entries.append(
                {"block_number": block_number, "table_name": name, "pk": json.dumps(list(key)), "row": image}
            )
    if entries:
        conn.execute(sa.insert(models.UndoLog.__table__), entries)  # type: ignore[attr-defined]


def rollback_to(conn: Connection, chain_id: int, ancestor: int) -> None:
    """Undo every mirrored row of blocks above ``ancestor`` (state via before-images, newest first)."""
    undo = models.UndoLog.__table__  # type: ignore[attr-defined]
    rows = conn.execute(sa.select(undo).where(undo.c.block_number > ancestor).order_by(undo.c.id.desc())).mappings()
    for entry in list(rows):
        t = table(entry["table_name"])
        pk = _pk_cols(t)
        key = json.loads(entry["pk"])
        if entry["row"] is None:
            conn.execute(sa.delete(t).where(*[c == v for c, v in zip(pk, key, strict=True)]))
        else:
            upsert_rows(conn, t, [json.loads(entry["row"])])
    conn.execute(sa.delete(undo).where(undo.c.block_number > ancestor))
    for name in sorted(models.HISTORY_TABLES):
        t = table(name)
        conn.execute(sa.delete(t).where(t.c.block_number > ancestor))
    raw = models.RawEvent.__table__  # type: ignore[attr-defined]
    conn.execute(sa.delete(raw).where(raw.c.chain_id == chain_id, raw.c.block_number > ancestor))
    blk = models.Block.__table__  # type: ignore[attr-defined]
    conn.execute(sa.delete(blk).where(blk.c.chain_id == chain_id, blk.c.number > ancestor))


def prune(conn: Connection, chain_id: int, floor: int) -> None:
    """Forget undo entries and block hashes that a reorg within the finality depth can no longer need."""
    undo = models.UndoLog.__table__  # type: ignore[attr-defined]
    conn.execute(sa.delete(undo).where(undo.c.block_number <= floor))
    blk = models.Block.__table__  # type: ignore[attr-defined]
    conn.execute(sa.delete(blk).where(blk.c.chain_id == chain_id, blk.c.number < floor))
