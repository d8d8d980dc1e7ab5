"""Content codes the hub computes from works' public previews (issue 15 item 1, the hub's half of the
backfill): a work registered before content codes existed has no ``file.contentCodes`` in its metadata, so
near-duplicate search cannot see it; when its metadata names a ``previewCid`` that the content store holds,
the hub computes the codes from that preview (:func:`client_sdk.content.iscc.content_codes`) and indexes
them like declared ones.

**Marked as the hub's, not the owner's.** The owner declared nothing: the codes are the hub's reading of a
preview (often a shorter or smaller cut than the work). Each computation is a ``work_preview_code`` row
(:class:`indexer.tables.similarity.PreviewCode`: the preview's CID, when, the method, the codes or why
none), and :func:`indexer.similar.search` answers a work matched through such codes with ``origin``
:data:`~indexer.similar.HUB_ORIGIN` (declared ones: ``owner``). The work's metadata is not touched: only its owner can change
it on chain (``copyright-hub codes backfill --from-preview`` is the owner's way to declare them).

**Never blocking chain sync.** It runs as its own command (``copyright-hub codes backfill-previews``, once
or every ``--every`` seconds, beside ``copyright-hub index``): the store read and ffmpeg run outside any
transaction, and each work's result is one short transaction.

**Idempotent and rebuild-consistent.** A pass takes the works whose *current* document is ``ok``, names a
preview, carries no codes of its own (no ``work_content_code`` rows) and has no ``work_preview_code`` row
yet (or a failed one whose retry time has come); a second pass finds nothing to do. The codes are a pure
function of the preview's bytes (content-addressed) and :data:`~client_sdk.content.iscc.CODE_METHOD`, so
after ``index --rebuild`` (which drops both tables with the mirror) the next pass writes the same rows. A
new metadata document (``MetadataUpdated``) is a new current CID: pending again, and a document that now
declares codes is left to them.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from client_sdk.content import ContentStore
from client_sdk.content.errors import ContentError
from client_sdk.content.iscc import CODE_METHOD, ContentCodes, content_codes

from . import models as m
from .similar import code_rows

log = logging.getLogger("indexer.preview_codes")

#: the largest preview read (bytes); a larger one is recorded as failed with the reason
PREVIEW_MAX_BYTES = 2 << 30
#: seconds before a failed preview is tried again, doubling with each attempt up to :data:`RETRY_MAX`
RETRY_BASE, RETRY_MAX = 3600, 7 * 86400
#: works taken per pass
BATCH = 20

_work = m.Work.__table__  # type: ignore[attr-defined]
_doc = m.MetadataDocument.__table__  # type: ignore[attr-defined]
_code = m.ContentCode.__table__  # type: ignore[attr-defined]
_preview = m.PreviewCode.__table__  # type: ignore[attr-defined]


class PreviewFailed(Exception):
    """A preview that gave no codes, and why (what ``work_preview_code.error`` records)."""


@dataclass(frozen=True)
class Due:
    """A work whose current document names a preview and carries no codes: what a pass computes."""

    work_id: int
    metadata_cid: str
    preview_cid: str
    attempts: int


@dataclass(frozen=True)
class PassResult:
    """What one pass did: codes computed, previews that gave none (with why, per work)."""

    computed: list[int]
    failed: dict[int, str]

    def to_json(self) -> dict[str, Any]:
        return {"computed": [str(w) for w in self.computed], "failed": {str(w): e for w, e in self.failed.items()}}


def due(conn: sa.Connection, now: int, limit: int = BATCH) -> list[Due]:
    """Works whose current document is ``ok``, names a preview, has no codes of its own and none
    computed here yet (or a failure whose retry time has come), newest first."""
    own = sa.select(_code.c.work_id).where(
        _code.c.work_id == _work.c.work_id, _code.c.metadata_cid == _work.c.metadata_cid
    )
    done = sa.select(_preview.c.work_id).where(
        _preview.c.work_id == _work.c.work_id,
        _preview.c.metadata_cid == _work.c.metadata_cid,
        sa.or_(_preview.c.status == "ok", _preview.c.next_attempt_at > now),
    )
    attempts = (
        sa.select(_preview.c.attempts)
        .where(_preview.c.work_id == _work.c.work_id, _preview.c.metadata_cid == _work.c.metadata_cid)
        .scalar_subquery()
    )
    rows = conn.execute(
        sa.select(_work.c.work_id, _work.c.metadata_cid, _doc.c.preview_cid, attempts.label("attempts"))
        .join(_doc, sa.and_(_doc.c.work_id == _work.c.work_id, _doc.c.metadata_cid == _work.c.metadata_cid))
        .where(_doc.c.status == "ok", _doc.c.preview_cid.is_not(None), ~sa.exists(own), ~sa.exists(done))
        .order_by(_work.c.registered_block.desc(), _work.c.work_id.desc())
        .limit(limit)
    ).all()
    return [Due(int(r.work_id), r.metadata_cid, r.preview_cid, int(r.attempts or 0)) for r in rows]


def _copy(store: ContentStore, cid: str, dest: Path, max_bytes: int) -> None:
    size = store.size(cid)
    if size > max_bytes:
        raise ValueError(f"the preview is {size:,} bytes, over the {max_bytes:,} this hub reads")
    with open(dest, "wb") as fh:
        for chunk in store.cat(cid):
            fh.write(chunk)


def compute(store: ContentStore, preview_cid: str, max_bytes: int = PREVIEW_MAX_BYTES) -> ContentCodes:
    """The preview's codes (outside any transaction); :class:`PreviewFailed` saying why there are none
    (not in the store, not media ffmpeg reads, too large, ...)."""
    with tempfile.TemporaryDirectory(prefix="preview-codes-") as tmp:
        source = Path(tmp) / "preview"
        try:
            _copy(store, preview_cid, source, max_bytes)
            return content_codes(source, media=True)
        except (ContentError, ValueError, OSError) as exc:  # named by its CID, not the temporary path
            raise PreviewFailed(f"{type(exc).__name__}: {str(exc).replace(str(source), 'the preview')}") from None


def record(conn: sa.Connection, item: Due, now: int, codes: ContentCodes | None, error: str | None) -> int:
    """Write one computation: its ``work_preview_code`` row and, when it gave codes, their
    ``work_content_code`` rows (searchable like declared ones). Returns the code rows written."""
    key = {"work_id": item.work_id, "metadata_cid": item.metadata_cid}
    conn.execute(sa.delete(_preview).where(_preview.c.work_id == item.work_id, _preview.c.metadata_cid == item.metadata_cid))  # fmt: skip
    attempts = item.attempts + 1
    conn.execute(
        sa.insert(_preview),
        [{
            **key, "preview_cid": item.preview_cid, "status": "ok" if codes else "failed",
            "error": None if codes else (error or "unknown")[:500], "method": CODE_METHOD,
            "codes": json.dumps(codes.to_json(), sort_keys=True) if codes else None,
            "computed_at": now, "attempts": attempts,
            "next_attempt_at": None if codes else now + min(RETRY_MAX, RETRY_BASE * 2 ** (attempts - 1)),
        }],
    )  # fmt: skip
    if codes is None:
        return 0
    rows = code_rows(item.work_id, item.metadata_cid, {"file": {"contentCodes": codes.to_json()}})
    if rows:
        conn.execute(sa.insert(_code), rows)
    return len(rows)


def run_once(
    engine: Engine, store: ContentStore, *, limit: int = BATCH, max_bytes: int = PREVIEW_MAX_BYTES
) -> PassResult:
    """One pass: each due work's preview read and coded outside any transaction, then recorded in a
    transaction of its own."""
    with engine.connect() as conn:
        items = due(conn, int(time.time()), limit)
    computed: list[int] = []
    failed: dict[int, str] = {}
    for item in items:
        codes: ContentCodes | None = None
        error: str | None = None
        try:
            codes = compute(store, item.preview_cid, max_bytes)
        except PreviewFailed as exc:
            error = str(exc)
        with engine.begin() as conn:
            record(conn, item, int(time.time()), codes, error)
        if codes is not None:
            computed.append(item.work_id)
            log.info("work %s: %s codes from preview %s", item.work_id, codes.kind, item.preview_cid)
        else:
            failed[item.work_id] = error or ""
            log.warning("work %s: no codes from preview %s: %s", item.work_id, item.preview_cid, error)
    return PassResult(computed, failed)


def run(
    engine: Engine, store: ContentStore, *, limit: int = BATCH, max_bytes: int = PREVIEW_MAX_BYTES
) -> Iterator[PassResult]:
    """Passes until one finds nothing due (each yielded)."""
    while True:
        result = run_once(engine, store, limit=limit, max_bytes=max_bytes)
        yield result
        if not result.computed and not result.failed:
            return


__all__ = ["BATCH", "Due", "PassResult", "PreviewFailed", "compute", "due", "record", "run", "run_once"]
