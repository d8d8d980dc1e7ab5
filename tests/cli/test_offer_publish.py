"""``copyright-hub offer sign --publish --hub URL``: a studio signs an offer off chain and puts it in a
hub's order book (a real API on uvicorn over a real SQLite file); the hub's refusal is one clear line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.settings import Settings
from indexer import Indexer, IndexerSettings
from tests.api.conftest import serve_app
from tests.cli.conftest import Env


@pytest.fixture(scope="module")
def hub_api(market: Env, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    tmp: Path = tmp_path_factory.mktemp("order-book")
    settings = Settings(
        rpc_url=market.node.url,
        database_url=f"sqlite:///{tmp / 'hub.sqlite3'}",
        deployments_dir=Path(market.env["COPYRIGHT_HUB_DEPLOYMENTS_DIR"]),
        content_dir=tmp / "content",
    )
    _index(settings)  # a hub serves its order book beside a mirror (without one it answers 503 Mirror not ready)
    with serve_app(settings) as url:
        yield url, settings


def _index(settings: Settings) -> None:
    Indexer(
        IndexerSettings(
            rpc_url=settings.rpc_url,
            database_url=settings.database_url,
            deployments_dir=settings.deployments_dir,
            finality_depth=0,
        )
    ).run(once=True)


def test_offer_sign_publish_puts_it_in_the_order_book(market: Env, hub_api: tuple[str, Settings]) -> None:
    url, settings = hub_api
    sign = ["offer", "sign", str(market.work_id), "--rights", "screening", "--price", "0.01", "--nonce", "77"]
    published = market.run(*sign, "--publish", "--hub", url, "--key-env", "STUDIO_KEY")
    assert published.returncode == 0, published.stderr
    digest = published.stdout.split("signed offer ")[1].split()[0]
    assert "in the order book: active" in published.stdout

    _index(settings)  # the book is judged against the mirror
    listed = httpx.get(f"{url}/signed-offers", params={"work": market.work_id}).json()
    assert [o["digest"] for o in listed["data"]] == [digest]
    assert listed["data"][0]["offer"]["terms"]["price"] == str(10**16)

    # without --publish the signed offer is printed as the JSON the hub takes
    printed = market.run(*sign, "--key-env", "STUDIO_KEY")
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout)["offer"]["nonce"] == "77"


def test_the_hubs_refusal_is_one_line_and_nothing_is_stored(market: Env, hub_api: tuple[str, Settings]) -> None:
    url, _settings = hub_api
    before = httpx.get(f"{url}/signed-offers", params={"active": False}).json()["count"]
    # the buyer does not own the work: the hub names the field and the contract's error
    refused = market.run(
        "offer", "sign", str(market.work_id), "--rights", "screening", "--price", "0.01", "--nonce", "78",
        "--publish", "--hub", url, "--key-env", "BUYER_KEY",
    )  # fmt: skip
    assert refused.returncode == 1
    assert "NotWorkOwner" in refused.stderr and "offer.seller" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    assert httpx.get(f"{url}/signed-offers", params={"active": False}).json()["count"] == before
    lonely = market.run("offer", "sign", "1", "--rights", "screening", "--price", "1", "--nonce", "1", "--publish",
                        "--key-env", "STUDIO_KEY")  # fmt: skip
    assert lonely.returncode == 1 and "--hub" in lonely.stderr


def test_an_exclusive_signed_offer_names_its_buyer(market: Env) -> None:
    """Issue 14: an exclusive offer is signed for one buyer unless --any-buyer says otherwise."""
    sign = ["offer", "sign", str(market.work_id), "--rights", "screening", "--price", "0.01", "--exclusive"]
    unbound = market.run(*sign, "--nonce", "90", "--key-env", "STUDIO_KEY")
    assert unbound.returncode == 1 and "Traceback" not in unbound.stderr
    assert "--buyer" in unbound.stderr or "buyer=" in unbound.stderr, unbound.stderr
    assert len(unbound.stderr.strip().splitlines()) == 1
    buyer = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    bound = market.run(*sign, "--nonce", "91", "--buyer", buyer, "--key-env", "STUDIO_KEY")
    assert bound.returncode == 0, bound.stderr
    assert json.loads(bound.stdout)["offer"]["buyer"].lower() == buyer.lower()
    anyone = market.run(*sign, "--nonce", "92", "--any-buyer", "--key-env", "STUDIO_KEY")
    assert anyone.returncode == 0, anyone.stderr
    assert int(json.loads(anyone.stdout)["offer"]["buyer"], 16) == 0
