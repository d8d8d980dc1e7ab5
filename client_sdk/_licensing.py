"""Licensing: offers (on chain and EIP-712 signed), purchases, pull payments, licence reads."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from eth_account.messages import encode_typed_data
from web3 import Web3

from ._base import HubBase
from .errors import ConfigurationError, PriceAboveMax
from .shapes import AbiStruct
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
    ) -> SignedOffer:
        """Sign ``terms`` off chain as this account (gasless listing). Nothing is sent.

        ``counter`` and ``ownership_epoch`` default to the chain's current values: the signature dies
        when this account increments its counter or when the work changes hands (even if it comes back).
        """
        account = self._signer()
        if counter is None:
            counter = int(self._call(self.market.functions.counterOf(account.address)))
        if ownership_epoch is None:
            ownership_epoch = int(self._call(self.registry.functions.ownershipEpoch(terms.work_id)))
        offer = SignedOffer(terms, account.address, nonce, counter, ownership_epoch, deadline)
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
        price = _within_cap(terms.price, max_price)
        value = price if terms.currency == ETH else 0
        receipt = self._transact(self.market, "purchase", offer_id, max_price, value=value)
        return self._purchase_result(receipt)

    def purchase_signed(self, offer: SignedOffer, *, max_price: int) -> Purchase:
        """Buy a licence from a signed offer at its price, if that is at most ``max_price`` (the cap).

        Raises :class:`~client_sdk.errors.PriceAboveMax` before sending when the price is above it.
        """
        price = _within_cap(offer.terms.price, max_price)
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


def _within_cap(price: int, max_price: int) -> int:
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
