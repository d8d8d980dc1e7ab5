"""Audit reports: a work's record read from the chain at one pinned block, signed, re-checkable by anyone.

A report is a list of *claims*, each one read of the chain that anybody can repeat: a view call
(contract, function, arguments, result) or a log query (contract, event, the event argument that
equals an id, from the deploy block to the pinned block, every matching log). Every call is made at
the pinned block (``block.number``; its ``hash`` is recorded and re-checked), so the answer cannot
drift. Nothing is read from the hub's database or API. What the claims cover is declared once in
:data:`SOURCES` (registration and file binding, ownership history, splits, licences and their status
at the pinned block's time, attestations, disputes); a source whose function or event is not in the
committed ABI is listed under ``not_covered`` rather than guessed.

The ``summary`` (what the certificate prints) is derived from the claims by :func:`summarize`, so
re-checking derives it again and compares. The work's metadata document (for its titles) is included
as text when it could be fetched; its CID is recomputed from that text and must be the one on chain.

Signature: EIP-712 typed data ``AuditReport(uint256 workId,uint256 chainId,uint256 blockNumber,
bytes32 blockHash,bytes32 reportHash)`` in the domain ``{name: "Copyright Hub Audit Report",
version: "1"}``; ``reportHash`` is the keccak-256 of the report's canonical JSON (sorted keys, no
spaces, UTF-8) without its ``signature``. EIP-712 rather than EIP-191 because a wallet or hardware
signer shows the auditor the work, chain and block it signs for instead of an opaque hash, and the
typed fields bind the signature to that chain and block without parsing the JSON.

:func:`check_report` re-checks a report against any RPC and says which checks hold: the report's
form, its hash (edited by hand?), the signer, the chain id (another chain?), the pinned block's hash
(a reorg or another chain), the deployment's code against *this* client's committed artifacts (a
forged deployment, a registry with other code), every claim, the summary, the metadata text and,
given the file, its sha256 and CID.
"""

from __future__ import annotations

import functools
import json
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from web3 import Web3

from .._files import atomic_write
from ..artifacts import load_artifact
from ..chain import read_logs
from ..content.cid import CID, cid_of_bytes
from ..errors import ChainIdMismatch, DeploymentMismatch, InvalidReport
from ..manifest import Deployment
from ..terms import LicenceStatus
from ..verify import digest_and_cid, verify_deployment

#: The ``format`` of every report this module writes; any other is refused by :func:`load_report`.
REPORT_FORMAT = "copyright-hub/audit-report/1"

#: The EIP-712 domain and type of the auditor's signature (see the module docstring).
EIP712_DOMAIN = {"name": "Copyright Hub Audit Report", "version": "1"}
EIP712_TYPES = {
    "AuditReport": [
        {"name": "workId", "type": "uint256"},
        {"name": "chainId", "type": "uint256"},
        {"name": "blockNumber", "type": "uint256"},
        {"name": "blockHash", "type": "bytes32"},
        {"name": "reportHash", "type": "bytes32"},
    ]
}


#: A :class:`Logs` argument meaning every log of the event (one about territories, not about a work).
EVERY = "*"


@dataclass(frozen=True)
class Logs:
    """Every ``event`` log of ``contract`` whose argument ``arg`` equals the id (``section`` groups it);
    ``arg`` :data:`EVERY`: every log of the event."""

    section: str
    contract: str
    event: str
    arg: str


@dataclass(frozen=True)
class Call:
    """A view call of ``contract.function`` with ``args`` named: ``work``, ``digest`` (the work's
    content digest), ``id`` (each id found by ``each``: (event, its id argument)), ``at`` (the pinned
    block's timestamp)."""

    section: str
    contract: str
    function: str
    args: tuple[str, ...]
    each: tuple[str, str] | None = None


#: What a report claims about a work, in the order it is read and printed.
SOURCES: tuple[Logs | Call, ...] = (
    Logs("registration", "WorkRegistry", "WorkRegistered", "workId"),
    Call("registration", "WorkRegistry", "getWork", ("work",)),
    Call("registration", "WorkRegistry", "workIdByDigest", ("digest",)),
    Call("registration", "WorkRegistry", "registrationPriority", ("digest",)),
    Logs("registration", "WorkRegistry", "WorkRevealed", "workId"),
    Logs("registration", "WorkRegistry", "WorkReclaimed", "workId"),
    Logs("registration", "WorkRegistry", "MetadataUpdated", "workId"),
    Logs("registration", "WorkRegistry", "ParentsSet", "workId"),
    Logs("registration", "WorkRegistry", "WorkStatusChanged", "workId"),
    Call("ownership", "WorkRegistry", "ownerOf", ("work",)),
    Logs("ownership", "WorkRegistry", "Transfer", "id"),
    Call("splits", "WorkRegistry", "payees", ("work",)),
    Logs("splits", "WorkRegistry", "SplitsSet", "workId"),
    Logs("splits", "WorkRegistry", "RoyaltySet", "workId"),
    Logs("licences", "LicenceMarket", "LicenceGranted", "workId"),
    Logs("licences", "LicenceMarket", "LicenceRevoked", "workId"),
    Call("licences", "LicenceMarket", "getLicence", ("id",), each=("LicenceGranted", "licenceId")),
    Call("licences", "LicenceMarket", "licenceStatus", ("id", "at"), each=("LicenceGranted", "licenceId")),
    Call("licences", "LicenceMarket", "ownerOf", ("id",), each=("LicenceGranted", "licenceId")),
    Logs("attestations", "WorkRegistry", "AttestationRecorded", "workId"),
    Logs("attestations", "WorkRegistry", "AttestationRevoked", "workId"),
    Call("attestations", "WorkRegistry", "getAttestation", ("id",), each=("AttestationRecorded", "attestationId")),
    Logs("disputes", "DisputeResolver", "DisputeOpened", "workId"),
    Logs("disputes", "DisputeResolver", "DisputeAnswered", "workId"),
    Logs("disputes", "DisputeResolver", "DisputeResolved", "workId"),
    Logs("disputes", "DisputeResolver", "DisputeLapsed", "workId"),
    Call("disputes", "DisputeResolver", "getDispute", ("id",), each=("DisputeOpened", "disputeId")),
    Call("disputes", "DisputeResolver", "openDisputes", ("work",)),
    Logs("evidence", "EvidenceLog", "EvidenceRecorded", "workId"),
    # distribution requirements in force at each sale: every requirement change and kind (events about
    # territories, not works), the territories each licence was sold for (its on-chain offer's, or an
    # exclusive licence's own; a signed non-exclusive licence's terms are not on chain)
    Logs("requirements", "DistributionRules", "AttestationKindDefined", EVERY),
    Logs("requirements", "DistributionRules", "RequirementSet", EVERY),
    Call("requirements", "LicenceMarket", "getOffer", ("id",), each=("LicenceGranted", "offerId")),
    Call("requirements", "LicenceMarket", "exclusiveTerritories", ("id",), each=("LicenceGranted", "licenceId")),
)

#: Block claims: the time of the block of each of these events' logs (a sale's requirements are judged at
#: its block's time, as ``checkSale`` judged attestation windows then), as (section, event).
BLOCK_TIMES: tuple[tuple[str, str], ...] = (("requirements", "LicenceGranted"),)


@dataclass(frozen=True)
class Claim:
    """One repeatable read of the chain and what it returned (JSON: uint256 as strings, bytes as hex)."""

    section: str
    kind: str  # "call" | "logs" | "block"
    contract: str  # "chain" for a block claim
    name: str  # function or event; "timestamp" for a block claim
    args: list[Any]  # call arguments, [argument name, value] for logs, [block number] for a block
    result: Any

    @property
    def id(self) -> str:
        return f"{self.section}: {self.contract}.{self.name}({', '.join(map(str, self.args))})"

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("section", "kind", "contract", "name", "args", "result")}


@dataclass(frozen=True)
class ReportCheck:
    """One check of :func:`check_report`: its name, whether it holds, and what was found."""

    name: str
    ok: bool
    detail: str = ""


# -- JSON form of chain values --------------------------------------------------------------------


def to_json(value: Any) -> Any:
    """A chain value as JSON: integers as decimal strings, bytes as 0x-hex, tuples as lists."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return str(value)


def _named(outputs: list[dict[str, Any]], value: Any) -> Any:
    """A call's decoded outputs with struct fields named as in the ABI."""
    if len(outputs) == 1:
        return _field(outputs[0], value)
    return {o["name"] or str(i): _field(o, v) for i, (o, v) in enumerate(zip(outputs, value, strict=True))}


def _field(param: dict[str, Any], value: Any) -> Any:
    t: str = param["type"]
    if t == "tuple":
        return {c["name"]: _field(c, v) for c, v in zip(param["components"], value, strict=True)}
    if t.startswith("tuple["):
        return [_field({**param, "type": "tuple"}, v) for v in value]
    return value


def _from_json(abi_type: str, value: Any) -> Any:
    """An argument back from its JSON form, by its ABI type."""
    if abi_type.endswith("]"):
        return [_from_json(abi_type[: abi_type.rindex("[")], v) for v in value]
    if abi_type.startswith(("uint", "int")):
        return int(value)
    if abi_type.startswith("bytes"):
        return bytes.fromhex(str(value).removeprefix("0x"))
    if abi_type == "address":
        return to_checksum_address(value)
    return value


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def report_hash(report: Mapping[str, Any]) -> bytes:
    """keccak-256 of the report's canonical JSON without its ``signature``: what the auditor signs."""
    return keccak(canonical_json({k: v for k, v in report.items() if k != "signature"}))


# -- reading the chain at the pinned block --------------------------------------------------------


class _Reader:
    """Runs claims against one chain at one block."""

    def __init__(self, w3: Web3, deployment: Deployment, block: int, from_block: int) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.block = block
        self.from_block = from_block

    def _abi(self, contract: str, kind: str, name: str) -> dict[str, Any] | None:
        for entry in load_artifact(contract).abi:
            if entry.get("type") == kind and entry.get("name") == name:
                return entry
        return None

    def has(self, source: Logs | Call) -> bool:
        if isinstance(source, Logs):
            return self._abi(source.contract, "event", source.event) is not None
        return self._abi(source.contract, "function", source.function) is not None

    def call(self, contract: str, function: str, args: list[Any]) -> Any:
        entry = self._abi(contract, "function", function)
        if entry is None:
            raise LookupError(f"{contract}.{function} is not in this client's committed ABI")
        values = [_from_json(i["type"], a) for i, a in zip(entry["inputs"], args, strict=True)]
        c = self.w3.eth.contract(address=to_checksum_address(self.deployment.address(contract)), abi=[entry])
        try:
            out = c.functions[function](*values).call(block_identifier=self.block)
        except Exception as exc:  # a revert is an answer too (e.g. ownerOf of a burnt token)
            return {"reverted": type(exc).__name__}
        return to_json(_named(entry["outputs"], out))

    def logs(self, contract: str, event: str, arg: str, value: str) -> list[dict[str, Any]]:
        entry = self._abi(contract, "event", event)
        if entry is None:
            raise LookupError(f"{contract}.{event} is not in this client's committed ABI")
        c = self.w3.eth.contract(address=to_checksum_address(self.deployment.address(contract)), abi=[entry])
        ev = c.events[event]()
        topics: list[Any] = [ev.topic]
        for param in (p for p in entry["inputs"] if p["indexed"] and arg != EVERY):
            if param["name"] == arg:
                topics.append("0x" + abi_encode([param["type"]], [_from_json(param["type"], value)]).hex())
                break
            topics.append(None)
        found = []
        for log in read_logs(self.w3, {"address": c.address, "topics": topics}, self.from_block, self.block):
            args = ev.process_log(log)["args"]
            if arg != EVERY and to_json(args[arg]) != value:
                continue
            found.append({
                "block": int(log["blockNumber"]),
                "tx": HexBytes(log["transactionHash"]).to_0x_hex(),
                "log_index": int(log["logIndex"]),
                "args": to_json(dict(args)),
            })  # fmt: skip
        return found

    def block_time(self, number: int) -> Any:
        """The timestamp of block ``number`` (up to the pinned block) as JSON."""
        if not 0 <= number <= self.block:
            raise LookupError(f"block {number} is after the pinned block {self.block}")
        return to_json(int(self.w3.eth.get_block(number)["timestamp"]))

    def run(self, claim: Claim) -> Any:
        if claim.kind == "call":
            return self.call(claim.contract, claim.name, claim.args)
        if claim.kind == "logs":
            return self.logs(claim.contract, claim.name, claim.args[0], claim.args[1])
        if claim.kind == "block":
            return self.block_time(int(claim.args[0]))
        raise LookupError(f"unknown claim kind {claim.kind!r}")


def _read_claims(reader: _Reader, work_id: int, at: int) -> tuple[list[Claim], list[str]]:
    claims: list[Claim] = []
    not_covered: list[str] = []
    for source in SOURCES:
        if not reader.has(source):
            name = source.event if isinstance(source, Logs) else source.function
            not_covered.append(f"{source.section}: {source.contract}.{name} (not in this build's ABI)")
            continue
        if isinstance(source, Logs):
            value = EVERY if source.arg == EVERY else str(work_id)
            result = reader.logs(source.contract, source.event, source.arg, value)
            claims.append(Claim(source.section, "logs", source.contract, source.event, [source.arg, value], result))
            continue
        ids = [None]
        if source.each is not None:
            event, id_arg = source.each
            found = [log["args"][id_arg] for c in claims if c.kind == "logs" and c.name == event for log in c.result]
            ids = [i for i in dict.fromkeys(found) if i != "0"]  # once each; id 0 is "none" (a signed offer's)
        digest = _digest_of(claims)
        for one in ids:
            named = {"work": str(work_id), "digest": digest, "id": one, "at": str(at)}
            call_args = [named[a] for a in source.args]
            if any(a is None for a in call_args):
                continue
            claims.append(
                Claim(source.section, "call", source.contract, source.function, call_args,
                      reader.call(source.contract, source.function, call_args))
            )  # fmt: skip
    for section, event in BLOCK_TIMES:
        blocks = [log["block"] for c in claims if c.kind == "logs" and c.name == event for log in c.result]
        for number in dict.fromkeys(blocks):
            claims.append(Claim(section, "block", "chain", "timestamp", [number], reader.block_time(number)))
    return claims, not_covered


def _digest_of(claims: Iterable[Claim]) -> str | None:
    for c in claims:
        if c.kind == "logs" and c.name == "WorkRegistered" and c.result:
            return str(c.result[0]["args"]["contentDigest"])
    return None


# -- the summary the certificate prints -----------------------------------------------------------


def _first(claims: Iterable[Claim], name: str) -> Claim | None:
    return next((c for c in claims if c.name == name), None)


def summarize(claims: list[Claim], metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the certificate shows, derived from the claims (and the metadata document's titles)."""
    reg = _first(claims, "WorkRegistered")
    info = _first(claims, "getWork")
    if reg is None or not reg.result or info is None or "reverted" in info.result:
        return {"registered": False}
    first = reg.result[0]["args"]
    content_cid, metadata_cid, base_version = first["contentCid"], first["metadataCid"], 0
    reclaims = _first(claims, "WorkReclaimed")
    if reclaims and reclaims.result:  # an earlier commitment took the work: its registration stands
        last_reclaim = max(reclaims.result, key=lambda r: int(r["args"]["metadataVersion"]))["args"]
        content_cid, metadata_cid = last_reclaim["contentCid"], last_reclaim["metadataCid"]
        base_version = int(last_reclaim["metadataVersion"])
    updates = _first(claims, "MetadataUpdated")
    later = [u for u in (updates.result if updates else []) if int(u["args"]["version"]) > base_version]
    if later:
        metadata_cid = max(later, key=lambda u: int(u["args"]["version"]))["args"]["metadataCid"]
    splits = _first(claims, "SplitsSet")
    owner = info.result.get("owner")
    if splits and splits.result:
        last = splits.result[-1]["args"]
        owners = [{"account": a, "bps": b} for a, b in zip(last["accounts"], last["bps"], strict=True)]
    else:
        owners = [{"account": owner, "bps": "10000"}]
    registered_at = int(info.result.get("registeredAt") or first.get("registeredAt") or 0)
    priority = _first(claims, "registrationPriority")
    priority_at = registered_at
    if priority is not None and isinstance(priority.result, Mapping) and priority.result.get("priorityAt"):
        priority_at = int(priority.result["priorityAt"])
    licences = []
    for c in claims:
        if c.name == "licenceStatus":
            status = int(c.result) if isinstance(c.result, str) else 0
            licences.append({
                "licence_id": c.args[0],
                "status": LicenceStatus(status).name.lower() if status in set(LicenceStatus) else str(status),
            })  # fmt: skip
    titles = (metadata or {}).get("title") or {}
    more = {"requirements_at_sale": requirements_at_sale(claims)} if _first(claims, "RequirementSet") else {}
    return {
        **more,
        "registered": True,
        "work_id": first["workId"],
        "title_zh": titles.get("zh") if isinstance(titles, Mapping) else None,
        "title_en": titles.get("en") if isinstance(titles, Mapping) else None,
        "owner": owner,
        "owners": owners,
        "content_digest": first["contentDigest"],
        "content_cid": content_cid,
        "metadata_cid": metadata_cid,
        "registered_at": str(registered_at),
        "registered_at_utc": datetime.fromtimestamp(registered_at, UTC).isoformat(),
        "priority_at": str(priority_at),
        "priority_at_utc": datetime.fromtimestamp(priority_at, UTC).isoformat(),
        "reclaimed": bool(reclaims and reclaims.result),
        "registration_tx": reg.result[0]["tx"],
        "status": info.result.get("status"),
        "licences": licences,
        "attestations": sum(len(c.result) for c in claims if c.name == "AttestationRecorded"),
        "disputes": sum(len(c.result) for c in claims if c.name == "DisputeOpened"),
    }


def _order(log: Mapping[str, Any]) -> tuple[int, int]:
    return int(log["block"]), int(log["log_index"])


def _results(claims: Iterable[Claim], name: str) -> dict[str, Any]:
    """The results of the call claims named ``name``, by their first argument."""
    return {str(c.args[0]): c.result for c in claims if c.kind == "call" and c.name == name}


def requirements_at_sale(claims: list[Claim]) -> list[dict[str, Any]]:
    """Per licence granted, the distribution requirements that bound its sale and how each stood then,
    worked out from the claims alone, as ``DistributionRules.checkSale`` judged it in the sale's
    transaction: the requirements set before the sale's log (``RequirementSet``), in the licence's
    territories (every territory regulated then for a worldwide licence, and for a signed non-exclusive
    one, whose territories are not on chain: ``territories_known`` false), that apply to the work's type
    and the licence's rights; each decided by the work's attestations recorded (and revoked) before the
    sale, at the sale block's time (:func:`client_sdk._distribution.deciding_status`)."""
    from types import SimpleNamespace

    from .._distribution import Requirement, deciding_status, judge

    info = _first(claims, "getWork")
    work_type = int(info.result.get("workType", 0)) if info and isinstance(info.result, Mapping) else 0
    kinds = {
        int(k["args"]["kind"]): k["args"]["name"]
        for c in claims
        if c.name == "AttestationKindDefined"
        for k in c.result
    }
    changes = sorted((log for c in claims if c.name == "RequirementSet" for log in c.result), key=_order)
    recorded = [log for c in claims if c.name == "AttestationRecorded" for log in c.result]
    revoked = {
        str(log["args"]["attestationId"]): _order(log)
        for c in claims
        if c.name == "AttestationRevoked"
        for log in c.result
    }
    times = {str(c.args[0]): int(c.result) for c in claims if c.kind == "block"}
    offers, exclusive = _results(claims, "getOffer"), _results(claims, "exclusiveTerritories")
    out = []
    for sale in sorted((log for c in claims if c.name == "LicenceGranted" for log in c.result), key=_order):
        args, at = sale["args"], _order(sale)
        now = times.get(str(sale["block"]), 0)
        in_force: dict[str, Requirement] = {}
        for change in (ch for ch in changes if _order(ch) < at):
            a = change["args"]
            req = Requirement(
                int(a["territory"]),
                int(a["requirementId"]),
                int(a["kind"]),
                int(a["workTypeMask"]),
                int(a["rightsMask"]),
            )
            if a["active"]:
                in_force[a["requirementId"]] = req
            else:
                in_force.pop(a["requirementId"], None)
        offer = offers.get(str(args["offerId"]))
        if isinstance(offer, Mapping) and "terms" in offer:
            territories, known = [int(t) for t in offer["terms"]["territories"]], True
        elif int(args["flags"]) & 1:  # exclusive: the market keeps its territories (none: worldwide)
            territories, known = [int(t) for t in exclusive.get(str(args["licenceId"])) or []], True
        else:
            territories, known = [], False
        regulated = sorted({r.territory for r in in_force.values()})
        attestations = [
            SimpleNamespace(
                attestation_id=int(a["args"]["attestationId"]), kind=int(a["args"]["kind"]),
                territory=int(a["args"]["territory"]), decision=int(a["args"]["decision"]),
                valid_from=int(a["args"]["validFrom"]), valid_until=int(a["args"]["validUntil"]),
                revoked=revoked.get(str(a["args"]["attestationId"]), at) < at,
            )
            for a in recorded if _order(a) < at
        ]  # fmt: skip
        by_territory: defaultdict[int, list[Requirement]] = defaultdict(list)
        for req in sorted(in_force.values(), key=lambda r: r.requirement_id):
            by_territory[req.territory].append(req)
        judged = judge(
            territories if known and territories else regulated,
            by_territory.__getitem__,
            functools.partial(deciding_status, attestations, now=now),
            work_type=work_type,
            rights=int(args["rights"]),
            now=now,
        )
        checked = [
            {
                "territory": str(territory), "requirement_id": str(c.requirement.requirement_id),
                "kind": str(c.requirement.kind), "kind_name": kinds.get(c.requirement.kind), "state": c.state,
                "attestation_id": str(c.status.attestation_id) if c.status.attestation_id else None,
            }
            for territory, rows in judged.items()
            for c in rows
        ]  # fmt: skip
        out.append({
            "licence_id": str(args["licenceId"]), "block": str(sale["block"]), "time": str(now),
            "territories": [str(t) for t in territories], "territories_known": known,
            "requirements": checked, "met": all(c["state"] == "met" for c in checked),
        })  # fmt: skip
    return out


# -- building, signing, loading, checking ---------------------------------------------------------


def build_report(
    w3: Web3,
    deployment: Deployment,
    work_id: int,
    *,
    block: int | None = None,
    file: str | os.PathLike[str] | None = None,
    metadata_text: str | None = None,
    provenance_url: str | None = None,
) -> dict[str, Any]:
    """The unsigned report on ``work_id`` at ``block`` (default: the head), read from the chain only.

    ``file``: a copy of the work to bind (its sha256 and CID are recorded and compared).
    ``metadata_text``: the metadata document as fetched (kept only if its CID is the one on chain).
    ``provenance_url``: where the certificate's QR code points."""
    pinned = w3.eth.get_block(block if block is not None else "latest")
    number = int(pinned["number"])
    reader = _Reader(w3, deployment, number, deployment.deploy_block)
    claims, not_covered = _read_claims(reader, work_id, int(pinned["timestamp"]))
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "chain_id": deployment.chain_id,
        "block": {
            "number": number,
            "hash": HexBytes(pinned["hash"]).to_0x_hex(),
            "timestamp": int(pinned["timestamp"]),
        },
        "work_id": str(work_id),
        "deployment": {
            name: {**entry.model_dump(), "address": to_checksum_address(entry.address)}
            for name, entry in deployment.contracts.items()
        },
        "deploy_block": deployment.deploy_block,
        "deployer": deployment.deployer,
        "claims": [c.to_json() for c in claims],
        "not_covered": not_covered,
        "provenance_url": provenance_url,
    }
    summary = summarize(claims, None)
    metadata = None
    if metadata_text is not None and summary.get("registered"):
        metadata = _metadata_if_bound(metadata_text, summary["metadata_cid"])
        if metadata is not None:
            report["metadata"] = {"cid": summary["metadata_cid"], "text": metadata_text}
    report["summary"] = summarize(claims, metadata)
    if file is not None:
        digest, cid = digest_and_cid(file, _cid_version(summary.get("content_cid")))
        report["file"] = {"name": Path(file).name, "sha256": "0x" + digest.hex(), "cid": str(cid)}
    return report


def _cid_version(cid: str | None) -> int:
    try:
        return CID.parse(cid or "").version
    except Exception:
        return 0


def _metadata_if_bound(text: str, cid: str) -> dict[str, Any] | None:
    """The document if ``text`` hashes to ``cid``; else None (a document that is not the one on chain)."""
    if cid_of_bytes(text.encode(), _cid_version(cid)) != cid:
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _message(report: Mapping[str, Any], digest: bytes) -> dict[str, Any]:
    return {
        "workId": int(report["work_id"]),
        "chainId": int(report["chain_id"]),
        "blockNumber": int(report["block"]["number"]),
        "blockHash": bytes.fromhex(str(report["block"]["hash"]).removeprefix("0x")),
        "reportHash": digest,
    }


def sign_report(report: dict[str, Any], account: LocalAccount) -> dict[str, Any]:
    """``report`` with ``auditor`` and an EIP-712 ``signature`` over its canonical hash."""
    body = {k: v for k, v in report.items() if k != "signature"}
    body["auditor"] = account.address
    digest = report_hash(body)
    signed = account.sign_typed_data(EIP712_DOMAIN, EIP712_TYPES, _message(body, digest))
    body["signature"] = {
        "scheme": "EIP-712",
        "domain": EIP712_DOMAIN,
        "types": EIP712_TYPES,
        "report_hash": "0x" + digest.hex(),
        "value": HexBytes(signed.signature).to_0x_hex(),
    }
    return body


def write_report(report: Mapping[str, Any], path: Path) -> Path:
    atomic_write(path, (json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode())
    return path


def load_report(path: Path) -> dict[str, Any]:
    """A report from ``path``, its form checked; :class:`InvalidReport` saying what is wrong."""
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise InvalidReport(f"cannot read report {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidReport(f"{path} is not a JSON report ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or data.get("format") != REPORT_FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise InvalidReport(f"{path} is not a report of format {REPORT_FORMAT} (found {found!r})")
    #: each top-level field and the JSON type it must have
    shapes: dict[str, type | tuple[type, ...]] = {
        "chain_id": (int, str), "block": dict, "work_id": (int, str), "deployment": dict, "claims": list,
        "summary": dict, "auditor": str, "signature": dict,
    }  # fmt: skip
    missing = [key for key in shapes if key not in data]
    if missing:
        raise InvalidReport(f"{path} lacks {', '.join(missing)}; it is not a complete signed report")
    optional: dict[str, type] = {"metadata": dict, "file": dict, "evidence": dict}
    wrong = [
        key for key, kind in {**shapes, **optional}.items()
        if key in data and not isinstance(data[key], kind)
    ]  # fmt: skip
    if wrong:
        raise InvalidReport(
            f"{path} has {', '.join(wrong)} of the wrong JSON type; it is not a report this client wrote"
        )
    try:
        int(data["work_id"]), int(data["chain_id"]), int(data["block"]["number"]), int(data["block"]["timestamp"])
        str(data["block"]["hash"])
        [Claim(**c) for c in data["claims"]]
        Deployment.model_validate({
            "chain_id": data["chain_id"], "deployer": data.get("deployer", ""),
            "deploy_block": data.get("deploy_block", 0), "contracts": data["deployment"],
        })  # fmt: skip
    except (TypeError, ValueError, KeyError) as exc:
        raise InvalidReport(f"{path} is malformed ({str(exc).splitlines()[0]})") from None
    return data


def _recover(report: Mapping[str, Any]) -> tuple[str | None, str]:
    signature = report.get("signature") or {}
    if signature.get("scheme") != "EIP-712":
        return None, f"unknown signature scheme {signature.get('scheme')!r}"
    try:
        digest = bytes.fromhex(str(signature["report_hash"]).removeprefix("0x"))
        message = encode_typed_data(EIP712_DOMAIN, EIP712_TYPES, _message(report, digest))
        return Account.recover_message(message, signature=HexBytes(signature["value"])), ""
    except Exception as exc:
        return None, f"the signature cannot be read ({type(exc).__name__})"


def check_report(
    report: Mapping[str, Any],
    w3: Web3,
    *,
    file: str | os.PathLike[str] | None = None,
    captured: str | os.PathLike[str] | None = None,
) -> list[ReportCheck]:
    """Re-check a loaded report against the chain ``w3`` serves (see the module docstring); for an
    evidence package (:mod:`client_sdk.evidence`) also each record and, given ``captured``, that file."""
    checks: list[ReportCheck] = []

    def add(name: str, ok: bool, detail: str = "") -> None:
        checks.append(ReportCheck(name, ok, detail))

    stated = str((report.get("signature") or {}).get("report_hash", ""))
    actual = "0x" + report_hash(report).hex()
    add("report unchanged since signing", stated == actual,
        "" if stated == actual else f"its content hashes to {actual}, the signature covers {stated}: edited after signing")  # fmt: skip
    signer, why = _recover(report)
    auditor = str(report.get("auditor", ""))
    signed_by = signer is not None and signer == to_checksum_address(auditor) if Web3.is_address(auditor) else False
    add(
        "signed by the auditor",
        bool(signed_by),
        f"signer {signer}, report names {auditor}" if not signed_by else auditor,
    )
    if not signed_by and why:
        checks[-1] = ReportCheck(checks[-1].name, False, why)

    chain_id = w3.eth.chain_id
    same_chain = chain_id == int(report["chain_id"])
    add("same chain", same_chain, f"the RPC serves chain {chain_id}, the report is for chain {report['chain_id']}")
    number = int(report["block"]["number"])
    try:
        block = w3.eth.get_block(number)
        found_hash = HexBytes(block["hash"]).to_0x_hex()
    except Exception:
        found_hash = "(no such block)"
    same_block = found_hash == report["block"]["hash"]
    add(f"block {number} is the pinned block", same_block,
        "" if same_block else f"the chain's block {number} is {found_hash}, the report's {report['block']['hash']}: "
        "a reorg, or another chain")  # fmt: skip
    if not (same_chain and same_block):
        add("claims", False, "not re-checked: this RPC does not serve the chain and block the report is pinned to")
        return checks

    deployment = Deployment.model_validate({
        "chain_id": report["chain_id"], "deployer": report.get("deployer", ""),
        "deploy_block": report.get("deploy_block", 0), "contracts": report["deployment"],
    })  # fmt: skip
    try:
        verify_deployment(w3, deployment)
        add(
            "deployment is the committed build",
            True,
            ", ".join(f"{n} {e.address}" for n, e in deployment.contracts.items()),
        )
    except (DeploymentMismatch, ChainIdMismatch) as exc:
        add("deployment is the committed build", False, str(exc).split(". Do not trust")[0])
        add("claims", False, "not re-checked: the deployment they were read through is not the committed build")
        return checks

    reader = _Reader(w3, deployment, number, deployment.deploy_block)
    claims = [Claim(**c) for c in report["claims"]]
    rerun: list[Claim] = []
    for claim in claims:
        try:
            result = reader.run(claim)
        except Exception as exc:
            add(claim.id, False, f"could not be re-read: {exc}")
            rerun.append(claim)
            continue
        ok = result == claim.result
        add(claim.id, ok, "" if ok else f"the chain now answers {json.dumps(result)[:300]}")
        rerun.append(Claim(**{**claim.to_json(), "result": result}))
    expected = _expected_claims(reader, int(report["work_id"]), int(report["block"]["timestamp"]), rerun)
    missing = sorted({c.id for c in expected} - {c.id for c in claims})
    add("claims are complete", not missing, ("left out: " + "; ".join(missing)[:400]) if missing else "")

    metadata = None
    if "metadata" in report:
        cid, text = report["metadata"].get("cid"), report["metadata"].get("text", "")
        metadata = _metadata_if_bound(text, str(cid))
        summary_cid = summarize(rerun, None).get("metadata_cid")
        ok = metadata is not None and cid == summary_cid
        add("metadata document is the one on chain", ok, "" if ok else f"its text does not hash to {summary_cid}")
    derived = summarize(rerun, metadata)
    ok = to_json(derived) == to_json(report["summary"])
    diff = [k for k in derived if derived.get(k) != report["summary"].get(k)] if not ok else []
    add("summary follows from the claims", ok, "" if ok else f"differs in {', '.join(diff)}")

    if "file" in report:
        binding = report["file"]
        reg_ok = binding.get("sha256") == derived.get("content_digest") and binding.get("cid") == derived.get(
            "content_cid"
        )
        add("file in the report is the registered one", reg_ok,
            "" if reg_ok else "the report's file sha256/CID are not the work's on chain")  # fmt: skip
    if file is not None:
        digest, cid = digest_and_cid(file, _cid_version(derived.get("content_cid")))
        sha = "0x" + digest.hex()
        ok = sha == derived.get("content_digest") and str(cid) == derived.get("content_cid")
        add(f"{Path(file).name} is the registered file", ok, "" if ok else f"sha256 {sha}, CID {cid}")
    if "evidence" in report:
        checks.extend(_check_evidence(report, rerun))
    if captured is not None:
        from ..evidence import check_package_file

        ok, detail = check_package_file(report, captured)
        add(f"{Path(captured).name} is the captured file", ok, detail)
    return checks


#: The fields of an evidence package's record and the ``EvidenceRecorded`` argument or log field each must equal.
_EVIDENCE_FIELDS = {
    "evidence_id": ("args", "evidenceId"), "work_id": ("args", "workId"), "recorder": ("args", "recorder"),
    "sha256": ("args", "digest"), "cid": ("args", "cid"), "source": ("args", "source"),
    "captured_at": ("args", "capturedAt"), "tx": ("log", "tx"), "block": ("log", "block"),
    "log_index": ("log", "log_index"),
}  # fmt: skip


def _check_evidence(report: Mapping[str, Any], rerun: list[Claim]) -> list[ReportCheck]:
    """Each evidence record of a package is an ``EvidenceRecorded`` log among the re-read claims (so on
    chain at the pinned block), of the report's work, with the file digests the package states."""
    logs = [log for c in rerun if c.name == "EvidenceRecorded" and isinstance(c.result, list) for log in c.result]
    sections = report["evidence"].get("records") if isinstance(report["evidence"], Mapping) else None
    if not isinstance(sections, list) or not sections:
        return [ReportCheck("evidence records", False, "the package's evidence section lists no records")]
    checks = []
    for section in sections:
        try:
            record, binding = section["record"], section["file"]
            name = f"evidence record {record['evidence_id']} is on chain"
            log = next((g for g in logs if str(g["args"]["evidenceId"]) == str(record["evidence_id"])), None)
        except (KeyError, TypeError):
            checks.append(ReportCheck("evidence records", False, "a record of the package is malformed"))
            continue
        if log is None:
            detail = f"no EvidenceRecorded log {record['evidence_id']} about work {report['work_id']} up to block {report['block']['number']}"
            checks.append(ReportCheck(name, False, detail))
            continue
        where = {"args": log["args"], "log": log}
        wrong = [f for f, (part, key) in _EVIDENCE_FIELDS.items() if str(where[part].get(key)) != str(record.get(f))]
        if binding.get("sha256") != log["args"]["digest"] or binding.get("cid") != log["args"]["cid"]:
            wrong.append("file")
        checks.append(ReportCheck(name, not wrong, f"differs in {', '.join(wrong)}" if wrong else str(log["tx"])))
    return checks


class _Replay(_Reader):
    """A reader that answers log queries from claims already re-read (asking the chain only for ones
    missing) and calls with nothing: enough to know which claims a complete report holds."""

    def __init__(self, base: _Reader, reread: list[Claim]) -> None:
        super().__init__(base.w3, base.deployment, base.block, base.from_block)
        self.known = {(c.contract, c.name, tuple(c.args)): c.result for c in reread if c.kind == "logs"}

    def logs(self, contract: str, event: str, arg: str, value: str) -> list[dict[str, Any]]:
        key = (contract, event, (arg, value))
        return self.known[key] if key in self.known else super().logs(contract, event, arg, value)

    def call(self, contract: str, function: str, args: list[Any]) -> Any:
        return None

    def block_time(self, number: int) -> Any:
        return None


def _expected_claims(reader: _Reader, work_id: int, at: int, reread: list[Claim]) -> list[Claim]:
    """The claims a complete report on this work at this block holds (their ids are compared), from
    the log claims as the chain answers them now."""
    return _read_claims(_Replay(reader, reread), work_id, at)[0]
