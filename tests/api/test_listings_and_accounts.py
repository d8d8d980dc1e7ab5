"""Listings a buyer can act on and accounts, on SQLite and PostgreSQL. The rows are written straight
into the mirror's tables (the API's reading, not the indexer, is under test; the chain-backed story in
``test_catalogue.py`` checks the same routes over a real indexed devnet)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlmodel import Session
from web3 import Web3

from api.main import create_app
from api.models import decimal_text
from api.settings import Settings
from client_sdk import Hub, Right, Terms
from indexer import models as m
from indexer.db import make_engine, migrate
from tests.api.conftest import Story, _database
from tests.contracts.conftest import deploy_contract

STUDIO, BUYER, TOKEN = "0x" + "5a" * 20, "0x" + "b7" * 20, "0x" + "70" * 20
MARKET, RESOLVER, ETH = "0x" + "aa" * 20, "0x" + "cc" * 20, "0x" + "00" * 20
TX = "0x" + "ab" * 32
WORK = 2**200 + 1


def _offer(offer_id: int, **terms: object) -> m.Offer:
    fields: dict[str, object] = {
        "work_id": WORK, "creator": STUDIO, "rights": 0b1000_0001, "territories": "[]", "start": 1_767_225_600,
        "end": 2**40 - 1, "exclusive": False, "sublicensable": False, "transferable": True, "price": 5 * 10**16,
        "currency": ETH, "supply_cap": 0, "created_block": 1, "created_at": 1, "created_tx": TX, "updated_block": 1,
    }  # fmt: skip
    return m.Offer(offer_id=offer_id, **{**fields, **terms})


def _seed(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    with Session(engine) as s:
        s.add(
            m.Work(
                work_id=WORK, registry_address=STUDIO, owner=STUDIO, content_digest="0x" + "11" * 32,
                content_cid="bafycontent", metadata_cid="bafynew", work_type=0, registered_block=1, registered_at=1,
                registered_tx=TX, updated_block=1,
            )
        )  # fmt: skip
        # the current document and an older one: only the current CID's titles are shown
        for cid, en, zh in (("bafynew", "Harbour Lights", "港湾灯火"), ("bafyold", "Old Title", "旧题")):
            s.add(m.MetadataDocument(work_id=WORK, metadata_cid=cid, status="ok", checked_at=1, revision=1, title_en=en, title_zh=zh))  # fmt: skip
        s.add(_offer(1))
        s.add(_offer(2, territories="[156, 826, 999]", supply_cap=3, exclusive=True, price=7 * 10**18 + 1, currency=TOKEN))  # fmt: skip
        for i in (1, 2):
            s.add(
                m.Licence(
                    licence_id=(2 << 128) | i, work_id=WORK, licensee=BUYER, holder=BUYER, offer_id=2,
                    signed_offer_digest="0x" + "00" * 32, rights=1, start=0, end=2**40 - 1, exclusive=True,
                    sublicensable=False, transferable=True, currency=TOKEN, price=7 * 10**18 + 1, fee=0,
                    revoked=i == 2, granted_block=1, granted_at=1, granted_tx=TX,
                )
            )  # fmt: skip
        # the studio: two market credits in ETH (one partly withdrawn), one in a token, a resolver bond
        credits = [(MARKET, ETH, 10**30), (MARKET, ETH, 3 * 10**16), (MARKET, TOKEN, 9), (RESOLVER, ETH, 10**17)]
        for n, (contract, currency, amount) in enumerate(credits):
            s.add(m.Payment(block_number=1, log_index=n, tx_hash=TX, time=1, contract=contract, payee=STUDIO, currency=currency, amount=amount))  # fmt: skip
        s.add(m.Withdrawal(block_number=2, log_index=0, tx_hash=TX, time=2, contract=MARKET, payee=STUDIO, currency=ETH, amount=10**30))  # fmt: skip
        s.commit()
    engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("listings")
    with _database(request.param, tmp) as url:
        _seed(url)
        with TestClient(create_app(Settings(database_url=url, content_dir=Path(tmp) / "content"))) as c:
            yield c


def test_an_ether_offer_reads_in_words(client: TestClient) -> None:
    offer = client.get("/offers/1").json()
    assert (offer["title_en"], offer["title_zh"]) == ("Harbour Lights", "港湾灯火")
    assert (offer["price"], offer["price_decimal"], offer["currency_symbol"]) == (str(5 * 10**16), "0.05", "ETH")
    terms = offer["terms"]
    assert terms["rights"] == ["reproduction", "information_network"] and terms["rights_mask"] == 0b1000_0001
    assert terms["worldwide"] is True and terms["territory_names"] == []
    assert (terms["start"], terms["start_iso"]) == (1_767_225_600, "2026-01-01T00:00:00Z")
    assert terms["end_iso"] is None  # past year 9999: open-ended
    assert offer["supply_left"] is None and offer["sold"] == 0 and offer["work_id"] == str(WORK)


def test_a_token_offer_names_its_territories_and_supply_left(client: TestClient) -> None:
    page = client.get("/offers", params={"work_id": str(WORK)}).json()
    assert [o["offer_id"] for o in page["data"]] == ["2", "1"]
    offer = page["data"][0]
    assert offer["terms"]["territory_names"] == [
        {"code": 156, "name": "China"},
        {"code": 826, "name": "United Kingdom of Great Britain and Northern Ireland"},
        {"code": 999, "name": "not an ISO 3166-1 code (999)"},
    ]
    assert offer["terms"]["worldwide"] is False and offer["terms"]["exclusive"] is True
    assert (offer["sold"], offer["supply_left"]) == (2, 1)
    # an ERC-20: the mirror knows no symbol or decimals, so the price stays exact in base units
    assert offer["price"] == str(7 * 10**18 + 1) and offer["price_decimal"] is None
    assert offer["currency"] == Web3.to_checksum_address(TOKEN) and offer["currency_symbol"] is None


def test_an_account_has_its_earnings_per_contract_and_currency(client: TestClient) -> None:
    body = client.get(f"/accounts/{Web3.to_checksum_address(STUDIO)}").json()
    assert body["address"] == Web3.to_checksum_address(STUDIO)
    assert [w["work_id"] for w in body["works"]["data"]] == [str(WORK)] and body["licences"]["count"] == 0
    earnings = {(e["contract"], e["currency"]): e for e in body["earnings"]}
    market, resolver = Web3.to_checksum_address(MARKET), Web3.to_checksum_address(RESOLVER)
    market_eth = earnings[(market, ETH)]
    assert (market_eth["credited"], market_eth["withdrawn"]) == (str(10**30 + 3 * 10**16), str(10**30))
    assert (market_eth["waiting"], market_eth["waiting_decimal"]) == (str(3 * 10**16), "0.03")
    token = earnings[(market, Web3.to_checksum_address(TOKEN))]
    assert (token["waiting"], token["waiting_decimal"], token["currency_symbol"]) == ("9", None, None)
    assert earnings[(resolver, ETH)]["waiting_decimal"] == "0.1" and len(earnings) == 3


def test_an_account_lists_its_licences_with_their_status_now(client: TestClient) -> None:
    body = client.get(f"/accounts/{BUYER}", params={"limit": 1}).json()
    assert body["works"]["count"] == 0 and body["earnings"] == []
    assert body["licences"]["count"] == 2 and len(body["licences"]["data"]) == 1
    (newest,) = body["licences"]["data"]
    assert (newest["licence_id"], newest["status"]) == (str((2 << 128) | 2), "revoked")
    nobody = client.get(f"/accounts/0x{'00' * 19}01").json()
    assert nobody["works"]["count"] == nobody["licences"]["count"] == 0 and nobody["earnings"] == []


def test_an_account_address_is_checked(client: TestClient) -> None:
    for bad, says in (("0x123", "not an address"), ("0x" + "5A" * 10 + "5a" * 10, "checksum")):
        r = client.get(f"/accounts/{bad}")
        assert r.status_code == 422 and says in r.json()["detail"], r.text


def test_a_works_detail_shows_its_offers_as_offers_does(client: TestClient) -> None:
    """One presenter for an offer: the offers nested in ``/works/{id}`` are ``/offers``' items, titles,
    sales and supply left included."""
    nested = client.get(f"/works/{WORK}").json()["offers"]
    listed = client.get("/offers", params={"work_id": str(WORK)}).json()["data"]
    assert nested == sorted(listed, key=lambda o: int(o["offer_id"]))
    token_offer = nested[1]
    assert (token_offer["title_en"], token_offer["title_zh"]) == ("Harbour Lights", "港湾灯火")
    assert (token_offer["sold"], token_offer["supply_left"]) == (2, 1)


def test_a_licence_shows_its_window_in_iso_8601_like_an_offer(client: TestClient) -> None:
    licence = client.get("/licences", params={"holder": BUYER}).json()["data"][0]
    assert (licence["start"], licence["start_iso"]) == (0, "1970-01-01T00:00:00Z")
    assert (licence["end"], licence["end_iso"]) == (2**40 - 1, None)  # past year 9999: open-ended, as offers say
    offer_terms = client.get("/offers/1").json()["terms"]
    assert {"start_iso", "end_iso"} <= set(offer_terms) and {"start_iso", "end_iso"} <= set(licence)


def test_token_amounts_read_with_the_symbol_and_decimals_the_chain_gives(story: Story, deployer: LocalAccount) -> None:
    """An ERC-20's symbol() and decimals() are read from the chain the first time an amount in it is
    shown and kept in api_token; an address without them is kept with a note and stays in base units."""
    nothing_there = "0x" + "2e" * 20  # allow-listed, but no contract answers symbol() or decimals()
    with Hub.connect(story.node.url, deployments_dir=story.settings.deployments_dir, account=deployer) as admin:
        token = deploy_contract(admin.w3, deployer, "TestERC20")  # "TEST", 18 decimals
        for currency in (token.address, nothing_there):
            admin.set_currency_allowed(currency, True)
    with Hub.connect(story.node.url, deployments_dir=story.settings.deployments_dir, account=story.stranger) as seller:
        now = seller.chain_time()
        ids = [
            seller.create_offer(Terms(work_id=story.short_id, rights=int(Right.TRANSLATION), start=now,
                                      end=now + 30 * 86_400, price=price, currency=currency))
            for price, currency in ((7 * 10**18 + 5 * 10**17, token.address), (123, nothing_there))
        ]  # fmt: skip
    story.reindex()
    known = story.client.get(f"/offers/{ids[0]}").json()
    assert (known["price"], known["price_decimal"]) == (str(75 * 10**17), "7.5")
    assert (known["currency_symbol"], known["currency_decimals"]) == ("TEST", 18)
    unknown = story.client.get(f"/offers/{ids[1]}").json()
    assert (unknown["price"], unknown["price_decimal"], unknown["currency_symbol"]) == ("123", None, None)
    engine = make_engine(story.settings.database_url)
    with engine.connect() as conn:
        facts = {r.address: r for r in conn.execute(sa.select(m.TokenFacts.__table__))}  # type: ignore[attr-defined]
    engine.dispose()
    assert (facts[token.address.lower()].symbol, facts[token.address.lower()].decimals) == ("TEST", 18)
    missing = facts[nothing_there]
    assert (missing.symbol, missing.decimals) == (None, None) and "no answer" in (missing.note or "")
    # the detail of the work nests the same offers, read from what is stored now
    nested = {o["offer_id"]: o for o in story.client.get(f"/works/{story.short_id}").json()["offers"]}
    assert nested[str(ids[0])]["price_decimal"] == "7.5" and nested[str(ids[1])]["currency_decimals"] is None


def test_decimal_text_is_exact_for_any_uint256() -> None:
    assert [decimal_text(v, d) for v, d in ((7_000_001, 6), (10**18, 18), (0, 6), (5, 0))] == [
        "7.000001",
        "1",
        "0",
        "5",
    ]
    assert decimal_text(2**256 - 1, 18) == str(2**256 - 1)[:-18] + "." + str(2**256 - 1)[-18:]
