"""Gas benchmark: deploy the hub to a fresh anvil, run each operation, print gasUsed per operation.

Usage::

    python benchmarks/gas.py                 # print; the last line of output is one JSON object
    python benchmarks/gas.py --check         # also compare with the committed baseline; exit 1 on a problem
    python benchmarks/gas.py --save FILE     # also write the JSON to FILE (make gas-baseline: the baseline)

Every figure is a receipt's ``gasUsed`` (the 21,000 base included), measured in the steady state the
issue asks for: a single-owner work, a studio and a buyer that already hold tokens, a protocol fee
of 2.5% switched on. ``purchase_*`` buy from an offer that has sold before (the studio already has
a balance); ``purchase_signed_offer`` redeems a fresh signature whose nonce shares a bitmap word with the
seller's earlier signed sales (``purchase_signed_offer_first_nonce_word``: the very first one).
``evidence_record`` records a captured copy (CIDv1, a 52-character URL) on the evidence log after its
first record (``evidence_record_first`` also sets the counter). Extra keys (``*_first_*``) show the
one-off costs too. ``set_royalty`` gives a work registered without one a royalty; ``answer_dispute`` is its
owner answering a dispute a third account opened on it.
Distribution requirements (issue 17): ``purchase_eth_territory`` buys from an offer for one territory that has
no requirement; ``purchase_eth_one_requirement`` from the same offer once that territory requires a filing
(met); ``requirement_check_each`` is what a second met requirement adds to that purchase;
``requirement_set_first`` is a territory's first requirement (it also joins the regulated-territory list),
``requirement_set`` a later one; ``define_kind`` defines an attestation kind; ``attest`` records an attestation
(a reference, no window; ``attest_first`` the chain's first, which also sets the counter) and
``attest_with_window`` one with a validity window (one more fresh word).

``benchmarks/results/gas.json`` is the regression baseline that ``tests/contracts/test_gas_regression.py``
holds every measurement to (:func:`compare`). Nothing rewrites it unless asked: refresh it with
``make gas-baseline`` when a gas change is deliberate, and say in the commit what changed it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from client_sdk import ETH, Hub, Right, Terms, WorkInput  # noqa: E402
from client_sdk.accounts import from_mnemonic  # noqa: E402
from client_sdk.chain import connect, send_transaction  # noqa: E402
from client_sdk.commit_reveal import CommitJournal  # noqa: E402
from client_sdk.deploy import deploy  # noqa: E402
from client_sdk.terms import AttestationKind  # noqa: E402
from copyright_hub.devnet import load_config, spawn_anvil  # noqa: E402

BASELINE = REPO / "benchmarks" / "results" / "gas.json"
#: A measurement more than 5% above its baseline is a regression.
TOLERANCE = 0.05
#: A measurement more than this far below its baseline makes the baseline stale: it would let a later
#: regression of up to the saving pass unnoticed, so the gate asks for a deliberate refresh.
STALE_SAVING = 0.05
BATCH_SIZE = 50
#: Works under one commitment, revealed in one transaction (the issue's catalogue case).
REVEAL_BATCH = 100
FEE_BPS = 250
CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
META = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
#: A typical evidence source: a URL of 52 characters.
SOURCE = "https://video.example.com/watch/8f3a2c/episode-01.mp4"
#: The territory of the distribution-requirement measurements (ISO 3166-1 numeric: China).
CHINA = 156


def _digest(tag: str) -> bytes:
    return hashlib.sha256(tag.encode()).digest()


def run() -> dict[str, int]:
    config = load_config()
    node = spawn_anvil(config=config)
    try:
        w3 = connect(node.url)
        deployer, studio, buyer = (from_mnemonic(config.mnemonic, i) for i in range(3))
        with tempfile.TemporaryDirectory() as tmp:
            deployment = deploy(w3, deployer, Path(tmp)).deployment
        admin = Hub(w3, deployment, deployer)
        s = Hub(w3, deployment, studio)
        b = Hub(w3, deployment, buyer)
        admin.set_fee(FEE_BPS, deployer.address)
        gas: dict[str, int] = {}

        gas["register_first"] = s.register_work(_digest("first"), CID, META, 0).gas_used
        gas["register_repeat"] = s.register_work(_digest("repeat"), CID, META, 0).gas_used
        batch = [WorkInput(_digest(f"batch-{i}"), CID, META, 1) for i in range(BATCH_SIZE)]
        regs = s.register_works(batch)
        # Each registration carries its share of the one transaction; their sum is its gasUsed.
        gas["register_batch_per_work"] = sum(r.gas_used for r in regs) // BATCH_SIZE

        # Commit–reveal (issue 14): one work, then a catalogue of REVEAL_BATCH works under one commit.
        with tempfile.TemporaryDirectory() as journal:
            s.commit_journal = CommitJournal(journal)
            pending = s.commit_registration([_digest("committed")])
            gas["commit"] = _gas_of_last_transaction(w3)
            s.reveal_registration(pending, [WorkInput(_digest("committed"), CID, META, 0)])
            gas["reveal_single"] = _gas_of_last_transaction(w3)
            catalogue = [WorkInput(_digest(f"catalogue-{i}"), CID, META, 1) for i in range(REVEAL_BATCH)]
            pending = s.commit_registration([w.content_digest for w in catalogue])
            gas["commit_batch"] = _gas_of_last_transaction(w3)
            s.reveal_registration(pending, catalogue)
            gas["reveal_batch_per_work"] = _gas_of_last_transaction(w3) // REVEAL_BATCH

        work_id = regs[0].work_id
        now = int(w3.eth.get_block("latest")["timestamp"])
        terms = Terms(
            work_id=work_id,
            rights=Right.INFORMATION_NETWORK | Right.BROADCASTING,
            start=now,
            end=now + 365 * 86400,
            price=10**17,
        )
        offer_id = s.create_offer(terms)
        gas["offer_create"] = _gas_of_last_transaction(w3)

        gas["purchase_eth_first_sale"] = b.purchase(offer_id, max_price=terms.price).gas_used
        gas["purchase_eth"] = b.purchase(offer_id, max_price=terms.price).gas_used

        token = _deploy_token(w3, deployer)
        admin.set_currency_allowed(token.address, True)
        send_transaction(
            w3, buyer, {"to": token.address, "data": token.encode_abi("mint", args=[buyer.address, 10**24])}
        )
        b.approve_currency(token.address, 2**255)
        erc20_terms = Terms(
            work_id=work_id,
            rights=Right.SCREENING,
            start=now,
            end=now + 365 * 86400,
            price=10**18,
            currency=token.address,
        )
        erc20_offer = s.create_offer(erc20_terms)
        gas["purchase_erc20_first_sale"] = b.purchase(erc20_offer, max_price=10**18, currency=token.address).gas_used
        gas["purchase_erc20"] = b.purchase(erc20_offer, max_price=10**18, currency=token.address).gas_used

        signed_terms = Terms(
            work_id=work_id,
            rights=Right.REPRODUCTION | Right.DISTRIBUTION,
            start=now,
            end=now + 180 * 86400,
            price=5 * 10**16,
            supply_cap=1,
        )
        first = s.sign_offer(signed_terms, nonce=0, deadline=now + 86400)
        gas["purchase_signed_offer_first_nonce_word"] = b.purchase_signed(first, max_price=signed_terms.price).gas_used
        offer = s.sign_offer(signed_terms, nonce=1, deadline=now + 86400)
        gas["purchase_signed_offer"] = b.purchase_signed(offer, max_price=signed_terms.price).gas_used

        s.withdraw(ETH)
        gas["withdraw"] = _gas_of_last_transaction(w3)

        # evidence (issue 15 item 4): a claimant records a captured copy; the first record also sets the counter
        at = int(w3.eth.get_block("latest")["timestamp"])
        b.record_evidence(work_id, _digest("copy-0"), CID, SOURCE, at)
        gas["evidence_record_first"] = _gas_of_last_transaction(w3)
        b.record_evidence(work_id, _digest("copy-1"), CID, SOURCE, at)
        gas["evidence_record"] = _gas_of_last_transaction(w3)
        # Studio tasks after registration (issue 12 item 3), on a work with no royalty and no dispute yet.
        later = regs[1].work_id
        s.set_royalty(later, 500)
        gas["set_royalty"] = _gas_of_last_transaction(w3)
        claimant = Hub(w3, deployment, from_mnemonic(config.mnemonic, 3))
        dispute_id = claimant.open_dispute(later, CID, bond=claimant.min_bond())
        s.answer_dispute(dispute_id, CID)
        gas["answer_dispute"] = _gas_of_last_transaction(w3)

        # Distribution requirements (issue 17): the deployer regulates China; the same territory offer sells
        # before any requirement, with one met, and with two met (the difference: one requirement checked).
        admin.set_regulator(deployer.address, [CHINA])
        admin.grant_role("WorkRegistry", "REVIEWER_ROLE", deployer.address)
        admin.define_kind(9, "broadcast_licence", "the work may be broadcast in the territory")
        gas["define_kind"] = _gas_of_last_transaction(w3)
        territory_offer = s.create_offer(
            Terms(work_id=work_id, rights=Right.INFORMATION_NETWORK, start=now, end=now + 365 * 86400,
                  price=10**17, territories=(CHINA,))
        )  # fmt: skip
        b.purchase(territory_offer, max_price=10**17)
        gas["purchase_eth_territory"] = b.purchase(territory_offer, max_price=10**17).gas_used
        admin.set_requirement(CHINA, AttestationKind.FILING, rights_mask=int(Right.INFORMATION_NETWORK))
        gas["requirement_set_first"] = _gas_of_last_transaction(w3)
        admin.attest(work_id, AttestationKind.FILING, territory=CHINA, reference="filing 2026-0001")
        gas["attest_first"] = _gas_of_last_transaction(w3)
        gas["purchase_eth_one_requirement"] = b.purchase(territory_offer, max_price=10**17).gas_used
        admin.set_requirement(CHINA, AttestationKind.CONTENT_REVIEW, rights_mask=int(Right.INFORMATION_NETWORK))
        gas["requirement_set"] = _gas_of_last_transaction(w3)
        admin.attest(work_id, AttestationKind.CONTENT_REVIEW, territory=CHINA, reference="review 2026-0001")
        gas["attest"] = _gas_of_last_transaction(w3)
        two = b.purchase(territory_offer, max_price=10**17).gas_used
        gas["requirement_check_each"] = two - gas["purchase_eth_one_requirement"]
        at = int(w3.eth.get_block("latest")["timestamp"])
        admin.attest(
            work_id, AttestationKind.AGE_RATING, territory=CHINA, reference="16+", valid_until=at + 365 * 86400
        )
        gas["attest_with_window"] = _gas_of_last_transaction(w3)
        return gas
    finally:
        node.stop()


def _gas_of_last_transaction(w3) -> int:  # type: ignore[no-untyped-def]
    """Gas used by the transaction just mined (the devnet mines one block per transaction)."""
    (tx_hash,) = w3.eth.get_block("latest")["transactions"]
    return int(w3.eth.get_transaction_receipt(tx_hash)["gasUsed"])


def _deploy_token(w3, account):  # type: ignore[no-untyped-def]
    from client_sdk.artifacts import load_artifact

    artifact = load_artifact("TestERC20")
    contract = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx = contract.constructor().build_transaction({"from": account.address})
    receipt = send_transaction(w3, account, dict(tx))
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)


def compare(baseline: dict[str, int], measured: dict[str, int]) -> list[str]:
    """Every reason ``measured`` does not match ``baseline``, one sentence each (empty: the gate passes).

    An operation in the baseline that is no longer measured, one measured but missing from the baseline,
    a rise of more than :data:`TOLERANCE` and a saving of more than :data:`STALE_SAVING` all count.
    """
    problems: list[str] = []
    refresh = "if the change is deliberate, run `make gas-baseline` and commit benchmarks/results/gas.json"
    for op in sorted(baseline.keys() - measured.keys()):
        problems.append(f"{op}: in the baseline but no longer measured; measure it again, or {refresh}")
    for op in sorted(measured.keys() - baseline.keys()):
        problems.append(f"{op}: measured ({measured[op]:,}) but not in the baseline; {refresh}")
    for op in sorted(baseline.keys() & measured.keys()):
        was, now = baseline[op], measured[op]
        if now > was * (1 + TOLERANCE):
            problems.append(f"{op}: {now:,} gas, more than {TOLERANCE:.0%} above the baseline {was:,}; {refresh}")
        elif now < was * (1 - STALE_SAVING):
            problems.append(
                f"{op}: {now:,} gas, more than {STALE_SAVING:.0%} below the baseline {was:,}, so the baseline is "
                f"stale and would hide a regression of up to the saving; {refresh}"
            )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help=f"compare with {BASELINE.relative_to(REPO)}")
    parser.add_argument(
        "--save", type=Path, help="write the result to this JSON file (the baseline: make gas-baseline)"
    )
    args = parser.parse_args(argv)
    result = run()
    for key, value in result.items():
        print(f"{key:<28} {value:>9,}")
    status = 0
    if args.check:
        problems = compare(json.loads(BASELINE.read_text()), result)
        for problem in problems:
            print(f"gas gate: {problem}", file=sys.stderr)
        status = 1 if problems else 0
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(result, sort_keys=True) + "\n")
        print(f"wrote {args.save}", file=sys.stderr)
    print(json.dumps(result, sort_keys=True))
    return status


if __name__ == "__main__":
    sys.exit(main())
