"""Every studio task through the CLI on a private chain: register (splits echoed, a derivative with its
parent licence, a royalty), offers (create, reprice, list, cancel all signed ones), licences sold,
earnings, attestations (reviewers only), a royalty changed by the owner, and disputes (open, answer: the
owner only, show, resolve: arbiters only).

Reads are checked two ways: ``--json`` (stable keys, uint256 as strings), and piped output (not a
TTY: tab-separated, never wrapped, hashes and addresses whole). Refusals change nothing on chain.
Commands run in-process (click's runner: stdout is not a TTY there either), which keeps some forty
commands to seconds; tests/cli/test_bad_input.py runs every command as a real subprocess.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from typer.testing import CliRunner

from client_sdk import Hub
from copyright_hub.cli import app
from tests.cli.conftest import Env

EVIDENCE = "bafkqaaa"  # a valid CID (identity, empty)


class InProcess(Env):
    """The market fixture's chain and keys, with each command run in this process."""

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = CliRunner().invoke(app, list(args), env=self.env, catch_exceptions=True)
        crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
        assert not crashed, f"{args}: {result.exception!r}"  # the error boundary lets nothing through
        return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def studio_env(market: Env, deployer: LocalAccount, auditor: LocalAccount, arbiter: LocalAccount,
               stranger: LocalAccount) -> Iterator[Env]:  # fmt: skip
    admin = Hub(market.hub.w3, market.hub.deployment, deployer)
    admin.grant_role("WorkRegistry", "REVIEWER_ROLE", auditor.address)
    admin.grant_role("DisputeResolver", "ARBITER_ROLE", arbiter.address)
    keys = {name: "0x" + bytes(a.key).hex() for name, a in (("AUDITOR_KEY", auditor), ("ARBITER_KEY", arbiter),
                                                           ("STRANGER_KEY", stranger))}  # fmt: skip
    yield InProcess(market.node, {**market.env, **keys}, market.work_id, market.hub, market.token)


def ok(env: Env, *args: str) -> str:
    result = env.run(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def refused(env: Env, *args: str, text: str, code: int = 1) -> str:
    height = env.height()
    result = env.run(*args)
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    assert text in output and "Traceback" not in output, output
    if code == 1:
        assert [line for line in result.stderr.splitlines() if line.strip()] == [result.stderr.strip()], output
    assert env.height() == height, "a refusal sent nothing"
    return result.stderr


def as_json(env: Env, *args: str) -> Any:
    return json.loads(ok(env, *args, "--json"))


def register(env: Env, tmp: Path, name: str, *extra: str, key: str = "STUDIO_KEY") -> tuple[int, str]:
    film = tmp / f"{name}.mp4"
    film.write_bytes(f"frames of {name}".encode())
    out = ok(env, "register", str(film), "--title", name, "--key-env", key, *extra)
    return int(out.split("registered work ")[1].split()[0]), out


def test_register_echoes_owners_and_splits_and_keeps_the_royalty(
    studio_env: Env, tmp_path: Path, studio: LocalAccount, buyer: LocalAccount
) -> None:
    env = studio_env
    # the co-owner written in lower case: accepted, and echoed checksummed
    work_id, out = register(
        env, tmp_path, "Split Film", "--split", f"{studio.address}:7000", "--split", f"{buyer.address.lower()}:3000",
        "--royalty-bps", "500",
    )  # fmt: skip
    assert re.search(rf"^  owner\s+{studio.address} 7000 bps \(70%\)$", out, re.MULTILINE), out
    assert re.search(rf"^  co-owner\s+{buyer.address} 3000 bps \(30%\)$", out, re.MULTILINE), out
    assert f"royalty      500 bps to {studio.address}" in out
    assert [(s.account, s.bps) for s in env.hub.splits_of(work_id)] == [(studio.address, 7000), (buyer.address, 3000)]
    shown = as_json(env, "royalty", "show", str(work_id))
    assert shown == {"work_id": str(work_id), "receiver": studio.address, "bps": 500}
    assert "no royalty" in ok(env, "royalty", "show", str(env.work_id))


def test_the_owner_sets_the_royalty_and_a_stranger_cannot(
    studio_env: Env, tmp_path: Path, studio: LocalAccount, stranger: LocalAccount
) -> None:
    env = studio_env
    work_id, _ = register(env, tmp_path, "Royalty Film")
    out = ok(env, "royalty", "set", str(work_id), "--bps", "750", "--key-env", "STUDIO_KEY")
    assert f"work {work_id}: royalty 7.5% to {studio.address}" in out
    assert as_json(env, "royalty", "show", str(work_id)) == {
        "work_id": str(work_id), "receiver": studio.address, "bps": 750
    }  # fmt: skip
    refused(env, "royalty", "set", str(work_id), "--bps", "100", "--key-env", "STRANGER_KEY",
            text=f"work {work_id} is owned by {studio.address.lower()}, not {stranger.address.lower()}")  # fmt: skip
    assert "no royalty" in ok(env, "royalty", "set", str(work_id), "--bps", "0", "--key-env", "STUDIO_KEY")
    assert as_json(env, "royalty", "show", str(work_id))["bps"] == 0


def test_a_wrong_checksum_split_is_refused_before_anything(
    studio_env: Env, tmp_path: Path, buyer: LocalAccount
) -> None:
    film = tmp_path / "typo.mp4"
    film.write_bytes(b"typo")
    body = buyer.address[2:]
    flipped = "0x" + (body[0].swapcase() if body[0].isalpha() else body[0]) + body[1:]
    flipped = flipped if flipped != buyer.address else "0x" + body[:-1] + body[-1].swapcase()
    assert flipped.lower() == buyer.address.lower() and flipped != buyer.address
    refused(env := studio_env, "register", str(film), "--title", "T", "--split", f"{flipped}:100",
            "--key-env", "STUDIO_KEY", text="checksum is wrong", code=2)  # fmt: skip
    assert env.hub.work_id_by_digest(hashlib.sha256(b"typo").digest()) == 0


def test_a_derivative_names_its_parent_and_the_adaptation_licence(
    studio_env: Env, tmp_path: Path, buyer: LocalAccount
) -> None:
    env = studio_env
    parent, _ = register(env, tmp_path, "Parent Novel Film")
    own_child, out = register(env, tmp_path, "Own Sequel", "--parent", str(parent), "--parent-licence", "0")
    assert f"derived from work {parent} (yours)" in out
    made = ok(
        env, "offer", "create", str(parent), "--rights", "adaptation", "--price", "0.01", "--key-env", "STUDIO_KEY"
    )
    offer_id = made.split("offer ")[1].split()[0]
    bought = ok(env, "buy", offer_id, "--max-price", "0.01", "--key-env", "BUYER_KEY")
    licence_id = int(bought.split("licence ")[1].split()[0])
    # without its licence the buyer's derivative is refused by the chain's rule, before sending
    film = tmp_path / "adaptation.mp4"
    film.write_bytes(b"an adaptation")
    refused(
        env, "register", str(film), "--title", "A", "--parent", str(parent), "--key-env", "BUYER_KEY", text="error:"
    )
    child, out = register(env, tmp_path, "Adaptation", "--parent", str(parent), "--parent-licence", str(licence_id),
                          key="BUYER_KEY")  # fmt: skip
    assert f"derived from work {parent} under licence {licence_id}" in out
    assert env.hub.parents_of(child) == ([parent], [licence_id])
    listed = {w["work_id"]: w for w in as_json(env, "works", "list", "--mine", "--key-env", "BUYER_KEY")}
    assert listed[str(child)]["parents"] == [str(parent)]
    assert listed[str(child)]["parent_licences"] == [str(licence_id)]
    assert listed[str(child)]["owners"] == [{"account": buyer.address, "bps": 10000}]
    mine = as_json(env, "works", "list", "--mine", "--key-env", "STUDIO_KEY")
    assert {str(parent), str(own_child)} <= {w["work_id"] for w in mine}
    assert str(child) not in {w["work_id"] for w in mine}


def test_offers_reprice_list_and_cancel_all(studio_env: Env, studio: LocalAccount) -> None:
    env = studio_env
    made = ok(env, "offer", "create", str(env.work_id), "--rights", "screening", "--price", "0.5",
              "--territory", "156", "--territory", "826", "--key-env", "STUDIO_KEY")  # fmt: skip
    offer_id = made.split("offer ")[1].split()[0]
    assert "0.5 ETH -> 0.75 ETH" in ok(env, "offer", "reprice", offer_id, "--price", "0.75", "--key-env", "STUDIO_KEY")
    assert env.hub.get_offer(int(offer_id))[0].price == 75 * 10**16
    refused(env, "offer", "reprice", offer_id, "--price", "0.1", "--key-env", "BUYER_KEY", text="error:")
    refused(env, "offer", "reprice", offer_id, "--price", "-1", "--key-env", "STUDIO_KEY", text="negative", code=2)

    listed = {o["offer_id"]: o for o in as_json(env, "offer", "list", "--account", studio.address.lower())}
    offer = listed[offer_id]
    assert offer["price"] == {"amount": str(75 * 10**16), "currency": "ETH", "text": "0.75 ETH"}
    assert (
        offer["territories"] == [156, 826]
        and offer["territories_text"] == "156 China, 826 United Kingdom of Great Britain and Northern Ireland"
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", offer["start_iso"])
    shown = ok(env, "offer", "show", offer_id)
    assert "156 China" in shown and "0.75 ETH" in shown and offer["start_iso"] in shown

    # piped: a header and tab-separated rows, never wrapped, whatever the width
    piped = ok(env, "offer", "list", "--mine", "--key-env", "STUDIO_KEY")
    lines = piped.splitlines()
    assert lines[0].split("\t")[:2] == ["offer", "work"]
    row = next(line.split("\t") for line in lines[1:] if line.startswith(offer_id + "\t"))
    assert "156 China, 826 United Kingdom of Great Britain and Northern Ireland" in row

    ok(env, "offer", "cancel", offer_id, "--key-env", "STUDIO_KEY")
    active = as_json(env, "offer", "list", "--mine", "--active", "--key-env", "STUDIO_KEY")
    assert offer_id not in {o["offer_id"] for o in active}

    before = env.hub.counter_of(studio.address)
    out = ok(env, "offer", "cancel-all", "--key-env", "STUDIO_KEY")
    assert env.hub.counter_of(studio.address) == before + 1 and f"counter now {before + 1}" in out


def test_licences_sold_and_earnings(studio_env: Env, tmp_path: Path, studio: LocalAccount, buyer: LocalAccount) -> None:
    env = studio_env
    work_id, _ = register(env, tmp_path, "Sold Film")
    made = ok(
        env, "offer", "create", str(work_id), "--rights", "broadcasting", "--price", "0.2", "--key-env", "STUDIO_KEY"
    )
    offer_id = made.split("offer ")[1].split()[0]
    bought = ok(env, "buy", offer_id, "--max-price", "0.2", "--key-env", "BUYER_KEY")
    licence_id, tx = re.search(r"licence (\d+) bought .* \(tx (0x[0-9a-f]{64})\)", bought).groups()  # type: ignore[union-attr]

    sold = as_json(env, "licence", "sold", "--mine", "--work", str(work_id), "--key-env", "STUDIO_KEY")
    assert [(s["licence_id"], s["licensee"], s["offer_id"], s["tx"]) for s in sold] == [
        (licence_id, buyer.address, offer_id, tx)
    ]
    assert sold[0]["price"]["text"] == "0.2 ETH" and sold[0]["rights"] == ["broadcasting"]
    piped = ok(env, "licence", "sold", "--account", studio.address, "--work", str(work_id))
    assert tx in piped.splitlines()[1].split("\t"), piped  # the whole hash, in its own column

    lic = as_json(env, "licence", "show", licence_id)
    assert lic["status"] == "valid" and lic["holder"] == buyer.address

    earned = {e["currency"]: e for e in as_json(env, "earnings", "--mine", "--key-env", "STUDIO_KEY")}["ETH"]
    waiting = env.hub.credit_of(studio.address)
    assert int(earned["waiting"]["amount"]) == waiting > 0
    assert int(earned["credited"]["amount"]) - int(earned["withdrawn"]["amount"]) == waiting
    ok(env, "withdraw", "--key-env", "STUDIO_KEY")
    after = {e["currency"]: e for e in as_json(env, "earnings", "--account", studio.address)}["ETH"]
    assert after["waiting"]["amount"] == "0" and int(after["withdrawn"]["amount"]) >= waiting
    assert "no earnings" in ok(env, "earnings", "--account", "0x" + "00" * 19 + "01")


def test_attest_is_for_reviewers(studio_env: Env) -> None:
    env = studio_env
    refused(env, "attest", str(env.work_id), "--kind", "filing", "--key-env", "STRANGER_KEY", text="error:")
    out = ok(env, "attest", str(env.work_id), "--kind", "filing", "--territory", "156", "--reference", "F-2026-1",
             "--key-env", "AUDITOR_KEY")  # fmt: skip
    assert re.match(r"attestation \d+ on work \d+: approved \(kind 2 filing, 156 China, ref F-2026-1\)", out), out
    assert env.hub.has_approval(env.work_id, 2, 156)


def test_disputes_open_show_and_resolve_by_the_arbiter(studio_env: Env, tmp_path: Path, stranger: LocalAccount) -> None:
    env = studio_env
    work_id, _ = register(env, tmp_path, "Disputed Film")
    opened = ok(env, "dispute", "open", str(work_id), "--evidence", EVIDENCE, "--key-env", "STRANGER_KEY")
    dispute_id = opened.split("dispute ")[1].split()[0]
    shown = as_json(env, "dispute", "show", dispute_id)
    assert shown["claimant"] == stranger.address and shown["open"] is True and shown["outcome"] == "none"
    assert shown["work_id"] == str(work_id) and shown["bond"]["currency"] == "ETH"
    refused(env, "dispute", "answer", dispute_id, "--evidence", EVIDENCE, "--key-env", "STRANGER_KEY",
            text=f"is owned by {env.hub.get_work(work_id).owner.lower()}")  # fmt: skip
    out = ok(env, "dispute", "answer", dispute_id, "--evidence", EVIDENCE, "--key-env", "STUDIO_KEY")
    assert f"dispute {dispute_id} on work {work_id} answered with {EVIDENCE}" in out
    assert as_json(env, "dispute", "show", dispute_id)["answered"] is True
    refused(env, "dispute", "answer", dispute_id, "--evidence", EVIDENCE, "--key-env", "STUDIO_KEY",
            text="already answered")  # fmt: skip
    refused(env, "dispute", "resolve", dispute_id, "--outcome", "rejected", "--key-env", "STUDIO_KEY", text="error:")
    out = ok(env, "dispute", "resolve", dispute_id, "--outcome", "rejected", "--key-env", "ARBITER_KEY")
    assert f"dispute {dispute_id} on work {work_id}: rejected" in out
    assert as_json(env, "dispute", "show", dispute_id)["open"] is False
    refused(env, "dispute", "show", "999999", text="no dispute 999999")


def test_a_signed_offer_is_repriced_by_signing_anew_and_voiding_the_old_nonce(
    studio_env: Env, tmp_path: Path, buyer: LocalAccount
) -> None:
    from client_sdk._licensing import signed_offer_from_json
    from client_sdk.errors import HubError

    env = studio_env
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    ok(env, "offer", "sign", str(env.work_id), "--rights", "reproduction", "--price", "0.3", "--nonce", "71",
       "--out", str(first), "--key-env", "STUDIO_KEY")  # fmt: skip
    refused(env, "offer", "reprice-signed", str(first), "--price", "0.1", "--nonce", "71", "--key-env", "STUDIO_KEY",
            text="is the old offer's", code=2)  # fmt: skip
    refused(env, "offer", "reprice-signed", str(first), "--price", "0.1", "--nonce", "72", "--key-env", "BUYER_KEY",
            text="not by your key")  # fmt: skip
    out = ok(env, "offer", "reprice-signed", str(first), "--price", "0.1", "--nonce", "72", "--out", str(second),
             "--key-env", "STUDIO_KEY")  # fmt: skip
    assert "nonce 71 voided; nonce 72 signed at 0.1 ETH" in out
    old = signed_offer_from_json(json.loads(first.read_text()))
    new = signed_offer_from_json(json.loads(second.read_text()))
    assert (new.nonce, new.terms.price, new.terms.rights) == (72, 10**17, old.terms.rights)
    shopper = Hub(env.hub.w3, env.hub.deployment, buyer)
    with pytest.raises(HubError):  # the old price can no longer be bought
        shopper.purchase_signed(old, max_price=old.terms.price)
    assert shopper.purchase_signed(new, max_price=10**17).price == 10**17
