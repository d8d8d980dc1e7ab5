"""Shared plumbing of the Hub client: contracts, calls, signed transactions, receipts' events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError, ContractLogicError
from web3.logs import DISCARD
from web3.types import TxReceipt

from .artifacts import load_artifact
from .chain import in_ranges, raise_for_revert, send_transaction
from .errors import ConfigurationError
from .manifest import Deployment

if TYPE_CHECKING:
    from .content import ContentStore


class HubBase:
    """Holds the web3 connection, the deployment, the optional signing account and the optional
    content store (where registrations' metadata must be; see :mod:`client_sdk._works`)."""

    def __init__(
        self,
        w3: Web3,
        deployment: Deployment,
        account: LocalAccount | None = None,
        *,
        store: ContentStore | None = None,
    ) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.account = account
        self.store = store
        self.registry: Contract = self._contract("WorkRegistry")
        self.market: Contract = self._contract("LicenceMarket")
        self.resolver: Contract = self._contract("DisputeResolver")

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

    def _transact(self, contract: Contract, function: str, *args: Any, value: int = 0) -> TxReceipt:
        """Sign and send ``contract.function(*args)``; a would-be revert raises before anything is sent."""
        account = self._signer()
        data = contract.encode_abi(function, args=list(args))
        tx = {"from": account.address, "to": contract.address, "data": data, "value": value}
        return send_transaction(self.w3, account, tx)

    @staticmethod
    def _events(contract: Contract, event: str, receipt: TxReceipt) -> list[Any]:
        return list(getattr(contract.events, event)().process_receipt(receipt, errors=DISCARD))

    @staticmethod
    def _tx_hash(receipt: TxReceipt) -> str:
        return HexBytes(receipt["transactionHash"]).to_0x_hex()

    def _logs(self, contract: Contract, event: str, **filters: Any) -> list[Any]:
        """Every ``event`` of ``contract`` since the deployment matching ``filters`` (indexed arguments;
        a list means any of), in chain order, read in ranges a public gateway accepts."""
        kind = getattr(contract.events, event)()
        head = self.w3.eth.block_number
        return in_ranges(
            lambda a, b: kind.get_logs(from_block=a, to_block=b, argument_filters=filters or None),
            self._from_block, head,
        )  # fmt: skip

    @property
    def _from_block(self) -> int:
        return self.deployment.deploy_block
