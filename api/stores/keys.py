"""Wrapped content keys, filed per work and licensee account.

The studio never gives the hub a plaintext content key. It wraps the key for each licensee's X25519
public key (:func:`client_sdk.content.crypto.wrap_key`) and files the wrapped copies here; the API
hands a wrapped copy only to an account that signs in (SIWE) with a fresh server nonce and holds a
valid licence according to a :class:`~api.stores.licences.LicenceChecker`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from eth_utils import is_address, to_checksum_address

from client_sdk._files import atomic_write
from client_sdk.content.crypto import WrappedKey
from client_sdk.content.errors import ContentError

_WORK_ID = re.compile(r"^[0-9]{1,78}$")


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
