"""Response models, derived from the mirror's tables: one family per entity (``WorkPublic``,
``WorksPublic{data,count}``...).

:func:`public_model` reads a table's columns and makes the public model from them, so a column added
to a table reaches the API without a hand-written copy; what a resource leaves out is named, and
what it adds (related rows, derived values) is declared next to it. Column types map to JSON as:

- uint256 amounts (wei, ERC-20 base units, counters) are decimal strings: they exceed what JSON
  numbers carry safely in JavaScript clients (ids stay JSON integers, as they always were here);
- addresses (42-character columns) are EIP-55 checksummed (the mirror stores lower case);
- everything else as the table holds it.

Models validate from attribute-bearing objects (table rows) or dicts (a row's columns merged with
its related rows), ``model_validate(..., from_attributes=True)``.
"""

from __future__ import annotations

import functools
import json
import time
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    create_model,
    model_validator,
)
from sqlmodel import SQLModel
from web3 import Web3

from client_sdk.terms import WORK_TYPES, WorkStatus, rights_names, work_status_name, work_type_name
from indexer import models as m
from indexer.models import U256

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
#: A uint256 amount as a decimal string.
Amount = Annotated[str, BeforeValidator(lambda v: str(v))]
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
    if isinstance(column.type, U256) and not name.endswith("_id"):
        base: Any = Amount
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
        "parents": (list[int], Field(description="parent works of a derivative")),
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


class TermsPublic(Public):
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


def _values(data: Any) -> Any:
    """A table row as the dict of its columns; anything else as it is."""
    return data.model_dump() if isinstance(data, SQLModel) else data


class _OfferBase(Public):
    @model_validator(mode="before")
    @classmethod
    def _terms_from_the_row(cls, data: Any) -> Any:
        """The terms are columns of the offer's own row."""
        data = _values(data)
        return data if not isinstance(data, dict) or "terms" in data else {**data, "terms": data}


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
        return {**data, "status": status, "rights_mask": data["rights"]}


LicencePublic = public_model(
    "LicencePublic",
    m.Licence,
    base=_LicenceBase,
    exclude=("signed_offer_digest", "revoked", "revoked_by", "revoked_block", "granted_at"),
    types={"rights": RightNames},
    extra={
        "rights_mask": (int, ...),
        "status": (str, Field(description="valid | not_yet_valid | expired | revoked, at the time of the request")),
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
    work_id: int
    chain_id: int
    registry: Address
    events: list[ProvenanceEvent]
    checks: list[ProvenanceCheck] = Field(description="the mirror re-checked against the chain, field by field")
    verified: bool
