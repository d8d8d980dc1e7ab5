"""Infringement evidence (issue 15 items 4-5): capture a copy, record it on chain, package it for later.

:func:`capture` takes a local file or a URL, keeps the captured copy in the content store (not
published), and records on the :class:`EvidenceLog` contract its sha256, CID, source, capture time and
the work it concerns (one ``EvidenceRecorded`` event carries the whole record). Every check runs before
anything is stored or sent -- the work exists, the URL's host is allowed, the file can be read, the
download completes -- so a capture that fails records nothing on chain. It also says how similar the
copy is to the registered work (:func:`similarity`: sha256 equality, then ISCC Content-/Data-Code
distances from :mod:`client_sdk.content.iscc` when the store holds the work's plaintext).

URLs are fetched only from hosts the operator allows (:class:`AllowList`: host names, IP addresses
and networks, from ``--allow`` and ``$COPYRIGHT_HUB_EVIDENCE_ALLOW``; empty by default, so nothing is
fetched until someone allows it). A name is allowed when listed, or when every address it resolves to
is in an allowed network; redirects are not followed (the answer names where it points, to be
captured directly if that host is allowed).

:func:`build_package` makes the evidence package: the signed audit report of the work at the head
block (:mod:`client_sdk.audit.report`: the registration's own proof, with the work's evidence records
among its claims) plus an ``evidence`` section (the captured file's digests, the on-chain record's
transaction, block and time, and the similarity). It is signed and re-checked with the auditors'
tooling -- ``copyright-hub verify-report PACKAGE.json [--captured FILE]`` -- and printed as the
bilingual certificate page (:mod:`client_sdk.audit.certificate`).

A dispute cites evidence off chain: ``Hub.open_dispute(work_id, package_cid)`` with the CID of the
stored package JSON (the resolver's ``evidenceCid``); the package names the evidence records, and the
records name the work.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import socket
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract

from ._config import DEFAULT_HTTP_TIMEOUT
from .artifacts import load_artifact
from .chain import read_logs
from .content.cid import CID
from .content.errors import ContentError
from .content.store import ContentStore
from .errors import ConfigurationError, HubError
from .hub import Hub

#: Environment variable with the hosts URLs may be captured from (comma-separated names, addresses, networks).
EVIDENCE_ALLOW_ENV = "COPYRIGHT_HUB_EVIDENCE_ALLOW"
#: The largest capture fetched from a URL (bytes); a longer answer fails the capture.
DEFAULT_MAX_CAPTURE_BYTES = 2 << 30
#: The longest source text recorded on chain (characters).
MAX_SOURCE_CHARS = 2048
_CHUNK = 1 << 20


class SourceNotAllowed(HubError, PermissionError):
    """A URL to capture is not http(s), or its host is not in the operator's allow list."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(
            f"will not fetch {url}: {reason}. Nothing was recorded. URLs are fetched only from hosts the operator "
            f"allows: --allow HOST (a name, an address or a network such as 127.0.0.0/8) or ${EVIDENCE_ALLOW_ENV}"
        )


class CaptureFailed(HubError):
    """A file to capture cannot be read, or a URL could not be fetched whole; nothing was recorded."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"cannot capture {source}: {reason}. Nothing was recorded on chain")


class EvidenceNotFound(HubError, LookupError):
    """No evidence record with this id on this chain's evidence log."""

    def __init__(self, evidence_id: int) -> None:
        self.evidence_id = evidence_id
        super().__init__(
            f"no evidence record {evidence_id} on this chain; list a work's records with `copyright-hub evidence show --work ID`"
        )


# -- the allow list -----------------------------------------------------------------------------------

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class AllowList:
    """Hosts URLs may be captured from: exact host names, and IP networks (an address is a /32 or /128)."""

    names: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        names: set[str] = set()
        networks: list[Network] = []
        for raw in entries:
            for entry in (e.strip() for e in raw.split(",")):
                if not entry:
                    continue
                try:
                    networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                except ValueError:
                    names.add(entry.lower().rstrip("."))
        return cls(frozenset(names), tuple(networks))

    @classmethod
    def from_env(cls, extra: Iterable[str] = ()) -> AllowList:
        """``extra`` (e.g. ``--allow`` options) and ``$COPYRIGHT_HUB_EVIDENCE_ALLOW``."""
        return cls.parse([*extra, os.environ.get(EVIDENCE_ALLOW_ENV, "")])

    def __bool__(self) -> bool:
        return bool(self.names or self.networks)

    def _address_allowed(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.split("%")[0])
        return any(ip.version == n.version and ip in n for n in self.networks)

    def check(self, url: str) -> None:
        """Return if ``url`` may be fetched; :class:`SourceNotAllowed` saying why not otherwise."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise SourceNotAllowed(url, f"only http and https URLs are fetched, not {parts.scheme or 'no scheme'}")
        host = (parts.hostname or "").lower().rstrip(".")
        if not host:
            raise SourceNotAllowed(url, "it names no host")
        if not self:
            raise SourceNotAllowed(url, "the allow list is empty")
        if host in self.names:
            return
        if not self.networks:  # only names are allowed, and this is not one of them: no lookup needed
            raise SourceNotAllowed(url, f"{host} is not in the allow list")
        try:
            addresses = [host] if _is_ip(host) else _resolve(host, parts.port)
        except OSError as exc:
            raise SourceNotAllowed(url, f"{host} does not resolve ({exc.strerror or exc})") from None
        outside = [a for a in addresses if not self._address_allowed(a)]
        if outside or not addresses:
            raise SourceNotAllowed(url, f"{host} ({', '.join(outside or ['no address'])}) is not in the allow list")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _resolve(host: str, port: int | None) -> list[str]:
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, port or 80, proto=socket.IPPROTO_TCP)})


# -- records ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceRecord:
    """One ``EvidenceRecorded`` event: the record and where it is on chain."""

    evidence_id: int
    work_id: int
    recorder: str
    digest: bytes
    cid: str
    source: str
    captured_at: int
    tx_hash: str
    block_number: int
    block_hash: str
    log_index: int
    recorded_at: int

    def to_json(self) -> dict[str, Any]:
        """uint256 as strings, bytes as 0x hex, times also as UTC text."""
        return {
            "evidence_id": str(self.evidence_id),
            "work_id": str(self.work_id),
            "recorder": self.recorder,
            "sha256": "0x" + self.digest.hex(),
            "cid": self.cid,
            "source": self.source,
            "captured_at": self.captured_at,
            "captured_at_utc": _utc(self.captured_at),
            "tx": self.tx_hash,
            "block": self.block_number,
            "block_hash": self.block_hash,
            "log_index": self.log_index,
            "recorded_at": self.recorded_at,
            "recorded_at_utc": _utc(self.recorded_at),
        }


@dataclass(frozen=True)
class Capture:
    """What :func:`capture` did: the record, the copy's size and how similar it is to the work."""

    record: EvidenceRecord
    size: int
    similarity: dict[str, Any]


def _utc(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def evidence_log(hub: Hub) -> Contract:
    """The deployment's EvidenceLog contract."""
    return hub.w3.eth.contract(
        address=Web3.to_checksum_address(hub.deployment.address("EvidenceLog")), abi=load_artifact("EvidenceLog").abi
    )


def _record_of(hub: Hub, event: Any) -> EvidenceRecord:
    args = event["args"]
    block = hub.w3.eth.get_block(event["blockNumber"])
    return EvidenceRecord(
        evidence_id=int(args["evidenceId"]),
        work_id=int(args["workId"]),
        recorder=Web3.to_checksum_address(args["recorder"]),
        digest=bytes(args["digest"]),
        cid=str(args["cid"]),
        source=str(args["source"]),
        captured_at=int(args["capturedAt"]),
        tx_hash=HexBytes(event["transactionHash"]).to_0x_hex(),
        block_number=int(event["blockNumber"]),
        block_hash=HexBytes(block["hash"]).to_0x_hex(),
        log_index=int(event["logIndex"]),
        recorded_at=int(block["timestamp"]),
    )


def records(hub: Hub, *, work_id: int | None = None, evidence_id: int | None = None) -> list[EvidenceRecord]:
    """Evidence records read from the chain's logs (not the hub's database), oldest first; all of them,
    a work's (``work_id``) or one (``evidence_id``)."""
    contract = evidence_log(hub)
    event = contract.events.EvidenceRecorded()
    topics: list[Any] = [event.topic]

    def topic(value: int | None) -> str | None:
        return None if value is None else "0x" + value.to_bytes(32, "big").hex()

    topics += [topic(evidence_id), topic(work_id)]
    while topics and topics[-1] is None:
        topics.pop()
    start = hub.deployment.contracts["EvidenceLog"].block_number
    logs = read_logs(hub.w3, {"address": contract.address, "topics": topics}, start, hub.w3.eth.block_number)
    return [_record_of(hub, event.process_log(log)) for log in logs]


def get_record(hub: Hub, evidence_id: int) -> EvidenceRecord:
    """One record by id; :class:`EvidenceNotFound` when there is none."""
    found = records(hub, evidence_id=evidence_id)
    if not found:
        raise EvidenceNotFound(evidence_id)
    return found[0]


# -- capturing ----------------------------------------------------------------------------------------


def _is_url(source: str | os.PathLike[str]) -> bool:
    return isinstance(source, str) and "://" in source


def _sha256_file(path: Path) -> tuple[bytes, int]:
    sha, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.digest(), size


def _local_copy(source: str | os.PathLike[str]) -> tuple[Path, str]:
    """A readable regular file and the source text recorded for it (``file:NAME``)."""
    path = Path(source)
    shown = os.fspath(source)
    if not path.exists():
        raise CaptureFailed(shown, "no such file")
    if not path.is_file():
        raise CaptureFailed(shown, "it is not a regular file (a folder or a device?)")
    if not os.access(path, os.R_OK):
        raise CaptureFailed(shown, "it cannot be read (permission denied)")
    return path, f"file:{path.name}"[:MAX_SOURCE_CHARS]


def _download(url: str, into: Path, max_bytes: int, timeout: float) -> None:
    import httpx

    try:
        with httpx.stream("GET", url, follow_redirects=False, timeout=timeout) as reply:
            if reply.is_redirect:
                where = reply.headers.get("location", "(no location)")
                raise CaptureFailed(
                    url, f"it redirects ({reply.status_code}) to {where}; capture that URL if its host is allowed"
                )
            if reply.status_code != 200:
                raise CaptureFailed(url, f"the server answered HTTP {reply.status_code}")
            declared = reply.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise CaptureFailed(url, f"it is {declared} bytes, more than the {max_bytes} a capture may be")
            size = 0
            with open(into, "wb") as out:
                for chunk in reply.iter_bytes(_CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise CaptureFailed(url, f"it is more than the {max_bytes} bytes a capture may be")
                    out.write(chunk)
    except httpx.HTTPError as exc:
        raise CaptureFailed(url, f"the fetch failed ({type(exc).__name__}: {exc})") from None


def check_source(source: str | os.PathLike[str], allow: AllowList | None = None) -> None:
    """Refuse a source that cannot be captured, before anything is fetched or sent: a URL outside the
    allow list (``allow``, default :meth:`AllowList.from_env`) or too long to record, a file that is
    missing, not a regular file or unreadable."""
    if _is_url(source):
        url = str(source)
        if len(url) > MAX_SOURCE_CHARS:
            raise CaptureFailed(url[:80] + "...", f"a URL longer than {MAX_SOURCE_CHARS} characters is not recorded")
        (allow if allow is not None else AllowList.from_env()).check(url)
    else:
        _local_copy(source)


@contextmanager
def _scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="hub-evidence-") as folder:
        yield Path(folder)


def capture(
    hub: Hub,
    source: str | os.PathLike[str],
    work_id: int,
    *,
    store: ContentStore,
    allow: AllowList | None = None,
    cid_version: int = 0,
    max_bytes: int = DEFAULT_MAX_CAPTURE_BYTES,
    timeout: float = DEFAULT_HTTP_TIMEOUT,
    with_similarity: bool = True,
) -> Capture:
    """Capture ``source`` (a file path, or an http(s) URL on an allowed host) as evidence about
    ``work_id``: store the copy, record it on chain, and compare it with the work (see the module docstring).

    Raises before anything is stored or sent: :class:`~client_sdk.errors.WorkNotFound`,
    :class:`SourceNotAllowed`, :class:`CaptureFailed`."""
    work = hub.get_work(work_id)  # WorkNotFound before any fetch
    if hub.account is None:  # before any fetch
        raise ConfigurationError(
            "recording evidence needs your key; pass account= to the Hub (CLI: --key-env or --keystore)"
        )
    with _scratch() as scratch:
        if _is_url(source):
            url = str(source)
            if len(url) > MAX_SOURCE_CHARS:
                raise CaptureFailed(
                    url[:80] + "...", f"a URL longer than {MAX_SOURCE_CHARS} characters is not recorded"
                )
            (allow if allow is not None else AllowList.from_env()).check(url)
            path, source_text = scratch / "capture", url
            _download(url, path, max_bytes, timeout)
        else:
            path, source_text = _local_copy(source)
            source_text = source_text[:MAX_SOURCE_CHARS]
        captured_at = int(time.time())
        try:
            digest, size = _sha256_file(path)
        except OSError as exc:
            raise CaptureFailed(os.fspath(source), exc.strerror or str(exc)) from None
        try:
            cid = str(store.add(path, cid_version))
        except ContentError as exc:
            raise CaptureFailed(os.fspath(source), f"the content store refused the copy ({exc})") from None
        record = _record_of(hub, hub.record_evidence(work_id, digest, cid, source_text, captured_at))
        similar = (
            similarity(path, digest, work.content_digest, work.content_cid, store)
            if with_similarity
            else _unavailable(digest == work.content_digest, "not computed (asked not to)")
        )
    return Capture(record, size, similar)


# -- similarity -----------------------------------------------------------------------------------------


def _unavailable(identical: bool, reason: str) -> dict[str, Any]:
    return {
        "method": "sha256",
        "identical": identical,
        "match": "identical" if identical else None,
        "distance": 0 if identical else None,
        "reason": reason,
    }


def similarity(
    captured: Path, captured_digest: bytes, work_digest: bytes, work_cid: str, store: ContentStore | None
) -> dict[str, Any]:
    """How the captured file compares with the registered work: ``identical`` (same sha256), then the
    ISCC ``match`` (``identical``, ``content`` or ``data``, or None) with Hamming ``distance`` of 64 bits,
    each code and distance, or only the sha256 answer and a ``reason`` when the work's plaintext is
    not in the store or no codes can be computed."""
    identical = captured_digest == work_digest
    if identical:
        return {**_unavailable(True, ""), "reason": None}
    if store is None:
        return _unavailable(False, "no content store to read the registered work's file from")
    try:
        if not store.has(work_cid):
            return _unavailable(False, f"the content store does not hold the registered work's file ({work_cid})")
    except (ContentError, ValueError) as exc:
        return _unavailable(False, f"the content store cannot be asked for the work's file ({exc})")
    from .content import iscc

    with _scratch() as scratch:
        work_copy = scratch / "work"
        sha = hashlib.sha256()
        try:
            with open(work_copy, "wb") as out:
                for chunk in store.cat(work_cid):
                    sha.update(chunk)
                    out.write(chunk)
        except (ContentError, ValueError) as exc:
            return _unavailable(False, f"the registered work's file cannot be read from the store ({exc})")
        if sha.digest() != work_digest:
            return _unavailable(False, "the store holds the work's encrypted master, not its plaintext")
        try:
            mine, theirs = iscc.content_codes(captured), iscc.content_codes(work_copy)
        except (ContentError, OSError) as exc:
            return _unavailable(False, f"no ISCC codes ({exc})")
    match = iscc.compare(mine, theirs)
    content_distance = None
    if mine.content and theirs.content and iscc.unit(mine.content).family == iscc.unit(theirs.content).family:
        content_distance = iscc.distance(mine.content, theirs.content)
    return {
        "method": "iscc",
        "identical": False,
        "match": match.kind if match else None,
        "distance": match.distance if match else None,
        "max_distance": iscc.DEFAULT_MAX_DISTANCE,
        "content_distance": content_distance,
        "data_distance": iscc.distance(mine.data, theirs.data),
        "captured_codes": mine.to_json(),
        "work_codes": theirs.to_json(),
        "reason": None,
    }


# -- the evidence package -------------------------------------------------------------------------------


def _stored_copy_matches(store: ContentStore | None, record: EvidenceRecord) -> tuple[bool, int | None]:
    """Whether the store holds the record's CID with bytes that hash to its sha256 (and their size)."""
    if store is None:
        return False, None
    try:
        if not store.has(record.cid):
            return False, None
        sha, size = hashlib.sha256(), 0
        for chunk in store.cat(record.cid):
            sha.update(chunk)
            size += len(chunk)
    except (ContentError, ValueError):
        return False, None
    return sha.digest() == record.digest, size


def evidence_section(hub: Hub, record: EvidenceRecord, store: ContentStore | None) -> dict[str, Any]:
    """The package's ``evidence`` object: the record, the captured file and the similarity."""
    work = hub.get_work(record.work_id)
    stored, size = _stored_copy_matches(store, record)
    similar: dict[str, Any]
    if stored and store is not None:
        with _scratch() as scratch:
            copy = scratch / "capture"
            with open(copy, "wb") as out:
                for chunk in store.cat(record.cid):
                    out.write(chunk)
            similar = similarity(copy, record.digest, work.content_digest, work.content_cid, store)
    else:
        similar = _unavailable(
            record.digest == work.content_digest, "the captured copy is not in the content store to compare"
        )
    return {
        "contract": Web3.to_checksum_address(hub.deployment.address("EvidenceLog")),
        "record": record.to_json(),
        "file": {
            "sha256": "0x" + record.digest.hex(),
            "cid": record.cid,
            "cid_version": CID.parse(record.cid).version,
            "size": size,
            "stored_copy_matches": stored,
        },
        "work": {"content_digest": "0x" + work.content_digest.hex(), "content_cid": work.content_cid},
        "similarity": similar,
    }


def build_package(
    hub: Hub,
    evidence_ids: Sequence[int],
    signer: LocalAccount,
    *,
    store: ContentStore | None = None,
    metadata_text: str | None = None,
    provenance_url: str | None = None,
) -> dict[str, Any]:
    """The signed evidence package about one work's records ``evidence_ids`` (see the module docstring)."""
    from .audit.report import build_report, sign_report

    if not evidence_ids:
        raise CaptureFailed("(no evidence id)", "a package needs at least one evidence record")
    found = [get_record(hub, i) for i in evidence_ids]
    works = {r.work_id for r in found}
    if len(works) != 1:
        raise ConfigurationError(
            f"evidence records {', '.join(map(str, evidence_ids))} concern different works ({sorted(works)}); "
            "make one package per work"
        )
    (work_id,) = works
    report = build_report(hub.w3, hub.deployment, work_id, metadata_text=metadata_text, provenance_url=provenance_url)
    sections = [evidence_section(hub, r, store) for r in found]
    report["evidence"] = {"records": sections}
    return sign_report(report, signer)


def check_package_file(package: Mapping[str, Any], captured: str | os.PathLike[str]) -> tuple[bool, str]:
    """Whether ``captured`` hashes to one of the package's records (sha256 and CID); the detail says which."""
    from .verify import digest_and_cid

    sections = (package.get("evidence") or {}).get("records") or []
    for section in sections:
        version = int((section.get("file") or {}).get("cid_version") or 0)
        digest, cid = digest_and_cid(captured, version)
        if "0x" + digest.hex() == section["file"]["sha256"] and str(cid) == section["file"]["cid"]:
            return True, f"record {section['record']['evidence_id']}"
    return (
        False,
        f"sha256 0x{digest.hex()} matches no record of the package" if sections else "the package has no records",
    )


__all__ = [
    "DEFAULT_MAX_CAPTURE_BYTES",
    "EVIDENCE_ALLOW_ENV",
    "AllowList",
    "Capture",
    "CaptureFailed",
    "EvidenceNotFound",
    "EvidenceRecord",
    "SourceNotAllowed",
    "build_package",
    "capture",
    "check_package_file",
    "check_source",
    "evidence_log",
    "evidence_section",
    "get_record",
    "records",
    "similarity",
]
