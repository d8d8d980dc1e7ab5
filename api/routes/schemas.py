"""Published JSON Schemas: ``GET /schemas/work-metadata.v1.json``, the one schema a work's metadata
document follows (the file in ``client_sdk/schemas``, served byte for byte at a stable URL)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from client_sdk.metadata import SCHEMA_NAME, schema_bytes

router = APIRouter(tags=["schemas"])


@router.get(
    f"/schemas/{SCHEMA_NAME}",
    operation_id="schemas-work-metadata",
    summary="The JSON Schema (draft 2020-12) of work metadata documents",
    response_class=Response,
    responses={200: {"content": {"application/schema+json": {}}, "description": "the schema"}},
)
def work_metadata_schema() -> Response:
    """What a work's metadata CID must name: titles and descriptions in Chinese and English, type,
    creators, rights holders, dates, country, languages, duration, episodes, poster and preview CIDs,
    external ids. The SDK and CLI validate against it before storing; the indexer before mirroring."""
    return Response(
        schema_bytes(), media_type="application/schema+json", headers={"Cache-Control": "public, max-age=3600"}
    )
