"""Decoding logs straight from their topics and data, without web3's per-log machinery.

Static head types (uintN, intN, address, bool, bytesN) and ``string``/``bytes`` are read directly;
anything else (arrays, tuples) goes through :mod:`eth_abi`. Values come out JSON-ready: ints, lower-case
``0x`` addresses, ``0x`` hex for bytes, str for strings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import eth_abi
from eth_utils import keccak

from client_sdk.artifacts import artifact_names, load_artifact

log = logging.getLogger("indexer.decode")


def canonical_type(param: dict[str, Any]) -> str:
    t: str = param["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(canonical_type(c) for c in param["components"]) + ")" + t[len("tuple") :]
    return t


def event_signature(entry: dict[str, Any]) -> str:
    return entry["name"] + "(" + ",".join(canonical_type(i) for i in entry["inputs"]) + ")"


def _is_dynamic(t: str) -> bool:
    return t in ("string", "bytes") or t.endswith("[]") or t.startswith("(") or "[" in t


def _json_ready(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
        return value.lower()
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    return value


def _named(param: dict[str, Any], value: Any) -> Any:
    """JSON-ready value; tuples become dicts keyed by their component names."""
    t: str = param["type"]
    if t.startswith("tuple"):
        comps = param["components"]
        if t == "tuple":
            return {c["name"]: _named(c, v) for c, v in zip(comps, value, strict=True)}
        inner = {**param, "type": t[: t.rindex("[")]}
        return [_named(inner, v) for v in value]
    if t.endswith("]"):
        inner = {**param, "type": t[: t.rindex("[")]}
        return [_named(inner, v) for v in value]
    return _json_ready(value)


def _word_reader(t: str) -> Callable[[str], Any] | None:
    """A reader of one 32-byte word given as 64 hex chars, or None for types it cannot read."""
    if "[" in t or t.startswith("("):
        return None
    if t.startswith("uint"):
        return lambda w: int(w, 16)
    if t.startswith("int"):
        bits = int(t[3:] or 256)

        def signed(w: str) -> int:
            v = int(w, 16)
            return v - (1 << 256) if v >> 255 else v

        return signed if bits else None
    if t == "address":
        return lambda w: "0x" + w[24:]
    if t == "bool":
        return lambda w: int(w, 16) != 0
    if t.startswith("bytes") and t != "bytes":
        n = int(t[5:])
        return lambda w: "0x" + w[: 2 * n]
    return None


@dataclass(frozen=True)
class EventDecoder:
    """Decodes one event ABI. ``decode(topics, data_hex)`` returns the named arguments."""

    name: str
    signature: str
    topic0: str
    n_topics: int
    decode: Callable[[list[str], str], dict[str, Any]]


def build_decoder(entry: dict[str, Any]) -> EventDecoder:
    sig = event_signature(entry)
    topic0 = "0x" + keccak(text=sig).hex()
    indexed = [i for i in entry["inputs"] if i.get("indexed")]
    plain = [i for i in entry["inputs"] if not i.get("indexed")]
    topic_readers: list[tuple[str, Callable[[str], Any]]] = []
    for p in indexed:
        t = canonical_type(p)
        reader = None if _is_dynamic(t) else _word_reader(t)
        topic_readers.append((p["name"], reader or (lambda w: "0x" + w)))  # dynamic indexed: its keccak hash
    plain_types = [canonical_type(p) for p in plain]
    plain_names = [p["name"] for p in plain]
    fast = all(t in ("string", "bytes") or _word_reader(t) is not None for t in plain_types)
    word_readers = [None if t in ("string", "bytes") else _word_reader(t) for t in plain_types]

    def decode_fast(data: bytes) -> list[Any]:
        out: list[Any] = []
        hexdata = data.hex()
        for i, t in enumerate(plain_types):
            reader = word_readers[i]
            if reader is not None:
                out.append(reader(hexdata[64 * i : 64 * i + 64]))
                continue
            offset = int.from_bytes(data[32 * i : 32 * i + 32], "big")
            length = int.from_bytes(data[offset : offset + 32], "big")
            raw = data[offset + 32 : offset + 32 + length]
            if len(raw) != length:
                raise ValueError("dynamic value runs past the end of the data")
            out.append(raw.decode("utf-8", errors="replace") if t == "string" else "0x" + raw.hex())
        return out

    def decode_slow(data: bytes) -> list[Any]:
        return [_named(p, v) for p, v in zip(plain, eth_abi.decode(plain_types, data), strict=True)]

    decode_plain = decode_fast if fast else decode_slow

    def decode(topics: list[str], data_hex: str) -> dict[str, Any]:
        args: dict[str, Any] = {}
        for (name, reader), topic in zip(topic_readers, topics[1:], strict=True):
            args[name] = reader(topic[2:])
        if plain_types:
            data = bytes.fromhex(data_hex[2:])
            if len(data) < 32 * len(plain_types):
                raise ValueError("data shorter than the event's head")
            args.update(zip(plain_names, decode_plain(data), strict=True))
        return args

    return EventDecoder(entry["name"], sig, topic0, len(indexed) + 1, decode)


class EventRegistry:
    """Every event of every artifact, looked up by (address, topic0, number of topics).

    The ABI of the contract deployed at the log's address is preferred, so two events with the same
    signature but different ``indexed`` flags (ERC-20 vs ERC-721 ``Transfer``) never get mixed up.
    """

    def __init__(self, contracts: dict[str, str]) -> None:
        self.by_address: dict[str, dict[tuple[str, int], EventDecoder]] = {}
        self.anywhere: dict[tuple[str, int], EventDecoder] = {}
        self.contract_of: dict[str, str] = {a.lower(): n for n, a in contracts.items()}
        names = artifact_names()
        for name in names:
            for entry in load_artifact(name).abi:
                if entry.get("type") == "event" and not entry.get("anonymous"):
                    dec = build_decoder(entry)
                    self.anywhere.setdefault((dec.topic0, dec.n_topics), dec)
        for name, address in contracts.items():
            if name in names:
                table = self.by_address.setdefault(address.lower(), {})
                for entry in load_artifact(name).abi:
                    if entry.get("type") == "event" and not entry.get("anonymous"):
                        dec = build_decoder(entry)
                        table[(dec.topic0, dec.n_topics)] = dec

    def find(self, address: str, topics: list[str]) -> EventDecoder | None:
        if not topics:
            return None
        key = (topics[0], len(topics))
        own = self.by_address.get(address)
        if own is not None:
            dec = own.get(key)
            if dec is not None:
                return dec
        return self.anywhere.get(key)


@dataclass(slots=True)
class Log:
    """One log, decoded if its ABI is known (``event`` None otherwise)."""

    block_number: int
    block_hash: str
    log_index: int
    tx_hash: str
    tx_index: int
    address: str
    topics: list[str]
    data: str
    block_time: int | None
    contract: str | None
    event: str | None
    args: dict[str, Any] | None


def decode_logs(raw_logs: Iterable[dict[str, Any]], registry: EventRegistry) -> list[Log]:
    """Turn ``eth_getLogs`` results into :class:`Log` objects; unknown or malformed logs stay raw."""
    out: list[Log] = []
    unknown = 0
    for r in raw_logs:
        address = r["address"].lower()
        topics = [t.lower() for t in r["topics"]]
        data = r["data"]
        dec = registry.find(address, topics)
        event = args = None
        if dec is not None:
            try:
                args = dec.decode(topics, data)
                event = dec.name
            except (ValueError, IndexError, eth_abi.exceptions.DecodingError) as exc:
                log.warning("log %s/%s matches %s but does not decode (%s); kept raw",
                            r["blockHash"], r["logIndex"], dec.signature, exc)  # fmt: skip
        else:
            unknown += 1
        ts = r.get("blockTimestamp")
        out.append(
            Log(
                block_number=int(r["blockNumber"], 16),
                block_hash=r["blockHash"].lower(),
                log_index=int(r["logIndex"], 16),
                tx_hash=r["transactionHash"].lower(),
                tx_index=int(r["transactionIndex"], 16),
                address=address,
                topics=topics,
                data=data,
                block_time=int(ts, 16) if ts else None,
                contract=registry.contract_of.get(address),
                event=event,
                args=args,
            )
        )
    if unknown:
        log.warning("%d log(s) with no known event ABI were kept raw", unknown)
    return out
