"""`copyright-hub up` / `down` end to end, isolated: own devnet port, API port, var/ and manifests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from copyright_hub.demo import DEMO_WORKS
from copyright_hub.devnet import free_port

HUB = [sys.executable, "-m", "copyright_hub.cli"]


def _get(url: str) -> object:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read())


def test_up_serves_the_demo_catalogue_and_down_stops_everything(tmp_path: Path) -> None:
    config = tmp_path / "devnet.toml"
    config.write_text(f'port = {free_port()}\nruntime_dir = "devnet"\n')
    api_port = free_port()
    env = dict(
        os.environ,
        COPYRIGHT_HUB_DEVNET_CONFIG=str(config),
        COPYRIGHT_HUB_VAR_DIR=str(tmp_path / "var"),
        COPYRIGHT_HUB_API_PORT=str(api_port),
        COPYRIGHT_HUB_DEPLOYMENTS_DIR=str(tmp_path / "deployments"),
    )
    for key in ("COPYRIGHT_HUB_DATABASE_URL", "COPYRIGHT_HUB_RPC_URL", "COPYRIGHT_HUB_CONTENT_DIR"):
        env.pop(key, None)
    try:
        up = subprocess.run([*HUB, "up"], env=env, capture_output=True, text=True, timeout=240)
        assert up.returncode == 0, up.stdout + up.stderr
        assert "Copyright Hub is up" in up.stdout and f"http://127.0.0.1:{api_port}/" in up.stdout
        # the pid files the last check expects gone are really written here (so that check can fail)
        assert {p.name for p in (tmp_path / "var" / "run").glob("*.pid")} >= {"indexer.pid", "api.pid"}
        deadline = time.monotonic() + 60
        while True:  # the indexer and its metadata worker catch up in the background
            works = _get(f"http://127.0.0.1:{api_port}/works")
            titled = {w["title_en"] for w in works["data"] if w["metadata_status"] == "ok"}  # type: ignore[index]
            if len(titled) == len(DEMO_WORKS) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert works["count"] == len(DEMO_WORKS)  # type: ignore[index]
        assert titled == {meta.title_en for meta, _seed, _size in DEMO_WORKS}  # every demo work shows its title
        provenance = _get(f"http://127.0.0.1:{api_port}/works/1/provenance")
        assert provenance["verified"] is True  # type: ignore[index]
        again = subprocess.run([*HUB, "up"], env=env, capture_output=True, text=True, timeout=240)
        assert again.returncode == 0 and "0 works registered now" in again.stdout
    finally:
        down = subprocess.run([*HUB, "down"], env=env, capture_output=True, text=True, timeout=120)
    assert down.returncode == 0, down.stderr
    assert "api stopped" in down.stdout and "indexer stopped" in down.stdout and "devnet stopped" in down.stdout
    assert not list((tmp_path / "var" / "run").glob("*.pid"))
