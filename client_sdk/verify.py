"""Independent verification for auditors: a file against its registration, straight from the chain.

Nothing here reads the hub's database or API: the work comes from the registry contract and its
events, the digest and CID are recomputed from the file (streaming, one pass for sha256 and CID).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from .content.cid import CID, import_stream, open_regular_file
from .hub import Hub, Work


@dataclass(frozen=True)
class Check:
    name: str
    expected: str
    actual: str

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


@dataclass(frozen=True)
class Verification:
    """What was checked and whether every check held. ``work`` is None when the file is unregistered."""

    work: Work | None
    sha256: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.work is not None and all(c.ok for c in self.checks)


class _HashingReader:
    """Wraps a binary stream; every byte read also goes into a sha256."""

    def __init__(self, inner: BinaryIO) -> None:
        self.inner = inner
        self.sha256 = hashlib.sha256()

    def readinto(self, buf: Any) -> int:
        n = self.inner.readinto(buf)  # type: ignore[attr-defined]
        if n:
            self.sha256.update(memoryview(buf)[:n])
        return int(n or 0)


def digest_and_cid(
    path: str | os.PathLike[str], cid_version: int = 0, on_progress: Callable[[int], None] | None = None
) -> tuple[bytes, CID]:
    """sha256 and the ``ipfs add`` CID of a file, in one streaming pass."""
    with open_regular_file(path) as fh:
        reader = _HashingReader(fh)
        result = import_stream(reader, cid_version, on_progress=on_progress)  # type: ignore[arg-type]
    return reader.sha256.digest(), result.cid


def verify_file(
    hub: Hub,
    path: str | os.PathLike[str],
    work_id: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Verification:
    """Check a file against the chain: its sha256 is registered (as ``work_id`` if given), and the
    registered content CID is the file's CID. Raises :class:`~client_sdk.errors.WorkNotFound` for an
    unknown ``work_id``."""
    digest, cid_v0 = digest_and_cid(path, 0, on_progress)
    sha = "0x" + digest.hex()
    found = hub.work_id_by_digest(digest)
    target = work_id if work_id is not None else found
    if not target:
        return Verification(None, sha, [Check("registered", "a work for this sha256", "none")])
    work = hub.get_work(target)
    checks = [Check("content sha256", "0x" + work.content_digest.hex(), sha)]
    if work_id is not None:
        checks.append(Check("work registered for this sha256", str(work_id), str(found)))
    registered = work.content_cid
    try:
        version = CID.parse(registered).version
    except Exception:
        version = 0
    actual_cid = cid_v0 if version == 0 else digest_and_cid(path, 1)[1]
    checks.append(Check("content CID", registered, str(actual_cid)))
    return Verification(work, sha, checks)
