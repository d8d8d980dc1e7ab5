"""Connecting to an EVM JSON-RPC endpoint and sending locally signed transactions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, TimeExhausted, Web3RPCError
from web3.types import TxReceipt

from ._config import DEFAULT_LOG_CHUNK_BLOCKS, DEFAULT_RECEIPT_TIMEOUT, DEFAULT_RPC_TIMEOUT
from .errors import ChainUnavailable, TransactionFailed
from .reverts import decode_revert, revert_data_from_exception

T = TypeVar("T")


def connect(rpc_url: str, timeout: float = DEFAULT_RPC_TIMEOUT) -> Web3:
    """A :class:`Web3` on ``rpc_url`` that has answered ``eth_chainId``; else :class:`ChainUnavailable`."""
    # the chain id is asked once per connection: web3 asks it again before every eth_call, which would
    # double the requests a rate-limited public gateway counts (an audit report makes hundreds of calls)
    provider = Web3.HTTPProvider(
        rpc_url, request_kwargs={"timeout": timeout}, cache_allowed_requests=True, cacheable_requests={"eth_chainId"}
    )
    w3 = Web3(provider)
    try:
        w3.eth.chain_id  # noqa: B018 - a real round trip, not just a socket check
    except Exception as exc:
        raise ChainUnavailable(rpc_url, _reason(exc)) from None
    return w3


def in_ranges(
    fetch: Callable[[int, int], Sequence[T]], first: int, last: int, *, first_only: bool = False
) -> list[T]:
    """``fetch(start, end)`` over ``first..last`` in consecutive block ranges, in chain order, for reads
    a node caps by range (``eth_getLogs``): ranges start at
    :data:`~client_sdk._config.DEFAULT_LOG_CHUNK_BLOCKS` (a public gateway's cap) and halve each time the
    node refuses one, down to a single block. With ``first_only``, stop at the first range with results."""
    found: list[T] = []
    size, start = DEFAULT_LOG_CHUNK_BLOCKS, first
    while start <= last:
        end = min(last, start + size - 1)
        try:
            found.extend(fetch(start, end))
        except Web3RPCError:
            if end == start:
                raise
            size = max(1, (end - start + 1) // 2)
            continue
        if first_only and found:
            break
        start = end + 1
    return found


def read_logs(
    w3: Web3, params: dict[str, Any], from_block: int, to_block: int, *, first_only: bool = False
) -> list[Any]:
    """``eth_getLogs`` with ``params`` over ``from_block..to_block`` (:func:`in_ranges`)."""

    def fetch(start: int, end: int) -> Sequence[Any]:
        return w3.eth.get_logs({**params, "fromBlock": start, "toBlock": end})  # type: ignore[typeddict-item]

    return in_ranges(fetch, from_block, to_block, first_only=first_only)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


def raise_for_revert(exc: BaseException, tx_hash: str | None = None) -> None:
    """Re-raise a web3 revert as the matching typed SDK error (or leave it if it is not a revert)."""
    data = revert_data_from_exception(exc)
    decoded = decode_revert(data, tx_hash)
    if decoded is not None:
        raise decoded from None
    if isinstance(exc, (ContractCustomError, ContractLogicError)):
        raise TransactionFailed(f"the contract reverted without a known reason: {exc}", tx_hash) from None


def prepare_transaction(w3: Web3, tx: dict[str, Any]) -> dict[str, Any]:
    """``tx`` (with its ``from``) filled in for signing: chain id, the sender's next nonce, gas as
    estimated plus a margin, EIP-1559 fees. The estimate runs the call first: one that would revert
    raises its typed custom error here, before anything is signed or sent. Whoever signs it (this SDK,
    or a buyer's own wallet given the transaction by the API) signs exactly this."""
    tx = dict(tx)
    tx.setdefault("chainId", w3.eth.chain_id)
    tx.setdefault("nonce", w3.eth.get_transaction_count(tx["from"], "pending"))
    if "gas" not in tx:
        try:
            estimate = w3.eth.estimate_gas(tx)  # type: ignore[arg-type]
        except (ContractCustomError, ContractLogicError, Web3RPCError) as exc:
            raise_for_revert(exc)
            raise
        tx["gas"] = gas_limit_for(estimate)
    if "maxFeePerGas" not in tx and "gasPrice" not in tx:
        base = w3.eth.get_block("latest").get("baseFeePerGas", 0) or 0
        tip = w3.to_wei(1, "gwei")
        tx["maxPriorityFeePerGas"] = tip
        tx["maxFeePerGas"] = 2 * base + tip
    return tx


def gas_limit_for(estimate: int) -> int:
    """The gas limit a transaction estimated at ``estimate`` is sent with (20% and 10,000 of headroom)."""
    return estimate * 12 // 10 + 10_000


def send_transaction(
    w3: Web3,
    account: LocalAccount,
    tx: dict[str, Any],
    *,
    receipt_timeout: float = DEFAULT_RECEIPT_TIMEOUT,
    on_signed: Callable[[str], None] | None = None,
) -> TxReceipt:
    """Fill in, sign locally, send and wait for ``tx``. Reverts surface as typed errors *before* sending.

    ``on_signed`` is called with the transaction's hash after signing and before sending, so a caller
    can journal it and, after a crash, look for that transaction instead of sending another.

    Gas is estimated first: a call that would revert is refused with its custom error and nothing is
    broadcast, so nothing on chain changes.
    """
    tx = prepare_transaction(w3, {"from": account.address, **tx})
    signed = account.sign_transaction(tx)
    if on_signed is not None:
        on_signed(HexBytes(signed.hash).to_0x_hex())
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    try:
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=receipt_timeout)
    except TimeExhausted:
        raise TransactionFailed(
            f"transaction {HexBytes(tx_hash).to_0x_hex()} was not mined within {receipt_timeout:.0f}s; "
            "check the node is mining, then look it up by hash",
            HexBytes(tx_hash).to_0x_hex(),
        ) from None
    if receipt["status"] != 1:
        raise TransactionFailed(
            f"transaction {HexBytes(tx_hash).to_0x_hex()} reverted on chain", HexBytes(tx_hash).to_0x_hex()
        )
    return receipt
