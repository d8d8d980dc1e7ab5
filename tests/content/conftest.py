"""Fixtures for the content tests: an independent CID implementation and a local block store.

The independent implementation is the npm package ``ipfs-unixfs-importer`` (the JavaScript IPFS
importer), installed from package.json into node_modules and run offline by ``reference_cid.mjs``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from client_sdk.content import LocalBlockStore

HERE = Path(__file__).parent
REPO = HERE.parents[1]

ReferenceCids = Callable[..., list[str]]


@pytest.fixture(scope="session")
def reference_cids() -> ReferenceCids:
    node = shutil.which("node")
    if node is None or not (REPO / "node_modules" / "ipfs-unixfs-importer").is_dir():
        pytest.fail("the independent CID implementation needs `node` and `npm ci` (ipfs-unixfs-importer)")

    def run(version: int, paths: Sequence[Path], chunk_size: int = 262_144, max_links: int = 174) -> list[str]:
        out = subprocess.run(
            [node, str(HERE / "reference_cid.mjs"), str(version), str(chunk_size), str(max_links), *map(str, paths)],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return json.loads(out.stdout)

    return run


@pytest.fixture
def store(tmp_path: Path) -> LocalBlockStore:
    return LocalBlockStore(tmp_path / "blocks")
