"""The Alembic migrations build exactly the SQLModel schema, on SQLite and PostgreSQL alike, and
upgrade data written by older revisions."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from indexer.db import MIGRATIONS_DIR, migrate

from .conftest import MirrorFactory


def _config(conn: sa.Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = conn
    return cfg


def test_migrations_build_the_models_schema(new_mirror: MirrorFactory) -> None:
    engine = new_mirror().engine()
    migrate(engine)
    migrate(engine)  # idempotent
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_to_nothing_and_back(new_mirror: MirrorFactory) -> None:
    engine = new_mirror().engine()
    migrate(engine)
    with engine.begin() as conn:
        command.downgrade(_config(conn), "base")
    with engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    engine.dispose()


def test_0004_turns_hex_data_into_bytes(new_mirror: MirrorFactory) -> None:
    engine = new_mirror().engine()
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0003")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO raw_event (chain_id, block_hash, log_index, block_number, tx_hash, tx_index, address, "
                "data, args) VALUES (1, '0xaa', 0, 5, '0xbb', 0, '0xcc', '0x0102ff', '{}')"
            )
        )
    migrate(engine)
    with engine.connect() as conn:
        assert bytes(conn.execute(sa.text("SELECT data FROM raw_event")).scalar_one()) == b"\x01\x02\xff"
    engine.dispose()


def test_0015_derives_open_offer_from_the_offers_not_cancelled(new_mirror: MirrorFactory) -> None:
    engine = new_mirror().engine()
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0014")
    with engine.begin() as conn:
        for offer_id, territories, cancelled in (("1", "[]", False), ("2", "[156, 344]", False), ("3", "[840]", True)):
            conn.execute(
                sa.text(
                    'INSERT INTO offer (offer_id, work_id, creator, rights, territories, start, "end", "exclusive", '
                    "sublicensable, transferable, price, currency, supply_cap, attestation_kind, "
                    "attestation_territory, legal_hash, legal_uri, cancelled, created_block, created_at, created_tx, "
                    "updated_block) VALUES (:id, '7', '0xaa', 3, :t, 10, 20, false, false, true, '5', '0x00', 0, 0, "
                    "0, '0x00', '', :c, 1, 1, '0xbb', 1)"
                ),
                {"id": offer_id.zfill(78), "t": territories, "c": cancelled},
            )
    migrate(engine)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT offer_id, territories, rights FROM open_offer ORDER BY offer_id")).all()
    engine.dispose()
    assert [(int(i), t, r) for i, t, r in rows] == [(1, "", 3), (2, "|156|344|", 3)]
