"""Near-duplicate search over the works' ISCC codes (``work_content_code``; see
:mod:`indexer.tables.similarity` for the layout and why it is banded).

:func:`code_rows` turns a metadata document's ``file.contentCodes`` into rows; :func:`write_codes` replaces
a document's rows in the caller's transaction (the metadata worker writes them with the document);
:func:`search` answers "which works have a code of this type within ``max_distance`` bits", each with its
distance and what kind of match it is (``identical`` bytes, ``content``, ``data``), on SQLite and
PostgreSQL alike.

An audio Content-Code is stored as its 256-bit text (``code``) with its first 64 bits banded like any
other unit; when the query is a 256-bit audio unit too, each candidate within ``max_distance`` is
confirmed over the full 256 bits (:func:`client_sdk.content.iscc.confirms`: unrelated stationary noise
agrees on its first 64 bits, and a steady tone, low-information as its code shows, must agree on nearly
all 256). A 64-bit query (an ISCC-CODE's audio unit) is answered on 64 bits.

Each work found says where its codes come from (``origin``): ``owner`` when its metadata declares them,
``hub-preview`` when this hub computed them from the work's public preview (:mod:`indexer.preview_codes`,
for works registered before content codes; a ``work_preview_code`` row marks them).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from client_sdk.content.errors import InvalidISCC
from client_sdk.content.iscc import DEFAULT_MAX_DISTANCE, Unit, confirms, unit

from . import models as m
from .tables.similarity import BANDS

#: the largest ``max_distance`` a query may ask for (radius 3 per band: 697 probes per band)
MAX_DISTANCE = 15
#: the most works one query returns
MAX_RESULTS = 100

#: ``origin`` of a work whose codes this hub computed from its public preview (declared ones: ``owner``)
HUB_ORIGIN = "hub-preview"

_code = m.ContentCode.__table__  # type: ignore[attr-defined]
_preview = m.PreviewCode.__table__  # type: ignore[attr-defined]
_work = m.Work.__table__  # type: ignore[attr-defined]
_MASK = (1 << 64) - 1


def _signed(body: int) -> int:
    return body - (1 << 64) if body >= 1 << 63 else body


def bands(body: int) -> list[int]:
    """The four 16-bit bands of a 64-bit body, most significant first."""
    return [(body >> (16 * (BANDS - 1 - i))) & 0xFFFF for i in range(BANDS)]


def code_rows(work_id: int, metadata_cid: str, document: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The ``work_content_code`` rows of a document (none when it carries no valid ``contentCodes``)."""
    codes = ((document or {}).get("file") or {}).get("contentCodes") or {}
    rows = []
    for key in ("content", "data", "instance"):
        text = codes.get(key)
        if not text:
            continue
        try:
            u = unit(text)
        except InvalidISCC:
            continue  # the schema pattern let it through but it does not decode: nothing to compare
        b = bands(u.body)
        rows.append({
            "work_id": work_id, "metadata_cid": metadata_cid, "family": u.family, "code": u.code,
            "body": _signed(u.body), **{f"band{i}": b[i] for i in range(BANDS)},
        })  # fmt: skip
    return rows


def write_codes(conn: sa.Connection, documents: Iterable[Mapping[str, Any]]) -> int:
    """Replace the codes of each ``work_metadata`` row given (``work_id``, ``metadata_cid``, ``status``,
    ``document`` as canonical JSON text); a row not ``ok`` keeps none. Returns the rows written."""
    rows: list[dict[str, Any]] = []
    for doc in documents:
        conn.execute(
            sa.delete(_code).where(_code.c.work_id == doc["work_id"], _code.c.metadata_cid == doc["metadata_cid"])
        )
        if doc.get("status") == "ok" and doc.get("document"):
            text = doc["document"]
            rows += code_rows(doc["work_id"], doc["metadata_cid"], json.loads(text) if isinstance(text, str) else text)
    if rows:
        conn.execute(sa.insert(_code), rows)
    return len(rows)


def _text(u: Unit, body: int) -> str:
    """The code text of a stored body of ``u``'s type (what the row's ``code`` column holds)."""
    import iscc_core as ic

    mt = {"content": ic.MT.CONTENT, "data": ic.MT.DATA, "instance": ic.MT.INSTANCE}[u.maintype]
    st = {"video": ic.ST_CC.VIDEO, "audio": ic.ST_CC.AUDIO, "image": ic.ST_CC.IMAGE}.get(u.subtype, ic.ST.NONE)
    return "ISCC:" + ic.encode_component(mt, st, ic.VS.V0, 64, body.to_bytes(8, "big"))


def _neighbours(value: int, radius: int) -> list[int]:
    """Every 16-bit value within ``radius`` bits of ``value``."""
    out = [value]
    for r in range(1, radius + 1):
        for bits in itertools.combinations(range(16), r):
            flip = 0
            for b in bits:
                flip |= 1 << b
            out.append(value ^ flip)
    return out


def _confirmed(query: Unit, stored: str) -> bool:
    try:
        return confirms(query, unit(stored))
    except InvalidISCC:
        return False


@dataclass(frozen=True)
class Similar:
    """One work near the query: its code of the query's type, the distance, the kind of match, and whose
    codes they are (``owner``: declared in the metadata; ``hub-preview``: computed by this hub)."""

    work_id: int
    owner: str
    metadata_cid: str
    code: str
    distance: int
    match: str
    origin: str = "owner"

    def to_json(self) -> dict[str, Any]:
        return {
            "work_id": str(self.work_id), "owner": self.owner, "metadata_cid": self.metadata_cid,
            "code": self.code, "distance": self.distance, "match": self.match, "origin": self.origin,
        }  # fmt: skip


def hub_computed(conn: sa.Connection, keys: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which of ``keys`` (work_id, metadata_cid) have codes this hub computed from a preview."""
    wanted = set(keys)
    if not wanted:
        return set()
    rows = conn.execute(
        sa.select(_preview.c.work_id, _preview.c.metadata_cid).where(
            _preview.c.status == "ok", _preview.c.work_id.in_(sorted({w for w, _ in wanted}))
        )
    )
    return {(int(r.work_id), r.metadata_cid) for r in rows} & wanted


def check_distance(max_distance: int) -> int:
    """``max_distance`` if it is 0..:data:`MAX_DISTANCE`; :class:`ValueError` naming the bounds otherwise."""
    if not 0 <= max_distance <= MAX_DISTANCE:
        raise ValueError(f"max_distance must be between 0 and {MAX_DISTANCE} bits (of 64); got {max_distance}")
    return max_distance


def search(
    conn: sa.Connection, code: str | Unit, max_distance: int = DEFAULT_MAX_DISTANCE, limit: int = MAX_RESULTS
) -> list[Similar]:
    """Works whose current metadata carries a code of the same type as ``code`` within ``max_distance``
    bits, nearest first (then newest work). :class:`~client_sdk.content.errors.InvalidISCC` for a code
    that is not a 64-bit unit; :class:`ValueError` for a distance out of bounds."""
    u = code if isinstance(code, Unit) else unit(code)
    check_distance(max_distance)
    radius = max_distance // BANDS
    wide = u.full is not None  # a 256-bit audio query: read each candidate's full code to confirm it
    columns = [_code.c.work_id, _code.c.metadata_cid, _code.c.body, *([_code.c.code] if wide else [])]
    candidates = sa.union_all(*(
        sa.select(*columns)
        .where(_code.c.family == u.family, getattr(_code.c, f"band{i}").in_(_neighbours(v, radius)))
        for i, v in enumerate(bands(u.body))
    ))  # fmt: skip
    # the exact distance first, on the candidates alone (from the covering band indexes); then the few
    # that are near are joined with ``work`` (only a work's current document counts; it names the holder)
    near = {
        (int(r.work_id), r.metadata_cid): (r.code if wide else _text(u, r.body & _MASK), d)
        for r in conn.execute(candidates)
        if (d := ((r.body & _MASK) ^ u.body).bit_count()) <= max_distance and (not wide or _confirmed(u, r.code))
    }
    if not near:
        return []
    current = conn.execute(
        sa.select(_work.c.work_id, _work.c.metadata_cid, _work.c.owner).where(
            _work.c.work_id.in_(sorted({w for w, _ in near}))
        )
    ).all()
    kind = "identical" if u.family == "instance" else "content" if u.maintype == "content" else "data"
    hits = [(r.owner, (int(r.work_id), r.metadata_cid)) for r in current if (int(r.work_id), r.metadata_cid) in near]
    hub = hub_computed(conn, (k for _, k in hits))
    found = [Similar(k[0], owner, k[1], *near[k], kind, HUB_ORIGIN if k in hub else "owner") for owner, k in hits]
    found.sort(key=lambda s: (s.distance, -s.work_id))
    return found[:limit]


_RANK = {"identical": 0, "content": 1, "data": 2}


def search_units(
    conn: sa.Connection, units: Iterable[Unit], max_distance: int = DEFAULT_MAX_DISTANCE, limit: int = MAX_RESULTS
) -> list[Similar]:
    """:func:`search` for each unit (a file's content, data and instance codes), each work once with its
    best match: ``identical`` first, then ``content``, then ``data``, nearest first."""
    best: dict[int, Similar] = {}
    for u in units:
        for hit in search(conn, u, max_distance, limit):
            old = best.get(hit.work_id)
            if old is None or (_RANK[hit.match], hit.distance) < (_RANK[old.match], old.distance):
                best[hit.work_id] = hit
    return sorted(best.values(), key=lambda s: (_RANK[s.match], s.distance, -s.work_id))[:limit]


__all__ = [
    "HUB_ORIGIN",
    "MAX_DISTANCE",
    "MAX_RESULTS",
    "Similar",
    "bands",
    "check_distance",
    "code_rows",
    "hub_computed",
    "search",
    "search_units",
    "write_codes",
]
