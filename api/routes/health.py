"""Liveness of the API itself (``/health``) and readiness to serve (``/readyz``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from indexer.metrics import read_status

from ..problems import PROBLEM_JSON, Problem
from ..services import chain_call, services_of

router = APIRouter(tags=["health"])


@router.get("/health", operation_id="health-get")
def get_health() -> dict[str, str]:
    """The process answers; says nothing about the database or the chain (see ``/readyz``)."""
    return {"status": "ok"}


def _lag(row: dict[str, Any], head: int | None) -> int:
    """Blocks the mirror trails the chain: against the head asked now, else as the indexer last wrote."""
    return max(int(row["head_lag"]), 0 if head is None else head - int(row["checkpoint_block"]))


def _checks(request: Request) -> dict[str, str]:
    services = services_of(request.app)
    checks: dict[str, str] = {}
    try:
        with services.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            rows = read_status(conn)
        checks["database"] = "ok"
    except sa.exc.DBAPIError:
        checks["database"] = "unreachable"
        rows = []
    try:
        with chain_call():
            head = services.hub().w3.eth.block_number
        checks["chain"] = "ok"
    except Problem:  # the chain did not answer (its error text is internal)
        checks["chain"] = "unreachable"
        head = None
    if checks["database"] == "ok":
        bound = services.settings.ready_max_lag_blocks
        if not rows:
            checks["indexer"] = "not started"
        elif any(r["stale"] for r in rows):
            checks["indexer"] = "not running"
        elif any(_lag(r, head) > bound for r in rows):
            checks["indexer"] = f"more than {bound} blocks behind"
        else:
            checks["indexer"] = "ok"
    return checks


@router.get(
    "/readyz", operation_id="health-ready",
    responses={503: {"description": "a dependency is down", "content": {PROBLEM_JSON: {}}}},
)  # fmt: skip
def get_ready(request: Request) -> JSONResponse:
    """Ready to serve: the database answers, the chain answers, and the indexer is running and at most
    ``COPYRIGHT_HUB_READY_MAX_LAG_BLOCKS`` behind the chain's head. 503 problem naming what is not."""
    checks = _checks(request)
    if all(v == "ok" for v in checks.values()) and "indexer" in checks:
        return JSONResponse({"ready": True, "checks": checks})
    failing = ", ".join(f"{k}: {v}" for k, v in checks.items() if v != "ok")
    body = {"type": "about:blank", "title": "Not ready", "status": 503, "detail": failing, "checks": checks}
    return JSONResponse(body, status_code=503, media_type=PROBLEM_JSON)
