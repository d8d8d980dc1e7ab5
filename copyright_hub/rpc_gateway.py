"""The public devnet's JSON-RPC gateway: the only thing that listens outside the machine.

anvil (and its keeper's journaling front door, :mod:`copyright_hub.tx_journal`) stays on loopback;
``copyright-hub devnet up --public`` runs this gateway in front of it. Per call it decides by
:func:`policy` (one table, :data:`READ_METHODS` and :data:`REFUSED`):

- the read methods an auditor or a wallet needs are forwarded;
- ``eth_sendRawTransaction`` is forwarded only when ``allow_send_raw`` is set (participants sign
  their own transactions; the gateway holds no key);
- ``eth_accounts`` answers ``[]`` here (wallet libraries ask for it on connect; there are none);
- cheat, admin, debugging and unlocked-account methods, node-side filters and anything not listed
  are refused with a JSON-RPC error (code -32601) that names the method and says why.

Bounds (:class:`GatewaySettings`, ``[gateway]`` in ``devnet.toml``): request body size (HTTP 413),
calls per batch, blocks per ``eth_getLogs``, response size, and a token-bucket rate per client
(HTTP 429 with ``Retry-After``; -32005 "limit exceeded"). A client is its TCP peer address; when the
peer is one of ``trusted_proxies``, the right-most ``X-Forwarded-For`` hop that is not a trusted
proxy. Counters live in this one process (the gateway runs as one) and at most ``max_clients`` are
kept. Connections are bounded by uvicorn's ``limit_concurrency`` (503 above it).

Run: ``python -m copyright_hub.rpc_gateway --settings JSON`` (what ``devnet up --public`` does).
Starlette, httpx and uvicorn are imported only when the server is built, so the devnet launcher can
read :class:`GatewaySettings` without them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import logging
import math
import sys
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

#: JSON-RPC error codes the gateway answers with (EIP-1474)
PARSE_ERROR, INVALID_REQUEST, METHOD_REFUSED, INVALID_PARAMS, INTERNAL_ERROR, LIMIT_EXCEEDED = (
    -32700, -32600, -32601, -32602, -32603, -32005,
)  # fmt: skip

#: forwarded to the chain: what reading the chain, checking provenance and using a wallet needs
READ_METHODS = frozenset({
    "eth_chainId", "eth_blockNumber", "eth_getBlockByNumber", "eth_getBlockByHash", "eth_getBlockReceipts",
    "eth_getBlockTransactionCountByNumber", "eth_getBlockTransactionCountByHash",
    "eth_getTransactionByHash", "eth_getTransactionByBlockNumberAndIndex", "eth_getTransactionByBlockHashAndIndex",
    "eth_getTransactionReceipt", "eth_call", "eth_estimateGas", "eth_createAccessList", "eth_getLogs",
    "eth_getBalance", "eth_getCode", "eth_getStorageAt", "eth_getTransactionCount", "eth_getProof",
    "eth_gasPrice", "eth_feeHistory", "eth_maxPriorityFeePerGas", "eth_blobBaseFee", "eth_syncing",
    "eth_protocolVersion", "eth_getUncleCountByBlockNumber", "eth_getUncleCountByBlockHash",
    "net_version", "net_listening", "web3_clientVersion", "web3_sha3",
})  # fmt: skip
SEND_RAW = "eth_sendRawTransaction"

#: refused, by name or prefix, with the reason given to the caller
_CHEAT = "a cheat method: it would rewrite the chain that auditors verify"
_KEYS = "it needs a key held by the node; sign locally and send with eth_sendRawTransaction"
REFUSED: dict[str, str] = {
    "anvil_": _CHEAT, "evm_": _CHEAT, "hardhat_": _CHEAT, "ganache_": _CHEAT,
    "debug_": "a debugging method: expensive, and exposes node internals",
    "trace_": "a tracing method: expensive, and exposes node internals",
    "ots_": "an explorer method of the node: expensive; use the hub's explorer",
    "admin_": "an admin method", "miner_": "an admin method", "engine_": "an admin method",
    "txpool_": "it exposes the node's pending pool",
    "personal_": _KEYS, "eth_sendTransaction": _KEYS, "eth_sign": _KEYS, "eth_signTransaction": _KEYS,
    "eth_signTypedData": _KEYS, "eth_signTypedData_v3": _KEYS, "eth_signTypedData_v4": _KEYS,
    "eth_newFilter": "node-side filters keep state per client; poll eth_getLogs with a block range instead",
    "eth_newBlockFilter": "node-side filters keep state per client; poll eth_blockNumber instead",
    "eth_newPendingTransactionFilter": "node-side filters keep state per client",
    "eth_getFilterChanges": "node-side filters are not served here", "eth_getFilterLogs": "node-side filters are not served here",
    "eth_uninstallFilter": "node-side filters are not served here",
    "eth_subscribe": "subscriptions need a WebSocket; this gateway serves HTTP only",
    "eth_unsubscribe": "subscriptions need a WebSocket; this gateway serves HTTP only",
}  # fmt: skip
#: block tags that mean "the head" for the eth_getLogs range check
_HEAD_TAGS = frozenset({"latest", "pending", "safe", "finalized"})


@dataclass(frozen=True)
class GatewaySettings:
    """The gateway's address, what it forwards and its bounds (``[gateway]`` in ``devnet.toml``)."""

    host: str = "0.0.0.0"
    port: int = 8546
    #: the devnet's loopback URL (its keeper's journaling front door); set by `devnet up`
    upstream: str = "http://127.0.0.1:8545"
    allow_send_raw: bool = False
    max_body_bytes: int = 512 << 10
    max_response_bytes: int = 8 << 20
    max_batch: int = 50
    max_log_blocks: int = 10_000
    #: sustained calls per second per client, and how many may come at once
    rate: float = 20.0
    burst: int = 100
    max_clients: int = 10_000
    trusted_proxies: tuple[str, ...] = ()
    upstream_timeout: float = 20.0
    max_connections: int = 256

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "gateway settings") -> GatewaySettings:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}; known keys are {sorted(known)}")
        values = dict(data)
        if "trusted_proxies" in values:
            values["trusted_proxies"] = tuple(values["trusted_proxies"])
        settings = cls(**values)
        for name in ("max_body_bytes", "max_response_bytes", "max_batch", "max_log_blocks", "burst", "max_clients"):
            if not isinstance(getattr(settings, name), int) or getattr(settings, name) < 1:
                raise ValueError(f"{where}: {name} must be a whole number of at least 1")
        if not settings.rate > 0:
            raise ValueError(f"{where}: rate must be above 0 calls per second")
        for net in settings.trusted_proxies:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError:
                raise ValueError(f"{where}: trusted_proxies entry {net!r} is not an IP address or CIDR") from None
        return settings

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def policy(method: str, allow_send_raw: bool) -> str | None:
    """None when ``method`` is forwarded, else why the gateway refuses it."""
    if method in READ_METHODS or (method == SEND_RAW and allow_send_raw):
        return None
    if method == SEND_RAW:
        return "sending transactions is switched off on this gateway (the operator enables it with --allow-send-raw)"
    for name, reason in REFUSED.items():
        if method == name or (name.endswith("_") and method.startswith(name)):
            return reason
    return "it is not one of the read methods this gateway serves (GET / lists them)"


class RpcFault(Exception):
    """One call answered with a JSON-RPC error instead of being forwarded."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


def error_object(call_id: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": call_id, "error": error}


class RateLimiter:
    """A token bucket per client: ``rate`` calls per second, ``burst`` at once, ``max_clients`` kept."""

    def __init__(self, rate: float, burst: int, max_clients: int) -> None:
        self.rate, self.burst, self.max_clients = rate, burst, max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str, cost: int, now: float | None = None) -> float:
        """Charge ``cost`` calls; 0 if allowed, else the seconds to wait before they would be."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        wait = 0.0
        if cost > tokens:
            wait = (cost - tokens) / self.rate
        else:
            tokens -= cost
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)  # the least recently seen client starts afresh
        return wait


def client_of(peer: str | None, forwarded_for: str | None, trusted: tuple[str, ...]) -> str:
    """Who is calling: the TCP peer, or behind trusted proxies the right-most untrusted forwarded hop."""
    peer = peer or "unknown"
    if not forwarded_for or not _is_trusted(peer, trusted):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _is_trusted(hop, trusted):
            return hop
    return peer


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in trusted)


class Gateway:
    """Checks each request against the policy and the bounds, forwards what passes, merges answers."""

    def __init__(self, settings: GatewaySettings, client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = client
        self.limiter = RateLimiter(settings.rate, settings.burst, settings.max_clients)

    async def handle(self, request: Request) -> Response:
        from starlette.responses import JSONResponse

        s = self.settings
        try:
            body = await self._read_body(request)
        except RpcFault as fault:
            return JSONResponse(error_object(None, fault.code, fault.message), status_code=413)
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than any request needs
            return JSONResponse(error_object(None, PARSE_ERROR, "the body is not JSON; send a JSON-RPC 2.0 request"))
        batch = isinstance(payload, list)
        calls = payload if batch else [payload]
        if batch and not calls:
            return JSONResponse(error_object(None, INVALID_REQUEST, "an empty batch; send at least one call"))
        if len(calls) > s.max_batch:
            message = f"a batch of {len(calls)} calls; at most {s.max_batch} per batch here: split it"
            return JSONResponse(error_object(None, LIMIT_EXCEEDED, message))
        peer = request.client.host if request.client else None
        who = client_of(peer, request.headers.get("x-forwarded-for"), s.trusted_proxies)
        wait = self.limiter.take(who, len(calls))
        if wait:
            message = (
                f"rate limit: {s.rate:g} calls per second per client (bursts of {s.burst}); retry after {wait:.1f} s"
            )
            headers = {"retry-after": str(max(1, math.ceil(wait)))}
            return JSONResponse(error_object(None, LIMIT_EXCEEDED, message), status_code=429, headers=headers)
        answers = await self._answer(calls)
        return JSONResponse(answers if batch else answers[0])

    async def _read_body(self, request: Request) -> bytes:
        cap = self.settings.max_body_bytes
        too_big = RpcFault(INVALID_REQUEST, f"the request body is over {cap} bytes; send smaller requests or batches")
        try:
            if int(request.headers.get("content-length") or 0) > cap:
                raise too_big
        except ValueError:
            raise RpcFault(INVALID_REQUEST, "Content-Length is not a number") from None
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > cap:
                raise too_big
            chunks.append(chunk)
        return b"".join(chunks)

    async def _answer(self, calls: list[Any]) -> list[dict[str, Any]]:
        answers: list[dict[str, Any] | None] = [None] * len(calls)
        forward: list[tuple[int, dict[str, Any]]] = []
        head: list[int] = []  # fetched at most once per request, when a log range names a tag
        for i, call in enumerate(calls):
            call_id = call.get("id") if isinstance(call, dict) else None
            try:
                method = self._check_call(call)
                if method == "eth_accounts":
                    answers[i] = {"jsonrpc": "2.0", "id": call_id, "result": []}
                    continue
                if method == "eth_getLogs":
                    await self._check_log_range(call.get("params"), head)
                forward.append((i, {"jsonrpc": "2.0", "id": i, "method": method, "params": call.get("params", [])}))
            except RpcFault as fault:
                answers[i] = error_object(call_id, fault.code, fault.message, fault.data)
        if forward:
            for i, reply in await self._forward([c for _, c in forward]):
                call = calls[i]
                reply["id"] = call.get("id")
                answers[i] = reply
        return [
            a if a is not None else error_object(None, INTERNAL_ERROR, "no answer from the devnet") for a in answers
        ]

    def _check_call(self, call: Any) -> str:
        if not isinstance(call, dict) or not isinstance(call.get("method"), str):
            raise RpcFault(INVALID_REQUEST, 'each call is an object with "jsonrpc": "2.0", "id", "method" and "params"')
        params = call.get("params", [])
        if not isinstance(params, list | dict):
            raise RpcFault(INVALID_PARAMS, "params must be a list (or an object)")
        method = str(call["method"])
        if method == "eth_accounts":
            return method
        reason = policy(method, self.settings.allow_send_raw)
        if reason is not None:
            shown = method if len(method) <= 64 else method[:64] + "..."
            raise RpcFault(METHOD_REFUSED, f"{shown} is refused by this public devnet gateway: {reason}",
                           {"method": shown, "reason": reason})  # fmt: skip
        return method

    async def _check_log_range(self, params: Any, head: list[int]) -> None:
        s = self.settings
        query = params[0] if isinstance(params, list) and params else None
        if not isinstance(query, dict):
            raise RpcFault(INVALID_PARAMS, "eth_getLogs takes one filter object: {fromBlock, toBlock, address, topics}")
        if query.get("blockHash") is not None:
            return  # one block
        bounds = []
        for key in ("fromBlock", "toBlock"):
            tag = query.get(key, "latest")
            if tag in _HEAD_TAGS:
                if not head:
                    head.append(int((await self._call("eth_blockNumber"))["result"], 16))
                bounds.append(head[0])
            elif tag == "earliest":
                bounds.append(0)
            else:
                try:
                    bounds.append(int(str(tag), 16) if str(tag).startswith("0x") else int(str(tag)))
                except ValueError:
                    raise RpcFault(
                        INVALID_PARAMS, f"eth_getLogs {key} {str(tag)[:40]!r} is not a block number or tag"
                    ) from None
        first, last = bounds
        if last - first + 1 > s.max_log_blocks:
            raise RpcFault(
                LIMIT_EXCEEDED,
                f"eth_getLogs over {last - first + 1} blocks ({first}..{last}); at most {s.max_log_blocks} "
                "blocks per call here: split the range",
            )

    async def _call(self, method: str, params: list[Any] | None = None) -> dict[str, Any]:
        reply = await self._forward([{"jsonrpc": "2.0", "id": 0, "method": method, "params": params or []}])
        result = reply[0][1]
        if "error" in result:
            raise RpcFault(INTERNAL_ERROR, f"the devnet could not answer {method}")
        return result

    async def _forward(self, calls: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
        """Send ``calls`` (ids are their indexes in the client's request) upstream as one batch."""
        import httpx

        cap = self.settings.max_response_bytes
        try:
            async with self.http.stream("POST", "/", json=calls) as resp:
                chunks, size = [], 0
                async for chunk in resp.aiter_bytes():
                    size += len(chunk)
                    if size > cap:
                        raise RpcFault(LIMIT_EXCEEDED, f"the answer is over {cap} bytes; ask for less "
                                                       "(a narrower eth_getLogs range, fewer calls per batch)")  # fmt: skip
                    chunks.append(chunk)
            replies = json.loads(b"".join(chunks))
        except RpcFault as fault:
            return [(int(c["id"]), error_object(c["id"], fault.code, fault.message)) for c in calls]
        except (httpx.HTTPError, ValueError):
            message = "the devnet behind this gateway is not answering; retry later"
            return [(int(c["id"]), error_object(c["id"], INTERNAL_ERROR, message)) for c in calls]
        if isinstance(replies, dict):  # the node answered the whole batch with one error
            replies = [{**replies, "id": c["id"]} for c in calls]
        by_id = {r.get("id"): r for r in replies if isinstance(r, dict)}
        return [(int(c["id"]), by_id.get(c["id"]) or error_object(c["id"], INTERNAL_ERROR, "no answer")) for c in calls]

    def describe(self) -> dict[str, Any]:
        """What GET / shows: the methods served and the bounds."""
        s = self.settings
        methods = sorted(READ_METHODS | ({SEND_RAW} if s.allow_send_raw else set()) | {"eth_accounts"})
        limits = {k: v for k, v in asdict(s).items() if k.startswith("max_") or k in ("rate", "burst")}
        return {"service": "Copyright Hub devnet JSON-RPC gateway", "post": "JSON-RPC 2.0", "methods": methods,
                "limits": limits, "client": "TCP peer address (X-Forwarded-For only from trusted proxies)"}  # fmt: skip


def build_app(settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None = None) -> Starlette:
    """The gateway as an ASGI app (uvicorn serves it; ``transport`` lets a test reach a local upstream)."""
    import httpx
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)
    client = httpx.AsyncClient(base_url=settings.upstream, timeout=settings.upstream_timeout, limits=limits,
                               transport=transport)  # fmt: skip
    gateway = Gateway(settings, client)

    async def rpc(request: Request) -> Response:
        try:
            return await gateway.handle(request)
        except Exception:  # a bug must not answer a client with a traceback or a non-JSON-RPC body
            logging.getLogger(__name__).exception("gateway failure")
            return JSONResponse(error_object(None, INTERNAL_ERROR, "the gateway failed on this request"), 500)

    async def info(request: Request) -> Response:
        return JSONResponse(gateway.describe())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    routes = [Route("/", rpc, methods=["POST"]), Route("/", info, methods=["GET"])]
    return Starlette(routes=routes, lifespan=lifespan)


def server(settings: GatewaySettings) -> uvicorn.Server:
    """The uvicorn server the gateway runs in, with its connection bound (503 above it)."""
    import uvicorn

    config = uvicorn.Config(
        build_app(settings), host=settings.host, port=settings.port, log_level="warning", access_log=False,
        limit_concurrency=settings.max_connections, timeout_keep_alive=5, proxy_headers=False, server_header=False,
        h11_max_incomplete_event_size=64 << 10,
    )  # fmt: skip
    return uvicorn.Server(config)


def serve(settings: GatewaySettings) -> None:
    asyncio.run(server(settings).serve())


def main(args: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The public devnet's JSON-RPC gateway.")
    parser.add_argument("--settings", required=True, help="GatewaySettings as a JSON object")
    ns = parser.parse_args(args)
    try:
        settings = GatewaySettings.from_dict(json.loads(ns.settings))
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))
    serve(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["READ_METHODS", "REFUSED", "GatewaySettings", "RateLimiter", "build_app", "client_of", "policy"]
