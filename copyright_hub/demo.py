"""Demo data for `make up`: a small catalogue on the devnet so every page has something to show.

The studio (dev account 1) registers four works from synthetic media files (content and metadata
put into the local content store, so ``/ipfs/{cid}`` serves them), one with a co-owner split; a
reviewer (dev account 3) attests a filing; the studio publishes offers; a buyer (dev account 2)
licenses one. Idempotent: a work whose content digest is already registered is left as it is.
Written with the shared scenario builder (:mod:`copyright_hub.scenario`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass

from eth_account.signers.local import LocalAccount

from client_sdk import Hub, Right
from client_sdk.content import ContentStore

from .scenario import DAY, Scenario, media

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


def _metadata(title_en: str, title_zh: str, work_type: int, content: bytes) -> dict[str, object]:
    return {
        "title": {"en": title_en, "zh": title_zh},
        "workType": work_type,
        "language": "zh",
        "creators": ["Demo Studio"],
        "file": {"sha256": "0x" + hashlib.sha256(content).hexdigest(), "size": len(content)},
    }


def load(
    hubs: Callable[[LocalAccount], Hub],
    accounts: DemoAccounts,
    store: ContentStore,
    progress: Callable[[str], None] = lambda _m: None,
) -> int:
    """Register what is missing; returns how many works were registered now."""
    sc = Scenario({role: hubs(account) for role, account in asdict(accounts).items()}, store=store)
    first = DEMO_WORKS[0][3]
    for title_en, title_zh, work_type, seed, size in DEMO_WORKS:
        content = media(seed, size)
        splits = {"studio": 7_000, "co_owner": 3_000} if seed == first else None
        sc.work(seed, content=content, metadata=_metadata(title_en, title_zh, work_type, content), work_type=work_type, splits=splits)  # fmt: skip
        if sc.created[-1:] == [seed]:
            progress(f"registered demo work {sc[seed]}: {title_en} / {title_zh}")
    if not sc.created:
        return 0
    sc.grant("reviewer", "WorkRegistry", "REVIEWER_ROLE")
    sc.attest("filing", first, 1, reference="demo filing 2026-0001")
    now = sc.now()
    sc.offer("year", first, start=now - 60, rights=Right.INFORMATION_NETWORK | Right.BROADCASTING)
    for *_titles, seed, _size in DEMO_WORKS[1:]:
        sc.offer(f"{seed} offer", seed, start=now - 60, end=now + 90 * DAY, price=5 * 10**16)
    sc.purchase("licence", "year")
    progress(f"buyer {accounts.buyer.address} licensed work {sc[first]} (licence {sc['licence']})")
    return len(sc.created)
