"""Work metadata: the one module that builds, validates, stores and reads the JSON document a work's
metadata CID names.

The shape is declared once, in the JSON Schema ``client_sdk/schemas/work-metadata.v1.json`` (draft
2020-12; the API serves it at ``/schemas/work-metadata.v1.json``). Everything here reads it: the
work types and creator roles, the validation, the error paths. :class:`WorkMetadata` is the typed
builder (snake_case fields; the document is camelCase)::

    meta = WorkMetadata("film", title_en="River Harbour", title_zh="港湾河流", languages=("zh-Hans",))
    cid = store_metadata(store, meta)          # validated, canonical bytes, into the content store
    hub.register_work(digest, content_cid, cid, meta.chain_work_type)

A document travels as *canonical JSON*: UTF-8, keys sorted, no insignificant whitespace, so one
document has one CID. :func:`read_metadata` is the reading side (the SDK's register check and the
indexer's metadata worker): it fetches at most :data:`MAX_METADATA_BYTES`, re-computes the CID of the
bytes, parses and validates them.

Errors (all :class:`~client_sdk.errors.HubError`, each one line saying what to fix):

* :class:`InvalidMetadata` (ValueError) -- not UTF-8 JSON, or against the schema (``path`` names where)
  * :class:`MetadataTooLarge` -- larger than the bound
  * :class:`MetadataMismatch` -- the bytes a store returned do not hash to the CID
* :class:`MetadataNotStored` (LookupError) -- the content store does not hold the CID
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import TYPE_CHECKING, Any

from .content import CID, cid_of_bytes
from .errors import HubError

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

    from .content import ContentStore

#: file name of the schema in ``client_sdk/schemas`` and under ``/schemas/`` in the API
SCHEMA_NAME = "work-metadata.v1.json"
#: the ``schemaVersion`` documents of this schema carry
SCHEMA_VERSION = 1
#: largest metadata document the SDK writes and the indexer reads (bytes of canonical JSON)
MAX_METADATA_BYTES = 256 * 1024


class InvalidMetadata(HubError, ValueError):
    """A metadata document is not UTF-8 JSON or breaks the schema; ``path`` names the field
    (``title.en``; empty: the document itself)."""

    def __init__(self, problem: str, path: str = "") -> None:
        self.problem = problem
        self.path = path
        where = f"at {path}" if path else "document"
        super().__init__(f"metadata {where}: {problem}; fix it and try again (schema: {SCHEMA_NAME})")


class MetadataTooLarge(InvalidMetadata):
    """A metadata document is larger than :data:`MAX_METADATA_BYTES` (or the bound given)."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(f"{size:,} bytes is more than the {limit:,} bytes a metadata document may have; "
                         "move long texts out of it (posters and previews go in by CID)")  # fmt: skip


class MetadataMismatch(InvalidMetadata):
    """The bytes a content store returned for a CID do not hash to that CID."""

    def __init__(self, cid: str, actual: str) -> None:
        self.cid = cid
        self.actual = actual
        super().__init__(f"the store returned bytes whose CID is {actual}, not {cid}: the store is corrupted or lying")


class MetadataNotStored(HubError, LookupError):
    """A registration names a metadata CID the configured content store does not hold."""

    def __init__(self, cid: str, where: str) -> None:
        self.cid = cid
        self.where = where
        super().__init__(
            f"metadata {cid} is not in {where}, so nobody could read it; store the document first "
            "(Hub.store_metadata, `copyright-hub register --metadata FILE.json`, or `copyright-hub content add FILE.json`) "
            "and register again. Nothing was sent"
        )


# -- the schema ---------------------------------------------------------------------------------------


@functools.cache
def schema() -> dict[str, Any]:
    """The work metadata JSON Schema (parsed; do not modify)."""
    text = resources.files(__package__).joinpath("schemas", SCHEMA_NAME).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def schema_bytes() -> bytes:
    """The schema file as published (what ``GET /schemas/work-metadata.v1.json`` serves)."""
    return resources.files(__package__).joinpath("schemas", SCHEMA_NAME).read_bytes()


@functools.cache
def _validator() -> Validator:
    from jsonschema import Draft202012Validator, FormatChecker

    return Draft202012Validator(schema(), format_checker=FormatChecker())


def _enum(*path: str) -> tuple[str, ...]:
    node: Any = schema()["properties"]
    for key in path:
        node = node[key]
    return tuple(node["enum"])


#: the work types a document may name (``workType``), read from the schema
METADATA_WORK_TYPES: tuple[str, ...] = _enum("workType")
#: the roles a creator may have, read from the schema
CREATOR_ROLES: tuple[str, ...] = _enum("creators", "items", "properties", "role")
#: the on-chain work type (:data:`client_sdk.terms.WORK_TYPES`) each metadata work type registers as;
#: ``tests/sdk/test_metadata.py`` holds it to the schema's list and to the on-chain list
ON_CHAIN_TYPE: dict[str, str] = {
    "film": "film", "series": "series", "episode": "series", "animation": "animation", "short_video": "short_video",
    "audio": "audio", "podcast": "podcast", "live_recording": "live_recording", "interactive": "interactive",
}  # fmt: skip


def chain_work_type(work_type: str) -> int:
    """The on-chain work type code of a metadata work type (``episode`` -> the code of ``series``)."""
    if work_type not in ON_CHAIN_TYPE:
        raise InvalidMetadata(
            f"{work_type!r} is not a work type; use one of {', '.join(METADATA_WORK_TYPES)}", "workType"
        )
    from .terms import WORK_TYPES  # here: the terms load the ABI, which the CLI's --help does not need

    return WORK_TYPES.index(ON_CHAIN_TYPE[work_type])


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _explain(error: Any) -> str:
    """One schema error in words a studio can act on: unknown fields named with what is allowed, the
    expected form of a pattern or format (the field's description in the schema)."""
    sub: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    allowed = ", ".join(sub.get("properties", {}))
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        unknown = sorted(set(error.instance) - set(sub.get("properties", {})))
        unknown = [k for k in unknown if not k.startswith("x-")] or unknown
        extensions = "; x-... for extensions" if sub.get("patternProperties") else ""
        return f"unknown field {', '.join(map(repr, unknown))} (allowed: {allowed}{extensions})"
    if error.validator == "enum":
        return f"{_short(repr(error.instance), 60)} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "minProperties" and allowed:
        return f"give at least one of {allowed}"
    message = _short(error.message)
    if error.validator in ("pattern", "format") and sub.get("description"):
        message += f" (expected: {sub['description']})"
    return message


def validate(document: Any) -> dict[str, Any]:
    """``document`` if it follows the schema, else :class:`InvalidMetadata` naming the first problem."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(document))
    if error is not None:
        path = ".".join(str(p) for p in error.absolute_path)
        raise InvalidMetadata(_explain(error), path)
    assert isinstance(document, dict)
    return document


def canonical_bytes(document: Mapping[str, Any], *, max_bytes: int = MAX_METADATA_BYTES) -> bytes:
    """The canonical JSON of a valid document: UTF-8, keys sorted, compact. One document, one CID."""
    data = json.dumps(validate(dict(document)), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    if len(data) > max_bytes:
        raise MetadataTooLarge(len(data), max_bytes)
    return data


def parse(data: bytes, *, max_bytes: int = MAX_METADATA_BYTES) -> dict[str, Any]:
    """A metadata document from its bytes: bounded, UTF-8 JSON, valid against the schema."""
    if len(data) > max_bytes:
        raise MetadataTooLarge(len(data), max_bytes)
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidMetadata(f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InvalidMetadata(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    return validate(document)


# -- the typed builder --------------------------------------------------------------------------------


def _text(zh: str | None, en: str | None) -> dict[str, str] | None:
    both = {"zh": zh, "en": en}
    return {k: v for k, v in both.items() if v is not None} or None


@dataclass(frozen=True)
class Creator:
    """Someone who made the work: ``role`` is one of :data:`CREATOR_ROLES`."""

    name: str
    role: str
    account: str | None = None

    def to_document(self) -> dict[str, Any]:
        return _compact({"name": self.name, "role": self.role, "account": self.account})


@dataclass(frozen=True)
class RightsHolder:
    """Who holds rights in the work (informative; the chain's owners and splits are the record)."""

    name: str
    account: str | None = None
    share_bps: int | None = None

    def to_document(self) -> dict[str, Any]:
        return _compact({"name": self.name, "account": self.account, "shareBps": self.share_bps})


@dataclass(frozen=True)
class Episode:
    """One episode of a series."""

    number: int
    season: int | None = None
    title_zh: str | None = None
    title_en: str | None = None
    duration_seconds: int | None = None
    content_cid: str | None = None

    def to_document(self) -> dict[str, Any]:
        return _compact({
            "number": self.number, "season": self.season, "title": _text(self.title_zh, self.title_en),
            "durationSeconds": self.duration_seconds, "contentCid": self.content_cid,
        })  # fmt: skip


def _compact(values: Mapping[str, Any]) -> dict[str, Any]:
    """The entries that are set (not None, not empty)."""
    return {k: v for k, v in values.items() if v is not None and v != () and v != {} and v != []}


@dataclass(frozen=True)
class WorkMetadata:
    """A work's metadata, typed. :meth:`to_document` gives the JSON document, :meth:`to_bytes` its
    canonical bytes (validated), :meth:`from_document` reads one back (validated)."""

    work_type: str
    title_zh: str | None = None
    title_en: str | None = None
    description_zh: str | None = None
    description_en: str | None = None
    creators: tuple[Creator, ...] = ()
    rights_holders: tuple[RightsHolder, ...] = ()
    created: date | None = None
    first_published: date | None = None
    country: str | None = None
    languages: tuple[str, ...] = ()
    duration_seconds: int | None = None
    episodes: tuple[Episode, ...] = ()
    poster_cid: str | None = None
    preview_cid: str | None = None
    #: ``isan``, ``isrc``, ``eidr``, ``iswc``, ``doi``, ``filing``
    external_ids: Mapping[str, str] = field(default_factory=dict)
    #: the content file (``name``, ``size``, ``sha256``), informative
    file: Mapping[str, Any] | None = None
    #: ``x-...`` vendor extensions, kept as they are
    extensions: Mapping[str, Any] = field(default_factory=dict)

    @property
    def chain_work_type(self) -> int:
        """The on-chain work type code this work registers with."""
        return chain_work_type(self.work_type)

    def to_document(self) -> dict[str, Any]:
        """The JSON document (camelCase), not yet validated; :meth:`to_bytes` validates."""
        return _compact({
            "schemaVersion": SCHEMA_VERSION,
            "title": _text(self.title_zh, self.title_en),
            "description": _text(self.description_zh, self.description_en),
            "workType": self.work_type,
            "creators": [c.to_document() for c in self.creators],
            "rightsHolders": [r.to_document() for r in self.rights_holders],
            "created": self.created.isoformat() if self.created else None,
            "firstPublished": self.first_published.isoformat() if self.first_published else None,
            "countryOfOrigin": self.country,
            "languages": list(self.languages),
            "durationSeconds": self.duration_seconds,
            "episodes": [e.to_document() for e in self.episodes],
            "posterCid": self.poster_cid,
            "previewCid": self.preview_cid,
            "externalIds": dict(self.external_ids),
            "file": dict(self.file) if self.file else None,
            **self.extensions,
        })  # fmt: skip

    def to_bytes(self, *, max_bytes: int = MAX_METADATA_BYTES) -> bytes:
        """The canonical JSON bytes (:class:`InvalidMetadata` if the document breaks the schema)."""
        return canonical_bytes(self.to_document(), max_bytes=max_bytes)

    def cid(self, cid_version: int = 0) -> str:
        """The CID of :meth:`to_bytes`, as ``ipfs add`` gives it."""
        return cid_of_bytes(self.to_bytes(), cid_version)

    @classmethod
    def from_document(cls, document: Any) -> WorkMetadata:
        """Read a document (validated first)."""
        d = validate(document)
        title, description = d.get("title", {}), d.get("description", {})

        def day(key: str) -> date | None:
            return date.fromisoformat(d[key]) if key in d else None

        return cls(
            work_type=d["workType"],
            title_zh=title.get("zh"),
            title_en=title.get("en"),
            description_zh=description.get("zh"),
            description_en=description.get("en"),
            creators=tuple(Creator(c["name"], c["role"], c.get("account")) for c in d.get("creators", ())),
            rights_holders=tuple(
                RightsHolder(r["name"], r.get("account"), r.get("shareBps")) for r in d.get("rightsHolders", ())
            ),
            created=day("created"),
            first_published=day("firstPublished"),
            country=d.get("countryOfOrigin"),
            languages=tuple(d.get("languages", ())),
            duration_seconds=d.get("durationSeconds"),
            episodes=tuple(
                Episode(
                    e["number"],
                    e.get("season"),
                    e.get("title", {}).get("zh"),
                    e.get("title", {}).get("en"),
                    e.get("durationSeconds"),
                    e.get("contentCid"),
                )
                for e in d.get("episodes", ())
            ),
            poster_cid=d.get("posterCid"),
            preview_cid=d.get("previewCid"),
            external_ids=dict(d.get("externalIds", {})),
            file=d.get("file"),
            extensions={k: v for k, v in d.items() if k.startswith("x-")},
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> WorkMetadata:
        return cls.from_document(parse(data))


def document_of(metadata: WorkMetadata | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON document of a :class:`WorkMetadata` or of a mapping (as it is)."""
    return metadata.to_document() if isinstance(metadata, WorkMetadata) else dict(metadata)


# -- the content store --------------------------------------------------------------------------------


def store_metadata(store: ContentStore, metadata: WorkMetadata | Mapping[str, Any], cid_version: int = 0) -> str:
    """Validate ``metadata``, put its canonical bytes into ``store`` (published: metadata is public) and
    return their CID."""
    from .content import PublishingStore

    cid = store.add(canonical_bytes(document_of(metadata)), cid_version)
    if isinstance(store, PublishingStore):
        store.publish(cid)
    return str(cid)


def fetch_metadata_bytes(store: ContentStore, cid: str, *, max_bytes: int = MAX_METADATA_BYTES) -> bytes:
    """The bytes ``cid`` names in ``store``: at most ``max_bytes`` read, their CID re-computed (a store
    is not trusted to have verified them). Raises the content store's errors (``BlockNotFound``,
    ``StoreUnavailable``, ``InvalidCID``, ``CorruptBlock``, ``MalformedDAG``), :class:`MetadataTooLarge`
    and :class:`MetadataMismatch`."""
    c = CID.parse(cid)
    declared = store.size(c)
    if declared > max_bytes:
        raise MetadataTooLarge(declared, max_bytes)
    data = bytearray()
    for chunk in store.cat(c):
        data += chunk
        if len(data) > max_bytes:  # a root may declare less than its leaves hold
            raise MetadataTooLarge(len(data), max_bytes)
    actual = cid_of_bytes(bytes(data), c.version)
    if actual != str(c):
        raise MetadataMismatch(str(c), actual)
    return bytes(data)


def read_metadata(store: ContentStore, cid: str, *, max_bytes: int = MAX_METADATA_BYTES) -> dict[str, Any]:
    """The valid document ``cid`` names in ``store`` (:func:`fetch_metadata_bytes`, then :func:`parse`)."""
    return parse(fetch_metadata_bytes(store, cid, max_bytes=max_bytes), max_bytes=max_bytes)


def check_stored(store: ContentStore, cid: str, where: str) -> None:
    """Refuse (before anything is sent) a metadata CID ``store`` does not hold, or whose document is
    not valid: :class:`MetadataNotStored` or :class:`InvalidMetadata`. ``where`` names the store."""
    from .content import BlockNotFound, InvalidCID

    try:
        if not store.has(cid):
            raise MetadataNotStored(cid, where)
        read_metadata(store, cid)
    except BlockNotFound:
        raise MetadataNotStored(cid, where) from None
    except InvalidCID as exc:
        raise InvalidMetadata(f"{cid!r} is not a CID ({exc.reason})", "metadata CID") from None


__all__ = [
    "CREATOR_ROLES",
    "MAX_METADATA_BYTES",
    "METADATA_WORK_TYPES",
    "ON_CHAIN_TYPE",
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    "Creator",
    "Episode",
    "InvalidMetadata",
    "MetadataMismatch",
    "MetadataNotStored",
    "MetadataTooLarge",
    "RightsHolder",
    "WorkMetadata",
    "canonical_bytes",
    "chain_work_type",
    "check_stored",
    "document_of",
    "fetch_metadata_bytes",
    "parse",
    "read_metadata",
    "schema",
    "schema_bytes",
    "store_metadata",
    "validate",
]
