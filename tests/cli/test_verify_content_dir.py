"""``verify --file ORIGINAL --content-dir DIR`` finds an encrypted master's ciphertext in DIR: the sha256 binds
the original, the registered CID is checked to be a ciphertext in that store (not only in the default one)."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from client_sdk.content import LocalBlockStore, encrypt_file, new_content_key

from .conftest import HUB, Env


def test_verify_reads_the_encrypted_master_from_the_given_store(market: Env, tmp_path: Path) -> None:
    original = tmp_path / "master.mov"
    original.write_bytes(hashlib.shake_256(b"private master").digest(100_000))
    studio_store = tmp_path / "studio-content"  # not the COPYRIGHT_HUB_CONTENT_DIR of the environment
    enc = encrypt_file(original, tmp_path / "master.chem", new_content_key(), store=LocalBlockStore(studio_store))
    work = market.hub.register_work(hashlib.sha256(original.read_bytes()).digest(), enc.ciphertext_cid, "bafymeta", 0)

    def verify(*more: str) -> subprocess.CompletedProcess[str]:
        args = [*HUB, "verify", str(work.work_id), "--file", str(original), *more]
        return subprocess.run(args, env=market.env, capture_output=True, text=True, timeout=120)

    assert verify().returncode == 1  # the default store does not hold the ciphertext: a CID mismatch
    found = verify("--content-dir", str(studio_store))
    assert found.returncode == 0, found.stdout + found.stderr
    assert "ciphertext of this encrypted master" in found.stdout
    refused = verify("--content-dir", str(tmp_path / "nowhere"))
    assert refused.returncode == 2 and "is not a folder" in refused.stderr
    assert not (tmp_path / "nowhere").exists()
