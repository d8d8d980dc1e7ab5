"""The response cache (:mod:`api.cache`): answers are kept per mirror version (the checkpoint's block
number and hash), so they change when the indexer advances and on a reorg that ends at the same
height; the checkpoint is read at most once per poll interval; ETags give 304s; routes that read the
clock are kept for one second; nothing is cached before the mirror has a checkpoint. On SQLite and
PostgreSQL: the real indexer on a private anvil, and rows written straight into the mirror where the
test needs one exact change."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.main import create_app
from api.settings import Settings
from indexer import models as m
from indexer.db import make_engine
from tests.api.conftest import _database
from tests.api.test_read_layer import LEAD, TX, _seed
from tests.indexer import conftest as indexer_fixtures
from tests.indexer.conftest import Chain, MirrorFactory, index_once

# the indexer tests' private anvil with the hub deployed, and fresh mirrors on SQLite and PostgreSQL
chain = indexer_fixtures.chain
new_mirror = indexer_fixtures.new_mirror

FINALITY = 3


@contextmanager
def _client(url: str, tmp: Path, **settings: Any) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(database_url=url, content_dir=tmp / "content", **settings))) as client:
        yield client


def _cache(client: TestClient) -> Any:
    return client.app.state.services.response_cache  # type: ignore[attr-defined]


def _checkpoint(url: str) -> tuple[int, str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        number, block_hash = conn.execute(sa.text("SELECT block_number, block_hash FROM checkpoint")).one()
    engine.dispose()
    return int(number), str(block_hash)


def test_answers_follow_the_indexer_as_it_advances_and_through_a_reorg(
    chain: Chain, new_mirror: MirrorFactory, tmp_path: Path
) -> None:
    chain.register(2)
    mirror = new_mirror()
    index_once(mirror, chain, finality_depth=FINALITY)
    with (
        _client(mirror.url, tmp_path, response_cache_poll_ms=0) as client,
        _client(mirror.url, tmp_path, response_cache_bytes=0) as uncached,
    ):
        first = client.get("/works?limit=200")
        again = client.get("/works?limit=200")
        assert first.status_code == 200 and again.content == first.content
        assert (_cache(client).misses, _cache(client).hits) == (1, 1)
        assert first.content == uncached.get("/works?limit=200").content  # the cache changes no byte
        assert _cache(uncached) is None and "etag" not in uncached.get("/works").headers

        chain.register(1)
        index_once(mirror, chain, finality_depth=FINALITY)
        advanced = client.get("/works?limit=200")
        assert advanced.json()["count"] == first.json()["count"] + 1
        assert advanced.headers["etag"] != first.headers["etag"]

        # the last block replaced by one with two other registrations: same height, another hash
        before = _checkpoint(mirror.url)
        chain.sync_nonces()
        chain.rpc("anvil_reorg", [1, [[tx, 0] for tx in chain.signed_registrations(chain.accounts[3], 2)]])
        chain.sync_nonces()
        index_once(mirror, chain, finality_depth=FINALITY)
        after = _checkpoint(mirror.url)
        assert after[0] == before[0] and after[1] != before[1]
        reorged = client.get("/works?limit=200")
        assert reorged.json()["count"] == first.json()["count"] + 2
        assert reorged.content == uncached.get("/works?limit=200").content


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def mirror(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Three works written straight into a mirror, checkpointed at block 10."""
    with _database(request.param, tmp_path) as url:
        _seed(url, 3)
        _write(url, "INSERT INTO checkpoint (chain_id, block_number, block_hash, undo_floor, start_block, contracts) "
                    "VALUES (31337, 10, :h, 0, 0, '{}')", h="0x" + "aa" * 32)  # fmt: skip
        yield url


def _write(url: str, sql: str, **params: Any) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(sql), params)
    engine.dispose()


def _set_cid(url: str, work_id: int, cid: str) -> None:
    """Change one work's content CID (through the table's column types: ids are stored as uint256)."""
    work = m.Work.__table__  # type: ignore[attr-defined]
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.update(work).where(work.c.work_id == work_id).values(content_cid=cid))
    engine.dispose()


def _checkpoint_reads(client: TestClient) -> list[float]:
    """When (``time.monotonic()``) the app's engine read the checkpoint, from now on."""
    reads: list[float] = []
    engine = client.app.state.services.engine  # type: ignore[attr-defined]

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM checkpoint" in statement:
            reads.append(time.monotonic())

    sa.event.listen(engine, "before_cursor_execute", count)
    return reads


def test_the_checkpoint_is_read_at_most_once_per_poll_interval(mirror: str, tmp_path: Path) -> None:
    poll = 1.5
    with _client(mirror, tmp_path, response_cache_poll_ms=int(poll * 1000)) as client:
        reads = _checkpoint_reads(client)
        old = [client.get(path) for path in ("/works", "/works/2", "/offers", "/", "/works")]
        assert all(r.status_code == 200 for r in old) and len(reads) == 1
        # a reorg at the same height that changes work 2: not seen until the interval has passed
        _set_cid(mirror, 2, "bafychanged")
        _write(mirror, "UPDATE checkpoint SET block_hash = :h", h="0x" + "bb" * 32)
        stale = client.get("/works/2")
        if time.monotonic() - reads[0] < poll:  # on a stalled machine the interval may be over already
            assert stale.content == old[1].content and len(reads) == 1
        time.sleep(max(0.0, reads[0] + poll - time.monotonic()) + 0.05)
        fresh = client.get("/works/2")
        assert fresh.json()["content_cid"] == "bafychanged" and len(reads) == 2
        assert client.get("/works").json()["data"][1]["content_cid"] == "bafychanged"


def test_if_none_match_gets_304_until_the_answer_changes(mirror: str, tmp_path: Path) -> None:
    with _client(mirror, tmp_path, response_cache_poll_ms=0) as client:
        first = client.get("/works/1")
        etag = first.headers["etag"]
        assert first.headers["cache-control"] == "no-cache"
        for header in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
            not_modified = client.get("/works/1", headers={"If-None-Match": header})
            assert not_modified.status_code == 304 and not_modified.content == b"", header
            assert not_modified.headers["etag"] == etag
        assert client.get("/works/1", headers={"If-None-Match": '"nope"'}).content == first.content
        head = client.head("/works/1")
        assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == etag
        page = client.get("/", headers={"If-None-Match": client.get("/").headers["etag"]})
        assert page.status_code == 304

        _set_cid(mirror, 1, "bafychanged")
        _write(mirror, "UPDATE checkpoint SET block_number = 11")
        changed = client.get("/works/1", headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.json()["content_cid"] == "bafychanged"
        assert changed.headers["etag"] != etag
        # problems are not cached: a work that appears with the next block is found at once
        assert client.get("/works/4").status_code == 404
        _seed_work(mirror, 4)
        _write(mirror, "UPDATE checkpoint SET block_number = 12")
        assert client.get("/works/4").status_code == 200


def _seed_work(url: str, work_id: int) -> None:
    engine = make_engine(url)
    with Session(engine) as s:
        s.add(
            m.Work(
                work_id=work_id, registry_address=LEAD, owner=LEAD, content_digest=f"0x{work_id:064x}",
                content_cid="bafynew", metadata_cid="bafymnew", work_type=1, registered_block=12, registered_at=12,
                registered_tx=TX, updated_block=12,
            )
        )  # fmt: skip
        s.commit()
    engine.dispose()


def test_a_route_that_reads_the_clock_is_kept_for_the_current_second_only(mirror: str, tmp_path: Path) -> None:
    end = int(time.time()) + 2
    engine = make_engine(mirror)
    with Session(engine) as s:
        s.add(
            m.Licence(
                licence_id=1, work_id=1, licensee=LEAD, holder=LEAD, offer_id=1, signed_offer_digest="0x" + "00" * 32,
                rights=1, start=0, end=end, exclusive=False, sublicensable=False, transferable=True, currency=LEAD,
                price=1, fee=0, granted_block=10, granted_at=0, granted_tx=TX,
            )
        )  # fmt: skip
        s.commit()
    engine.dispose()
    with _client(mirror, tmp_path, response_cache_poll_ms=60_000) as client:
        assert client.get("/licences/1").json()["status"] == "valid"
        time.sleep(max(0.0, end - time.time()) + 0.05)
        assert client.get("/licences/1").json()["status"] == "expired"  # the mirror has not moved
        assert client.get("/licences").json()["data"][0]["status"] == "expired"


def test_nothing_is_cached_before_the_mirror_has_a_checkpoint(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    _seed(url, 2)
    with _client(url, tmp_path, response_cache_poll_ms=0) as client:
        assert client.get("/works").json()["count"] == 2
        _seed_work(url, 3)
        assert client.get("/works").json()["count"] == 3
        assert "etag" not in client.get("/works").headers and len(_cache(client)) == 0


def test_a_metadata_write_moves_the_version_without_the_checkpoint(mirror: str, tmp_path: Path) -> None:
    """The metadata worker writes ``work_metadata`` without moving the checkpoint; its revision is part
    of the mirror version, so what it writes is never hidden by a cached answer."""
    with _client(mirror, tmp_path, response_cache_poll_ms=0) as client:
        first = client.get("/works/1")
        assert client.get("/works/1").content == first.content and _cache(client).hits == 1
        engine = make_engine(mirror)
        with Session(engine) as s:
            s.add(m.MetadataDocument(work_id=1, metadata_cid="bafym1", status="ok", checked_at=1, revision=1))
            s.commit()
        engine.dispose()
        client.get("/works/1")
        assert (_cache(client).misses, _cache(client).hits) == (2, 1)
