"""The one module that computes commit–reveal registration values (issue 14) and keeps their salts.

A pending ``registerWork`` is public, so a studio commits first (``IWorkRegistry.commitRegistration``)
to ``keccak256(abi.encode(registrant, root, salt))``: ``root`` is a Merkle root over the works'
leaves ``keccak256(abi.encode(contentDigest))`` with sorted-pair hashing (OpenZeppelin ``MerkleProof``;
one work: the root is its leaf, its proof empty), ``salt`` a secret. From the next block until
``REVEAL_WINDOW`` after the commit, ``revealWorks(root, salt, works, proofs)`` registers them with the
commit's block and time as their priority.

The salt must survive until every work is revealed, or the priority is lost: :class:`CommitJournal`
keeps one JSON file per commitment (written to a temporary file, fsynced, renamed, mode 0600, the
folder fsynced too), so a process killed between commit and reveal resumes from the file.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from .errors import ConfigurationError

#: Chain id of the local devnet, where registration is one step unless a setting says otherwise.
DEVNET_CHAIN_ID = 31337
#: ``COPYRIGHT_HUB_COMMIT_REVEAL``: ``auto`` (commit–reveal except on the devnet), ``on`` or ``off``.
COMMIT_REVEAL_ENV = "COPYRIGHT_HUB_COMMIT_REVEAL"
#: ``COPYRIGHT_HUB_COMMIT_JOURNAL``: the folder that keeps salts until their works are revealed.
COMMIT_JOURNAL_ENV = "COPYRIGHT_HUB_COMMIT_JOURNAL"


def use_commit_reveal(chain_id: int, setting: str | None = None) -> bool:
    """Whether registrations commit first: ``setting`` (or the environment) ``on``/``off``, else
    ``auto``: everywhere but the local devnet (chain id 31337)."""
    value = (setting if setting is not None else os.environ.get(COMMIT_REVEAL_ENV, "auto")).strip().lower()
    if value in ("on", "true", "1", "yes"):
        return True
    if value in ("off", "false", "0", "no"):
        return False
    if value != "auto":
        raise ConfigurationError(f"{COMMIT_REVEAL_ENV} must be auto, on or off, got {value!r}")
    return chain_id != DEVNET_CHAIN_ID


def leaf(content_digest: bytes) -> bytes:
    """A work's Merkle leaf: ``keccak256(abi.encode(contentDigest))``."""
    return keccak(encode(["bytes32"], [content_digest]))


def _pair(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a < b else keccak(b + a)


def _layers(digests: Sequence[bytes]) -> list[list[bytes]]:
    if not digests:
        raise ConfigurationError("a commitment needs at least one work")
    layer = [leaf(d) for d in digests]
    layers = [layer]
    while len(layer) > 1:
        # an odd node goes up unchanged (no sibling, no proof element)
        layer = [_pair(layer[i], layer[i + 1]) if i + 1 < len(layer) else layer[i] for i in range(0, len(layer), 2)]
        layers.append(layer)
    return layers


def merkle_root(digests: Sequence[bytes]) -> bytes:
    """The root over ``digests`` (in the order given)."""
    return _layers(digests)[-1][0]


def merkle_proofs(digests: Sequence[bytes]) -> list[list[bytes]]:
    """Per digest, its proof against :func:`merkle_root` of the same list."""
    layers = _layers(digests)
    proofs: list[list[bytes]] = []
    for index in range(len(digests)):
        proof, i = [], index
        for layer in layers[:-1]:
            sibling = i ^ 1
            if sibling < len(layer):
                proof.append(layer[sibling])
            i //= 2
        proofs.append(proof)
    return proofs


def commitment(registrant: str, root: bytes, salt: bytes) -> bytes:
    """``keccak256(abi.encode(registrant, root, salt))``: what ``commitRegistration`` takes."""
    return keccak(encode(["address", "bytes32", "bytes32"], [to_checksum_address(registrant), root, salt]))


def new_salt() -> bytes:
    return secrets.token_bytes(32)


@dataclass
class PendingCommit:
    """One commitment and what its reveal needs: the registrant, the digests in tree order, the salt,
    where it was committed, and which digests are revealed so far."""

    chain_id: int
    registry: str
    registrant: str
    digests: list[str]
    salt: str
    commitment: str
    commit_tx: str = ""
    commit_block: int = 0
    committed_at: int = 0
    revealed: list[str] = field(default_factory=list)

    @property
    def root(self) -> bytes:
        return merkle_root([bytes.fromhex(d[2:]) for d in self.digests])

    def proofs_for(self, digests: Sequence[bytes]) -> list[list[bytes]]:
        """The Merkle proof of each of ``digests`` (the tree is built once)."""
        index = {d: i for i, d in enumerate(self.digests)}
        missing = ["0x" + d.hex() for d in digests if "0x" + d.hex() not in index]
        if missing:
            raise ConfigurationError(f"digest {missing[0]} is not in commitment {self.commitment}; commit it first")
        every = merkle_proofs([bytes.fromhex(d[2:]) for d in self.digests])
        return [every[index["0x" + d.hex()]] for d in digests]

    @property
    def done(self) -> bool:
        return set(self.revealed) >= set(self.digests)


class CommitJournal:
    """Salts on disk until revealed: one ``<commitment>.json`` per commitment, 0600, fsynced."""

    def __init__(self, folder: Path | str | None = None) -> None:
        default = Path(os.environ.get(COMMIT_JOURNAL_ENV) or Path.home() / ".copyright-hub" / "commits")
        self.folder = Path(folder) if folder is not None else default

    def _path(self, commitment_hex: str) -> Path:
        return self.folder / f"{commitment_hex.lower()}.json"

    def save(self, pending: PendingCommit) -> Path:
        """Write ``pending`` durably (temp file, fsync, rename, fsync the folder)."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._path(pending.commitment)
        tmp = path.with_suffix(".tmp")
        data = json.dumps(asdict(pending), indent=1).encode()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        dir_fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return path

    def load(self, commitment_hex: str) -> PendingCommit:
        path = self._path(commitment_hex)
        try:
            return PendingCommit(**json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ConfigurationError(f"no journal entry for commitment {commitment_hex} in {self.folder}") from None
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(f"journal entry {path} is unreadable ({exc}); restore it from a backup") from None

    def pending(self, chain_id: int, registry: str, registrant: str) -> list[PendingCommit]:
        """Commitments of ``registrant`` on this registry whose works are not all revealed, oldest first."""
        found = []
        for path in sorted(self.folder.glob("0x*.json")) if self.folder.is_dir() else []:
            entry = self.load(path.stem)
            same = entry.chain_id == chain_id and int(entry.registry, 16) == int(registry, 16)
            if same and int(entry.registrant, 16) == int(registrant, 16) and not entry.done:
                found.append(entry)
        return sorted(found, key=lambda e: (e.commit_block == 0, e.commit_block))

    def find(self, chain_id: int, registry: str, registrant: str, digests: Sequence[bytes]) -> PendingCommit | None:
        """An unfinished commitment covering every one of ``digests`` (resume it: its priority stands)."""
        wanted = {"0x" + d.hex() for d in digests}
        for entry in self.pending(chain_id, registry, registrant):
            if wanted <= set(entry.digests):
                return entry
        return None

    def forget(self, pending: PendingCommit) -> None:
        self._path(pending.commitment).unlink(missing_ok=True)


def as_json(pending: PendingCommit) -> dict[str, Any]:
    return asdict(pending)


__all__ = [
    "COMMIT_JOURNAL_ENV",
    "COMMIT_REVEAL_ENV",
    "DEVNET_CHAIN_ID",
    "CommitJournal",
    "PendingCommit",
    "as_json",
    "commitment",
    "leaf",
    "merkle_proofs",
    "merkle_root",
    "new_salt",
    "use_commit_reveal",
]
