"""CLI commands and options beyond the happy path of test_market_cli, each checked on the chain (or in
the key store) rather than in the command's own output."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from eth_account.signers.local import LocalAccount

from api.stores import WrappedKeyStore
from client_sdk import Right
from client_sdk.content import unwrap_key
from indexer.db import make_engine
from tests.cli.conftest import Env
from tests.factories.protocol import DAY


def _offer(market: Env, *args: str) -> int:
    made = market.run("offer", "create", str(market.work_id), *args, "--key-env", "STUDIO_KEY")
    assert made.returncode == 0, made.stderr
    return int(made.stdout.split("offer ")[1].split()[0])


def _buy(market: Env, offer_id: int, max_price: str) -> int:
    bought = market.run("buy", str(offer_id), "--max-price", max_price, "--key-env", "BUYER_KEY")
    assert bought.returncode == 0, bought.stderr
    return int(bought.stdout.split("licence ")[1].split()[0])


def test_territory_exclusive_days_and_start_reach_the_chain(market: Env) -> None:
    start = market.now() + 3 * DAY
    offer_id = _offer(
        market, "--rights", "screening", "--price", "0.01", "--territory", "840", "--territory", "156",
        "--exclusive", "--supply-cap", "1", "--days", "10", "--start", str(start),
    )  # fmt: skip
    terms, sold, cancelled = market.hub.get_offer(offer_id)
    assert (terms.rights, terms.territories, terms.exclusive) == (Right.SCREENING, (156, 840), True)
    assert (terms.start, terms.end, terms.supply_cap, sold, cancelled) == (start, start + 10 * DAY, 1, 0, False)

    licence_id = _buy(market, offer_id, "0.01")
    lic = market.hub.get_licence(licence_id)
    assert (lic.exclusive, lic.start, lic.end) == (True, start, start + 10 * DAY)
    assert market.hub.market.functions.exclusiveTerritories(licence_id).call() == [156, 840]
    shown = market.run("licence", "show", str(licence_id))
    assert re.search(rf"^licence {licence_id} on work {market.work_id}: not_yet_valid$", shown.stdout, re.M)


def test_defaults_are_worldwide_non_exclusive_for_a_year_from_now(market: Env) -> None:
    before = market.now()
    terms, _sold, _cancelled = market.hub.get_offer(_offer(market, "--rights", "rental", "--price", "0.01"))
    assert (terms.territories, terms.exclusive, terms.end - terms.start) == ((), False, 365 * DAY)
    assert before - 60 <= terms.start <= before + 60


def test_offer_cancel_stops_sales(market: Env) -> None:
    offer_id = _offer(market, "--rights", "exhibition", "--price", "0.01")
    cancelled = market.run("offer", "cancel", str(offer_id), "--key-env", "STUDIO_KEY")
    assert cancelled.returncode == 0 and f"offer {offer_id} cancelled" in cancelled.stdout, cancelled.stderr
    assert market.hub.get_offer(offer_id)[2] is True
    height = market.height()
    refused = market.run("buy", str(offer_id), "--max-price", "0.01", "--key-env", "BUYER_KEY")
    assert refused.returncode == 1 and "is cancelled" in refused.stderr
    assert market.height() == height


def test_only_the_owner_can_cancel_an_offer(market: Env) -> None:
    offer_id = _offer(market, "--rights", "performance", "--price", "0.01")
    refused = market.run("offer", "cancel", str(offer_id), "--key-env", "BUYER_KEY")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert market.hub.get_offer(offer_id)[2] is False


def test_erc20_purchase_and_withdraw_in_that_currency(market: Env, studio: LocalAccount, buyer: LocalAccount) -> None:
    token = market.token
    offer_id = _offer(market, "--rights", "translation", "--price", "5000", "--currency", token.address)
    buyer_before = token.functions.balanceOf(buyer.address).call()
    licence_id = _buy(market, offer_id, "5000")
    assert market.hub.get_licence(licence_id).holder.lower() == buyer.address.lower()
    assert token.functions.balanceOf(buyer.address).call() == buyer_before - 5000
    assert market.hub.credit_of(studio.address, token.address) == 5000  # deployed with no fee

    eth_credit = market.hub.credit_of(studio.address)
    studio_before = token.functions.balanceOf(studio.address).call()
    paid = market.run("withdraw", "--currency", token.address, "--key-env", "STUDIO_KEY")
    assert paid.returncode == 0, paid.stderr
    assert token.functions.balanceOf(studio.address).call() == studio_before + 5000
    assert market.hub.credit_of(studio.address, token.address) == 0
    assert market.hub.credit_of(studio.address) == eth_credit  # the ETH balance was not touched


def test_register_with_splits_records_them_on_chain(
    market: Env, studio: LocalAccount, arbiter: LocalAccount, stranger: LocalAccount, tmp_path: Path
) -> None:
    film = tmp_path / "shared.bin"
    film.write_bytes(hashlib.shake_256(b"co-owned film").digest(50_000))
    made = market.run(
        "register", str(film), "--title", "Shared", "--split", f"{studio.address}:6000",
        "--split", f"{arbiter.address}:2500", "--split", f"{stranger.address}:1500", "--key-env", "STUDIO_KEY",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    work_id = int(made.stdout.split("registered work ")[1].split()[0])
    _status, lead, co_owners, bps = market.hub.registry.functions.payees(work_id).call()
    assert lead == studio.address
    assert dict(zip(co_owners, bps, strict=True)) == {arbiter.address: 2500, stranger.address: 1500}


def test_verify_without_a_file_prints_the_chain_record(market: Env, studio: LocalAccount) -> None:
    work = market.hub.get_work(market.work_id)
    shown = market.run("verify", str(market.work_id))
    assert shown.returncode == 0, shown.stderr
    lines = dict(re.findall(r"^  (\w[\w ]*?) {2,}(.+)$", shown.stdout, re.M))
    assert lines["owner"] == work.owner
    assert lines["sha256"] == "0x" + hashlib.sha256(b"cli film").hexdigest()
    assert lines["content CID"] == "bafycontent" and lines["status"] == "active"
    unknown = market.run("verify", "99999")
    assert unknown.returncode != 0 and "Traceback" not in unknown.stderr


def test_wrap_key_files_a_key_only_the_licensee_can_unwrap(market: Env, buyer: LocalAccount, tmp_path: Path) -> None:
    master = tmp_path / "master.bin"
    master.write_bytes(b"frames" * 1000)
    assert market.run("encrypt", str(master)).returncode == 0
    content_key = bytes.fromhex((tmp_path / "master.bin.key").read_text())
    licensee = X25519PrivateKey.generate()
    public = licensee.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    database = f"sqlite:///{tmp_path / 'hub.sqlite3'}"  # the hub's own database (the API route: test_keys_cli)
    wrapped = market.run(
        "content", "wrap-key", "7", buyer.address, public.hex(), "--key", str(tmp_path / "master.bin.key"),
        "--database-url", database,
    )  # fmt: skip
    assert wrapped.returncode == 0, wrapped.stderr
    engine = make_engine(database)
    filed = WrappedKeyStore(engine).get(7, buyer.address)
    assert filed is not None and filed.recipient_public == public
    assert unwrap_key(filed, licensee, context="work:7") == content_key
    assert WrappedKeyStore(engine).get(8, buyer.address) is None
    engine.dispose()

    bad = market.run("content", "wrap-key", "7", buyer.address, "zz", "--key", str(tmp_path / "master.bin.key"))
    assert bad.returncode == 1 and "64 hex digits" in bad.stderr
