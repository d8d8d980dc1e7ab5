"""The one module that reads the hub's contracts over plain JSON-RPC, without web3.

:class:`~client_sdk.Hub` is the client; this is a reader for the few view calls a command makes before
it exits (``copyright-hub licence show``), where importing web3 would cost more than a second of
start-up. It speaks JSON-RPC through the standard library, encodes and decodes static ABI types
(``uintN``, ``intN``, ``address``, ``bool``, ``bytesN``, enums, and tuples of them) by the committed
ABI in ``contracts/build``, and hashes with the small Keccak-256 below. A revert becomes the same typed
error the Hub raises (:func:`client_sdk.reverts.decode_revert`, loaded only then), and the manifest is
found and checked as :meth:`Hub.connect` does. Anything dynamic (strings, arrays) is for the Hub.

>>> keccak256(b"").hex()[:16]
'c5d2460186f7233c'
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace, TracebackType
from typing import Any
from urllib.parse import urlsplit

from ._config import DEFAULT_RPC_TIMEOUT, default_deployments_dir
from .artifacts import _canonical, load_artifact
from .errors import ChainUnavailable, ConfigurationError, DeploymentNotFound, HubError, ManifestError, TransactionFailed
from .manifest import manifest_path, read_addresses

# -- Keccak-256 (the original Keccak padding Ethereum uses, not NIST SHA3-256) -------------------
# Written from the Keccak reference (FIPS 202 section 3 with pad10*1 and domain bits 0x01): the
# rotation offsets and round constants are computed below, not tabulated. tests/sdk/test_rpc_read.py
# holds it to eth_utils.keccak.

_MASK = (1 << 64) - 1
_RATE = 136  # bytes: 1600 - 2 x 256 bits of capacity


def _rotation_offsets() -> list[int]:
    offsets = [0] * 25
    x, y = 1, 0
    for t in range(24):
        offsets[x + 5 * y] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    return offsets


def _round_constants() -> list[int]:
    constants, lfsr = [], 1
    for _ in range(24):
        rc = 0
        for j in range(7):
            if lfsr & 1:
                rc |= 1 << ((1 << j) - 1)
            lfsr = ((lfsr << 1) ^ 0x71) & 0xFF if lfsr & 0x80 else lfsr << 1
        constants.append(rc)
    return constants


_ROT = _rotation_offsets()
_RC = _round_constants()
#: where pi moves lane (x, y): to (y, 2x + 3y)
_PI = [y + 5 * ((2 * x + 3 * y) % 5) for y in range(5) for x in range(5)]
_PI_SRC = [x + 5 * y for y in range(5) for x in range(5)]


def _rotl(v: int, n: int) -> int:
    return ((v << n) | (v >> (64 - n))) & _MASK if n else v


def _keccak_f(a: list[int]) -> None:
    for rc in _RC:
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rotl(c[(x + 1) % 5], 1) for x in range(5)]
        b = [0] * 25
        for src, dst in zip(_PI_SRC, _PI, strict=True):
            b[dst] = _rotl(a[src] ^ d[src % 5], _ROT[src])
        for y in range(0, 25, 5):
            row = b[y : y + 5]
            for x in range(5):
                a[y + x] = row[x] ^ (~row[(x + 1) % 5] & _MASK & row[(x + 2) % 5])
        a[0] ^= rc


def keccak256(data: bytes) -> bytes:
    """Keccak-256 of ``data`` (what Solidity's ``keccak256`` and ``eth_utils.keccak`` compute)."""
    padded = bytearray(data) + b"\x01" + bytes(-(len(data) + 1) % _RATE)
    padded[-1] |= 0x80
    state = [0] * 25
    for off in range(0, len(padded), _RATE):
        block = padded[off : off + _RATE]
        for i in range(_RATE // 8):
            state[i] ^= int.from_bytes(block[8 * i : 8 * i + 8], "little")
        _keccak_f(state)
    return b"".join(lane.to_bytes(8, "little") for lane in state[:4])


def checksum_address(raw: bytes | str) -> str:
    """EIP-55 form of a 20-byte address (bytes, or hex with or without 0x)."""
    text = (raw.hex() if isinstance(raw, bytes) else raw.removeprefix("0x")).lower()
    digest = keccak256(text.encode()).hex()
    return "0x" + "".join(ch.upper() if int(digest[i], 16) >= 8 else ch for i, ch in enumerate(text))


# -- static ABI values ---------------------------------------------------------------------------


def _flat_types(params: Sequence[dict[str, Any]]) -> list[str]:
    """The head words of ``params`` when every one is static (a tuple's components in line)."""
    out: list[str] = []
    for p in params:
        kind = p["type"]
        if kind == "tuple":
            out += _flat_types(p["components"])
        elif kind.endswith("]") or kind in ("string", "bytes"):
            raise ConfigurationError(f"{kind} is a dynamic ABI type; read it through client_sdk.Hub")
        else:
            out.append(kind)
    return out


def _encode_word(kind: str, value: Any) -> bytes:
    if kind.startswith("uint"):
        return int(value).to_bytes(32, "big")
    if kind.startswith("int"):
        return int(value).to_bytes(32, "big", signed=True)
    if kind == "address":
        return bytes.fromhex(str(value).removeprefix("0x")).rjust(32, b"\0")
    if kind == "bool":
        return (1 if value else 0).to_bytes(32, "big")
    if kind.startswith("bytes"):
        return bytes(value).ljust(32, b"\0")
    raise ConfigurationError(f"cannot encode ABI type {kind}")


def _decode_word(kind: str, word: bytes) -> Any:
    if kind.startswith("uint"):
        return int.from_bytes(word, "big")
    if kind.startswith("int"):
        return int.from_bytes(word, "big", signed=True)
    if kind == "address":
        return checksum_address(word[12:])
    if kind == "bool":
        return word != bytes(32)
    if kind.startswith("bytes"):
        return word[: int(kind[5:])]
    raise ConfigurationError(f"cannot decode ABI type {kind}")


def _regroup(params: Sequence[dict[str, Any]], flat: list[Any]) -> list[Any]:
    """Flat head values back into the nesting of ``params`` (tuples as tuples)."""
    out: list[Any] = []
    for p in params:
        if p["type"] == "tuple":
            out.append(tuple(_regroup(p["components"], flat)))
        else:
            out.append(flat.pop(0))
    return out


@functools.cache
def _function(contract: str, name: str) -> tuple[bytes, dict[str, Any]]:
    """The selector and ABI entry of ``contract.name`` (one overload only)."""
    entries = [e for e in load_artifact(contract).abi if e.get("type") == "function" and e.get("name") == name]
    if len(entries) != 1:
        raise ConfigurationError(f"{contract} has {len(entries)} functions called {name!r} in its ABI")
    entry = entries[0]
    signature = name + "(" + ",".join(_canonical(i) for i in entry["inputs"]) + ")"
    return keccak256(signature.encode())[:4], entry


# -- the reader ----------------------------------------------------------------------------------


class ChainReader:
    """View calls to the hub's contracts on one chain, found through its deployment manifest.

    A context manager like :class:`~client_sdk.Hub`; ``get_licence`` and ``licence_status`` answer what
    the Hub's methods of those names answer."""

    def __init__(self, rpc_url: str, addresses: dict[str, str], timeout: float = DEFAULT_RPC_TIMEOUT) -> None:
        self.rpc_url = rpc_url
        #: contract name -> address, from the chain's manifest
        self.addresses = addresses
        self.timeout = timeout
        self._ids = 0

    @classmethod
    def connect(
        cls, rpc_url: str, *, deployments_dir: Path | None = None, timeout: float = DEFAULT_RPC_TIMEOUT
    ) -> ChainReader:
        """Ask ``rpc_url`` its chain id and load that chain's manifest (as :meth:`Hub.connect` does)."""
        chain_id = int(_rpc(rpc_url, "eth_chainId", [], timeout, 1), 16)
        path = manifest_path(chain_id, deployments_dir or default_deployments_dir())
        if not path.exists():
            raise DeploymentNotFound(chain_id, f"no manifest at {path}")
        return cls(rpc_url, read_addresses(path, expected_chain_id=chain_id), timeout)

    def __enter__(self) -> ChainReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def _request(self, method: str, params: list[Any]) -> Any:
        self._ids += 1
        return _rpc(self.rpc_url, method, params, self.timeout, self._ids)

    def call(self, contract: str, function: str, *args: Any) -> list[Any]:
        """``contract.function(*args)`` by ``eth_call`` at the latest block: its decoded outputs."""
        selector, entry = _function(contract, function)
        kinds = _flat_types(entry["inputs"])
        if len(kinds) != len(args):
            raise ConfigurationError(f"{contract}.{function} takes {len(kinds)} arguments, not {len(args)}")
        data = selector + b"".join(_encode_word(k, v) for k, v in zip(kinds, args, strict=True))
        if contract not in self.addresses:
            raise ManifestError(f"the manifest for this chain has no contract {contract!r}")
        tx = {"to": self.addresses[contract], "data": "0x" + data.hex()}
        raw = bytes.fromhex(str(self._request("eth_call", [tx, "latest"])).removeprefix("0x"))
        out_kinds = _flat_types(entry["outputs"])
        if len(raw) < 32 * len(out_kinds):
            raise TransactionFailed(
                f"{contract}.{function} answered {len(raw)} bytes, not {32 * len(out_kinds)}: "
                "is the manifest's address the hub's contract on this chain?"
            )
        flat = [_decode_word(k, raw[32 * i : 32 * i + 32]) for i, k in enumerate(out_kinds)]
        return _regroup(entry["outputs"], flat)

    def chain_time(self) -> int:
        """The latest block's time: what "now" means for a licence's status."""
        block = self._request("eth_getBlockByNumber", ["latest", False])
        return int(block["timestamp"], 16)

    def get_licence(self, licence_id: int) -> SimpleNamespace:
        """The licence as the chain holds it: the attributes of :class:`client_sdk.Licence`."""
        from .shapes import struct

        (info,) = self.call("LicenceMarket", "getLicence", licence_id)
        return SimpleNamespace(licence_id=licence_id, **struct("LicenceInfo").from_abi(info))

    def licence_status(self, licence_id: int, timestamp: int | None = None) -> Any:
        """The licence's :class:`~client_sdk.terms.LicenceStatus` at ``timestamp`` (default: now on chain)."""
        from .terms import LicenceStatus

        ts = self.chain_time() if timestamp is None else timestamp
        (status,) = self.call("LicenceMarket", "licenceStatus", licence_id, ts)
        return LicenceStatus(status)


def _post(url: str, body: bytes, timeout: float) -> bytes:
    """POST ``body`` as JSON to ``url``; the reply's body. Plain ``http://`` (a local node, the
    devnet) goes over one socket with HTTP/1.1 and ``Connection: close``, since urllib.request alone
    imports the email package (a sixth of this command's start-up); anything else (https, credentials
    in the URL) through urllib.request."""
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.username or not parts.hostname:
        import urllib.request

        request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return bytes(reply.read())
    import socket

    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    head = (
        f"POST {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    chunks = []
    with socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout) as sock:
        sock.sendall(head.encode("latin-1") + body)
        while data := sock.recv(65536):
            chunks.append(data)
    status_and_headers, _, payload = b"".join(chunks).partition(b"\r\n\r\n")
    lines = status_and_headers.decode("latin-1").split("\r\n")
    status = lines[0].split(" ", 2)
    if len(status) < 2 or not status[0].startswith("HTTP/") or not status[1].isdigit():
        raise OSError(f"not an HTTP answer: {lines[0][:80]!r}")
    if not 200 <= int(status[1]) < 300:
        raise OSError(f"HTTP {' '.join(status[1:])}")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return _dechunk(payload)
    if "content-length" in headers:
        return payload[: int(headers["content-length"])]
    return payload


def _dechunk(payload: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        end = payload.index(b"\r\n", pos)
        size = int(payload[pos:end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += payload[end + 2 : end + 2 + size]
        pos = end + 2 + size + 2


def _rpc(url: str, method: str, params: list[Any], timeout: float, request_id: int) -> Any:
    """One JSON-RPC request; a revert raises its typed error, anything else :class:`ChainUnavailable`
    or :class:`HubError` with the node's message."""
    body = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}).encode()
    try:
        answer = json.loads(_post(url, body, timeout))
    except (OSError, ValueError) as exc:  # urllib's errors are OSErrors too
        raise ChainUnavailable(url, str(getattr(exc, "reason", None) or exc)) from None
    error = answer.get("error") if isinstance(answer, dict) else {"message": "not a JSON-RPC answer"}
    if error:
        data = error.get("data")
        if isinstance(data, dict):
            data = data.get("data")
        if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
            from .reverts import decode_revert

            decoded = decode_revert(data)
            if decoded is not None:
                raise decoded
        raise HubError(f"{method} failed at {url}: {error.get('message', error)}")
    return answer["result"]


__all__ = ["ChainReader", "checksum_address", "keccak256"]
