"""Provenance: a work's history, re-checked against the chain, as JSON and as a page for people."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from client_sdk import Hub

from ..deps import ChainId, SessionDep, TemplatesDep, get_hub
from ..models import Provenance
from ..problems import Problem, problem_responses
from ..provenance import provenance, timeline_layout
from ..read import get_row, present
from ..rendering import render
from ..resources import WORKS

router = APIRouter(tags=["provenance"])


def _hub_or_none(request: Request) -> Hub | None:
    try:
        return get_hub(request)
    except Problem:
        return None


@router.get("/works/{work_id}/provenance", operation_id="provenance-get", responses=problem_responses(404))
def get_provenance(work_id: ChainId, session: SessionDep, request: Request) -> Provenance:
    """The work's history from the mirror, and each mirrored field next to what the chain says."""
    work = get_row(session, WORKS, work_id)
    record, _problem = provenance(session, _hub_or_none(request), work)
    return record


@router.get(
    "/provenance/{work_id}", operation_id="provenance-page", response_class=HTMLResponse,
    responses=problem_responses(404),
)  # fmt: skip
def provenance_page(work_id: ChainId, session: SessionDep, request: Request, templates: TemplatesDep) -> HTMLResponse:
    """A page an auditor can read: verification against the chain, owners, and a timeline."""
    row = get_row(session, WORKS, work_id)
    record, problem = provenance(session, _hub_or_none(request), row)
    (work,) = present(session, WORKS, [row])
    return render(
        templates, "provenance.html", record=record, work=work, problem=problem, timeline=timeline_layout(record)
    )
