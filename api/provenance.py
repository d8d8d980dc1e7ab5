"""Provenance of a work: its history from the mirror, re-checked field by field against the chain."""

from __future__ import annotations

from sqlmodel import Session, select

from client_sdk import Hub, HubError
from client_sdk.terms import rights_names, work_status_name, work_type_name
from indexer import models as m

from .models import Provenance, ProvenanceCheck, ProvenanceEvent, checksum

ZERO = "0x" + "0" * 40


def timeline(session: Session, work_id: int) -> list[ProvenanceEvent]:
    events: list[ProvenanceEvent] = []

    def add(block: int, log_index: int | None, time: int, tx: str, kind: str, summary: str) -> None:
        events.append(
            ProvenanceEvent(block_number=block, log_index=log_index, time=time, tx_hash=tx, kind=kind, summary=summary)
        )

    for t in session.exec(select(m.OwnershipTransfer).where(m.OwnershipTransfer.work_id == work_id)):
        if t.from_address.lower() == ZERO:
            add(t.block_number, t.log_index, t.time, t.tx_hash, "registered", f"registered by {checksum(t.to_address)}")
        else:
            add(
                t.block_number,
                t.log_index,
                t.time,
                t.tx_hash,
                "transferred",
                f"{checksum(t.from_address)} → {checksum(t.to_address)}",
            )
    for v in session.exec(select(m.MetadataVersion).where(m.MetadataVersion.work_id == work_id)):
        if v.version > 0:
            add(v.block_number, v.log_index, v.time, v.tx_hash, "metadata", f"metadata v{v.version}: {v.metadata_cid}")
    for s in session.exec(select(m.WorkStatusChange).where(m.WorkStatusChange.work_id == work_id)):
        add(
            s.block_number,
            s.log_index,
            s.time,
            s.tx_hash,
            "status",
            f"{work_status_name(s.previous)} → {work_status_name(s.current)}",
        )
    for a in session.exec(select(m.Attestation).where(m.Attestation.work_id == work_id)):
        ref = f" ({a.reference})" if a.reference else ""
        add(
            a.recorded_block,
            None,
            a.recorded_at,
            a.recorded_tx,
            "attestation",
            f"attestation #{a.attestation_id} kind {a.kind}{ref} by {checksum(a.attester)}",
        )
    for o in session.exec(select(m.Offer).where(m.Offer.work_id == work_id)):
        add(
            o.created_block,
            None,
            o.created_at,
            o.created_tx,
            "offer",
            f"offer #{o.offer_id}: {', '.join(rights_names(o.rights))} for {o.price} wei",
        )
    for lic in session.exec(select(m.Licence).where(m.Licence.work_id == work_id)):
        add(
            lic.granted_block,
            None,
            lic.granted_at,
            lic.granted_tx,
            "licence",
            f"licence #{lic.licence_id} to {checksum(lic.licensee)}: {', '.join(rights_names(lic.rights))}",
        )
    for d in session.exec(select(m.Dispute).where(m.Dispute.work_id == work_id)):
        add(
            d.opened_block,
            None,
            d.opened_at,
            d.opened_tx,
            "dispute",
            f"dispute #{d.dispute_id} opened by {checksum(d.claimant)}",
        )
    events.sort(key=lambda e: (e.block_number, e.log_index if e.log_index is not None else 1 << 30))
    return events


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
    by_digest = hub.work_id_by_digest(onchain.content_digest)
    pairs.append(("work_id_by_digest", str(work.work_id), str(by_digest)))
    return [ProvenanceCheck(field=f, mirror=a, chain=b, ok=a == b) for f, a, b in pairs]


def provenance(session: Session, hub: Hub | None, work: m.Work) -> tuple[Provenance, str | None]:
    """The provenance record, and the reason the chain could not be asked (None when it was)."""
    checks: list[ProvenanceCheck] = []
    problem = None
    if hub is not None:
        try:
            checks = chain_checks(hub, work)
        except HubError as exc:
            problem = str(exc)
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
