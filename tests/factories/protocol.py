"""Factories for protocol objects: terms (the scenario builder's defaults) and work inputs."""

from __future__ import annotations

from typing import Any

from client_sdk import WorkInput
from copyright_hub.scenario import DAY, terms
from tests.factories import fake_cid, unique_digest

__all__ = ["DAY", "terms", "work_input"]


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
