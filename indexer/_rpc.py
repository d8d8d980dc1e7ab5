"""A small JSON-RPC client for the calls the indexer makes, with retry (exponential back-off, full
jitter) on what is safe to retry, and a typed signal when a log query was too large."""

from __future__ import annotations

import itertools
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from .errors import IndexerError, RpcUnavailable

log = logging.getLogger("indexer.rpc")

#: substrings of provider errors that mean "ask for a smaller range" (geth, erigon, alchemy, infura, anvil...)
_TOO_LARGE = (
    "too many",
    "more than",
    "limit exceeded",
    "exceed",
    "response size",
    "range is too large",
    "range too large",
    "block range",
    "query timeout",
    "timed out",
    "try with this block range",
)


class RangeTooLarge(Exception):
    """The node refused or timed out on a log query; retry it with a smaller block range."""


class RetryableRpcError(IndexerError, ValueError):
    """The node answered with an error that is safe to retry (rate limited: code -32005 or 429, or a
    "rate limit" message); :class:`Rpc` retries it with back-off like a dropped connection."""

    def __init__(self, method: str, code: int | None, message: str) -> None:
        self.method = method
        self.code = code
        super().__init__(f"{method}: {message} (code {code})")


class RpcCallError(IndexerError):
    """The node answered with a JSON-RPC error that retrying will not fix."""

    def __init__(self, method: str, code: int | None, message: str) -> None:
        self.method = method
        self.code = code
        super().__init__(f"{method}: {message} (code {code})")


class Rpc:
    """JSON-RPC over HTTP. Connection errors, timeouts, 429 and 5xx are retried with back-off forever
    (or ``max_retries`` times, or until ``abort`` is set); ``on_retry`` is told of each failure so it
    can be recorded."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        backoff: float = 0.25,
        backoff_max: float = 10.0,
        max_retries: int | None = None,
        on_retry: Callable[[str], None] | None = None,
        abort: threading.Event | None = None,
    ) -> None:
        self.url = url
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.max_retries = max_retries
        self.on_retry = on_retry
        self.abort = abort
        self._ids = itertools.count(1)
        self._client = httpx.Client(timeout=timeout, headers={"content-type": "application/json"})

    def close(self) -> None:
        self._client.close()

    def _post(self, payload: Any) -> Any:
        resp = self._client.post(self.url, json=payload)
        if resp.status_code == 429 or resp.status_code >= 500:
            raise httpx.HTTPStatusError(f"HTTP {resp.status_code}", request=resp.request, response=resp)
        if resp.status_code == 413:
            raise RangeTooLarge("HTTP 413 payload too large")
        resp.raise_for_status()
        return resp.json()

    def _with_retry(self, what: str, fn: Callable[[], Any], *, range_query: bool = False) -> Any:
        for attempt in itertools.count():
            try:
                return fn()
            except httpx.TimeoutException as exc:
                if range_query:
                    raise RangeTooLarge(f"timeout: {exc}") from None
                reason = f"timeout ({exc})"
            except (httpx.TransportError, httpx.HTTPStatusError, RetryableRpcError, json.JSONDecodeError) as exc:
                reason = f"{type(exc).__name__}: {exc}"
            if self.max_retries is not None and attempt >= self.max_retries:
                raise RpcUnavailable(self.url, what, reason)
            if self.abort is not None and self.abort.is_set():
                raise RpcUnavailable(self.url, what, f"{reason}; stopped while retrying")
            delay = random.uniform(0, min(self.backoff_max, self.backoff * 2**attempt))
            log.warning("RPC %s to %s failed (%s); retry %d in %.2fs", what, self.url, reason, attempt + 1, delay)
            if self.on_retry is not None:
                self.on_retry(f"RPC {what}: {reason}")
            if self.abort is not None:
                self.abort.wait(delay)
            else:
                time.sleep(delay)
        raise AssertionError("unreachable")

    def call(self, method: str, params: list[Any] | None = None, *, range_query: bool = False) -> Any:
        def once() -> Any:
            reply = self._post({"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params or []})
            return _result(method, reply, range_query)

        return self._with_retry(method, once, range_query=range_query)

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        """Several calls in one JSON-RPC batch; results in the order asked."""
        if not calls:
            return []

        def once() -> list[Any]:
            payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
            replies = self._post(payload)
            if isinstance(replies, dict):  # a node without batch support answers with one error
                return [self.call(m, p) for m, p in calls]
            by_id = {r["id"]: r for r in replies}
            return [_result(calls[i][0], by_id[i], False) for i in range(len(calls))]

        return self._with_retry("batch", once)

    # -- the calls the indexer uses ------------------------------------------------------------------

    def chain_id(self) -> int:
        return int(self.call("eth_chainId"), 16)

    def block_number(self) -> int:
        return int(self.call("eth_blockNumber"), 16)

    def header(self, number: int) -> dict[str, Any] | None:
        return self.call("eth_getBlockByNumber", [hex(number), False])

    def headers(self, numbers: list[int]) -> list[dict[str, Any] | None]:
        return self.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])

    def logs_range(self, addresses: list[str], from_block: int, to_block: int) -> list[dict[str, Any]]:
        """Logs of ``addresses`` in ``[from_block, to_block]``; :class:`RangeTooLarge` if the node refuses."""
        params = [{"address": addresses, "fromBlock": hex(from_block), "toBlock": hex(to_block)}]
        return self.call("eth_getLogs", params, range_query=True)

    def logs_block(self, addresses: list[str], block_hash: str) -> list[dict[str, Any]]:
        """Logs of exactly the block ``block_hash`` (EIP-234), so they cannot come from another fork."""
        return self.call("eth_getLogs", [{"address": addresses, "blockHash": block_hash}])


def _result(method: str, reply: dict[str, Any], range_query: bool) -> Any:
    if "error" in reply:
        err = reply["error"] or {}
        message = str(err.get("message", err))
        code = err.get("code")
        lowered = message.lower()
        if range_query and any(s in lowered for s in _TOO_LARGE):
            raise RangeTooLarge(message)
        if code in (-32005, 429) or "rate limit" in lowered:  # rate limited: safe to retry
            raise RetryableRpcError(method, code, message)
        raise RpcCallError(method, code, message)
    return reply["result"]
