"""The metadata worker on SQLite and PostgreSQL: documents read by CID from a real local block store,
checked and mirrored into ``work_metadata``; missing, invalid, mismatched and oversized documents
marked so and retried; a metadata update makes the new CID current; and chain sync never waits for a
store that hangs."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from client_sdk import Hub
from client_sdk.content import CID, KuboStore, LocalBlockStore, cid_of_bytes
from client_sdk.metadata import WorkMetadata, store_metadata
from indexer.metadata import MAX_ABANDONED, MetadataWorker, read_document
from tests.content.fake_kubo import FakeKubo
from tests.factories import fake_cid, unique_digest

from .conftest import Chain, Mirror, MirrorFactory, index_once

REPO = Path(__file__).resolve().parents[2]
#: documents above this many bytes are too large in these tests
MAX_BYTES = 4_096


def _doc(title_en: str, title_zh: str, **more: Any) -> WorkMetadata:
    return WorkMetadata("film", title_en=title_en, title_zh=title_zh, **more)


def _rows(mirror: Mirror) -> dict[tuple[int, str], dict[str, Any]]:
    engine = mirror.engine()
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM work_metadata")).mappings().all()
    engine.dispose()
    return {(int(r["work_id"]), r["metadata_cid"]): dict(r) for r in rows}


def _current(ids: dict[str, int], rows: dict[tuple[int, str], Any]) -> list[tuple[str, str]]:
    """(name, metadata CID) of each named work's row."""
    return [(name, cid) for name, work in ids.items() for (w, cid) in rows if w == work]


class LyingStore(LocalBlockStore):
    """A stand-in for a store that does not verify what it serves (a remote store cannot be trusted):
    for the CIDs in ``lies`` it returns other bytes."""

    def __init__(self, root: Path, lies: dict[str, bytes]) -> None:
        super().__init__(root)
        self.lies = lies

    def size(self, cid: CID | str) -> int:
        return len(self.lies[str(cid)]) if str(cid) in self.lies else super().size(cid)

    def cat(self, cid: CID | str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        if str(cid) in self.lies:
            return iter([self.lies[str(cid)]])
        return super().cat(cid, start, end)


class HangingStore(LocalBlockStore):
    """A stand-in for a content store that stopped answering (a kubo node hung mid-request): every read
    blocks until ``release`` is set. Nothing real can be made to hang on demand here."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.release = threading.Event()
        self.calls = 0

    def size(self, cid: CID | str) -> int:
        self.calls += 1
        self.release.wait(60)
        return super().size(cid)


def test_documents_are_mirrored_and_bad_ones_marked_then_retried(
    chain: Chain, new_mirror: MirrorFactory, tmp_path: Path
) -> None:
    honest = LocalBlockStore(tmp_path / "content")
    studio = Hub(chain.w3, chain.deployment, chain.accounts[1], store=honest)
    bare = Hub(chain.w3, chain.deployment, chain.accounts[1])  # registers CIDs unchecked, as any client could
    river = _doc("River Harbour", "港湾河流", languages=("zh-Hans", "en"), country="CN", duration_seconds=5_400)
    later = _doc("Lanterns at Low Tide", "退潮灯笼")
    too_big = _doc("Long", "长", description_en="y" * MAX_BYTES)
    not_json = str(honest.add(b"{this is not json"))
    off_schema = str(honest.add(json.dumps({"schemaVersion": 1, "workType": "opera", "title": {"en": "x"}}).encode()))
    big = str(honest.add(json.dumps(too_big.to_document()).encode()))
    liar_cid = _doc("Moonlight Fox", "月光狐").cid()
    store = LyingStore(tmp_path / "content", {liar_cid: b'{"schemaVersion":1,"workType":"film","title":{"en":"Fox"}}'})

    ids = {
        "ok": studio.register_work(unique_digest(), fake_cid(), river).work_id,
        "missing": bare.register_work(unique_digest(), fake_cid(), later.cid()).work_id,
        "not_json": bare.register_work(unique_digest(), fake_cid(), not_json).work_id,
        "off_schema": bare.register_work(unique_digest(), fake_cid(), off_schema).work_id,
        "mismatch": bare.register_work(unique_digest(), fake_cid(), liar_cid).work_id,
        "too_large": bare.register_work(unique_digest(), fake_cid(), big).work_id,
        "not_a_cid": bare.register_work(unique_digest(), fake_cid(), "bafymeta-not-a-cid").work_id,
        "absurd": bare.register_work(unique_digest(), fake_cid(), "Qm" + "x" * 300).work_id,
    }
    mirror = new_mirror()
    index_once(mirror, chain)
    worker = MetadataWorker(
        mirror.engine(), store, mirror.settings(chain, metadata_max_bytes=MAX_BYTES, metadata_retry_base=60)
    )
    now = time.time()
    assert worker.run_once(now) >= len(ids) - 1
    rows = _rows(mirror)
    by_work = {work: row for (work, _cid), row in rows.items()}

    ok = rows[(ids["ok"], river.cid())]
    assert (ok["status"], ok["title_en"], ok["title_zh"], ok["work_type"]) == (
        "ok",
        "River Harbour",
        "港湾河流",
        "film",
    )
    assert (json.loads(ok["languages"]), ok["country"], ok["duration_seconds"]) == (["zh-Hans", "en"], "CN", 5_400)
    assert ok["next_attempt_at"] is None and ok["error"] is None and ok["size"] == len(river.to_bytes())
    assert WorkMetadata.from_document(json.loads(ok["document"])) == river
    expected = {
        "missing": ("missing", "does not hold this CID"),
        "not_json": ("invalid", "not JSON"),
        "off_schema": ("invalid", "metadata at workType: 'opera' is not one of"),
        "mismatch": ("invalid", f"whose CID is {cid_of_bytes(store.lies[liar_cid])}, not {liar_cid}"),
        "too_large": ("too_large", f"more than the {MAX_BYTES:,} bytes"),
        "not_a_cid": ("invalid", "is not a valid CID"),
    }
    for name, (status, says) in expected.items():
        row = by_work[ids[name]]
        assert row["status"] == status and says in row["error"], (name, row)
        assert row["attempts"] == 1 and row["title_en"] is None
        assert now + 60 < row["next_attempt_at"] <= now + 60 * 1.25 + 2  # back-off with jitter
    assert ids["absurd"] not in by_work  # longer than any CID: never read (the API calls it invalid)

    assert worker.run_once(now + 1) == 0  # nothing due before the back-off ends
    honest.add(later.to_bytes())  # the missing document appears
    assert worker.run_once(now + 200) >= len(expected)  # everything not ok is read again
    rows = _rows(mirror)
    assert all(rows[(ids[name], cid)]["attempts"] == 2 for (name, cid) in _current(ids, rows) if name in expected)
    appeared = rows[(ids["missing"], later.cid())]
    assert (appeared["status"], appeared["title_zh"], appeared["attempts"]) == ("ok", "退潮灯笼", 2)
    still = rows[(ids["not_json"], not_json)]
    assert still["status"] == "invalid" and still["attempts"] == 2
    assert still["next_attempt_at"] > now + 200 + 120  # the second wait is twice the first
    revisions = sorted(r["revision"] for r in rows.values())
    assert len(set(revisions)) == len(revisions)  # every write has its own revision

    restored = _doc("River Harbour (restored)", "港湾河流（修复版）")
    studio.update_metadata(ids["ok"], restored)
    index_once(mirror, chain)
    assert worker.run_once(now + 201) >= 1  # the new CID is current and pending; the old one stays
    rows = _rows(mirror)
    assert rows[(ids["ok"], restored.cid())]["title_en"] == "River Harbour (restored)"
    assert rows[(ids["ok"], river.cid())]["status"] == "ok"
    worker.engine.dispose()


def test_sync_never_waits_for_a_store_that_hangs(chain: Chain, new_mirror: MirrorFactory, tmp_path: Path) -> None:
    store = HangingStore(tmp_path / "content")
    studio = Hub(chain.w3, chain.deployment, chain.accounts[2])
    for n in range(6):
        studio.register_work(unique_digest(), fake_cid(), _doc(f"Work {n}", f"作品{n}").cid())
    mirror = new_mirror()
    index_once(mirror, chain)  # the works exist in the mirror: the worker has reads to hang on
    worker = MetadataWorker(
        mirror.engine(), store, mirror.settings(chain, metadata_fetch_timeout=0.3, metadata_poll_interval=0.05)
    )
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while store.calls < MAX_ABANDONED and time.monotonic() < deadline:
            time.sleep(0.05)
        assert store.calls == MAX_ABANDONED  # stuck reads: no new read starts while they hang
        chain.register(5, per_block=5, account=3)
        started = time.monotonic()
        index_once(mirror, chain)  # the sync loop, with the worker wedged on the store
        took = time.monotonic() - started
        engine = mirror.engine()
        with engine.connect() as conn:
            checkpoint = conn.execute(sa.text("SELECT block_number FROM checkpoint")).scalar()
        engine.dispose()
        assert checkpoint == chain.w3.eth.block_number and took < 15
        while len(rows := _rows(mirror)) < MAX_ABANDONED and time.monotonic() < deadline:
            time.sleep(0.05)  # the last stuck read's timeout may still be running
        assert len(rows) == MAX_ABANDONED and store.calls == MAX_ABANDONED
        assert {r["status"] for r in rows.values()} == {"missing"}
        assert all("did not answer within 0.3 s" in r["error"] for r in rows.values())
    finally:
        store.release.set()
        worker.stop()
        worker.engine.dispose()
    assert not worker._thread or not worker._thread.is_alive()


def test_index_once_reads_metadata_from_the_configured_store(
    chain: Chain, new_mirror: MirrorFactory, tmp_path: Path
) -> None:
    store = LocalBlockStore(tmp_path / "content")
    reg = Hub(chain.w3, chain.deployment, chain.accounts[1], store=store).register_work(
        unique_digest(), fake_cid(), _doc("Night Market Stories", "夜市故事")
    )
    mirror = new_mirror()
    argv = [sys.executable, "-m", "copyright_hub.cli", "index", "--once", "-q", "--rpc", chain.node.url,
            "--database-url", mirror.url, "--deployments", str(chain.deployments_dir)]  # fmt: skip
    env = {"COPYRIGHT_HUB_CONTENT_DIR": str(tmp_path / "content"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    row = next(r for (work, _), r in _rows(mirror).items() if work == reg.work_id)
    assert (row["status"], row["title_zh"]) == ("ok", "夜市故事")


def test_a_kubo_node_serves_metadata_as_the_local_store_does() -> None:
    meta = _doc("Harbour Lights", "港口灯火")
    with FakeKubo() as node, KuboStore(node.url) as store:
        cid = store_metadata(store, meta)
        found = read_document(store, cid, MAX_BYTES)
        assert (found.status, found.document, found.size) == ("ok", meta.to_document(), len(meta.to_bytes()))
        absent = read_document(store, _doc("Not Here", "不在").cid(), MAX_BYTES)
        assert absent.status == "missing" and "does not hold this CID" in (absent.error or "")
        url = node.url
    with KuboStore(url) as gone:  # the node is down now
        down = read_document(gone, cid, MAX_BYTES)
    assert down.status == "missing" and "did not answer" in (down.error or "")


def test_the_worker_waits_while_the_indexer_backfills(chain: Chain, new_mirror: MirrorFactory, tmp_path: Path) -> None:
    store = LocalBlockStore(tmp_path / "content")
    hub = Hub(chain.w3, chain.deployment, chain.accounts[1], store=store)
    work = hub.register_work(unique_digest(), fake_cid(), _doc("Salt and Snow", "盐与雪")).work_id
    mirror = new_mirror()
    index_once(mirror, chain)
    engine = mirror.engine()

    def state(value: str) -> None:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE indexer_status SET state = :s, updated_at = :t"), {"s": value, "t": int(time.time())}
            )

    state("backfill")
    worker = MetadataWorker(engine, store, mirror.settings(chain, metadata_poll_interval=0.05))
    worker.start()
    try:
        time.sleep(0.5)
        assert _rows(mirror) == {}  # a backfill is under way: the worker leaves the database to it
        state("following")
        deadline = time.monotonic() + 10
        while not any(w == work for w, _ in _rows(mirror)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(w == work and r["status"] == "ok" for (w, _), r in _rows(mirror).items())
    finally:
        worker.stop()
        engine.dispose()


#: columns that say when and how often a document was read, not what it is
_WHEN = ("checked_at", "revision", "next_attempt_at", "attempts")


def test_a_rebuilt_mirror_converges_to_the_same_documents(
    chain: Chain, new_mirror: MirrorFactory, tmp_path: Path
) -> None:
    store = LocalBlockStore(tmp_path / "content")
    hub = Hub(chain.w3, chain.deployment, chain.accounts[1], store=store)
    work = hub.register_work(unique_digest(), fake_cid(), _doc("The Last Ferry", "最后一班渡轮")).work_id
    hub.update_metadata(work, _doc("The Last Ferry (director's cut)", "最后一班渡轮（导演剪辑版）"))
    first, rebuilt = new_mirror(), new_mirror()
    contents = []
    for mirror in (first, rebuilt):
        index_once(mirror, chain)
        engine = mirror.engine()
        MetadataWorker(engine, store, mirror.settings(chain)).drain()
        engine.dispose()
        rows = _rows(mirror)
        contents.append({key: {k: v for k, v in row.items() if k not in _WHEN} for key, row in rows.items()})
    assert contents[0] == contents[1]  # derived from chain + store: the same whichever mirror reads it
    current = [r for (w, _), r in contents[0].items() if w == work]
    assert [r["title_en"] for r in current] == ["The Last Ferry (director's cut)"]  # the old CID: never current here
