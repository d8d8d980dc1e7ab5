"""Test data factories: content digests, CIDs and work registrations that never collide."""

from __future__ import annotations

import hashlib
import itertools

_counter = itertools.count(1)


def unique_digest() -> bytes:
    """A fresh sha256 digest (of a unique byte string)."""
    return hashlib.sha256(f"work-{next(_counter)}".encode()).digest()


def fake_cid(tag: str = "content") -> str:
    """A syntactically plausible CIDv1 string; only for tests that do not resolve it."""
    return f"bafy{tag}{next(_counter):040d}"
