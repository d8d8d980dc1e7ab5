"""The hub's half of the content-code backfill (issue 15 item 1, :mod:`indexer.preview_codes`): works
registered before content codes, whose metadata names a public preview the store holds, get codes the hub
computes from that preview, marked as the hub's (``origin: hub-preview``), never the owner's; a work that
declares codes is left to them; a preview that is no media or is missing is recorded with the reason and
retried later; a second pass does nothing; a rebuilt mirror gets the same rows. Real ffmpeg, a real
migrated SQLite file, the local block store, and ``GET /similar`` through the in-process app."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from client_sdk.content.iscc import CODE_METHOD, content_codes, distance, unit
from client_sdk.content.store import LocalBlockStore
from indexer import models as m
from indexer import preview_codes
from indexer.db import drop_all, make_engine, migrate
from indexer.similar import search, write_codes
from tests.factories.media import make_clip, transform

_work = m.Work.__table__  # type: ignore[attr-defined]
_doc = m.MetadataDocument.__table__  # type: ignore[attr-defined]
_code = m.ContentCode.__table__  # type: ignore[attr-defined]
_preview = m.PreviewCode.__table__  # type: ignore[attr-defined]


class Hub:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.url = f"sqlite:///{folder / 'mirror.db'}"
        self.engine = make_engine(self.url)
        self.store = LocalBlockStore(folder / "content")
        clip = make_clip(folder, "testsrc2", seconds=3)
        self.preview = str(self.store.add(clip))
        self.copy = content_codes(transform(clip, "rescale", folder), media=True)  # what a re-uploader made
        self.declared = content_codes(clip, media=True)
        self.not_media = str(self.store.add(b"this preview is a text file, not a clip\n"))

    def load(self) -> None:
        """Works 1-5 and their current documents, as the sync and the metadata worker write them."""
        docs = {
            1: {"previewCid": self.preview},  # before content codes, public preview: the hub computes
            2: {"previewCid": self.preview, "file": {"contentCodes": self.declared.to_json()}},  # declared
            3: {"previewCid": self.not_media},  # a preview that is not media
            4: {"previewCid": "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"},  # not in the store
            5: {},  # no preview: nothing to compute from
        }
        now = int(time.time())
        with self.engine.begin() as conn:
            for work_id, extra in docs.items():
                cid = f"bafymeta{work_id}"
                conn.execute(sa.insert(_work), [work_row(work_id, cid)])
                doc = {"schemaVersion": 1, "workType": "film", "title": {"en": f"work {work_id}"}, **extra}
                conn.execute(sa.insert(_doc), [{
                    "work_id": work_id, "metadata_cid": cid, "status": "ok", "checked_at": now, "revision": work_id,
                    "preview_cid": extra.get("previewCid"), "document": json.dumps(doc),
                }])  # fmt: skip
                write_codes(
                    conn, [{"work_id": work_id, "metadata_cid": cid, "status": "ok", "document": json.dumps(doc)}]
                )

    def rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        with self.engine.connect() as conn:
            codes = [
                dict(r) for r in conn.execute(sa.select(_code).order_by(_code.c.work_id, _code.c.family)).mappings()
            ]
            computed = [
                {k: v for k, v in r.items() if k not in ("computed_at", "next_attempt_at")}
                for r in conn.execute(sa.select(_preview).order_by(_preview.c.work_id)).mappings()
            ]
        return codes, computed


def work_row(work_id: int, cid: str) -> dict[str, Any]:
    return {
        "work_id": work_id, "registry_address": "0x" + "11" * 20, "owner": f"0x{work_id:040x}",
        "content_digest": f"0x{work_id:064x}", "content_cid": f"bafycontent{work_id}", "metadata_cid": cid,
        "metadata_version": 1, "work_type": 0, "status": 0, "registered_block": work_id,
        "registered_at": int(time.time()), "registered_tx": "0x" + "22" * 32, "updated_block": work_id,
    }  # fmt: skip


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Hub:
    h = Hub(tmp_path_factory.mktemp("preview-codes"))
    migrate(h.engine)
    h.load()
    return h


def test_the_hub_computes_codes_from_the_preview_only_where_none_are_declared_and_says_why_not(hub: Hub) -> None:
    passes = list(preview_codes.run(hub.engine, hub.store))
    assert [p.computed for p in passes] == [[1], []]
    assert set(passes[0].failed) == {3, 4} and passes[1].failed == {}
    assert "ffmpeg cannot read it" in passes[0].failed[3]
    assert "BlockNotFound" in passes[0].failed[4] or "not" in passes[0].failed[4]
    _codes, computed = hub.rows()
    by_work = {int(r["work_id"]): r for r in computed}
    assert set(by_work) == {1, 3, 4}  # 2 declares codes, 5 names no preview
    assert by_work[1]["status"] == "ok" and by_work[1]["preview_cid"] == hub.preview
    assert by_work[1]["method"] == CODE_METHOD
    assert json.loads(by_work[1]["codes"])["content"] == hub.declared.content  # the preview is the clip here
    assert by_work[3]["status"] == by_work[4]["status"] == "failed" and by_work[3]["codes"] is None
    with hub.engine.connect() as conn:
        retry = conn.execute(sa.select(_preview.c.next_attempt_at).where(_preview.c.work_id == 3)).scalar_one()
        assert retry > time.time() + preview_codes.RETRY_BASE / 2  # tried again later, not every pass
        assert preview_codes.due(conn, int(time.time())) == []
        assert {d.work_id for d in preview_codes.due(conn, int(retry) + 1)} == {3, 4}  # once the retry time comes


def test_a_second_pass_changes_nothing(hub: Hub) -> None:
    list(preview_codes.run(hub.engine, hub.store))
    before = hub.rows()
    assert [p.computed for p in preview_codes.run(hub.engine, hub.store)] == [[]]
    assert hub.rows() == before


def test_search_finds_a_copy_and_says_whose_codes_matched(hub: Hub, tmp_path: Path) -> None:
    list(preview_codes.run(hub.engine, hub.store))
    with hub.engine.connect() as conn:
        found = search(conn, hub.copy.content or "")
    assert {(s.work_id, s.origin) for s in found} == {(1, "hub-preview"), (2, "owner")}
    settings = Settings(database_url=hub.url, response_cache_bytes=0, content_dir=tmp_path / "content")
    with TestClient(create_app(settings)) as client:
        reply = client.get("/similar", params={"iscc": hub.copy.content})
    assert reply.status_code == 200, reply.text
    assert {(w["work_id"], w["origin"]) for w in reply.json()["data"]} == {("1", "hub-preview"), ("2", "owner")}
    assert unit(hub.copy.content or "").family == "content-video"


def test_a_rebuilt_mirror_gets_the_same_rows(hub: Hub) -> None:
    list(preview_codes.run(hub.engine, hub.store))
    before = hub.rows()
    drop_all(hub.engine)  # what `index --rebuild` does
    migrate(hub.engine)
    hub.load()
    list(preview_codes.run(hub.engine, hub.store))
    assert hub.rows() == before


def test_a_new_document_that_declares_codes_supersedes_the_hubs(hub: Hub) -> None:
    list(preview_codes.run(hub.engine, hub.store))
    doc = {"schemaVersion": 1, "previewCid": hub.preview, "file": {"contentCodes": hub.declared.to_json()}}
    with hub.engine.begin() as conn:  # the owner ran `codes backfill`: MetadataUpdated points work 1 at it
        conn.execute(sa.update(_work).where(_work.c.work_id == 1).values(metadata_cid="bafymeta1b"))
        conn.execute(sa.insert(_doc), [{
            "work_id": 1, "metadata_cid": "bafymeta1b", "status": "ok", "checked_at": 1, "revision": 9,
            "preview_cid": hub.preview, "document": json.dumps(doc),
        }])  # fmt: skip
        write_codes(conn, [{"work_id": 1, "metadata_cid": "bafymeta1b", "status": "ok", "document": json.dumps(doc)}])
    assert [p.computed for p in preview_codes.run(hub.engine, hub.store)] == [[]]
    with hub.engine.connect() as conn:
        found = {s.work_id: s for s in search(conn, hub.copy.content or "")}
    assert found[1].origin == "owner" and found[1].metadata_cid == "bafymeta1b"


def test_the_command_runs_a_pass_and_refuses_a_database_that_is_not_a_mirror(hub: Hub, tmp_path: Path) -> None:
    import subprocess
    import sys

    hub_cli = [sys.executable, "-m", "copyright_hub.cli", "codes", "backfill-previews"]
    done = subprocess.run(
        [*hub_cli, "--database-url", hub.url, "--store", str(hub.folder / "content"), "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"computed": [], "failed": {}}  # all done before
    missing = subprocess.run(
        [*hub_cli, "--database-url", f"sqlite:///{tmp_path / 'none.db'}"], capture_output=True, text=True, timeout=120
    )
    assert missing.returncode != 0 and "run `copyright-hub index` first" in missing.stdout + missing.stderr


def test_a_document_an_older_client_wrote_is_looked_up_through_its_own_computation(hub: Hub) -> None:
    """A work whose document carries a method-1 video code (no ``method``): ``lookup`` also asks with the
    file's method-1 code (``ContentCodes.legacy``), so the same file is found at distance 0."""
    from copyright_hub.commands.similar import lookup

    clip = hub.folder / "testsrc2.mp4"
    old = content_codes(clip, media=True, method=1)
    now = content_codes(clip, media=True)
    assert now.content != old.content
    doc = {"schemaVersion": 1, "file": {"contentCodes": {k: v for k, v in old.to_json().items() if k != "method"}}}
    with hub.engine.begin() as conn:
        conn.execute(sa.insert(_work), [work_row(6, "bafymeta6")])
        write_codes(conn, [{"work_id": 6, "metadata_cid": "bafymeta6", "status": "ok", "document": json.dumps(doc)}])
    found = {f.work_id: f for f in lookup(now, database_url=hub.url)}
    assert found[6].match == "identical"  # same bytes: the Instance-Code
    found = {f.work_id: f for f in lookup(hub.copy, database_url=hub.url)}  # the rescaled copy
    assert (found[6].match, found[6].distance) == ("content", distance(hub.copy.legacy or "", old.content or ""))
    assert found[6].distance <= distance(hub.copy.content or "", old.content or "")


def test_the_cli_lookup_says_when_the_hub_computed_the_codes(tmp_path: Path) -> None:
    """``copyright-hub similar`` and the registration warning name a hub-computed match as such."""
    from copyright_hub.commands.similar import lookup

    h = Hub(tmp_path)
    migrate(h.engine)
    h.load()
    list(preview_codes.run(h.engine, h.store))
    found = {f.work_id: f for f in lookup(h.copy, database_url=h.url)}
    assert (found[1].origin, found[2].origin) == ("hub-preview", "owner")
    assert "computed by the hub from its public preview" in found[1].describe()
    assert "hub" not in found[2].describe()
    h.engine.dispose()
