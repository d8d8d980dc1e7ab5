"""Trading over HTTP (issue 11 items 4 and 5): the order book of signed offers, purchases built for the
buyer's own wallet, the relay and its status, a studio's transactions; every bad input a precise 4xx
with nothing stored and nothing sent. On SQLite and PostgreSQL (the book is judged against the mirror).

The buyer uses only the HTTP client and ``eth_account`` (its key signs locally): no SDK call, no RPC.
The seller signs with the SDK, as a studio does; the tests read the chain only to assert.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from client_sdk import Hub, Right, SignedOffer, Terms
from client_sdk._licensing import signed_offer_to_json
from client_sdk.terms import signed_offer_typed_data
from tests.api.conftest import Story
from tests.contracts.conftest import call_as, deploy_contract

DAY = 86_400
NUMBERS = ("value", "chainId", "nonce", "gas", "maxFeePerGas", "maxPriorityFeePerGas")


@pytest.fixture(scope="module")
def studio_hub(story: Story) -> Iterator[Hub]:
    hub = Hub.connect(story.node.url, deployments_dir=story.settings.deployments_dir, account=story.studio)
    yield hub
    hub.close()


def _sign_and_relay(client: TestClient, account: LocalAccount, unsigned: dict[str, Any]) -> dict[str, Any]:
    """What a wallet does with a transaction the hub built: sign it locally, hand it to the relay."""
    tx = {k: int(unsigned[k]) for k in NUMBERS} | {"to": unsigned["to"], "data": unsigned["data"], "type": 2}
    assert unsigned["from"] == account.address
    raw = account.sign_transaction(tx).raw_transaction
    sent = client.post("/relay", json={"raw": "0x" + bytes(raw).hex()})
    assert sent.status_code == 202, sent.text
    # anvil answers the send before its block is sealed: poll as a wallet does (bounded)
    deadline = time.monotonic() + 10
    while (status := client.get(f"/relay/{sent.json()['hash']}").json())["status"] == "pending":
        assert time.monotonic() < deadline, f"still pending after 10 s: {status}"
        time.sleep(0.05)
    assert status["status"] == "mined", status
    return status


def _signed(hub: Hub, story: Story, *, nonce: int, **overrides: Any) -> SignedOffer:
    now = hub.chain_time()
    terms = Terms(work_id=story.film_id, rights=int(Right.SCREENING), start=now, end=now + 365 * DAY, price=10**16,
                  supply_cap=1)  # fmt: skip
    deadline = overrides.pop("deadline", now + 30 * DAY)
    return hub.sign_offer(terms, nonce=nonce, deadline=deadline, **overrides)


def _book_size(client: TestClient) -> int:
    everything = [client.get("/signed-offers", params={"active": active}).json()["count"] for active in (True, False)]
    return sum(everything)


def test_buyer_buys_from_an_onchain_offer_with_http_and_a_local_key(story: Story) -> None:
    client, buyer = story.client, story.buyer
    built = client.post(
        f"/offers/{story.open_offer_id}/fulfil", json={"buyer": buyer.address, "max_price": str(10**18)}
    )
    assert built.status_code == 200, built.text
    body = built.json()
    assert not body["approval_required"] and len(body["transactions"]) == 1
    (unsigned,) = body["transactions"]
    assert all(isinstance(unsigned[k], str) for k in NUMBERS)  # uint256 as strings
    assert unsigned["value"] == body["price"]  # an ETH offer is paid exactly its price, not the cap
    status = _sign_and_relay(client, buyer, unsigned)
    (licence_id,) = status["licence_ids"]
    assert story_holder(story, int(licence_id)) == buyer.address


def story_holder(story: Story, licence_id: int) -> str:
    with Hub.connect(story.node.url, deployments_dir=story.settings.deployments_dir) as hub:
        return hub.get_licence(licence_id).holder


def test_signed_offer_is_checked_listed_bought_and_then_delisted(story: Story, studio_hub: Hub) -> None:
    client, buyer = story.client, story.buyer
    offer = _signed(studio_hub, story, nonce=1001)
    document = signed_offer_to_json(offer)
    published = client.post("/signed-offers", json=document)
    assert published.status_code == 201, published.text
    digest = published.json()["digest"]
    assert published.json()["status"] == "active"
    assert published.json()["offer"]["terms"]["workId"] == str(story.film_id)  # uint256 as a string
    again = client.post("/signed-offers", json=document)
    assert again.status_code == 200 and again.json()["digest"] == digest  # idempotent on the digest

    listed = client.get("/signed-offers", params={"work": story.film_id, "right": "screening"}).json()
    assert digest in [o["digest"] for o in listed["data"]]
    assert client.get("/signed-offers", params={"right": "rental", "work": story.film_id}).json()["count"] == 0

    built = client.post(f"/signed-offers/{digest}/fulfil", json={"buyer": buyer.address, "max_price": str(10**17)})
    assert built.status_code == 200, built.text
    status = _sign_and_relay(client, buyer, built.json()["transactions"][0])
    assert story_holder(story, int(status["licence_ids"][0])) == buyer.address

    story.reindex()  # the mirror sees the sale: the offer (supply cap 1) no longer sells
    assert digest not in [o["digest"] for o in client.get("/signed-offers").json()["data"]]
    gone = client.get("/signed-offers", params={"active": False, "seller": story.studio.address}).json()["data"]
    assert {o["digest"]: o["status"] for o in gone}[digest] == "sold_out"
    # buying it again is refused by the chain's own check, before anything is signed
    refused = client.post(f"/signed-offers/{digest}/fulfil", json={"buyer": buyer.address, "max_price": "1" + "0" * 17})
    assert refused.status_code == 409 and refused.json()["title"] == "NonceUnavailable"
    # and so is publishing it again: a replayed nonce names the field
    replayed = client.post("/signed-offers", json=document)
    assert replayed.status_code == 409 and replayed.json()["field"] == "offer.nonce", replayed.text


def test_a_counter_bump_delists_signed_offers(story: Story, studio_hub: Hub) -> None:
    published = story.client.post("/signed-offers", json=signed_offer_to_json(_signed(studio_hub, story, nonce=1002)))
    assert published.status_code == 201, published.text
    digest = published.json()["digest"]
    studio_hub.increment_counter()
    story.reindex()
    dead = story.client.get("/signed-offers", params={"active": False}).json()["data"]
    assert {o["digest"]: o["status"] for o in dead}[digest] == "counter_changed"


def test_bad_signed_offers_are_precise_409s_and_nothing_is_stored(story: Story, studio_hub: Hub) -> None:
    client = story.client
    before = _book_size(client)

    def refused(document: dict[str, Any], status: int = 409) -> dict[str, Any]:
        answer = client.post("/signed-offers", json=document)
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        return dict(answer.json())

    good = signed_offer_to_json(_signed(studio_hub, story, nonce=2001))
    # a malformed signature: wrong length (schema), then 65 bytes that are no signature
    assert refused({**good, "signature": "0x1234"}, 422)["errors"]
    assert refused({**good, "signature": "0x" + "00" * 65})["field"] == "signature"
    # signed by someone else than the seller it names
    with Hub.connect(story.node.url, deployments_dir=story.settings.deployments_dir, account=story.stranger) as other:
        forged = _signed(other, story, nonce=2002)
    as_studio = {**signed_offer_to_json(forged), "offer": {**signed_offer_to_json(forged)["offer"],
                                                          "seller": story.studio.address}}  # fmt: skip
    problem = refused(as_studio)
    assert problem["title"] == "InvalidSignature" and problem["field"] == "signature"
    # a work the signer does not own: the stranger's own signature on the studio's film
    problem = refused(signed_offer_to_json(forged))
    assert problem["title"] == "NotWorkOwner" and problem["field"] == "offer.seller"
    # a stale counter, an expired deadline, a cancelled nonce
    problem = refused(signed_offer_to_json(_signed(studio_hub, story, nonce=2003, counter=99)))
    assert problem["title"] == "StaleCounter" and problem["field"] == "offer.counter"
    problem = refused(
        signed_offer_to_json(_signed(studio_hub, story, nonce=2004, deadline=studio_hub.chain_time() - 1))
    )
    assert problem["title"] == "SignatureExpired" and problem["field"] == "offer.deadline"
    studio_hub.cancel_nonce(2005)
    problem = refused(signed_offer_to_json(_signed(studio_hub, story, nonce=2005)))
    assert problem["title"] == "NonceUnavailable" and problem["field"] == "offer.nonce"
    # signed for another chain id: the signature recovers someone else here
    offer = _signed(studio_hub, story, nonce=2006)
    foreign = encode_typed_data(full_message=signed_offer_typed_data(offer, 1, studio_hub.market.address))
    wrong_chain = story.studio.sign_message(foreign).signature
    problem = refused({**signed_offer_to_json(offer), "signature": "0x" + bytes(wrong_chain).hex()})
    assert problem["title"] == "InvalidSignature" and "chain" in problem["detail"]
    # out-of-range numbers and oversized text are refused by the schema
    terms = good["offer"]["terms"]
    assert refused({**good, "offer": {**good["offer"], "nonce": str(2**256)}}, 422)
    assert refused({**good, "offer": {**good["offer"], "terms": {**terms, "legalUri": "x" * 5000}}}, 422)
    assert refused({**good, "offer": {**good["offer"], "terms": {**terms, "rights": 2**16}}}, 422)
    assert _book_size(client) == before  # nothing was stored


def test_fulfil_refusals_name_the_contract_error(story: Story) -> None:
    client, buyer = story.client, story.buyer
    cheap = client.post(f"/offers/{story.open_offer_id}/fulfil", json={"buyer": buyer.address, "max_price": "1"})
    assert cheap.status_code == 409 and cheap.json()["title"] == "PriceAboveMax"
    gone = client.post(
        f"/offers/{story.cancelled_offer_id}/fulfil", json={"buyer": buyer.address, "max_price": "1" + "0" * 18}
    )
    assert gone.status_code == 409 and gone.json()["title"] == "OfferCancelledAlready", gone.text
    poor = Account.create()
    broke = client.post(
        f"/offers/{story.open_offer_id}/fulfil", json={"buyer": poor.address, "max_price": "1" + "0" * 18}
    )
    assert broke.status_code == 409 and broke.json()["title"] == "Insufficient funds", broke.text
    unknown = client.post("/signed-offers/0x" + "ab" * 32 + "/fulfil", json={"buyer": buyer.address, "max_price": "1"})
    assert unknown.status_code == 404


def test_relay_refuses_what_is_not_a_hub_call_on_this_chain_and_sends_nothing(story: Story) -> None:
    client, buyer = story.client, story.buyer
    deployment = client.get("/deployment").json()
    market, chain_id = deployment["contracts"]["LicenceMarket"]["address"], deployment["chain_id"]
    with Hub.connect(story.node.url, deployments_dir=story.settings.deployments_dir) as reader:
        sent_before = reader.w3.eth.get_transaction_count(buyer.address)
    base = {"nonce": sent_before, "gas": 100_000, "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 10**9,
            "chainId": chain_id, "value": 0, "data": "0x", "type": 2}  # fmt: skip

    def relay(tx: dict[str, Any]) -> Any:
        raw = buyer.sign_transaction(tx).raw_transaction
        return client.post("/relay", json={"raw": "0x" + bytes(raw).hex()})

    assert relay({**base, "to": story.stranger.address}).status_code == 403  # not a hub contract
    assert "chain" in relay({**base, "to": market, "chainId": chain_id + 1}).json()["detail"]
    assert relay({**base, "data": "0x6000"}).status_code == 403  # a contract creation
    legacy = buyer.sign_transaction({"nonce": 0, "gas": 21_000, "gasPrice": 10**9, "to": market, "value": 0,
                                     "chainId": chain_id}).raw_transaction  # fmt: skip
    assert client.post("/relay", json={"raw": "0x" + bytes(legacy).hex()}).status_code == 400
    assert client.post("/relay", json={"raw": "0x02c0ffee"}).status_code == 400  # not a transaction
    assert client.post("/relay", json={"raw": "0x02" + "00" * 20_000}).status_code == 422  # oversized
    # a hub call that would revert is answered with the custom error, and not sent
    reverting = relay({**base, "to": market, "data": _selector("cancelOffer(uint256)") + "00" * 31 + "07"})
    assert reverting.status_code == 409, reverting.text
    with Hub.connect(story.node.url, deployments_dir=story.settings.deployments_dir) as reader:
        assert reader.w3.eth.get_transaction_count(buyer.address) == sent_before
    assert client.get("/relay/0x" + "12" * 32).json()["status"] == "unknown"


def _selector(signature: str) -> str:
    from eth_utils import keccak

    return "0x" + keccak(text=signature)[:4].hex()


def test_studio_actions_are_built_from_the_abi_for_its_own_wallet(story: Story) -> None:
    client, studio = story.client, story.studio
    owed = client.post("/transactions/build/withdraw", json={"account": studio.address, "currency": "0x" + "00" * 20})
    assert owed.status_code == 200, owed.text
    _sign_and_relay(client, studio, owed.json()["transactions"][0])
    # nothing left: the contract's own error, before anything is signed
    again = client.post("/transactions/build/withdraw", json={"account": studio.address, "currency": "0x" + "00" * 20})
    assert again.status_code == 409 and again.json()["title"] == "NothingToWithdraw"
    # the studio cannot cancel the stranger's offer
    foreign = client.post(
        "/transactions/build/offer-cancel", json={"account": studio.address, "offerId": str(story.open_offer_id)}
    )
    assert foreign.status_code == 409, foreign.text
    bumped = client.post("/transactions/build/counter-increment", json={"account": studio.address})
    assert bumped.status_code == 200 and bumped.json()["transactions"][0]["data"] == _selector("incrementCounter()")
    assert client.post("/transactions/build/withdraw", json={"account": studio.address}).status_code == 422


def test_an_erc20_offer_asks_for_the_approval_first_then_sells(story: Story, deployer: LocalAccount) -> None:
    client, buyer = story.client, story.buyer
    with Hub.connect(story.node.url, deployments_dir=story.settings.deployments_dir, account=deployer) as admin:
        token = deploy_contract(admin.w3, deployer, "TestERC20")
        admin.set_currency_allowed(token.address, True)
        call_as(admin.w3, deployer, token, "mint", buyer.address, 10**24)
    with Hub.connect(story.node.url, deployments_dir=story.settings.deployments_dir, account=story.stranger) as seller:
        now = seller.chain_time()
        offer_id = seller.create_offer(Terms(work_id=story.short_id, rights=int(Right.TRANSLATION), start=now,
                                             end=now + DAY * 30, price=5 * 10**18, currency=token.address))  # fmt: skip
    ask = {"buyer": buyer.address, "max_price": str(10**19)}
    first = client.post(f"/offers/{offer_id}/fulfil", json=ask).json()
    assert first["approval_required"] and first["currency"] == token.address
    (approve,) = first["transactions"]
    assert approve["to"] == token.address and approve["value"] == "0"
    _sign_and_relay(client, buyer, approve)  # the relay takes an approval of the market on an allowed currency
    second = client.post(f"/offers/{offer_id}/fulfil", json=ask).json()
    assert not second["approval_required"] and second["price"] == str(5 * 10**18)
    status = _sign_and_relay(client, buyer, second["transactions"][0])
    assert story_holder(story, int(status["licence_ids"][0])) == buyer.address
    assert token.functions.balanceOf(buyer.address).call() == 10**24 - 5 * 10**18


def test_oversized_bodies_are_413_before_anything_is_read(story: Story) -> None:
    limit = story.settings.max_body_bytes
    for path in ("/signed-offers", "/relay", f"/offers/{story.open_offer_id}/fulfil", "/transactions/build/withdraw"):
        answer = story.client.post(
            path, content=b"{" + b" " * limit + b"}", headers={"content-type": "application/json"}
        )
        assert answer.status_code == 413, (path, answer.text)


def test_cancelled_nonces_and_a_work_that_changed_hands_and_came_back_are_delisted(
    story: Story, studio_hub: Hub
) -> None:
    client = story.client
    digests = []
    for nonce in (3001, 3002):
        published = client.post("/signed-offers", json=signed_offer_to_json(_signed(studio_hub, story, nonce=nonce)))
        assert published.status_code == 201, published.text
        digests.append(published.json()["digest"])
    studio_hub.cancel_nonce(3001)
    # the film leaves the studio and comes back: same owner, but every earlier signature is void
    studio_hub.transfer_work(story.film_id, story.co_owner.address)
    with Hub.connect(story.node.url, deployments_dir=story.settings.deployments_dir, account=story.co_owner) as back:
        back.transfer_work(story.film_id, story.studio.address)
    story.reindex()
    statuses = {o["digest"]: o["status"] for o in client.get("/signed-offers", params={"active": False}).json()["data"]}
    assert statuses[digests[0]] == "nonce_cancelled"
    assert statuses[digests[1]] == "owner_changed"
    assert not set(digests) & {o["digest"] for o in client.get("/signed-offers").json()["data"]}


def test_signed_offers_read_as_onchain_offers_do_and_keep_the_struct_to_fill(story: Story, studio_hub: Hub) -> None:
    """Issue 11 item 3 for the book: rights by name, territories by code and name, the window, the
    price as a decimal with its currency, the supply left: the terms model of ``GET /offers``."""
    client = story.client
    offer = _signed(studio_hub, story, nonce=4001)
    document = signed_offer_to_json(offer)
    published = client.post("/signed-offers", json=document)
    assert published.status_code == 201, published.text
    listed = {o["digest"]: o for o in client.get("/signed-offers", params={"work": story.film_id}).json()["data"]}
    shown = listed[published.json()["digest"]]
    assert shown["offer"] == document["offer"] and shown["signature"] == document["signature"]  # as signed
    assert shown["terms"]["rights"] == ["screening"] and shown["terms"]["rights_mask"] == int(Right.SCREENING)
    assert shown["terms"]["worldwide"] and shown["terms"]["territory_names"] == []
    assert shown["terms"]["start_iso"].endswith("Z") and shown["terms"]["end"] == offer.terms.end
    assert (shown["price"], shown["price_decimal"], shown["currency_symbol"]) == (str(10**16), "0.01", "ETH")
    assert (shown["supply_cap"], shown["sold"], shown["supply_left"]) == (1, 0, 1)
    assert shown["seller"] == story.studio.address and shown["buyer"] == "0x" + "00" * 20
    on_chain = client.get(f"/offers/{story.open_offer_id}").json()
    assert set(shown["terms"]) == set(on_chain["terms"])  # one presenter of terms
    words = ("price_decimal", "currency_symbol", "currency_decimals", "supply_left")
    assert set(words) <= set(shown) & set(on_chain)


def test_the_book_shows_the_buyer_filters_by_it_and_fulfil_refuses_another_buyer(story: Story, studio_hub: Hub) -> None:
    client, buyer, stranger = story.client, story.buyer, story.stranger
    digests = {}
    for name, nonce, bound in (("open", 4101, None), ("bound", 4102, buyer.address)):
        published = client.post(
            "/signed-offers", json=signed_offer_to_json(_signed(studio_hub, story, nonce=nonce, buyer=bound))
        )
        assert published.status_code == 201, published.text  # a bound offer is checked as its buyer
        digests[name] = published.json()["digest"]
    listed = {o["digest"]: o["buyer"] for o in client.get("/signed-offers").json()["data"]}
    assert listed[digests["bound"]] == buyer.address and int(listed[digests["open"]], 16) == 0

    def fillable_by(address: str) -> set[str]:
        return {o["digest"] for o in client.get("/signed-offers", params={"buyer": address}).json()["data"]}

    assert {digests["open"], digests["bound"]} <= fillable_by(buyer.address.lower())
    assert digests["open"] in fillable_by(stranger.address) and digests["bound"] not in fillable_by(stranger.address)
    assert client.get("/signed-offers", params={"buyer": "0x12"}).status_code == 422

    ask = {"buyer": stranger.address, "max_price": str(10**17)}
    with Hub.connect(story.node.url, deployments_dir=story.settings.deployments_dir) as reader:
        sent_before = reader.w3.eth.get_transaction_count(stranger.address)
    refused = client.post(f"/signed-offers/{digests['bound']}/fulfil", json=ask)
    assert refused.status_code == 409 and refused.json()["title"] == "NotOfferBuyer", refused.text
    assert buyer.address in refused.json()["detail"] and "ask the seller" in refused.json()["detail"]
    assert client.post(f"/signed-offers/{digests['open']}/fulfil", json=ask).status_code == 200
    built = client.post(f"/signed-offers/{digests['bound']}/fulfil", json={**ask, "buyer": buyer.address})
    assert built.status_code == 200, built.text
    status = _sign_and_relay(client, buyer, built.json()["transactions"][0])
    assert story_holder(story, int(status["licence_ids"][0])) == buyer.address
    with Hub.connect(story.node.url, deployments_dir=story.settings.deployments_dir) as reader:
        assert reader.w3.eth.get_transaction_count(stranger.address) == sent_before


def test_an_erc20_signed_offer_reads_in_the_tokens_symbol_and_decimals(
    story: Story, studio_hub: Hub, deployer: LocalAccount
) -> None:
    with Hub.connect(story.node.url, deployments_dir=story.settings.deployments_dir, account=deployer) as admin:
        token = deploy_contract(admin.w3, deployer, "TestERC20")
        admin.set_currency_allowed(token.address, True)
    now = studio_hub.chain_time()
    terms = Terms(work_id=story.film_id, rights=int(Right.TRANSLATION), start=now, end=now + 30 * DAY,
                  price=25 * 10**17, currency=token.address, territories=(156, 826), supply_cap=5)  # fmt: skip
    signed = studio_hub.sign_offer(terms, nonce=4201, deadline=now + DAY)
    published = story.client.post("/signed-offers", json=signed_offer_to_json(signed))
    assert published.status_code == 201, published.text
    shown = published.json()
    assert (shown["price"], shown["currency"]) == (str(25 * 10**17), token.address)
    assert (shown["price_decimal"], shown["currency_symbol"], shown["currency_decimals"]) == ("2.5", "TEST", 18)
    assert [t["code"] for t in shown["terms"]["territory_names"]] == [156, 826]
    assert shown["terms"]["territory_names"][0]["name"] == "China" and not shown["terms"]["worldwide"]
    listed = story.client.get("/signed-offers", params={"currency": token.address}).json()["data"]
    assert [(o["digest"], o["currency_symbol"]) for o in listed] == [(shown["digest"], "TEST")]


def test_a_repriced_signed_offer_shows_the_supply_its_nonce_has_left_on_the_work_page(
    story: Story, studio_hub: Hub
) -> None:
    """The market counts a signed offer's supply per seller and nonce, so an offer re-signed at a new price
    under the same nonce (a new digest) has sold what the old one sold: the page says so, as the book does."""
    client, buyer = story.client, story.buyer
    now = studio_hub.chain_time()
    terms = Terms(work_id=story.film_id, rights=int(Right.SCREENING), start=now, end=now + 365 * DAY, price=10**16,
                  supply_cap=2)  # fmt: skip
    first_offer = studio_hub.sign_offer(terms, nonce=5001, deadline=now + 30 * DAY)
    first = client.post("/signed-offers", json=signed_offer_to_json(first_offer))
    assert first.status_code == 201, first.text
    built = client.post(
        f"/signed-offers/{first.json()['digest']}/fulfil", json={"buyer": buyer.address, "max_price": str(10**17)}
    )
    assert built.status_code == 200, built.text
    _sign_and_relay(client, buyer, built.json()["transactions"][0])
    repriced = studio_hub.sign_offer(replace(terms, price=2 * 10**16), nonce=5001, deadline=now + 30 * DAY)
    second = client.post("/signed-offers", json=signed_offer_to_json(repriced))
    assert second.status_code == 201, second.text
    story.reindex()

    listed = {o["digest"]: o for o in client.get("/signed-offers", params={"work": story.film_id}).json()["data"]}
    assert listed[second.json()["digest"]]["sold"] == 1
    page = client.get(f"/work/{story.film_id}", params={"lang": "en"})
    assert page.status_code == 200
    row = page.text[page.text.index(second.json()["digest"][:10]) :]
    row = row[: row.index("</li>")] if "</li>" in row else row[:600]
    assert "1 of 2 left" in row, row
