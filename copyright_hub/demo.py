"""Demo data for `make up`: a small catalogue on the devnet so every page has something to show.

The studio (dev account 1) registers six works from synthetic media files (content and metadata
put into the local content store, so ``/ipfs/{cid}`` serves them), one with a co-owner split; each
has a metadata document with a Chinese and an English title, type, creators, languages and dates.
A regulator for China (156, dev account 5) requires a filing before a film is licensed there for
information-network dissemination; a reviewer (dev account 3) records River Harbour's filing number in
China and its content review, and leaves The Tea Merchant's Daughter unfiled, so its offer shows which
requirement stops the sale. The studio publishes offers; a buyer (dev account 2) licenses one. Idempotent: a work whose content digest is already registered keeps its registration,
and gets this metadata (an update) if its current document is another one (a devnet from before).
Written with the shared scenario builder (:mod:`copyright_hub.scenario`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date

from eth_account.signers.local import LocalAccount

from client_sdk import Hub, Right
from client_sdk.content import ContentStore
from client_sdk.kinds import AttestationKind, work_type_bit
from client_sdk.metadata import Creator, Episode, WorkMetadata
from client_sdk.terms import WORK_TYPES

from .scenario import DAY, Scenario, media

#: (metadata, seed for the synthetic content bytes, size); the ``file`` entry is added from the bytes
DEMO_WORKS: list[tuple[WorkMetadata, str, int]] = [
    (WorkMetadata(
        "film", title_en="River Harbour", title_zh="港湾河流",
        description_en="A ferry pilot and the harbour town she cannot leave, over one monsoon season.",
        description_zh="一位渡轮领航员与她离不开的港口小镇，一个雨季的故事。",
        creators=(Creator("Lin Qiao", "director"), Creator("Chen Mo", "screenwriter"), Creator("Ada Moss", "composer")),
        created=date(2025, 3, 1), first_published=date(2025, 6, 18), country="CN",
        languages=("zh-Hans", "yue", "en"), duration_seconds=6_120,
        external_ids={"isan": "0000-0001-8CFA-0000-I-0000-0000-K"},
    ), "river", 600_000),
    (WorkMetadata(
        "series", title_en="Paper Lanterns", title_zh="纸灯笼",
        description_en="A lantern workshop in an old town, one family, three generations.",
        description_zh="古镇里的一家灯笼作坊，一个家族，三代人。",
        creators=(Creator("Zhou Lan", "director"),), first_published=date(2024, 9, 1), country="CN",
        languages=("zh-Hans",), duration_seconds=8 * 2_700,
        episodes=tuple(Episode(n, 1, duration_seconds=2_700) for n in range(1, 9)),
    ), "lanterns", 300_000),
    (WorkMetadata(
        "animation", title_en="Moonlight Fox", title_zh="月光狐",
        description_en="A fox who steals moonlight to light a lost village.",
        creators=(Creator("Studio Hoshi", "animator"), Creator("Mei Tanaka", "voice_actor")),
        first_published=date(2023, 12, 22), country="JP", languages=("ja", "zh-Hans"), duration_seconds=1_380,
    ), "fox", 200_000),
    (WorkMetadata(
        "podcast", title_en="Night Market Stories", title_zh="夜市故事",
        description_zh="每周一期，夜市摊主讲述自己的故事。",
        creators=(Creator("Wang Jie", "host"),), first_published=date(2025, 1, 10), country="TW",
        languages=("zh-Hant",), duration_seconds=2_400,
    ), "market", 100_000),
    (WorkMetadata(
        "short_video", title_en="Salt and Snow", title_zh="盐与雪",
        creators=(Creator("Amara Okafor", "director"),), first_published=date(2025, 2, 14), country="GB",
        languages=("en",), duration_seconds=95,
    ), "salt", 80_000),
    (WorkMetadata(
        "film", title_en="The Tea Merchant's Daughter", title_zh="茶商的女儿",
        description_en="A tea merchant's daughter runs the family caravan south after her father falls ill.",
        description_zh="父亲病倒后，茶商的女儿带着家族商队南下。",
        creators=(Creator("He Yun", "director"),), first_published=date(2026, 4, 2), country="CN",
        languages=("zh-Hans",), duration_seconds=5_700,
    ), "tea", 150_000),
    (WorkMetadata(
        "live_recording", title_en="Echoes of the Silk Road (Live in Xi'an)", title_zh="丝路回声（西安现场）",
        creators=(Creator("Silk Road Ensemble", "performer"),), created=date(2024, 10, 5), country="CN",
        languages=("zh-Hans",), duration_seconds=5_400,
    ), "silk", 120_000),
]  # fmt: skip


@dataclass(frozen=True)
class DemoAccounts:
    admin: LocalAccount
    studio: LocalAccount
    buyer: LocalAccount
    reviewer: LocalAccount
    co_owner: LocalAccount
    regulator: LocalAccount


def _metadata(meta: WorkMetadata, seed: str, content: bytes) -> WorkMetadata:
    file = {"name": f"{seed}.mp4", "size": len(content), "sha256": "0x" + hashlib.sha256(content).hexdigest()}
    return replace(meta, file=file)


#: China's ISO 3166-1 numeric code: the territory of the demo's regulator
CHINA = 156
#: the filing number the demo's reviewer records for River Harbour (an online film's filing in China)
DEMO_FILING_NUMBER = "(2026)网影备字第0001号"


def regulate_china(sc: Scenario) -> int:
    """The demo's regulator regulates China and requires a filing there before a film is licensed for
    information-network dissemination; returns the requirement's id (an existing one is kept)."""
    admin, regulator = sc.hub("admin"), sc.hub("regulator")
    if not admin.rules.functions.isRegulator(CHINA, sc.address("regulator")).call():
        admin.set_regulator(sc.address("regulator"), [CHINA])
    film = work_type_bit(WORK_TYPES.index("film"))
    for req in regulator.requirements(CHINA):
        if (
            req.kind == AttestationKind.FILING
            and req.work_type_mask == film
            and req.rights_mask & Right.INFORMATION_NETWORK
        ):
            return req.requirement_id
    return regulator.set_requirement(
        CHINA, AttestationKind.FILING, work_type_mask=film, rights_mask=int(Right.INFORMATION_NETWORK)
    )


def load(
    hubs: Callable[[LocalAccount], Hub],
    accounts: DemoAccounts,
    store: ContentStore,
    progress: Callable[[str], None] = lambda _m: None,
) -> int:
    """Register what is missing; returns how many works were registered now."""
    sc = Scenario({role: hubs(account) for role, account in asdict(accounts).items()}, store=store)
    first = DEMO_WORKS[0][1]
    for meta, seed, size in DEMO_WORKS:
        content = media(seed, size)
        splits = {"studio": 7_000, "co_owner": 3_000} if seed == first else None
        document = _metadata(meta, seed, content)
        sc.work(seed, content=content, metadata=document, work_type=meta.chain_work_type, splits=splits)
        if sc.created[-1:] == [seed]:
            progress(f"registered demo work {sc[seed]}: {meta.title_en} / {meta.title_zh}")
        elif sc.hub("studio").get_work(sc[seed]).metadata_cid != document.cid():
            sc.update_metadata(seed, document)  # a devnet from before the metadata schema
            progress(f"demo work {sc[seed]} now has its metadata document: {meta.title_en} / {meta.title_zh}")
    if not sc.created:
        return 0
    sc.grant("reviewer", "WorkRegistry", "REVIEWER_ROLE")
    regulate_china(sc)
    sc.attest("content review", first, AttestationKind.CONTENT_REVIEW, territory=CHINA)
    sc.attest("filing", first, AttestationKind.FILING, territory=CHINA, reference=DEMO_FILING_NUMBER)
    now = sc.now()
    sc.offer("year", first, start=now - 60, rights=Right.INFORMATION_NETWORK | Right.BROADCASTING)
    for _meta, seed, _size in DEMO_WORKS[1:]:
        sc.offer(f"{seed} offer", seed, start=now - 60, end=now + 90 * DAY, price=5 * 10**16)
    sc.purchase("licence", "year")
    progress(f"buyer {accounts.buyer.address} licensed work {sc[first]} (licence {sc['licence']})")
    return len(sc.created)
