"""Works: registration (single, batch, derivative), metadata, reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from web3 import Web3

from ._base import HubBase
from .errors import ConfigurationError, WorkNotFound
from .shapes import AbiStruct
from .terms import Split, WorkInput, WorkStatus


@dataclass(frozen=True)
class Work(AbiStruct, struct="WorkInfo"):
    """A registered work: chain state (``IWorkRegistry.WorkInfo``) plus the CIDs from its events."""

    __not_in_abi__: ClassVar[tuple[str, ...]] = ("work_id", "content_digest", "content_cid", "metadata_cid")

    work_id: int
    owner: str
    content_digest: bytes
    content_cid: str
    metadata_cid: str
    work_type: int
    registered_at: int
    status: WorkStatus = WorkStatus.ACTIVE
    metadata_version: int = 0
    co_owner_count: int = 0


@dataclass(frozen=True)
class Registration:
    work_id: int
    tx_hash: str
    block_number: int
    gas_used: int = 0


class WorksMixin(HubBase):
    def register_work(
        self,
        content_digest: bytes,
        content_cid: str,
        metadata_cid: str,
        work_type: int = 0,
        *,
        splits: Sequence[Split] = (),
        parents: Sequence[int] = (),
        parent_licences: Sequence[int] = (),
        royalty_bps: int = 0,
    ) -> Registration:
        """Register a work owned by this Hub's account; reverts raise typed errors and change nothing.

        ``splits`` empty means the account takes 10,000 bps; otherwise ``splits[0]`` must be the account.
        ``parent_licences[i]`` is 0 when the account owns ``parents[i]``, else an adaptation licence id.
        """
        work = WorkInput(
            content_digest,
            content_cid,
            metadata_cid,
            work_type,
            royalty_bps,
            tuple(splits),
            tuple(parents),
            tuple(parent_licences),
        )
        return self._register_one(work)

    def _register_one(self, work: WorkInput) -> Registration:
        _check_digest(work.content_digest)
        receipt = self._transact(self.registry, "registerWork", work.to_abi(self._signer().address))
        (event,) = self._events(self.registry, "WorkRegistered", receipt)
        return Registration(event["args"]["workId"], self._tx_hash(receipt), receipt["blockNumber"], receipt["gasUsed"])

    def register_works(self, works: Sequence[WorkInput]) -> list[Registration]:
        """Register a catalogue in one transaction (ids are consecutive, in order)."""
        for w in works:
            _check_digest(w.content_digest)
        caller = self._signer().address
        receipt = self._transact(self.registry, "registerWorks", [w.to_abi(caller) for w in works])
        return [
            Registration(e["args"]["workId"], self._tx_hash(receipt), receipt["blockNumber"], receipt["gasUsed"])
            for e in self._events(self.registry, "WorkRegistered", receipt)
        ]

    def update_metadata(self, work_id: int, metadata_cid: str) -> int:
        """Publish a new metadata CID (owner only); returns the new version."""
        receipt = self._transact(self.registry, "updateMetadata", work_id, metadata_cid)
        (event,) = self._events(self.registry, "MetadataUpdated", receipt)
        return int(event["args"]["version"])

    def get_work(self, work_id: int) -> Work:
        """The work as stored on chain, with CIDs from its events; :class:`WorkNotFound` if it does not exist."""
        info = Work.__struct__.from_abi(self._call(self.registry.functions.getWork(work_id)))
        logs = self.registry.events.WorkRegistered().get_logs(
            from_block=self._from_block, argument_filters={"workId": work_id}
        )
        if not logs:
            raise WorkNotFound("WorkNotFound", {"workId": work_id})
        reg = logs[0]["args"]
        metadata_cid = reg["metadataCid"]
        if info["metadata_version"]:
            updates = self.registry.events.MetadataUpdated().get_logs(
                from_block=self._from_block, argument_filters={"workId": work_id}
            )
            if updates:
                metadata_cid = max(updates, key=lambda e: e["args"]["version"])["args"]["metadataCid"]
        return Work(
            work_id=work_id,
            content_digest=bytes(reg["contentDigest"]),
            content_cid=reg["contentCid"],
            metadata_cid=metadata_cid,
            **{**info, "status": WorkStatus(info["status"])},
        )

    def work_id_by_digest(self, content_digest: bytes) -> int:
        """The work registered for a content digest, or 0."""
        return int(self._call(self.registry.functions.workIdByDigest(content_digest)))

    def transfer_work(self, work_id: int, to: str) -> str:
        """Assign the work (and its lead share) to ``to``; returns the tx hash."""
        me = self._signer().address
        receipt = self._transact(self.registry, "transferFrom", me, Web3.to_checksum_address(to), work_id)
        return self._tx_hash(receipt)


def _check_digest(digest: bytes) -> None:
    if len(digest) != 32:
        raise ConfigurationError(f"content_digest must be 32 bytes (sha256), got {len(digest)}")
