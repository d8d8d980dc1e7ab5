"""Provenance re-checked against the chain, as JSON and as a page in a real (headless) browser."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from indexer import models
from indexer.db import make_engine
from tests.api.conftest import Story, serve_app

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_provenance_is_verified_and_ordered(story: Story) -> None:
    p = story.client.get(f"/works/{story.film_id}/provenance").json()
    assert p["verified"] is True
    assert {c["field"] for c in p["checks"]} >= {"owner", "content_digest", "content_cid", "metadata_cid", "status"}
    # issue 14: the priority (here a one-step registration's own block) is checked against the chain too
    assert {"priority_block", "priority_at"} <= {c["field"] for c in p["checks"] if c["ok"]}
    work = story.client.get(f"/works/{story.film_id}").json()
    assert work["priority_at"] == work["registered_at"] and work["commitment"] is None
    page = story.client.get(f"/provenance/{story.film_id}").text
    assert 'id="priority"' in page and "registered in one step" in page
    kinds = [e["kind"] for e in p["events"]]
    assert kinds[0] == "registered"
    assert {"metadata", "attestation", "offer", "licence"} <= set(kinds)
    blocks = [e["block_number"] for e in p["events"]]
    assert blocks == sorted(blocks)


def _set_owner(story: Story, owner: str) -> str:
    """Overwrite the mirrored owner of the film (what a corrupted or forged mirror would show)."""
    with Session(make_engine(story.settings.database_url)) as session:
        work = session.get(models.Work, story.film_id)
        assert work is not None
        previous, work.owner = work.owner, owner.lower()
        session.add(work)
        session.commit()
    return previous


def test_a_tampered_mirror_is_caught_by_the_chain_check(story: Story) -> None:
    owner = _set_owner(story, story.stranger.address)
    try:
        p = story.client.get(f"/works/{story.film_id}/provenance").json()
        assert p["verified"] is False
        bad = [c for c in p["checks"] if not c["ok"]]
        assert bad == [{"field": "owner", "mirror": story.stranger.address, "chain": story.studio.address, "ok": False}]
        page = story.client.get(f"/provenance/{story.film_id}").text
        assert "differs from the chain" in page
    finally:
        _set_owner(story, owner)


@pytest.fixture(scope="module")
def served(story: Story) -> Iterator[str]:
    """The same app on a real uvicorn server on a free loopback port."""
    with serve_app(story.settings) as url:
        yield url


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "headless Chromium is required for page tests: apt-get install chromium (make test does it on CI)"
    return path


def test_provenance_page_renders_in_a_real_browser(served: str, story: Story, tmp_path: Path) -> None:
    url = f"{served}/provenance/{story.film_id}"
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=90,
    ).stdout
    assert "Every mirrored field matches the chain" in dom
    assert 'id="timeline"' in dom and dom.count('class="event"') >= 6
    assert story.studio.address in dom and "70%" in dom and "30%" in dom
    shot = tmp_path / "provenance.png"
    subprocess.run(
        [
            _chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={shot}",
            "--window-size=1100,1400",
            url,
        ],
        capture_output=True,
        timeout=90,
    )
    assert shot.exists() and shot.stat().st_size > 10_000  # a rendered page, not a blank
    keep = os.environ.get("COPYRIGHT_HUB_KEEP_SCREENSHOTS")
    if keep:
        shutil.copy(shot, Path(keep) / "provenance.png")
