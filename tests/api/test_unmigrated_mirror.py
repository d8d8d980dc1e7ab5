"""Before the indexer's first migration the mirror has no tables. A missing table is an
``OperationalError`` on SQLite and a ``ProgrammingError`` on PostgreSQL; the storage backend recognises
both, so every endpoint that reads the mirror answers 503 with a problem document, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.resources import RESOURCES
from api.settings import Settings
from indexer.backends import backend_for
from indexer.db import make_engine
from tests.api.conftest import _database

#: every list endpoint, one item of each, and the pages that read the catalogue
PATHS = [f"/{r.name}" for r in RESOURCES] + [f"/{r.name}/1" for r in RESOURCES] + ["/", "/provenance/1"]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def unmigrated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, TestClient]]:
    tmp = tmp_path_factory.mktemp("unmigrated")
    with (
        _database(request.param, tmp) as url,
        TestClient(create_app(Settings(database_url=url, content_dir=Path(tmp) / "content"))) as client,
    ):
        yield url, client


@pytest.mark.parametrize("path", PATHS)
def test_reading_an_unmigrated_mirror_answers_503_mirror_not_ready(
    unmigrated: tuple[str, TestClient], path: str
) -> None:
    _, client = unmigrated
    r = client.get(path)
    assert (r.status_code, r.headers["content-type"]) == (503, "application/problem+json"), r.text
    assert r.json()["title"] == "Mirror not ready" and "copyright-hub index" in r.json()["detail"]


def test_indexer_health_of_an_unmigrated_mirror_says_not_started(unmigrated: tuple[str, TestClient]) -> None:
    _, client = unmigrated
    r = client.get("/health/indexer")
    assert (r.status_code, r.headers["content-type"]) == (503, "application/problem+json"), r.text
    assert r.json()["title"] == "Indexer not started"


def test_the_backend_tells_a_missing_table_from_other_database_errors(unmigrated: tuple[str, TestClient]) -> None:
    url, _ = unmigrated
    engine = make_engine(url)
    backend = backend_for(engine)
    try:
        with engine.connect() as conn:
            with pytest.raises(sa.exc.DBAPIError) as missing:
                conn.execute(sa.text("SELECT * FROM work"))
            conn.rollback()
            with pytest.raises(sa.exc.DBAPIError) as syntax:
                conn.execute(sa.text("SELEKT 1"))
        assert backend.is_missing_schema(missing.value)
        assert not backend.is_missing_schema(syntax.value)
        assert not backend.is_missing_schema(ValueError("no such table: work"))
    finally:
        engine.dispose()
