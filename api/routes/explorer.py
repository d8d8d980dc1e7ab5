"""The explorer: server-rendered pages, in English and Chinese, for auditors who read the chain
without JavaScript.

- ``/explorer``: the head and the latest blocks, and a search box (a plain GET form);
- ``/explorer/blocks/{number}``: a block and its transactions, at most :data:`TXS_PER_PAGE` a page;
- ``/explorer/tx/{hash}``: a transaction, its hub call decoded with the argument names of the committed
  ABIs, its events decoded, its status, and a failed one's revert reason decoded by
  :func:`client_sdk.reverts.decode_revert` (the call replayed at the parent block);
- ``/explorer/address/{address}``: works held, licences held and earnings, from the mirror.

Blocks and transactions come from the chain through the API's :class:`~client_sdk.Hub`; an RPC that
does not answer gives a page that says so (503), not a 500. Every parameter is bounded: block numbers
to a signed 64-bit integer, hashes and addresses to their exact hex shapes, page numbers by the block's
size. The pages stay out of the OpenAPI document, like the catalogue page: they are for people.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

import jinja2
from eth_typing import HexStr
from eth_utils import event_abi_to_log_topic
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import TransactionNotFound

from client_sdk import Hub
from client_sdk.artifacts import load_artifact
from client_sdk.errors import ConfigurationError, ContractRevert
from client_sdk.reverts import decode_revert, revert_data_from_exception

from ..deps import Page, SessionDep, TemplatesDep, get_hub
from ..i18n import LangQuery, Locale, locale_of
from ..models import checksum
from ..problems import Problem
from ..read import conditions, earnings, list_rows, present
from ..rendering import render
from ..resources import LICENCES, WORKS
from ..services import CHAIN_DOWN

router = APIRouter(prefix="/explorer", tags=["explorer"], include_in_schema=False)

#: transactions listed on one page of a block
TXS_PER_PAGE = 25
#: blocks listed on the explorer's front page
LATEST_BLOCKS = 10
#: works and licences listed on an address page (the JSON API pages through the rest)
ADDRESS_ROWS = 50
#: the largest block number accepted: what SQL and JSON-RPC quantities hold without surprises
BLOCK_MAX = 2**63 - 1
TX_HASH = r"^0x[0-9a-fA-F]{64}$"
ADDRESS = r"^0x[0-9a-fA-F]{40}$"
ZERO_ADDRESS = "0x" + "0" * 40

BlockNumber = Annotated[int, Path(ge=0, le=BLOCK_MAX, description="a block number")]
TxHash = Annotated[str, Path(pattern=TX_HASH, description="a transaction hash: 0x and 64 hex digits")]
AccountAddress = Annotated[str, Path(pattern=ADDRESS, description="an address: 0x and 40 hex digits")]
PageNumber = Annotated[int, Query(ge=1, le=BLOCK_MAX, description="page of the block's transactions")]


class _Unavailable(Exception):
    """The chain did not answer (or the API has no deployment to read it with)."""


@contextmanager
def _chain() -> Iterator[None]:
    """Around the explorer's chain reads: an outage becomes :class:`_Unavailable` (a page saying so); a
    revert is an answer and passes."""
    try:
        yield
    except Problem as exc:
        if exc.status_code == 503:
            raise _Unavailable from None
        raise
    except CHAIN_DOWN as exc:
        if isinstance(exc, ContractRevert):
            raise
        raise _Unavailable from None


def _page(
    templates: jinja2.Environment, request: Request, loc: Locale, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    """Render an explorer page in ``loc``'s language, with the switch to the others for this path."""
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    response = render(
        templates, template, t=loc.t, lang=loc.lang, href=loc.href, switch=loc.switch(request.url.path, **query),
        short=_short, **context,
    )  # fmt: skip
    response.status_code = status
    # the same URL answers in another language for another Accept-Language: caches must keep them apart
    response.headers["Content-Language"] = loc.lang
    response.headers["Vary"] = "Accept-Language"
    return response


def _error(templates: jinja2.Environment, request: Request, loc: Locale, status: int, message: str) -> HTMLResponse:
    heading = loc.t["not_found"] if status == 404 else loc.t["error"]
    return _page(templates, request, loc, "explorer_error.html", status, heading=heading, message=message)


def _short(value: str, keep: int = 10) -> str:
    """A long hash shortened for a table cell (the link and its title carry it whole)."""
    return value if len(value) <= 2 * keep + 1 else f"{value[:keep]}…{value[-keep + 2 :]}"


def _hex(value: Any) -> str:
    return HexBytes(value).to_0x_hex()


def show(value: Any) -> str:
    """An ABI value as text: bytes as 0x hex, tuples and lists in brackets, everything else as ``str``."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, tuple):
        return "(" + ", ".join(show(v) for v in value) + ")"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


# -- decoding with the committed ABIs ------------------------------------------------------------------


@dataclass(frozen=True)
class Argument:
    name: str
    type: str
    value: str
    #: a link when the value is an address
    address: str | None = None


def _arguments(inputs: list[dict[str, Any]], values: dict[str, Any]) -> list[Argument]:
    out = []
    for n, param in enumerate(inputs):
        name = param.get("name") or f"arg{n}"
        value = values.get(name)
        address = checksum(value) if param["type"] == "address" and isinstance(value, str) else None
        out.append(Argument(name, param["type"], show(value), address))
    return out


@dataclass(frozen=True)
class DecodedEvent:
    log_index: int
    address: str
    contract: str | None
    name: str | None
    arguments: list[Argument] = field(default_factory=list)
    topic0: str = ""


@dataclass
class HubAbis:
    """The hub's contracts on this chain (from its deployment manifest) with their committed ABIs, by
    lower-case address; a contract without an artifact is left out (its calls show raw)."""

    contracts: dict[str, tuple[str, Contract]]
    #: the events of each contract (by its name), by topic 0
    events: dict[str, dict[str, dict[str, Any]]]

    @classmethod
    # one per Hub (an API keeps one for its life): artifacts are read once, not on every page
    @functools.lru_cache(maxsize=8)
    def of(cls, hub: Hub) -> HubAbis:
        contracts = {}
        events: dict[str, dict[str, dict[str, Any]]] = {}
        for name, deployed in hub.deployment.contracts.items():
            try:
                abi = load_artifact(name).abi
            except ConfigurationError:
                continue
            address = Web3.to_checksum_address(deployed.address)
            contracts[address.lower()] = (name, hub.w3.eth.contract(address=address, abi=abi))
            events[name] = {
                _hex(event_abi_to_log_topic(e)): e  # type: ignore[arg-type]
                for e in abi
                if e.get("type") == "event" and not e.get("anonymous")
            }
        return cls(contracts, events)

    def name_of(self, address: str | None) -> str | None:
        found = self.contracts.get((address or "").lower())
        return found[0] if found else None

    def call(self, to: str | None, data: bytes) -> tuple[str, str, list[Argument]] | None:
        """(contract, function, arguments) of a call to a hub contract, or None."""
        found = self.contracts.get((to or "").lower())
        if found is None or len(data) < 4:
            return None
        name, contract = found
        try:
            fn, values = contract.decode_function_input(data)
        except ValueError:  # an unknown selector or undecodable arguments
            return None
        return name, fn.fn_name, _arguments(fn.abi["inputs"], values)

    def method(self, to: str | None, data: bytes) -> str | None:
        """The function name of a call to a hub contract, from its selector alone (for lists)."""
        found = self.contracts.get((to or "").lower())
        if found is None or len(data) < 4:
            return None
        try:
            fn = found[1].get_function_by_selector(data[:4])
        except ValueError:
            return None
        return f"{found[0]}.{fn.fn_name}"

    def event(self, log: Any) -> DecodedEvent:
        address = checksum(log["address"])
        topics = log["topics"]
        topic0 = _hex(topics[0]) if topics else ""
        found = self.contracts.get(address.lower())
        if found is not None and topics:
            name, contract = found
            entry = self.events[name].get(topic0)
            if entry is not None:
                decoded = getattr(contract.events, entry["name"])().process_log(log)
                arguments = _arguments(entry["inputs"], dict(decoded["args"]))
                return DecodedEvent(log["logIndex"], address, name, entry["name"], arguments)
        return DecodedEvent(log["logIndex"], address, found[0] if found else None, None, topic0=topic0)


def revert_of(hub: Hub, tx: Any) -> ContractRevert | None:
    """Why a mined transaction failed: the call replayed at its parent block, the revert data decoded
    by :mod:`client_sdk.reverts` (None when the replay succeeds or says nothing decodable)."""
    call = {"from": tx["from"], "to": tx["to"], "data": _hex(tx["input"]), "value": tx["value"], "gas": tx["gas"]}
    try:
        hub.w3.eth.call(call, tx["blockNumber"] - 1)  # type: ignore[arg-type]
    except CHAIN_DOWN as exc:
        data = revert_data_from_exception(exc)
        if data is None and isinstance(exc, ContractRevert):
            return exc
        if data is None:
            if isinstance(exc, OSError):
                raise
            return None
        return decode_revert(data, _hex(tx["hash"]))
    return None


# -- pages ---------------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse, name="explorer-home")
def explorer_home(request: Request, templates: TemplatesDep, lang: LangQuery = None) -> HTMLResponse:
    """The head of the chain and the latest blocks."""
    loc = locale_of(request, lang)
    try:
        with _chain():
            hub = get_hub(request)
            w3 = hub.w3
            head = w3.eth.block_number
            blocks = [w3.eth.get_block(n) for n in range(head, max(-1, head - LATEST_BLOCKS), -1)]
    except _Unavailable:
        return _error(templates, request, loc, 503, loc.t["chain_down"])
    contracts = sorted((name, contract.address) for name, contract in HubAbis.of(hub).contracts.values())
    return _page(
        templates, request, loc, "explorer_home.html", head=head, blocks=blocks, hexs=_hex, contracts=contracts
    )


@router.get("/search", response_class=RedirectResponse, name="explorer-search")
def explorer_search(
    request: Request,
    templates: TemplatesDep,
    q: Annotated[str, Query(max_length=200, description="block number, transaction hash or address")] = "",
    lang: LangQuery = None,
) -> Response:
    """Where a search box leads: a block number, a transaction hash or an address; else a page that
    says what the box takes."""
    loc = locale_of(request, lang)
    query = q.strip()
    if query.isascii() and query.isdigit() and int(query) <= BLOCK_MAX:
        target = f"/explorer/blocks/{int(query)}"
    elif re.fullmatch(TX_HASH, query):
        target = f"/explorer/tx/{query.lower()}"
    elif re.fullmatch(ADDRESS, query):
        target = f"/explorer/address/{checksum(query)}"
    else:
        return _error(templates, request, loc, 400, loc.t["search_not_understood"].format(query=query))
    return RedirectResponse(loc.href(target), status_code=303)


@router.get("/blocks/{number}", response_class=HTMLResponse, name="explorer-block")
def explorer_block(
    number: BlockNumber, request: Request, templates: TemplatesDep, page: PageNumber = 1, lang: LangQuery = None
) -> HTMLResponse:
    """A block and one page of its transactions (method names decoded for hub calls)."""
    loc = locale_of(request, lang)
    try:
        with _chain():
            hub = get_hub(request)
            head = hub.w3.eth.block_number
            if number > head:
                return _error(templates, request, loc, 404, loc.t["block_not_found"].format(number=number, head=head))
            block = hub.w3.eth.get_block(number)
            hashes = [_hex(h) for h in block["transactions"]]
            pages = max(1, -(-len(hashes) // TXS_PER_PAGE))
            page = min(page, pages)
            first = (page - 1) * TXS_PER_PAGE
            abis = HubAbis.of(hub)
            txs = []
            for h in hashes[first : first + TXS_PER_PAGE]:
                tx = hub.w3.eth.get_transaction(HexStr(h))
                to = checksum(tx["to"]) if tx.get("to") else None
                txs.append({"hash": h, "from": checksum(tx["from"]), "to": to,
                            "value": tx["value"], "method": abis.method(to, bytes(tx["input"]))})  # fmt: skip
    except _Unavailable:
        return _error(templates, request, loc, 503, loc.t["chain_down"])
    return _page(
        templates, request, loc, "explorer_block.html", block=block, hexs=_hex, head=head, txs=txs, count=len(hashes),
        first=first, page=page, pages=pages, contract_name=abis.name_of,
    )  # fmt: skip


@router.get("/tx/{tx_hash}", response_class=HTMLResponse, name="explorer-transaction")
def explorer_transaction(
    tx_hash: TxHash, request: Request, templates: TemplatesDep, lang: LangQuery = None
) -> HTMLResponse:
    """A transaction: status, its hub call and events decoded by the ABIs, and a failure's reason."""
    loc = locale_of(request, lang)
    try:
        with _chain():
            hub = get_hub(request)
            try:
                tx = hub.w3.eth.get_transaction(HexStr(tx_hash))
            except TransactionNotFound:
                return _error(templates, request, loc, 404, loc.t["tx_not_found"].format(hash=tx_hash))
            abis = HubAbis.of(hub)
            receipt = None
            block = None
            events: list[DecodedEvent] = []
            revert = None
            if tx.get("blockNumber") is not None:
                receipt = hub.w3.eth.get_transaction_receipt(HexStr(tx_hash))
                block = hub.w3.eth.get_block(tx["blockNumber"])
                events = [abis.event(log) for log in receipt["logs"]]
                if receipt["status"] == 0:
                    revert = revert_of(hub, tx)
    except _Unavailable:
        return _error(templates, request, loc, 503, loc.t["chain_down"])
    to = checksum(tx["to"]) if tx.get("to") else None
    data = bytes(tx["input"])
    return _page(
        templates, request, loc, "explorer_tx.html", tx=tx, tx_hash=_hex(tx["hash"]), sender=checksum(tx["from"]),
        to=to, receipt=receipt, block=block, call=abis.call(to, data), raw_input="0x" + data.hex(), events=events,
        revert=revert, contract_name=abis.name_of, show=show,
    )  # fmt: skip


@router.get("/address/{address}", response_class=HTMLResponse, name="explorer-address")
def explorer_address(
    address: AccountAddress, request: Request, session: SessionDep, templates: TemplatesDep, lang: LangQuery = None
) -> HTMLResponse:
    """Works held (lead or co-owner), licences held and earnings of an address, from the mirror."""
    loc = locale_of(request, lang)
    account = checksum(address)
    page = Page(ADDRESS_ROWS, 0)
    work_rows, work_count = list_rows(session, WORKS, conditions(WORKS, {"owner": account}), page)
    licence_rows, licence_count = list_rows(session, LICENCES, conditions(LICENCES, {"holder": account}), page)
    return _page(
        templates, request, loc, "explorer_address.html", account=account, zero=ZERO_ADDRESS,
        works=present(session, WORKS, work_rows), work_count=work_count,
        licences=present(session, LICENCES, licence_rows), licence_count=licence_count,
        earnings=earnings(session, account), share=_share_of(account), checksum=checksum,
    )  # fmt: skip


def _share_of(account: str) -> Callable[[Any], str]:
    """The account's share of a work, as a percentage text."""

    def share(work: Any) -> str:
        bps = sum(o.bps for o in work.owners if o.account.lower() == account.lower())
        return f"{bps / 100:g}%"

    return share
