"""The public gateway refuses every cheat, admin and key method, and holds each of its bounds; a real
uvicorn server on a free loopback port in front of the session's real anvil."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from client_sdk.accounts import from_mnemonic
from copyright_hub.devnet import AnvilProcess, DevnetConfig, DevnetError, free_port, load_config
from copyright_hub.rpc_gateway import READ_METHODS, GatewaySettings, RateLimiter, client_of, policy
from copyright_hub.rpc_gateway import server as gateway_server

Gateway = Callable[..., str]


@pytest.fixture
def gateway(anvil: AnvilProcess) -> Iterator[Gateway]:
    """Start gateways (settings overridden per call) in front of the session anvil; all stop after."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(**overrides: Any) -> str:
        base = {"host": "127.0.0.1", "port": free_port(), "upstream": anvil.url}
        settings = GatewaySettings.from_dict({**asdict(GatewaySettings()), **base, **overrides})
        server = gateway_server(settings)  # as the gateway process runs it, bounds included
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.02)
        return settings.url

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(10)


def post(url: str, payload: Any, **kw: Any) -> httpx.Response:
    return httpx.post(url, json=payload, timeout=10, **kw)


def call(method: str, params: list[Any] | None = None, ident: Any = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": ident, "method": method, "params": params or []}


REFUSED_CALLS = [
    ("anvil_mine", ["0x5"], "cheat"),
    ("anvil_setBalance", ["0x" + "11" * 20, "0xffff"], "cheat"),
    ("evm_snapshot", [], "cheat"),
    ("evm_setNextBlockTimestamp", [1], "cheat"),
    ("hardhat_setCode", ["0x" + "11" * 20, "0x00"], "cheat"),
    ("debug_traceTransaction", ["0x" + "00" * 32], "debugging"),
    ("trace_block", ["latest"], "tracing"),
    ("admin_nodeInfo", [], "admin"),
    ("txpool_content", [], "pending pool"),
    ("personal_sign", ["0x00", "0x" + "11" * 20], "key held by the node"),
    ("eth_sendTransaction", [{"from": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "to": "0x" + "11" * 20}], "key"),
    ("eth_sign", ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0x00"], "key"),
    ("eth_signTypedData_v4", ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "{}"], "key"),
    ("eth_newFilter", [{}], "eth_getLogs"),
    ("eth_subscribe", ["newHeads"], "WebSocket"),
    ("eth_sendRawTransaction", ["0x00"], "--allow-send-raw"),
    ("no_suchMethod", [], "not one of the read methods"),
]


def test_every_cheat_admin_and_key_method_is_refused_and_changes_nothing(gateway: Gateway, anvil: AnvilProcess) -> None:
    url = gateway()
    height, balance = anvil.rpc("eth_blockNumber"), anvil.rpc("eth_getBalance", ["0x" + "11" * 20, "latest"])
    for method, params, why in REFUSED_CALLS:
        reply = post(url, call(method, params, ident=method)).json()
        assert reply["id"] == method and "result" not in reply, reply
        assert reply["error"]["code"] == -32601
        assert reply["error"]["message"].startswith(f"{method} is refused"), reply
        assert why in reply["error"]["message"] and reply["error"]["data"]["method"] == method
    assert anvil.rpc("eth_blockNumber") == height
    assert anvil.rpc("eth_getBalance", ["0x" + "11" * 20, "latest"]) == balance
    assert post(url, call("eth_accounts")).json()["result"] == []  # the gateway holds no account


def test_read_methods_are_forwarded(gateway: Gateway, anvil: AnvilProcess) -> None:
    url = gateway()
    assert all(policy(m, allow_send_raw=False) is None for m in READ_METHODS)
    head = anvil.rpc("eth_getBlockByNumber", ["latest", False])
    checks = {
        "eth_chainId": ([], hex(31337)),
        "net_version": ([], "31337"),
        "eth_getBlockByNumber": (["latest", False], head),
        "eth_getBlockByHash": ([head["hash"], False], head),
        "eth_getBalance": (["0x" + "11" * 20, "latest"], anvil.rpc("eth_getBalance", ["0x" + "11" * 20, "latest"])),
        "eth_getCode": (["0x" + "11" * 20, "latest"], "0x"),
    }
    batch = [call(m, p, ident=i) for i, (m, (p, _)) in enumerate(checks.items())]
    replies = post(url, batch).json()
    assert [r["id"] for r in replies] == list(range(len(checks)))  # order and ids as sent
    for reply, (method, (_, expected)) in zip(replies, checks.items(), strict=True):
        assert reply.get("result") == expected, (method, reply)
    assert post(url, call("eth_getLogs", [{"fromBlock": "0x0", "toBlock": "0x0"}])).json()["result"] == []


def test_send_raw_transaction_only_when_allowed(
    gateway: Gateway, anvil: AnvilProcess, devnet_config: DevnetConfig
) -> None:
    account = from_mnemonic(devnet_config.mnemonic, 7)
    nonce = int(anvil.rpc("eth_getTransactionCount", [account.address, "latest"]), 16)
    tx = {"to": "0x" + "33" * 20, "value": 5, "gas": 21000, "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 1,
          "nonce": nonce, "chainId": 31337, "type": 2}  # fmt: skip
    raw = "0x" + account.sign_transaction(tx).raw_transaction.hex().removeprefix("0x")
    closed = gateway()
    assert post(closed, call("eth_sendRawTransaction", [raw])).json()["error"]["code"] == -32601
    assert int(anvil.rpc("eth_getTransactionCount", [account.address, "latest"]), 16) == nonce
    sends = gateway(allow_send_raw=True)
    tx_hash = post(sends, call("eth_sendRawTransaction", [raw])).json()["result"]
    deadline = time.monotonic() + 10
    while (receipt := post(sends, call("eth_getTransactionReceipt", [tx_hash])).json()["result"]) is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert receipt["status"] == "0x1"
    assert post(sends, call("eth_sendTransaction", [{"from": account.address}])).json()["error"]["code"] == -32601


def test_batches_are_bounded_and_mixed_batches_answer_each_call(gateway: Gateway) -> None:
    url = gateway(max_batch=3)
    big = post(url, [call("eth_chainId", ident=i) for i in range(4)]).json()
    assert big["error"]["code"] == -32005 and "at most 3" in big["error"]["message"]
    empty = post(url, []).json()
    assert empty["error"]["code"] == -32600 and "empty batch" in empty["error"]["message"]
    mixed = post(url, [call("eth_chainId", ident="a"), call("evm_mine", ident="b"), {"id": "c"}]).json()
    assert [r["id"] for r in mixed] == ["a", "b", "c"]
    assert mixed[0]["result"] == hex(31337)
    assert mixed[1]["error"]["code"] == -32601 and mixed[2]["error"]["code"] == -32600
    garbage = httpx.post(url, content=b"{not json", timeout=10).json()
    assert garbage["error"]["code"] == -32700


def test_log_ranges_are_capped(gateway: Gateway, anvil: AnvilProcess) -> None:
    url = gateway(max_log_blocks=2)
    anvil.rpc("anvil_mine", ["0x3"])  # the session chain has at least three blocks from here on
    wide = post(url, call("eth_getLogs", [{"fromBlock": "earliest", "toBlock": "latest"}])).json()
    assert wide["error"]["code"] == -32005 and "split the range" in wide["error"]["message"]
    within = [{"fromBlock": "0x1", "toBlock": "0x2"}]  # the shared session chain may hold other tests' logs
    assert post(url, call("eth_getLogs", within)).json()["result"] == anvil.rpc("eth_getLogs", within)
    head = anvil.rpc("eth_getBlockByNumber", ["latest", False])["hash"]
    assert "result" in post(url, call("eth_getLogs", [{"blockHash": head}])).json()  # one block
    bad = post(url, call("eth_getLogs", [{"fromBlock": "yesterday"}])).json()
    assert bad["error"]["code"] == -32602 and "yesterday" in bad["error"]["message"]
    assert post(url, call("eth_getLogs", ["0x1"])).json()["error"]["code"] == -32602


def test_request_and_response_sizes_are_capped(gateway: Gateway) -> None:
    url = gateway(max_body_bytes=1000, max_response_bytes=300)
    big = post(url, call("eth_call", [{"data": "0x" + "00" * 2000}, "latest"]))
    assert big.status_code == 413 and "over 1000 bytes" in big.json()["error"]["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap holds while streaming
        yield b'{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{"data":"0x'
        for _ in range(10):
            yield b"00" * 100
        yield b'"}]}'

    streamed = httpx.post(url, content=chunks(), timeout=10)
    assert streamed.status_code == 413
    block = post(url, call("eth_getBlockByNumber", ["latest", True])).json()
    assert block["error"]["code"] == -32005 and "over 300 bytes" in block["error"]["message"]
    assert post(url, call("eth_chainId")).json()["result"] == hex(31337)  # small answers still pass


def test_each_client_is_rate_limited_on_its_own(gateway: Gateway) -> None:
    url = gateway(rate=0.5, burst=3, trusted_proxies=["127.0.0.1/32"])
    for _ in range(3):
        assert post(url, call("eth_chainId")).status_code == 200
    limited = post(url, call("eth_chainId"))
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["error"]["code"] == -32005 and "rate limit" in limited.json()["error"]["message"]
    batch = post(url, [call("eth_chainId", ident=i) for i in range(3)], headers={"x-forwarded-for": "203.0.113.9"})
    assert batch.status_code == 200  # another client behind the trusted proxy has its own bucket
    assert (
        post(url, call("eth_chainId"), headers={"x-forwarded-for": "203.0.113.9"}).status_code == 429
    )  # a batch costs its calls


def test_client_identity_and_the_bucket_bound() -> None:
    trusted = ("10.0.0.0/8",)
    assert client_of("198.51.100.1", "203.0.113.9", trusted) == "198.51.100.1"  # an untrusted peer's header is ignored
    assert client_of("10.0.0.2", "203.0.113.9, 10.0.0.7", trusted) == "203.0.113.9"
    assert client_of("10.0.0.2", None, trusted) == "10.0.0.2"
    limiter = RateLimiter(rate=1, burst=2, max_clients=2)
    assert limiter.take("a", 2, now=0) == 0 and limiter.take("a", 1, now=0) == 1.0
    limiter.take("b", 1, now=0)
    limiter.take("c", 1, now=0)  # "a" is forgotten: at most two clients are kept
    assert limiter.take("a", 2, now=0) == 0


def test_the_gateway_process_survives_hostile_bodies(anvil: AnvilProcess) -> None:
    """The gateway as `devnet up --public` runs it (its own process): a body nested 100,000 deep is a
    parse error, not a crash (in a thread with a small stack it would overflow the C stack)."""
    settings = GatewaySettings(host="127.0.0.1", port=free_port(), upstream=anvil.url)
    argv = [sys.executable, "-m", "copyright_hub.rpc_gateway", "--settings", json.dumps(asdict(settings))]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert post(settings.url, call("eth_chainId")).json()["result"] == hex(31337)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "the gateway did not start"
                time.sleep(0.1)
        deep = httpx.post(settings.url, content=b"[" * 100_000 + b"]" * 100_000, timeout=10)
        assert deep.status_code == 200 and deep.json()["error"]["code"] == -32700
        assert post(settings.url, call("eth_chainId")).json()["result"] == hex(31337)
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_flood_of_connections_is_bounded(gateway: Gateway) -> None:
    """More requests in flight than max_connections: the excess is refused at once (503), the rest are
    answered, and the gateway answers again when the flood is over."""
    with socket.socket() as silent:  # a devnet that accepts and never answers keeps requests in flight
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        url = gateway(upstream=f"http://127.0.0.1:{silent.getsockname()[1]}", upstream_timeout=3, max_connections=4)
        with ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(lambda _: post(url, call("eth_chainId")).status_code, range(12)))
    assert statuses.count(503) >= 6 and statuses.count(200) >= 1, statuses  # 200: "not answering" errors
    assert post(url, call("eth_accounts")).json()["result"] == []


def test_a_silent_devnet_is_named_not_a_stack_trace(gateway: Gateway) -> None:
    url = gateway(upstream=f"http://127.0.0.1:{free_port()}", upstream_timeout=2)
    reply = post(url, call("eth_blockNumber"))
    assert reply.status_code == 200 and "not answering" in reply.json()["error"]["message"]
    assert "Traceback" not in reply.text


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    toml = tmp_path / "devnet.toml"
    toml.write_text("[gateway]\nmax_batch = 0\n")
    with pytest.raises(DevnetError, match=r"devnet\.toml \[gateway\]: max_batch must be"):
        load_config(toml)
    with pytest.raises(ValueError, match="unknown keys"):
        GatewaySettings.from_dict({"max_batchs": 3})
    with pytest.raises(ValueError, match="max_batch must be"):
        GatewaySettings.from_dict({"max_batch": 0})
    with pytest.raises(ValueError, match=r"'proxy\.local' is not an IP address or CIDR"):
        GatewaySettings.from_dict({"trusted_proxies": ["10.0.0.0/8", "proxy.local"]})
