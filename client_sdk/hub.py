"""The Hub client: the SDK's front door to a deployed Copyright Hub."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError, ContractLogicError
from web3.logs import DISCARD

from ._config import DEFAULT_RPC_URL, default_deployments_dir
from .artifacts import load_artifact
from .chain import connect, raise_for_revert, send_transaction
from .errors import ConfigurationError, DeploymentNotFound
from .manifest import Deployment, manifest_path, read_manifest


@dataclass(frozen=True)
class Work:
    """A registered work as the chain holds it."""

    work_id: int
    owner: str
    content_digest: bytes
    content_cid: str
    metadata_cid: str
    work_type: int
    registered_at: int


@dataclass(frozen=True)
class Registration:
    work_id: int
    tx_hash: str
    block_number: int


class Hub:
    """Reads from and writes to one hub deployment. Signing happens here, with a local key.

    Use as a context manager or call :meth:`close`.
    """

    def __init__(self, w3: Web3, deployment: Deployment, account: LocalAccount | None = None) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.account = account
        self.registry: Contract = self._contract("WorkRegistry")

    @classmethod
    def connect(
        cls,
        rpc_url: str = DEFAULT_RPC_URL,
        *,
        deployments_dir: Path | None = None,
        account: LocalAccount | None = None,
    ) -> Hub:
        """Connect to ``rpc_url`` and load its chain's manifest (refusing one for another chain)."""
        w3 = connect(rpc_url)
        chain_id = w3.eth.chain_id
        path = manifest_path(chain_id, deployments_dir or default_deployments_dir())
        if not path.exists():
            raise DeploymentNotFound(chain_id, f"no manifest at {path}")
        return cls(w3, read_manifest(path, expected_chain_id=chain_id), account)

    def _contract(self, name: str) -> Contract:
        return self.w3.eth.contract(
            address=Web3.to_checksum_address(self.deployment.address(name)), abi=load_artifact(name).abi
        )

    def _signer(self) -> LocalAccount:
        if self.account is None:
            raise ConfigurationError("this Hub has no account; pass account= to sign transactions")
        return self.account

    def _call(self, fn: Any) -> Any:
        try:
            return fn.call()
        except (ContractCustomError, ContractLogicError) as exc:
            raise_for_revert(exc)
            raise

    def _transact(self, contract: Contract, function: str, *args: Any, value: int = 0) -> Any:
        """Sign and send ``contract.function(*args)``; a would-be revert raises before anything is sent."""
        account = self._signer()
        data = contract.encode_abi(function, args=list(args))
        tx = {"from": account.address, "to": contract.address, "data": data, "value": value}
        return send_transaction(self.w3, account, tx)

    # -- works ---------------------------------------------------------------------------------

    def register_work(
        self, content_digest: bytes, content_cid: str, metadata_cid: str, work_type: int = 0
    ) -> Registration:
        """Register a work owned by this Hub's account; reverts raise typed errors and change nothing."""
        if len(content_digest) != 32:
            raise ConfigurationError(f"content_digest must be 32 bytes (sha256), got {len(content_digest)}")
        receipt = self._transact(self.registry, "registerWork", content_digest, content_cid, metadata_cid, work_type)
        (event,) = self.registry.events.WorkRegistered().process_receipt(receipt, errors=DISCARD)
        return Registration(
            work_id=event["args"]["workId"],
            tx_hash=HexBytes(receipt["transactionHash"]).to_0x_hex(),
            block_number=receipt["blockNumber"],
        )

    def get_work(self, work_id: int) -> Work:
        """The work as stored on chain; :class:`~client_sdk.errors.WorkNotFound` if it does not exist."""
        record = self._call(self.registry.functions.getWork(work_id))
        owner = self._call(self.registry.functions.ownerOf(work_id))
        digest, registered_at, work_type, content_cid, metadata_cid = record
        return Work(work_id, owner, bytes(digest), content_cid, metadata_cid, work_type, registered_at)

    def close(self) -> None:
        provider = self.w3.provider
        close = getattr(provider, "disconnect", None) or getattr(provider, "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                close()

    def __enter__(self) -> Hub:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
