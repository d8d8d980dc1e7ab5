"""The one module that answers, from the mirror, which distribution requirements apply to a work and
whether each is met: for ``GET /works/{id}/requirements`` (:mod:`api.routes.requirements`) and the work
page (an offer that cannot sell names the territory and the kind instead of a Buy button).

The rules are the SDK's, not written again here: :meth:`client_sdk.Requirement.applies_to` (work type
and rights masks), :func:`client_sdk._distribution.deciding_status` (which attestation decides a kind in
a territory, as ``WorkRegistry.attestationStatus`` does) and :meth:`AttestationStatus.state` (met,
missing, rejected, revoked, not yet valid, expired). The mirror gives the active requirements
(``distribution_requirement``), the kinds' names (``attestation_kind``) and the work's attestations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from client_sdk._distribution import Requirement, RequirementCompliance, deciding_status, judge
from indexer import models as m
from indexer.tables.distribution import AttestationKindRow, DistributionRequirement


def active_requirements(session: Session, territories: Iterable[int] | None = None) -> dict[int, list[Requirement]]:
    """The active requirements by territory (of ``territories`` only, when given), each list by id;
    a territory without any is absent."""
    query = select(DistributionRequirement).where(col(DistributionRequirement.active).is_(True))
    if territories is not None:
        query = query.where(col(DistributionRequirement.territory).in_(list(territories)))
    out: dict[int, list[Requirement]] = {}
    for r in session.exec(query.order_by(col(DistributionRequirement.requirement_id))):
        out.setdefault(int(r.territory), []).append(
            Requirement(int(r.territory), int(r.requirement_id), int(r.kind), int(r.work_type_mask), int(r.rights_mask))
        )
    return out


def kind_names(session: Session) -> dict[int, str]:
    """Every defined attestation kind's name, by number (``AttestationKindDefined``)."""
    return {int(k.kind): k.name for k in session.exec(select(AttestationKindRow))}


@dataclass(frozen=True)
class WorkRules:
    """What deciding a work's compliance needs, read once per request: the active requirements by
    territory and the work's attestations; :meth:`compliance` then answers for any rights and territories."""

    work_type: int
    requirements: dict[int, list[Requirement]]
    attestations: tuple[m.Attestation, ...]
    now: int

    @classmethod
    def read(cls, session: Session, work_id: int, work_type: int, now: int) -> WorkRules:
        attestations = session.exec(select(m.Attestation).where(col(m.Attestation.work_id) == work_id))
        return cls(work_type, active_requirements(session), tuple(attestations), now)

    @property
    def regulated(self) -> list[int]:
        """The territories with active requirements: what a worldwide licence must meet."""
        return sorted(self.requirements)

    def compliance(
        self, *, rights: int | None = None, territories: Sequence[int] = ()
    ) -> dict[int, list[RequirementCompliance]]:
        """Per territory (``territories``, or every regulated one: a worldwide licence), the requirements
        that apply to a licence of ``rights`` (None: any rights) and how each stands; a territory none of
        whose requirements applies maps to an empty list (it does not block)."""
        return judge(
            sorted(set(territories)) if territories else self.regulated,
            lambda territory: self.requirements.get(territory, []),
            lambda kind, territory: deciding_status(self.attestations, kind, territory, self.now),
            work_type=self.work_type,
            rights=rights,
            now=self.now,
        )

    def unmet(self, rights: int, territories: Sequence[int]) -> list[RequirementCompliance]:
        """The requirements a sale of ``rights`` in ``territories`` (empty: worldwide) would fail now, in
        the order the market checks them (territory, then requirement id)."""
        checked = self.compliance(rights=rights, territories=territories)
        return [c for rows in checked.values() for c in rows if not c.met]
