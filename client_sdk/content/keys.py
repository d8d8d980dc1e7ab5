"""Key release: who may receive a work's content key, and where the wrapped keys live.

The studio never gives the hub a plaintext content key. It wraps the key for each licensee's X25519
public key (:func:`client_sdk.content.crypto.wrap_key`) and stores the wrapped copies per work and
account in a :class:`WrappedKeyStore`. The API hands a wrapped copy only to an account that signs in
(SIWE) with a fresh server nonce and holds a valid licence according to a :class:`LicenceChecker`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path
from typing import Protocol, runtime_checkable

from eth_utils import is_address, to_checksum_address

from .._files import atomic_write
from .crypto import WrappedKey
from .errors import ContentError

_WORK_ID = re.compile(r"^[0-9]{1,78}$")


@runtime_checkable
class LicenceChecker(Protocol):
    """Answers whether ``account`` holds licence ``licence_id`` for ``work_id`` and it is valid (not
    expired, not revoked, started) at unix time ``at_time``. The production implementation reads
    the licence contracts on chain."""

    def is_valid_holder(self, licence_id: int, work_id: int, account: str, at_time: int) -> bool: ...


class WrappedKeyStore:
    """Wrapped content keys, one JSON file per (work, account): ``root/<work_id>/<0xaccount>.json``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _path(self, work_id: int | str, account: str) -> Path:
        work = str(work_id)
        if not _WORK_ID.match(work):
            raise ContentError(f"work id {work_id!r} must be a non-negative integer")
        if not is_address(account):
            raise ContentError(f"{account!r} is not an Ethereum address")
        return self.root / work / f"{to_checksum_address(account)}.json"

    def put(self, work_id: int | str, account: str, wrapped: WrappedKey) -> None:
        atomic_write(self._path(work_id, account), json.dumps(wrapped.to_json(), indent=1).encode())

    def get(self, work_id: int | str, account: str) -> WrappedKey | None:
        try:
            data = json.loads(self._path(work_id, account).read_text())
        except FileNotFoundError:
            return None
        return WrappedKey.from_json(data)


class NonceStore:
    """Single-use sign-in nonces as files: issuing creates one, using it deletes it. ``unlink`` succeeds
    for exactly one caller, so a nonce is single-use even across API worker processes sharing the folder."""

    def __init__(self, root: str | os.PathLike[str], ttl_seconds: int = 600) -> None:
        self.root = Path(root)
        self.ttl = ttl_seconds
        self.root.mkdir(parents=True, exist_ok=True)

    def issue(self, now: float | None = None) -> tuple[str, int]:
        """A new nonce and its expiry (unix seconds)."""
        now = time.time() if now is None else now
        nonce = secrets.token_hex(16)
        expires = int(now) + self.ttl
        atomic_write(self.root / nonce, str(expires).encode())
        return nonce, expires

    def consume(self, nonce: str, now: float | None = None) -> bool:
        """True once for a nonce this store issued and that has not expired; False ever after."""
        if not re.fullmatch(r"[0-9a-f]{32}", nonce):
            return False
        path = self.root / nonce
        try:
            expires = int(path.read_text())
            path.unlink()
        except (FileNotFoundError, ValueError):
            return False
        return (time.time() if now is None else now) < expires
