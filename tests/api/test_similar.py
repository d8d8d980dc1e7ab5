"""``GET /similar`` finds registered works whose ISCC codes are near a query, through the real metadata
worker and the band index (:mod:`indexer.similar`), on SQLite and PostgreSQL (the ``story`` fixture).

The codes are made from chosen 64-bit bodies, so the distances at the edges of the index are exact: a
code 7 bits away with no band equal (2+2+2+1 bits) is found at the default distance and not at 6."""

from __future__ import annotations

import hashlib
from typing import Any

import iscc_core as ic
import pytest

from client_sdk import Hub
from client_sdk.chain import connect
from client_sdk.content.iscc import DEFAULT_MAX_DISTANCE
from client_sdk.manifest import manifest_path, read_manifest
from client_sdk.metadata import WorkMetadata

from .conftest import Story
from .test_metadata_api import _read_metadata

BODY = 0x0123_4567_89AB_CDEF
#: 7 bits flipped: 2 in each of the first three 16-bit bands, 1 in the last (no band equal)
SEVEN = BODY ^ (0b11 << 60) ^ (0b11 << 40) ^ (0b11 << 20) ^ (1 << 3)
FAR = BODY ^ ((1 << 64) - 1)


def _unit(mt: int, st: int, body: int) -> str:
    return "ISCC:" + ic.encode_component(mt, st, ic.VS.V0, 64, body.to_bytes(8, "big"))


def video(body: int) -> str:
    return _unit(ic.MT.CONTENT, ic.ST_CC.VIDEO, body)


def codes(content_body: int, salt: int) -> dict[str, Any]:
    content = video(content_body)
    data = _unit(ic.MT.DATA, ic.ST.NONE, content_body ^ salt)
    instance = _unit(ic.MT.INSTANCE, ic.ST.NONE, salt * 0x9E37_79B9 % (1 << 64))
    iscc = "ISCC:" + ic.gen_iscc_code_v0([content, data, instance])["iscc"].removeprefix("ISCC:")
    return {"kind": "video", "content": content, "data": data, "instance": instance, "iscc": iscc}


@pytest.fixture(scope="module")
def works(story: Story) -> dict[str, Any]:
    """An original (the studio's), a near copy 7 bits away (the stranger's), an unrelated work."""
    w3 = connect(story.settings.rpc_url)
    deployment = read_manifest(manifest_path(w3.eth.chain_id, story.settings.deployments_dir))
    made: dict[str, Any] = {}
    for name, account, body, salt in (
        ("original", story.studio, BODY, 1),
        ("copy", story.stranger, SEVEN, 2),
        ("other", story.studio, FAR, 3),
    ):
        doc = WorkMetadata(
            "film", title_en=f"Similar {name}", file={"name": f"{name}.mp4", "contentCodes": codes(body, salt)}
        )
        hub = Hub(w3, deployment, account, store=story.store)
        work_id = hub.register_work(hashlib.sha256(f"similar-{name}".encode()).digest(), "bafycontent", doc).work_id
        made[name] = {"id": work_id, "owner": account.address, "codes": codes(body, salt)}
    story.reindex()
    _read_metadata(story)
    return made


def _similar(story: Story, **params: Any) -> list[dict[str, Any]]:
    resp = story.client.get("/similar", params=params)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["count"] == len(body["data"])
    return list(body["data"])


def test_a_code_finds_its_work_and_a_near_copy_with_distance_holder_and_kind(
    story: Story, works: dict[str, Any]
) -> None:
    found = _similar(story, iscc=video(BODY))
    assert [(int(w["work_id"]), w["distance"], w["match"]) for w in found] == [
        (works["original"]["id"], 0, "content"),
        (works["copy"]["id"], 7, "content"),
    ]
    assert found[1]["owner"].lower() == works["copy"]["owner"].lower() and found[1]["code"] == video(SEVEN)
    assert DEFAULT_MAX_DISTANCE == 7
    assert [int(w["work_id"]) for w in _similar(story, iscc=video(BODY), max_distance=6)] == [works["original"]["id"]]
    assert _similar(story, iscc=video(BODY ^ 0xFF00_FF00_FF00_FF00)) == []


def test_an_iscc_code_is_looked_up_unit_by_unit_and_same_bytes_are_identical(
    story: Story, works: dict[str, Any]
) -> None:
    original = works["original"]
    found = _similar(story, iscc=original["codes"]["iscc"])
    assert (int(found[0]["work_id"]), found[0]["match"], found[0]["distance"]) == (original["id"], "identical", 0)
    assert works["copy"]["id"] in {int(w["work_id"]) for w in found}
    assert _similar(story, iscc=original["codes"]["instance"])[0]["match"] == "identical"
    by_data = _similar(story, iscc=original["codes"]["data"])
    assert [(int(w["work_id"]), w["match"]) for w in by_data] == [(original["id"], "data")]


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"iscc": "hello"}, "iscc"),
        ({"iscc": "ISCC:KZZZZZZZZZZZZZZZZ"}, "not a valid ISCC-CODE"),
        ({"iscc": video(BODY), "max_distance": 16}, "max_distance"),
        ({}, "iscc"),
    ],
)
def test_a_bad_code_or_distance_is_a_422_problem(story: Story, params: dict[str, Any], says: str) -> None:
    resp = story.client.get("/similar", params=params)
    assert (resp.status_code, resp.headers["content-type"]) == (422, "application/problem+json"), resp.text
    assert says in resp.text
