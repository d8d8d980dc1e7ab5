"""The one module that renders pages for people: Jinja2 over ``api/templates``, autoescaped (every
value is HTML-escaped unless a template says otherwise), with the few filters the pages share."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi.responses import HTMLResponse

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

#: colour of each provenance event kind, in the timeline and the event table
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
#: colours of the owners' shares, in order
SHARE_PALETTE = ["#2563eb", "#16a34a", "#ea580c", "#7c3aed", "#0891b2", "#ca8a04"]


def _pct(bps: int) -> str:
    """Basis points as a percentage without trailing zeros: 7000 -> "70"."""
    return f"{bps / 100:g}"


def _utc(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # templates ship with the package: compiled once, never stat()ed again on a render (the check
        # was 6% of the catalogue page's CPU)
        auto_reload=False,
    )
    env.filters.update(pct=_pct, utc=_utc, colour=lambda kind: KIND_COLOURS.get(kind, "#475569"))
    env.globals.update(palette=SHARE_PALETTE)
    return env


def render(env: jinja2.Environment, template: str, **context: Any) -> HTMLResponse:
    return HTMLResponse(env.get_template(template).render(**context))
