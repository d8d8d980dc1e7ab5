"""The content gateway: ``GET /ipfs/{cid}`` as an IPFS path gateway.

* plain: the file's bytes (UnixFS files), with single-range ``Range: bytes=...`` requests (206/416);
* ``?format=raw`` or ``Accept: application/vnd.ipld.raw``: the one block named by the CID;
* ``?format=car`` or ``Accept: application/vnd.ipld.car``: a CARv1 of the whole DAG, depth-first,
  as in the IPFS trustless gateway specification, so a client can verify every block itself.

Every block is re-hashed before it is sent. The root is read and verified before the response
starts, so a missing or corrupted root is a clean problem+json; a corrupted block deeper in a file is
found before its bytes go out, and the response is cut short rather than served wrong.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response, StreamingResponse

from client_sdk.content import CID, BlockNotFound, CorruptBlock, InvalidCID, MalformedDAG, car_chunks

from ..deps import ContentStoreDep
from ..problems import Problem

router = APIRouter(prefix="/ipfs", tags=["content"])

RAW = "application/vnd.ipld.raw"
CAR = "application/vnd.ipld.car"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _format(format_: str | None, accept: str | None) -> str:
    if format_ is not None:
        if format_ not in ("raw", "car"):
            raise Problem(400, "Unsupported format", f"format={format_!r}: use format=raw or format=car")
        return format_
    accept = accept or ""
    if RAW in accept:
        return "raw"
    if CAR in accept:
        return "car"
    return "file"


def _parse(cid: str) -> CID:
    try:
        return CID.parse(cid)
    except InvalidCID as exc:
        raise Problem(400, "Invalid CID", str(exc)) from None


def _range(header: str | None, size: int) -> tuple[int, int] | None:
    """[start, end) of a single byte range, None for the whole file; raises 416 if unsatisfiable."""
    if not header:
        return None
    m = _RANGE.match(header.strip())
    if m is None:
        return None  # multiple ranges or other units: RFC 9110 lets us send the whole file
    first, last = m.groups()
    if first == "" and last == "":
        return None
    if first == "":
        n = int(last)
        if n == 0:
            raise Problem(416, "Range Not Satisfiable", f"empty suffix range; the file has {size} bytes")
        return max(size - n, 0), size
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    if start >= size or end <= start:
        raise Problem(416, "Range Not Satisfiable", f"bytes {header} are outside a file of {size} bytes", size=size)
    return start, end


def _common_headers(cid: CID, etag_suffix: str = "") -> dict[str, str]:
    return {
        "Etag": f'"{cid}{etag_suffix}"',
        "X-Ipfs-Path": f"/ipfs/{cid}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "public, max-age=29030400, immutable",
    }


@router.get(
    "/{cid}",
    responses={
        200: {"content": {"application/octet-stream": {}, RAW: {}, CAR: {}}},
        206: {"description": "a byte range of the file"},
    },
)
def get_content(
    cid: str,
    store: ContentStoreDep,
    format: Annotated[str | None, Query(description="raw (one block) or car (the DAG as CARv1)")] = None,
    accept: Annotated[str | None, Header()] = None,
    range: Annotated[str | None, Header()] = None,
) -> Response:
    """Serve content by CID: file bytes (with Range), one raw block, or a CAR of the DAG."""
    c = _parse(cid)
    kind = _format(format, accept)
    try:
        if kind == "raw":
            block = store.get_block(c)
            headers = _common_headers(c, ".raw") | {"Content-Disposition": f'attachment; filename="{c}.bin"'}
            return Response(block, media_type=RAW, headers=headers)
        if kind == "car":
            store.get_block(c)  # 404 / corruption before the response starts
            headers = _common_headers(c, ".car") | {"Content-Disposition": f'attachment; filename="{c}.car"'}
            return StreamingResponse(car_chunks(store, c), media_type=f"{CAR}; version=1", headers=headers)
        size = store.size(c)
        span = _range(range, size)
        headers = _common_headers(c) | {"Accept-Ranges": "bytes"}
        if span is None:
            headers["Content-Length"] = str(size)
            return StreamingResponse(store.cat(c), media_type="application/octet-stream", headers=headers)
        start, end = span
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        headers["Content-Length"] = str(end - start)
        return StreamingResponse(
            store.cat(c, start, end), status_code=206, media_type="application/octet-stream", headers=headers
        )
    except BlockNotFound:
        raise Problem(404, "Not Found", f"this gateway does not hold {c}") from None
    except CorruptBlock as exc:
        raise Problem(500, "Corrupted content", str(exc)) from None
    except MalformedDAG as exc:
        raise Problem(
            422, "Not a file", f"{exc}; fetch it with ?format=raw or ?format=car instead", type_="about:blank"
        ) from None
