"""Liveness of the API itself."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/health", tags=["health"])


@router.get("", operation_id="health-get")
def get_health() -> dict[str, str]:
    return {"status": "ok"}
