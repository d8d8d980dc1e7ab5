"""Mixed hub activity for fault runs, and the check that a mirror says what the chain says.

:class:`Activity` drives every kind of event the hub emits (registrations with splits, metadata
updates, attestations, offers, purchases, signed-offer purchases, licence and work transfers,
disputes and rulings, withdrawals) from a seeded random generator. It survives a chain that
restarts shorter underneath it: a step that the chain now refuses is counted, not raised.

:func:`chain_diffs` compares a mirror with the chain itself (not with another mirror): owners,
status and co-owner splits of every work, every offer, every licence's holder and revocation, and
every account's pull-payment credit in the market and the resolver.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from eth_account.signers.local import LocalAccount
from web3 import Web3

from client_sdk import ETH, Hub, HubError, Outcome, Split
from client_sdk.deploy import DEFAULT_MIN_BOND_WEI
from client_sdk.manifest import Deployment
from indexer.db import make_engine
from tests.factories import fake_cid, unique_digest
from tests.factories.protocol import DAY, terms

PRICE = 10**15


@dataclass
class Activity:
    """Accounts: 0 admin, 1–2 studios, 3 buyer, 4 auditor and arbiter, 5 claimant."""

    w3: Web3
    deployment: Deployment
    accounts: list[LocalAccount]
    rng: random.Random
    done: dict[str, int] = field(default_factory=dict)
    refused: int = 0

    def __post_init__(self) -> None:
        self.hubs = [Hub(self.w3, self.deployment, a) for a in self.accounts]
        self.works: list[int] = []
        self.offers: list[int] = []
        self.licences: list[int] = []
        self.disputes: list[int] = []
        self.nonce = self.rng.randrange(1 << 40)

    def grant_roles(self) -> None:
        admin, auditor = self.hubs[0], self.accounts[4].address
        admin.grant_role("WorkRegistry", "REVIEWER_ROLE", auditor)
        admin.grant_role("DisputeResolver", "ARBITER_ROLE", auditor)

    def step(self) -> str:
        """One random action; returns its name (``refused`` when the chain said no)."""
        actions: list[tuple[int, Callable[[], Any]]] = [
            (5, self.register), (2, self.update_metadata), (1, self.attest), (4, self.create_offer),
            (4, self.purchase), (2, self.purchase_signed), (2, self.transfer_licence), (1, self.transfer_work),
            (1, self.dispute), (2, self.withdraw), (1, self.cancel_offer), (1, self.reprice_offer),
            (1, self.void_signatures),
        ]  # fmt: skip
        weights = [w for w, _ in actions]
        action = self.rng.choices([a for _, a in actions], weights)[0]
        name = action.__name__
        try:
            action()
        except (HubError, ValueError, LookupError):  # the chain restarted shorter: the id is gone, etc.
            self.refused += 1
            return "refused"
        self.done[name] = self.done.get(name, 0) + 1
        return name

    def _studio(self) -> Hub:
        return self.hubs[self.rng.choice((1, 2))]

    def _pick(self, ids: list[int]) -> int:
        if not ids:
            raise LookupError("nothing to act on yet")
        return self.rng.choice(ids[-20:])

    def _now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def register(self) -> None:
        hub = self._studio()
        me = hub.account.address  # type: ignore[union-attr]
        splits: list[Split] = []
        if self.rng.random() < 0.5:
            share = self.rng.randrange(1000, 5000)
            splits = [Split(me, 10_000 - share), Split(self.accounts[5].address, share)]
        reg = hub.register_work(unique_digest(), fake_cid(), fake_cid("meta"), self.rng.randrange(4), splits=splits)
        self.works.append(reg.work_id)

    def update_metadata(self) -> None:
        work = self._pick(self.works)
        owner = self.hubs[0].get_work(work).owner
        self._hub_of(owner).update_metadata(work, fake_cid("meta"))

    def attest(self) -> None:
        self.hubs[4].attest(self._pick(self.works), 1, territory=156, reference="F-1", evidence_cid=fake_cid())

    def create_offer(self) -> None:
        work = self._pick(self.works)
        owner = self.hubs[0].get_work(work).owner
        offer = self._hub_of(owner).create_offer(terms(work, self._now(), price=PRICE, transferable=True))
        self.offers.append(offer)

    def cancel_offer(self) -> None:
        offer = self._pick(self.offers)
        self._hub_of(self._offer_owner(offer)).cancel_offer(offer)

    def reprice_offer(self) -> None:
        offer = self._pick(self.offers)
        self._hub_of(self._offer_owner(offer)).set_offer_price(offer, PRICE)

    def _offer_owner(self, offer: int) -> str:
        return self.hubs[0].get_work(self.hubs[0].get_offer(offer)[0].work_id).owner

    def void_signatures(self) -> None:
        studio = self._studio()
        if self.rng.random() < 0.5:
            self.nonce += 1
            studio.cancel_nonce(self.nonce)
        else:
            studio.increment_counter()

    def purchase(self) -> None:
        licence = self.hubs[3].purchase(self._pick(self.offers), max_price=PRICE).licence_id
        self.licences.append(licence)

    def purchase_signed(self) -> None:
        work = self._pick(self.works)
        owner = self.hubs[0].get_work(work).owner
        now = self._now()
        self.nonce += 1
        offer = terms(work, now, price=PRICE, supply_cap=5)
        signed = self._hub_of(owner).sign_offer(offer, nonce=self.nonce, deadline=now + DAY)
        self.licences.append(self.hubs[3].purchase_signed(signed, max_price=PRICE).licence_id)

    def transfer_licence(self) -> None:
        buyer = self.hubs[3]
        to = self.accounts[self.rng.choice((1, 5))].address
        buyer.transfer_licence(self._pick(self.licences), to)

    def transfer_work(self) -> None:
        work = self._pick(self.works)
        owner = self.hubs[0].get_work(work).owner
        to = self.accounts[2 if owner == self.accounts[1].address else 1].address
        self._hub_of(owner).transfer_work(work, to)

    def dispute(self) -> None:
        work = self._pick(self.works)
        dispute = self.hubs[5].open_dispute(work, fake_cid("claim"), bond=DEFAULT_MIN_BOND_WEI)
        outcome = self.rng.choice((Outcome.REJECTED, Outcome.UPHELD_FROZEN, Outcome.UPHELD_TRANSFERRED))
        revoke = [lic for lic in self.licences[-10:] if lic >> 64 == work][:1] if outcome != Outcome.REJECTED else []
        self.hubs[4].resolve_dispute(dispute, outcome, revoke_licences=revoke, ruling_cid=fake_cid("ruling"))
        self.disputes.append(dispute)

    def withdraw(self) -> None:
        who = self.rng.choice((1, 2, 5))
        if who == 5 and self.rng.random() < 0.5:
            self.hubs[5].withdraw_bond()
        else:
            self.hubs[who].withdraw()

    def _hub_of(self, address: str) -> Hub:
        for hub, account in zip(self.hubs, self.accounts, strict=True):
            if account.address.lower() == address.lower():
                return hub
        raise LookupError(f"{address} is not one of the activity's accounts")


def chain_diffs(url: str, w3: Web3, deployment: Deployment, accounts: list[str]) -> list[str]:
    """Where the mirror at ``url`` disagrees with the chain (empty: it agrees everywhere checked)."""
    hub = Hub(w3, deployment, None)
    registry, market, resolver = hub.registry, hub.market, hub.resolver
    engine = make_engine(url)
    with engine.connect() as conn:

        def rows(sql: str) -> list[Any]:
            return list(conn.execute(sa.text(sql)).all())

        works = {int(r[0]): (r[1], r[2]) for r in rows("SELECT work_id, owner, status FROM work")}
        co_owners: dict[int, list[tuple[str, int]]] = {}
        for work_id, position, account, bps in sorted(
            (int(r[0]), r[1], r[2], r[3]) for r in rows("SELECT work_id, position, account, bps FROM work_owner")
        ):
            if position > 0:
                co_owners.setdefault(work_id, []).append((account, bps))
        offers = {int(r[0]): (int(r[1]), int(r[2]), bool(r[3])) for r in rows("SELECT offer_id, work_id, price, cancelled FROM offer")}  # fmt: skip
        licences = {int(r[0]): (r[1], bool(r[2]), int(r[3])) for r in rows("SELECT licence_id, holder, revoked, work_id FROM licence")}  # fmt: skip
        credit: dict[tuple[str, str], int] = {}  # (contract, payee) -> ETH paid in minus withdrawn
        for sign, history in ((1, "payment"), (-1, "withdrawal")):
            for contract, payee, currency, amount in rows(f"SELECT contract, payee, currency, amount FROM {history}"):
                if currency.lower() == ETH.lower():
                    key = (contract.lower(), payee.lower())
                    credit[key] = credit.get(key, 0) + sign * int(amount)
    engine.dispose()

    diffs: list[str] = []
    total = registry.functions.totalWorks().call()
    if sorted(works) != list(range(1, total + 1)):
        diffs.append(f"works: mirror has {sorted(works)[-5:]}… ({len(works)}), chain has 1..{total}")
    for work_id in range(1, total + 1):
        owner, status = registry.functions.ownerAndStatus(work_id).call()
        if work_id in works and works[work_id] != (owner.lower(), status):
            diffs.append(f"work {work_id}: mirror {works[work_id]}, chain {(owner.lower(), status)}")
        _, _lead, accts, bps = registry.functions.payees(work_id).call()
        chain_split = [(a.lower(), b) for a, b in zip(accts, bps, strict=True)]
        if co_owners.get(work_id, []) != chain_split:
            diffs.append(f"splits of work {work_id}: mirror {co_owners.get(work_id)}, chain {chain_split}")
    chain_offers = {}
    for offer_id in range(1, max(offers, default=0) + 2):  # one past the mirror's last must not exist
        try:
            terms_, _sold, cancelled = market.functions.getOffer(offer_id).call()
        except Exception:  # OfferNotFound
            continue
        chain_offers[offer_id] = (terms_[0], terms_[8], cancelled)
    if offers != chain_offers:
        only = {k: (offers.get(k), chain_offers.get(k)) for k in offers.keys() | chain_offers.keys() if offers.get(k) != chain_offers.get(k)}  # fmt: skip
        diffs.append(f"offers (mirror, chain): {dict(list(only.items())[:5])}")
    # licence ids are workId << 64 | serial: every mirrored one must exist as mirrored, and no more exist
    total_licences = market.functions.totalLicences().call()
    if len(licences) != total_licences:
        diffs.append(f"licences: mirror has {len(licences)}, chain has {total_licences}")
    for licence_id, mirrored in sorted(licences.items()):
        try:
            lic = market.functions.getLicence(licence_id).call()
        except Exception:  # LicenceNotFound
            diffs.append(f"licence {licence_id}: in the mirror, not on the chain")
            continue
        if mirrored != (lic[1].lower(), lic[8], lic[0]):
            diffs.append(f"licence {licence_id}: mirror {mirrored}, chain {(lic[1].lower(), lic[8], lic[0])}")
    for account in accounts:
        a = account.lower()
        for contract, on_chain in (
            (market, market.functions.creditOf(account, ETH).call()),
            (resolver, resolver.functions.creditOf(account).call()),
        ):
            mirrored = credit.get((contract.address.lower(), a), 0)
            if mirrored != on_chain:
                diffs.append(f"credit of {a} in {contract.address}: mirror {mirrored}, chain {on_chain}")
    return diffs
