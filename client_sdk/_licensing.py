"""Licensing: offers (on chain and EIP-712 signed), purchases, pull payments, licence reads."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import httpx
from eth_account.messages import encode_typed_data
from web3 import Web3

from ._base import HubBase
from ._config import DEFAULT_HTTP_TIMEOUT
from .errors import ConfigurationError, HubError, PriceAboveMax
from .shapes import AbiStruct, struct
from .terms import ETH, LicenceStatus, SignedOffer, Terms, signed_offer_typed_data


@dataclass(frozen=True)
class Licence(AbiStruct, struct="LicenceInfo"):
    """A licence as the chain holds it (``ILicenceMarket.LicenceInfo``) and its id."""

    __not_in_abi__: ClassVar[tuple[str, ...]] = ("licence_id",)

    licence_id: int
    work_id: int
    holder: str
    rights: int
    start: int
    end: int
    exclusive: bool
    sublicensable: bool
    transferable: bool
    revoked: bool
    #: when it was revoked (0: not revoked); it was valid before that time
    revoked_at: int


@dataclass(frozen=True)
class Sale:
    """One licence sold (a ``LicenceGranted`` log): who bought what, when, for how much."""

    licence_id: int
    work_id: int
    licensee: str
    offer_id: int
    rights: int
    start: int
    end: int
    currency: str
    price: int
    fee: int
    block_number: int
    tx_hash: str


@dataclass(frozen=True)
class Earnings:
    """An account's takings in one currency: ``credited`` (its shares of sales, ``PaymentCredited``),
    ``withdrawn`` (``Withdrawn``) and ``waiting`` (``creditOf`` now: what ``withdraw`` would pay)."""

    currency: str
    credited: int
    withdrawn: int
    waiting: int
    sales: int


@dataclass(frozen=True)
class Purchase:
    licence_id: int
    tx_hash: str
    gas_used: int
    price: int
    fee: int


class LicensingMixin(HubBase):
    # -- offers --------------------------------------------------------------------------------

    def create_offer(self, terms: Terms) -> int:
        """Publish an offer on a work this account owns; returns the offer id."""
        receipt = self._transact(self.market, "createOffer", terms.to_abi())
        (event,) = self._events(self.market, "OfferCreated", receipt)
        return int(event["args"]["offerId"])

    def set_offer_price(self, offer_id: int, price: int) -> None:
        self._transact(self.market, "setOfferPrice", offer_id, price)

    def cancel_offer(self, offer_id: int) -> None:
        self._transact(self.market, "cancelOffer", offer_id)

    def get_offer(self, offer_id: int) -> tuple[Terms, int, bool]:
        """``(terms, sold, cancelled)`` of an on-chain offer."""
        terms, sold, cancelled = self._call(self.market.functions.getOffer(offer_id))
        return Terms.from_abi(terms), sold, cancelled

    def sign_offer(
        self,
        terms: Terms,
        *,
        nonce: int,
        deadline: int,
        counter: int | None = None,
        ownership_epoch: int | None = None,
        buyer: str | None = None,
        any_buyer: bool = False,
    ) -> SignedOffer:
        """Sign ``terms`` off chain as this account (gasless listing). Nothing is sent.

        ``counter`` and ``ownership_epoch`` default to the chain's current values: the signature dies
        when this account increments its counter or when the work changes hands (even if it comes back).
        ``buyer``: the only account that may fill the offer, so nobody who copies the buyer's pending
        purchase from the mempool can take it. An exclusive offer needs one (or ``any_buyer=True``, an
        explicit opt-out); a non-exclusive offer is open to anyone unless ``buyer`` is given.
        """
        if buyer is not None and any_buyer:
            raise ConfigurationError("pass buyer= or any_buyer=True, not both; nothing was signed")
        if buyer is None and terms.exclusive and not any_buyer:
            raise ConfigurationError(
                "an exclusive offer is signed for one buyer, so nobody can take it by copying the buyer's "
                "pending purchase: pass buyer=<address> (or any_buyer=True to let anyone fill it); nothing was signed"
            )
        if buyer is not None and (not Web3.is_address(buyer) or int(buyer, 16) == 0):
            raise ConfigurationError(f"buyer must be a non-zero 0x address, got {buyer!r}; nothing was signed")
        bound = ETH if buyer is None else Web3.to_checksum_address(buyer)
        account = self._signer()
        if counter is None:
            counter = int(self._call(self.market.functions.counterOf(account.address)))
        if ownership_epoch is None:
            ownership_epoch = int(self._call(self.registry.functions.ownershipEpoch(terms.work_id)))
        offer = SignedOffer(terms, account.address, nonce, counter, ownership_epoch, deadline, bound)
        message = encode_typed_data(
            full_message=signed_offer_typed_data(offer, self.w3.eth.chain_id, self.market.address)
        )
        signature = bytes(account.sign_message(message).signature)
        return replace(offer, signature=signature)

    def cancel_nonce(self, nonce: int) -> None:
        """Void this account's signed offer with ``nonce``."""
        self._transact(self.market, "cancelNonce", nonce)

    def increment_counter(self) -> int:
        """Void every signature this account made so far; returns the new counter."""
        receipt = self._transact(self.market, "incrementCounter")
        (event,) = self._events(self.market, "CounterIncremented", receipt)
        return int(event["args"]["counter"])

    def offers_created_by(self, account: str) -> list[int]:
        """Ids of the on-chain offers ``account`` published (``OfferCreated`` logs), ascending; read
        each one's state now with :meth:`get_offer`."""
        me = Web3.to_checksum_address(account)
        return sorted(int(e["args"]["offerId"]) for e in self._logs(self.market, "OfferCreated", creator=me))

    def counter_of(self, account: str) -> int:
        """``account``'s signed-offer counter: signatures made with a lower one are void."""
        return int(self._call(self.market.functions.counterOf(Web3.to_checksum_address(account))))

    def sales_of(self, work_ids: list[int]) -> list[Sale]:
        """Every licence sold on the works ``work_ids`` (``LicenceGranted`` logs), in chain order."""
        if not work_ids:
            return []
        return [_sale(e) for e in self._logs(self.market, "LicenceGranted", workId=list(work_ids))]

    def earnings_of(self, account: str) -> list[Earnings]:
        """``account``'s takings per currency from the chain's logs, with what waits to be withdrawn."""
        me = Web3.to_checksum_address(account)
        credited: dict[str, list[int]] = {}
        for e in self._logs(self.market, "PaymentCredited", payee=me):
            credited.setdefault(Web3.to_checksum_address(e["args"]["currency"]), []).append(int(e["args"]["amount"]))
        withdrawn: dict[str, int] = {}
        for e in self._logs(self.market, "Withdrawn", payee=me):
            currency = Web3.to_checksum_address(e["args"]["currency"])
            withdrawn[currency] = withdrawn.get(currency, 0) + int(e["args"]["amount"])
        return [
            Earnings(c, sum(credited.get(c, [])), withdrawn.get(c, 0), self.credit_of(me, c), len(credited.get(c, [])))
            for c in sorted(set(credited) | set(withdrawn))
        ]

    # -- purchase ------------------------------------------------------------------------------

    def purchase(self, offer_id: int, *, max_price: int, currency: str | None = None) -> Purchase:
        """Buy a licence from an on-chain offer at its current price, if that is at most ``max_price``.

        ``max_price`` is the buyer's cap, never the exact price: the current price is read first and
        :class:`~client_sdk.errors.PriceAboveMax` is raised, with nothing sent, when it is above the
        cap. An ETH offer is paid exactly its price, with ``maxPrice = max_price`` so the chain refuses
        a price raised above the cap meanwhile. ``currency``, when given, must be the offer's.
        For ERC-20 offers call :meth:`approve_currency` first.
        """
        terms, _sold, _cancelled = self.get_offer(offer_id)
        if currency is not None and int(currency, 16) != int(terms.currency, 16):
            raise ConfigurationError(
                f"offer {offer_id} is priced in {terms.currency}, not {currency}; nothing was sent"
            )
        price = within_cap(terms.price, max_price)
        value = price if terms.currency == ETH else 0
        receipt = self._transact(self.market, "purchase", offer_id, max_price, value=value)
        return self._purchase_result(receipt)

    def purchase_signed(self, offer: SignedOffer, *, max_price: int) -> Purchase:
        """Buy a licence from a signed offer at its price, if that is at most ``max_price`` (the cap).

        Raises :class:`~client_sdk.errors.PriceAboveMax` before sending when the price is above it.
        """
        price = within_cap(offer.terms.price, max_price)
        value = price if offer.terms.currency == ETH else 0
        receipt = self._transact(self.market, "purchaseSigned", offer.to_abi(), offer.signature, max_price, value=value)
        return self._purchase_result(receipt)

    def _purchase_result(self, receipt: Any) -> Purchase:
        (event,) = self._events(self.market, "LicenceGranted", receipt)
        args = event["args"]
        return Purchase(args["licenceId"], self._tx_hash(receipt), receipt["gasUsed"], args["price"], args["fee"])

    def approve_currency(self, token: str, amount: int) -> None:
        """Let the market take up to ``amount`` of ERC-20 ``token`` from this account."""
        erc20 = self.w3.eth.contract(address=Web3.to_checksum_address(token), abi=_ERC20_APPROVE_ABI)
        self._transact(erc20, "approve", self.market.address, amount)

    # -- payments ------------------------------------------------------------------------------

    def credit_of(self, account: str, currency: str = ETH) -> int:
        """Pull-payment balance waiting for ``account``."""
        return int(self._call(self.market.functions.creditOf(account, currency)))

    def withdraw(self, currency: str = ETH) -> int:
        """Withdraw this account's balance in ``currency``; returns the amount."""
        receipt = self._transact(self.market, "withdraw", currency)
        (event,) = self._events(self.market, "Withdrawn", receipt)
        return int(event["args"]["amount"])

    # -- licences ------------------------------------------------------------------------------

    def get_licence(self, licence_id: int) -> Licence:
        info = self._call(self.market.functions.getLicence(licence_id))
        return Licence(licence_id=licence_id, **Licence.__struct__.from_abi(info))

    def licence_status(self, licence_id: int, timestamp: int | None = None) -> LicenceStatus:
        """The licence's status at ``timestamp`` (any time, past or future; default: now on chain).
        A licence revoked at time R reads valid (by its window) before R and revoked from R on."""
        ts = self.chain_time() if timestamp is None else timestamp
        return LicenceStatus(self._call(self.market.functions.licenceStatus(licence_id, ts)))

    def is_licence_valid(self, licence_id: int, timestamp: int | None = None) -> bool:
        """Whether the licence was (or will be) valid at ``timestamp`` (default: now on chain)."""
        ts = self.chain_time() if timestamp is None else timestamp
        return bool(self._call(self.market.functions.isLicenceValid(licence_id, ts)))

    def transfer_licence(self, licence_id: int, to: str) -> str:
        """Hand a transferable licence this account holds to ``to``; returns the tx hash."""
        me = self._signer().address
        receipt = self._transact(self.market, "transferFrom", me, Web3.to_checksum_address(to), licence_id)
        return self._tx_hash(receipt)

    def chain_time(self) -> int:
        """The latest block's time: what "now" means for a licence's status."""
        return int(self.w3.eth.get_block("latest")["timestamp"])


# -- signed offers as JSON (the order book's wire form) ------------------------------------------

#: integers wider than this many bits go as decimal strings in JSON (JavaScript reads 2^53 exactly)
JSON_SAFE_BITS = 53


def json_value(param: Mapping[str, Any], value: Any) -> Any:
    """An ABI value as JSON, by its ABI parameter ``param``: structs as objects keyed by ABI names,
    integers wider than :data:`JSON_SAFE_BITS` bits as decimal strings, bytes as 0x hex."""
    kind = str(param["type"])
    if kind.endswith("]"):
        element = {**param, "type": kind[: kind.rindex("[")]}
        return [json_value(element, v) for v in value]
    if kind == "tuple":
        items = (
            value
            if isinstance(value, Mapping)
            else dict(zip((c["name"] for c in param["components"]), value, strict=True))
        )
        return {c["name"]: json_value(c, items[c["name"]]) for c in param["components"]}
    if kind.startswith(("uint", "int")):
        return str(int(value)) if _bits(kind) > JSON_SAFE_BITS else int(value)
    if kind.startswith("bytes"):
        return "0x" + bytes(value).hex()
    if kind == "address":
        return Web3.to_checksum_address(value)
    return value


def from_json_value(param: Mapping[str, Any], value: Any) -> Any:
    """The inverse of :func:`json_value`: what web3 encodes (tuples in ABI order), checked against the
    ABI type; :class:`ValueError` naming the field when ``value`` does not fit it."""
    kind, name = str(param["type"]), str(param.get("name") or "value")
    if kind.endswith("]"):
        if not isinstance(value, list):
            raise ValueError(f"{name} must be a list")
        element = {**param, "type": kind[: kind.rindex("[")]}
        return [from_json_value(element, v) for v in value]
    if kind == "tuple":
        if not isinstance(value, Mapping):
            raise ValueError(f"{name} must be an object")
        missing = [c["name"] for c in param["components"] if c["name"] not in value]
        if missing:
            raise ValueError(f"{name} lacks {', '.join(missing)}")
        return tuple(from_json_value(c, value[c["name"]]) for c in param["components"])
    if kind.startswith(("uint", "int")):
        number = int(value) if isinstance(value, int) or re.fullmatch(r"-?[0-9]{1,78}", str(value)) else None
        bits = _bits(kind)
        low, high = (0, 2**bits - 1) if kind.startswith("uint") else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
        if number is None or isinstance(value, bool) or not low <= number <= high:
            raise ValueError(f"{name} must be a {kind}: an integer in {low}..{high}")
        return number
    if kind == "address":
        if not isinstance(value, str) or not re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
            raise ValueError(f"{name} must be an address (0x and 40 hex digits)")
        return Web3.to_checksum_address(value)
    if kind.startswith("bytes"):
        size = int(kind[5:]) if kind != "bytes" else None
        hexes = r"0x([0-9a-fA-F]{2})" + (f"{{{size}}}" if size else "*")
        if not isinstance(value, str) or not re.fullmatch(hexes, value):
            raise ValueError(f"{name} must be 0x and " + (f"{2 * size} hex digits" if size else "hex bytes"))
        return bytes.fromhex(value[2:])
    if (kind == "bool" and not isinstance(value, bool)) or (kind == "string" and not isinstance(value, str)):
        raise ValueError(f"{name} must be a {kind}")
    return value


def _bits(kind: str) -> int:
    digits = kind.lstrip("uint")
    return int(digits) if digits else 256


def signed_offer_param() -> dict[str, Any]:
    """The ABI parameter of a ``SignedOffer`` (a ``tuple`` with its components), from the ABI."""
    shape = struct("SignedOffer")
    return {"name": "offer", "type": "tuple", "components": [dict(f.param) for f in shape.fields]}


def signed_offer_to_json(offer: SignedOffer) -> dict[str, Any]:
    """``{"offer": <the SignedOffer struct, ABI names>, "signature": "0x..."}``: what ``POST /signed-offers``
    takes and ``GET /signed-offers`` lists (uint wider than 53 bits as strings)."""
    return {"offer": json_value(signed_offer_param(), offer.to_abi()), "signature": "0x" + offer.signature.hex()}


def signed_offer_from_json(document: Mapping[str, Any]) -> SignedOffer:
    """The inverse of :func:`signed_offer_to_json`; :class:`ValueError` naming the field that does not fit."""
    values = from_json_value(signed_offer_param(), document.get("offer"))
    signature = from_json_value({"name": "signature", "type": "bytes"}, document.get("signature"))
    return replace(SignedOffer.from_abi(values), signature=signature)


def publish_signed_offer(hub_url: str, offer: SignedOffer, *, timeout: float = DEFAULT_HTTP_TIMEOUT) -> dict[str, Any]:
    """``POST {hub_url}/signed-offers``: put ``offer`` in a hub's order book; the stored offer (its
    ``digest`` and ``status``). The hub checks it against the chain first; a refusal raises
    :class:`~client_sdk.errors.HubError` with the hub's reason and the field it names."""
    url = hub_url.rstrip("/") + "/signed-offers"
    try:
        answer = httpx.post(url, json=signed_offer_to_json(offer), timeout=timeout)
    except httpx.HTTPError as exc:
        raise HubError(f"the hub at {hub_url} did not answer ({exc}); check --hub and try again") from None
    if answer.status_code >= 400:
        try:
            problem = answer.json()
        except ValueError:
            problem = {}
        field = f" [{problem['field']}]" if problem.get("field") else ""
        detail = problem.get("detail") or answer.text[:200]
        raise HubError(f"the hub refused the signed offer ({answer.status_code} {problem.get('title', '')}){field}: "
                       f"{detail}")  # fmt: skip
    return dict(answer.json())


def _sale(log: Any) -> Sale:
    a = log["args"]
    return Sale(
        licence_id=int(a["licenceId"]), work_id=int(a["workId"]), licensee=a["licensee"], offer_id=int(a["offerId"]),
        rights=int(a["rights"]), start=int(a["start"]), end=int(a["end"]),
        currency=Web3.to_checksum_address(a["currency"]), price=int(a["price"]), fee=int(a["fee"]),
        block_number=int(log["blockNumber"]), tx_hash=log["transactionHash"].to_0x_hex(),
    )  # fmt: skip


def within_cap(price: int, max_price: int) -> int:
    """``price``, or :class:`PriceAboveMax` (the contract's own error, raised before sending) above the cap."""
    if price > max_price:
        raise PriceAboveMax("PriceAboveMax", {"price": price, "maxPrice": max_price})
    return price


_ERC20_APPROVE_ABI = [
    {
        "type": "function",
        "name": "approve",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "spender", "type": "address"}, {"name": "amount", "type": "uint256"}],
        "outputs": [{"name": "", "type": "bool"}],
    }
]
