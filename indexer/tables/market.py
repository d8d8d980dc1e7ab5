"""The licence market: offers (on chain and signed), licences and their transfers, sellers' counters
and voided signed-offer nonces."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Field

from ._base import U256, HistoryTable, StateTable, u256

if TYPE_CHECKING:
    from ..decode import Log
    from ..store import Changes
from ._declare import (
    BLOCK,
    TIME,
    TX,
    ZERO_ADDRESS,
    Spec,
    appends,
    arg,
    as_json,
    creates,
    differs,
    flag,
    handled_by,
    patches,
)

__all__ = [
    "TERMS_COLUMNS",
    "CancelledNonce",
    "Licence",
    "LicenceTransfer",
    "Offer",
    "OpenOffer",
    "SellerCounter",
    "SignedOffer",
    "terms_columns",
    "territory_keys",
]

#: ``Terms`` field (ABI name) -> column of a table that keeps terms field by field (``offer``);
#: ``tests/test_shapes.py`` holds it to the ABI's ``Terms``.
TERMS_COLUMNS: dict[str, str] = {
    "workId": "work_id", "rights": "rights", "territories": "territories", "start": "start", "end": "end",
    "exclusive": "exclusive", "sublicensable": "sublicensable", "transferable": "transferable", "price": "price",
    "currency": "currency", "supplyCap": "supply_cap", "attestationKind": "attestation_kind",
    "attestationTerritory": "attestation_territory", "legalHash": "legal_hash", "legalUri": "legal_uri",
}  # fmt: skip
#: ``legalHash`` when the terms name no legal text
ZERO_HASH = "0x" + "00" * 32
#: the one array of Terms, kept as JSON text
_TERMS_JSON = {"territories"}


def terms_columns(path: str) -> dict[str, Spec]:
    """The columns a decoded ``Terms`` argument (``path``: its name in the event) fills, one per field."""
    return {
        column: as_json(f"{path}.{name}") if name in _TERMS_JSON else arg(f"{path}.{name}")
        for name, column in TERMS_COLUMNS.items()
    }


class Offer(StateTable, table=True):
    """A licence offer published on chain (``LicenceMarket.OfferCreated``)."""

    __tablename__ = "offer"
    __events__ = (
        creates(
            "LicenceMarket.OfferCreated",
            offer_id="offerId",
            creator="creator",
            **terms_columns("terms"),
            created_block=BLOCK,
            created_at=TIME,
            created_tx=TX,
            updated_block=BLOCK,
        ),
        patches("LicenceMarket.OfferPriceChanged", key={"offer_id": "offerId"}, price="price", updated_block=BLOCK),
        patches(
            "LicenceMarket.OfferCancelled",
            key={"offer_id": "offerId"},
            cancelled=True,
            cancelled_by="by",
            updated_block=BLOCK,
        ),
    )

    offer_id: int = u256(primary_key=True)
    work_id: int = u256(index=True)
    creator: str = Field(max_length=42, index=True)
    rights: int
    territories: str = Field(sa_type=sa.Text, description="JSON list of ISO 3166-1 numeric codes ([] = worldwide)")
    start: int = Field(sa_type=sa.BigInteger)
    end: int = Field(sa_type=sa.BigInteger)
    exclusive: bool
    sublicensable: bool
    transferable: bool
    price: int = u256()
    currency: str = Field(max_length=42)
    supply_cap: int = Field(sa_type=sa.BigInteger)
    attestation_kind: int = 0
    attestation_territory: int = 0
    legal_hash: str = Field(default=ZERO_HASH, max_length=66, description="keccak256 of the legal text (0x00…00: none)")
    legal_uri: str = Field(default="", sa_type=sa.Text, description="where the legal text can be read")
    cancelled: bool = False
    cancelled_by: str | None = Field(default=None, max_length=42)
    created_block: int = Field(sa_type=sa.BigInteger)
    created_at: int = Field(sa_type=sa.BigInteger)
    created_tx: str = Field(max_length=66)
    updated_block: int = Field(sa_type=sa.BigInteger)


def territory_keys(codes: list[int] | tuple[int, ...]) -> str:
    """Territory codes as ``open_offer.territories`` keeps them: ``|156|344|`` (each code between bars,
    so one ``LIKE '%|156|%'`` finds a code), ``""`` for worldwide (no codes)."""
    return "|" + "|".join(str(int(c)) for c in codes) + "|" if codes else ""


def offer_cancelled(lg: Log, a: dict[str, Any], c: Changes) -> None:
    """``OfferCancelled`` closes the offer: its ``open_offer`` row goes (the ``offer`` row keeps it)."""
    c.delete("open_offer", {"offer_id": a["offerId"]})


#: ``open_offer``'s covering index: the work first, then every column a filter reads
_OPEN_OFFER_INDEX = ("work_id", "end", "rights", "currency", "start", "price", "exclusive", "territories")


class OpenOffer(StateTable, table=True):
    """An on-chain offer not cancelled, with only the terms ``/works`` filters on (``right``,
    ``territory``, ``price_min``/``price_max``, ``exclusive``, ``currency``, ``active_at``), one narrow
    row per offer: derived from ``offer`` by the same events, so a filter reads a covering index of
    these rows instead of every offer's whole row (``benchmarks/search.py``). Whether an offer has
    ended depends on the time of the query, so no row says it: ``end`` is in the index."""

    __tablename__ = "open_offer"
    # covering, led by the work: a work's open offers in one range (a search's candidates probe it), and
    # every open offer in work order, so the works with a matching offer come out grouped and newest
    # first without a sort (the list's page and its exact count read nothing else)
    __table_args__ = (sa.Index("ix_open_offer_work", *_OPEN_OFFER_INDEX),)
    __events__ = (
        creates(
            "LicenceMarket.OfferCreated",
            offer_id="offerId",
            work_id="terms.workId",
            rights="terms.rights",
            territories=arg("terms.territories", territory_keys),
            start="terms.start",
            end="terms.end",
            exclusive="terms.exclusive",
            price="terms.price",
            currency="terms.currency",
        ),
        patches("LicenceMarket.OfferPriceChanged", key={"offer_id": "offerId"}, price="price"),
        handled_by("LicenceMarket.OfferCancelled", offer_cancelled),
    )

    offer_id: int = u256(primary_key=True)
    work_id: int = u256()
    rights: int
    territories: str = Field(max_length=400, description="|code|code| ('' = worldwide): see territory_keys")
    start: int = Field(sa_type=sa.BigInteger)
    end: int = Field(sa_type=sa.BigInteger)
    exclusive: bool
    price: int = u256()
    currency: str = Field(max_length=42)


class SignedOffer(StateTable, table=True):
    """An EIP-712 offer signed off chain, known once it was first redeemed (``SignedOfferRedeemed``)."""

    __tablename__ = "signed_offer"
    __events__ = (
        creates(
            "LicenceMarket.SignedOfferRedeemed",
            digest="digest",
            seller="seller",
            nonce="nonce",
            work_id="terms.workId",
            terms=as_json("terms", sort_keys=True),
            redeemed_block=BLOCK,
            redeemed_tx=TX,
        ),
    )

    digest: str = Field(primary_key=True, max_length=66)
    seller: str = Field(max_length=42, index=True)
    nonce: int = u256()
    work_id: int = u256(index=True)
    terms: str = Field(sa_type=sa.Text, description="the full terms as JSON")
    redeemed_block: int = Field(sa_type=sa.BigInteger)
    redeemed_tx: str = Field(max_length=66)


class CancelledNonce(StateTable, table=True):
    """A signed-offer nonce its seller voided (``SignedOfferCancelled``): a signature under it no longer
    sells. A buyer holding a signed offer checks here (or ``nonceUsed`` on chain) before paying."""

    __tablename__ = "cancelled_nonce"
    __events__ = (
        creates(
            "LicenceMarket.SignedOfferCancelled",
            seller="seller",
            nonce="nonce",
            cancelled_block=BLOCK,
            cancelled_at=TIME,
            cancelled_tx=TX,
        ),
    )

    seller: str = Field(primary_key=True, max_length=42)
    nonce: int = u256(primary_key=True)
    #: the (last) cancellation; cancelling a nonce again changes nothing on chain
    cancelled_block: int = Field(sa_type=sa.BigInteger)
    cancelled_at: int = Field(sa_type=sa.BigInteger)
    cancelled_tx: str = Field(max_length=66)


class SellerCounter(StateTable, table=True):
    """A seller's signed-offer counter (signatures under earlier counters are void)."""

    __tablename__ = "seller_counter"
    __events__ = (creates("LicenceMarket.CounterIncremented", seller="seller", counter="counter", updated_block=BLOCK),)

    seller: str = Field(primary_key=True, max_length=42)
    counter: int = u256()
    updated_block: int = Field(sa_type=sa.BigInteger)


#: bits of ``LicenceGranted.flags``
_FLAG_EXCLUSIVE, _FLAG_SUBLICENSABLE, _FLAG_TRANSFERABLE = 1, 2, 4
#: a mint comes with LicenceGranted, which writes the row; later transfers patch the holder
_NOT_A_MINT = differs("from", ZERO_ADDRESS)


class Licence(StateTable, table=True):
    """A licence token: who holds which rights on which work, from when to when."""

    __tablename__ = "licence"
    __events__ = (
        creates(
            "LicenceMarket.LicenceGranted",
            licence_id="licenceId",
            work_id="workId",
            licensee="licensee",
            holder="licensee",
            offer_id="offerId",
            signed_offer_digest="signedOfferDigest",
            rights="rights",
            start="start",
            end="end",
            exclusive=flag("flags", _FLAG_EXCLUSIVE),
            sublicensable=flag("flags", _FLAG_SUBLICENSABLE),
            transferable=flag("flags", _FLAG_TRANSFERABLE),
            currency="currency",
            price="price",
            fee="fee",
            granted_block=BLOCK,
            granted_at=TIME,
            granted_tx=TX,
        ),
        patches(
            "LicenceMarket.LicenceRevoked",
            key={"licence_id": "licenceId"},
            revoked=True,
            revoked_dispute_id="disputeId",
            revoked_by="by",
            revoked_block=BLOCK,
            revoked_at="revokedAt",
        ),
        patches("LicenceMarket.Transfer", key={"licence_id": "id"}, holder="to").only_if(_NOT_A_MINT),
    )

    licence_id: int = u256(primary_key=True)
    work_id: int = u256(index=True)
    licensee: str = Field(max_length=42, index=True)
    holder: str = Field(max_length=42, index=True)
    offer_id: int = u256()
    signed_offer_digest: str = Field(max_length=66, index=True)  # the order book counts a signed offer's sales
    rights: int
    start: int = Field(sa_type=sa.BigInteger)
    end: int = Field(sa_type=sa.BigInteger)
    exclusive: bool
    sublicensable: bool
    transferable: bool
    currency: str = Field(max_length=42)
    price: int = u256()
    fee: int = u256()
    revoked: bool = False
    revoked_dispute_id: int | None = Field(default=None, sa_type=U256)
    revoked_by: str | None = Field(default=None, max_length=42)
    revoked_block: int | None = Field(default=None, sa_type=sa.BigInteger)
    #: block time of the revocation: the licence was valid before it (``licenceStatus(id, t)``)
    revoked_at: int | None = Field(default=None, sa_type=sa.BigInteger)
    granted_block: int = Field(sa_type=sa.BigInteger)
    granted_at: int = Field(sa_type=sa.BigInteger)
    granted_tx: str = Field(max_length=66)


class LicenceTransfer(HistoryTable, table=True):
    """Every transfer of a licence token (mint: ``from_address`` is the zero address)."""

    __tablename__ = "licence_transfer"
    __events__ = (appends("LicenceMarket.Transfer", licence_id="id", from_address="from", to_address="to"),)

    licence_id: int = u256(index=True)
    from_address: str = Field(max_length=42)
    to_address: str = Field(max_length=42)
