"""Distribution requirements through the API and the work page, on the demo data of ``make up``
(:func:`copyright_hub.demo.load`): China (156) requires a filing before a film is licensed for
information-network dissemination; River Harbour has its filing number, The Tea Merchant's Daughter has
none. On top, Hong Kong (344) requires an age rating for screening licences of every type: River
Harbour's was rejected, the tea film's expired. Indexed into a real database (SQLite and PostgreSQL),
served by the real app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from client_sdk import STANDARD_KINDS, AttestationKind, Decision, Hub, Right
from client_sdk.chain import connect
from client_sdk.content import LocalBlockStore
from client_sdk.deploy import deploy
from copyright_hub import demo
from copyright_hub.devnet import spawn_anvil
from indexer import Indexer, IndexerSettings
from tests.api.conftest import SIWE_DOMAIN, _database, _indexer_settings

HONG_KONG = 344


@dataclass
class Demo:
    client: TestClient
    ids: dict[str, int]
    buyer: LocalAccount


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shown(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    deployer: LocalAccount,
    studio: LocalAccount,
    buyer: LocalAccount,
    auditor: LocalAccount,
    arbiter: LocalAccount,
    stranger: LocalAccount,
) -> Iterator[Demo]:
    tmp = tmp_path_factory.mktemp("requirements-api")
    with spawn_anvil() as node, _database(request.param, tmp) as database:
        w3 = connect(node.url)
        deployment = deploy(w3, deployer, tmp / "deployments").deployment
        accounts = demo.DemoAccounts(
            admin=deployer, studio=studio, buyer=buyer, reviewer=auditor, co_owner=arbiter, regulator=stranger
        )
        assert demo.load(lambda a: Hub(w3, deployment, a), accounts, LocalBlockStore(tmp / "content")) == 7
        reviewer, regulator = Hub(w3, deployment, auditor), Hub(w3, deployment, stranger)
        ids = {name: reviewer.work_id_by_digest(_digest(seed)) for name, seed in (("river", "river"), ("tea", "tea"))}
        ids["podcast"] = reviewer.work_id_by_digest(_digest("market"))
        Hub(w3, deployment, deployer).set_regulator(stranger.address, [HONG_KONG])
        ids["hk"] = regulator.set_requirement(HONG_KONG, AttestationKind.AGE_RATING, rights_mask=int(Right.SCREENING))
        now = int(w3.eth.get_block("latest")["timestamp"])
        ids["rejected"] = reviewer.attest(
            ids["river"], AttestationKind.AGE_RATING, Decision.REJECTED, territory=HONG_KONG
        )
        ids["expired"] = reviewer.attest(
            ids["tea"], AttestationKind.AGE_RATING, territory=HONG_KONG, reference="IIB", valid_from=now - 3600,
            valid_until=now - 60,
        )  # fmt: skip
        settings = Settings(
            rpc_url=node.url, database_url=database, deployments_dir=tmp / "deployments",
            content_dir=tmp / "content", siwe_domain=SIWE_DOMAIN,
        )  # fmt: skip
        Indexer(IndexerSettings(**_indexer_settings(settings))).run(once=True)
        with TestClient(create_app(settings)) as client:
            (offer,) = client.get("/offers", params={"work_id": ids["tea"]}).json()["data"]
            ids["tea_offer"] = int(offer["offer_id"])  # the demo's offer on the unfiled film
            yield Demo(client, ids, buyer)


def _digest(seed: str) -> bytes:
    import hashlib

    size = next(size for _meta, s, size in demo.DEMO_WORKS if s == seed)
    return hashlib.sha256(demo.media(seed, size)).digest()


def _territories(answer: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {t["territory"]["code"]: t for t in answer["territories"]}


def test_a_filed_film_meets_china_and_links_its_filing(shown: Demo) -> None:
    answer = shown.client.get(f"/works/{shown.ids['river']}/requirements").json()
    assert answer["work_id"] == str(shown.ids["river"]) and answer["worldwide_met"] is False
    china, hong_kong = _territories(answer)[demo.CHINA], _territories(answer)[HONG_KONG]
    (filing,) = china["requirements"]
    assert china["met"] is True and china["territory"]["name"] == "China"
    assert filing["kind"] == AttestationKind.FILING and filing["kind_name"] == "filing" and filing["state"] == "met"
    assert filing["rights"] == ["information_network"]
    assert filing["reference"] == demo.DEMO_FILING_NUMBER and filing["attestation_territory"] == demo.CHINA
    attestation = shown.client.get(filing["attestation"]).json()  # the link is served
    assert filing["attestation"] == f"/attestations/{filing['attestation_id']}"
    assert attestation["reference"] == demo.DEMO_FILING_NUMBER and attestation["kind"] == AttestationKind.FILING
    (rating,) = hong_kong["requirements"]
    assert hong_kong["met"] is False and rating["state"] == "rejected"
    assert rating["attestation_id"] == str(shown.ids["rejected"])


def test_an_unfiled_film_misses_china_and_an_expired_rating_reads_expired(shown: Demo) -> None:
    answer = shown.client.get(f"/works/{shown.ids['tea']}/requirements").json()
    (filing,) = _territories(answer)[demo.CHINA]["requirements"]
    assert filing["state"] == "missing" and filing["attestation"] is None and filing["attestation_id"] is None
    (rating,) = _territories(answer)[HONG_KONG]["requirements"]
    assert rating["state"] == "expired" and rating["reference"] == "IIB" and rating["valid_until"] > 0


def test_requirements_apply_by_work_type_and_rights(shown: Demo) -> None:
    podcast = shown.client.get(f"/works/{shown.ids['podcast']}/requirements", params={"territory": demo.CHINA})
    assert _territories(podcast.json())[demo.CHINA] == {
        "territory": {"code": demo.CHINA, "name": "China"}, "met": True, "requirements": [],
    }  # fmt: skip
    broadcast = shown.client.get(f"/works/{shown.ids['tea']}/requirements", params={"right": "broadcasting"}).json()
    assert broadcast["rights"] == ["broadcasting"] and broadcast["worldwide_met"] is True
    assert all(t["requirements"] == [] for t in broadcast["territories"])


def test_requirements_and_kinds_are_served_as_resources(shown: Demo) -> None:
    china = shown.client.get("/requirements", params={"territory": demo.CHINA}).json()
    assert china["count"] == 1
    (row,) = china["data"]
    assert row["kind_name"] == "filing" and row["work_types"] == ["film"] and row["rights"] == ["information_network"]
    assert row["work_type_mask"] == "1" and row["active"] is True  # a U256 column: a string
    assert shown.client.get(f"/requirements/{shown.ids['hk']}").json()["kind_name"] == "age_rating"
    kinds = shown.client.get("/attestation-kinds").json()
    assert {k["kind"]: (k["name"], k["meaning"]) for k in kinds["data"]} == {
        int(k): v for k, v in STANDARD_KINDS.items()
    }
    by_work = shown.client.get("/attestations", params={"work_id": shown.ids["tea"]}).json()
    assert [a["attestation_id"] for a in by_work["data"]] == [str(shown.ids["expired"])]


@pytest.mark.parametrize(
    ("query", "status", "text"),
    [
        ({"right": "gossip"}, 422, "'gossip' is not one of"),
        ({"territory": 1000}, 422, "less than or equal to 999"),
    ],
)
def test_bad_queries_are_named_problems(shown: Demo, query: dict[str, Any], status: int, text: str) -> None:
    answer = shown.client.get(f"/works/{shown.ids['river']}/requirements", params=query)
    assert answer.status_code == status and answer.headers["content-type"] == "application/problem+json"
    assert text in json.dumps(answer.json())  # the detail, or the errors a request validation names


def test_an_unknown_work_is_a_404(shown: Demo) -> None:
    assert shown.client.get("/works/999999/requirements").status_code == 404


def test_the_work_page_shows_which_offer_can_sell_and_why_not(shown: Demo) -> None:
    river = shown.client.get(f"/work/{shown.ids['river']}", params={"lang": "en"}).text
    assert "Distribution requirements" in river and demo.DEMO_FILING_NUMBER in river
    assert "Requirements met in China (156)." in river and 'class="buy"' in river
    assert 'href="/attestations/' in river and 'data-state="rejected"' in river
    tea = shown.client.get(f"/work/{shown.ids['tea']}", params={"lang": "en"}).text
    assert "Cannot be sold now: China (156): filing missing." in tea
    assert 'class="buy"' not in tea and 'data-state="missing"' in tea and 'data-state="expired"' in tea
    chinese = shown.client.get(f"/work/{shown.ids['tea']}", params={"lang": "zh"}).text
    assert "发行要求" in chinese and "暂不可售：China (156)：备案缺失。" in chinese
    podcast = shown.client.get(f"/work/{shown.ids['podcast']}", params={"lang": "en"}).text
    assert 'data-territory="344"' in podcast and 'data-territory="156"' not in podcast  # China's binds films only


def test_fulfilling_an_offer_that_misses_a_requirement_is_a_409_naming_territory_and_kind(shown: Demo) -> None:
    refused = shown.client.post(
        f"/offers/{shown.ids['tea_offer']}/fulfil", json={"buyer": shown.buyer.address, "max_price": str(10**18)}
    )
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["title"] == "RequirementNotMet"
    assert "territory 156" in problem["detail"] and f"kind {int(AttestationKind.FILING)}" in problem["detail"]



def test_narrow_keys_are_bounded_in_the_path(shown: Demo) -> None:
    """A requirement id is a uint32 and a kind a uint8: beyond them a 422, never a database overflow."""
    assert shown.client.get(f"/requirements/{2**32}").status_code == 422
    assert shown.client.get("/attestation-kinds/256").status_code == 422
    assert shown.client.get(f"/requirements/{2**32 - 1}").status_code == 404
    assert shown.client.get("/attestation-kinds/255").status_code == 404
