"""The one builder of hand-made hub activity: the demo data of ``make up``
(:func:`copyright_hub.demo.load`) and the stories the API and indexer tests run
(``tests/factories/scenario.py``) are scripts written with it.

A :class:`Scenario` holds one :class:`~client_sdk.Hub` per role ("studio", "buyer", "reviewer"...)
and a name for every id a step creates, so a script reads as what happens::

    sc.work("film", splits={"studio": 7_000, "co_owner": 3_000})
    sc.offer("year", "film", rights=Right.BROADCASTING)
    sc.purchase("licence", "year")            # by the buyer
    sc.hub("buyer").transfer_licence(sc["licence"], sc.address("co_owner"))

Its steps are the common ones (register, update metadata, attest, offer, purchase, grant a role);
anything else is a public SDK call on ``sc.hub(role)``. Works are registered from real bytes: their
content and metadata go into the content store when one is given (so the gateway serves them), and
their CIDs are computed either way. Metadata documents follow the published schema
(:mod:`client_sdk.metadata`): a work registered without one gets a bilingual title from
:data:`TITLES`, and a partial document gets ``schemaVersion`` and the work's type filled in.
Registering is idempotent: a work whose content digest is on chain already is named, not registered
again (``created`` lists what was registered now).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from client_sdk import ETH, Hub, Right, Split, Terms
from client_sdk.content import ContentStore, cid_of_bytes, publish
from client_sdk.manifest import Deployment
from client_sdk.metadata import METADATA_WORK_TYPES, SCHEMA_VERSION, WorkMetadata, canonical_bytes, document_of
from client_sdk.terms import work_type_name

DAY = 86_400

#: (English, Chinese) titles of works registered without metadata, picked by the work's name
TITLES: tuple[tuple[str, str], ...] = (
    ("River Harbour", "港湾河流"),
    ("Paper Lanterns", "纸灯笼"),
    ("Moonlight Fox", "月光狐"),
    ("Night Market Stories", "夜市故事"),
    ("Harbour Lights", "港口灯火"),
    ("Listening to Bamboo Rain", "竹林听雨"),
    ("Echoes of the Silk Road", "丝路回声"),
    ("The Tea Merchant's Daughter", "茶商的女儿"),
    ("Mountain Postman", "山间邮差"),
    ("Neon Dragon", "霓虹之龙"),
    ("Salt and Snow", "盐与雪"),
    ("The Last Ferry", "最后一班渡轮"),
)


def titles_for(name: str) -> tuple[str, str]:
    """The (English, Chinese) title :data:`TITLES` gives a work named ``name`` (always the same one)."""
    return TITLES[int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") % len(TITLES)]


def media(seed: str, size: int) -> bytes:
    """Stand-in media bytes: deterministic, incompressible, several IPFS chunks long when large."""
    return hashlib.shake_256(seed.encode()).digest(size)


def terms(work_id: int, now: int, **overrides: Any) -> Terms:
    """Non-exclusive, worldwide, one year from ``now``, 0.1 ETH, information-network right."""
    fields: dict[str, Any] = {
        "work_id": work_id,
        "rights": Right.INFORMATION_NETWORK,
        "start": now,
        "end": now + 365 * DAY,
        "price": 10**17,
        "currency": ETH,
    }
    fields.update(overrides)
    return Terms(**fields)


@dataclass
class Scenario:
    hubs: Mapping[str, Hub]
    store: ContentStore | None = None
    #: mixed into the default content of works, so two runs on one chain do not collide
    salt: str = ""
    ids: dict[str, int] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    _prices: dict[str, int] = field(default_factory=dict)
    _types: dict[str, int] = field(default_factory=dict)

    @classmethod
    def on(cls, w3: Web3, deployment: Deployment, cast: Mapping[str, LocalAccount], **kwargs: Any) -> Scenario:
        """A scenario on ``deployment`` where each role of ``cast`` signs with its account (roles
        played by one account share one Hub)."""
        by_address: dict[str, Hub] = {}
        for account in cast.values():
            by_address.setdefault(account.address, Hub(w3, deployment, account))
        return cls({role: by_address[account.address] for role, account in cast.items()}, **kwargs)

    def __getitem__(self, name: str) -> int:
        return self.ids[name]

    def hub(self, role: str) -> Hub:
        return self.hubs[role]

    def address(self, role: str) -> str:
        account = self.hubs[role].account
        assert account is not None, f"role {role!r} has no signing account"
        return str(account.address)

    def now(self) -> int:
        """The time of the chain's latest block (the chain's clock need not be the wall clock)."""
        hub = next(iter(self.hubs.values()))
        return int(hub.w3.eth.get_block("latest")["timestamp"])

    def _name(self, name: str, value: int) -> int:
        self.ids[name] = value
        return value

    def _cid(self, data: bytes) -> str:
        if self.store is None:
            return cid_of_bytes(data)
        cid = self.store.add(data)
        publish(self.store, cid)  # scenario content is synthetic and meant to be shown: published
        return str(cid)

    def _document(self, metadata: WorkMetadata | Mapping[str, Any] | str, work_type: int) -> str:
        """A metadata CID: given as it is, or the CID of the document's canonical JSON (stored when
        there is a store), with ``schemaVersion`` and the work's type filled in when missing."""
        if isinstance(metadata, str):
            return metadata
        kind = work_type_name(work_type)
        defaults = {"schemaVersion": SCHEMA_VERSION, "workType": kind if kind in METADATA_WORK_TYPES else "film"}
        return self._cid(canonical_bytes({**defaults, **document_of(metadata)}))

    # -- steps ---------------------------------------------------------------------------------------

    def grant(self, role: str, contract: str, role_name: str, *, by: str = "admin") -> None:
        """Give ``role``'s account ``role_name`` on ``contract`` unless it has it already."""
        admin = self.hub(by)
        if not admin.has_role(contract, role_name, self.address(role)):
            admin.grant_role(contract, role_name, self.address(role))

    def work(
        self,
        name: str,
        *,
        by: str = "studio",
        content: bytes | None = None,
        metadata: WorkMetadata | Mapping[str, Any] | str | None = None,
        work_type: int = 0,
        splits: Mapping[str, int] | None = None,
        royalty_bps: int = 0,
        parents: Sequence[str] = (),
    ) -> int:
        """Register a work from ``content`` (default: bytes made from the name) with ``metadata``
        (default: a bilingual title from :data:`TITLES`), ``splits`` by role; a digest already on
        chain is only named."""
        content = media(f"{self.salt}{name}", 1024) if content is None else content
        digest = hashlib.sha256(content).digest()
        hub = self.hub(by)
        self._types[name] = work_type
        if existing := hub.work_id_by_digest(digest):
            return self._name(name, existing)
        if metadata is None:
            title_en, title_zh = titles_for(name)
            metadata = {"title": {"en": title_en, "zh": title_zh}}
        reg = hub.register_work(
            digest,
            self._cid(content),
            self._document(metadata, work_type),
            work_type,
            splits=[Split(self.address(role), bps) for role, bps in (splits or {}).items()],
            parents=[self[p] for p in parents],
            parent_licences=[0] * len(parents),
            royalty_bps=royalty_bps,
        )
        self.created.append(name)
        return self._name(name, reg.work_id)

    def update_metadata(
        self, work: str, metadata: WorkMetadata | Mapping[str, Any] | str, *, by: str = "studio"
    ) -> int:
        """Publish a new metadata document (a CID as it is, or a JSON document); returns the version."""
        work_type = self._types[work] if work in self._types else self.hub(by).get_work(self[work]).work_type
        return self.hub(by).update_metadata(self[work], self._document(metadata, work_type))

    def attest(self, name: str, work: str, kind: int, *, by: str = "reviewer", **fields: Any) -> int:
        """An attestation by ``by`` (``territory``, ``reference``, ``evidence_cid``, ``decision``)."""
        return self._name(name, self.hub(by).attest(self[work], kind, **fields))

    def offer(self, name: str, work: str, *, by: str = "studio", start: int | None = None, **overrides: Any) -> int:
        """An on-chain offer of :func:`terms` (``start`` defaults to the chain's time) with ``overrides``."""
        t = terms(self[work], self.now() if start is None else start, **overrides)
        self._prices[name] = t.price
        return self._name(name, self.hub(by).create_offer(t))

    def purchase(self, name: str, offer: str, *, by: str = "buyer", max_price: int | None = None) -> int:
        """Buy a licence under ``offer`` at its published price (or up to ``max_price``)."""
        price = self._prices[offer] if max_price is None else max_price
        return self._name(name, self.hub(by).purchase(self[offer], max_price=price).licence_id)
