"""Batch registration of a catalogue: the one module that turns files and a metadata sidecar into
registered works, and can be stopped anywhere and started again.

A run (:func:`register_catalogue`) goes through three steps:

1. **prepare**, file by file: one streaming pass gives the sha256 (the content digest) and the
   content CID, or, with ``encrypt``, the sha256 of the plaintext while it is encrypted (the CID
   registered is then the ciphertext's, which is stored and published; the content key is written
   to ``keys_dir`` before anything names it). The work's metadata document (from its sidecar row, with
   the file's name, size and sha256) is stored and published. A plaintext master is stored only with
   ``publish_master``. Memory does not grow with file size.
2. **check the chain** for every digest (``workIdByDigest``): a digest this account registered before
   is done; one somebody else holds is reported with the holder's work id, and the rest goes on.
3. **register** the rest with ``registerWorks``, in batches sized by gas estimates against the block
   gas limit (and the contract's ``MAX_BATCH``). Each work's gas is its share of the batch's
   ``gasUsed``, in proportion to what registering it alone was estimated to cost. Where the Hub
   registers by commit–reveal (every chain but the local devnet, unless a setting says otherwise:
   :meth:`~client_sdk.hub.Hub.uses_commit_reveal`), the rest is committed in one transaction and
   revealed in batches instead (:meth:`~client_sdk.hub.Hub.register_committed`); the salt is kept in
   ``commits/`` beside the journal until every work is revealed, and a run started again resumes that
   commitment, so the works keep its priority.

The :class:`Journal` (JSON lines, each appended whole and fsynced) records each prepared file and each
transaction's hash *before* it is sent. Started again after a kill, a run reuses what was prepared,
waits for a transaction it had sent, and asks the chain about every digest, so nothing is registered
twice. Files on disk (ciphertext, keys, blocks) are written to a temporary name and renamed.

Problems with one file (missing or unreadable, a sidecar row without a title, splits that do not sum
to 10,000, a checksum that does not match, the same content twice) are reported for that file and the
others go on; a full disk or a journal that cannot be written stops the run (:class:`BatchStopped`),
with what was done so far kept.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_typing import HexStr
from eth_utils import is_hex_address
from web3 import Web3

from ._files import atomic_write
from ._works import gas_shares
from .chain import gas_limit_for
from .errors import ConfigurationError, HubError
from .metadata import CREATOR_ROLES, Creator, WorkMetadata, store_metadata
from .terms import TOTAL_BPS, Split, WorkInput

if TYPE_CHECKING:
    from .content import ContentStore
    from .hub import Hub

#: sidecar file names looked for in a folder when none is given
SIDECAR_NAMES = ("catalogue.csv", "catalogue.json")
#: where a run keeps its journal and content keys, under the folder (or the list's folder)
STATE_DIR = ".copyright-hub"
#: sidecar columns (CSV header / JSON keys); list columns take ``;``-separated values in CSV
COLUMNS = (
    "file", "title_zh", "title_en", "description_zh", "description_en", "type", "creators", "languages",
    "country", "duration", "created", "first_published", "poster_cid", "preview_cid", "external_ids",
    "splits", "royalty_bps", "metadata",
)  # fmt: skip

#: the intrinsic gas of any transaction (yellow paper G_transaction), paid once per batch
INTRINSIC_GAS = 21_000

# statuses of a file in a run
REGISTERED = "registered"  # by this run
DONE_BEFORE = "registered earlier"  # by this account, in an earlier run or outside the batch
HELD = "held by another"  # somebody else registered this content
DUPLICATE = "duplicate"
FAILED = "failed"
NOT_DONE = "not done"  # the run stopped before this file
#: every status, in the order a summary lists them
STATUSES = (REGISTERED, DONE_BEFORE, HELD, DUPLICATE, FAILED, NOT_DONE)


class BatchError(HubError, ValueError):
    """A sidecar or a file list cannot be read at all (each bad row is a per-file problem instead)."""


class BatchStopped(HubError, OSError):
    """The run stopped (a full disk, a journal that cannot be written); what was done is journaled."""


class JournalMismatch(BatchError):
    """The journal belongs to another chain, registry or account."""


# -- the sidecar ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One sidecar row: the file it names, its metadata and its owners."""

    file: str
    where: str  # "catalogue.csv line 3", for messages
    metadata: WorkMetadata | None = None
    splits: tuple[Split, ...] = ()
    royalty_bps: int = 0
    problem: str | None = None


def _items(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split(";") if v.strip()]


def _pair(text: str, what: str, example: str) -> tuple[str, str]:
    name, sep, value = text.rpartition(":")
    if not sep or not name.strip() or not value.strip():
        raise BatchError(f"{what} {text!r}: write it as {example}")
    return name.strip(), value.strip()


def parse_split(text: str | Mapping[str, Any]) -> Split:
    """``ADDRESS:BPS`` (or ``{"account", "bps"}``) as a :class:`Split`; a mixed-case address must carry
    a correct EIP-55 checksum."""
    if isinstance(text, Mapping):
        account, bps = str(text.get("account", "")), str(text.get("bps", ""))
    else:
        account, bps = _pair(str(text), "split", "ADDRESS:BPS, e.g. 0xAbc…:2500")
    if not is_hex_address(account):
        raise BatchError(
            f"split {account!r} is not an address (0x and 40 hex digits); write a split as ADDRESS:BPS, e.g. 0xAbc…:2500"
        )
    if account != account.lower() and account[2:] != account[2:].upper() and not Web3.is_checksum_address(account):
        raise BatchError(
            f"split {account}: the mixed-case checksum is wrong (EIP-55), so it may be mistyped; "
            f"check the address (checksummed it would read {Web3.to_checksum_address(account)})"
        )
    try:
        points = int(bps)
    except ValueError:
        raise BatchError(f"split {account}:{bps}: the share must be whole basis points (0-{TOTAL_BPS})") from None
    if not 0 < points <= TOTAL_BPS:
        raise BatchError(f"split {account}:{bps}: the share must be 1-{TOTAL_BPS} basis points")
    return Split(Web3.to_checksum_address(account), points)


def _day(value: Any, column: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise BatchError(f"{column} {value!r} must be a date written YYYY-MM-DD") from None


def _number(value: Any, column: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BatchError(f"{column} {value!r} must be a whole number") from None


def _row(raw: Mapping[str, Any], where: str, default_type: str) -> Row:
    """A sidecar row read and checked; a problem is kept on the row (the rest of the run goes on)."""
    file = str(raw.get("file") or "").strip()
    try:
        unknown = sorted(k for k in raw if k not in COLUMNS and k)
        if unknown:
            raise BatchError(f"unknown column {', '.join(unknown)} (columns: {', '.join(COLUMNS)})")
        if not file:
            raise BatchError("no file named (column 'file')")
        splits = tuple(parse_split(s) for s in (raw.get("splits") or []) if s) if isinstance(
            raw.get("splits"), list
        ) else tuple(parse_split(s) for s in _items(raw.get("splits")))  # fmt: skip
        if splits and sum(s.bps for s in splits) != TOTAL_BPS:
            raise BatchError(f"splits sum to {sum(s.bps for s in splits):,} bps, not {TOTAL_BPS:,}; fix the shares")
        royalty = _number(raw.get("royalty_bps"), "royalty_bps") or 0
        document = raw.get("metadata")
        if document:
            if isinstance(document, str):
                document = json.loads(document)
            meta = WorkMetadata.from_document(document)
        else:
            if not (raw.get("title_zh") or raw.get("title_en")):
                raise BatchError("no title: give title_zh and/or title_en (or a whole metadata document)")
            creators = []
            for text in _items(raw.get("creators")):
                name, role = _pair(text, "creator", "NAME:ROLE, e.g. 'Lin Qiao:director'")
                if role not in CREATOR_ROLES:
                    raise BatchError(f"creator {text!r}: the role must be one of {', '.join(CREATOR_ROLES)}")
                creators.append(Creator(name, role))
            ids = dict(
                _pair(t, "external id", "SCHEME:VALUE, e.g. isrc:CN-A01-25-00001")
                for t in _items(raw.get("external_ids"))
            )
            meta = WorkMetadata(
                str(raw.get("type") or default_type),
                title_zh=raw.get("title_zh") or None, title_en=raw.get("title_en") or None,
                description_zh=raw.get("description_zh") or None, description_en=raw.get("description_en") or None,
                creators=tuple(creators), languages=tuple(_items(raw.get("languages"))),
                country=raw.get("country") or None, duration_seconds=_number(raw.get("duration"), "duration"),
                created=_day(raw.get("created"), "created"), first_published=_day(raw.get("first_published"), "first_published"),
                poster_cid=raw.get("poster_cid") or None, preview_cid=raw.get("preview_cid") or None,
                external_ids={k.lower(): v for k, v in ids.items()},
            )  # fmt: skip
        meta.to_bytes()  # against the schema now, not after the file was hashed
        meta.chain_work_type  # noqa: B018 - an unknown type is refused here
        return Row(file, where, meta, splits, royalty)
    except (HubError, ValueError) as exc:
        return Row(file, where, problem=f"{where}: {exc}")


def read_sidecar(path: Path, default_type: str = "film") -> list[Row]:
    """The rows of a CSV (header row of :data:`COLUMNS`) or JSON (a list of objects, or
    ``{"works": [...]}``) sidecar. A file that cannot be read at all raises :class:`BatchError`."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise BatchError(f"cannot read the sidecar {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise BatchError(f"the sidecar {path} is not UTF-8 text; save it as UTF-8") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BatchError(f"the sidecar {path} is not JSON: {exc.msg} at line {exc.lineno}") from None
        rows = data.get("works") if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise BatchError(f'the sidecar {path} must hold a list of objects (or {{"works": [...]}})')
        return [_row(r, f"{path.name} entry {i + 1}", default_type) for i, r in enumerate(rows)]
    if path.suffix.lower() != ".csv":
        raise BatchError(f"the sidecar {path} must be .csv or .json")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "file" not in reader.fieldnames:
        raise BatchError(f"the sidecar {path} needs a header row with a 'file' column (columns: {', '.join(COLUMNS)})")
    return [_row(r, f"{path.name} line {reader.line_num}", default_type) for r in reader]


# -- the journal ---------------------------------------------------------------------------------------


class Journal:
    """An append-only JSON-lines file: each record is written whole with ``O_APPEND`` and fsynced, so
    a kill leaves at most a torn last line, which is cut off when the journal is opened again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: list[dict[str, Any]] = []
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            data = path.read_bytes()
            whole = data[: data.rfind(b"\n") + 1]
            if len(whole) != len(data):  # a record cut short by a kill: never completed, so never relied on
                with open(path, "r+b") as fh:
                    fh.truncate(len(whole))
                    os.fsync(fh.fileno())
            self.records = [json.loads(line) for line in whole.decode().splitlines() if line.strip()]
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def append(self, record: dict[str, Any]) -> None:
        line = (json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n").encode()
        try:
            written = os.write(self._fd, line)
            if written != len(line):
                raise OSError(errno.ENOSPC, "short write")
            os.fsync(self._fd)
        except OSError as exc:
            with contextlib.suppress(OSError):  # leave no torn record behind
                os.ftruncate(self._fd, os.fstat(self._fd).st_size - (written if "written" in locals() else 0))
            raise BatchStopped(
                f"cannot write the journal {self.path} ({exc.strerror or exc}); free some space and run the "
                "same command again: it goes on from where it stopped"
            ) from None
        self.records.append(record)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)

    def of(self, kind: str) -> Iterator[dict[str, Any]]:
        return (r for r in self.records if r.get("k") == kind)


# -- one file ------------------------------------------------------------------------------------------


@dataclass
class Item:
    """One file of a run and what became of it."""

    path: Path
    row: Row | None
    status: str = "pending"
    problem: str | None = None
    sha256: bytes | None = None
    content_cid: str | None = None
    metadata_cid: str | None = None
    key_file: str | None = None
    work_id: int | None = None
    tx_hash: str | None = None
    gas: int | None = None
    estimate: int = 0

    @property
    def title(self) -> str:
        meta = self.row.metadata if self.row else None
        return " / ".join(t for t in (meta.title_en, meta.title_zh) if t) if meta else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "file": str(self.path), "status": self.status, "problem": self.problem, "title": self.title,
            "sha256": "0x" + self.sha256.hex() if self.sha256 else None, "contentCid": self.content_cid,
            "metadataCid": self.metadata_cid, "keyFile": self.key_file,
            "workId": str(self.work_id) if self.work_id else None, "txHash": self.tx_hash,
            "gas": str(self.gas) if self.gas is not None else None,
        }  # fmt: skip


@dataclass
class BatchResult:
    items: list[Item]
    transactions: list[str] = field(default_factory=list)
    gas_used: int = 0
    seconds: float = 0.0
    stopped: str | None = None

    def count(self, status: str) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def ok(self) -> bool:
        return self.stopped is None and all(i.status in (REGISTERED, DONE_BEFORE) for i in self.items)

    def to_json(self) -> dict[str, Any]:
        return {
            "files": len(self.items), "counts": {s: self.count(s) for s in STATUSES},
            "transactions": self.transactions, "gasUsed": str(self.gas_used), "seconds": round(self.seconds, 3),
            "stopped": self.stopped, "ok": self.ok, "works": [i.to_json() for i in self.items],
        }  # fmt: skip


def plan(source: Path, sidecar: Path | None = None, default_type: str = "film") -> list[Item]:
    """The files of a run: a folder's files (hidden ones and the sidecar left out) or a list file's
    lines (paths relative to the list). With a sidecar its rows name the files; a folder's file without
    a row and a row naming no file are both reported."""
    if source.is_dir():
        base = source
        if sidecar is None:
            sidecar = next((source / n for n in SIDECAR_NAMES if (source / n).is_file()), None)
        skip = {sidecar.resolve()} if sidecar else set()
        found = sorted(
            p for p in source.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(source).parts)
            and p.resolve() not in skip
        )  # fmt: skip
    elif source.is_file():
        base = source.parent
        try:
            lines = source.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise BatchError(f"cannot read the file list {source}: {exc}") from None
        found = [base / line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    else:
        raise BatchError(f"{source} is neither a folder nor a file list; give DIR or a text file of paths")
    if sidecar is None:
        return [Item(p, Row(p.name, p.name, WorkMetadata(default_type, title_en=p.stem))) for p in found]
    rows = read_sidecar(sidecar, default_type)
    row_base = sidecar.parent
    items: list[Item] = []
    named = set()
    for row in rows:
        path = (row_base / row.file) if row.file else row_base / "(no file)"
        named.add(path.resolve())
        items.append(Item(path, row, FAILED if row.problem else "pending", row.problem))
    for p in found:
        if p.resolve() not in named:
            items.append(Item(p, None, FAILED, f"{p.name} has no row in {sidecar.name}; add one to register it"))
    return items


def _fail(item: Item, status: str, problem: str) -> None:
    item.status, item.problem = status, problem


def _is_full(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT)


# -- the run -------------------------------------------------------------------------------------------

Progress = Callable[[str, int], None]


@dataclass
class Options:
    encrypt: bool = False
    publish_master: bool = False
    cid_version: int = 0
    max_batch: int | None = None
    keys_dir: Path | None = None
    #: called with each file as it is hashed: its ISCC codes for ``file.contentCodes`` (or None), e.g.
    #: the CLI's near-duplicate check (:func:`copyright_hub.commands.similar.near_duplicate_check`)
    content_codes: Callable[[Path], dict[str, Any] | None] | None = None


def default_journal(source: Path) -> Path:
    """Where a run over ``source`` keeps its journal by default."""
    base = source if source.is_dir() else source.parent
    return base / STATE_DIR / "register-many.jsonl"


def register_catalogue(
    hub: Hub,
    store: ContentStore,
    items: list[Item],
    journal: Journal,
    options: Options | None = None,
    progress: Progress | None = None,
) -> BatchResult:
    """Prepare, check and register ``items`` (see the module docstring); never raises for one file."""
    options = options or Options()
    tick = progress or (lambda _phase, _n: None)
    started = time.monotonic()
    if hub.account is None:
        raise ConfigurationError("registering needs the studio's key: give the Hub an account")
    account = hub.account.address
    _check_journal(hub, journal, account)
    result = BatchResult(items)
    try:
        _prepare_all(store, items, journal, options, tick)
        _settle_sent(hub, journal)
        _check_chain(hub, items, journal, account)
        _register(hub, items, journal, account, options, result, tick)
    except BatchStopped as exc:
        result.stopped = str(exc)
    except OSError as exc:
        if not _is_full(exc):
            raise
        result.stopped = f"the disk is full ({exc.filename or 'writing'}); free some space and run again"
    for item in items:
        if item.status == "pending":
            _fail(item, NOT_DONE, result.stopped or "not registered")
    result.seconds = time.monotonic() - started
    return result


def _check_journal(hub: Hub, journal: Journal, account: str) -> None:
    here = {"chain_id": hub.w3.eth.chain_id, "registry": hub.registry.address, "account": account}
    for rec in journal.of("run"):
        if {k: rec.get(k) for k in here} != here:
            raise JournalMismatch(
                f"the journal {journal.path} is of a run on chain {rec.get('chain_id')}, registry "
                f"{rec.get('registry')}, account {rec.get('account')}; give this run its own --journal"
            )
        return
    journal.append({"k": "run", **here})


def _prepared(journal: Journal) -> dict[str, dict[str, Any]]:
    return {r["file"]: r for r in journal.of("prepared")}


def _prepare_all(store: ContentStore, items: list[Item], journal: Journal, options: Options, tick: Progress) -> None:
    done = _prepared(journal)
    seen: dict[bytes, Item] = {}
    for item in items:
        if item.status == "pending":
            try:
                _prepare(store, item, journal, options, done.get(str(item.path.resolve())))
            except BatchStopped:
                raise
            except OSError as exc:
                if _is_full(exc):
                    raise
                _fail(item, FAILED, f"cannot read {item.path}: {exc.strerror or exc}")
            except HubError as exc:
                _fail(item, FAILED, f"{item.path.name}: {exc}")
        if item.status == "pending" and item.sha256 is not None:
            first = seen.setdefault(item.sha256, item)
            if first is not item:
                _fail(item, DUPLICATE, f"same content as {first.path} (sha256 0x{item.sha256.hex()}); registered once")
        tick("prepare", 1)


def _prepare(
    store: ContentStore, item: Item, journal: Journal, options: Options, before: dict[str, Any] | None
) -> None:
    from .content import publish
    from .content.cid import open_regular_file

    assert item.row is not None and item.row.metadata is not None
    with open_regular_file(item.path) as fh:  # missing, a folder, unreadable: an OSError naming the file
        st = os.fstat(fh.fileno())
    same = before is not None and before["size"] == st.st_size and before["mtime_ns"] == st.st_mtime_ns
    if same and before is not None and before["encrypted"] == options.encrypt:
        digest, cid, key_file = bytes.fromhex(before["sha256"]), before["cid"], before.get("key_file")
        if not store.has(cid) and (options.encrypt or options.publish_master):
            same = False  # the public copy is gone: make it again
    else:
        same = False
    codes = (before or {}).get("codes") if same else None
    if not same:
        digest, cid, key_file = _stream(store, item.path, options)
        codes = options.content_codes(item.path) if options.content_codes else None
    elif options.publish_master and not options.encrypt:
        publish(store, cid)
    file = {"name": item.path.name, "size": st.st_size, "sha256": "0x" + digest.hex()}
    meta = replace(item.row.metadata, file={**file, "contentCodes": codes} if codes else file)
    if item.row.metadata.file is not None:  # a whole document from the sidecar: kept as given
        meta = item.row.metadata
    metadata_cid = store_metadata(store, meta, options.cid_version)
    item.sha256, item.content_cid, item.metadata_cid, item.key_file = digest, cid, metadata_cid, key_file
    if not same or (before or {}).get("metadata_cid") != metadata_cid:
        journal.append({
            "k": "prepared", "file": str(item.path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "encrypted": options.encrypt, "sha256": digest.hex(), "cid": cid, "key_file": key_file,
            "metadata_cid": metadata_cid, "codes": codes,
        })  # fmt: skip


def _stream(store: ContentStore, path: Path, options: Options) -> tuple[bytes, str, str | None]:
    """One pass over the file: (sha256, CID registered, content key file or None)."""
    from .content import new_content_key, publish
    from .content.cid import open_regular_file
    from .content.crypto import encrypt_stream
    from .verify import _HashingReader, digest_and_cid

    if options.encrypt:
        if options.keys_dir is None:
            raise ConfigurationError("an encrypted run needs a folder for its content keys (keys_dir)")
        key = new_content_key()
        options.keys_dir.mkdir(parents=True, exist_ok=True)
        tmp = options.keys_dir / f".{path.name}.{os.getpid()}.chem.partial"
        try:
            with open_regular_file(path) as fin, open(tmp, "wb") as fout:
                made = encrypt_stream(fin, fout, key)
            key_file = options.keys_dir / f"{made.plaintext_sha256}.key"
            if not key_file.exists():  # the key is on disk before anything names its ciphertext
                atomic_write(key_file, (key.hex() + "\n").encode())
            else:
                key = bytes.fromhex(key_file.read_text().strip())
                with open_regular_file(path) as fin, open(tmp, "wb") as fout:
                    encrypt_stream(fin, fout, key)
            cid = store.add(tmp, options.cid_version)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        publish(store, cid)  # ciphertext is public
        return bytes.fromhex(made.plaintext_sha256), str(cid), str(key_file)
    if options.publish_master:
        with open_regular_file(path) as fh:
            reader = _HashingReader(fh)
            cid = store.add(reader, options.cid_version)  # type: ignore[arg-type]
        publish(store, cid)  # the studio asked for its plaintext master to be public
        return reader.sha256.digest(), str(cid), None
    digest, c = digest_and_cid(path, options.cid_version)
    return digest, str(c), None


def _settle_sent(hub: Hub, journal: Journal) -> None:
    """Wait for each journaled transaction that has no outcome yet (sent before a kill, maybe still
    pending); the chain check after it then sees what it registered."""
    from web3.exceptions import TimeExhausted, TransactionNotFound

    settled = {r["tx"] for r in journal.of("mined")}
    for rec in list(journal.of("sending")):
        if rec["tx"] in settled:
            continue
        try:
            hub.w3.eth.get_transaction(rec["tx"])
        except TransactionNotFound:
            journal.append({"k": "mined", "tx": rec["tx"], "status": "dropped"})
            continue
        try:
            receipt = hub.w3.eth.wait_for_transaction_receipt(rec["tx"], timeout=120)
        except TimeExhausted:
            raise BatchStopped(
                f"transaction {rec['tx']} from an earlier run is still pending; wait for it to be mined "
                "(or replace it) and run again"
            ) from None
        _record_receipt(hub, journal, rec, receipt)


def _record_receipt(hub: Hub, journal: Journal, sending: dict[str, Any], receipt: Any) -> dict[str, tuple[int, int]]:
    """Journal a batch's outcome; returns digest hex -> (work id, gas share)."""
    from web3.logs import DISCARD

    event = hub.registry.events.WorkRegistered()
    events = event.process_receipt(receipt, errors=DISCARD) if receipt["status"] == 1 else []
    shares = gas_shares(int(receipt["gasUsed"]), sending["estimates"])
    by_digest = {bytes(e["args"]["contentDigest"]).hex(): int(e["args"]["workId"]) for e in events}
    found = {d: (by_digest[d], g) for d, g in zip(sending["sha256"], shares, strict=True) if d in by_digest}
    journal.append({
        "k": "mined", "tx": sending["tx"], "status": "ok" if receipt["status"] == 1 else "reverted",
        "block": int(receipt["blockNumber"]), "gas_used": int(receipt["gasUsed"]),
        "works": {d: [w, g] for d, (w, g) in found.items()},
    })  # fmt: skip
    return found


def _check_chain(hub: Hub, items: list[Item], journal: Journal, account: str) -> None:
    from .hub import Work

    known: dict[str, tuple[str, int]] = {}  # digest hex -> (tx, gas share) from journaled receipts
    for rec in journal.of("mined"):
        for digest, (_work, gas) in rec.get("works", {}).items():
            known[digest] = (rec["tx"], gas)
    for item in items:
        if item.status != "pending" or item.sha256 is None:
            continue
        work_id = hub.work_id_by_digest(item.sha256)
        if not work_id:
            continue
        owner = Work.__struct__.from_abi(hub.registry.functions.getWork(work_id).call())["owner"]
        item.work_id = work_id
        if Web3.to_checksum_address(owner) == account:
            item.status = DONE_BEFORE
            item.tx_hash, item.gas = known.get(item.sha256.hex(), (None, None))
        else:
            _fail(item, HELD, f"already registered as work {work_id} by {owner}; not registered again")


def _input(item: Item) -> WorkInput:
    assert item.row is not None and item.row.metadata is not None
    assert item.sha256 is not None and item.content_cid and item.metadata_cid
    return WorkInput(
        item.sha256, item.content_cid, item.metadata_cid, item.row.metadata.chain_work_type,
        item.row.royalty_bps, item.row.splits,
    )  # fmt: skip


def _register(
    hub: Hub, items: list[Item], journal: Journal, account: str, options: Options, result: BatchResult, tick: Progress
) -> None:
    pending = [i for i in items if i.status == "pending"]
    for item in items:
        if item.status != "pending":
            tick("register", 1)
    for item in list(pending):  # each alone: its own estimate (its gas weight) and its own revert, if any
        try:
            item.estimate = hub.estimate_registration([_input(item)], account)
        except HubError as exc:
            _fail(item, FAILED, f"{item.path.name}: {exc}")
            pending.remove(item)
            tick("register", 1)
    if pending and hub.uses_commit_reveal():
        _register_committed(hub, pending, journal, result, tick)
        return
    block_limit = int(hub.w3.eth.get_block("latest")["gasLimit"])
    max_batch = int(hub.registry.functions.MAX_BATCH().call())
    if options.max_batch:
        max_batch = min(max_batch, options.max_batch)
    while pending:
        batch: list[Item] = []
        guess = 0  # singles' estimates, less the intrinsic cost a batch pays once; then estimated for real
        for item in pending:
            more = item.estimate - (INTRINSIC_GAS if batch else 0)
            if batch and (len(batch) >= max_batch or gas_limit_for(guess + more) > block_limit):
                break
            batch.append(item)
            guess += more
        while (
            len(batch) > 1
            and gas_limit_for(hub.estimate_registration([_input(i) for i in batch], account)) > block_limit
        ):
            batch = batch[: len(batch) * 3 // 4]
        _send(hub, batch, journal, account, result)
        for item in batch:
            pending.remove(item)
            tick("register", 1)


def _send(hub: Hub, batch: list[Item], journal: Journal, account: str, result: BatchResult) -> None:
    from .chain import send_transaction

    digests = [i.sha256.hex() for i in batch if i.sha256 is not None]
    sending: dict[str, Any] = {"k": "sending", "sha256": digests, "estimates": [i.estimate for i in batch]}
    data = hub.registry.encode_abi("registerWorks", args=[[_input(i).to_abi(account) for i in batch]])
    tx = {"from": account, "to": hub.registry.address, "data": data, "value": 0}

    def journaled(tx_hash: str) -> None:
        sending["tx"] = tx_hash
        journal.append(sending)

    try:
        assert hub.account is not None
        receipt = send_transaction(hub.w3, hub.account, tx, on_signed=journaled)
    except HubError as exc:
        if isinstance(exc, BatchStopped):
            raise
        for item in batch:  # e.g. another run registered one meanwhile: each is looked at again next run
            _fail(item, FAILED, f"{item.path.name}: the batch was refused: {exc}")
        return
    found = _record_receipt(hub, journal, sending, receipt)
    result.transactions.append(sending["tx"])
    result.gas_used += int(receipt["gasUsed"])
    for item in batch:
        work_id, gas = found[item.sha256.hex()]  # type: ignore[union-attr]
        item.status, item.work_id, item.tx_hash, item.gas = REGISTERED, work_id, sending["tx"], gas


def _register_committed(hub: Hub, pending: list[Item], journal: Journal, result: BatchResult, tick: Progress) -> None:
    """Commit to every pending work in one transaction, then reveal them (the Hub's commit journal in
    ``commits/`` beside this run's journal keeps the salt; a run started again resumes it)."""
    from .commit_reveal import CommitJournal

    if hub.commit_journal is None:
        hub.commit_journal = CommitJournal(journal.path.parent / "commits")
    try:
        registrations = hub.register_committed([_input(i) for i in pending])
    except HubError as exc:
        for item in pending:  # the commitment (if made) is kept: the next run resumes it
            _fail(item, FAILED, f"{item.path.name}: commit-reveal registration was refused: {exc}")
            tick("register", 1)
        return
    for item, reg in zip(pending, registrations, strict=True):
        item.status, item.work_id, item.tx_hash, item.gas = REGISTERED, reg.work_id, reg.tx_hash, reg.gas_used
        tick("register", 1)
    for tx in dict.fromkeys(r.tx_hash for r in registrations if r.tx_hash):
        result.transactions.append(tx)
        result.gas_used += int(hub.w3.eth.get_transaction_receipt(HexStr(tx))["gasUsed"])


def iter_problems(result: BatchResult) -> Iterable[Item]:
    return (i for i in result.items if i.status not in (REGISTERED, DONE_BEFORE))


__all__ = [
    "COLUMNS",
    "SIDECAR_NAMES",
    "STATUSES",
    "BatchError",
    "BatchResult",
    "BatchStopped",
    "Item",
    "Journal",
    "JournalMismatch",
    "Options",
    "Row",
    "default_journal",
    "gas_shares",
    "parse_split",
    "plan",
    "read_sidecar",
    "register_catalogue",
]
