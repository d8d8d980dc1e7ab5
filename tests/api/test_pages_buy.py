"""The pages a buyer uses: the catalogue (titles in two languages, posters, search and filters, offers in
words) and a work's page, whose Buy buttons buy through a browser wallet.

The browser is the real headless Chromium, driven over the DevTools protocol (:class:`Browser`). The
wallet is a test stand-in injected into the page before its scripts run: an EIP-1193 ``window.ethereum``
whose ``request()`` hands every call to this test through a DevTools binding; the test answers
``eth_sendTransaction`` by signing with the buyer's key and sending the raw transaction to the chain, as
a wallet does with its own node (a real wallet is an extension, which headless Chromium cannot install).
"""

from __future__ import annotations

import base64
import html
import json
import os
import shutil
import struct
import subprocess
import time
import urllib.request
import zlib
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3
from websockets.sync.client import ClientConnection, connect

from api.i18n import LANGUAGES, STRINGS
from api.routes.pages import BUY_PAGE_CSP
from api.settings import Settings
from client_sdk import Hub
from client_sdk._licensing import signed_offer_to_json
from client_sdk.chain import connect as connect_chain
from client_sdk.content import LocalBlockStore
from client_sdk.terms import WORK_TYPES, Right, WorkStatus
from copyright_hub.devnet import free_port
from copyright_hub.scenario import terms
from indexer import Indexer, IndexerSettings
from indexer.db import make_engine
from indexer.metadata import MetadataWorker
from tests.api.conftest import _indexer_settings, catalogue_hub, serve_app
from tests.api.test_provenance import CHROMIUM_FLAGS
from tests.contracts.conftest import call_as, deploy_contract

EN, ZH = STRINGS["en"], STRINGS["zh"]
TITLE_EN, TITLE_ZH = "Moonlit Harbour", "月光港湾"
DAY = 24 * 3600


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG (the poster), written by hand: no imaging library needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@dataclass
class Shop:
    url: str
    settings: Settings
    hub: Hub  # read-only, for checks against the chain
    studio_hub: Hub
    buyer: LocalAccount
    drama_id: int
    film_id: int
    capped_offer: int  # information-network, worldwide, 0.5 ETH, 10 supplied
    raised_offer: int  # screening, 0.3 ETH: its price is raised under an open page
    signed_digest: str  # a signed offer of the drama in the order book
    poster_cid: str
    store: LocalBlockStore


def _index(settings: Settings, store: LocalBlockStore) -> None:
    """The chain into the mirror, then every metadata document the works name (titles, posters)."""
    indexer = IndexerSettings(**_indexer_settings(settings))
    Indexer(indexer).run(once=True)
    engine = make_engine(settings.database_url)
    try:
        MetadataWorker(engine, store, indexer).drain()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def shop(
    tmp_path_factory: pytest.TempPathFactory,
    deployer: LocalAccount,
    studio: LocalAccount,
    buyer: LocalAccount,
    auditor: LocalAccount,
    arbiter: LocalAccount,
    stranger: LocalAccount,
) -> Iterator[Shop]:
    """The catalogue story plus a bilingual drama with a poster, two on-chain offers and a signed one,
    indexed into a SQLite mirror and served by uvicorn."""
    tmp = tmp_path_factory.mktemp("pages-buy")
    cast = {"admin": deployer, "studio": studio, "co_owner": arbiter, "buyer": buyer, "reviewer": auditor}
    with catalogue_hub("sqlite", tmp, {**cast, "stranger": stranger}) as (node, sc, settings):
        store = sc.store
        assert isinstance(store, LocalBlockStore)
        poster = str(store.add(_png(96, 136, (30, 64, 175))))
        store.publish(poster)
        sc.work("drama", metadata={"title": {"en": TITLE_EN, "zh": TITLE_ZH}, "posterCid": poster})
        now = sc.now()
        sc.offer("capped", "drama", start=now - 60, price=5 * 10**17, supply_cap=10)
        sc.offer("raised", "drama", start=now - 60, price=3 * 10**17, rights=Right.SCREENING)
        studio_hub = sc.hub("studio")
        signed = studio_hub.sign_offer(
            terms(sc["drama"], now - 60, rights=Right.TRANSLATION, price=2 * 10**17, supply_cap=3),
            nonce=1,
            deadline=now + 30 * DAY,
        )
        _index(settings, store)
        with serve_app(settings) as url:
            published = httpx.post(f"{url}/signed-offers", json=signed_offer_to_json(signed), timeout=30)
            assert published.status_code == 201, published.text
            yield Shop(
                url, settings, Hub.connect(node.url, deployments_dir=settings.deployments_dir), studio_hub, buyer,
                sc["drama"], sc["film"], sc["capped"], sc["raised"], published.json()["digest"], poster, store,
            )  # fmt: skip


# -- the browser and the test wallet --------------------------------------------------------------

#: the test wallet: ``window.ethereum.request()`` calls the ``hubWalletStandIn`` binding and waits for
#: the test to settle it through ``__walletSettle``; ``__walletCalls`` lists the methods asked for
WALLET_JS = """
(() => {
  const pending = new Map();
  let next = 0;
  window.__walletCalls = [];
  window.__walletSettle = (id, ok, value) => {
    const p = pending.get(id);
    pending.delete(id);
    if (ok) p.resolve(value);
    else p.reject(Object.assign(new Error(value.message), { code: value.code }));
  };
  window.ethereum = {
    isHubWalletStandIn: true,
    request({ method, params }) {
      window.__walletCalls.push(method);
      return new Promise((resolve, reject) => {
        const id = ++next;
        pending.set(id, { resolve, reject });
        window.hubWalletStandIn(JSON.stringify({ id, method, params: params || [] }));
      });
    },
  };
})();
"""


@dataclass
class WalletStandIn:
    """What answers the page's wallet calls: the buyer's account on the chain at ``rpc_url``;
    ``chain_id`` is what ``eth_chainId`` says (set it to another chain to test the page's check)."""

    account: LocalAccount
    w3: Web3
    chain_id: int
    sent: list[str] = field(default_factory=list)

    def answer(self, method: str, params: list[Any]) -> Any:
        if method in ("eth_requestAccounts", "eth_accounts"):
            return [self.account.address]
        if method == "eth_chainId":
            return hex(self.chain_id)
        if method == "eth_sendTransaction":
            (tx,) = params
            assert Web3.to_checksum_address(tx["from"]) == self.account.address
            signed = self.account.sign_transaction(
                {
                    "type": 2,
                    "chainId": int(tx["chainId"], 16),
                    "nonce": self.w3.eth.get_transaction_count(self.account.address),
                    "to": tx["to"],
                    "data": tx["data"],
                    "value": int(tx["value"], 16),
                    "gas": int(tx["gas"], 16),
                    "maxFeePerGas": int(tx["maxFeePerGas"], 16),
                    "maxPriorityFeePerGas": int(tx["maxPriorityFeePerGas"], 16),
                }
            )
            tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction).to_0x_hex()
            self.sent.append(tx_hash)
            return tx_hash
        raise LookupError(f"the test wallet does not support {method}")


class Browser:
    """Headless Chromium on one page, driven over the Chrome DevTools Protocol (a websocket)."""

    def __init__(self, profile: Path, wallet: WalletStandIn | None) -> None:
        path = shutil.which("chromium") or shutil.which("chromium-browser")
        assert path, "headless Chromium is required for page tests: apt-get install chromium"
        port = free_port()
        self.process = subprocess.Popen(
            [path, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--remote-debugging-port={port}",
             "--window-size=1100,1400", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                    pages = [t for t in json.load(r) if t["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "Chromium's DevTools endpoint did not come up"
            time.sleep(0.1)
        self.stack = ExitStack()
        self.ws: ClientConnection = self.stack.enter_context(
            connect(pages[0]["webSocketDebuggerUrl"], max_size=64 << 20)
        )
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.wallet = wallet
        self.call("Page.enable")
        self.call("Runtime.enable")
        if wallet is not None:
            self.call("Runtime.addBinding", name="hubWalletStandIn")
            self.call("Page.addScriptToEvaluateOnNewDocument", source=WALLET_JS)

    def close(self) -> None:
        self.stack.close()
        self.process.terminate()
        self.process.wait(10)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("id") == self.next_id:
                assert "error" not in message, message["error"]
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def _serve_wallet(self) -> None:
        """Answer the wallet calls the page made since the last look."""
        events, self.events = self.events, []
        for event in events:
            if event["method"] != "Runtime.bindingCalled" or event["params"]["name"] != "hubWalletStandIn":
                continue
            assert self.wallet is not None
            request = json.loads(event["params"]["payload"])
            try:
                ok, value = True, self.wallet.answer(request["method"], request["params"])
            except LookupError as exc:
                ok, value = False, {"code": 4200, "message": str(exc)}
            self.evaluate(f"window.__walletSettle({request['id']}, {json.dumps(ok)}, {json.dumps(value)})")

    def until(self, expression: str, timeout: float = 30) -> Any:
        """The value of ``expression`` once it is truthy, answering wallet calls meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            self._serve_wallet()
            value = self.evaluate(expression)
            if value:
                return value
            assert time.monotonic() < deadline, f"still falsy after {timeout}s: {expression}"
            time.sleep(0.05)

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        self.until(f"document.readyState === 'complete' && location.href === {json.dumps(url)}")

    def text(self, selector: str) -> str:
        return str(self.evaluate(f"document.querySelector({json.dumps(selector)}).textContent"))

    def screenshot(self, path: Path) -> None:
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))
        assert path.stat().st_size > 10_000  # a rendered page, not a blank
        keep = os.environ.get("COPYRIGHT_HUB_KEEP_SCREENSHOTS")  # as the explorer's test: a folder to copy to
        if keep:
            shutil.copy(path, Path(keep) / path.name)


@pytest.fixture(scope="module")
def wallet(shop: Shop) -> WalletStandIn:
    w3 = connect_chain(shop.settings.rpc_url)
    return WalletStandIn(shop.buyer, w3, w3.eth.chain_id)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, wallet: WalletStandIn) -> Iterator[Browser]:
    """One browser for the module (a start costs seconds); each test opens its page afresh, which runs
    the wallet's script again (``__walletCalls`` starts empty)."""
    b = Browser(tmp_path_factory.mktemp("browser") / "profile", wallet)
    try:
        yield b
    finally:
        b.close()


def _offer_item(kind: str, key: int | str) -> str:
    """The selector of an offer's list item on a work's page."""
    path = f"/offers/{key}/fulfil" if kind == "offer" else f"/signed-offers/{key}/fulfil"
    return f'li.offer[data-fulfil="{path}"]'


def _click_buy(browser: Browser, item: str) -> None:
    browser.evaluate(f"document.querySelector({json.dumps(item + ' button.buy')}).click()")


# -- the catalogue --------------------------------------------------------------------------------


def test_every_right_work_type_and_status_has_a_label_in_every_language() -> None:
    names = [f"right.{r.name.lower()}" for r in Right if r is not Right.ALL] + [f"type.{t}" for t in WORK_TYPES]
    names += [f"status.{s.name.lower()}" for s in WorkStatus]
    assert all(STRINGS[lang].get(name) for lang in LANGUAGES for name in names)


def test_the_catalogue_shows_titles_posters_and_offers_in_words(shop: Shop) -> None:
    page = httpx.get(f"{shop.url}/?lang=en")
    assert page.status_code == 200
    body = page.text
    assert f'<img class="poster" src="/ipfs/{shop.poster_cid}"' in body
    assert httpx.get(f"{shop.url}/ipfs/{shop.poster_cid}").content.startswith(b"\x89PNG")
    assert "Information-network dissemination, worldwide, " in body
    assert ", non-exclusive, 0.5 ETH, " in body and " of 10 left" in body
    assert "Screening, worldwide, " in body and ", 0.3 ETH, no supply cap" in body
    zh = httpx.get(f"{shop.url}/?lang=zh").text
    assert "信息网络传播权，全球，" in zh and "，非独占，0.5 ETH，" in zh


def test_the_catalogue_filters_are_the_works_query_parameters(shop: Shop) -> None:
    def shown(query: str) -> set[int]:
        page = httpx.get(f"{shop.url}/?lang=en&{query}")
        assert page.status_code == 200, page.text
        api = httpx.get(f"{shop.url}/works?{query}").json()
        ids = {int(w["work_id"]) for w in api["data"]}
        assert all(f'id="work-{i}"' in page.text for i in ids)  # the page shows what the API finds
        return ids

    assert shop.drama_id in shown("right=screening") and shop.film_id not in shown("right=screening")
    assert shown("price_min=400000000000000000&price_max=500000000000000000&currency=ETH") == {shop.drama_id}
    assert shop.drama_id in shown("work_type=film&exclusive=false&territory=156")
    assert shown("q=" + TITLE_ZH) == {shop.drama_id}
    # a blank form field is no filter (the form sends every field; the API refuses blank numbers)
    blank = httpx.get(f"{shop.url}/?lang=en&q=&right=&territory=&price_min=&exclusive=")
    assert (
        blank.status_code == 200
        and f'id="work-{shop.drama_id}"' in blank.text
        and f'id="work-{shop.film_id}"' in blank.text
    )


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("price_min=half", "price_min must be a whole number"),
        ("territory=1000", "territory must be a whole number from 1 to 999"),
        ("right=flying", "right must be one of"),
        ("exclusive=maybe", "exclusive must be true or false"),
        ("currency=DOGE", "currency 'DOGE' does not fit: an offer in this currency: ETH, or an ERC-20"),
    ],
)
def test_a_filter_that_is_not_understood_is_one_line_and_nothing_is_applied(shop: Shop, query: str, named: str) -> None:
    page = httpx.get(f"{shop.url}/?lang=en&{query}")
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert named in html.unescape(page.text) and 'class="work"' not in page.text
    assert page.text.count('id="problems"') == 1 and "Traceback" not in page.text


def test_the_language_without_lang_follows_the_cookie_then_accept_language_through_the_cache(
    shop: Shop,
) -> None:
    def title(**headers: str) -> str:
        page = httpx.get(f"{shop.url}/", headers=headers)
        assert page.status_code == 200
        return page.text.split(f'id="work-{shop.drama_id}"')[1].split('class="title-main"')[1][:200]

    for _ in range(2):  # the second round is answered by the response cache
        assert TITLE_ZH in title(**{"accept-language": "zh-CN,zh;q=0.9"})
        assert TITLE_EN in title(**{"accept-language": "en-GB"})
        assert TITLE_ZH in title(**{"accept-language": "en-GB", "cookie": "lang=zh"})
    chosen = httpx.get(f"{shop.url}/?lang=zh")
    assert chosen.cookies.get("lang") == "zh"
    assert "lang" not in httpx.get(f"{shop.url}/", headers={"accept-language": "zh"}).cookies


def test_the_language_switch_changes_the_visible_title_and_is_remembered(browser: Browser, shop: Shop) -> None:
    title = f"#work-{shop.drama_id} .title-main"
    browser.open(f"{shop.url}/?lang=en")
    assert browser.text(title) == TITLE_EN
    browser.evaluate("document.querySelector('#languages a[hreflang=zh]').click()")
    browser.until("location.search.includes('lang=zh') && document.readyState === 'complete'")
    assert browser.text(title) == TITLE_ZH
    assert browser.evaluate("document.documentElement.lang") == "zh"
    browser.open(f"{shop.url}/")  # no lang: the cookie the switch left
    assert browser.text(title) == TITLE_ZH


def test_searching_the_chinese_title_on_the_page_finds_the_work(browser: Browser, shop: Shop, tmp_path: Path) -> None:
    browser.open(f"{shop.url}/?lang=zh")
    assert browser.evaluate(f"!!document.querySelector('#work-{shop.film_id}')")
    browser.evaluate(
        f"document.querySelector('#filters input[name=q]').value = {json.dumps(TITLE_ZH)};"
        "document.querySelector('#filters').submit()"
    )
    browser.until("location.search.includes('q=') && document.readyState === 'complete'")
    shown = browser.evaluate("[...document.querySelectorAll('#works .work')].map(e => e.id)")
    assert shown == [f"work-{shop.drama_id}"]
    assert browser.evaluate("document.querySelector('img.poster').naturalWidth") == 96  # the gateway served it
    browser.screenshot(tmp_path / "catalogue-zh-search.png")


# -- a work's page and buying ---------------------------------------------------------------------


def test_the_work_page_lists_on_chain_and_signed_offers_with_buy_buttons(shop: Shop) -> None:
    page = httpx.get(f"{shop.url}/work/{shop.drama_id}?lang=en")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == BUY_PAGE_CSP
    body = page.text
    assert f'data-fulfil="/offers/{shop.capped_offer}/fulfil" data-price="{5 * 10**17}"' in body
    assert f'data-fulfil="/signed-offers/{shop.signed_digest}/fulfil" data-price="{2 * 10**17}"' in body
    assert "Translation, worldwide, " in body and ", 0.2 ETH, 3 of 3 left" in body
    assert f'href="/provenance/{shop.drama_id}"' in body and TITLE_EN in body
    script = httpx.get(f"{shop.url}/pages/buy.js")
    assert script.headers["content-type"].startswith("text/javascript") and "eth_sendTransaction" in script.text
    missing = httpx.get(f"{shop.url}/work/999999?lang=en")
    assert missing.status_code == 404 and "no work 999999" in missing.json()["detail"]


def test_without_a_wallet_the_button_says_to_install_one(tmp_path: Path, shop: Shop) -> None:
    browser = Browser(tmp_path / "profile", wallet=None)
    try:
        browser.open(f"{shop.url}/work/{shop.drama_id}?lang=en")
        assert browser.text(_offer_item("offer", shop.capped_offer) + " button.buy") == EN["install_wallet"]
    finally:
        browser.close()


def _licence_owner(shop: Shop, licence_id: int) -> str:
    return str(shop.hub.market.functions.ownerOf(licence_id).call())


@pytest.mark.parametrize("kind", ["offer", "signed"])
def test_buying_through_the_wallet_mints_the_licence_for_the_buyer(
    browser: Browser, shop: Shop, wallet: WalletStandIn, tmp_path: Path, kind: str
) -> None:
    item = _offer_item(kind, shop.capped_offer if kind == "offer" else shop.signed_digest)
    browser.open(f"{shop.url}/work/{shop.drama_id}?lang=en")
    sent_before = len(wallet.sent)
    _click_buy(browser, item)
    licences = browser.until(f"document.querySelector({json.dumps(item + ' output')}).dataset.licences", timeout=60)
    (licence_id,) = (int(x) for x in licences.split(","))
    assert _licence_owner(shop, licence_id) == shop.buyer.address
    shown = browser.text(item + " output")
    assert shown.startswith("Bought: licence #" + str(licence_id)) and wallet.sent[-1] in shown
    assert len(wallet.sent) == sent_before + 1
    assert browser.evaluate("window.__walletCalls") == ["eth_requestAccounts", "eth_chainId", "eth_sendTransaction"]
    browser.screenshot(tmp_path / f"work-bought-{kind}.png")


def test_a_refused_purchase_shows_the_custom_error_and_sends_nothing(
    browser: Browser, shop: Shop, wallet: WalletStandIn
) -> None:
    item = _offer_item("offer", shop.raised_offer)
    browser.open(f"{shop.url}/work/{shop.drama_id}?lang=en")
    shop.studio_hub.set_offer_price(shop.raised_offer, 4 * 10**17)  # under the open page: its price is stale
    sent_before = len(wallet.sent)
    _click_buy(browser, item)
    browser.until(f"document.querySelector({json.dumps(item + ' output')}).textContent.startsWith('Refused')")
    shown = browser.text(item + " output")
    assert shown.startswith("Refused: PriceAboveMax: ") and str(4 * 10**17) in shown
    assert "eth_sendTransaction" not in browser.evaluate("window.__walletCalls")
    assert len(wallet.sent) == sent_before


def test_a_wallet_on_another_chain_is_told_to_switch_and_nothing_is_sent(
    browser: Browser, shop: Shop, wallet: WalletStandIn
) -> None:
    item = _offer_item("offer", shop.capped_offer)
    browser.open(f"{shop.url}/work/{shop.drama_id}?lang=zh")
    real, wallet.chain_id = wallet.chain_id, 1
    try:
        _click_buy(browser, item)
        browser.until(f"document.querySelector({json.dumps(item + ' output')}).textContent.includes('链 1')")
    finally:
        wallet.chain_id = real
    shown = browser.text(item + " output")
    assert f"链 {real}" in shown and "未发送任何交易" in shown
    assert "eth_sendTransaction" not in browser.evaluate("window.__walletCalls")


def test_an_erc20_price_is_approved_first_then_bought(
    browser: Browser, shop: Shop, wallet: WalletStandIn, deployer: LocalAccount
) -> None:
    with Hub.connect(shop.settings.rpc_url, deployments_dir=shop.settings.deployments_dir, account=deployer) as admin:
        token = deploy_contract(admin.w3, deployer, "TestERC20")
        admin.set_currency_allowed(token.address, True)
        call_as(admin.w3, deployer, token, "mint", shop.buyer.address, 10**24)
    now = shop.studio_hub.chain_time()
    offer_id = shop.studio_hub.create_offer(
        terms(shop.drama_id, now - 60, rights=Right.ADAPTATION, price=7 * 10**18, currency=token.address)
    )
    _index(shop.settings, shop.store)
    item = _offer_item("offer", offer_id)
    browser.open(f"{shop.url}/work/{shop.drama_id}?lang=en")
    assert f"{7 * 10**18} units of token {token.address}" in browser.text(item)
    sent_before = len(wallet.sent)
    _click_buy(browser, item)
    licences = browser.until(f"document.querySelector({json.dumps(item + ' output')}).dataset.licences", timeout=60)
    assert _licence_owner(shop, int(licences)) == shop.buyer.address
    assert len(wallet.sent) == sent_before + 2  # the approval, then the purchase
    assert token.functions.balanceOf(shop.buyer.address).call() == 10**24 - 7 * 10**18
