"""256-bit audio Content-Codes in the near-duplicate index (:mod:`indexer.similar`, issue 15 item 3): the
first 64 bits are banded like any unit, and a 256-bit query confirms each candidate over the full length,
on a real migrated SQLite file, directly and through ``GET /similar`` (the in-process app).

The codes are made from chosen bodies: ``NEAR`` agrees with ``STORED`` on the first 64 bits and differs in
exactly ``AUDIO_MAX_FULL_DISTANCE`` of the other 192 (confirmed), ``NOISE`` agrees on the first 64 bits and
differs in one more (refused: what two unrelated stationary noise tracks look like)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import iscc_core as ic
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from client_sdk.content.errors import InvalidISCC
from client_sdk.content.iscc import AUDIO_BITS, AUDIO_MAX_FULL_DISTANCE, confirms, unit
from indexer import models as m
from indexer.db import make_engine, migrate
from indexer.similar import search, write_codes

STORED = int.from_bytes(bytes(range(7, 7 + 32)), "big")
REST = (1 << (AUDIO_BITS - 64)) - 1  # the 192 bits after the first 64
NEAR = STORED ^ ((1 << AUDIO_MAX_FULL_DISTANCE) - 1)
NOISE = STORED ^ ((1 << (AUDIO_MAX_FULL_DISTANCE + 1)) - 1)


def audio(body: int, bits: int = AUDIO_BITS) -> str:
    raw = body.to_bytes(AUDIO_BITS // 8, "big")[: bits // 8]
    return "ISCC:" + ic.encode_component(ic.MT.CONTENT, ic.ST_CC.AUDIO, ic.VS.V0, bits, raw)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file holding work 1 with the 256-bit audio code ``STORED``."""
    folder = tmp_path_factory.mktemp("similar-audio")
    url = f"sqlite:///{folder / 'mirror.db'}"
    engine = make_engine(url)
    migrate(engine)
    work: dict[str, Any] = {
        "work_id": 1, "registry_address": "0x" + "11" * 20, "owner": "0x" + "ab" * 20,
        "content_digest": "0x" + "00" * 32, "content_cid": "bafyaudioc", "metadata_cid": "bafyaudio",
        "metadata_version": 1, "work_type": 0, "status": 0, "registered_block": 1,
        "registered_at": int(time.time()), "registered_tx": "0x" + "22" * 32, "updated_block": 1,
    }  # fmt: skip
    doc = {"file": {"contentCodes": {"content": audio(STORED)}}}
    with engine.begin() as conn:
        conn.execute(sa.insert(m.Work.__table__), [work])  # type: ignore[attr-defined]
        rows = [{"work_id": 1, "metadata_cid": "bafyaudio", "status": "ok", "document": json.dumps(doc)}]
        assert write_codes(conn, rows) == 1
    engine.dispose()
    return url


def test_the_first_64_bits_are_the_body_and_the_full_length_decides() -> None:
    u = unit(audio(STORED))
    assert (u.bits, u.full, u.body) == (AUDIO_BITS, STORED, STORED >> (AUDIO_BITS - 64))
    assert unit(audio(NEAR)).body == unit(audio(NOISE)).body == u.body  # the index cannot tell them apart
    assert confirms(audio(STORED), audio(NEAR)) and not confirms(audio(STORED), audio(NOISE))
    assert confirms(audio(STORED, 64), audio(NOISE))  # a 64-bit side: judged on 64 bits alone, as before


def test_a_256_bit_video_code_is_refused_with_the_reason() -> None:
    video = "ISCC:" + ic.encode_component(ic.MT.CONTENT, ic.ST_CC.VIDEO, ic.VS.V0, 256, bytes(32))
    with pytest.raises(InvalidISCC, match=r"256 bits; this hub compares 64-bit units \(and 256-bit audio"):
        unit(video)


def test_search_confirms_audio_candidates_over_256_bits(mirror: str) -> None:
    engine = make_engine(mirror)
    try:
        with engine.connect() as conn:
            near = search(conn, audio(NEAR))
            noise = search(conn, audio(NOISE))
            short = search(conn, audio(NOISE, 64))
    finally:
        engine.dispose()
    assert [(s.work_id, s.distance, s.match, s.code) for s in near] == [(1, 0, "content", audio(STORED))]
    assert noise == []
    assert [s.work_id for s in short] == [1]  # an ISCC-CODE's 64-bit audio unit is answered on 64 bits


def test_get_similar_takes_a_256_bit_audio_unit(mirror: str, tmp_path: Path) -> None:
    settings = Settings(database_url=mirror, response_cache_bytes=0, content_dir=tmp_path / "content")
    with TestClient(create_app(settings)) as client:
        found = {q: client.get("/similar", params={"iscc": audio(q)}) for q in (NEAR, NOISE)}
    assert all(r.status_code == 200 for r in found.values()), {q: r.text for q, r in found.items()}
    assert [w["work_id"] for w in found[NEAR].json()["data"]] == ["1"]
    assert found[NOISE].json()["data"] == []
