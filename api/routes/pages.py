"""Pages for people: the catalogue at ``/`` linking to each work's provenance page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from ..deps import Page, SessionDep, TemplatesDep
from ..read import CachedRoute, list_rows, present
from ..rendering import render
from ..resources import WORKS

router = APIRouter(tags=["pages"], route_class=CachedRoute)

#: how many of the newest works the catalogue page shows
CATALOGUE_SIZE = 200


@router.get("/", operation_id="pages-catalogue", response_class=HTMLResponse, include_in_schema=False)
def catalogue_page(session: SessionDep, templates: TemplatesDep) -> HTMLResponse:
    """The newest works, each linked to its provenance page and its content."""
    rows, _count = list_rows(session, WORKS, [], Page(CATALOGUE_SIZE, 0))
    return render(templates, "catalogue.html", works=present(session, WORKS, rows))
