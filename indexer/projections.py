"""What each hub event does to the mirror: a table of event name -> one small handler.

Handlers only describe blind writes on :class:`~indexer.store.Changes` (no reads), so a batch of
thousands of events becomes a few bulk statements. A handler may *patch* a row only if the event that
creates the row is emitted before it; otherwise the value gets its own table (``work_royalty``). An event with no handler is still kept in
``raw_event``; that is how new contract events show up before they get a projection.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from .decode import Log
from .store import Changes

Handler = Callable[[Log, dict[str, Any], Changes], None]
ZERO_ADDRESS = "0x" + "00" * 20

HANDLERS: dict[str, Handler] = {}
log = logging.getLogger("indexer.projections")


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
        if fn is None:
            continue
        try:
            fn(lg, lg.args, changes)
        except (KeyError, TypeError, ValueError) as exc:  # an ABI the handler was not written for
            log.error("no projection for %s at block %d log %d (%r); kept in raw_event only",
                      lg.event, lg.block_number, lg.log_index, exc)  # fmt: skip
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
    work_id = a["id"] if "id" in a else a["tokenId"]
    c.append("ownership_transfer", _history(lg, work_id=work_id, from_address=a["from"], to_address=a["to"]))
    if a["from"] != ZERO_ADDRESS:  # a mint is followed by WorkRegistered, which writes the row
        c.patch("work", {"work_id": work_id}, {"owner": a["to"], "updated_block": lg.block_number})
        c.patch("work_owner", {"work_id": work_id, "position": 0}, {"account": a["to"]})


@handles("WorkRegistry.RoyaltySet", "RoyaltySet")
def royalty_set(lg: Log, a: dict[str, Any], c: Changes) -> None:
    # its own table: the registry emits RoyaltySet before WorkRegistered, so a patch of `work` would be lost
    c.put("work_royalty", {"work_id": a["workId"], "receiver": a["receiver"], "bps": a["bps"],
                           "updated_block": lg.block_number})  # fmt: skip


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
            "reference": a["ref"] if "ref" in a else a["reference"],
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


# -- licence market -----------------------------------------------------------------------------------

_FLAG_EXCLUSIVE, _FLAG_SUBLICENSABLE, _FLAG_TRANSFERABLE = 1, 2, 4


def _terms_columns(t: dict[str, Any]) -> dict[str, Any]:
    return {
        "work_id": t["workId"],
        "rights": t["rights"],
        "territories": json.dumps(t["territories"]),
        "start": t["start"],
        "end": t["end"],
        "exclusive": t["exclusive"],
        "sublicensable": t["sublicensable"],
        "transferable": t["transferable"],
        "price": t["price"],
        "currency": t["currency"],
        "supply_cap": t["supplyCap"],
        "attestation_kind": t.get("attestationKind", 0),
        "attestation_territory": t.get("attestationTerritory", 0),
    }


@handles("OfferCreated")
def offer_created(lg: Log, a: dict[str, Any], c: Changes) -> None:
    c.put(
        "offer",
        {
            "offer_id": a["offerId"],
            "creator": a["creator"],
            **_terms_columns(a["terms"]),
            "cancelled": False,
            "cancelled_by": None,
            "created_block": lg.block_number,
            "created_at": lg.block_time or 0,
            "created_tx": lg.tx_hash,
            "updated_block": lg.block_number,
        },
    )


@handles("OfferPriceChanged")
def offer_price_changed(lg: Log, a: dict[str, Any], c: Changes) -> None:
    c.patch("offer", {"offer_id": a["offerId"]}, {"price": a["price"], "updated_block": lg.block_number})


@handles("OfferCancelled")
def offer_cancelled(lg: Log, a: dict[str, Any], c: Changes) -> None:
    c.patch(
        "offer",
        {"offer_id": a["offerId"]},
        {"cancelled": True, "cancelled_by": a["by"], "updated_block": lg.block_number},
    )


@handles("SignedOfferRedeemed")
def signed_offer_redeemed(lg: Log, a: dict[str, Any], c: Changes) -> None:
    c.put(
        "signed_offer",
        {
            "digest": a["digest"],
            "seller": a["seller"],
            "nonce": a["nonce"],
            "work_id": a["terms"]["workId"],
            "terms": json.dumps(a["terms"], sort_keys=True),
            "redeemed_block": lg.block_number,
            "redeemed_tx": lg.tx_hash,
        },
    )


@handles("CounterIncremented")
def counter_incremented(lg: Log, a: dict[str, Any], c: Changes) -> None:
    c.put("seller_counter", {"seller": a["seller"], "counter": a["counter"], "updated_block": lg.block_number})


@handles("LicenceGranted")
def licence_granted(lg: Log, a: dict[str, Any], c: Changes) -> None:
    flags = a["flags"]
    c.put(
        "licence",
        {
            "licence_id": a["licenceId"],
            "work_id": a["workId"],
            "licensee": a["licensee"],
            "holder": a["licensee"],
            "offer_id": a["offerId"],
            "signed_offer_digest": a["signedOfferDigest"],
            "rights": a["rights"],
            "start": a["start"],
            "end": a["end"],
            "exclusive": bool(flags & _FLAG_EXCLUSIVE),
            "sublicensable": bool(flags & _FLAG_SUBLICENSABLE),
            "transferable": bool(flags & _FLAG_TRANSFERABLE),
            "currency": a["currency"],
            "price": a["price"],
            "fee": a["fee"],
            "revoked": False,
            "revoked_dispute_id": None,
            "revoked_by": None,
            "revoked_block": None,
            "granted_block": lg.block_number,
            "granted_at": lg.block_time or 0,
            "granted_tx": lg.tx_hash,
        },
    )


@handles("LicenceRevoked")
def licence_revoked(lg: Log, a: dict[str, Any], c: Changes) -> None:
    c.patch("licence", {"licence_id": a["licenceId"]},
            {"revoked": True, "revoked_dispute_id": a["disputeId"], "revoked_by": a["by"], "revoked_block": lg.block_number})  # fmt: skip


@handles("LicenceMarket.Transfer")
def licence_transferred(lg: Log, a: dict[str, Any], c: Changes) -> None:
    licence_id = a["id"] if "id" in a else a["tokenId"]
    c.append("licence_transfer", _history(lg, licence_id=licence_id, from_address=a["from"], to_address=a["to"]))
    if a["from"] != ZERO_ADDRESS:  # a mint comes with LicenceGranted, which writes the row
        c.patch("licence", {"licence_id": licence_id}, {"holder": a["to"]})


@handles("PaymentCredited")
def payment_credited(lg: Log, a: dict[str, Any], c: Changes) -> None:
    c.append("payment", _history(lg, contract=lg.address, payee=a["payee"], currency=a["currency"], amount=a["amount"],
                                 licence_id=a["licenceId"], dispute_id=None))  # fmt: skip


@handles("BondCredited")
def bond_credited(lg: Log, a: dict[str, Any], c: Changes) -> None:
    c.append("payment", _history(lg, contract=lg.address, payee=a["account"], currency=ZERO_ADDRESS, amount=a["amount"],
                                 licence_id=None, dispute_id=a["disputeId"]))  # fmt: skip


@handles("Withdrawn")
def withdrawn(lg: Log, a: dict[str, Any], c: Changes) -> None:
    c.append(
        "withdrawal", _history(lg, contract=lg.address, payee=a["payee"], currency=a["currency"], amount=a["amount"])
    )


# -- disputes -----------------------------------------------------------------------------------------


@handles("DisputeOpened")
def dispute_opened(lg: Log, a: dict[str, Any], c: Changes) -> None:
    c.put(
        "dispute",
        {
            "dispute_id": a["disputeId"],
            "work_id": a["workId"],
            "claimant": a["claimant"],
            "bond": a["bond"],
            "evidence_cid": a["evidenceCid"],
            "open": True,
            "outcome": 0,
            "arbiter": None,
            "bond_recipient": None,
            "revoked_licences": None,
            "ruling_cid": None,
            "opened_block": lg.block_number,
            "opened_at": lg.block_time or 0,
            "opened_tx": lg.tx_hash,
            "resolved_block": None,
            "resolved_at": None,
        },
    )


@handles("DisputeResolved")
def dispute_resolved(lg: Log, a: dict[str, Any], c: Changes) -> None:
    c.patch(
        "dispute",
        {"dispute_id": a["disputeId"]},
        {
            "open": False,
            "outcome": a["outcome"],
            "arbiter": a["arbiter"],
            "bond_recipient": a["bondRecipient"],
            "revoked_licences": json.dumps(a["revokedLicences"]),
            "ruling_cid": a["rulingCid"],
            "resolved_block": lg.block_number,
            "resolved_at": lg.block_time or 0,
        },
    )
