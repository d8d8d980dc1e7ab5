"""Alembic environment: run programmatically by :func:`indexer.db.migrate` with an open connection."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import indexer.models  # noqa: F401 - registers the tables on SQLModel.metadata

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through indexer.db.migrate(engine), which passes a connection")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    transactional_ddl=True,  # SQLite too: a migration killed halfway leaves nothing behind
)
with context.begin_transaction():
    context.run_migrations()
