"""Attestations (reviewers) and disputes (anyone opens, arbiters resolve)."""

from __future__ import annotations

from collections.abc import Sequence

from ._base import HubBase
from .terms import Decision, Outcome, Split


class ReviewMixin(HubBase):
    def attest(
        self,
        work_id: int,
        kind: int,
        decision: Decision = Decision.APPROVED,
        *,
        territory: int = 0,
        reference: str = "",
        evidence_cid: str = "",
    ) -> int:
        """Record an attestation (REVIEWER_ROLE); returns its id."""
        receipt = self._transact(
            self.registry, "attest", work_id, kind, territory, int(decision), reference, evidence_cid
        )
        (event,) = self._events(self.registry, "AttestationRecorded", receipt)
        return int(event["args"]["attestationId"])

    def revoke_attestation(self, attestation_id: int, reason: str = "") -> None:
        self._transact(self.registry, "revokeAttestation", attestation_id, reason)

    def has_approval(self, work_id: int, kind: int, territory: int = 0) -> bool:
        return bool(self._call(self.registry.functions.hasApproval(work_id, kind, territory)))

    def open_dispute(self, work_id: int, evidence_cid: str, *, bond: int) -> int:
        """Dispute a work, posting ``bond`` wei; returns the dispute id."""
        receipt = self._transact(self.resolver, "openDispute", work_id, evidence_cid, value=bond)
        (event,) = self._events(self.resolver, "DisputeOpened", receipt)
        return int(event["args"]["disputeId"])

    def resolve_dispute(
        self,
        dispute_id: int,
        outcome: Outcome,
        *,
        revoke_licences: Sequence[int] = (),
        splits: Sequence[Split] = (),
        ruling_cid: str = "",
    ) -> None:
        """Rule on a dispute within its ruling period (ARBITER_ROLE). ``splits`` (``UPHELD_TRANSFERRED``
        only): the work's new owners and shares, the claimant first; empty: the claimant alone."""
        self._transact(
            self.resolver,
            "resolveDispute",
            dispute_id,
            int(outcome),
            list(revoke_licences),
            [s.to_abi() for s in splits],
            ruling_cid,
        )

    def lapse_dispute(self, dispute_id: int) -> None:
        """Close a dispute nobody ruled on by its deadline (anyone); its bond returns to the claimant."""
        self._transact(self.resolver, "lapseDispute", dispute_id)

    def withdraw_bond(self) -> int:
        receipt = self._transact(self.resolver, "withdraw")
        (event,) = self._events(self.resolver, "Withdrawn", receipt)
        return int(event["args"]["amount"])
