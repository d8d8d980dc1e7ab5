"""Trading without custody: the order book of signed offers, transactions built for the buyer's (or
the studio's) own wallet, and a relay for the transactions they sign.

The server never signs. It checks a signed offer against the chain before it lists it, simulates a
purchase from the buyer's own address before it hands out the unsigned transaction (so a purchase
that would revert is answered with the contract's custom error, before anything is signed), and
relays only signed transactions that call a hub contract on this chain.

Every body and answer is derived from the contracts' ABI: the signed offer is the ABI's
``SignedOffer`` struct (:func:`client_sdk.signed_offer_param`), each studio action's arguments are
its function's ABI inputs (:data:`ACTIONS`), and integers wider than 53 bits are decimal strings
whose pattern bounds them exactly by their ABI type.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Annotated, Any, Literal

from eth_account import Account
from eth_account.typed_transactions import TypedTransaction
from eth_keys import keys
from eth_keys.exceptions import BadSignature
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from hexbytes import HexBytes
from pydantic import BaseModel, ConfigDict, Field, create_model
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractCustomError, ContractLogicError, TransactionNotFound, Web3RPCError
from web3.logs import DISCARD
from web3.types import Wei

from client_sdk import ETH, ContractRevert, Hub, Right
from client_sdk._licensing import (
    JSON_SAFE_BITS,
    from_json_value,
    json_value,
    signed_offer_from_json,
    signed_offer_param,
    within_cap,
)
from client_sdk.chain import prepare_transaction
from client_sdk.errors import REVERT_CLASSES, TransactionFailed
from client_sdk.reverts import decode_revert, revert_data_from_exception
from client_sdk.terms import SignedOffer

from .. import tokens
from ..deps import ChainIdQuery, HubDep, PageDep, get_services, mirror_session
from ..guards import GuardedRoute
from ..models import Address as AddressOut
from ..models import OfferInWords, TermsPublic, Uint256Text, offer_in_words
from ..problems import Problem, problem_responses
from ..services import chain_call
from ..stores.signed_offers import STATUSES, BookFilter, SignedOfferBook

router = APIRouter(tags=["trading"])
#: the routes that take a body and run calls on the chain: each client is rate limited and bodies over
#: ``settings.max_body_bytes`` are a 413, before anything is read (:class:`api.guards.GuardedRoute`)
writes = APIRouter(tags=["trading"], route_class=GuardedRoute)

ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"
HASH_PATTERN = r"^0x[0-9a-fA-F]{64}$"
#: the largest signed transaction the relay takes (bytes): a purchase with the longest terms is ~2 KiB
MAX_RAW_TX_BYTES = 16 * 1024
#: the longest string argument (a legal text's URI)
MAX_STRING = 2048
#: the longest array argument (territories: the contract allows far fewer)
MAX_ARRAY = 256


# -- JSON models from the ABI ---------------------------------------------------------------------


def decimal_at_most(bound: int) -> str:
    """A regular expression for the decimal numbers 0..``bound`` (no leading zeros), exactly."""
    digits = str(bound)
    alternatives = ["0", f"[1-9][0-9]{{0,{len(digits) - 2}}}" if len(digits) > 1 else None]
    for i, d in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(d) > low:
            rest = len(digits) - i - 1
            alternatives.append(f"{digits[:i]}[{low}-{int(d) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    alternatives.append(digits)
    return "^(" + "|".join(a for a in dict.fromkeys(alternatives) if a) + ")$"


def _annotation(param: Mapping[str, Any], owner: str) -> Any:
    """The pydantic type of one ABI parameter, bounded as its ABI type bounds it."""
    kind = str(param["type"])
    if kind.endswith("]"):
        element = _annotation({**param, "type": kind[: kind.rindex("[")]}, owner)
        return Annotated[list[element], Field(max_length=MAX_ARRAY)]  # type: ignore[valid-type]
    if kind == "tuple":
        name = str(param.get("internalType", "")).split(".")[-1].removeprefix("struct ").split("[")[0] or owner
        return abi_model(name + "Json", param["components"])
    if kind.startswith("uint"):
        bits = int(kind[4:] or 256)
        if bits > JSON_SAFE_BITS:
            return Annotated[str, Field(pattern=decimal_at_most(2**bits - 1), description=f"{kind}, decimal")]
        return Annotated[int, Field(ge=0, le=2**bits - 1, description=kind)]
    if kind == "address":
        return Annotated[str, Field(pattern=ADDRESS_PATTERN)]
    if kind == "bool":
        return bool
    if kind == "string":
        return Annotated[str, Field(max_length=MAX_STRING)]
    if kind.startswith("bytes") and kind != "bytes":
        return Annotated[str, Field(pattern=rf"^0x[0-9a-fA-F]{{{2 * int(kind[5:])}}}$")]
    raise TypeError(f"no JSON model for ABI type {kind}")


@functools.cache
def _model(name: str, params_json: str) -> type[BaseModel]:
    params = json.loads(params_json)
    fields: dict[str, Any] = {p["name"]: (_annotation(p, name), ...) for p in params}
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


def abi_model(name: str, params: Sequence[Mapping[str, Any]]) -> type[BaseModel]:
    """A pydantic model of ABI parameters (a struct's components, a function's inputs), keyed by
    their ABI names; made once per shape, so a struct used twice is one OpenAPI schema."""
    return _model(name, json.dumps(list(params), sort_keys=True))


def _function_inputs(contract: str, function: str) -> list[dict[str, Any]]:
    from client_sdk.artifacts import load_artifact

    (entry,) = (e for e in load_artifact(contract).abi if e["type"] == "function" and e["name"] == function)
    return list(entry["inputs"])


SignedOfferJson = abi_model("SignedOfferJson", signed_offer_param()["components"])
Address = Annotated[str, Field(pattern=ADDRESS_PATTERN, description="0x and 40 hex digits")]
#: a uint256 a client sends: a decimal string, bounded exactly (``api.models.Uint256Text`` is the answers' form)
Uint256In = Annotated[str, Field(pattern=decimal_at_most(2**256 - 1), description="uint256, decimal")]


class SignedOfferIn(BaseModel):
    """A signed offer as ``copyright-hub offer sign`` writes it (:func:`client_sdk.signed_offer_to_json`)."""

    model_config = ConfigDict(extra="forbid")
    offer: SignedOfferJson  # type: ignore[valid-type]
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="65 bytes: r, s, v")


class SignedOfferPublic(SignedOfferIn, OfferInWords):
    """A signed offer of the book. ``offer`` and ``signature`` are what a buyer redeems, as signed; the
    rest reads them as on-chain offers read (``GET /offers``): the same terms model, price and supply
    words (:class:`api.models.OfferInWords`)."""

    digest: str = Field(description="LicenceMarket.hashSignedOffer(offer): the EIP-712 digest the seller signed")
    status: Literal[STATUSES]  # type: ignore[valid-type]
    published_at: int = Field(description="unix seconds it entered the book")
    work_id: Uint256Text
    seller: AddressOut
    buyer: AddressOut = Field(description="the only account that may fill it; 0x00…00: anyone")
    terms: TermsPublic = Field(description="offer.terms in the words of GET /offers: rights by name, territories...")
    price: Uint256Text = Field(description="wei, or the token's base units")
    currency: AddressOut = Field(description="0x000…000 for ETH, else the ERC-20 token address")
    supply_cap: int = Field(description="licences it may sell (0: no cap)")
    sold: int = Field(description="licences sold under the seller's nonce (as the mirror has seen)")


class SignedOffersPublic(BaseModel):
    data: list[SignedOfferPublic]
    count: int


class UnsignedTransaction(BaseModel):
    """An EIP-1559 transaction to sign in the sender's own wallet; every number a decimal string."""

    description: str
    type: Literal["0x2"] = "0x2"
    from_: str = Field(alias="from", pattern=ADDRESS_PATTERN)
    to: str = Field(pattern=ADDRESS_PATTERN)
    data: str
    value: Uint256Text
    chainId: Uint256Text
    nonce: Uint256Text
    gas: Uint256Text
    maxFeePerGas: Uint256Text
    maxPriorityFeePerGas: Uint256Text
    model_config = ConfigDict(populate_by_name=True)


class TransactionsPublic(BaseModel):
    """What to sign, in order. ``approval_required``: the first one approves the market to take an
    ERC-20 price; once it is mined, ask for the purchase again."""

    transactions: list[UnsignedTransaction]
    approval_required: bool = False
    price: Uint256Text | None = None
    currency: str | None = None
    detail: str


class FulfilRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    buyer: Address
    max_price: Uint256In = Field(description="the most the buyer pays (wei, or the token's base units)")


class RelayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    raw: str = Field(
        pattern=r"^0x([0-9a-fA-F]{2})+$",
        max_length=2 + 2 * MAX_RAW_TX_BYTES,
        description="a signed EIP-2718 transaction (type 1 or 2) calling a hub contract, as 0x hex",
    )


class RevertPublic(BaseModel):
    name: str
    args: dict[str, Any]
    hint: str


class RelayedPublic(BaseModel):
    hash: str
    status: Literal["pending", "mined", "reverted", "unknown"]
    block_number: int | None = None
    licence_ids: list[Uint256Text] = []
    error: RevertPublic | None = None


# -- the order book ---------------------------------------------------------------------------------


def get_book(request: Request) -> SignedOfferBook:
    return SignedOfferBook(get_services(request).engine)


BookDep = Annotated[SignedOfferBook, Depends(get_book)]

#: which field of a signed offer a refusal points at, by the contract's custom error
REFUSED_FIELD: dict[str, str] = {
    "SignatureExpired": "offer.deadline",
    "StaleCounter": "offer.counter",
    "OwnershipChanged": "offer.ownershipEpoch",
    "InvalidSignature": "signature",
    "NonceUnavailable": "offer.nonce",
    "NotOfferBuyer": "offer.buyer",
    "NotWorkOwner": "offer.seller",
    "WorkNotFound": "offer.terms.workId",
    "WorkNotActive": "offer.terms.workId",
    "InvalidRights": "offer.terms.rights",
    "InvalidWindow": "offer.terms.end",
    "TermsEnded": "offer.terms.end",
    "InvalidTerritories": "offer.terms.territories",
    "CurrencyNotAllowed": "offer.terms.currency",
    "InvalidSupplyCap": "offer.terms.supplyCap",
    "SupplyExhausted": "offer.terms.supplyCap",
    "AttestationRequired": "offer.terms.attestationKind",
    "ExclusiveConflict": "offer.terms.exclusive",
    "CoverageConflict": "offer.terms.start",
}
#: reverts past every check of the market, raised by the ERC-20 when the simulated buyer pays
_PAYMENT_STAGE = {
    "PaymentShortfall",
    "ERC20InsufficientAllowance",
    "ERC20InsufficientBalance",
    "SafeERC20FailedOperation",
}
#: the simulated buyer of a listing check: no key exists for it; its balance is set for the call only
SIMULATED_BUYER = Web3.to_checksum_address("0x" + Web3.keccak(text="copyright-hub: simulated buyer").hex()[-40:])


def _refused(field: str, title: str, detail: str, **extra: Any) -> Problem:
    return Problem(409, title, f"{field}: {detail}; nothing was stored", field=field, **extra)


def _digest(hub: Hub, offer: SignedOffer) -> bytes:
    with chain_call():
        return bytes(hub.market.functions.hashSignedOffer(offer.to_abi()).call())


def _recover(digest: bytes, signature: bytes) -> str | None:
    """The address that signed ``digest`` (v 27/28 or 0/1), or ``None`` if the signature is malformed."""
    v = signature[64]
    try:
        sig = keys.Signature(signature[:64] + bytes([v - 27 if v >= 27 else v]))
        return str(sig.recover_public_key_from_msg_hash(digest).to_checksum_address())
    except (BadSignature, ValueError):
        return None


def check_signed_offer(hub: Hub, offer: SignedOffer) -> bytes:
    """The offer's digest if it sells now; else a 409 problem naming the field, the reason and what to do.

    The signature is recovered here (a precise answer for the commonest mistake); everything else is
    what ``purchaseSigned`` itself checks, run as an ``eth_call`` at the head from a buyer whose balance
    is set for the call: deadline, counter, ownership epoch, nonce, terms, supply, the work's owner
    and status, exclusivity. ERC-20 offers pass once the market reaches the payment."""
    digest = _digest(hub, offer)
    recovered = _recover(digest, offer.signature)
    if recovered is None:
        raise _refused("signature", "Malformed signature", "not a valid secp256k1 signature (r, s, v)")
    if recovered != Web3.to_checksum_address(offer.seller):
        raise _refused(
            "signature",
            "InvalidSignature",
            f"it recovers {recovered}, not the seller {offer.seller}: sign the EIP-712 SignedOffer for chain "
            f"{hub.w3.eth.chain_id} and market {hub.market.address} (see GET /deployment) with the seller's key",
            digest="0x" + digest.hex(),
        )
    price = offer.terms.price
    # an offer bound to a buyer is simulated from that buyer (anyone else is refused NotOfferBuyer)
    simulated = SIMULATED_BUYER if int(offer.buyer, 16) == 0 else Web3.to_checksum_address(offer.buyer)
    call = {
        "from": simulated,
        "to": hub.market.address,
        "data": hub.market.encode_abi("purchaseSigned", [offer.to_abi(), offer.signature, price]),
        "value": price if offer.terms.currency == ETH else 0,
    }
    balance = Wei(price + 10**18)  # the price and gas
    with chain_call():  # reverts are answers, handled inside; an RPC gone away is a 503
        try:
            hub.w3.eth.call(call, "latest", {simulated: {"balance": balance}})  # type: ignore[arg-type]
        except (ContractCustomError, ContractLogicError, Web3RPCError) as exc:
            _refuse_simulated(offer, exc)
    return digest


def _refuse_simulated(offer: SignedOffer, exc: Exception) -> None:
    """Answer a refused simulation of ``purchaseSigned``: return (accepted) when only the ERC-20
    payment failed, else raise the 409 problem naming the field."""
    if isinstance(exc, Web3RPCError) and revert_data_from_exception(exc) is None:
        raise exc  # not a revert: the node failed (chain_call makes it a 503)
    revert = decode_revert(revert_data_from_exception(exc))
    name = revert.error_name if revert is not None else None
    if offer.terms.currency != ETH and (name is None or name in _PAYMENT_STAGE):
        return
    if revert is None:
        raise _refused("offer", "Refused by the market", "the market refused it without a known reason") from None
    field = REFUSED_FIELD.get(revert.error_name, "offer")
    raise _refused(field, revert.error_name, revert.hint or str(revert), error=_revert_json(revert)) from None


def _revert_json(revert: ContractRevert) -> dict[str, Any]:
    args = {k: "0x" + v.hex() if isinstance(v, bytes) else str(v) for k, v in revert.args_by_name.items()}
    return {"name": revert.error_name, "args": args, "hint": revert.hint}


Token = tuple[str | None, int | None] | None


def _tokens_of(request: Request, rows: Sequence[Mapping[str, Any]]) -> dict[str, Token]:
    """``{address: (symbol, decimals)}`` of the ERC-20s the rows are priced in, as on-chain offers get
    theirs (:func:`api.tokens.facts_of`: ``api_token``, else read from the chain now and kept)."""
    currencies = [str(r["currency"]) for r in rows]
    if not any(int(c, 16) for c in currencies):
        return {}
    services = get_services(request)
    reach = tokens.REACH.set(tokens.Reach(lambda: services.hub().w3, services.engine))
    try:
        with mirror_session(services.engine) as session:
            return tokens.facts_of(session, currencies)
    finally:
        tokens.REACH.reset(reach)


def _public(row: Mapping[str, Any], known: Mapping[str, Token]) -> SignedOfferPublic:
    """A row of the book as the API shows it: the struct and signature as signed, and its terms, price
    and supply in the words of an on-chain offer (:data:`api.models.OfferPublic`)."""
    struct = json.loads(row["offer"])
    offer = signed_offer_from_json({"offer": struct, "signature": row["signature"]})
    terms = {**asdict(offer.terms), "legal_hash": "0x" + offer.terms.legal_hash.hex()}
    currency = offer.terms.currency.lower()
    sold = int(row.get("sold") or 0)
    return SignedOfferPublic(
        offer=struct,
        signature=row["signature"],
        digest=row["digest"],
        status=row["status"],
        published_at=row["published_at"],
        work_id=offer.terms.work_id,
        seller=offer.seller,
        buyer=offer.buyer,
        terms=TermsPublic.model_validate(terms),
        price=offer.terms.price,
        currency=offer.terms.currency,
        supply_cap=offer.terms.supply_cap,
        sold=sold,
        **offer_in_words(offer.terms.price, currency, known.get(currency), offer.terms.supply_cap, sold),
    )


@writes.post(
    "/signed-offers",
    operation_id="trading-publish-signed-offer",
    status_code=201,
    response_model=SignedOfferPublic,
    responses={
        200: {"model": SignedOfferPublic, "description": "this offer was in the book already"},
        **problem_responses(409, 503),
    },
)
def publish_signed_offer(
    body: SignedOfferIn, hub: HubDep, book: BookDep, request: Request, response: Response
) -> SignedOfferPublic:
    """Put a seller's EIP-712 signed offer in the order book, once the chain says it sells now: the
    signature recovers the seller, the seller owns the work, counter and ownership epoch are current,
    the nonce is unused, the deadline ahead and the terms valid. A refusal is a 409 problem naming the
    field (``field``), the contract's error and what to do; nothing is stored. The same offer again
    answers 200 with the stored one."""
    try:
        offer = signed_offer_from_json(body.model_dump())
    except ValueError as exc:  # the schema bounds every field; this is the ABI's own word on it
        raise Problem(422, "Invalid request", f"{exc}; nothing was stored") from None
    digest = "0x" + check_signed_offer(hub, offer).hex()
    terms = offer.terms
    row = {
        "digest": digest,
        "seller": offer.seller.lower(),
        "nonce": offer.nonce,
        "counter": offer.counter,
        "ownership_epoch": offer.ownership_epoch,
        "deadline": offer.deadline,
        "end": terms.end,
        "work_id": terms.work_id,
        "rights": terms.rights,
        "currency": terms.currency.lower(),
        "price": terms.price,
        "supply_cap": terms.supply_cap,
        "offer": json.dumps(json_value(signed_offer_param(), offer.to_abi()), sort_keys=True),
        "signature": "0x" + offer.signature.hex(),
        "published_at": int(time.time()),
    }
    if not book.put(row):
        response.status_code = 200
    # the chain has just said it sells: that is its status (the mirror may not have caught up, or exist)
    stored = book.get(digest, status=False)
    assert stored is not None  # just stored, and rows are never deleted
    stored = {**stored, "status": "active"}
    return _public(stored, _tokens_of(request, [stored]))


RightName = Enum("RightName", {r.name.lower(): r.name.lower() for r in Right})  # type: ignore[misc]


@router.get(
    "/signed-offers",
    operation_id="trading-list-signed-offers",
    response_model=SignedOffersPublic,
    responses=problem_responses(503),
)
def list_signed_offers(
    book: BookDep,
    request: Request,
    page: PageDep,
    work: ChainIdQuery = None,
    seller: Annotated[str | None, Query(pattern=ADDRESS_PATTERN)] = None,
    right: Annotated[RightName | None, Query(description="offers that include this right")] = None,
    currency: Annotated[str | None, Query(pattern=r"^(ETH|0x[0-9a-fA-F]{40})$")] = None,
    active: Annotated[bool | None, Query(description="true (default): only offers that sell now")] = True,
    buyer: Annotated[
        str | None,
        Query(pattern=ADDRESS_PATTERN, description="offers this address may fill: open ones and those bound to it"),
    ] = None,
) -> SignedOffersPublic:
    """The order book, newest first. Each offer's ``status`` is judged when read, against the mirror:
    expired, counter changed, nonce cancelled, owner changed, work inactive, sold out, or active. Its
    terms, price and supply left read as an on-chain offer's do (``GET /offers``); ``buyer`` says who
    may fill it (0x00…00: anyone)."""
    where = BookFilter(
        work_id=work,
        seller=seller,
        right_bit=int(Right[right.value.upper()]) if right is not None else None,
        currency=ETH if currency == "ETH" else currency,
        active=active,
        buyer=buyer,
    )
    rows, count = book.list(where, limit=page.limit, offset=page.offset)
    known = _tokens_of(request, rows)
    return SignedOffersPublic(data=[_public(r, known) for r in rows], count=count)


# -- transactions for the sender's own wallet -----------------------------------------------------


def _refuse_node(tx: dict[str, Any], exc: Web3RPCError | TransactionFailed) -> None:
    """The node would not run ``tx`` for a reason other than a revert: a 409 saying which."""
    if isinstance(exc, TransactionFailed):  # a revert no ABI of the hub declares
        raise Problem(409, "Reverted", f"the call reverts without a known reason: {exc}; nothing to sign") from None
    message = str(exc.args[0]) if exc.args else ""
    if "insufficient funds" in message.lower():
        raise Problem(
            409, "Insufficient funds",
            f"{tx['from']} cannot pay {tx.get('value', 0)} wei plus gas; fund it and ask again",
        ) from None  # fmt: skip
    raise Problem(409, "Refused by the node", f"the node would not run this call: {message[:200]}") from None


def _unsigned(hub: Hub, tx: dict[str, Any], description: str) -> UnsignedTransaction:
    """``tx`` simulated from its sender and filled in (:func:`client_sdk.chain.prepare_transaction`);
    a revert is the contract's custom error (409), a sender short of ETH a 409 saying so."""
    with chain_call():  # a revert raises its typed error (409); an RPC gone away is a 503
        try:
            full = prepare_transaction(hub.w3, tx)
        except (Web3RPCError, TransactionFailed) as exc:
            _refuse_node(tx, exc)
    return UnsignedTransaction.model_validate(
        {"description": description, "from": Web3.to_checksum_address(full["from"])}
        | dict(
            to=Web3.to_checksum_address(full["to"]),
            data=HexBytes(full["data"]).to_0x_hex(),
            value=full.get("value", 0),
            chainId=full["chainId"],
            nonce=full["nonce"],
            gas=full["gas"],
            maxFeePerGas=full["maxFeePerGas"],
            maxPriorityFeePerGas=full["maxPriorityFeePerGas"],
        )
    )


_ERC20 = [
    {"type": "function", "name": "approve", "stateMutability": "nonpayable",
     "inputs": [{"name": "spender", "type": "address"}, {"name": "amount", "type": "uint256"}],
     "outputs": [{"name": "", "type": "bool"}]},
    {"type": "function", "name": "allowance", "stateMutability": "view",
     "inputs": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"}],
     "outputs": [{"name": "", "type": "uint256"}]},
]  # fmt: skip


def _purchase(hub: Hub, buyer: str, price: int, currency: str, data: str, what: str) -> TransactionsPublic:
    buyer = Web3.to_checksum_address(buyer)
    if currency != ETH:
        token = hub.w3.eth.contract(address=Web3.to_checksum_address(currency), abi=_ERC20)
        with chain_call():
            allowed = int(token.functions.allowance(buyer, hub.market.address).call())
        if allowed < price:
            approve = {
                "from": buyer,
                "to": token.address,
                "data": token.encode_abi("approve", [hub.market.address, price]),
            }
            return TransactionsPublic(
                transactions=[_unsigned(hub, approve, f"approve the market to take {price} of {token.address}")],
                approval_required=True,
                price=price,
                currency=currency,
                detail=f"the market may take {allowed} of the {price} needed from {buyer}: sign and send this "
                "approval, wait until it is mined, then ask for the purchase again",
            )
    value = price if currency == ETH else 0
    tx = {"from": buyer, "to": hub.market.address, "data": data, "value": value}
    return TransactionsPublic(
        transactions=[_unsigned(hub, tx, what)],
        price=price,
        currency=currency,
        detail="simulated from the buyer's address at the head: sign it in your wallet and POST it to /relay "
        "(or send it yourself)",
    )


@writes.post(
    "/offers/{offer_id}/fulfil",
    operation_id="trading-fulfil-offer",
    response_model=TransactionsPublic,
    responses=problem_responses(409, 503),
)
def fulfil_offer(
    offer_id: Annotated[int, Path(ge=0, le=2**256 - 1, description="an on-chain offer id (uint256)")],
    body: FulfilRequest,
    hub: HubDep,
) -> TransactionsPublic:
    """The unsigned purchase of a licence from on-chain offer ``offer_id`` for ``buyer``, at the offer's
    current price if it is at most ``max_price``, simulated from the buyer first: a purchase that would
    revert is a 409 problem naming the contract's custom error. ERC-20 offers: the approval first."""
    with chain_call():
        terms, _sold, _cancelled = hub.get_offer(offer_id)
    cap = int(body.max_price)
    price = within_cap(terms.price, cap)
    data = hub.market.encode_abi("purchase", [offer_id, cap])
    return _purchase(hub, body.buyer, price, terms.currency, data, f"buy a licence from offer {offer_id}")


@writes.post(
    "/signed-offers/{digest}/fulfil",
    operation_id="trading-fulfil-signed-offer",
    response_model=TransactionsPublic,
    responses=problem_responses(404, 409, 503),
)
def fulfil_signed_offer(
    digest: Annotated[str, Path(pattern=HASH_PATTERN, description="the offer's digest in the book")],
    body: FulfilRequest,
    hub: HubDep,
    book: BookDep,
) -> TransactionsPublic:
    """The unsigned purchase of a licence from a signed offer of the book, as for on-chain offers. An
    offer bound to another buyer is a 409 ``NotOfferBuyer`` problem at once, nothing simulated."""
    row = book.get(digest.lower())
    if row is None:
        raise Problem(404, "Not Found", f"no signed offer {digest} in the book; list them with GET /signed-offers")
    offer = signed_offer_from_json({"offer": json.loads(row["offer"]), "signature": row["signature"]})
    bound = Web3.to_checksum_address(offer.buyer)
    if int(bound, 16) != 0 and bound != Web3.to_checksum_address(body.buyer):
        # the contract's own refusal, said before anything is simulated or signed
        raise REVERT_CLASSES["NotOfferBuyer"]("NotOfferBuyer", {"buyer": bound, "caller": body.buyer})
    cap = int(body.max_price)
    price = within_cap(offer.terms.price, cap)
    data = hub.market.encode_abi("purchaseSigned", [offer.to_abi(), offer.signature, cap])
    return _purchase(hub, body.buyer, price, offer.terms.currency, data, f"buy a licence from signed offer {digest}")


# -- a studio's transactions, declared once -------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """A hub contract function a user may have built here (``POST /transactions/build/{name}``)."""

    contract: str
    function: str
    description: str


#: name -> contract function; each becomes a route whose body is ``account`` plus the function's ABI inputs
ACTIONS: dict[str, Action] = {
    "withdraw": Action("LicenceMarket", "withdraw", "withdraw the account's earnings in a currency (0x00…00: ETH)"),
    "offer-create": Action("LicenceMarket", "createOffer", "publish a licence offer on a work the account owns"),
    "offer-cancel": Action("LicenceMarket", "cancelOffer", "cancel an offer the account published"),
    "offer-set-price": Action("LicenceMarket", "setOfferPrice", "change the price of an offer"),
    "signed-offer-cancel": Action("LicenceMarket", "cancelNonce", "void the account's signed offer with a nonce"),
    "counter-increment": Action("LicenceMarket", "incrementCounter", "void every signed offer the account made"),
}

_CONTRACT_ATTR = {"LicenceMarket": "market", "WorkRegistry": "registry", "DisputeResolver": "resolver"}


def _action_route(name: str, action: Action) -> None:
    inputs = _function_inputs(action.contract, action.function)
    fields = [{"name": "account", "type": "address"}, *inputs]
    model = abi_model("".join(p.title() for p in name.split("-")) + "Request", fields)

    def build(body: Any, hub: HubDep) -> TransactionsPublic:
        values = body.model_dump()
        contract: Contract = getattr(hub, _CONTRACT_ATTR[action.contract])
        args = [from_json_value(p, values[p["name"]]) for p in inputs]
        sender = Web3.to_checksum_address(values["account"])
        tx = {"from": sender, "to": contract.address, "data": contract.encode_abi(action.function, args)}
        return TransactionsPublic(
            transactions=[_unsigned(hub, tx, action.description)],
            detail="simulated from the account at the head: sign it in your wallet and POST it to /relay",
        )

    build.__annotations__["body"] = model
    build.__name__ = name.replace("-", "_")
    writes.post(
        f"/transactions/build/{name}",
        operation_id=f"trading-build-{name}",
        response_model=TransactionsPublic,
        responses=problem_responses(409, 503),
        summary=action.description,
        description=f"The unsigned transaction calling `{action.contract}.{action.function}` from `account`, "
        "simulated first: a call that would revert is a 409 problem naming the contract's custom error.",
    )(build)


for _name, _action in ACTIONS.items():
    _action_route(_name, _action)


# -- the relay ------------------------------------------------------------------------------------


def _hub_contracts(hub: Hub) -> dict[str, str]:
    return {Web3.to_checksum_address(c.address): name for name, c in hub.deployment.contracts.items()}


def _is_currency_approval(hub: Hub, to: str, data: bytes) -> bool:
    """An ERC-20 ``approve(market, amount)`` on a currency the market allows (a buyer's first step)."""
    token = hub.w3.eth.contract(address=Web3.to_checksum_address(to), abi=_ERC20)
    try:
        fn, args = token.decode_function_input(data)
    except ValueError:
        return False
    if fn.fn_name != "approve" or Web3.to_checksum_address(args["spender"]) != hub.market.address:
        return False
    with chain_call():
        return bool(hub.market.functions.currencyAllowed(to).call())


def _refuse_relay(detail: str) -> Problem:
    return Problem(403, "Not relayed", detail + "; nothing was sent")


@writes.post(
    "/relay",
    operation_id="trading-relay",
    status_code=202,
    response_model=RelayedPublic,
    responses=problem_responses(400, 403, 409, 503),
)
def relay(body: RelayRequest, hub: HubDep) -> RelayedPublic:
    """Send a transaction its sender signed: only an EIP-1559/2930 call to a hub contract (or an ERC-20
    approval of the market) on this chain. It is simulated first: one that would revert is a 409 problem
    naming the custom error, and is not sent. Follow it with ``GET /relay/{hash}``."""
    raw = bytes.fromhex(body.raw[2:])
    if raw[0] > 0x7F:
        raise Problem(400, "Not a typed transaction", "legacy transactions are not relayed: sign an EIP-1559 "
                      "(type 2) transaction, as the fulfil endpoints build it; nothing was sent")  # fmt: skip
    try:
        fields = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
        sender = Account.recover_transaction(raw)
    except Exception:  # eth_account raises many kinds on bytes that are not a signed transaction
        raise Problem(
            400, "Not a transaction", "the bytes are not a signed EIP-2718 transaction; nothing was sent"
        ) from None
    chain = hub.w3.eth.chain_id
    if int(fields.get("chainId", -1)) != chain:
        raise _refuse_relay(f"the transaction is for chain {fields.get('chainId')}, this hub's chain is {chain}")
    to = fields.get("to")
    if not to:
        raise _refuse_relay("contract creations are not relayed")
    to = Web3.to_checksum_address(to)
    data = bytes(fields.get("data", b""))
    if to not in _hub_contracts(hub) and not _is_currency_approval(hub, to, data):
        raise _refuse_relay(f"{to} is not a hub contract (GET /deployment lists them)")
    call = {"from": sender, "to": to, "data": data, "value": int(fields.get("value", 0))}
    with chain_call():  # reverts are answers, handled inside; an RPC gone away is a 503
        try:
            hub.w3.eth.call(call)  # type: ignore[arg-type]
            tx_hash = hub.w3.eth.send_raw_transaction(raw)
        except (ContractCustomError, ContractLogicError, Web3RPCError) as exc:
            revert = decode_revert(revert_data_from_exception(exc))
            if revert is not None:
                raise revert from None
            message = str(exc.args[0]) if exc.args else ""
            raise Problem(
                409, "Refused by the node", f"the node did not take it: {message[:200]}; nothing was sent"
            ) from None
    return RelayedPublic(hash=HexBytes(tx_hash).to_0x_hex(), status="pending")


@router.get(
    "/relay/{tx_hash}",
    operation_id="trading-relayed",
    response_model=RelayedPublic,
    responses=problem_responses(503),
)
def relayed(
    tx_hash: Annotated[str, Path(pattern=HASH_PATTERN, description="a transaction hash")], hub: HubDep
) -> RelayedPublic:
    """A transaction's state: ``pending`` (known, not mined), ``mined`` (with the licence ids its
    ``LicenceGranted`` events minted), ``reverted`` (with the custom error, replayed), or ``unknown``
    (this chain's node does not know the hash)."""
    with chain_call():
        try:
            receipt = hub.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            try:
                hub.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                return RelayedPublic(hash=tx_hash.lower(), status="unknown")
            return RelayedPublic(hash=tx_hash.lower(), status="pending")
        block = int(receipt["blockNumber"])
        if receipt["status"] == 1:
            granted = hub.market.events.LicenceGranted().process_receipt(receipt, errors=DISCARD)
            ids = [int(e["args"]["licenceId"]) for e in granted]
            return RelayedPublic(hash=tx_hash.lower(), status="mined", block_number=block, licence_ids=ids)
        return RelayedPublic(hash=tx_hash.lower(), status="reverted", block_number=block, error=_replay(hub, receipt))


def _replay(hub: Hub, receipt: Any) -> RevertPublic | None:
    """The custom error a reverted transaction raised, by running it again on the state before its block."""
    tx = hub.w3.eth.get_transaction(receipt["transactionHash"])
    call = {"from": tx["from"], "to": tx["to"], "data": tx["input"], "value": tx["value"], "gas": tx["gas"]}
    try:
        hub.w3.eth.call(call, receipt["blockNumber"] - 1)  # type: ignore[arg-type]
    except (ContractCustomError, ContractLogicError, Web3RPCError) as exc:
        revert = decode_revert(revert_data_from_exception(exc))
        if revert is not None:
            return RevertPublic(**_revert_json(revert))
    return None


__all__ = ["ACTIONS", "Action", "abi_model", "check_signed_offer", "decimal_at_most", "router", "writes"]
