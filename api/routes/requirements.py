"""A work's distribution requirements: ``GET /works/{work_id}/requirements``, per regulated territory the
requirements that apply to the work and whether each is met now, with a link to the attestation that
decides it. (The requirements themselves, the kinds and the attestations are plain resources in
:mod:`api.resources`; the answer is :mod:`api.requirements`', which the work page shows too.)
Not cached: a state turns ``expired`` or ``met`` with the clock, not only with the mirror."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field
from sqlmodel import Session

from client_sdk._distribution import RequirementCompliance
from client_sdk.terms import Right, rights_names

from ..deps import ChainId
from ..models import RequirementCheck, TerritoryRequirements, WorkRequirements, territory
from ..problems import Problem, problem_responses
from ..read import get_row, in_session, json_response
from ..requirements import WorkRules, kind_names
from ..resources import ATTESTATIONS, RIGHT_NAMES, WORKS

router = APIRouter(tags=["requirements"])


def check_of(c: RequirementCompliance, kinds: Mapping[int, str], attestations: Mapping[int, Any]) -> RequirementCheck:
    """One requirement's state as the API shows it, with its deciding attestation's link and reference."""
    found = attestations.get(c.status.attestation_id)
    return RequirementCheck(
        requirement_id=c.requirement.requirement_id,
        kind=c.requirement.kind,
        kind_name=kinds.get(c.requirement.kind),
        rights=rights_names(c.requirement.rights_mask),
        state=c.state,
        met=c.met,
        attestation_id=c.status.attestation_id or None,
        attestation=f"{ATTESTATIONS.path}/{c.status.attestation_id}" if c.status.attestation_id else None,
        attestation_territory=int(found.territory) if found is not None else None,
        reference=found.reference if found is not None else None,
        valid_from=c.status.valid_from,
        valid_until=c.status.valid_until,
    )


def work_requirements(
    rules: WorkRules,
    work_id: int,
    kinds: dict[int, str],
    *,
    rights: int | None = None,
    territories: list[int] | None = None,
) -> WorkRequirements:
    """The answer of ``GET /works/{work_id}/requirements`` from the work's :class:`WorkRules`."""
    by_id = {int(a.attestation_id): a for a in rules.attestations}
    checked = rules.compliance(rights=rights, territories=territories or ())
    shown = [
        TerritoryRequirements(
            territory=territory(code),
            met=all(c.met for c in rows),
            requirements=[check_of(c, kinds, by_id) for c in rows],
        )
        for code, rows in checked.items()
    ]
    worldwide = rules.compliance(rights=rights) if territories else checked
    return WorkRequirements(
        work_id=work_id,
        checked_at=rules.now,
        rights=rights_names(rights) if rights else [],
        worldwide_met=all(c.met for rows in worldwide.values() for c in rows),
        territories=shown,
    )


def rules_of(session: Session, work_id: int) -> WorkRules:
    """The work's :class:`WorkRules` now (a 404 problem when the mirror lacks the work)."""
    work = get_row(session, WORKS, work_id)
    return WorkRules.read(session, work_id, int(work.work_type), int(time.time()))


RightQuery = Annotated[
    list[Annotated[str, Field(json_schema_extra={"enum": [*RIGHT_NAMES]})]] | None,
    Query(
        description="a right the licence would grant (repeatable): " + " | ".join(RIGHT_NAMES)
        + "; none given: requirements binding any right"
    ),
]  # fmt: skip
TerritoryQuery = Annotated[
    list[Annotated[int, Field(ge=1, le=999)]] | None,
    Query(description="an ISO 3166-1 numeric code to check (repeatable); none given: every regulated territory"),
]


@router.get(
    "/works/{work_id}/requirements", operation_id="requirements-of-work", response_model=WorkRequirements,
    responses=problem_responses(404, 422),
)  # fmt: skip
async def requirements_of_work(
    work_id: ChainId, request: Request, right: RightQuery = None, territory: TerritoryQuery = None
) -> Response:
    """Per territory (every regulated one, or those asked), the distribution requirements that apply to the
    work (its type; the rights asked, or any) and whether each is met now: met | missing | rejected |
    revoked | not_yet_valid | expired, with a link to the attestation that decides it."""
    unknown = [r for r in right or [] if r not in RIGHT_NAMES]
    if unknown:
        raise Problem(422, "Invalid request", f"right {unknown[0]!r} is not one of {', '.join(RIGHT_NAMES)}")
    mask = 0
    for name in right or []:
        mask |= Right[name.upper()].value

    def answer(session: Session) -> Response:
        rules = rules_of(session, work_id)
        found = work_requirements(rules, work_id, kind_names(session), rights=mask or None, territories=territory)
        return json_response(found)

    return await in_session(request, answer)
