"""Distribution requirements (the DistributionRules contract): regulators per territory, attestation
kinds with names and meanings, requirements every sale must meet, and a work's compliance with them."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

from web3 import Web3

from ._base import HubBase
from .shapes import AbiStruct
from .terms import ALL_WORK_TYPES_MASK, Decision, work_type_bit

#: How the attestation deciding a requirement stands: ``met`` (Approved, in its window), ``missing``
#: (none recorded), ``rejected``, ``revoked``, ``not_yet_valid`` (before its window), ``expired``.
RequirementState = Literal["met", "missing", "rejected", "revoked", "not_yet_valid", "expired"]


@dataclass(frozen=True)
class Requirement(AbiStruct, struct="Requirement"):
    """An active requirement of a territory (``IDistributionRules.Requirement``)."""

    __not_in_abi__: ClassVar[tuple[str, ...]] = ("territory",)

    territory: int
    requirement_id: int
    kind: int
    work_type_mask: int
    rights_mask: int

    def applies_to(self, work_type: int, rights: int | None = None) -> bool:
        """Whether it binds a work of ``work_type`` licensed with ``rights`` (None: any rights)."""
        if not self.work_type_mask & work_type_bit(work_type):
            return False
        return rights is None or bool(self.rights_mask & rights)


@dataclass(frozen=True)
class AttestationStatus(AbiStruct, struct="AttestationStatus"):
    """The attestation that decides a (work, kind, territory) (``IWorkRegistry.AttestationStatus``):
    the latest recorded there, or territory 0's when the territory has none of its own."""

    attestation_id: int
    decision: Decision
    valid_from: int
    valid_until: int
    live: bool

    def state(self, now: int) -> RequirementState:
        """How it stands at chain time ``now``."""
        if self.attestation_id == 0:
            return "missing"
        if self.decision == Decision.NONE:
            return "revoked"
        if self.decision == Decision.REJECTED:
            return "rejected"
        if now < self.valid_from:
            return "not_yet_valid"
        if self.valid_until and now >= self.valid_until:
            return "expired"
        return "met"


@dataclass(frozen=True)
class RequirementCompliance:
    """One requirement that applies to a work, and whether the work meets it now."""

    requirement: Requirement
    status: AttestationStatus
    state: RequirementState

    @property
    def met(self) -> bool:
        return self.state == "met"


def judge(
    territories: Iterable[int],
    requirements_of: Callable[[int], Iterable[Requirement]],
    status_of: Callable[[int, int], AttestationStatus],
    *,
    work_type: int,
    rights: int | None,
    now: int,
) -> dict[int, list[RequirementCompliance]]:
    """Per territory, the requirements (``requirements_of(territory)``, in requirement-id order) that apply
    to a work of ``work_type`` licensed with ``rights`` (None: any), each with the attestation deciding it
    (``status_of(kind, territory)``) and its state at ``now``; a territory none of whose requirements
    applies maps to an empty list. The one loop behind the chain's answer (:meth:`DistributionMixin.compliance`),
    the mirror's (``api.requirements``) and an audit report's at each sale."""
    out: dict[int, list[RequirementCompliance]] = {}
    for territory in territories:
        rows = []
        for req in requirements_of(territory):
            if req.applies_to(work_type, rights):
                status = status_of(req.kind, territory)
                rows.append(RequirementCompliance(req, status, status.state(now)))
        out[territory] = rows
    return out


class DistributionMixin(HubBase):
    @functools.cached_property
    def rules(self) -> Any:
        """The DistributionRules contract of this deployment."""
        return self._contract("DistributionRules")

    # -- the admin and regulators --------------------------------------------------------------

    def set_regulator(self, regulator: str, territories: Sequence[int], allowed: bool = True) -> None:
        """Make ``regulator`` a regulator of ``territories`` (or stop it being one): the rules' admin only."""
        self._transact(self.rules, "setRegulator", Web3.to_checksum_address(regulator), list(territories), allowed)

    def define_kind(self, kind: int, name: str, meaning: str) -> None:
        """Define attestation kind ``kind`` with its name and meaning (the admin or a regulator), once."""
        self._transact(self.rules, "defineKind", kind, name, meaning)

    def set_requirement(
        self,
        territory: int,
        kind: int,
        *,
        work_type_mask: int = ALL_WORK_TYPES_MASK,
        rights_mask: int,
        requirement_id: int = 0,
    ) -> int:
        """Require a live ``kind`` attestation for sales in ``territory`` of works whose type is in
        ``work_type_mask`` (default: every type) licensed with any right in ``rights_mask``; with
        ``requirement_id``, change that requirement instead. A regulator of ``territory`` only. Returns the id."""
        receipt = self._transact(
            self.rules, "setRequirement", territory, requirement_id, kind, work_type_mask, rights_mask, True
        )
        (event,) = self._events(self.rules, "RequirementSet", receipt)
        return int(event["args"]["requirementId"])

    def withdraw_requirement(self, territory: int, requirement_id: int) -> None:
        """Withdraw an active requirement of ``territory`` (a regulator of it)."""
        self._transact(self.rules, "setRequirement", territory, requirement_id, 0, 0, 0, False)

    # -- reads ---------------------------------------------------------------------------------

    def requirements(self, territory: int) -> list[Requirement]:
        """The active requirements of ``territory``, by id."""
        rows = self._call(self.rules.functions.requirementsOf(territory))
        found = [Requirement(territory=territory, **Requirement.__struct__.from_abi(r)) for r in rows]
        return sorted(found, key=lambda r: r.requirement_id)

    def regulated_territories(self) -> list[int]:
        """The territories with active requirements (those a worldwide licence must meet), ascending."""
        return sorted(int(t) for t in self._call(self.rules.functions.regulatedTerritories()))

    def kind_defined(self, kind: int) -> bool:
        return bool(self._call(self.rules.functions.kindDefined(kind)))

    def attestation_kinds(self) -> dict[int, tuple[str, str]]:
        """Every defined kind -> (name, meaning), from the ``AttestationKindDefined`` events."""
        return {
            int(e["args"]["kind"]): (str(e["args"]["name"]), str(e["args"]["meaning"]))
            for e in self._logs(self.rules, "AttestationKindDefined")
        }

    def attestation_status(self, work_id: int, kind: int, territory: int = 0) -> AttestationStatus:
        """The attestation deciding ``kind`` for ``work_id`` in ``territory`` (see :class:`AttestationStatus`)."""
        raw = self._call(self.registry.functions.attestationStatus(work_id, kind, territory))
        fields = AttestationStatus.__struct__.from_abi(raw)
        return AttestationStatus(**{**fields, "decision": Decision(fields["decision"])})

    def compliance(
        self, work_id: int, *, rights: int | None = None, territories: Sequence[int] = ()
    ) -> dict[int, list[RequirementCompliance]]:
        """Per territory (``territories``, or every regulated one), the requirements that apply to
        ``work_id`` (its type; licensed with any right in ``rights``, or any rights when None) and how each
        stands now. A territory whose requirements do not apply to the work maps to an empty list."""
        work_type = int(self._call(self.registry.functions.getWork(work_id))[2])
        now = int(self.w3.eth.get_block("latest")["timestamp"])
        return judge(
            territories or self.regulated_territories(),
            self.requirements,
            lambda kind, territory: self.attestation_status(work_id, kind, territory),
            work_type=work_type,
            rights=rights,
            now=now,
        )

    def check_sale(self, work_id: int, rights: int, territories: Sequence[int] = ()) -> None:
        """Raise :class:`~client_sdk.errors.RequirementNotMet` (naming the territory and the missing kind)
        unless a licence of ``rights`` on ``work_id`` in ``territories`` (empty: worldwide) meets every
        requirement; nothing is sent. Purchases run the same check on chain, and refuse before sending."""
        work_type = int(self._call(self.registry.functions.getWork(work_id))[2])
        self._call(self.rules.functions.checkSale(work_id, work_type, rights, list(territories)))


def deciding_status(attestations: Iterable[Any], kind: int, territory: int, now: int) -> AttestationStatus:
    """The :class:`AttestationStatus` the registry would answer for ``kind`` in ``territory`` at time ``now``,
    worked out from a work's recorded attestations (a mirror's rows, or ``AttestationRecorded`` logs up to a
    block): objects with ``attestation_id``, ``kind``, ``territory``, ``decision``, ``valid_from``,
    ``valid_until`` and ``revoked``. The registry's rule (``WorkRegistry._deciding``): the latest for that
    territory, else the latest for territory 0 (everywhere); a revoked one reads decision NONE."""
    rows = [a for a in attestations if int(a.kind) == kind]
    own = [a for a in rows if int(a.territory) == territory]
    pool = own or [a for a in rows if int(a.territory) == 0]
    if not pool:
        return AttestationStatus(0, Decision.NONE, 0, 0, False)
    latest = max(pool, key=lambda a: int(a.attestation_id))
    decision = Decision.NONE if latest.revoked else Decision(int(latest.decision))
    found = AttestationStatus(
        int(latest.attestation_id), decision, int(latest.valid_from), int(latest.valid_until), False
    )
    return replace(found, live=found.state(now) == "met")
