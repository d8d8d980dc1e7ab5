"""Wrapped content keys, filed per work and licensee account, and the X25519 public keys accounts
register to receive them.

The studio never gives the hub a plaintext content key. It wraps the key for each licensee's X25519
public key (:func:`client_sdk.content.crypto.wrap_key`) and files the wrapped copies here; the API
hands a wrapped copy only to an account that signs in (SIWE) with a fresh server nonce and holds a
licence that entitles it to the master (:class:`~api.stores.licences.LicenceChecker`).

Both live in the database (tables ``api_wrapped_key`` and ``api_encryption_key``,
:mod:`indexer.tables.api_state`), so every API process and host releases the same keys. Accounts are
stored lower-case like the mirror's addresses (they join with its ``licence`` table) and handed out
EIP-55 checksummed.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass

import sqlalchemy as sa
from eth_utils import is_address, to_checksum_address
from sqlalchemy.engine import Engine

from client_sdk import WorkStatus
from client_sdk.content.crypto import WrappedKey
from client_sdk.content.errors import ContentError
from indexer.tables import Licence, Work
from indexer.tables.api_state import EncryptionKey, WrappedContentKey

from ._shared import in_transaction, upsert
from .licences import MASTER_RIGHTS

_WORK_ID = re.compile(r"^[0-9]{1,78}$")
_PUBLIC_KEY = re.compile(r"^0x[0-9a-f]{64}$")
_WRAPPED: sa.Table = WrappedContentKey.__table__  # type: ignore[attr-defined]
_ENCRYPTION: sa.Table = EncryptionKey.__table__  # type: ignore[attr-defined]
_LICENCE: sa.Table = Licence.__table__  # type: ignore[attr-defined]
_WORK: sa.Table = Work.__table__  # type: ignore[attr-defined]


def work_id_of(work_id: int | str) -> int:
    """``work_id`` as an int; :class:`ContentError` unless it is a non-negative integer."""
    if not _WORK_ID.match(str(work_id)):
        raise ContentError(f"work id {work_id!r} must be a non-negative integer")
    return int(work_id)


def account_of(account: str) -> str:
    """``account`` lower-case, as stored; :class:`ContentError` unless it is an Ethereum address."""
    if not isinstance(account, str) or not is_address(account):
        raise ContentError(f"{account!r} is not an Ethereum address")
    return account.lower()


def public_key_hex(key: bytes | str) -> str:
    """An X25519 public key as stored: ``0x`` + 64 lower-case hex digits; :class:`ContentError` otherwise."""
    text = "0x" + key.hex() if isinstance(key, bytes) else key.lower()
    if not text.startswith("0x"):
        text = "0x" + text
    if not _PUBLIC_KEY.match(text):
        raise ContentError("an X25519 public key is 32 bytes: 64 hex digits")
    return text


class WrappedKeyStore:
    """Wrapped content keys as rows, one per (work, account); filing again replaces the copy."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(
        self, work_id: int | str, account: str, wrapped: WrappedKey, filed_by: str = "", now: float | None = None
    ) -> None:
        self.put_many(work_id, {account: wrapped}, filed_by, now)

    def put_many(
        self, work_id: int | str, wrapped: dict[str, WrappedKey], filed_by: str = "", now: float | None = None
    ) -> None:
        """File every ``account -> wrapped`` copy of one work in one transaction (all or none)."""
        work = work_id_of(work_id)
        at = int(time.time() if now is None else now)
        filer = account_of(filed_by) if filed_by else ""
        rows = [
            {
                "work_id": work, "account": account_of(account), "recipient_public": public_key_hex(w.recipient_public),
                "wrapped": json.dumps(w.to_json(), sort_keys=True), "filed_by": filer, "filed_at": at,
            }
            for account, w in wrapped.items()
        ]  # fmt: skip

        def write(conn: sa.Connection) -> None:
            for row in rows:
                keep = {k: v for k, v in row.items() if k not in ("work_id", "account")}
                conn.execute(upsert(self.engine, _WRAPPED, row, ["work_id", "account"], keep))

        in_transaction(self.engine, write)

    def get(self, work_id: int | str, account: str) -> WrappedKey | None:
        stmt = sa.select(_WRAPPED.c.wrapped).where(
            _WRAPPED.c.work_id == work_id_of(work_id), _WRAPPED.c.account == account_of(account)
        )
        text = in_transaction(self.engine, lambda conn: conn.execute(stmt).scalar_one_or_none())
        return None if text is None else WrappedKey.from_json(json.loads(text))


@dataclass(frozen=True)
class PendingLicensee:
    """A licensee waiting for a wrapped key: a licence entitling it to the master, a registered
    encryption key, and no copy on file sealed for that key."""

    account: str  # EIP-55
    public_key: str  # 0x + 64 hex
    licence_id: int


class EncryptionKeyStore:
    """The X25519 public key each account registered; registering again replaces it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def register(self, account: str, public_key: bytes | str, now: float | None = None) -> str:
        """Store ``account``'s key; returns it as stored (``0x`` + 64 hex)."""
        row = {"account": account_of(account), "public_key": public_key_hex(public_key),
               "registered_at": int(time.time() if now is None else now)}  # fmt: skip
        stmt = upsert(self.engine, _ENCRYPTION, row, ["account"], {k: row[k] for k in ("public_key", "registered_at")})
        in_transaction(self.engine, lambda conn: conn.execute(stmt))
        return str(row["public_key"])

    def get(self, account: str) -> str | None:
        stmt = sa.select(_ENCRYPTION.c.public_key).where(_ENCRYPTION.c.account == account_of(account))
        return in_transaction(self.engine, lambda conn: conn.execute(stmt).scalar_one_or_none())

    def pending(self, work_id: int | str, now: float | None = None, limit: int = 1000) -> list[PendingLicensee]:
        """Holders of a licence on ``work_id`` that is valid at ``now`` by the mirror and grants a right
        in :data:`~api.stores.licences.MASTER_RIGHTS`, who registered an encryption key and have no
        copy filed for it; nobody while the work is frozen. The mirror only chooses whom to wrap for;
        release asks the chain again."""
        work = work_id_of(work_id)
        at = int(time.time() if now is None else now)
        filed = sa.exists().where(
            _WRAPPED.c.work_id == _LICENCE.c.work_id,
            _WRAPPED.c.account == _LICENCE.c.holder,
            _WRAPPED.c.recipient_public == _ENCRYPTION.c.public_key,
        )
        frozen = sa.exists().where(_WORK.c.work_id == work, _WORK.c.status == int(WorkStatus.FROZEN))
        stmt = (
            sa.select(_LICENCE.c.holder, _ENCRYPTION.c.public_key, sa.func.min(_LICENCE.c.licence_id))
            .join(_ENCRYPTION, _ENCRYPTION.c.account == _LICENCE.c.holder)
            .where(
                ~frozen,
                _LICENCE.c.work_id == work,
                _LICENCE.c.revoked == sa.false(),
                _LICENCE.c.start <= at,
                _LICENCE.c.end > at,
                _LICENCE.c.rights.op("&")(int(MASTER_RIGHTS)) != 0,
                ~filed,
            )
            .group_by(_LICENCE.c.holder, _ENCRYPTION.c.public_key)
            .order_by(_LICENCE.c.holder)
            .limit(limit)
        )
        rows = in_transaction(self.engine, lambda conn: conn.execute(stmt).all())
        return [PendingLicensee(to_checksum_address(h), k, int(lic)) for h, k, lic in rows]
