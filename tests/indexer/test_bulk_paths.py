"""The bulk write paths (PostgreSQL COPY through a staging table, driver-level executemany) give the
same rows as the plain INSERTs, and stay idempotent."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from indexer import models, store
from indexer.backends import backend_for, postgresql
from indexer.db import migrate

from .conftest import Chain, MirrorFactory, dump, index_once


def _synthetic_rows(t: sa.Table, n: int, salt: int) -> list[dict[str, object]]:
    """``n`` rows for every column of ``t`` (distinct keys; ``salt`` changes the non-key values)."""

    def value(c: sa.Column[object], i: int) -> object:
        v = i if c.primary_key else i + salt
        if isinstance(c.type, sa.Boolean):
            return v % 2 == 0
        if isinstance(c.type, sa.Float):
            return v + 0.5
        if isinstance(c.type, sa.LargeBinary):
            return v.to_bytes(4, "big") + b"\x00\\\n"  # bytes COPY text would have to escape
        if isinstance(c.type, models.U256):
            return v
        if isinstance(getattr(c.type, "impl", c.type), sa.String):  # String, Text and SQLModel's AutoString
            length = getattr(c.type, "length", None)
            return f"0x{v:0{min(length, 66) - 2}x}" if length else f"t\\{v}\n"  # text COPY escapes \\ and \n
        return v  # integers

    return [{c.name: value(c, i) for c in t.columns} for i in range(1, n + 1)]


def test_every_mirror_table_round_trips_through_the_bulk_path(
    new_mirror: MirrorFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every mirror table's column types go through COPY as through plain INSERTs, both for new rows and
    for rows whose keys are already there (the savepoint fallback to the staging table)."""
    bulk, plain = new_mirror(), new_mirror()
    for mirror, min_rows in ((bulk, postgresql.COPY_MIN_ROWS), (plain, 10**9)):
        monkeypatch.setattr(postgresql, "COPY_MIN_ROWS", min_rows)
        engine = mirror.engine()
        migrate(engine)
        for salt in (0, 1000):
            with engine.begin() as conn:
                plan = backend_for(engine).plan(engine.dialect)
                for name in sorted(models.MIRROR_TABLES):
                    t = store.table(name)
                    rows = _synthetic_rows(t, 250, salt)
                    if name in models.HISTORY_TABLES:
                        store.insert_ignore(plan, t, rows)
                    else:
                        store.upsert_rows(plan, t, rows)
                plan.run(conn)
        engine.dispose()
    assert dump(bulk.url) == dump(plain.url)


def test_copy_path_equals_insert_path(chain: Chain, new_mirror: MirrorFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    chain.register(150, per_block=150, account=4)  # 300 logs in one block: the COPY path on PostgreSQL
    bulk = new_mirror()
    index_once(bulk, chain, finality_depth=0)
    monkeypatch.setattr(postgresql, "COPY_MIN_ROWS", 10**9)
    plain = new_mirror()
    index_once(plain, chain, finality_depth=0)
    assert dump(bulk.url) == dump(plain.url)


def test_bulk_inserts_and_upserts_are_idempotent(new_mirror: MirrorFactory) -> None:
    engine = new_mirror().engine()
    migrate(engine)
    history = store.table("metadata_version")
    works = store.table("work")
    rows = [{"block_number": n, "log_index": 0, "tx_hash": "0x01", "time": 1, "work_id": n, "version": 0,
             "metadata_cid": f"m{n}", "by": "0x02"} for n in range(1, 301)]  # fmt: skip
    work_rows = [{"work_id": n, "registry_address": "0x03", "owner": "0x04", "content_digest": f"0x{n:064x}",
                  "content_cid": "c", "metadata_cid": "m", "metadata_version": 0, "work_type": 1, "status": 0,
                  "registered_block": n, "registered_at": 1, "registered_tx": "0x05", "updated_block": n}
                 for n in range(1, 301)]  # fmt: skip
    for _ in range(2):
        with engine.begin() as conn:
            plan = backend_for(engine).plan(engine.dialect)
            store.insert_ignore(plan, history, rows)
            store.upsert_rows(plan, works, work_rows)
            plan.run(conn)
        work_rows = [{**r, "owner": "0x06"} for r in work_rows]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(history)).scalar() == 300
        owners = conn.execute(sa.select(works.c.owner).distinct()).scalars().all()
        biggest = conn.execute(sa.select(sa.func.max(works.c.work_id))).scalar()
    assert owners == ["0x06"]  # the second run updated every row
    assert biggest == 300 and models.U256_DIGITS == 78  # U256 text order is numeric order
    engine.dispose()


def test_bulk_copy_with_some_keys_present_keeps_the_transaction_whole(new_mirror: MirrorFactory) -> None:
    """On PostgreSQL a bulk write COPYs straight into the table and, when a key is already there, rolls
    back to a savepoint and upserts through the staging table: the writes before it in the transaction
    stay, the result equals the plain path's, and a later failure still rolls everything back."""
    engine = new_mirror().engine()
    migrate(engine)
    works = store.table("work")
    history = store.table("metadata_version")

    def work(n: int, owner: str) -> dict[str, object]:
        return {"work_id": n, "registry_address": "0x03", "owner": owner, "content_digest": f"0x{n:064x}",
                "content_cid": "c", "metadata_cid": "m", "metadata_version": 0, "work_type": 1, "status": 0,
                "registered_block": n, "registered_at": 1, "registered_tx": "0x05", "updated_block": n}  # fmt: skip

    def version(n: int) -> dict[str, object]:
        return {"block_number": n, "log_index": 0, "tx_hash": "0x01", "time": 1, "work_id": n, "version": 0,
                "metadata_cid": f"m{n}", "by": "0x02"}  # fmt: skip

    with engine.begin() as conn:
        plan = backend_for(engine).plan(engine.dialect)
        store.upsert_rows(plan, works, [work(n, "0x04") for n in range(1, 301)])  # all new: straight COPY
        plan.run(conn)
    with engine.begin() as conn:
        plan = backend_for(engine).plan(engine.dialect)
        store.insert_ignore(plan, history, [version(n) for n in range(1, 301)])  # new rows, before the conflict
        store.upsert_rows(plan, works, [work(n, "0x06") for n in range(151, 451)])  # 151..300 are there
        store.insert_ignore(plan, history, [version(n) for n in range(201, 501)])  # 201..300 are there
        plan.run(conn)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        plan = backend_for(engine).plan(engine.dialect)
        store.upsert_rows(plan, works, [work(n, "0x07") for n in range(401, 701)])
        store.insert_ignore(plan, history, [version(n) for n in range(501, 801)])
        plan.run(conn)
        raise RuntimeError("the batch fails after its bulk writes")
    with engine.connect() as conn:
        owners = dict(conn.execute(sa.select(works.c.owner, sa.func.count()).group_by(works.c.owner)).all())
        versions = conn.execute(sa.select(sa.func.count(), sa.func.max(history.c.block_number))).one()
    assert owners == {"0x04": 150, "0x06": 300}
    assert tuple(versions) == (500, 500)
    engine.dispose()
