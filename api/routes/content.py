"""The content gateway: ``GET``/``HEAD /ipfs/{cid}`` as an IPFS path gateway.

* plain: the file's bytes (UnixFS files), with single-range ``Range: bytes=...`` requests (206/416);
* ``?format=raw`` or ``Accept: application/vnd.ipld.raw``: the one block named by the CID;
* ``?format=car`` or ``Accept: application/vnd.ipld.car``: a CARv1 of the whole DAG, depth-first,
  each distinct block once, stated in the response as ``order=dfs; dups=n`` (IPFS trustless gateway,
  IPIP-0412), so a client can verify every block itself;
* identity CIDs (``bafkqaaa``, the empty one gateways are probed with) carry their block in the CID
  and are answered without the store.

Only what was published is served (the store's publication record, :func:`client_sdk.content.is_published`):
metadata, posters, previews and ciphertext are published when they are stored; a plaintext master
only when its studio publishes it. A root the store holds but nobody published is a 403 problem
saying so; the record is asked for the CID requested, so a block inside a published DAG is reached
through its root (``?format=car``), never on its own.

Every block is re-hashed before it is sent. The root is read and verified before the response
starts, so a missing or corrupted root is a clean problem+json; a corrupted block deeper in a file is
found before its bytes go out, and the response is cut short rather than served wrong.

Bounds: a UnixFS DAG declares its file size in its root, and a DAG that links the same subtree many
times declares terabytes from a few hundred kilobytes. File responses larger than the
``gateway_max_file_size`` setting are refused with a problem before anything streams; a CAR holds each
block once, so it is never larger than what the store holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from client_sdk.content import CID, BlockNotFound, CorruptBlock, InvalidCID, MalformedDAG, car_chunks, is_published
from client_sdk.content._multiformats import RAW as RAW_CODEC
from client_sdk.content.car import car_head, car_section

from ..deps import ContentStoreDep
from ..problems import Problem, problem_responses

router = APIRouter(prefix="/ipfs", tags=["content"])

RAW = "application/vnd.ipld.raw"
CAR = "application/vnd.ipld.car"
#: what the CAR responses hold, in the trustless gateway's content-type parameters
CAR_TYPE = f"{CAR}; version=1; order=dfs; dups=n"
IDENTITY = 0x00
#: The text forms of a CID that :meth:`CID.parse` reads, declared in OpenAPI for the path parameter:
#: CIDv0 (``Qm`` + 44 base58btc), or multibase base32 (``b…``/``B…``) or base58btc (``z…``). The varints
#: and the multihash length inside cannot be said by a pattern. The gateway checks the CID itself and
#: answers 400 Invalid CID, as an IPFS path gateway does, so the declaration does not validate.
CID_PATTERN = r"^(Qm[1-9A-HJ-NP-Za-km-z]{44}|[bB][A-Za-z2-7]+|z[1-9A-HJ-NP-Za-km-z]+)$"
#: longer than any CID of a sha2-256 block; an identity CID (its bytes inline) longer than this is refused
CID_MAX_LENGTH = 512
FORMATS = ("raw", "car")
CidPath = Annotated[
    str,
    Path(
        description="a CID: CIDv0 (Qm…) or CIDv1 in base32 (b…) or base58btc (z…)",
        examples=["bafkqaaa"],
        json_schema_extra={"pattern": CID_PATTERN, "maxLength": CID_MAX_LENGTH},
    ),
]
FormatQuery = Annotated[
    str | None,
    Query(description="raw (one block) or car (the DAG as CARv1)", json_schema_extra={"enum": [*FORMATS]}),
]
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_MAX_DIGITS = 20  # a byte position with more digits is past the end of any file


def _format(format_: str | None, accept: str | None) -> str:
    if format_ is not None:
        if format_ not in FORMATS:
            raise Problem(400, "Unsupported format", f"format={format_!r}: use format=raw or format=car")
        return format_
    accept = accept or ""
    if RAW in accept:
        return "raw"
    if CAR in accept:
        return "car"
    return "file"


def _parse(cid: str) -> CID:
    if len(cid) > CID_MAX_LENGTH:
        raise Problem(400, "Invalid CID", f"a CID here is at most {CID_MAX_LENGTH} characters")
    try:
        return CID.parse(cid)
    except InvalidCID as exc:
        raise Problem(400, "Invalid CID", str(exc)) from None


def _position(digits: str) -> int:
    return int(digits) if len(digits) <= _MAX_DIGITS else 1 << 80


def _unsatisfiable(size: int, detail: str) -> Problem:
    return Problem(416, "Range Not Satisfiable", detail, headers={"Content-Range": f"bytes */{size}"}, size=size)


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
        n = _position(last)
        if n == 0:
            raise _unsatisfiable(size, f"empty suffix range; the file has {size} bytes")
        return max(size - n, 0), size
    start = _position(first)
    end = min(_position(last) + 1, size) if last else size
    if start >= size or end <= start:
        raise _unsatisfiable(size, f"the requested bytes are outside a file of {size} bytes")
    return start, end


def _common_headers(cid: CID, etag_suffix: str = "") -> dict[str, str]:
    return {
        "Etag": f'"{cid}{etag_suffix}"',
        "X-Ipfs-Path": f"/ipfs/{cid}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "public, max-age=29030400, immutable",
    }


def _body(head: bool, chunks: Iterator[bytes]) -> Iterator[bytes]:
    return iter(()) if head else chunks


def _identity(c: CID, kind: str, range_: str | None, head: bool) -> Response:
    """An identity CID names its own bytes: answer without the store."""
    block = c.digest
    if kind == "raw":
        headers = _common_headers(c, ".raw") | {"Content-Length": str(len(block))}
        return Response(b"" if head else block, media_type=RAW, headers=headers)
    if kind == "car":
        headers = _common_headers(c, ".car")
        return Response(b"" if head else car_head(c) + car_section(c, block), media_type=CAR_TYPE, headers=headers)
    if c.codec != RAW_CODEC:
        raise Problem(422, "Not a file", f"{c} is an identity {c.codec_name} block; fetch it with ?format=raw")
    return _file(c, block, range_, head)


def _file(c: CID, data: bytes, range_: str | None, head: bool) -> Response:
    span = _range(range_, len(data)) or (0, len(data))
    headers = _common_headers(c) | {"Accept-Ranges": "bytes", "Content-Length": str(span[1] - span[0])}
    status = 200
    if span != (0, len(data)) and range_:
        headers["Content-Range"] = f"bytes {span[0]}-{span[1] - 1}/{len(data)}"
        status = 206
    body = b"" if head else data[span[0] : span[1]]
    return Response(body, status_code=status, media_type="application/octet-stream", headers=headers)


def _check_published(store: Any, c: CID) -> None:
    """Serve only roots the store records as published; a held but unpublished root is a 403 saying why."""
    if is_published(store, c):
        return
    if not store.has(c):
        raise BlockNotFound(c)
    raise Problem(
        403,
        "Not published",
        f"{c} is stored here but was not published, so this gateway does not serve it: metadata, posters, "
        "previews and encrypted masters are public, a plaintext master only when its studio publishes it "
        "(`copyright-hub publish CID`)",
    )


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}, RAW: {}, CAR_TYPE: {}}},
    206: {"description": "a byte range of the file", "content": {"application/octet-stream": {}}},
    **problem_responses(400, 403, 404, 416, 422, 500),
}


@router.head("/{cid}", responses=_RESPONSES, operation_id="content-head_content", summary="Headers of content by CID")
@router.get("/{cid}", responses=_RESPONSES)
def get_content(
    request: Request,
    cid: CidPath,
    store: ContentStoreDep,
    format: FormatQuery = None,
    accept: Annotated[str | None, Header()] = None,
    range: Annotated[str | None, Header()] = None,
) -> Response:
    """Serve content by CID: file bytes (with Range), one raw block, or a CAR of the DAG (``HEAD``: the
    same headers, no body)."""
    c = _parse(cid)
    kind = _format(format, accept)
    head = request.method == "HEAD"
    if c.hash_code == IDENTITY:
        return _identity(c, kind, range, head)
    try:
        _check_published(store, c)
        if kind == "raw":
            block = store.get_block(c)
            headers = _common_headers(c, ".raw") | {
                "Content-Disposition": f'attachment; filename="{c}.bin"',
                "Content-Length": str(len(block)),
            }
            return Response(b"" if head else block, media_type=RAW, headers=headers)
        if kind == "car":
            store.get_block(c)  # 404 / corruption before the response starts
            headers = _common_headers(c, ".car") | {"Content-Disposition": f'attachment; filename="{c}.car"'}
            return StreamingResponse(_body(head, car_chunks(store, c)), media_type=CAR_TYPE, headers=headers)
        size = store.size(c)
        limit = request.app.state.settings.gateway_max_file_size
        if size > limit:
            raise Problem(
                422,
                "File too large",
                f"{c} declares a file of {size} bytes, more than this gateway serves as bytes ({limit}); "
                "a DAG that repeats its blocks can declare any size. Fetch it with ?format=car (each block once) "
                "and check it yourself.",
                size=size,
                limit=limit,
            )
        span = _range(range, size)
        headers = _common_headers(c) | {"Accept-Ranges": "bytes"}
        if span is None:
            headers["Content-Length"] = str(size)
            return StreamingResponse(_body(head, store.cat(c)), media_type="application/octet-stream", headers=headers)
        start, end = span
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        headers["Content-Length"] = str(end - start)
        return StreamingResponse(
            _body(head, store.cat(c, start, end)),
            status_code=206,
            media_type="application/octet-stream",
            headers=headers,
        )
    except BlockNotFound:
        raise Problem(404, "Not Found", f"this gateway does not hold {c}") from None
    except CorruptBlock as exc:
        # the store's message names the block's file on this server: keep server paths out of the answer
        raise Problem(
            500,
            "Corrupted content",
            f"block {exc.cid} in this gateway's store does not match its hash; nothing from it was served",
        ) from None
    except MalformedDAG as exc:
        raise Problem(
            422, "Not a file", f"{exc}; fetch it with ?format=raw or ?format=car instead", type_="about:blank"
        ) from None
