"""Demo data for `make up`: a small catalogue on the devnet so every page has something to show.

The studio (dev account 1) registers four works from synthetic media files (content and metadata
put into the local content store, so ``/ipfs/{cid}`` serves them), one with a co-owner split; a
reviewer (dev account 3) attests a filing; the studio publishes offers; a buyer (dev account 2)
licenses one. Idempotent: a work whose content digest is already registered is left as it is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from client_sdk import Hub, Right, Split
from client_sdk.content import ContentStore
from client_sdk.terms import Terms

DAY = 86_400

#: (English title, Chinese title, work type code, seed for the synthetic content bytes, size)
DEMO_WORKS = [
    ("The River at Dawn", "黎明之河", 0, "river", 600_000),
    ("Paper Lanterns (Series 1)", "纸灯笼 第一季", 1, "lanterns", 300_000),
    ("Moonlight Fox", "月光狐", 2, "fox", 200_000),
    ("Night Market Stories", "夜市故事", 5, "market", 100_000),
]


@dataclass(frozen=True)
class DemoAccounts:
    admin: LocalAccount
    studio: LocalAccount
    buyer: LocalAccount
    reviewer: LocalAccount
    co_owner: LocalAccount


def _media(seed: str, size: int) -> bytes:
    """Stand-in media bytes: deterministic, incompressible, several IPFS chunks long."""
    return hashlib.shake_256(seed.encode()).digest(size)


def load(
    hubs: Callable[[LocalAccount], Hub],
    accounts: DemoAccounts,
    store: ContentStore,
    progress: Callable[[str], None] = lambda _m: None,
) -> int:
    """Register what is missing; returns how many works were registered now."""
    studio = hubs(accounts.studio)
    created: list[int] = []
    for title_en, title_zh, work_type, seed, size in DEMO_WORKS:
        content = _media(seed, size)
        digest = hashlib.sha256(content).digest()
        if studio.work_id_by_digest(digest):
            continue
        metadata = {
            "title": {"en": title_en, "zh": title_zh},
            "workType": work_type,
            "language": "zh",
            "creators": ["Demo Studio"],
            "file": {"sha256": "0x" + digest.hex(), "size": size},
        }
        content_cid = store.add(content)
        metadata_cid = store.add(json.dumps(metadata, ensure_ascii=False, sort_keys=True).encode())
        splits = [Split(accounts.studio.address, 7_000), Split(accounts.co_owner.address, 3_000)] if not created else []
        reg = studio.register_work(digest, str(content_cid), str(metadata_cid), work_type, splits=splits)
        created.append(reg.work_id)
        progress(f"registered demo work {reg.work_id}: {title_en} / {title_zh}")
    if not created:
        return 0
    admin = hubs(accounts.admin)
    if not admin.has_role("WorkRegistry", "REVIEWER_ROLE", accounts.reviewer.address):
        admin.grant_role("WorkRegistry", "REVIEWER_ROLE", accounts.reviewer.address)
    hubs(accounts.reviewer).attest(created[0], 1, reference="demo filing 2026-0001")
    now = int(studio.w3.eth.get_block("latest")["timestamp"])
    year = Terms(
        work_id=created[0],
        rights=Right.INFORMATION_NETWORK | Right.BROADCASTING,
        start=now - 60,
        end=now + 365 * DAY,
        price=10**17,
    )
    offer = studio.create_offer(year)
    for work_id in created[1:]:
        studio.create_offer(
            Terms(
                work_id=work_id, rights=Right.INFORMATION_NETWORK, start=now - 60, end=now + 90 * DAY, price=5 * 10**16
            )
        )
    licence = hubs(accounts.buyer).purchase(offer, max_price=10**17)
    progress(f"buyer {accounts.buyer.address} licensed work {created[0]} (licence {licence.licence_id})")
    return len(created)
