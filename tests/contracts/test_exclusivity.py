"""Exclusivity: exclusive grants never overlap another grant in right x territory x time."""

from __future__ import annotations

from client_sdk import Hub, Right
from tests.contracts.conftest import now, reverts, warp
from tests.factories.protocol import DAY

PRICE = 10**17
TV = int(Right.BROADCASTING)
NET = int(Right.INFORMATION_NETWORK)


def _buy(studio_hub: Hub, buyer_hub: Hub, terms) -> int:
    return buyer_hub.purchase(studio_hub.create_offer(terms), max_price=terms.price).licence_id


def test_exclusive_blocks_overlapping_non_exclusive(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3
) -> None:
    t = now(w3)
    excl = _buy(
        studio_hub,
        buyer_hub,
        offer_terms(work, rights=TV, territories=(156,), exclusive=True, supply_cap=1, end=t + 30 * DAY),
    )
    assert buyer_hub.market.functions.exclusiveTerritories(excl).call() == [156]
    overlapping = studio_hub.create_offer(offer_terms(work, rights=TV | NET, territories=(156, 840)))
    with reverts("ExclusiveConflict", licenceId=excl):
        buyer_hub.purchase(overlapping, max_price=PRICE)
    worldwide = studio_hub.create_offer(offer_terms(work, rights=TV))
    with reverts("ExclusiveConflict", licenceId=excl):
        buyer_hub.purchase(worldwide, max_price=PRICE)
    # other territory, other right, or after the exclusive window: allowed
    _buy(studio_hub, buyer_hub, offer_terms(work, rights=TV, territories=(840,)))
    _buy(studio_hub, buyer_hub, offer_terms(work, rights=NET, territories=(156,)))
    _buy(studio_hub, buyer_hub, offer_terms(work, rights=TV, territories=(156,), start=t + 30 * DAY, end=t + 60 * DAY))


def test_exclusive_blocks_overlapping_exclusive(studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3) -> None:
    first = _buy(
        studio_hub, buyer_hub, offer_terms(work, rights=TV, territories=(156, 392), exclusive=True, supply_cap=1)
    )
    clash = studio_hub.create_offer(offer_terms(work, rights=TV, territories=(392, 410), exclusive=True, supply_cap=1))
    with reverts("ExclusiveConflict", licenceId=first):
        buyer_hub.purchase(clash, max_price=PRICE)
    _buy(studio_hub, buyer_hub, offer_terms(work, rights=TV, territories=(410,), exclusive=True, supply_cap=1))


def test_exclusive_refused_over_unexpired_non_exclusive(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3
) -> None:
    t = now(w3)
    _buy(studio_hub, buyer_hub, offer_terms(work, rights=NET, end=t + 10 * DAY))
    excl = studio_hub.create_offer(offer_terms(work, rights=NET, exclusive=True, supply_cap=1, end=t + 20 * DAY))
    with reverts("CoverageConflict", right=7):
        buyer_hub.purchase(excl, max_price=PRICE)
    # an exclusive grant on a right nobody holds is fine, and so is one starting after the others end
    _buy(studio_hub, buyer_hub, offer_terms(work, rights=TV, exclusive=True, supply_cap=1))
    _buy(
        studio_hub,
        buyer_hub,
        offer_terms(work, rights=NET, exclusive=True, supply_cap=1, start=t + 11 * DAY, end=t + 20 * DAY),
    )


def test_expired_grants_no_longer_block(studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3) -> None:
    t = now(w3)
    _buy(studio_hub, buyer_hub, offer_terms(work, rights=NET, exclusive=True, supply_cap=1, end=t + DAY))
    later = studio_hub.create_offer(offer_terms(work, rights=NET, end=t + 10 * DAY))
    with reverts("ExclusiveConflict"):  # while the exclusive grant runs
        buyer_hub.purchase(later, max_price=PRICE)
    warp(w3, DAY + 3600)
    licence = buyer_hub.purchase(later, max_price=PRICE).licence_id
    assert buyer_hub.is_licence_valid(licence)


def test_exclusive_list_is_bounded_and_pruned(studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3) -> None:
    t = now(w3)
    for i in range(16):
        _buy(
            studio_hub,
            buyer_hub,
            offer_terms(work, rights=TV, exclusive=True, supply_cap=1, start=t + i * DAY, end=t + (i + 1) * DAY),
        )
    seventeenth = studio_hub.create_offer(
        offer_terms(work, rights=TV, exclusive=True, supply_cap=1, start=t + 20 * DAY, end=t + 21 * DAY)
    )
    with reverts("TooManyExclusiveGrants", max=16):
        buyer_hub.purchase(seventeenth, max_price=PRICE)
    warp(w3, DAY + 60)  # the first grant expires and is pruned on the next exclusive grant
    buyer_hub.purchase(seventeenth, max_price=PRICE)
