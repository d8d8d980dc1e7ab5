"""The one place that turns revert data into typed :class:`~client_sdk.errors.ContractRevert` errors."""

from __future__ import annotations

import functools
from typing import Any

from eth_abi import decode
from eth_utils import keccak

from .artifacts import _canonical, all_abi_entries
from .errors import REVERT_CLASSES, ContractRevert

_PANIC_SELECTOR = bytes.fromhex("4e487b71")
_ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")


@functools.cache
def _selectors() -> dict[bytes, dict[str, Any]]:
    table = {}
    for entry in all_abi_entries():
        if entry["type"] == "error":
            sig = entry["name"] + "(" + ",".join(_canonical(i) for i in entry["inputs"]) + ")"
            table[keccak(text=sig)[:4]] = entry
    return table


def decode_revert(data: bytes | str | None, tx_hash: str | None = None) -> ContractRevert | None:
    """Decode revert data into a typed error, or ``None`` if it is empty or unknown."""
    if data is None:
        return None
    if isinstance(data, str):
        data = bytes.fromhex(data.removeprefix("0x"))
    if len(data) < 4:
        return None
    selector, body = data[:4], data[4:]
    if selector == _ERROR_STRING_SELECTOR:
        (message,) = decode(["string"], body)
        return ContractRevert("Error", {"message": message}, tx_hash)
    if selector == _PANIC_SELECTOR:
        (code,) = decode(["uint256"], body)
        return ContractRevert("Panic", {"code": code}, tx_hash)
    entry = _selectors().get(selector)
    if entry is None:
        return None
    values = decode([_canonical(i) for i in entry["inputs"]], body)
    args = {i["name"] or f"arg{n}": v for n, (i, v) in enumerate(zip(entry["inputs"], values, strict=True))}
    cls = REVERT_CLASSES.get(entry["name"], ContractRevert)
    return cls(entry["name"], args, tx_hash)


def revert_data_from_exception(exc: BaseException) -> bytes | None:
    """Find revert data inside a web3 / RPC exception, if there is any."""
    candidates: list[Any] = [getattr(exc, "data", None)]
    candidates.extend(a for a in getattr(exc, "args", ()) if isinstance(a, (str, dict)))
    for c in candidates:
        if isinstance(c, dict):
            c = c.get("data")
        if isinstance(c, str) and c.startswith("0x") and len(c) >= 10:
            try:
                return bytes.fromhex(c[2:])
            except ValueError:
                continue
        if isinstance(c, bytes) and len(c) >= 4:
            return c
    return None
