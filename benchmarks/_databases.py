"""Throw-away mirror databases for the benchmarks: a SQLite file in a folder, or a fresh schema on the
PostgreSQL at ``COPYRIGHT_HUB_BENCH_PG_URL`` (default 127.0.0.1:5432, database ``test``), every schema
dropped when the benchmark ends."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from types import TracebackType

import sqlalchemy as sa

from indexer.db import make_engine

PG_URL = os.environ.get("COPYRIGHT_HUB_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


class Databases:
    """Makes fresh databases of one kind (``sqlite`` or ``postgresql``); a context manager that drops
    the PostgreSQL schemas it made."""

    def __init__(self, kind: str, folder: Path, prefix: str) -> None:
        self.kind = kind
        self.folder = folder
        self.prefix = prefix
        self.schemas: list[str] = []

    def fresh(self, name: str) -> str:
        """The URL of a new, empty database (``name`` names the SQLite file)."""
        if self.kind == "sqlite":
            return f"sqlite:///{self.folder / f'{name}.sqlite3'}"
        schema = self.prefix + secrets.token_hex(4)
        with make_engine(PG_URL).begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        self.schemas.append(schema)
        return f"{PG_URL}?options=-csearch_path%3D{schema}"

    def __enter__(self) -> Databases:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        for schema in self.schemas:
            with make_engine(PG_URL).begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
