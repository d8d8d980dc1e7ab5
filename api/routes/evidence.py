"""A work's evidence records: ``GET /works/{work_id}/evidence``. (Every record, by id or filtered, is the
plain ``evidence`` resource in :mod:`api.resources`; this route adds the work's 404.)"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlmodel import Session

from ..deps import ChainId, PageDep
from ..problems import problem_responses
from ..read import conditions, get_row, in_session, json_response, list_rows, present
from ..resources import EVIDENCE, WORKS

router = APIRouter(tags=["evidence"])


@router.get(
    "/works/{work_id}/evidence", operation_id="evidence-of-work", response_model=EVIDENCE.page,
    responses=problem_responses(404),
)  # fmt: skip
async def work_evidence(work_id: ChainId, page: PageDep, request: Request) -> Response:
    """The evidence recorded about a work, newest first (404 when the mirror has no such work)."""

    def answer(session: Session) -> Response:
        get_row(session, WORKS, work_id)
        rows, count = list_rows(session, EVIDENCE, conditions(EVIDENCE, {"work_id": work_id}), page)
        return json_response(EVIDENCE.page(data=present(session, EVIDENCE, rows), count=count))

    return await in_session(request, answer)
