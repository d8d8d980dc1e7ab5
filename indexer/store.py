"""Writing projections to SQL in bulk, with before-images for reorgs, and rolling them back.

Handlers describe what an event does as *blind writes* (:class:`Changes`): put a whole row, patch some
columns, delete rows, append a history row. Because no handler reads the database, writes to
different tables commute, and consecutive writes of one kind to one table become one ``executemany``.
Inside the reorg window the before-image of every state row a batch touches goes to ``undo_log`` first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from . import models
from .backends import Target, backend_for, execute_many, pk_cols, pk_getter

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


def upsert_rows(conn: Target, t: sa.Table, rows: list[dict[str, Any]], *, distinct_keys: bool = False) -> None:
    """Insert or update (by primary key) rows that all have the same columns (``distinct_keys``: the
    caller guarantees one row per key, which spares checking it). See :meth:`Backend.upsert`."""
    backend_for(conn).upsert(conn, t, rows, distinct_keys=distinct_keys)


def insert_ignore(conn: Target, t: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows that all have the same columns; rows already there (same key) are left alone."""
    backend_for(conn).insert_ignore(conn, t, rows)


def _key_tuple(t: sa.Table, row: dict[str, Any]) -> tuple[Any, ...]:
    return pk_getter(t)(row)


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


def apply_changes(conn: Target, changes: Changes, undo_block: int | None) -> None:
    """Write ``changes``; with ``undo_block`` first record before-images tagged with that block."""
    if undo_block is not None:
        assert isinstance(conn, Connection), "undo needs to read: use a connection, not a Plan"
        record_undo(conn, changes, undo_block)
    for kind, name, run in _runs(changes.ops):
        t = table(name)
        if kind == "put":
            key = pk_getter(t)
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
        pk = pk_cols(t)
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
        pk = pk_cols(t)
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
