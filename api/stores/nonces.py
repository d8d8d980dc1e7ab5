"""Single-use sign-in nonces for key release (``GET /keys/nonce`` issues, ``POST /keys/{work_id}`` consumes)."""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from client_sdk._files import atomic_write


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
