"""``GET /similar?iscc=``: registered works whose ISCC codes are near a given code (:mod:`indexer.similar`).

The query is one ISCC unit (a 64-bit Content-Code of video, audio or image, a Data-Code or an
Instance-Code: ``copyright-hub similar FILE`` prints them) or a whole ISCC-CODE, whose units are each
looked up. Each work appears once, with its best match: ``identical`` (same bytes), then ``content``
(looks or sounds the same), then ``data`` (near-identical bytes), nearest first.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from client_sdk.content.errors import InvalidISCC
from client_sdk.content.iscc import DEFAULT_MAX_DISTANCE, Unit, unit
from indexer import similar

from ..deps import SessionDep
from ..problems import Problem, problem_responses

router = APIRouter(tags=["similar"])

#: one 64-bit unit (content video/audio/image, data, instance) or a composite ISCC-CODE
ISCC_PATTERN = r"^(ISCC:)?((EMA|EIA|EEA|GAA|IAA)[Q-Z2-7][A-Z2-7]{12}|EID[A-Z2-7]{52}|K[A-Z2-7]{15,59})$"


class SimilarWork(BaseModel):
    work_id: str = Field(description="uint256 as a decimal string")
    owner: str = Field(description="the work's lead owner (who holds it)")
    metadata_cid: str
    code: str = Field(description="the work's code that matched")
    distance: int = Field(description="Hamming distance in bits (of 64); 0 for identical")
    match: str = Field(description="identical | content | data")
    origin: str = Field(
        "owner",
        description="owner: codes declared in the work's metadata | hub-preview: computed by this hub from its public preview",
    )


class SimilarPublic(BaseModel):
    query: list[str] = Field(description="the units looked up")
    max_distance: int
    data: list[SimilarWork]
    count: int


def units_of(text: str) -> list[Unit]:
    """The units of one unit or of a composite ISCC-CODE; :class:`InvalidISCC` otherwise."""
    body = text.strip().upper().removeprefix("ISCC:")
    if not body.startswith("K"):
        return [unit(text)]
    import iscc_core as ic

    try:
        parts = ic.iscc_decompose(body)
    except Exception as exc:  # iscc-core raises ValueError/KeyError for garbage
        raise InvalidISCC(text, f"it is not a valid ISCC-CODE ({exc})") from None
    found = []
    for part in parts:
        try:
            found.append(unit(part))
        except InvalidISCC:
            continue  # a wide or unsupported unit inside: the others still answer
    if not found:
        raise InvalidISCC(text, "none of its units is a 64-bit Content-, Data- or Instance-Code")
    return found


@router.get(
    "/similar",
    operation_id="similar-works",
    summary="Registered works near an ISCC code (near-duplicate search)",
    responses=problem_responses(422),
)
def get_similar(
    session: SessionDep,
    iscc: Annotated[str, Query(pattern=ISCC_PATTERN, description="one ISCC unit or an ISCC-CODE")],
    max_distance: Annotated[
        int, Query(ge=0, le=similar.MAX_DISTANCE, description="greatest Hamming distance in bits (of 64)")
    ] = DEFAULT_MAX_DISTANCE,
    limit: Annotated[int, Query(ge=1, le=similar.MAX_RESULTS)] = 20,
) -> SimilarPublic:
    """Works whose current metadata document carries a code of the same type within ``max_distance``
    bits, each with the distance and the kind of match; an empty list when none is near."""
    try:
        units = units_of(iscc)
    except InvalidISCC as exc:
        raise Problem(422, "Invalid ISCC code", str(exc)) from None
    ranked = similar.search_units(session.connection(), units, max_distance, limit)
    data = [SimilarWork(**s.to_json()) for s in ranked]
    return SimilarPublic(query=[u.code for u in units], max_distance=max_distance, data=data, count=len(data))
