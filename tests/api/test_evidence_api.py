"""``GET /works/{id}/evidence`` and the ``evidence`` resource, on a mirror indexed from a chain with
evidence records (SQLite file and the real PostgreSQL)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from client_sdk import Hub
from client_sdk.chain import connect
from client_sdk.deploy import deploy
from copyright_hub.devnet import spawn_anvil
from indexer import Indexer, IndexerSettings
from tests.api.conftest import _database, _indexer_settings


@dataclass
class Mirror:
    client: TestClient
    work_id: int
    quiet_work_id: int
    digests: list[str]
    recorder: str


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def mirror(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    deployer: LocalAccount,
    studio: LocalAccount,
    stranger: LocalAccount,
) -> Iterator[Mirror]:
    tmp = tmp_path_factory.mktemp("evidence-api")
    with spawn_anvil() as node, _database(request.param, tmp) as database:
        w3 = connect(node.url)
        deployment = deploy(w3, deployer, tmp / "deployments").deployment
        owner, claimant = Hub(w3, deployment, studio), Hub(w3, deployment, stranger)
        work = owner.register_work(hashlib.sha256(b"the film").digest(), "bafyfilm", "bafymeta", 0).work_id
        quiet = owner.register_work(hashlib.sha256(b"another film").digest(), "bafyother", "bafymeta2", 0).work_id
        at = int(w3.eth.get_block("latest")["timestamp"])
        digests = []
        for i in range(2):
            digest = hashlib.sha256(b"copy %d" % i).digest()
            claimant.record_evidence(work, digest, f"bafycopy{i}", f"https://pirate.example/{i}.mp4", at)
            digests.append("0x" + digest.hex())
        settings = Settings(rpc_url=node.url, database_url=database, deployments_dir=tmp / "deployments")
        Indexer(IndexerSettings(**_indexer_settings(settings))).run(once=True)
        with TestClient(create_app(settings)) as client:
            yield Mirror(client, work, quiet, digests, stranger.address)


def test_a_works_evidence_is_listed_newest_first(mirror: Mirror) -> None:
    reply = mirror.client.get(f"/works/{mirror.work_id}/evidence")
    assert reply.status_code == 200, reply.text
    page = reply.json()
    assert page["count"] == 2
    assert [r["evidence_id"] for r in page["data"]] == ["2", "1"]  # uint256 as strings
    newest = page["data"][0]
    assert newest["work_id"] == str(mirror.work_id) and newest["digest"] == mirror.digests[1]
    assert newest["cid"] == "bafycopy1" and newest["source"] == "https://pirate.example/1.mp4"
    assert newest["recorder"].lower() == mirror.recorder.lower() and newest["recorded_tx"].startswith("0x")
    assert (
        mirror.client.get(f"/works/{mirror.work_id}/evidence", params={"limit": 1}).json()["data"][0]["evidence_id"]
        == "2"
    )


def test_a_work_without_evidence_lists_none_and_an_unknown_work_is_a_404(mirror: Mirror) -> None:
    assert mirror.client.get(f"/works/{mirror.quiet_work_id}/evidence").json() == {"data": [], "count": 0}
    missing = mirror.client.get("/works/987654/evidence")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")


def test_evidence_is_served_under_its_work_only(mirror: Mirror) -> None:
    """The schema declares the one route; records are not a top-level resource."""
    paths = mirror.client.get("/openapi.json").json()["paths"]
    assert "/works/{work_id}/evidence" in paths and "/evidence" not in paths
    assert mirror.client.get("/works/0/evidence").status_code == 404
