"""Property tests (hypothesis) on the real anvil; each example runs between evm_snapshot and evm_revert.

Bounded (25 examples, no deadline) so the contract suite stays within its time budget.
"""

from __future__ import annotations

from itertools import combinations, pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web3 import Web3

from client_sdk import ContractRevert, Hub, Right, Split
from tests.conftest import chain_snapshot as snapshot
from tests.contracts.conftest import ARBITER_ROLE, PAUSER_ROLE, REVIEWER_ROLE, now, warp
from tests.factories import fake_cid, unique_digest
from tests.factories.protocol import DAY, terms

PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def splits(draw: st.DrawFn) -> list[int]:
    """1..5 positive shares summing to 10,000."""
    n = draw(st.integers(1, 5))
    cuts = sorted(draw(st.lists(st.integers(1, 9_999), min_size=n - 1, max_size=n - 1, unique=True)))
    points = [0, *cuts, 10_000]
    return [b - a for a, b in pairwise(points)]


@PROPERTY
@given(shares=splits(), price=st.integers(0, 2**96 - 1), fee_bps=st.integers(0, 1_000))
def test_payouts_plus_fee_equal_price(
    w3,
    wired: Hub,
    studio_hub: Hub,
    buyer_hub: Hub,
    studio,
    buyer,
    auditor,
    arbiter,
    stranger,
    deployer,
    shares,
    price,
    fee_bps,
) -> None:
    accounts = [studio, buyer, auditor, arbiter, stranger][: len(shares)]
    with snapshot(w3):
        wired._transact(wired.market, "setFee", fee_bps, deployer.address)
        reg = studio_hub.register_work(
            unique_digest(),
            fake_cid(),
            fake_cid("m"),
            splits=[Split(a.address, s) for a, s in zip(accounts, shares, strict=True)],
        )
        offer = studio_hub.create_offer(terms(reg.work_id, now(w3), price=price))
        w3.provider.make_request("anvil_setBalance", [buyer.address, hex(2**100)])  # type: ignore[arg-type]
        bought = buyer_hub.purchase(offer, max_price=price)
        receipt = w3.eth.get_transaction_receipt(bought.tx_hash)
        credits = buyer_hub._events(buyer_hub.market, "PaymentCredited", receipt)
        assert sum(c["args"]["amount"] for c in credits) == price
        assert bought.fee == price * fee_bps // 10_000
        net = price - bought.fee
        owed = {a.address: 0 for a in accounts}
        for a, s in zip(accounts[1:], shares[1:], strict=True):
            owed[a.address] += net * s // 10_000
        owed[studio.address] += net - sum(net * s // 10_000 for s in shares[1:])
        owed[deployer.address] = owed.get(deployer.address, 0) + bought.fee
        for account, amount in owed.items():
            assert buyer_hub.credit_of(account) == amount
        assert w3.eth.get_balance(buyer_hub.market.address) == price


RIGHTS = [int(Right.BROADCASTING), int(Right.INFORMATION_NETWORK), int(Right.SCREENING)]
PLACES = [156, 344, 840]
HOUR = 3600
# Coverage ends are rounded up to the day: half-day steps put some ends on each side of a day boundary.
STEP = DAY // 2
# LicenceMarket.COVERAGE_EPOCH (2024-01-01T00:00:00Z), restated here rather than read from the contract.
COVERAGE_EPOCH = 1_704_067_200

grant = st.fixed_dictionaries(
    {
        "rights": st.sets(st.sampled_from(RIGHTS), min_size=1, max_size=2).map(sum),
        "territories": st.sets(st.sampled_from(PLACES), max_size=2).map(lambda s: tuple(sorted(s))),
        # in half-day steps from the first purchase; the clock moves on `advance` steps before each purchase,
        # so later grants may start before "now" (then max(start, now) is now) or end before it
        "start": st.integers(0, 12),
        "steps": st.integers(1, 10),
        "advance": st.integers(0, 3),
        "exclusive": st.booleans(),
    }
)


def _overlap(a: dict, b: dict) -> bool:
    """Shared right, shared territory (none = worldwide) and overlapping [start, end)."""
    if not a["rights"] & b["rights"]:
        return False
    if a["start"] >= b["end"] or b["start"] >= a["end"]:
        return False
    return not a["territories"] or not b["territories"] or bool(set(a["territories"]) & set(b["territories"]))


def _end_rounded_up_to_the_day(end: int) -> int:
    return COVERAGE_EPOCH + -(-(end - COVERAGE_EPOCH) // DAY) * DAY


def _expected_refusal(g: dict, granted: list[dict], at: int) -> tuple[str, object] | None:
    """What LicenceMarket must answer to buying ``g`` at time ``at``, given the licences ``granted``.

    The exact rule, as documented on the contract: an exclusive grant is refused (CoverageConflict) when,
    for the lowest right it shares with a non-exclusive licence, the latest such licence's end rounded up
    to the day is after max(start, now); otherwise any grant is refused (ExclusiveConflict) when it
    overlaps an unexpired exclusive grant in right, territory and time.
    """
    if g["end"] <= at:
        return ("TermsEnded", None)
    if g["exclusive"]:
        floor = max(g["start"], at)
        for bit in range(15):
            if not g["rights"] & (1 << bit):
                continue
            ends = [h["end"] for h in granted if not h["exclusive"] and h["rights"] & (1 << bit)]
            if ends and _end_rounded_up_to_the_day(max(ends)) > floor:
                return ("CoverageConflict", (bit, _end_rounded_up_to_the_day(max(ends))))
    clashes = {h["licence"] for h in granted if h["exclusive"] and h["end"] > at and _overlap(g, h)}
    return ("ExclusiveConflict", clashes) if clashes else None


@PROPERTY
@given(grants=st.lists(grant, min_size=2, max_size=6))
def test_exclusivity_refuses_exactly_the_documented_conflicts(
    w3, wired: Hub, studio_hub: Hub, buyer_hub: Hub, grants
) -> None:
    """Every purchase succeeds or fails exactly as the model says, so a lost time check (or territory,
    right or expiry check) in either exclusivity branch makes some example fail."""
    with snapshot(w3):
        work = studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m")).work_id
        # grid points sit 17 minutes past an hour, so an end rounded up to the day differs from the end,
        # and the few seconds each transaction adds to the clock never cross a day or a grid point
        base = (now(w3) + DAY) // HOUR * HOUR + 17 * 60
        clock = base
        granted: list[dict] = []
        for i, raw in enumerate(grants):
            clock += raw["advance"] * STEP
            if i == 0 or raw["advance"]:
                warp(w3, clock - now(w3))
            g = {
                **raw,
                "start": base + raw["start"] * STEP,
                "end": base + (raw["start"] + raw["steps"]) * STEP,
            }
            expected = _expected_refusal(g, granted, clock)
            offer_terms = terms(
                work,
                clock,
                rights=g["rights"],
                territories=g["territories"],
                start=g["start"],
                end=g["end"],
                exclusive=g["exclusive"],
                supply_cap=1 if g["exclusive"] else 0,
            )
            try:
                offer = studio_hub.create_offer(offer_terms)
                bought = buyer_hub.purchase(offer, max_price=offer_terms.price)
            except ContractRevert as exc:
                assert now(w3) - clock < 60, "the clock drifted off its grid point; the model no longer applies"
                assert expected is not None, (g, granted, exc)
                name, detail = expected
                assert exc.error_name == name, (expected, exc)
                if name == "CoverageConflict":
                    assert (exc.args_by_name["right"], exc.args_by_name["coveredUntil"]) == detail
                elif name == "ExclusiveConflict":
                    assert exc.args_by_name["licenceId"] in detail  # type: ignore[operator]
                continue
            block_time = w3.eth.get_block(w3.eth.get_transaction_receipt(bought.tx_hash)["blockNumber"])["timestamp"]
            assert 0 <= block_time - clock < 60, "the clock drifted off its grid point; the model no longer applies"
            assert expected is None, (g, granted, expected)
            granted.append({**g, "licence": bought.licence_id, "at": clock})
        # the invariant itself: no two grants, one of them exclusive, overlap from the moment the later
        # one was granted (a window that began before its purchase may overlap a licence that has ended)
        for a, b in combinations(granted, 2):
            if a["exclusive"] or b["exclusive"]:
                assert not _overlap(a, {**b, "start": max(b["start"], b["at"])}), (a, b)


ROLE_ACTIONS = ["attest", "resolve", "pause_registry", "pause_market", "set_fee", "revoke"]


@PROPERTY
@given(actions=st.lists(st.tuples(st.sampled_from(ROLE_ACTIONS), st.integers(0, 5)), min_size=1, max_size=4))
def test_only_the_right_role_can_act(
    w3, wired: Hub, deployment, deployer, studio, buyer, auditor, arbiter, stranger, actions
) -> None:
    people = [deployer, studio, buyer, auditor, arbiter, stranger]
    allowed = {
        "attest": {auditor.address},
        "resolve": {arbiter.address},
        "pause_registry": {deployer.address},
        "pause_market": {deployer.address},
        "set_fee": {deployer.address},
        "revoke": {wired.resolver.address},
    }
    needed = {
        "attest": REVIEWER_ROLE,
        "resolve": ARBITER_ROLE,
        "pause_registry": PAUSER_ROLE,
        "pause_market": PAUSER_ROLE,
        "set_fee": b"\0" * 32,
        "revoke": Web3.keccak(text="REVOKER_ROLE"),
    }
    with snapshot(w3):
        studio_hub = Hub(w3, deployment, studio)
        work = studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m")).work_id
        dispute = Hub(w3, deployment, stranger).open_dispute(work, "bafy", bond=10**16)
        for action, who in actions:
            account = people[who]
            hub = Hub(w3, deployment, account)
            calls = {
                "attest": lambda h: h.attest(work, 1),
                "resolve": lambda h, d=dispute: h._transact(h.resolver, "resolveDispute", d, 3, [], [], ""),
                "pause_registry": lambda h: h.registry.functions.pause().estimate_gas({"from": h.account.address}),
                "pause_market": lambda h: h.market.functions.pause().estimate_gas({"from": h.account.address}),
                "set_fee": lambda h: h.market.functions.setFee(1, h.account.address).estimate_gas(
                    {"from": h.account.address}
                ),
                "revoke": lambda h, d=dispute: h._transact(h.market, "revokeLicence", (work << 64) | 1, d),
            }
            try:
                if action == "resolve" or action == "attest":
                    calls[action](hub)
                else:
                    _expect_role_error_or_pass(calls[action], hub)
            except ContractRevert as exc:
                assert account.address not in allowed[action], exc
                assert exc.error_name == "AccessControlUnauthorizedAccount", exc
                assert exc.args_by_name["neededRole"] == bytes(needed[action])
                continue
            if action == "resolve":
                # the dispute was resolved; re-open so later actions have one
                assert account.address in allowed[action]
                dispute = Hub(w3, deployment, stranger).open_dispute(work, "bafy", bond=10**16)
            else:
                assert account.address in allowed[action], (action, account.address)


def _expect_role_error_or_pass(call, hub: Hub) -> None:  # type: ignore[no-untyped-def]
    """Run a gas estimate (no state change) and turn a revert into the SDK's typed error."""
    from web3.exceptions import ContractCustomError, ContractLogicError

    from client_sdk.chain import raise_for_revert

    try:
        call(hub)
    except (ContractCustomError, ContractLogicError) as exc:
        raise_for_revert(exc)
        raise


@PROPERTY
@given(prices=st.lists(st.integers(1, 10**20), min_size=1, max_size=3))
def test_reentrant_payee_gains_nothing(w3, wired: Hub, studio, buyer_hub: Hub, buyer, prices) -> None:
    from tests.contracts.conftest import call_as, deploy_contract
    from tests.factories.protocol import work_input

    with snapshot(w3):
        attacker = deploy_contract(w3, studio, "ReentrantReceiver")
        receipt = call_as(
            w3,
            studio,
            attacker,
            "execute",
            wired.registry.address,
            wired.registry.encode_abi("registerWork", [work_input().to_abi(attacker.address)]),
        )
        work = wired._events(wired.registry, "WorkRegistered", receipt)[0]["args"]["workId"]
        for price in prices:
            create = wired.market.encode_abi("createOffer", [terms(work, now(w3), price=price).to_abi()])
            receipt = call_as(w3, studio, attacker, "execute", wired.market.address, create)
            offer = wired._events(wired.market, "OfferCreated", receipt)[0]["args"]["offerId"]
            buyer_hub.purchase(offer, max_price=price)
        # someone else's money is in the market too
        other = Hub(w3, wired.deployment, studio).register_work(unique_digest(), fake_cid(), fake_cid("m")).work_id
        buyer_hub.purchase(
            Hub(w3, wired.deployment, studio).create_offer(terms(other, now(w3), price=10**18)), max_price=10**18
        )
        withdraw = wired.market.encode_abi("withdraw", ["0x" + "00" * 20])
        call_as(w3, studio, attacker, "configure", wired.market.address, bytes.fromhex(withdraw[2:]))
        call_as(w3, studio, attacker, "execute", wired.market.address, withdraw)
        assert w3.eth.get_balance(attacker.address) == sum(prices)
        assert attacker.functions.reentrySuccesses().call() == 0
        assert w3.eth.get_balance(wired.market.address) == 10**18


DISPUTE_ACTIONS = ["open", "uphold_frozen", "uphold_transferred", "reject", "lapse", "withdraw"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    actions=st.lists(
        st.tuples(st.sampled_from(DISPUTE_ACTIONS), st.integers(0, 2), st.integers(1, 3)), min_size=1, max_size=7
    )
)
def test_dispute_bonds_add_up_and_the_status_follows_the_open_disputes(
    w3, wired: Hub, deployment, studio, buyer, stranger, arbiter, actions
) -> None:
    """Whatever claims are opened, ruled, lapsed and withdrawn: the resolver holds exactly the open bonds
    plus the credited ones, openDisputes counts the open ones, and the work is Disputed or Frozen
    while any is open, never Disputed when none is."""
    from client_sdk import Outcome, WorkStatus

    claimants = [buyer, stranger, studio]
    with snapshot(w3):
        work = Hub(w3, deployment, studio).register_work(unique_digest(), fake_cid(), fake_cid("m")).work_id
        judge = Hub(w3, deployment, arbiter)
        open_bonds: dict[int, int] = {}
        for action, who, bond_units in actions:
            hub = Hub(w3, deployment, claimants[who])
            status = judge.get_work(work).status
            if action == "open":
                if status == WorkStatus.FROZEN:
                    continue
                open_bonds[hub.open_dispute(work, "bafyclaim", bond=bond_units * 10**16)] = bond_units * 10**16
            elif action == "withdraw":
                if hub.resolver.functions.creditOf(hub.account.address).call():
                    hub.withdraw_bond()
            elif open_bonds:
                dispute = sorted(open_bonds)[who % len(open_bonds)]
                if action == "lapse":
                    warp(w3, 30 * 86_400 + 1)
                    hub.lapse_dispute(dispute)
                else:
                    outcome = {
                        "uphold_frozen": Outcome.UPHELD_FROZEN,
                        "uphold_transferred": Outcome.UPHELD_TRANSFERRED,
                        "reject": Outcome.REJECTED,
                    }[action]
                    deadline = judge.resolver.functions.getDispute(dispute).call()[5]
                    if now(w3) > deadline:
                        hub.lapse_dispute(dispute)
                    else:
                        judge.resolve_dispute(dispute, outcome)
                del open_bonds[dispute]
            credited = sum(judge.resolver.functions.creditOf(a.address).call() for a in claimants)
            assert w3.eth.get_balance(judge.resolver.address) == credited + sum(open_bonds.values())
            assert judge.resolver.functions.openDisputes(work).call() == len(open_bonds)
            status = judge.get_work(work).status
            if open_bonds:
                assert status in (WorkStatus.DISPUTED, WorkStatus.FROZEN)
            else:
                assert status != WorkStatus.DISPUTED
