"""Provenance: a work's history, re-checked against the chain, as JSON and as a page for people."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from client_sdk import Hub

from ..deps import SessionDep, get_hub
from ..models import OwnerPublic, Provenance
from ..problems import Problem
from ..provenance import provenance
from .works import get_work_row, owners_of, work_public

router = APIRouter(tags=["provenance"])

KIND_COLOURS = {
    "registered": "#2563eb",
    "transferred": "#7c3aed",
    "metadata": "#0891b2",
    "status": "#dc2626",
    "attestation": "#16a34a",
    "offer": "#ca8a04",
    "licence": "#ea580c",
    "dispute": "#b91c1c",
}


def _hub_or_none(request: Request) -> Hub | None:
    try:
        return get_hub(request)
    except Problem:
        return None


@router.get("/works/{work_id}/provenance", operation_id="provenance-get")
def get_provenance(work_id: int, session: SessionDep, request: Request) -> Provenance:
    """The work's history from the mirror, and each mirrored field next to what the chain says."""
    work = get_work_row(session, work_id)
    record, _problem = provenance(session, _hub_or_none(request), work)
    return record


@router.get("/provenance/{work_id}", operation_id="provenance-page", response_class=HTMLResponse)
def provenance_page(work_id: int, session: SessionDep, request: Request) -> HTMLResponse:
    """A page an auditor can read: verification against the chain, owners, and a timeline."""
    work = get_work_row(session, work_id)
    record, problem = provenance(session, _hub_or_none(request), work)
    public = work_public(session, work)
    return HTMLResponse(_render(record, public.model_dump(), owners_of(session, work), problem))


def _e(value: object) -> str:
    return html.escape(str(value))


def _time(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _timeline_svg(record: Provenance) -> str:
    events = record.events
    if not events:
        return "<p>No events mirrored yet.</p>"
    width, left, step = 900, 40, max(60, 820 // max(1, len(events)))
    width = max(width, left * 2 + step * (len(events) - 1))
    parts = [f'<svg id="timeline" viewBox="0 0 {width} 120" width="100%" role="img" aria-label="timeline">']
    parts.append(f'<line x1="{left}" y1="50" x2="{width - left}" y2="50" stroke="#94a3b8" stroke-width="2"/>')
    for i, ev in enumerate(events):
        x = left + i * step
        colour = KIND_COLOURS.get(ev.kind, "#475569")
        parts.append(
            f'<g class="event" data-kind="{_e(ev.kind)}"><title>{_e(ev.summary)} (block {ev.block_number})</title>'
            f'<circle cx="{x}" cy="50" r="9" fill="{colour}"/>'
            f'<text x="{x}" y="80" font-size="11" text-anchor="middle">{_e(ev.kind)}</text>'
            f'<text x="{x}" y="96" font-size="10" text-anchor="middle" fill="#64748b">#{ev.block_number}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _owners_bar(owners: list[OwnerPublic]) -> str:
    palette = ["#2563eb", "#16a34a", "#ea580c", "#7c3aed", "#0891b2", "#ca8a04"]
    cells = []
    for i, o in enumerate(owners):
        pct = o.bps / 100
        cells.append(
            f'<div class="share" style="width:{pct}%;background:{palette[i % len(palette)]}" '
            f'title="{_e(o.account)}: {pct:g}%">{pct:g}%</div>'
        )
    rows = "".join(f"<tr><td><code>{_e(o.account)}</code></td><td>{o.bps / 100:g}%</td></tr>" for o in owners)
    return f'<div class="bar">{"".join(cells)}</div><table>{rows}</table>'


def _render(record: Provenance, work: dict[str, Any], owners: list[OwnerPublic], problem: str | None) -> str:
    if record.verified:
        verdict = '<p class="verdict ok" id="verdict">✔ Every mirrored field matches the chain.</p>'
    elif problem:
        verdict = f'<p class="verdict warn" id="verdict">⚠ Not verified: {_e(problem)}</p>'
    else:
        verdict = '<p class="verdict bad" id="verdict">✘ The mirror differs from the chain (see below).</p>'
    checks = "".join(
        f'<tr class="{"ok" if c.ok else "bad"}"><td>{_e(c.field)}</td><td><code>{_e(c.mirror)}</code></td>'
        f"<td><code>{_e(c.chain)}</code></td><td>{'✔' if c.ok else '✘'}</td></tr>"
        for c in record.checks
    )
    events = "".join(
        f'<tr><td>{ev.block_number}</td><td>{_time(ev.time)}</td><td><span class="kind" '
        f'style="background:{KIND_COLOURS.get(ev.kind, "#475569")}">{_e(ev.kind)}</span></td>'
        f"<td>{_e(ev.summary)}</td><td><code>{_e(ev.tx_hash[:18])}…</code></td></tr>"
        for ev in record.events
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Provenance of work {record.work_id} · Copyright Hub</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1000px; color: #0f172a; }}
code {{ font-size: 0.85em; word-break: break-all; }}
table {{ border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; }}
td, th {{ border-bottom: 1px solid #e2e8f0; padding: 0.35rem 0.5rem; text-align: left; vertical-align: top; }}
tr.bad td {{ background: #fee2e2; }}
.verdict {{ padding: 0.75rem 1rem; border-radius: 6px; font-weight: 600; }}
.verdict.ok {{ background: #dcfce7; }} .verdict.bad {{ background: #fee2e2; }} .verdict.warn {{ background: #fef9c3; }}
.bar {{ display: flex; height: 1.6rem; border-radius: 4px; overflow: hidden; }}
.share {{ color: white; font-size: 0.8rem; text-align: center; line-height: 1.6rem; }}
.kind {{ color: white; border-radius: 3px; padding: 0 0.4rem; font-size: 0.8rem; }}
dl {{ display: grid; grid-template-columns: 12rem 1fr; gap: 0.25rem 1rem; }}
</style></head>
<body>
<h1>Work #{record.work_id} <small>({_e(work["work_type"])}, {_e(work["status"])})</small></h1>
{verdict}
<dl>
<dt>Chain id</dt><dd>{record.chain_id}</dd>
<dt>Registry</dt><dd><code>{_e(record.registry)}</code></dd>
<dt>Content sha256</dt><dd><code id="digest">{_e(work["content_digest"])}</code></dd>
<dt>Content CID</dt><dd><a href="/ipfs/{_e(work["content_cid"])}"><code>{_e(work["content_cid"])}</code></a></dd>
<dt>Metadata CID</dt><dd><a href="/ipfs/{_e(work["metadata_cid"])}"><code>{_e(work["metadata_cid"])}</code></a>
 (version {work["metadata_version"]})</dd>
<dt>Registered</dt><dd>block {work["registered_block"]}, {_time(work["registered_at"])},
 tx <code>{_e(work["registered_tx"])}</code></dd>
</dl>
<h2>Owners and revenue splits</h2>
{_owners_bar(owners)}
<h2>Timeline</h2>
{_timeline_svg(record)}
<table id="events"><tr><th>block</th><th>time</th><th>event</th><th>what</th><th>tx</th></tr>{events}</table>
<h2>Mirror re-checked against the chain</h2>
<table id="checks"><tr><th>field</th><th>mirror</th><th>chain</th><th></th></tr>{checks}</table>
<p>Re-check it yourself: <code>copyright-hub verify {record.work_id}</code> reads the chain directly, and
<code>copyright-hub cid FILE</code> recomputes the content id of your copy of the file.</p>
</body></html>"""
