"""What each hub event does to the mirror: a table of event name -> one small handler.

Handlers only describe blind writes on :class:`~indexer.store.Changes` (no reads), so a batch of
thousands of events becomes a few bulk statements. An event with no handler is still kept in
``raw_event``; that is how new contract events show up before they get a projection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .decode import Log
from .store import Changes

Handler = Callable[[Log, dict[str, Any], Changes], None]
ZERO_ADDRESS = "0x" + "00" * 20

HANDLERS: dict[str, Handler] = {}


def handles(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler for events named ``Event`` (any contract) or ``Contract.Event``."""

    def register(fn: Handler) -> Handler:
        for name in names:
            HANDLERS[name] = fn
        return fn

    return register


def _history(lg: Log, **values: Any) -> dict[str, Any]:
    return {"block_number": lg.block_number, "log_index": lg.log_index, "tx_hash": lg.tx_hash,
            "time": lg.block_time or 0, **values}  # fmt: skip


def project(logs: list[Log]) -> Changes:
    """The changes a batch of decoded logs makes, in chain order."""
    changes = Changes()
    for lg in logs:
        if lg.event is None or lg.args is None:
            continue
        fn = HANDLERS.get(f"{lg.contract}.{lg.event}") or HANDLERS.get(lg.event)
        if fn is not None:
            fn(lg, lg.args, changes)
    return changes


# -- works --------------------------------------------------------------------------------------------


@handles("WorkRegistry.WorkRegistered", "WorkRegistered")
def work_registered(lg: Log, a: dict[str, Any], c: Changes) -> None:
    work_id = a["workId"]
    registered_at = a.get("registeredAt", lg.block_time or 0)
    c.put(
        "work",
        {
            "work_id": work_id,
            "registry_address": lg.address,
            "owner": a["owner"],
            "content_digest": a["contentDigest"],
            "content_cid": a["contentCid"],
            "metadata_cid": a["metadataCid"],
            "metadata_version": 0,
            "work_type": a["workType"],
            "royalty_bps": a.get("royaltyBps", 0),
            "status": 0,
            "registered_block": lg.block_number,
            "registered_at": registered_at,
            "registered_tx": lg.tx_hash,
            "updated_block": lg.block_number,
        },
    )
    c.append("metadata_version", _history(lg, work_id=work_id, version=0, metadata_cid=a["metadataCid"], by=a["owner"]))


@handles("WorkRegistry.Transfer")
def work_transferred(lg: Log, a: dict[str, Any], c: Changes) -> None:
    work_id = a["tokenId"]
    c.append("ownership_transfer", _history(lg, work_id=work_id, from_address=a["from"], to_address=a["to"]))
    if a["from"] != ZERO_ADDRESS:  # a mint is followed by WorkRegistered, which writes the row
        c.patch("work", {"work_id": work_id}, {"owner": a["to"], "updated_block": lg.block_number})
        c.patch("work_owner", {"work_id": work_id, "position": 0}, {"account": a["to"]})


@handles("WorkRegistry.SplitsSet", "SplitsSet")
def splits_set(lg: Log, a: dict[str, Any], c: Changes) -> None:
    work_id = a["workId"]
    c.delete_where("work_owner", work_id=work_id)
    for i, (account, bps) in enumerate(zip(a["accounts"], a["bps"], strict=True)):
        c.put("work_owner", {"work_id": work_id, "position": i, "account": account, "bps": bps})


@handles("WorkRegistry.ParentsSet", "ParentsSet")
def parents_set(lg: Log, a: dict[str, Any], c: Changes) -> None:
    for parent, licence in zip(a["parents"], a["parentLicences"], strict=True):
        c.put("work_parent", {"work_id": a["workId"], "parent_id": parent, "parent_licence_id": licence})


@handles("WorkRegistry.MetadataUpdated", "MetadataUpdated")
def metadata_updated(lg: Log, a: dict[str, Any], c: Changes) -> None:
    work_id = a["workId"]
    c.patch("work", {"work_id": work_id},
            {"metadata_cid": a["metadataCid"], "metadata_version": a["version"], "updated_block": lg.block_number})  # fmt: skip
    c.append("metadata_version",
             _history(lg, work_id=work_id, version=a["version"], metadata_cid=a["metadataCid"], by=a["by"]))  # fmt: skip


@handles("WorkRegistry.WorkStatusChanged", "WorkStatusChanged")
def work_status_changed(lg: Log, a: dict[str, Any], c: Changes) -> None:
    work_id = a["workId"]
    c.patch("work", {"work_id": work_id}, {"status": a["current"], "updated_block": lg.block_number})
    c.append("work_status_change",
             _history(lg, work_id=work_id, previous=a["previous"], current=a["current"], by=a["by"]))  # fmt: skip


# -- attestations -----------------------------------------------------------------------------------


@handles("AttestationRecorded")
def attestation_recorded(lg: Log, a: dict[str, Any], c: Changes) -> None:
    c.put(
        "attestation",
        {
            "attestation_id": a["attestationId"],
            "work_id": a["workId"],
            "attester": a["attester"],
            "kind": a["kind"],
            "territory": a["territory"],
            "decision": a["decision"],
            "reference": a["reference"],
            "evidence_cid": a["evidenceCid"],
            "recorded_block": lg.block_number,
            "recorded_at": lg.block_time or 0,
            "recorded_tx": lg.tx_hash,
            "revoked": False,
            "revoked_by": None,
            "revoked_reason": None,
            "revoked_block": None,
        },
    )


@handles("AttestationRevoked")
def attestation_revoked(lg: Log, a: dict[str, Any], c: Changes) -> None:
    c.patch("attestation", {"attestation_id": a["attestationId"]},
            {"revoked": True, "revoked_by": a["by"], "revoked_reason": a["reason"], "revoked_block": lg.block_number})  # fmt: skip
