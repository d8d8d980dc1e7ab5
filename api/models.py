"""Response models: one family per entity (``WorkPublic``, ``WorksPublic{data,count}``...).

Token amounts (wei, ERC-20 base units) are decimal strings: they exceed what JSON numbers carry safely
in JavaScript clients. Addresses are EIP-55 checksummed as the chain gives them.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field
from web3 import Web3

from client_sdk.terms import WorkStatus

WORK_STATUSES = [s.name.lower() for s in WorkStatus]


def checksum(address: str) -> str:
    """EIP-55 form of an address (the mirror stores lower case)."""
    return Web3.to_checksum_address(address) if Web3.is_address(address) else address


#: An address, always rendered EIP-55 checksummed.
Address = Annotated[str, AfterValidator(checksum)]


class OwnerPublic(BaseModel):
    account: Address
    bps: int = Field(description="revenue share in basis points (10,000 = 100%)")


class WorkPublic(BaseModel):
    work_id: int
    owner: Address
    owners: list[OwnerPublic]
    content_digest: str = Field(description="sha256 of the content file, 0x-hex")
    content_cid: str
    metadata_cid: str
    metadata_version: int
    work_type: str
    status: str
    royalty_bps: int
    parents: list[int]
    registered_block: int
    registered_at: int
    registered_tx: str


class WorksPublic(BaseModel):
    data: list[WorkPublic]
    count: int = Field(description="rows matching the filters, ignoring limit/offset")


class TermsPublic(BaseModel):
    rights: list[str]
    rights_mask: int
    territories: list[int] = Field(description="ISO 3166-1 numeric codes; empty = worldwide")
    start: int
    end: int
    exclusive: bool
    sublicensable: bool
    transferable: bool


class OfferPublic(BaseModel):
    offer_id: int
    work_id: int
    creator: Address
    terms: TermsPublic
    price: str
    currency: Address = Field(description="0x000…000 for ETH, else the ERC-20 token address")
    supply_cap: int
    requires_attestation_kind: int
    requires_attestation_territory: int
    cancelled: bool
    created_block: int
    created_tx: str


class OffersPublic(BaseModel):
    data: list[OfferPublic]
    count: int


class LicencePublic(BaseModel):
    licence_id: int
    work_id: int
    licensee: Address
    holder: Address
    offer_id: int
    rights: list[str]
    rights_mask: int
    start: int
    end: int
    exclusive: bool
    sublicensable: bool
    transferable: bool
    price: str
    fee: str
    currency: Address
    status: str = Field(description="valid | not_yet_valid | expired | revoked, at the time of the request")
    revoked_dispute_id: int | None
    granted_block: int
    granted_tx: str


class LicencesPublic(BaseModel):
    data: list[LicencePublic]
    count: int


class AttestationPublic(BaseModel):
    attestation_id: int
    work_id: int
    attester: Address
    kind: int
    territory: int
    decision: int
    reference: str
    evidence_cid: str
    revoked: bool
    recorded_block: int
    recorded_tx: str


class DisputePublic(BaseModel):
    dispute_id: int
    work_id: int
    claimant: Address
    bond: str
    evidence_cid: str
    open: bool
    outcome: int
    opened_block: int
    opened_tx: str


class WorkDetail(WorkPublic):
    metadata_versions: list[dict[str, Any]]
    attestations: list[AttestationPublic]
    disputes: list[DisputePublic]
    offers: list[OfferPublic]
    licence_count: int


class ProvenanceEvent(BaseModel):
    block_number: int
    log_index: int | None = None
    time: int
    tx_hash: str
    kind: str
    summary: str


class ProvenanceCheck(BaseModel):
    field: str
    mirror: str
    chain: str
    ok: bool


class Provenance(BaseModel):
    work_id: int
    chain_id: int
    registry: Address
    events: list[ProvenanceEvent]
    checks: list[ProvenanceCheck] = Field(description="the mirror re-checked against the chain, field by field")
    verified: bool


def territories(raw: str) -> list[int]:
    return [int(t) for t in json.loads(raw or "[]")]
