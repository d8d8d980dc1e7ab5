"""Evidence records on the EvidenceLog contract (anyone records); capturing and packaging are in
:mod:`client_sdk.evidence`."""

from __future__ import annotations

from typing import Any

from ._base import HubBase


class EvidenceMixin(HubBase):
    def record_evidence(self, work_id: int, digest: bytes, cid: str, source: str, captured_at: int) -> Any:
        """Record a captured copy about ``work_id``; returns the ``EvidenceRecorded`` event (with its
        ``args``, ``transactionHash``, ``blockNumber``, ``logIndex``). A would-be revert
        (``WorkNotFound``, ``EmptyDigest``, ``CapturedInFuture``...) raises before anything is sent."""
        contract = self._contract("EvidenceLog")
        receipt = self._transact(contract, "record", work_id, digest, cid, source, captured_at)
        (event,) = self._events(contract, "EvidenceRecorded", receipt)
        return event
