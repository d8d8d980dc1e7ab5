"""The explorer (issue 13 item 7) on the indexed catalogue story: blocks and transactions read from the
chain and decoded by the committed ABIs, addresses from the mirror, both languages, bounded input,
an RPC that is down, and the pages in headless Chromium (screenshots kept under the test's tmp dir,
and copied to ``$COPYRIGHT_HUB_KEEP_SCREENSHOTS`` when set)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from web3 import Web3

from api.i18n import LANGUAGES, STRINGS, from_accept_language
from api.main import create_app
from api.routes import explorer
from client_sdk.artifacts import load_artifact
from client_sdk.chain import connect
from client_sdk.manifest import manifest_path, read_manifest
from copyright_hub.devnet import free_port, spawn_anvil
from tests.api.conftest import Story, serve_app
from tests.api.test_provenance import CHROMIUM_FLAGS

ZH = STRINGS["zh"]
EN = STRINGS["en"]


def test_every_language_has_every_string() -> None:
    keys = set(STRINGS["en"])
    assert all(set(STRINGS[lang]) == keys for lang in LANGUAGES)
    assert all(value.strip() for lang in LANGUAGES for value in STRINGS[lang].values())


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-GB,en;q=0.9,zh;q=0.8", "en"),
        ("fr-FR, zh;q=0.5, en;q=0.4", "zh"),
        ("zh;q=0, en;q=0.1", "en"),
        ("fr", "en"),
        ("zh;q=abc, ;;, en", "en"),
        ("", "en"),
    ],
)
def test_accept_language_picks_the_preferred_language(header: str, expected: str) -> None:
    assert from_accept_language(header) == expected


def _w3(story: Story) -> Web3:
    return connect(story.node.url)


def _registry(story: Story) -> str:
    w3 = _w3(story)
    deployment = read_manifest(manifest_path(w3.eth.chain_id, story.settings.deployments_dir))
    return Web3.to_checksum_address(deployment.address("WorkRegistry"))


def _licence_tx(story: Story) -> str:
    tx: str = story.client.get(f"/licences/{story.licence_id}").json()["granted_tx"]
    return tx


def _send_raw(w3: Web3, account: LocalAccount, to: str, data: str = "0x", gas: int = 200_000) -> str:
    """Signed locally with an explicit gas limit, so nothing refuses it before it is mined."""
    tx = {
        "from": account.address, "to": to, "data": data, "value": 0, "gas": gas, "chainId": w3.eth.chain_id,
        "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        "maxFeePerGas": 10 * w3.eth.gas_price, "maxPriorityFeePerGas": 1,
    }  # fmt: skip
    return w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction).to_0x_hex()


@pytest.fixture(scope="module")
def reverted_tx(story: Story) -> str:
    """The stranger updating the film's metadata: mined, and reverted by ``NotWorkOwner``."""
    w3 = _w3(story)
    registry = w3.eth.contract(address=_registry(story), abi=load_artifact("WorkRegistry").abi)
    data = registry.encode_abi("updateMetadata", args=[story.film_id, "bafyforged"])
    tx_hash = _send_raw(w3, story.stranger, registry.address, data)
    assert w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)["status"] == 0
    return tx_hash


def test_a_purchase_is_decoded_with_the_abis_names(story: Story) -> None:
    tx_hash = _licence_tx(story)
    page = story.client.get(f"/explorer/tx/{tx_hash}", params={"lang": "en"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert EN["success"] in html and tx_hash in html
    (purchase,) = [e for e in load_artifact("LicenceMarket").abi if e["type"] == "function" and e["name"] == "purchase"]
    assert "LicenceMarket.purchase" in html
    assert all(f"<td>{i['name']}</td>" in html for i in purchase["inputs"])
    assert "LicenceMarket.LicenceGranted" in html and "LicenceMarket.PaymentCredited" in html
    assert story.buyer.address in html
    # every link the page makes keeps the language
    links = [h for h in re.findall(r'href="(/explorer[^"]*)"', html) if "lang=zh" not in h]
    assert links and all("lang=en" in h for h in links)


def test_a_reverted_transaction_shows_its_decoded_custom_error(story: Story, reverted_tx: str) -> None:
    html = story.client.get(f"/explorer/tx/{reverted_tx}", params={"lang": "zh"}).text
    assert ZH["failed"] in html
    revert = re.search(r'id="revert">(.*?)</div>', html, re.S)
    assert revert, html
    assert "NotWorkOwner" in revert.group(1)
    assert f"workId={story.film_id}" in revert.group(1)
    assert "WorkRegistry.updateMetadata" in html and "bafyforged" in html


def test_the_language_follows_accept_language_and_the_switch(story: Story) -> None:
    url = f"/explorer/tx/{_licence_tx(story)}"
    answer = story.client.get(url, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert answer.headers["content-language"] == "zh" and answer.headers["vary"] == "Accept-Language"
    assert "default-src 'none'" in answer.headers["content-security-policy"]  # the pages' middleware
    zh = answer.text
    assert ZH["success"] in zh and EN["success"] not in zh
    assert f'href="{url}?lang=en"' in zh  # the switch
    en = story.client.get(url, params={"lang": "en"}, headers={"Accept-Language": "zh-CN"}).text
    assert EN["success"] in en
    bad = story.client.get(url, params={"lang": "fr"})
    assert bad.status_code == 422 and "lang" in bad.text


def test_a_block_pages_its_transactions(story: Story, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three transfers mined in one block; two a page."""
    w3 = _w3(story)
    w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        sent = [_send_raw(w3, story.co_owner, story.stranger.address, gas=21_000) for _ in range(3)]
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    finally:
        w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
    number = w3.eth.get_transaction_receipt(sent[0])["blockNumber"]  # type: ignore[arg-type]
    monkeypatch.setattr(explorer, "TXS_PER_PAGE", 2)
    first = story.client.get(f"/explorer/blocks/{number}", params={"lang": "en"}).text
    second = story.client.get(f"/explorer/blocks/{number}", params={"lang": "en", "page": 2}).text
    assert 'id="count">3<' in first and first.count("/explorer/tx/0x") == 2
    assert second.count("/explorer/tx/0x") == 1
    assert {h for h in sent} == set(re.findall(r"/explorer/tx/(0x[0-9a-f]{64})", first + second))
    assert f"/explorer/blocks/{number}?page=2&amp;lang=en" in first
    assert w3.eth.get_block(number)["hash"].to_0x_hex() in first
    beyond = story.client.get(f"/explorer/blocks/{number}", params={"page": 99}).text
    assert beyond.count("/explorer/tx/0x") == 1  # the last page, not an empty one


def test_the_front_page_lists_the_latest_blocks_and_search_finds_them(story: Story) -> None:
    head = _w3(story).eth.block_number
    home = story.client.get("/explorer", params={"lang": "zh"})
    assert home.status_code == 200 and ZH["latest_blocks"] in home.text
    assert f"/explorer/blocks/{head}?lang=zh" in home.text
    assert f"/explorer/address/{_registry(story)}?lang=zh" in home.text and "WorkRegistry" in home.text
    found = story.client.get("/explorer/search", params={"q": f" {head} ", "lang": "zh"}, follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == f"/explorer/blocks/{head}?lang=zh"
    tx = _licence_tx(story)
    found = story.client.get("/explorer/search", params={"q": tx.upper().replace("0X", "0x")}, follow_redirects=False)
    assert found.headers["location"] == f"/explorer/tx/{tx}?lang=en"
    found = story.client.get("/explorer/search", params={"q": story.buyer.address.lower()}, follow_redirects=False)
    assert found.headers["location"] == f"/explorer/address/{story.buyer.address}?lang=en"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/explorer/blocks/-1", 422),
        (f"/explorer/blocks/{2**63}", 422),
        ("/explorer/blocks/abc", 422),
        ("/explorer/blocks/1?page=0", 422),
        ("/explorer/tx/0x1234", 422),
        ("/explorer/tx/0x" + "g" * 64, 422),
        ("/explorer/address/0x" + "1" * 39, 422),
        ("/explorer/address/<script>", 422),
        ("/explorer/search?q=" + "9" * 201, 422),
    ],
)
def test_malformed_input_is_refused_with_what_to_fix(story: Story, path: str, status: int) -> None:
    answer = story.client.get(path)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "Traceback" not in answer.text


def test_what_is_not_on_the_chain_is_a_page_that_says_so(story: Story) -> None:
    head = _w3(story).eth.block_number
    far = story.client.get(f"/explorer/blocks/{head + 1000}", params={"lang": "en"})
    assert far.status_code == 404
    assert EN["block_not_found"].format(number=head + 1000, head=head) in far.text
    missing = "0x" + "ab" * 32
    gone = story.client.get(f"/explorer/tx/{missing}", params={"lang": "zh"})
    assert gone.status_code == 404 and ZH["tx_not_found"].format(hash=missing) in gone.text
    junk = story.client.get("/explorer/search", params={"q": "<b>hello</b>"})
    assert junk.status_code == 400 and "&lt;b&gt;hello&lt;/b&gt;" in junk.text  # escaped, never markup


@pytest.mark.parametrize("story", ["sqlite"], indirect=True)  # the chain is the point, not the mirror
def test_an_rpc_that_is_down_is_a_page_not_a_500(story: Story) -> None:
    down = story.settings.model_copy(update={"rpc_url": f"http://127.0.0.1:{free_port()}"})
    with TestClient(create_app(down)) as client:
        for path in ("/explorer", "/explorer/blocks/1", f"/explorer/tx/{'0x' + '11' * 32}"):
            answer = client.get(path, params={"lang": "zh"})
            assert answer.status_code == 503, path
            assert ZH["chain_down"] in answer.text
        # the address page reads the mirror only, so it still answers
        assert client.get(f"/explorer/address/{story.studio.address}").status_code == 200


@pytest.mark.parametrize("story", ["sqlite"], indirect=True)  # the chain is the point, not the mirror
def test_an_rpc_that_stops_answering_after_connecting_is_a_page_not_a_500(story: Story) -> None:
    """The app connects to a chain (same chain id, so the story's manifest loads), which then stops."""
    with (
        spawn_anvil() as node,
        TestClient(create_app(story.settings.model_copy(update={"rpc_url": node.url}))) as client,
    ):
        assert client.get("/explorer/blocks/0", params={"lang": "en"}).status_code == 200
        node.stop()
        answer = client.get("/explorer/blocks/0", params={"lang": "en"})
        assert answer.status_code == 503 and EN["chain_down"] in answer.text


def _rows(html: str, table: str) -> list[str]:
    found = re.search(rf'<table id="{table}">(.*?)</table>', html, re.S)
    assert found, f"no table {table}"
    return re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)[1:]


def test_an_address_shows_works_licences_and_earnings_from_the_mirror(story: Story) -> None:
    studio = story.client.get(f"/explorer/address/{story.studio.address.lower()}", params={"lang": "en"}).text
    assert story.studio.address in studio  # checksummed
    (film,) = _rows(studio, "works")
    assert f"#{story.film_id}" in film and "70%" in film
    # issue 14: the priority beside the registration block (one step: the same block)
    work = story.client.get(f"/works/{story.film_id}").json()
    assert f'class="priority"><a href="/explorer/blocks/{work["priority_block"]}' in film
    assert EN["priority"] in studio
    sold = [story.client.get(f"/licences/{i}").json() for i in (story.licence_id, story.future_licence_id)]
    (eth,) = _rows(studio, "earnings")
    credited = re.findall(r"<td>(\d+)</td>", eth)
    assert len(credited) == 3 and int(credited[0]) > 0 and int(credited[0]) - int(credited[1]) == int(credited[2])
    # the studio's 70% of both sales, net of the market's fee
    assert int(credited[0]) == sum((int(lic["price"]) - int(lic["fee"])) * 7_000 // 10_000 for lic in sold)
    buyer = story.client.get(f"/explorer/address/{story.buyer.address}", params={"lang": "zh"}).text
    licences = _rows(buyer, "licences")
    assert {f"#{story.licence_id}", f"#{story.future_licence_id}"} <= {
        re.search(r"<td>(#\d+)</td>", r).group(1)
        for r in licences  # type: ignore[union-attr]
    }
    assert ZH["no_works"] in buyer and ZH["no_earnings"] in buyer


def test_every_hash_on_the_provenance_page_links_to_the_explorer(story: Story) -> None:
    work = story.client.get(f"/works/{story.film_id}").json()
    html = story.client.get(f"/provenance/{story.film_id}").text
    assert f'href="/explorer/tx/{work["registered_tx"]}"' in html
    assert f'href="/explorer/blocks/{work["registered_block"]}"' in html
    assert f'href="/explorer/address/{story.studio.address}"' in html
    events = story.client.get(f"/works/{story.film_id}/provenance").json()["events"]
    assert all(f'href="/explorer/tx/{e["tx_hash"]}"' in html for e in events)


# -- in a real browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(story: Story) -> Iterator[str]:
    with serve_app(story.settings) as url:
        yield url


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[Any]:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "headless Chromium is required for page tests: apt-get install chromium"
    return subprocess.run(
        [path, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=90
    )


def _screenshot(profile: Path, url: str, shot: Path) -> None:
    _chromium(profile, f"--screenshot={shot}", "--window-size=1100,1400", url)
    assert shot.exists() and shot.stat().st_size > 10_000  # a rendered page, not a blank
    keep = os.environ.get("COPYRIGHT_HUB_KEEP_SCREENSHOTS")
    if keep:
        shutil.copy(shot, Path(keep) / shot.name)


@pytest.mark.parametrize("story", ["sqlite"], indirect=True)
def test_the_explorer_reads_in_a_real_browser(served: str, story: Story, reverted_tx: str, tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    url = f"{served}/explorer/tx/{reverted_tx}?lang=zh"
    dom = _chromium(profile, "--dump-dom", url).stdout
    assert ZH["failed"] in dom and "NotWorkOwner" in dom and ZH["revert_reason"] in dom
    _screenshot(profile, url, tmp_path / "explorer-tx-zh.png")
    _screenshot(
        profile, f"{served}/explorer/address/{story.studio.address}?lang=en", tmp_path / "explorer-address-en.png"
    )
