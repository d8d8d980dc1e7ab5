"""Studio and buyer through the CLI on a private chain: offer, buy, show, withdraw, assign; refusals
are one clear line and change nothing."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount

from tests.cli.conftest import Env


def test_offer_buy_show_withdraw_and_assign(market: Env, buyer: LocalAccount, stranger: LocalAccount) -> None:
    made = market.run(
        "offer", "create", str(market.work_id), "--rights", "information_network,broadcasting",
        "--price", "0.25", "--days", "30", "--key-env", "STUDIO_KEY",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    offer_id = int(made.stdout.split("offer ")[1].split()[0])
    shown = market.run("offer", "show", str(offer_id))
    assert "information_network, broadcasting" in shown.stdout.replace(
        "broadcasting, information_network", "information_network, broadcasting"
    )
    assert "0.25 ETH" in shown.stdout

    # a cap above the price buys at the price (the studio withdraws exactly 0.25 below)
    bought = market.run("buy", str(offer_id), "--max-price", "0.3", "--key-env", "BUYER_KEY")
    assert bought.returncode == 0, bought.stderr
    licence_id = int(bought.stdout.split("licence ")[1].split()[0])
    lic = market.run("licence", "show", str(licence_id))
    # the whole status word: "valid" alone would also match "not_yet_valid"
    assert re.search(rf"^licence {licence_id} on work {market.work_id}: valid$", lic.stdout, re.MULTILINE), lic.stdout
    assert re.search(rf"^  holder +{buyer.address}$", lic.stdout, re.MULTILINE), lic.stdout
    assert re.search(r"^  from +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", lic.stdout, re.MULTILINE), lic.stdout  # a date
    start = json.loads(market.run("licence", "show", str(licence_id), "--json").stdout)["start"]
    before = market.run("licence", "show", str(licence_id), "--at", str(start - 1))
    assert f"licence {licence_id} on work {market.work_id} at {start - 1} (" in before.stdout
    assert before.stdout.splitlines()[0].endswith(": not_yet_valid")
    refused = market.run("licence", "show", str(licence_id), "--at", str(2**40))
    assert refused.returncode != 0 and "Traceback" not in refused.stderr

    paid = market.run("withdraw", "--key-env", "STUDIO_KEY")
    assert paid.returncode == 0 and "withdrew 0.25 ETH" in paid.stdout  # the whole price: deployed with no fee
    assert "nothing to withdraw" in market.run("withdraw", "--key-env", "STUDIO_KEY").stdout

    moved = market.run("transfer", str(market.work_id), stranger.address, "--key-env", "STUDIO_KEY")
    assert moved.returncode == 0, moved.stderr
    assert market.hub.get_work(market.work_id).owner == stranger.address


def test_buying_above_max_price_is_refused_before_sending(market: Env) -> None:
    own = market.hub.register_work(hashlib.sha256(b"cli short").digest(), "bafyshort", "bafymeta", 3)
    made = market.run(
        "offer", "create", str(own.work_id), "--rights", "screening", "--price", "1", "--key-env", "STUDIO_KEY"
    )
    assert made.returncode == 0, made.stderr
    offer_id = int(made.stdout.split("offer ")[1].split()[0])
    height = market.height()
    refused = market.run("buy", str(offer_id), "--max-price", "0.5", "--key-env", "BUYER_KEY")
    assert refused.returncode == 1
    assert "above your --max-price" in refused.stderr and "Traceback" not in refused.stderr
    assert market.height() == height


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["offer", "create", "1", "--rights", "dancing", "--price", "1", "--key-env", "STUDIO_KEY"], "unknown right"),
        (
            ["offer", "create", "1", "--rights", "screening", "--price", "abc", "--key-env", "STUDIO_KEY"],
            "not a number",
        ),
        (["offer", "create", "1", "--rights", "screening", "--price", "1"], "pass your key"),
        (["buy", "1", "--max-price", "1", "--key-env", "NO_SUCH_VAR"], "NO_SUCH_VAR is not set"),
        (["transfer", "1", "not-an-address", "--key-env", "STUDIO_KEY"], "is not an address"),
        (["licence", "show", "99999"], "error:"),
    ],
)
def test_bad_input_is_one_clear_error(market: Env, args: list[str], message: str) -> None:
    height = market.height()
    proc = market.run(*args)
    assert proc.returncode != 0
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert market.height() == height


def test_register_then_verify_a_file_against_the_chain(market: Env, tmp_path: Path) -> None:
    film = tmp_path / "film.bin"
    film.write_bytes(hashlib.shake_256(b"register via cli").digest(700_000))
    made = market.run(
        "register", str(film), "--title", "Harbour Lights", "--type", "animation", "--key-env", "STUDIO_KEY"
    )
    assert made.returncode == 0, made.stderr
    work_id = made.stdout.split("registered work ")[1].split()[0]
    ok = market.run("verify", work_id, "--file", str(film))
    assert ok.returncode == 0 and "matches its registration" in ok.stdout, ok.stdout + ok.stderr
    assert "animation" in ok.stdout
    forged = tmp_path / "forged.bin"
    forged.write_bytes(film.read_bytes()[:-1] + b"\x00")
    bad = market.run("verify", work_id, "--file", str(forged))
    assert bad.returncode == 1 and "MISMATCH" in bad.stdout


def test_erc20_amounts_print_in_the_tokens_own_symbol_and_decimals(market: Env) -> None:
    """Issue 11 item 3 in the CLI: an ERC-20 price reads as the token says (TestERC20: TEST, 18
    decimals), not as base units of an address; JSON keeps the exact base units beside the words."""
    token = market.token
    price = 75 * 10**17 + 1  # 7.500000000000000001 TEST: exact, never rounded
    own = market.hub.register_work(hashlib.sha256(b"cli token-priced").digest(), "bafytoken", "bafymeta", 3)
    made = market.run(
        "offer", "create", str(own.work_id), "--rights", "translation", "--price", str(price),
        "--currency", token.address, "--key-env", "STUDIO_KEY",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "for 7.500000000000000001 TEST" in made.stdout, made.stdout
    offer_id = int(made.stdout.split("offer ")[1].split()[0])
    assert "7.500000000000000001 TEST" in market.run("offer", "show", str(offer_id)).stdout
    shown = json.loads(market.run("offer", "show", str(offer_id), "--json").stdout)
    assert shown["price"] == {"amount": str(price), "currency": token.address, "text": "7.500000000000000001 TEST"}
    too_little = market.run("buy", str(offer_id), "--max-price", "1000", "--key-env", "BUYER_KEY")
    assert too_little.returncode != 0 and "above your --max-price 0.000000000000001 TEST" in too_little.stderr


def test_a_token_without_symbol_or_decimals_or_a_chain_away_prints_base_units(market: Env) -> None:
    from web3 import Web3

    from client_sdk.tokens import amount_in_words, read_token, token_facts

    w3, token = market.hub.w3, market.token.address
    assert read_token(w3, token) == read_token(w3, token.lower()) and read_token(w3, token).symbol == "TEST"
    registry = market.hub.registry.address  # an ERC-721: a symbol, no decimals
    facts = read_token(w3, registry)
    assert (facts.symbol, facts.decimals) == ("CHWORK", None) and "decimals()" in (facts.note or "")
    assert amount_in_words(7, registry, facts) == f"7 base units of CHWORK ({registry})"
    nobody = Web3.to_checksum_address("0x" + "11" * 20)  # no code: no answer to either
    facts = read_token(w3, nobody)
    assert (facts.symbol, facts.decimals) == (None, None) and "no answer" in (facts.note or "")
    assert amount_in_words(7, nobody, facts) == f"7 units of token {nobody}"
    away = Web3(Web3.HTTPProvider("http://127.0.0.1:9", request_kwargs={"timeout": 2}))  # nothing listens
    fallback = token_facts(away, token)
    assert (fallback.symbol, fallback.decimals) == (None, None) and fallback.note
    assert amount_in_words(7, token, fallback) == f"7 units of token {token}"
    assert amount_in_words(25 * 10**16, "0x" + "00" * 20) == "0.25 ETH"
