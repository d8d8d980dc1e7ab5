"""Engines and migrations (the same Alembic migrations on SQLite and PostgreSQL); what differs between
the two is in :mod:`indexer.backends`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .backends import backend_for, normalize_url

__all__ = ["MIGRATIONS_DIR", "drop_all", "head_revision", "make_engine", "migrate", "normalize_url"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, *, schema: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url``, set up by its backend (:mod:`indexer.backends`): SQLite with WAL, a busy
    timeout and its folder created; PostgreSQL via psycopg. ``schema`` puts everything in that schema
    (``search_path``, PostgreSQL only), as the tests do."""
    return backend_for(url).make_engine(normalize_url(url), schema=schema, **kwargs)


def head_revision() -> str:
    """The newest migration's revision id, read from the migration files (not through Alembic, whose
    script loading and catalog checks cost a PostgreSQL start more than the check itself)."""
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        rev = re.search(r'^revision = "([^"]+)"', text, re.M)
        down = re.search(r'^down_revision = (?:"([^"]+)"|None)', text, re.M)
        if rev and down:
            revisions[rev.group(1)] = down.group(1)
    heads = set(revisions) - {d for d in revisions.values() if d}
    if len(heads) != 1:
        raise RuntimeError(f"the migrations in {MIGRATIONS_DIR} have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (the same migrations on SQLite and PostgreSQL).

    A schema already at the newest revision is left alone after one query.
    """
    try:
        with engine.connect() as conn:
            current = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
        if current == [head_revision()]:
            return
    except sa.exc.DBAPIError as exc:
        if not backend_for(engine).is_missing_schema(exc):  # anything but "no alembic_version table yet"
            raise
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def drop_all(engine: Engine) -> None:
    """Remove every mirror table (Alembic downgrade to nothing); the next :func:`migrate` starts afresh.

    The API's own tables (:mod:`indexer.tables.api_state`: sign-in nonces, rate counters) are not the
    mirror's: their rows are kept across the drop, in the same transaction."""
    from alembic import command
    from alembic.config import Config

    from .tables.api_state import API_TABLES, ensure

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        present = set(sa.inspect(conn).get_table_names())
        tables = [t.__table__ for t in API_TABLES if t.__tablename__ in present]  # type: ignore[attr-defined]
        kept = {t: [dict(r) for r in conn.execute(sa.select(t)).mappings()] for t in tables}
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
        if any(kept.values()):
            ensure(conn)
            for table, rows in kept.items():
                if rows:
                    conn.execute(sa.insert(table), rows)
