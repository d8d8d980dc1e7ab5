"""Works and what the registry records about them: owners and splits, royalty, parents, and the
history of transfers, metadata versions and status changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Field

from ._base import HistoryTable, StateTable, u256
from ._declare import ADDRESS, BLOCK, TX, ZERO_ADDRESS, appends, const, creates, differs, handled_by, patches

__all__ = [
    "MetadataVersion",
    "OwnershipTransfer",
    "RegistrationCommitment",
    "Work",
    "WorkOwner",
    "WorkParent",
    "WorkReclaim",
    "WorkRoyalty",
    "WorkStatusChange",
]

if TYPE_CHECKING:
    from ..decode import Log
    from ..store import Changes

#: a mint is followed by WorkRegistered, which writes the row; later transfers patch it
_NOT_A_MINT = differs("from", ZERO_ADDRESS)


class Work(StateTable, table=True):
    """A registered work. Its priority (issue 14) is the registration's own block and time for a one-step
    registration, the commitment's for a revealed work (``WorkRevealed`` follows ``WorkRegistered``);
    ``WorkReclaimed`` (an earlier commitment took the work) rewrites the registration with the revealer's."""

    __tablename__ = "work"
    __events__ = (
        creates(
            "WorkRegistry.WorkRegistered",
            work_id="workId",
            registry_address=ADDRESS,
            owner="owner",
            content_digest="contentDigest",
            content_cid="contentCid",
            metadata_cid="metadataCid",
            work_type="workType",
            registered_block=BLOCK,
            registered_at="registeredAt",
            registered_tx=TX,
            priority_block=BLOCK,
            priority_at="registeredAt",
            updated_block=BLOCK,
        ),
        patches(
            "WorkRegistry.WorkRevealed",
            key={"work_id": "workId"},
            priority_block="priorityBlock",
            priority_at="priorityAt",
            commitment="commitment",
            updated_block=BLOCK,
        ),
        patches(
            "WorkRegistry.WorkReclaimed",
            key={"work_id": "workId"},
            owner="to",
            content_cid="contentCid",
            metadata_cid="metadataCid",
            metadata_version="metadataVersion",
            work_type="workType",
            registered_block=BLOCK,
            registered_at="registeredAt",
            registered_tx=TX,
            updated_block=BLOCK,
        ),
        patches("WorkRegistry.Transfer", key={"work_id": "id"}, owner="to", updated_block=BLOCK).only_if(_NOT_A_MINT),
        patches(
            "WorkRegistry.MetadataUpdated",
            key={"work_id": "workId"},
            metadata_cid="metadataCid",
            metadata_version="version",
            updated_block=BLOCK,
        ),
        patches("WorkRegistry.WorkStatusChanged", key={"work_id": "workId"}, status="current", updated_block=BLOCK),
    )

    work_id: int = u256(primary_key=True)
    registry_address: str = Field(max_length=42)
    owner: str = Field(max_length=42, index=True)
    content_digest: str = Field(max_length=66, index=True)
    content_cid: str = Field(sa_type=sa.Text)
    metadata_cid: str = Field(sa_type=sa.Text)
    metadata_version: int = 0
    work_type: int
    status: int = Field(default=0, description="0 active, 1 frozen, 2 disputed")
    registered_block: int = Field(sa_type=sa.BigInteger)
    registered_at: int = Field(sa_type=sa.BigInteger)
    registered_tx: str = Field(max_length=66)
    priority_block: int = Field(
        default=0,
        sa_type=sa.BigInteger,
        description="the block that ranks this registration against a rival's: the commit's for a work "
        "registered by commit-reveal, the registration's own for a one-step registration",
    )
    priority_at: int = Field(default=0, sa_type=sa.BigInteger, description="the priority block's time (unix seconds)")
    commitment: str | None = Field(
        default=None, max_length=66, description="the commitment the work was revealed under; null: one step"
    )
    updated_block: int = Field(sa_type=sa.BigInteger)


class RegistrationCommitment(StateTable, table=True):
    """A registrant's commitment to works it reveals later (``RegistrationCommitted``): its block and
    time are the priority of every work revealed under it."""

    __tablename__ = "registration_commitment"
    __events__ = (
        creates(
            "WorkRegistry.RegistrationCommitted",
            registrant="registrant",
            commitment="commitment",
            block_number="blockNumber",
            committed_at="committedAt",
        ),
    )

    registrant: str = Field(primary_key=True, max_length=42)
    commitment: str = Field(primary_key=True, max_length=66)
    block_number: int = Field(sa_type=sa.BigInteger)
    committed_at: int = Field(sa_type=sa.BigInteger)


class WorkReclaim(HistoryTable, table=True):
    """Each work an earlier commitment took from a later registration (``WorkReclaimed``): auditors see
    who lost it and who took it; ``work`` holds the registration as it now stands."""

    __tablename__ = "work_reclaim"
    __events__ = (
        appends(
            "WorkRegistry.WorkReclaimed",
            work_id="workId",
            from_address="from",
            to_address="to",
            content_digest="contentDigest",
        ),
    )

    work_id: int = u256(index=True)
    from_address: str = Field(max_length=42)
    to_address: str = Field(max_length=42)
    content_digest: str = Field(max_length=66)


class WorkRoyalty(StateTable, table=True):
    """ERC-2981 royalty of a work token (``RoyaltySet``); no row: no royalty. Its own table because the
    registry emits ``RoyaltySet`` before ``WorkRegistered``, so a patch of ``work`` would be lost."""

    __tablename__ = "work_royalty"
    __events__ = (
        creates("WorkRegistry.RoyaltySet", work_id="workId", receiver="receiver", bps="bps", updated_block=BLOCK),
    )

    work_id: int = u256(primary_key=True)
    receiver: str = Field(max_length=42)
    bps: int
    updated_block: int = Field(sa_type=sa.BigInteger)


def splits_set(lg: Log, a: dict[str, Any], c: Changes) -> None:
    """``SplitsSet`` replaces every owner row of the work, one per (account, bps) pair; a single owner
    (a ruling that gave the whole work to one account) leaves no rows, as a single-owner registration does."""
    work_id = a["workId"]
    c.delete_where("work_owner", work_id=work_id)
    if len(a["accounts"]) < 2:
        return
    for i, (account, bps) in enumerate(zip(a["accounts"], a["bps"], strict=True)):
        c.put("work_owner", {"work_id": work_id, "position": i, "account": account, "bps": bps})


class WorkOwner(StateTable, table=True):
    """Owners and revenue splits of a work; position 0 is the lead owner (follows the token).
    A work without rows here has one owner, ``work.owner``, with all 10,000 bps."""

    __tablename__ = "work_owner"
    __events__ = (
        handled_by("WorkRegistry.SplitsSet", splits_set),
        patches("WorkRegistry.Transfer", key={"work_id": "id", "position": const(0)}, account="to").only_if(
            _NOT_A_MINT
        ),
    )

    work_id: int = u256(primary_key=True)
    position: int = Field(primary_key=True)
    account: str = Field(max_length=42, index=True)
    bps: int


def parents_set(lg: Log, a: dict[str, Any], c: Changes) -> None:
    """``ParentsSet`` puts one row per (parent, licence relied on) pair."""
    for parent, licence in zip(a["parents"], a["parentLicences"], strict=True):
        c.put("work_parent", {"work_id": a["workId"], "parent_id": parent, "parent_licence_id": licence})


def parents_cleared(lg: Log, a: dict[str, Any], c: Changes) -> None:
    """``WorkReclaimed`` makes the work the revealer's: the old holder's parents go (the revealer's own, if
    any, follow in ``ParentsSet`` in the same transaction)."""
    c.delete_where("work_parent", work_id=a["workId"])


class WorkParent(StateTable, table=True):
    """Parent works of a derivative, with the adaptation licence relied on (0: the owner's own work)."""

    __tablename__ = "work_parent"
    __events__ = (
        handled_by("WorkRegistry.WorkReclaimed", parents_cleared),
        handled_by("WorkRegistry.ParentsSet", parents_set),
    )

    work_id: int = u256(primary_key=True)
    parent_id: int = u256(primary_key=True)
    parent_licence_id: int = u256()


class OwnershipTransfer(HistoryTable, table=True):
    """Every ERC-721 transfer of a work token (mint: ``from_address`` is the zero address)."""

    __tablename__ = "ownership_transfer"
    __events__ = (appends("WorkRegistry.Transfer", work_id="id", from_address="from", to_address="to"),)

    work_id: int = u256(index=True)
    from_address: str = Field(max_length=42)
    to_address: str = Field(max_length=42)


class MetadataVersion(HistoryTable, table=True):
    """Each metadata document a work has had (version 0 is the registration)."""

    __tablename__ = "metadata_version"
    __events__ = (
        appends("WorkRegistry.WorkRegistered", work_id="workId", version=0, metadata_cid="metadataCid", by="owner"),
        appends(
            "WorkRegistry.MetadataUpdated", work_id="workId", version="version", metadata_cid="metadataCid", by="by"
        ),
        appends(
            "WorkRegistry.WorkReclaimed",
            work_id="workId",
            version="metadataVersion",
            metadata_cid="metadataCid",
            by="to",
        ),
    )

    work_id: int = u256(index=True)
    version: int
    metadata_cid: str = Field(sa_type=sa.Text)
    by: str = Field(max_length=42)


class WorkStatusChange(HistoryTable, table=True):
    """Each change of a work's status (frozen, disputed, active again), and who made it."""

    __tablename__ = "work_status_change"
    __events__ = (
        appends("WorkRegistry.WorkStatusChanged", work_id="workId", previous="previous", current="current", by="by"),
    )

    work_id: int = u256(index=True)
    previous: int
    current: int
    by: str = Field(max_length=42)
