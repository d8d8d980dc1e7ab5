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
