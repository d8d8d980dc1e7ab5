"""Work metadata: the typed builder, the schema's checks with one-line errors, canonical bytes, and
reading a document back from a content store (bounded, CID re-checked)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from client_sdk import metadata as md
from client_sdk.content import BlockNotFound, LocalBlockStore, cid_of_bytes
from client_sdk.errors import HubError
from client_sdk.metadata import Creator, Episode, RightsHolder, WorkMetadata
from client_sdk.terms import WORK_TYPES

RIVER = WorkMetadata(
    "series",
    title_zh="港湾河流",
    title_en="River Harbour",
    description_zh="一条河，一座港。",
    description_en="A river, a harbour.",
    creators=(Creator("Lin Qiao", "director"), Creator("Ada Moss", "composer", "0x" + "ab" * 20)),
    rights_holders=(RightsHolder("Harbour Films", share_bps=10_000),),
    created=date(2025, 3, 1),
    first_published=date(2025, 6, 18),
    country="CN",
    languages=("zh-Hans", "yue", "en-GB"),
    duration_seconds=2_700,
    episodes=(Episode(1, 1, title_en="Low Tide", duration_seconds=1_350), Episode(2, 1, title_zh="涨潮")),
    poster_cid="QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH",
    external_ids={"isan": "0000-0000-3A8D-0000-Z-0000-0000-6", "isrc": "CN-A01-25-00001"},
    extensions={"x-studio-ref": "HF-0042"},
)


def _doc(**fields: Any) -> dict[str, Any]:
    return {"schemaVersion": 1, "workType": "film", "title": {"en": "River Harbour"}, **fields}


def test_the_schema_is_a_valid_draft_2020_12_schema_and_its_work_types_map_onto_the_chains() -> None:
    Draft202012Validator.check_schema(md.schema())
    assert md.schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(md.ON_CHAIN_TYPE) == set(md.METADATA_WORK_TYPES)
    assert set(md.ON_CHAIN_TYPE.values()) == set(WORK_TYPES)  # every on-chain type is reachable
    assert WORK_TYPES[md.chain_work_type("episode")] == "series"
    assert json.loads(md.schema_bytes()) == md.schema()


def test_a_built_document_round_trips_through_canonical_bytes() -> None:
    data = RIVER.to_bytes()
    assert data == json.dumps(json.loads(data), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert "港湾河流".encode() in data  # UTF-8, not \u escapes
    assert WorkMetadata.from_bytes(data) == RIVER
    assert RIVER.cid() == cid_of_bytes(data) and RIVER.cid(1) == cid_of_bytes(data, 1)
    assert RIVER.chain_work_type == WORK_TYPES.index("series")
    minimal = WorkMetadata("podcast", title_zh="夜市故事")
    assert minimal.to_document() == {"schemaVersion": 1, "workType": "podcast", "title": {"zh": "夜市故事"}}


@pytest.mark.parametrize(
    ("document", "where", "says"),
    [
        ({"schemaVersion": 1, "workType": "film"}, "document", "'title' is a required property"),
        (_doc(title={}), "at title", "give at least one of zh, en"),
        (_doc(title={"fr": "Le fleuve"}), "at title", "unknown field 'fr' (allowed: zh, en)"),
        (_doc(workType="opera"), "at workType", "'opera' is not one of film, series, episode"),
        (_doc(countryOfOrigin="China"), "at countryOfOrigin", "ISO 3166-1 alpha-2"),
        (_doc(languages=["zh_CN"]), "at languages.0", "BCP 47"),
        (_doc(firstPublished="2025-02-30"), "at firstPublished", "is not a 'date' (expected: YYYY-MM-DD)"),
        (_doc(durationSeconds=-1), "at durationSeconds", "less than the minimum of 0"),
        (_doc(creators=[{"name": "Lin", "role": "boss"}]), "at creators.0.role", "'boss' is not one of director"),
        (_doc(posterCid="not-a-cid"), "at posterCid", "CIDv0"),
        (_doc(externalIds={"isan": "12"}), "at externalIds.isan", "Audiovisual"),
        (_doc(schemaVersion=2), "at schemaVersion", "1 was expected"),
        (_doc(titel={"en": "typo"}), "document", "unknown field 'titel'"),
        ([1, 2], "document", "is not of type 'object'"),
    ],
)
def test_a_bad_document_is_refused_in_one_line_naming_the_field(document: Any, where: str, says: str) -> None:
    with pytest.raises(md.InvalidMetadata) as caught:
        md.validate(document)
    message = str(caught.value)
    assert isinstance(caught.value, HubError) and isinstance(caught.value, ValueError)
    assert message.startswith(f"metadata {where}: ") and says in message, message
    assert "\n" not in message and len(message) < 400
    assert message.endswith(f"fix it and try again (schema: {md.SCHEMA_NAME})")


@pytest.mark.parametrize(
    ("data", "says"),
    [(b"\xff\xfe{}", "not UTF-8"), (b'{"title": ', "not JSON: Expecting value at line 1 column 11"), (b"[]", "type")],
)
def test_bytes_that_are_not_a_json_document_are_invalid(data: bytes, says: str) -> None:
    with pytest.raises(md.InvalidMetadata, match=says):
        md.parse(data)


def test_a_document_over_the_bound_is_refused_before_it_is_parsed() -> None:
    big = WorkMetadata(
        "film", title_en="x", description_en="y" * 8_000, episodes=tuple(Episode(n) for n in range(1, 2001))
    )
    with pytest.raises(md.MetadataTooLarge, match="more than the 16,384 bytes"):
        big.to_bytes(max_bytes=16_384)
    with pytest.raises(md.MetadataTooLarge):
        md.parse(b" " * 100, max_bytes=99)


def test_read_metadata_reads_a_stored_document_and_checks_its_cid(tmp_path: Path) -> None:
    store = LocalBlockStore(tmp_path / "content")
    cid = md.store_metadata(store, RIVER)
    assert cid == RIVER.cid() and store.has(cid)
    assert WorkMetadata.from_document(md.read_metadata(store, cid)) == RIVER
    cid1 = md.store_metadata(store, RIVER, cid_version=1)
    assert cid1.startswith("bafk") and md.read_metadata(store, cid1) == RIVER.to_document()
    md.check_stored(store, cid, "the test store")  # held and valid: no error

    with pytest.raises(md.MetadataTooLarge):
        md.read_metadata(store, cid, max_bytes=100)
    absent = cid_of_bytes(b'{"other": true}')
    with pytest.raises(BlockNotFound):
        md.read_metadata(store, absent)
    with pytest.raises(md.MetadataNotStored, match=f"metadata {absent} is not in the test store.*Nothing was sent"):
        md.check_stored(store, absent, "the test store")
    not_metadata = str(store.add(b'{"hello": "world"}'))
    with pytest.raises(md.InvalidMetadata, match="'schemaVersion' is a required property"):
        md.check_stored(store, not_metadata, "the test store")
    with pytest.raises(md.InvalidMetadata, match="is not a CID"):
        md.check_stored(store, "bafymeta", "the test store")
    with pytest.raises(md.InvalidMetadata):  # nothing invalid reaches a store
        md.store_metadata(store, {"title": {"en": "no version, no type"}})
