"""The stories tests run, written with the one scenario builder (:mod:`copyright_hub.scenario`, which
the demo data of ``make up`` uses too; it lives in the package so the CLI need not import tests).

- :func:`catalogue_story`: what the API tests browse (two works, a transfer, offers in every state);
- :func:`every_event_story`: what the projection tests mirror (every kind of hub event at least once).

Each takes a :class:`Scenario` whose cast names the roles it uses and leaves every id it creates
named in ``sc.ids``.
"""

from __future__ import annotations

import hashlib

from client_sdk import AttestationKind, Outcome, Right
from client_sdk.deploy import DEFAULT_MIN_BOND_WEI
from copyright_hub.scenario import DAY, Scenario, media, terms

__all__ = ["DAY", "Scenario", "catalogue_story", "distribution_rules_story", "every_event_story", "media", "terms"]

#: an address the every-event story allows as an ERC-20 and removes again (the market checks no code)
SETTINGS_TOKEN = "0x" + "11" * 20
#: the film of the catalogue story: two IPFS chunks, so its content is a real DAG
FILM = hashlib.shake_256(b"film").digest(300_000)


def catalogue_story(sc: Scenario, *, ended_after: int) -> None:
    """Roles: admin, studio, co_owner, buyer, reviewer, stranger. The studio registers a film (70/30
    with the co-owner, metadata updated once, attested) and a short it then gives to the stranger;
    the buyer licenses the film now and from a month on; the stranger offers the short three times:
    open, cancelled, and one ending ``ended_after`` seconds from the chain's time."""
    sc.grant("reviewer", "WorkRegistry", "REVIEWER_ROLE")
    sc.work(
        "film",
        content=FILM,
        metadata={"title": {"en": "The River at Dawn", "zh": "黎明之河"}},
        splits={"studio": 7_000, "co_owner": 3_000},
    )
    sc.work("short", content=b"short", work_type=3)
    sc.update_metadata("film", {"title": {"en": "The River at Dawn (restored)"}})
    sc.attest("filing", "film", AttestationKind.FILING, reference="filing-2026-001")  # kind 2: kind 1 is content review
    now = sc.now()
    sc.offer("offer", "film", start=now - 60, rights=Right.INFORMATION_NETWORK | Right.BROADCASTING)
    sc.offer("later", "film", start=now + 30 * DAY, price=2 * 10**17)
    sc.purchase("licence", "offer")
    sc.purchase("future_licence", "later")
    sc.hub("studio").transfer_work(sc["short"], sc.address("stranger"))
    now = sc.now()
    sc.offer("open_offer", "short", by="stranger", start=now, rights=Right.SCREENING)
    sc.offer("cancelled_offer", "short", by="stranger", start=now, rights=Right.RENTAL)
    sc.hub("stranger").cancel_offer(sc["cancelled_offer"])
    sc.offer("ended_offer", "short", by="stranger", start=now, end=now + ended_after)


def every_event_story(sc: Scenario) -> None:
    """Roles: admin, studio, buyer, reviewer, arbiter, claimant, co_owner. Registration with splits,
    royalty and a derivative; metadata update; attestations (one revoked); offers (one repriced, one
    cancelled); an on-chain and a signed purchase; a signed-offer nonce voided; counter increment;
    withdrawals; a licence transfer; evidence recorded about the film; a royalty set by the owner; a dispute answered by the owner and upheld with a transfer and a revoked licence; the bond
    withdrawn; a work transfer; the market's fee changed, an ERC-20 allowed and removed, the market
    paused and resumed, the minimum bond changed, the resolver paused; the distribution rules'
    events (:func:`distribution_rules_story`)."""
    sc.grant("reviewer", "WorkRegistry", "REVIEWER_ROLE")
    sc.grant("arbiter", "DisputeResolver", "ARBITER_ROLE")
    studio, buyer = sc.hub("studio"), sc.hub("buyer")
    sc.work("film", work_type=1, royalty_bps=500, splits={"studio": 7_000, "co_owner": 3_000})
    sc.work("derivative", work_type=2, parents=["film"])
    sc.update_metadata("film", "bafymetaversion1")
    studio.set_royalty(sc["derivative"], 250)  # an owner's change after registration (RoyaltySet)
    sc.attest("attestation", "film", 1, territory=156, reference="FILING-1", evidence_cid="bafyevidence1")
    sc.attest("revoked_attestation", "film", 2, reference="R-2")
    sc.hub("reviewer").revoke_attestation(sc["revoked_attestation"], "mistake")
    now = sc.now()
    sc.offer("offer", "film", start=now, transferable=True)
    studio.set_offer_price(sc["offer"], 2 * 10**17)
    sc.offer("cancelled_offer", "film", start=now, price=5 * 10**17)
    studio.cancel_offer(sc["cancelled_offer"])
    sc.purchase("licence", "offer", max_price=2 * 10**17)
    signed = studio.sign_offer(terms(sc["film"], now, supply_cap=3), nonce=7, deadline=now + DAY)
    sc.ids["signed_licence"] = buyer.purchase_signed(signed, max_price=10**17).licence_id
    studio.cancel_nonce(8)
    studio.increment_counter()
    studio.withdraw()
    buyer.transfer_licence(sc["licence"], sc.address("co_owner"))
    copy = hashlib.sha256(b"a pirated copy of the film").digest()
    event = sc.hub("claimant").record_evidence(
        sc["film"], copy, "bafycopy", "https://pirate.example/film.mp4", sc.now()
    )
    sc.ids["evidence"] = int(event["args"]["evidenceId"])
    sc.ids["dispute"] = sc.hub("claimant").open_dispute(sc["film"], "bafyclaim", bond=DEFAULT_MIN_BOND_WEI)
    studio.answer_dispute(sc["dispute"], "bafyanswer")
    sc.hub("arbiter").resolve_dispute(
        sc["dispute"], Outcome.UPHELD_TRANSFERRED, revoke_licences=[sc["signed_licence"]], ruling_cid="bafyruling"
    )
    sc.hub("claimant").withdraw_bond()
    studio.transfer_work(sc["derivative"], sc.address("buyer"))
    admin = sc.hub("admin")
    distribution_rules_story(sc)
    admin.set_fee(300, sc.address("admin"))
    admin.set_currency_allowed(SETTINGS_TOKEN)
    admin.set_currency_allowed(SETTINGS_TOKEN, False)
    admin.pause("LicenceMarket")
    admin.unpause("LicenceMarket")
    admin.set_min_bond(2 * DEFAULT_MIN_BOND_WEI)
    admin.pause("DisputeResolver")  # the story's disputes are over: it ends paused


def distribution_rules_story(sc: Scenario) -> None:
    """Roles: admin, reviewer (made a regulator of China and Hong Kong, then of Hong Kong no more); needs a
    work named ``derivative``.
    A kind defined; a requirement set, changed and withdrawn (so later sales are unaffected); an
    attestation with a validity window."""
    admin, reviewer = sc.hub("admin"), sc.hub("reviewer")
    admin.set_regulator(sc.address("reviewer"), [156, 344])
    reviewer.define_kind(9, "broadcast_licence", "the work may be broadcast in the territory")
    rid = reviewer.set_requirement(156, 2, rights_mask=int(Right.BROADCASTING))
    reviewer.set_requirement(156, 9, work_type_mask=0b10, rights_mask=int(Right.BROADCASTING), requirement_id=rid)
    reviewer.withdraw_requirement(156, rid)
    sc.ids["requirement"] = rid
    admin.set_regulator(sc.address("reviewer"), [344], allowed=False)
    now = sc.now()
    sc.attest(
        "windowed_attestation", "derivative", 4, territory=156, reference="16+", valid_from=now, valid_until=now + DAY
    )
