"""Pages for people: the catalogue at ``/`` linking to each work's provenance page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from ..deps import Page
from ..read import CachedRoute, in_session, list_rows, present
from ..rendering import render
from ..resources import WORKS
from ..services import services_of

router = APIRouter(tags=["pages"], route_class=CachedRoute)

#: how many of the newest works the catalogue page shows
CATALOGUE_SIZE = 200


@router.get("/", operation_id="pages-catalogue", response_class=HTMLResponse, include_in_schema=False)
async def catalogue_page(request: Request) -> HTMLResponse:
    """The newest works, each linked to its provenance page and its content (queries and rendering in
    one thread hand-off)."""
    templates = services_of(request.app).templates

    def answer(session: Session) -> HTMLResponse:
        rows, _count = list_rows(session, WORKS, [], Page(CATALOGUE_SIZE, 0))
        return render(templates, "catalogue.html", works=present(session, WORKS, rows))

    return await in_session(request, answer)
