"""Pages for people: the catalogue at ``/`` linking to each work's provenance page."""

from __future__ import annotations

import html

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlmodel import col, select

from indexer import models as m

from ..deps import SessionDep
from ..models import checksum
from .works import work_public

router = APIRouter(tags=["pages"])


@router.get("/", operation_id="pages-catalogue", response_class=HTMLResponse, include_in_schema=False)
def catalogue_page(session: SessionDep) -> HTMLResponse:
    """The newest works, each linked to its provenance page and its content."""
    works = session.exec(select(m.Work).order_by(col(m.Work.work_id).desc()).limit(200)).all()
    rows = []
    for w in works:
        p = work_public(session, w)
        owners = ", ".join(f"{checksum(o.account)[:10]}… {o.bps / 100:g}%" for o in p.owners)
        rows.append(
            f'<tr><td><a href="/provenance/{p.work_id}">#{p.work_id}</a></td><td>{html.escape(p.work_type)}</td>'
            f"<td>{html.escape(p.status)}</td><td>{html.escape(owners)}</td>"
            f'<td><a href="/ipfs/{html.escape(p.content_cid)}"><code>{html.escape(p.content_cid[:16])}…</code></a></td>'
            f'<td><a href="/ipfs/{html.escape(p.metadata_cid)}">metadata</a></td><td>{p.registered_block}</td></tr>'
        )
    body = "".join(rows) or '<tr><td colspan="7">No works mirrored yet.</td></tr>'
    return HTMLResponse(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Copyright Hub · catalogue</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1000px; color: #0f172a; }}
table {{ border-collapse: collapse; width: 100%; }} td, th {{ border-bottom: 1px solid #e2e8f0; padding: .4rem; text-align: left; }}
</style></head><body>
<h1>Copyright Hub</h1>
<p>Works registered on chain, as mirrored by the indexer. Each provenance page re-checks the mirror
against the chain. API: <a href="/docs">/docs</a>.</p>
<table id="works"><tr><th>work</th><th>type</th><th>status</th><th>owners</th><th>content</th><th></th><th>block</th></tr>
{body}</table></body></html>""")
