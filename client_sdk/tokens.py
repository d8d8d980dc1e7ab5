"""The one module that reads an ERC-20's ``symbol()`` and ``decimals()`` from the chain, and writes an
amount in it as words (``7.5 USDT``). The market's allow-list names a currency by address only, so
``7500000`` of a token means nothing until the token is asked.

A token that lacks either function, or answers something else (no code at the address, a revert, a
symbol that is not printable text of at most 32 characters, decimals above :data:`MAX_DECIMALS`), has
``None`` there and a note saying why: its amounts stay in base units, named by address. A connection
error is not an answer and propagates (the caller decides: the API stores nothing and asks again).
The API keeps what it read in ``api_token`` (:mod:`api.tokens`); the CLI asks once per process.
Heavy modules load inside the functions: the CLI starts fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_DECIMALS", "TokenFacts", "amount_in_words", "decimal_text", "read_token", "token_facts"]

#: most decimals shown (10**77 is the largest power of ten below 2**256)
MAX_DECIMALS = 77
_SYMBOL, _DECIMALS = "0x95d89b41", "0x313ce567"  # symbol(), decimals()


@dataclass(frozen=True)
class TokenFacts:
    """What an ERC-20 answered: its symbol and decimals (``None``: not answered), and why not."""

    symbol: str | None
    decimals: int | None
    note: str | None = None


class _Refused(Exception):
    """The token answered something that is not the function's result (or reverted)."""


def _call(w3: Any, token: str, selector: str) -> bytes:
    from web3.exceptions import ContractLogicError

    try:
        out = bytes(w3.eth.call({"to": w3.to_checksum_address(token), "data": selector}))
    except ContractLogicError as exc:
        raise _Refused("reverted") from exc
    if not out:
        raise _Refused("no answer (no such function, or no contract at the address)")
    return out


def _symbol(w3: Any, token: str) -> str:
    from eth_abi import decode

    out = _call(w3, token, _SYMBOL)
    try:
        text = decode(["string"], out)[0] if len(out) > 32 else out.rstrip(b"\0").decode()  # bytes32 symbols
    except Exception as exc:  # not an ABI string nor bytes32 text
        raise _Refused("symbol() is not text") from exc
    text = text.strip()
    if not text or len(text) > 32 or not text.isprintable():
        raise _Refused("symbol() is empty, longer than 32 characters or not printable")
    return str(text)


def _decimals(w3: Any, token: str) -> int:
    out = _call(w3, token, _DECIMALS)
    value = int.from_bytes(out[:32], "big")
    if len(out) < 32 or value > MAX_DECIMALS:
        raise _Refused(f"decimals() is not a number from 0 to {MAX_DECIMALS}")
    return value


def read_token(w3: Any, token: str) -> TokenFacts:
    """``symbol()`` and ``decimals()`` of ``token`` as the chain answers now (by ``eth_call``); what it
    does not answer is ``None`` with a note. A connection error propagates."""
    found: dict[str, Any] = {"symbol": None, "decimals": None}
    notes = []
    for name, read in (("symbol", _symbol), ("decimals", _decimals)):
        try:
            found[name] = read(w3, token)
        except _Refused as exc:
            notes.append(f"{name}(): {exc}")
    return TokenFacts(found["symbol"], found["decimals"], "; ".join(notes)[:200] or None)


#: what this process learnt, by (connection, token): a CLI command shows many amounts in one token
_learnt: dict[tuple[int, str], TokenFacts] = {}


def token_facts(w3: Any, token: str) -> TokenFacts:
    """:func:`read_token`, asked once per connection and token in this process. The chain not
    answering at all is a fallback too (nothing known, a note why), so printing an amount never fails."""
    key = (id(w3), token.lower())
    if key not in _learnt:
        try:
            _learnt[key] = read_token(w3, token)
        except Exception as exc:  # the node unreachable: show base units rather than fail to print
            return TokenFacts(None, None, f"not read: {type(exc).__name__}")
    return _learnt[key]


def amount_in_words(value: int, currency: str, facts: TokenFacts | None = None) -> str:
    """``0.1 ETH``; an ERC-20 with its facts: ``7.5 USDT``; without decimals: ``7500000 base units of
    USDT (0x…)``; knowing nothing: ``7500000 units of token 0x…``. Exact for any uint256 (integers)."""
    from eth_utils import to_checksum_address

    if int(currency, 16) == 0:
        return f"{decimal_text(value, 18)} ETH"
    address = to_checksum_address(currency)
    if facts is None or facts.decimals is None:
        if facts is not None and facts.symbol is not None:
            return f"{value} base units of {facts.symbol} ({address})"
        return f"{value} units of token {address}"
    return f"{decimal_text(value, facts.decimals)} {facts.symbol or 'of token ' + address}"


def decimal_text(amount: int, decimals: int) -> str:
    """``amount`` base units as exact decimal text with ``decimals`` places, trailing zeros dropped
    (``7000001, 6`` -> ``"7.000001"``): integer arithmetic, so a uint256 is never rounded."""
    whole, fraction = divmod(amount, 10**decimals)
    return f"{whole}.{str(fraction).zfill(decimals).rstrip('0')}" if fraction else str(whole)
