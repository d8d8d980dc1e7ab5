"""Response models, derived from the mirror's tables: one family per entity (``WorkPublic``,
``WorksPublic{data,count}``...).

:func:`public_model` reads a table's columns and makes the public model from them, so a column added
to a table reaches the API without a hand-written copy; what a resource leaves out is named, and
what it adds (related rows, derived values) is declared next to it. Column types map to JSON as:

- every column the mirror keeps as ``U256`` (what the ABI declares wider than 53 bits: uint256 ids,
  amounts, nonces and counters, uint96 prices) is a decimal string (:data:`Uint256Text`, OpenAPI
  ``type: string`` with :data:`UINT256_PATTERN`): JSON numbers above 2^53 are rounded by JavaScript
  clients. Narrower integers (uint64/uint40 times and block numbers, uint32 supply caps, uint16 codes
  and basis points, row counts) are exact in every JSON client and stay numbers.
  ``tests/api/test_uint256_json.py`` holds this to the ABI and to the served OpenAPI document;
- addresses (42-character columns) are EIP-55 checksummed (the mirror stores lower case);
- everything else as the table holds it.

Models validate from attribute-bearing objects (table rows) or dicts (a row's columns merged with
its related rows), ``model_validate(..., from_attributes=True)``.
"""

from __future__ import annotations

import functools
import json
import re
import time
from typing import Annotated, Any, get_args

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    computed_field,
    create_model,
    model_validator,
)
from sqlmodel import SQLModel
from web3 import Web3

from client_sdk._distribution import RequirementState
from client_sdk.kinds import ALL_WORK_TYPES_MASK
from client_sdk.terms import (
    WORK_TYPES,
    WorkStatus,
    iso_time,
    rights_names,
    territory_name,
    work_status_name,
    work_type_name,
)
from client_sdk.tokens import decimal_text
from indexer import models as m
from indexer.models import U256
from indexer.tables.distribution import AttestationKindRow, DistributionRequirement

WORK_STATUSES = [s.name.lower() for s in WorkStatus]
#: distinct addresses whose EIP-55 form is kept (about 100 bytes each)
CHECKSUM_CACHE_SIZE = 65_536


@functools.lru_cache(maxsize=CHECKSUM_CACHE_SIZE)
def checksum(address: str) -> str:
    """EIP-55 form of an address (the mirror stores lower case). Cached: the same few thousand owners,
    buyers and contracts recur in every response, and each keccak was 43% of a list request's CPU
    (py-spy, `benchmarks/api.py`)."""
    return Web3.to_checksum_address(address) if Web3.is_address(address) else address


#: An address, always rendered EIP-55 checksummed.
Address = Annotated[str, AfterValidator(checksum)]
#: how a uint256 reads in JSON: decimal digits only (2^256 - 1 has 78)
UINT256_PATTERN = r"^[0-9]{1,78}$"
UINT256_NOTE = "uint256 as a decimal string (exact in every JSON client)"
UINT256_TEXT = re.compile(UINT256_PATTERN.strip("^$"))


def _integer(value: Any) -> Any:
    """A uint256 from the mirror (an int) or from JSON (its decimal string); anything else is refused."""
    if isinstance(value, str) and UINT256_TEXT.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**256:
        raise ValueError("a uint256 is an integer from 0 to 2^256 - 1, or its decimal digits")
    return value


#: A uint256 (id, amount, nonce, counter): an exact int in Python, a decimal string in JSON (and in
#: every ``model_dump``), declared so in OpenAPI. The one place a wide integer gets its JSON form.
Uint256Text = Annotated[
    int,
    BeforeValidator(_integer),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": UINT256_PATTERN, "description": UINT256_NOTE}),
]

#: A work type code shown by name ("film", "series"...).
WorkTypeName = Annotated[str, BeforeValidator(lambda v: work_type_name(v) if isinstance(v, int) else v)]
#: A work status code shown by name ("active", "frozen", "disputed").
WorkStatusName = Annotated[str, BeforeValidator(lambda v: work_status_name(v) if isinstance(v, int) else v)]
#: A rights bit mask shown as the list of right names.
RightNames = Annotated[list[str], BeforeValidator(lambda v: rights_names(v) if isinstance(v, int) else v)]
#: A JSON list of ISO 3166-1 numeric codes, as stored, shown as a list.
Territories = Annotated[
    list[int], BeforeValidator(lambda v: [int(t) for t in json.loads(v or "[]")] if isinstance(v, str) else v)
]


def _column_type(table: type[SQLModel], name: str) -> Any:
    """The public type of one column (see the module docstring)."""
    column = table.__table__.c[name]  # type: ignore[attr-defined]
    annotation = table.model_fields[name].annotation
    optional = column.nullable and not column.primary_key
    if isinstance(column.type, U256):
        base: Any = Uint256Text
    elif getattr(column.type, "length", None) == 42:
        base = Address
    else:
        return annotation
    return base | None if optional else base


def public_model(
    name: str,
    table: type[SQLModel],
    *,
    exclude: tuple[str, ...] = (),
    types: dict[str, Any] | None = None,
    descriptions: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
    base: type[BaseModel] | None = None,
) -> type[BaseModel]:
    """A response model with one field per column of ``table`` (minus ``exclude``), typed as in the
    module docstring unless ``types`` overrides a column's type, described as the column is unless
    ``descriptions`` says otherwise, plus ``extra`` fields (``name: (type, FieldInfo)``) that are not
    columns: related rows and derived values."""
    types, descriptions = types or {}, descriptions or {}
    fields: dict[str, Any] = {}
    for column in [c.name for c in table.__table__.columns]:  # type: ignore[attr-defined]
        if column in exclude:
            continue
        info = table.model_fields[column]
        description = descriptions.get(column, info.description)
        fields[column] = (types.get(column, _column_type(table, column)), Field(description=description))
    fields.update(extra or {})
    config = None if base else ConfigDict(from_attributes=True)
    return create_model(name, __base__=base, __config__=config, __doc__=table.__doc__, **fields)


class Public(BaseModel):
    """Base of the derived models: they read table rows by attribute."""

    model_config = ConfigDict(from_attributes=True)


def page_model(item: type[BaseModel]) -> type[BaseModel]:
    """``{data: [item...], count}``: one page of a list endpoint."""
    name = item.__name__.removesuffix("Public") + "sPublic"
    return create_model(
        name,
        data=(list[item], ...),  # type: ignore[valid-type]
        count=(int, Field(description="rows matching the filters, ignoring limit/offset")),
    )


# -- the entities ---------------------------------------------------------------------------------

OwnerPublic = public_model(
    "OwnerPublic",
    m.WorkOwner,
    exclude=("work_id", "position"),
    descriptions={"bps": "revenue share in basis points (10,000 = 100%)"},
)

#: what a work's ``metadata_status`` says: the metadata worker's status of its current CID, or ``pending``
METADATA_STATUSES = ["pending", *m.METADATA_STATUSES]


def _metadata_row(data: dict[str, Any]) -> dict[str, Any] | None:
    """The current metadata document's row, as the resource's ``metadata`` relation gives it."""
    row = data.get("metadata")
    return _values(row) if row is not None and not isinstance(row, dict) else row


class _WorkBase(Public):
    @model_validator(mode="before")
    @classmethod
    def _metadata_fields(cls, data: Any) -> Any:
        """Titles, the document's type and ``metadata_status`` from the current document's row: no row
        yet is ``pending`` (a CID longer than any CID is never read: ``invalid``); only an ``ok``
        document's fields are shown, never a guess."""
        data = _values(data)
        if not isinstance(data, dict) or "metadata_status" in data:
            return data
        row = _metadata_row(data)
        too_long = len(data.get("metadata_cid") or "") > m.MAX_CID_CHARS
        status = row["status"] if row else ("invalid" if too_long else "pending")
        ok = row if row and row["status"] == "ok" else {}
        fields = {"title_zh": ok.get("title_zh"), "title_en": ok.get("title_en"), "metadata_type": ok.get("work_type")}
        return {**data, **fields, "metadata_status": status, "metadata": row}


#: A list of BCP 47 tags, stored as JSON text.
Languages = Annotated[list[str], BeforeValidator(lambda v: json.loads(v or "[]") if isinstance(v, str | None) else v)]
#: The whole metadata document, stored as canonical JSON text.
Document = Annotated[dict[str, Any] | None, BeforeValidator(lambda v: json.loads(v) if isinstance(v, str) else v)]

MetadataPublic = public_model(
    "MetadataPublic",
    m.MetadataDocument,
    exclude=("work_id", "revision"),
    types={"languages": Languages, "document": Document},
    descriptions={"document": "the whole document (creators, rights holders, episodes, external ids...) when ok"},
)

WorkPublic = public_model(
    "WorkPublic",
    m.Work,
    base=_WorkBase,
    exclude=("registry_address", "updated_block"),
    types={"work_type": WorkTypeName, "status": WorkStatusName},
    descriptions={
        "content_digest": "sha256 of the content file, 0x-hex",
        "work_type": " | ".join(WORK_TYPES),
        "status": " | ".join(WORK_STATUSES),
    },
    extra={
        "owners": (list[OwnerPublic], Field(description="owners and revenue splits; the first is the lead owner")),  # type: ignore[valid-type]
        "royalty_bps": (int, Field(description="ERC-2981 royalty in basis points; 0 when none is set")),
        "parents": (list[Uint256Text], Field(description="parent works of a derivative")),
        "title_zh": (str | None, Field(description="Chinese title from the metadata document (when it is ok)")),
        "title_en": (str | None, Field(description="English title from the metadata document (when it is ok)")),
        "metadata_type": (
            str | None,
            Field(description="the document's work type, finer than work_type (an episode is a series on chain)"),
        ),
        "metadata_status": (
            str,
            Field(
                description=" | ".join(METADATA_STATUSES) + ": the current metadata document as the indexer last "
                "read it from the content store (pending: not read yet; missing and invalid are read again later)"
            ),
        ),
    },
)


class TerritoryPublic(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: int = Field(description="ISO 3166-1 numeric code")
    name: str = Field(description="English short name (ISO 3166-1, from the iso3166 package)")


@functools.lru_cache(maxsize=1024)
def territory(code: int) -> TerritoryPublic:
    """A territory code with its ISO 3166-1 English name (a code the standard lacks says so)."""
    return TerritoryPublic(code=code, name=territory_name(code))


class TermsPublic(Public):
    """Licence terms as stored, and in words (computed when written out: nothing is stored twice)."""

    rights: RightNames
    rights_mask: int = Field(validation_alias=AliasChoices("rights_mask", "rights"))
    territories: Territories = Field(description="ISO 3166-1 numeric codes; empty = worldwide")
    start: int
    end: int
    exclusive: bool
    sublicensable: bool
    transferable: bool
    legal_hash: str = Field(description="keccak256 of the legal text the terms stand for, 0x-hex (0x00…00: none)")
    legal_uri: str = Field(description="where that legal text can be read (empty: not given)")

    @computed_field(description="true when territories is empty")  # type: ignore[prop-decorator]
    @property
    def worldwide(self) -> bool:
        return not self.territories

    @computed_field(description="territories with their English names")  # type: ignore[prop-decorator]
    @property
    def territory_names(self) -> list[TerritoryPublic]:
        return [territory(t) for t in self.territories]

    @computed_field(description="start as ISO 8601 UTC")  # type: ignore[prop-decorator]
    @property
    def start_iso(self) -> str | None:
        return iso_time(self.start)

    @computed_field(description="end as ISO 8601 UTC (null past year 9999)")  # type: ignore[prop-decorator]
    @property
    def end_iso(self) -> str | None:
        return iso_time(self.end)


def _values(data: Any) -> Any:
    """A table row as the dict of its columns; anything else as it is."""
    return data.model_dump() if isinstance(data, SQLModel) else data


#: what the hub knows of a currency without asking the token: ether's symbol and decimals
ETHER = ("ETH", 18)


def in_currency(
    amount: int, currency: str, token: tuple[str | None, int | None] | None = None
) -> tuple[str | None, str | None, int | None]:
    """``amount`` (base units of ``currency``) in whole units, with the currency's symbol and decimals:
    ether as ``("0.05", "ETH", 18)``; an ERC-20 from ``token``, its ``(symbol, decimals)`` as the chain
    answered them (:mod:`api.tokens`). Unknown decimals (not read yet, or the token has no such
    function): the decimal is null and the amount stays in base units; the symbol shows when known."""
    if int(currency, 16) == 0:
        return decimal_text(amount, ETHER[1]), *ETHER
    symbol, decimals = token or (None, None)
    return (None if decimals is None else decimal_text(amount, decimals)), symbol, decimals


class OfferInWords(BaseModel):
    """What an offer shows in words beside its terms, on chain (:data:`OfferPublic`) or signed
    (``api.routes.trading.SignedOfferPublic``): declared once, filled by :func:`offer_in_words`."""

    price_decimal: str | None = Field(
        description='the price in whole units ("0.05"); null when the currency\'s decimals are unknown'
    )
    currency_symbol: str | None = Field(
        description="ETH, or the ERC-20's symbol() as read from the chain; null when it has none"
    )
    currency_decimals: int | None = Field(
        description="18 for ETH, or the ERC-20's decimals(); null when it has none (base units)"
    )
    supply_left: int | None = Field(description="supply_cap minus sold; null when the offer has no cap")


def offer_in_words(
    price: int, currency: str, token: tuple[str | None, int | None] | None, cap: int, sold: int | None
) -> dict[str, Any]:
    """The fields of :class:`OfferInWords` for an offer, on chain or signed:
    the price in whole units of its currency (:func:`in_currency`) and the supply left (cap minus sold;
    null: no cap, or the sales are not known)."""
    names = ("price_decimal", "currency_symbol", "currency_decimals")
    words = dict(zip(names, in_currency(price, currency, token), strict=True))
    return {**words, "supply_left": None if cap == 0 or sold is None else max(cap - sold, 0)}


class _OfferBase(Public):
    @model_validator(mode="before")
    @classmethod
    def _terms_from_the_row(cls, data: Any) -> Any:
        """The terms are columns of the offer's own row; the price in words, the work's titles (from
        its current metadata document, when ok) and the supply left (cap minus sold; null: no cap)."""
        data = _values(data)
        if not isinstance(data, dict) or "terms" in data:
            return data
        titles = (data.get("work_documents") or {}).get(data.get("work_metadata_cid"), {})
        words = offer_in_words(
            data["price"], data["currency"], data.get("currency_token"), data["supply_cap"], data.get("sold")
        )
        return {
            **data,
            "terms": data,
            **words,
            "title_zh": titles.get("title_zh"),
            "title_en": titles.get("title_en"),
        }


OfferPublic = public_model(
    "OfferPublic",
    m.Offer,
    base=_OfferBase,
    exclude=(
        *TermsPublic.model_fields,
        "cancelled_by",
        "created_at",
        "updated_block",
        "attestation_kind",
        "attestation_territory",
    ),
    descriptions={"currency": "0x000…000 for ETH, else the ERC-20 token address"},
    extra={
        "terms": (TermsPublic, ...),
        "requires_attestation_kind": (
            int,
            Field(validation_alias=AliasChoices("requires_attestation_kind", "attestation_kind")),
        ),
        "requires_attestation_territory": (
            int,
            Field(validation_alias=AliasChoices("requires_attestation_territory", "attestation_territory")),
        ),
        **{name: (f.annotation, f) for name, f in OfferInWords.model_fields.items()},
        "title_zh": (str | None, Field(description="the work's Chinese title (metadata document ok), else null")),
        "title_en": (str | None, Field(description="the work's English title (metadata document ok), else null")),
        "sold": (int | None, Field(default=None, description="licences sold from this offer")),
    },
)


def licence_status(revoked: bool, start: int, end: int, now: int) -> str:
    """valid | not_yet_valid | expired | revoked at unix time ``now``."""
    if revoked:
        return "revoked"
    if now < start:
        return "not_yet_valid"
    if now >= end:
        return "expired"
    return "valid"


class _LicenceBase(Public):
    @model_validator(mode="before")
    @classmethod
    def _status_now(cls, data: Any, info: ValidationInfo) -> Any:
        """``status`` at ``context["now"]`` (the request's time, one for a whole page), else now."""
        data = _values(data)
        if not isinstance(data, dict) or "status" in data:
            return data
        now = (info.context or {}).get("now") or int(time.time())
        status = licence_status(data["revoked"], data["start"], data["end"], now)
        window = {"start_iso": iso_time(data["start"]), "end_iso": iso_time(data["end"])}
        return {**data, "status": status, "rights_mask": data["rights"], **window}


LicencePublic = public_model(
    "LicencePublic",
    m.Licence,
    base=_LicenceBase,
    exclude=("signed_offer_digest", "revoked", "revoked_by", "revoked_block", "granted_at"),
    types={"rights": RightNames},
    extra={
        "rights_mask": (int, ...),
        "status": (str, Field(description="valid | not_yet_valid | expired | revoked, at the time of the request")),
        # the same names and forms as an offer's terms.start_iso / terms.end_iso
        "start_iso": (str | None, Field(description="start as ISO 8601 UTC")),
        "end_iso": (str | None, Field(description="end as ISO 8601 UTC (null past year 9999)")),
    },
)

AttestationPublic = public_model(
    "AttestationPublic",
    m.Attestation,
    exclude=("recorded_at", "revoked_by", "revoked_reason", "revoked_block"),
)

DisputePublic = public_model(
    "DisputePublic",
    m.Dispute,
    exclude=(
        "arbiter",
        "bond_recipient",
        "revoked_licences",
        "ruling_cid",
        "opened_at",
        "answered_at",
        "resolved_block",
        "resolved_at",
    ),
)

MetadataVersionPublic = public_model(
    "MetadataVersionPublic", m.MetadataVersion, exclude=("log_index", "time", "work_id", "by")
)

WorkDetail: type[BaseModel] = create_model(
    "WorkDetail",
    __base__=WorkPublic,
    __doc__="A work with its metadata history, attestations, disputes and offers.",
    metadata_versions=(list[MetadataVersionPublic], ...),  # type: ignore[valid-type]
    attestations=(list[AttestationPublic], ...),  # type: ignore[valid-type]
    disputes=(list[DisputePublic], ...),  # type: ignore[valid-type]
    offers=(list[OfferPublic], ...),  # type: ignore[valid-type]
    licence_count=(int, ...),
    metadata=(  # type: ignore[arg-type]
        MetadataPublic | None,
        Field(description="the current metadata document's mirrored fields and status; null while pending"),
    ),
)


# -- distribution requirements (DistributionRules): the rules, the kinds, and a work's compliance ----


def work_type_names(mask: int) -> list[str]:
    """The work types a requirement's mask covers, by name; ``["all"]`` for every type."""
    if mask == ALL_WORK_TYPES_MASK:
        return ["all"]
    return [work_type_name(i) for i in range(64) if mask >> i & 1]  # bit 63: every type from 63 up


class _RequirementBase(Public):
    @model_validator(mode="before")
    @classmethod
    def _in_words(cls, data: Any) -> Any:
        """The masks in words too: the rights and work types a requirement binds."""
        data = _values(data)
        if isinstance(data, dict) and "rights" not in data:
            mask, types = int(data["rights_mask"]), int(data["work_type_mask"])
            return {**data, "rights": rights_names(mask), "work_types": work_type_names(types)}
        return data


RequirementPublic = public_model(
    "RequirementPublic",
    DistributionRequirement,
    base=_RequirementBase,
    descriptions={
        "active": "false once withdrawn (the row keeps its last values)",
        "rights_mask": "it binds licences granting any of these rights (bit i: Right i)",
        "changed_block": "the block of its last RequirementSet event",
    },
    extra={
        "kind_name": (str | None, Field(description="the attestation kind's name (null: not defined in the mirror)")),
        "rights": (list[str], Field(description="rights_mask by name")),
        "work_types": (list[str], Field(description='work_type_mask by name; ["all"] for every type')),
    },
)

AttestationKindPublic = public_model("AttestationKindPublic", AttestationKindRow)

#: how a requirement stands for a work (:data:`client_sdk._distribution.RequirementState`)
REQUIREMENT_STATES: tuple[str, ...] = get_args(RequirementState)


class RequirementCheck(BaseModel):
    """One requirement that applies to the work, and the attestation that decides it now."""

    requirement_id: int
    kind: int
    kind_name: str | None = Field(description="the kind's name as defined on chain (null: not defined)")
    rights: list[str] = Field(description="the rights it binds (a licence granting any of them must meet it)")
    state: str = Field(description=" | ".join(REQUIREMENT_STATES), json_schema_extra={"enum": [*REQUIREMENT_STATES]})
    met: bool
    attestation_id: Uint256Text | None = Field(description="the deciding attestation (null: none recorded)")
    attestation: str | None = Field(description="where that attestation is served (GET /attestations/{id})")
    attestation_territory: int | None = Field(description="its territory (0: an attestation for everywhere)")
    reference: str | None = Field(description="its reference, e.g. the filing number")
    valid_from: int = Field(description="its window start (unix seconds; 0 = open)")
    valid_until: int = Field(description="its window end, exclusive (unix seconds; 0 = open-ended)")


class TerritoryRequirements(BaseModel):
    territory: TerritoryPublic
    met: bool = Field(description="every requirement that applies here is met: a licence here can sell now")
    requirements: list[RequirementCheck]


class WorkRequirements(BaseModel):
    """Per regulated territory, the distribution requirements that apply to a work and how each stands."""

    work_id: Uint256Text
    checked_at: int = Field(description="the time (unix seconds) the states hold at")
    rights: list[str] = Field(description="the rights asked about (empty: any rights)")
    worldwide_met: bool = Field(description="every territory's requirements are met: a worldwide licence sells")
    territories: list[TerritoryRequirements]


# -- provenance: not a table, a record assembled from several and from the chain ------------------


class ProvenanceEvent(BaseModel):
    block_number: int
    log_index: int | None = None
    time: int
    tx_hash: str
    kind: str
    summary: str


class ProvenanceCheck(BaseModel):
    field: str
    mirror: str
    chain: str
    ok: bool


class Provenance(BaseModel):
    work_id: Uint256Text
    chain_id: int
    registry: Address
    events: list[ProvenanceEvent]
    checks: list[ProvenanceCheck] = Field(description="the mirror re-checked against the chain, field by field")
    verified: bool


# -- accounts: not a table, what the resources serve about one address, and its balances ---------------


class EarningPublic(BaseModel):
    """What one contract holds for an account in one currency (pull payments: the account withdraws)."""

    contract: Address = Field(description="the contract to withdraw from (the market or the dispute resolver)")
    currency: Address = Field(description="0x000…000 for ETH, else the ERC-20 token address")
    credited: Uint256Text = Field(description="everything credited (licence sale shares, dispute bonds)")
    withdrawn: Uint256Text = Field(description="everything withdrawn so far")
    waiting: Uint256Text = Field(description="credited minus withdrawn: what a withdraw pays out now")
    waiting_decimal: str | None = Field(description="waiting in whole units; null when the decimals are unknown")
    currency_symbol: str | None = Field(description="ETH, or the ERC-20's symbol(); null when it has none")
    currency_decimals: int | None = Field(description="18 for ETH, or the ERC-20's decimals(); null when unknown")

    @model_validator(mode="before")
    @classmethod
    def _in_words(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "waiting" in data:
            return data
        waiting = int(data["credited"]) - int(data["withdrawn"])
        decimal, symbol, decimals = in_currency(waiting, data["currency"], data.get("currency_token"))
        return {
            **data,
            "waiting": waiting,
            "waiting_decimal": decimal,
            "currency_symbol": symbol,
            "currency_decimals": decimals,
        }
