"""ERC-20 symbols and decimals: read from the chain once per token, the first time the API shows an
amount in it, and kept in ``api_token`` (:class:`indexer.tables.api_state.TokenFacts`) for every API
process. The market's allow-list event carries only the address, so the mirror alone cannot say that
``7000000`` of a token is ``7 USDC``.

- An offer's ``currency_token`` relation reads ``api_token`` with the page; a token it lacks is read
  then (:func:`unknown`: ``symbol()`` and ``decimals()`` by ``eth_call``) and what it answered stored. A token without either function (or
  one that answers something else: no code at the address, a revert, a symbol that is not text,
  decimals above 77) is stored with NULL there and a ``note`` saying why, and its amounts stay in base
  units with a null symbol: the fallback is stored too, so it is asked once. The chain down or no
  chain configured: nothing is stored, amounts show in base units, and a later request asks again.
- The read layer reaches the chain through :data:`REACH` (set by :func:`api.read.in_session` for the
  request's thread), so presenting needs no argument threaded through; outside a request nothing is
  learnt. A page of tokens all known costs no query beyond the relation's one.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from client_sdk.tokens import MAX_DECIMALS, read_token
from indexer import models as m
from indexer.backends import backend_for

__all__ = ["MAX_DECIMALS", "REACH", "Reach", "facts_of", "read_facts", "unknown"]

log = logging.getLogger("api.tokens")


@dataclass
class Reach:
    """What a request may use to learn a token: the chain (a function giving a Web3, called on first
    need) and the database to store in; and what it learnt, by address (its read session began before
    the rows were stored, so its snapshot does not hold them: the request shows them from here)."""

    web3: Callable[[], Any]
    engine: Engine
    learnt: dict[str, tuple[str | None, int | None] | None] = field(default_factory=dict)


#: the request's :class:`Reach` (``None``: outside a request, learn nothing)
REACH: contextvars.ContextVar[Reach | None] = contextvars.ContextVar("api_tokens_reach", default=None)
_table = m.TokenFacts.__table__  # type: ignore[attr-defined]


def read_facts(w3: Any, token: str) -> dict[str, Any]:
    """The ``api_token`` row of ``token`` as the chain answers now (:func:`client_sdk.tokens.read_token`,
    the one reader the CLI uses too). A connection error propagates (the chain is down: store nothing)."""
    facts = read_token(w3, token)
    return {
        "address": token.lower(),
        "symbol": facts.symbol,
        "decimals": facts.decimals,
        "note": facts.note,
        "read_at": int(time.time()),
    }


def _is_erc20(currency: str | None) -> bool:
    return bool(currency) and int(currency, 16) != 0  # type: ignore[arg-type]


def unknown(currency: str) -> tuple[str | None, int | None] | None:
    """``(symbol, decimals)`` of an ERC-20 that ``api_token`` did not hold when the request read it:
    read from the chain now and stored (once per request and token), or ``None`` (ether, outside a
    request, or the chain down: asked again by a later request)."""
    reach = REACH.get()
    if reach is None or not _is_erc20(currency):
        return None
    address = currency.lower()
    if address not in reach.learnt:
        reach.learnt[address] = None
        try:
            row = read_facts(reach.web3(), address)
        except Exception as exc:  # the chain down or not configured: the amounts stay in base units for now
            log.info("token %s not read (%s); its amounts stay in base units", address, type(exc).__name__)
            return None
        with reach.engine.begin() as conn:  # its own short transaction: the read session stays read-only
            backend_for(conn).upsert(conn, _table, [row], distinct_keys=True)
        reach.learnt[address] = (row["symbol"], row["decimals"])
    return reach.learnt[address]


def facts_of(session: Session, currencies: Iterable[str]) -> dict[str, tuple[str | None, int | None] | None]:
    """``{address: (symbol, decimals)}`` of the ERC-20s among ``currencies``: what ``api_token`` holds,
    the others read now (:func:`unknown`)."""
    tokens = {c.lower() for c in currencies if _is_erc20(c)}
    if not tokens:
        return {}
    query = sa.select(_table.c.address, _table.c.symbol, _table.c.decimals).where(_table.c.address.in_(tokens))
    known: dict[str, tuple[str | None, int | None] | None] = {a: (s, d) for a, s, d in session.execute(query)}
    return {t: known[t] if t in known else unknown(t) for t in tokens}
