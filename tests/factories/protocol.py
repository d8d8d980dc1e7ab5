"""Factories for protocol objects: terms and work inputs with sensible defaults."""

from __future__ import annotations

from typing import Any

from client_sdk import ETH, Right, Terms, WorkInput
from tests.factories import fake_cid, unique_digest

DAY = 86_400


def work_input(**overrides: Any) -> WorkInput:
    """A single-owner registration with fresh digest and CIDs."""
    fields: dict[str, Any] = {
        "content_digest": unique_digest(),
        "content_cid": fake_cid(),
        "metadata_cid": fake_cid("meta"),
        "work_type": 0,
    }
    fields.update(overrides)
    return WorkInput(**fields)


def terms(work_id: int, now: int, **overrides: Any) -> Terms:
    """Non-exclusive, worldwide, one year from ``now``, 0.1 ETH, information-network right."""
    fields: dict[str, Any] = {
        "work_id": work_id,
        "rights": Right.INFORMATION_NETWORK,
        "start": now,
        "end": now + 365 * DAY,
        "price": 10**17,
        "currency": ETH,
    }
    fields.update(overrides)
    return Terms(**fields)
