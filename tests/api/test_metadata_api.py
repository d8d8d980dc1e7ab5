"""Works show their metadata: titles in Chinese and English, the document's type and ``metadata_status``
(pending until the worker read it, then ok / missing / invalid), on /works, /works/{id}, the catalogue
and provenance pages; and the schema is served at its stable URL. SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import time

import pytest
from markupsafe import escape

from client_sdk import Hub
from client_sdk.chain import connect
from client_sdk.content import cid_of_bytes
from client_sdk.manifest import manifest_path, read_manifest
from client_sdk.metadata import SCHEMA_NAME, WorkMetadata, schema_bytes
from copyright_hub.scenario import titles_for
from indexer.db import make_engine
from indexer.metadata import MetadataWorker

from .conftest import Story

ABSENT = WorkMetadata("episode", title_en="Not Stored Anywhere", title_zh="无处可寻")


def _read_metadata(story: Story) -> int:
    """One pass of the metadata worker, then the time the API's response cache may lag the mirror."""
    engine = make_engine(story.settings.database_url)
    try:
        written = MetadataWorker(engine, story.store, story.settings).run_once()
    finally:
        engine.dispose()
    time.sleep(getattr(story.settings, "response_cache_poll_ms", 0) / 1000 + 0.05)
    return written


def _work(story: Story, work_id: int) -> dict[str, object]:
    resp = story.client.get(f"/works/{work_id}")
    assert resp.status_code == 200, resp.text
    data: dict[str, object] = resp.json()
    return data


@pytest.fixture(scope="module")
def extra_works(story: Story) -> dict[str, int]:
    """Two works whose metadata the store cannot give: one never stored, one not JSON."""
    w3 = connect(story.settings.rpc_url)
    deployment = read_manifest(manifest_path(w3.eth.chain_id, story.settings.deployments_dir))
    bare = Hub(w3, deployment, story.studio)  # no store: nothing checks what it registers
    not_json = str(story.store.add(b"<html>not a document</html>"))
    ids = {
        "missing": bare.register_work(hashlib.sha256(b"api-missing").digest(), "bafycontent", ABSENT.cid()).work_id,
        "invalid": bare.register_work(hashlib.sha256(b"api-invalid").digest(), "bafycontent", not_json).work_id,
    }
    story.reindex()
    return ids


def test_works_say_pending_then_show_titles_once_the_worker_read_them(
    story: Story, extra_works: dict[str, int]
) -> None:
    before = _work(story, story.film_id)
    assert (before["metadata_status"], before["title_en"], before["title_zh"], before["metadata"]) == (
        "pending", None, None, None,
    )  # fmt: skip
    assert _read_metadata(story) >= 4
    film = _work(story, story.film_id)
    assert film["metadata_status"] == "ok" and film["title_en"] == "The River at Dawn (restored)"
    assert film["title_zh"] is None and film["metadata_type"] == "film"  # the update names only an English title
    metadata = film["metadata"]
    assert isinstance(metadata, dict) and metadata["metadata_cid"] == film["metadata_cid"]
    assert metadata["document"]["title"] == {"en": "The River at Dawn (restored)"}
    assert metadata["languages"] == [] and metadata["status"] == "ok" and metadata["error"] is None

    short_en, short_zh = titles_for("short")
    listed = {int(w["work_id"]): w for w in story.client.get("/works?limit=50").json()["data"]}
    assert (listed[story.short_id]["title_en"], listed[story.short_id]["title_zh"]) == (short_en, short_zh)
    assert listed[story.short_id]["metadata_type"] == "short_video"
    assert "metadata" not in listed[story.short_id]  # the list shows titles and status, the item the rest

    missing, invalid = listed[extra_works["missing"]], listed[extra_works["invalid"]]
    assert (missing["metadata_status"], missing["title_en"]) == ("missing", None)  # never a guess
    assert (invalid["metadata_status"], invalid["title_en"]) == ("invalid", None)
    detail = _work(story, extra_works["invalid"])["metadata"]
    assert isinstance(detail, dict) and "not JSON" in str(detail["error"]) and detail["next_attempt_at"] > 0

    story.store.add(ABSENT.to_bytes())  # the missing document appears; the worker reads it after its back-off
    assert _work(story, extra_works["missing"])["metadata_status"] == "missing"


def test_pages_show_titles_and_status(story: Story, extra_works: dict[str, int]) -> None:
    _read_metadata(story)
    short_en, short_zh = (str(escape(t)) for t in titles_for("short"))  # as the autoescaping page writes them
    catalogue = story.client.get("/").text
    assert "The River at Dawn (restored)" in catalogue
    # the title in the page's language (English by default), the other language's beside it
    assert f">{short_en}</a>" in catalogue and f'<span class="title-other">{short_zh}</span>' in catalogue
    assert "<em>metadata missing</em>" in catalogue and "<em>metadata invalid</em>" in catalogue
    page = story.client.get(f"/provenance/{story.short_id}").text
    assert f'<span id="title">{short_en} · <span lang="zh">{short_zh}</span></span>' in page
    assert '<span id="metadata-status">ok</span>' in page


def test_the_schema_is_served_at_its_stable_url(story: Story) -> None:
    resp = story.client.get(f"/schemas/{SCHEMA_NAME}")
    assert resp.status_code == 200 and resp.content == schema_bytes()
    assert resp.headers["content-type"] == "application/schema+json"
    assert f"/schemas/{SCHEMA_NAME}" in story.client.get("/openapi.json").json()["info"]["description"]
    assert cid_of_bytes(resp.content) == cid_of_bytes(schema_bytes())
