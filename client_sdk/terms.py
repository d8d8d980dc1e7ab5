"""The protocol's vocabulary in Python: rights, statuses, licence terms, splits and signed offers.

The struct types (:class:`Terms`, :class:`SignedOffer`, :class:`Split`, :class:`WorkInput`) are
dataclasses bound to the ABI structs of ``ILicenceMarket`` / ``IWorkRegistry`` through
:class:`client_sdk.shapes.AbiStruct`: each lists its fields once, and the tuples web3 encodes, the
decoding and the EIP-712 types are derived from the ABI. The enums' members are not in the ABI; they
are written here once and held to the Solidity by ``tests/test_shapes.py``.
:func:`signed_offer_typed_data` is the one place that builds the EIP-712 message a seller signs for
a gasless offer.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum, IntFlag
from typing import Any, ClassVar

from .errors import ConfigurationError
from .kinds import ALL_WORK_TYPES_MASK, STANDARD_KINDS, AttestationKind, work_type_bit
from .shapes import AbiStruct

#: ``address(0)``: the currency value meaning ETH.
ETH = "0x0000000000000000000000000000000000000000"

#: EIP-712 domain of the LicenceMarket.
DOMAIN_NAME = "CopyrightHub LicenceMarket"
DOMAIN_VERSION = "1"


class Right(IntFlag):
    """The rights a licence grants, as the contract's 15-bit mask.

    Bits 0..11 are the twelve property rights of Art. 10 PRC Copyright Law; bits 12..14 the
    neighbouring (related) rights audio, podcast and live-recording works are licensed under:
    performers', producers of sound and video recordings', broadcasting organisations'.
    """

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
    PERFORMERS = 1 << 12
    RECORDING_PRODUCERS = 1 << 13
    BROADCASTING_ORGANISATIONS = 1 << 14
    ALL = (1 << 15) - 1


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
    LAPSED = 4


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
    """``0.1 ETH`` for ether (wei in); base units and the token address for an ERC-20 (its symbol and
    decimals need the chain: :func:`client_sdk.tokens.amount_in_words` with its facts)."""
    from .tokens import amount_in_words

    return amount_in_words(value, currency)


def territory_name(code: int) -> str:
    """``156`` -> ``China``: the ISO 3166-1 English short name of a numeric code (the iso3166 package);
    a code the standard lacks says so. The one place territory codes get their names."""
    import iso3166

    country = iso3166.countries_by_numeric.get(f"{code:03d}")
    return country.name if country else f"not an ISO 3166-1 code ({code})"


def iso_time(seconds: int) -> str | None:
    """Unix time as ISO 8601 UTC (``2026-01-01T00:00:00Z``); None past year 9999 (an open end)."""
    from datetime import UTC, datetime

    try:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return None


def checked_address(text: str, what: str = "address") -> str:
    """``text`` as a checksummed address, or :class:`ConfigurationError` saying what is wrong: not 0x
    and 40 hex digits, or mixed case whose EIP-55 checksum is wrong (so it may be mistyped)."""
    import re

    from eth_utils import is_checksum_address, to_checksum_address

    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", text):
        raise ConfigurationError(f"{what} {text!r} is not an address: write 0x and 40 hex digits")
    body = text[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(text):
        raise ConfigurationError(
            f"{what} {text}: the mixed-case checksum is wrong (EIP-55), so it may be mistyped; "
            f"check the address (checksummed it would read {to_checksum_address(text)})"
        )
    return to_checksum_address(text)


#: what a work's splits sum to, in basis points (``WorkRegistry.TOTAL_BPS``, internal to the contract)
TOTAL_BPS = 10_000


@dataclass(frozen=True)
class Split(AbiStruct, struct="Split"):
    """One owner's revenue share in basis points (``IWorkRegistry.Split``)."""

    account: str
    bps: int


@dataclass(frozen=True)
class WorkInput(AbiStruct, struct="WorkInput"):
    """One registration (``IWorkRegistry.WorkInput``). ``splits`` empty means "the caller, 10,000 bps"."""

    content_digest: bytes
    content_cid: str
    metadata_cid: str
    work_type: int = 0
    royalty_bps: int = 0
    splits: tuple[Split, ...] = ()
    parents: tuple[int, ...] = ()
    parent_licences: tuple[int, ...] = ()

    def to_abi(self, caller: str | None = None) -> tuple[Any, ...]:
        """The ABI tuple; empty ``splits`` become ``caller`` with 10,000 bps, empty ``parent_licences`` zeros."""
        filled = self
        if not self.splits:
            if caller is None:
                raise ConfigurationError("a registration without splits needs the caller's address")
            filled = replace(filled, splits=(Split(caller, TOTAL_BPS),))
        if not self.parent_licences:
            filled = replace(filled, parent_licences=tuple(0 for _ in self.parents))
        return self.__struct__.to_abi(filled)


@dataclass(frozen=True)
class Terms(AbiStruct, struct="Terms"):
    """Licence terms (``ILicenceMarket.Terms``). ``territories``: ascending ISO 3166-1 numeric codes, empty = worldwide.

    Fields are listed here once, required ones first; the ABI order, the encoding and the EIP-712 type
    come from the ABI (:mod:`client_sdk.shapes`).
    """

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
    #: keccak256 of the legal text the terms stand for (32 zero bytes: none named)
    legal_hash: bytes = bytes(32)
    #: where that text can be read (``ipfs://<CID>``); in events and signatures, not in contract storage
    legal_uri: str = ""


@dataclass(frozen=True)
class SignedOffer(AbiStruct, struct="SignedOffer"):
    """An offer signed off chain by ``seller`` (``ILicenceMarket.SignedOffer``) and its signature."""

    __not_in_abi__: ClassVar[tuple[str, ...]] = ("signature",)

    terms: Terms
    seller: str
    nonce: int
    counter: int
    #: the work's ``ownershipEpoch`` when signed: any later transfer of the work voids the signature
    ownership_epoch: int
    deadline: int
    #: the only account that may fill the offer; ``ETH`` (the zero address): anyone
    buyer: str = ETH
    signature: bytes = field(default=b"", repr=False)


#: The EIP-712 domain's type (fixed by EIP-712, not by the contract's ABI).
_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


def signed_offer_typed_data(offer: SignedOffer, chain_id: int, market: str) -> dict[str, Any]:
    """The full EIP-712 message for ``offer`` on ``market`` (pass to ``eth_account.messages.encode_typed_data``).

    The ``SignedOffer`` and ``Terms`` types come from the ABI structs, so they cannot drift from the
    contract's; ``tests/test_shapes.py`` holds them to the ``*_TYPEHASH`` strings in the Solidity.
    """
    from eth_utils import to_checksum_address

    shape = SignedOffer.__struct__
    return {
        "types": {"EIP712Domain": _DOMAIN_TYPE, **shape.eip712_types()},
        "primaryType": shape.name,
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": to_checksum_address(market),
        },
        "message": offer.to_typed(),
    }


__all__ = [
    "ALL_WORK_TYPES_MASK",
    "ETH",
    "STANDARD_KINDS",
    "WORK_TYPES",
    "WORLDWIDE",
    "AttestationKind",
    "Decision",
    "LicenceStatus",
    "Outcome",
    "Right",
    "SignedOffer",
    "Split",
    "Terms",
    "WorkInput",
    "WorkStatus",
    "checked_address",
    "format_amount",
    "iso_time",
    "rights_names",
    "signed_offer_typed_data",
    "territory_name",
    "work_status_name",
    "work_type_bit",
    "work_type_name",
]
