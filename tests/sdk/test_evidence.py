"""client_sdk.evidence without a chain: the URL allow list, the similarity's fallbacks."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from client_sdk.content import LocalBlockStore
from client_sdk.evidence import EVIDENCE_ALLOW_ENV, AllowList, SourceNotAllowed, check_source, similarity


@pytest.mark.parametrize(
    ("entries", "url"),
    [
        (["127.0.0.1"], "http://127.0.0.1:8080/a.mp4"),
        (["127.0.0.0/8"], "https://127.1.2.3/a.mp4"),
        (["::1"], "http://[::1]:9000/a"),
        (["video.example.com"], "https://VIDEO.example.com./watch?v=1"),
        (["127.0.0.0/8, ::1"], "http://localhost:8000/a"),  # a name is allowed when all its addresses are
    ],
)
def test_allowed_urls(entries: list[str], url: str) -> None:
    AllowList.parse(entries).check(url)


@pytest.mark.parametrize(
    ("entries", "url", "why"),
    [
        ([], "http://127.0.0.1/a", "the allow list is empty"),
        (["10.0.0.0/8"], "http://127.0.0.1/a", "127.0.0.1 (127.0.0.1) is not in the allow list"),
        (["example.com"], "http://video.example.com/a", "is not in the allow list"),
        (["127.0.0.1"], "file:///etc/passwd", "only http and https"),
        (["127.0.0.1"], "http:///nohost", "names no host"),
        (["127.0.0.1"], "http://no-such-host.invalid/a", "does not resolve"),
    ],
)
def test_refused_urls_say_why(entries: list[str], url: str, why: str) -> None:
    with pytest.raises(SourceNotAllowed, match=re.escape(why)) as info:
        AllowList.parse(entries).check(url)
    assert "Nothing was recorded" in str(info.value) and EVIDENCE_ALLOW_ENV in str(info.value)


def test_the_environment_adds_to_the_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(EVIDENCE_ALLOW_ENV, "192.0.2.0/24,cdn.example")
    allow = AllowList.from_env(["127.0.0.1"])
    allow.check("http://192.0.2.9/a")
    allow.check("http://127.0.0.1/a")
    with pytest.raises(SourceNotAllowed):
        check_source("http://198.51.100.1/a", allow)


def test_similarity_says_why_it_cannot_compare(tmp_path: Path) -> None:
    copy = tmp_path / "copy.bin"
    copy.write_bytes(b"captured")
    digest = hashlib.sha256(b"captured").digest()
    same = similarity(copy, digest, digest, "bafyanything", None)
    assert same["identical"] is True and same["match"] == "identical" and same["reason"] is None
    store = LocalBlockStore(tmp_path / "store")
    other = similarity(copy, digest, b"\x01" * 32, "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", store)
    assert other["match"] is None and "does not hold the registered work's file" in other["reason"]
    master = store.add(b"ciphertext, not the plaintext")  # what an encrypted master's CID names
    hidden = similarity(copy, digest, b"\x01" * 32, str(master), store)
    assert "encrypted master" in hidden["reason"]
