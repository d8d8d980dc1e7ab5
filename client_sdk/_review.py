"""Attestations (reviewers) and disputes (anyone opens, arbiters resolve)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from ._base import HubBase
from .shapes import AbiStruct
from .terms import Decision, Outcome, Split


@dataclass(frozen=True)
class Dispute(AbiStruct, struct="Dispute"):
    """A dispute as the chain holds it (``IDisputeResolver.Dispute``) and its id."""

    __not_in_abi__: ClassVar[tuple[str, ...]] = ("dispute_id",)

    dispute_id: int
    work_id: int
    claimant: str
    bond: int
    outcome: Outcome
    open: bool
    #: the ruling period's end (unix seconds): after it anyone may lapse the dispute
    deadline: int
    #: whether the work's owner answered it (:meth:`ReviewMixin.answer_dispute`, once)
    answered: bool = False


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
        valid_from: int = 0,
        valid_until: int = 0,
    ) -> int:
        """Record an attestation (REVIEWER_ROLE); returns its id. ``reference``: e.g. the filing number;
        ``valid_from``/``valid_until``: its validity window in unix seconds (0: open; the end is exclusive).
        The latest attestation for a work, kind and territory decides whether that kind is live there."""
        receipt = self._transact(
            self.registry,
            "attest",
            work_id,
            kind,
            territory,
            int(decision),
            reference,
            evidence_cid,
            valid_from,
            valid_until,
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

    def get_dispute(self, dispute_id: int) -> Dispute:
        """The dispute ``dispute_id`` as the chain holds it; :class:`~client_sdk.errors.ContractRevert`
        ``DisputeNotFound`` when there is none."""
        fields = Dispute.__struct__.from_abi(self._call(self.resolver.functions.getDispute(dispute_id)))
        return Dispute(dispute_id=dispute_id, **{**fields, "outcome": Outcome(fields["outcome"])})

    def min_bond(self) -> int:
        """The smallest bond (wei) :meth:`open_dispute` accepts."""
        return int(self._call(self.resolver.functions.minBond()))

    def answer_dispute(self, dispute_id: int, evidence_cid: str) -> None:
        """Answer an open dispute with the owner's evidence CID, once, by its deadline (the disputed
        work's owner only)."""
        self._transact(self.resolver, "answerDispute", dispute_id, evidence_cid)

    def lapse_dispute(self, dispute_id: int) -> None:
        """Close a dispute nobody ruled on by its deadline (anyone); its bond returns to the claimant."""
        self._transact(self.resolver, "lapseDispute", dispute_id)

    def withdraw_bond(self) -> int:
        receipt = self._transact(self.resolver, "withdraw")
        (event,) = self._events(self.resolver, "Withdrawn", receipt)
        return int(event["args"]["amount"])
