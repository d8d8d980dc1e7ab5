"""Provenance of a work: its history from the mirror, re-checked field by field against the chain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from client_sdk import Hub
from client_sdk.terms import rights_names, work_status_name, work_type_name
from indexer import models as m

from .models import Provenance, ProvenanceCheck, ProvenanceEvent, checksum
from .services import CHAIN_DOWN, is_chain_down

ZERO = "0x" + "0" * 40


@dataclass(frozen=True)
class Source:
    """A table that adds events to a work's timeline: where each row is on the chain, and what it says
    (``describe`` returns the event's kind and summary, or None to leave the row out)."""

    table: type[SQLModel]
    block: str
    time: str
    tx: str
    describe: Callable[[Any], tuple[str, str] | None]
    log_index: str | None = None
    work: str = "work_id"


def _transfer(t: m.OwnershipTransfer) -> tuple[str, str]:
    if t.from_address.lower() == ZERO:
        return "registered", f"registered by {checksum(t.to_address)}"
    return "transferred", f"{checksum(t.from_address)} → {checksum(t.to_address)}"


def _attestation(a: m.Attestation) -> tuple[str, str]:
    ref = f" ({a.reference})" if a.reference else ""
    return "attestation", f"attestation #{a.attestation_id} kind {a.kind}{ref} by {checksum(a.attester)}"


_HISTORY = ("block_number", "time", "tx_hash")
_SOURCES: tuple[Source, ...] = (
    Source(m.OwnershipTransfer, *_HISTORY, _transfer, log_index="log_index"),
    Source(
        m.MetadataVersion, *_HISTORY, log_index="log_index",
        describe=lambda v: ("metadata", f"metadata v{v.version}: {v.metadata_cid}") if v.version > 0 else None,
    ),
    Source(
        m.WorkStatusChange, *_HISTORY, log_index="log_index",
        describe=lambda s: ("status", f"{work_status_name(s.previous)} → {work_status_name(s.current)}"),
    ),
    Source(m.Attestation, "recorded_block", "recorded_at", "recorded_tx", _attestation),
    Source(
        m.Offer, "created_block", "created_at", "created_tx",
        lambda o: ("offer", f"offer #{o.offer_id}: {', '.join(rights_names(o.rights))} for {o.price} wei"),
    ),
    Source(
        m.Licence, "granted_block", "granted_at", "granted_tx",
        lambda lic: (
            "licence",
            f"licence #{lic.licence_id} to {checksum(lic.licensee)}: {', '.join(rights_names(lic.rights))}",
        ),
    ),
    Source(
        m.Dispute, "opened_block", "opened_at", "opened_tx",
        lambda d: ("dispute", f"dispute #{d.dispute_id} opened by {checksum(d.claimant)}"),
    ),
)  # fmt: skip


def timeline(session: Session, work_id: int) -> list[ProvenanceEvent]:
    """Every mirrored event of the work, in chain order (one query per source table)."""
    events: list[ProvenanceEvent] = []
    for source in _SOURCES:
        for row in session.exec(select(source.table).where(col(getattr(source.table, source.work)) == work_id)):
            described = source.describe(row)
            if described is None:
                continue
            kind, summary = described
            events.append(
                ProvenanceEvent(
                    block_number=getattr(row, source.block),
                    log_index=getattr(row, source.log_index) if source.log_index else None,
                    time=getattr(row, source.time),
                    tx_hash=getattr(row, source.tx),
                    kind=kind,
                    summary=summary,
                )
            )
    events.sort(key=lambda e: (e.block_number, e.log_index if e.log_index is not None else 1 << 30))
    return events


@dataclass(frozen=True)
class TimelineLayout:
    """Where each event sits on the page's SVG timeline."""

    width: int
    left: int
    points: list[tuple[int, ProvenanceEvent]]


def timeline_layout(record: Provenance, width: int = 900, left: int = 40) -> TimelineLayout:
    events = record.events
    step = max(60, 820 // max(1, len(events)))
    width = max(width, left * 2 + step * (len(events) - 1))
    return TimelineLayout(width, left, [(left + i * step, ev) for i, ev in enumerate(events)])


def chain_checks(hub: Hub, work: m.Work) -> list[ProvenanceCheck]:
    """Each mirrored field next to what the chain says now."""
    onchain = hub.get_work(work.work_id)
    pairs = [
        ("owner", checksum(work.owner), checksum(onchain.owner)),
        ("content_digest", work.content_digest.lower(), "0x" + onchain.content_digest.hex()),
        ("content_cid", work.content_cid, onchain.content_cid),
        ("metadata_cid", work.metadata_cid, onchain.metadata_cid),
        ("metadata_version", str(work.metadata_version), str(onchain.metadata_version)),
        ("work_type", work_type_name(work.work_type), work_type_name(onchain.work_type)),
        ("status", work_status_name(work.status), work_status_name(int(onchain.status))),
        ("registered_at", str(work.registered_at), str(onchain.registered_at)),
    ]
    by_digest, priority_block, priority_at = hub.registration_priority(onchain.content_digest)
    pairs.append(("work_id_by_digest", str(work.work_id), str(by_digest)))
    pairs.append(("priority_block", str(work.priority_block), str(priority_block)))
    pairs.append(("priority_at", str(work.priority_at), str(priority_at)))
    return [ProvenanceCheck(field=f, mirror=a, chain=b, ok=a == b) for f, a, b in pairs]


def provenance(session: Session, hub: Hub | None, work: m.Work) -> tuple[Provenance, str | None]:
    """The provenance record, and the reason the chain could not be asked (None when it was)."""
    checks: list[ProvenanceCheck] = []
    problem = None
    if hub is not None:
        try:
            checks = chain_checks(hub, work)
        except CHAIN_DOWN as exc:
            if not is_chain_down(exc):
                raise
            problem = "the chain did not answer this server"
    else:
        problem = "the chain is not reachable from this server"
    registry = hub.deployment.address("WorkRegistry") if hub is not None else work.registry_address
    chain_id = hub.deployment.chain_id if hub is not None else 0
    record = Provenance(
        work_id=work.work_id,
        chain_id=chain_id,
        registry=registry,
        events=timeline(session, work.work_id),
        checks=checks,
        verified=bool(checks) and all(c.ok for c in checks),
    )
    return record, problem
