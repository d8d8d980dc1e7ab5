"""``copyright-hub index`` end to end: backfill with --once, --rebuild, and clean errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import Chain, MirrorFactory, dump, index_once

REPO = Path(__file__).resolve().parents[2]


def _index(chain: Chain, url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "copyright_hub.cli", "index", "--once", "--rpc", chain.node.url,
            "--database-url", url, "--deployments", str(chain.deployments_dir), *extra]  # fmt: skip
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=120)


def test_index_once_then_rebuild_gives_the_same_mirror(chain: Chain, new_mirror: MirrorFactory) -> None:
    chain.register(6, per_block=3, account=4)
    mirror = new_mirror()
    first = _index(chain, mirror.url)
    assert first.returncode == 0, first.stderr
    assert f"mirrored chain {chain.deployment.chain_id} to block {chain.w3.eth.block_number}" in first.stderr
    before = dump(mirror.url)
    again = _index(chain, mirror.url, "--rebuild", "--quiet")
    assert again.returncode == 0, again.stderr
    assert dump(mirror.url) == before
    fresh = new_mirror()
    index_once(fresh, chain)
    assert dump(fresh.url) == before


def test_missing_manifest_is_one_clear_error(chain: Chain, new_mirror: MirrorFactory, tmp_path: Path) -> None:
    mirror = new_mirror()
    argv = [sys.executable, "-m", "copyright_hub.cli", "index", "--once", "-q", "--rpc", chain.node.url,
            "--database-url", mirror.url, "--deployments", str(tmp_path)]  # fmt: skip
    result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "error:" in result.stderr and "Traceback" not in result.stderr, result.stderr
