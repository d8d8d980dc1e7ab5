"""The protocol's vocabulary in Python: rights, statuses, licence terms, splits and signed offers.

These mirror the Solidity structs of ``ILicenceMarket`` / ``IWorkRegistry`` and convert to the tuples
web3 encodes. :func:`signed_offer_typed_data` is the one place that builds the EIP-712 message a
seller signs for a gasless offer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum, IntFlag
from typing import Any

from web3 import Web3

#: ``address(0)``: the currency value meaning ETH.
ETH = "0x0000000000000000000000000000000000000000"

#: EIP-712 domain of the LicenceMarket.
DOMAIN_NAME = "CopyrightHub LicenceMarket"
DOMAIN_VERSION = "1"


class Right(IntFlag):
    """The twelve property rights of Art. 10 PRC Copyright Law, as the contract's 12-bit mask."""

    REPRODUCTION = 1 << 0
    DISTRIBUTION = 1 << 1
    RENTAL = 1 << 2
    EXHIBITION = 1 << 3
    PERFORMANCE = 1 << 4
    SCREENING = 1 << 5
    BROADCASTING = 1 << 6
    INFORMATION_NETWORK = 1 << 7
    CINEMATIZATION = 1 << 8
    ADAPTATION = 1 << 9
    TRANSLATION = 1 << 10
    COMPILATION = 1 << 11
    ALL = (1 << 12) - 1


class WorkStatus(IntEnum):
    ACTIVE = 0
    FROZEN = 1
    DISPUTED = 2


class Decision(IntEnum):
    NONE = 0
    APPROVED = 1
    REJECTED = 2


class LicenceStatus(IntEnum):
    NONE = 0
    VALID = 1
    NOT_YET_VALID = 2
    EXPIRED = 3
    REVOKED = 4


class Outcome(IntEnum):
    NONE = 0
    UPHELD_FROZEN = 1
    UPHELD_TRANSFERRED = 2
    REJECTED = 3


#: Worldwide: the empty territory list.
WORLDWIDE: tuple[int, ...] = ()

#: Work types by their on-chain code (``WorkInput.workType``).
WORK_TYPES: tuple[str, ...] = (
    "film", "series", "animation", "short_video", "audio", "podcast", "live_recording", "interactive",
)  # fmt: skip


def work_type_name(code: int) -> str:
    """``0`` -> ``film``; codes past the known list read ``type_<code>``."""
    return WORK_TYPES[code] if 0 <= code < len(WORK_TYPES) else f"type_{code}"


def work_status_name(code: int) -> str:
    """``0`` -> ``active``; an unknown code reads as its number."""
    try:
        return WorkStatus(code).name.lower()
    except ValueError:
        return str(code)


def rights_names(mask: int) -> list[str]:
    """The names of the rights set in ``mask``, in Art. 10 order."""
    return [str(r.name).lower() for r in Right if mask & r.value]


def format_amount(value: int, currency: str) -> str:
    """``0.1 ETH`` for ether (wei in); base units and the token address for an ERC-20."""
    if int(currency, 16) == 0:
        return f"{Decimal(value) / Decimal(10**18):f}".rstrip("0").rstrip(".") + " ETH"
    return f"{value} units of token {Web3.to_checksum_address(currency)}"


@dataclass(frozen=True)
class Split:
    """One owner's revenue share in basis points."""

    account: str
    bps: int

    def to_abi(self) -> tuple[str, int]:
        return (Web3.to_checksum_address(self.account), self.bps)


@dataclass(frozen=True)
class WorkInput:
    """One registration (``IWorkRegistry.WorkInput``). ``splits`` empty means "the caller, 10,000 bps"."""

    content_digest: bytes
    content_cid: str
    metadata_cid: str
    work_type: int = 0
    royalty_bps: int = 0
    splits: tuple[Split, ...] = ()
    parents: tuple[int, ...] = ()
    parent_licences: tuple[int, ...] = ()

    def to_abi(self, caller: str) -> tuple[Any, ...]:
        splits = self.splits or (Split(caller, 10_000),)
        licences = self.parent_licences or tuple(0 for _ in self.parents)
        return (
            self.content_digest,
            self.content_cid,
            self.metadata_cid,
            self.work_type,
            self.royalty_bps,
            [s.to_abi() for s in splits],
            list(self.parents),
            list(licences),
        )


@dataclass(frozen=True)
class Terms:
    """Licence terms (``ILicenceMarket.Terms``). ``territories``: ascending ISO 3166-1 numeric codes, empty = worldwide."""

    work_id: int
    rights: int
    start: int
    end: int
    price: int
    currency: str = ETH
    territories: tuple[int, ...] = WORLDWIDE
    exclusive: bool = False
    sublicensable: bool = False
    transferable: bool = False
    supply_cap: int = 0
    attestation_kind: int = 0
    attestation_territory: int = 0

    def to_abi(self) -> tuple[Any, ...]:
        return (
            self.work_id,
            int(self.rights),
            list(self.territories),
            self.start,
            self.end,
            self.exclusive,
            self.sublicensable,
            self.transferable,
            self.price,
            Web3.to_checksum_address(self.currency),
            self.supply_cap,
            self.attestation_kind,
            self.attestation_territory,
        )

    def to_typed(self) -> dict[str, Any]:
        return {
            "workId": self.work_id,
            "rights": int(self.rights),
            "territories": list(self.territories),
            "start": self.start,
            "end": self.end,
            "exclusive": self.exclusive,
            "sublicensable": self.sublicensable,
            "transferable": self.transferable,
            "price": self.price,
            "currency": Web3.to_checksum_address(self.currency),
            "supplyCap": self.supply_cap,
            "attestationKind": self.attestation_kind,
            "attestationTerritory": self.attestation_territory,
        }

    @classmethod
    def from_abi(cls, value: Any) -> Terms:
        (work_id, rights, territories, start, end, exclusive, sub, transferable, price, currency, cap, kind, terr) = (
            value
        )
        return cls(
            work_id=work_id,
            rights=rights,
            start=start,
            end=end,
            price=price,
            currency=currency,
            territories=tuple(territories),
            exclusive=exclusive,
            sublicensable=sub,
            transferable=transferable,
            supply_cap=cap,
            attestation_kind=kind,
            attestation_territory=terr,
        )


@dataclass(frozen=True)
class SignedOffer:
    """An offer signed off chain by ``seller`` (``ILicenceMarket.SignedOffer``) and its signature."""

    terms: Terms
    seller: str
    nonce: int
    counter: int
    deadline: int
    signature: bytes = field(default=b"", repr=False)

    def to_abi(self) -> tuple[Any, ...]:
        return (self.terms.to_abi(), Web3.to_checksum_address(self.seller), self.nonce, self.counter, self.deadline)


_TERMS_TYPE = [
    {"name": "workId", "type": "uint256"},
    {"name": "rights", "type": "uint16"},
    {"name": "territories", "type": "uint16[]"},
    {"name": "start", "type": "uint40"},
    {"name": "end", "type": "uint40"},
    {"name": "exclusive", "type": "bool"},
    {"name": "sublicensable", "type": "bool"},
    {"name": "transferable", "type": "bool"},
    {"name": "price", "type": "uint96"},
    {"name": "currency", "type": "address"},
    {"name": "supplyCap", "type": "uint32"},
    {"name": "attestationKind", "type": "uint8"},
    {"name": "attestationTerritory", "type": "uint16"},
]


def signed_offer_typed_data(offer: SignedOffer, chain_id: int, market: str) -> dict[str, Any]:
    """The full EIP-712 message for ``offer`` on ``market`` (pass to ``eth_account.messages.encode_typed_data``)."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "SignedOffer": [
                {"name": "terms", "type": "Terms"},
                {"name": "seller", "type": "address"},
                {"name": "nonce", "type": "uint256"},
                {"name": "counter", "type": "uint256"},
                {"name": "deadline", "type": "uint64"},
            ],
            "Terms": _TERMS_TYPE,
        },
        "primaryType": "SignedOffer",
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": Web3.to_checksum_address(market),
        },
        "message": {
            "terms": offer.terms.to_typed(),
            "seller": Web3.to_checksum_address(offer.seller),
            "nonce": offer.nonce,
            "counter": offer.counter,
            "deadline": offer.deadline,
        },
    }


__all__ = [
    "ETH",
    "WORK_TYPES",
    "WORLDWIDE",
    "Decision",
    "LicenceStatus",
    "Outcome",
    "Right",
    "SignedOffer",
    "Split",
    "Terms",
    "WorkInput",
    "WorkStatus",
    "format_amount",
    "rights_names",
    "signed_offer_typed_data",
    "work_status_name",
    "work_type_name",
]
