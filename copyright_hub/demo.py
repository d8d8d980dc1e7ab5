"""Demo data for `make up`: a few works registered by the devnet's studio account, so the API has
something to show. Idempotent: a work whose content digest is already registered is skipped."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from client_sdk import Hub

#: (English title, Chinese title, work type, seed for the synthetic content bytes)
DEMO_WORKS = [
    ("The River at Dawn", "黎明之河", 0, "river"),
    ("Paper Lanterns (Series 1)", "纸灯笼 第一季", 1, "lanterns"),
    ("Moonlight Fox", "月光狐", 2, "fox"),
    ("Night Market Stories", "夜市故事", 5, "market"),
]


@dataclass(frozen=True)
class DemoWork:
    title: str
    content: bytes
    metadata: bytes


def demo_works() -> list[DemoWork]:
    works = []
    for title_en, title_zh, work_type, seed in DEMO_WORKS:
        content = hashlib.shake_256(seed.encode()).digest(64 * 1024)  # stand-in media bytes
        metadata = json.dumps(
            {"title": {"en": title_en, "zh": title_zh}, "workType": work_type, "language": "zh"},
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        works.append(DemoWork(title_en, content, metadata))
    return works


def load(hub: Hub, progress: Callable[[str], None] = lambda _m: None) -> int:
    """Register the demo works that are missing; returns how many were registered now."""
    from client_sdk.content import cid_of_bytes

    created = 0
    for work_type, work in enumerate(demo_works()):
        digest = hashlib.sha256(work.content).digest()
        if hub.registry.functions.workIdByDigest(digest).call():
            continue
        hub.register_work(digest, cid_of_bytes(work.content), cid_of_bytes(work.metadata), work_type)
        progress(f"registered demo work {work.title!r}")
        created += 1
    return created
