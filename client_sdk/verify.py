"""Independent verification for auditors: the deployment, then a file against its registration,
straight from the chain.

Nothing here reads the hub's database: the work comes from the registry contract and its events,
the digest and CID are recomputed from the file (streaming, one pass for sha256 and CID).

Before anything is read through a deployment it is checked (:func:`verify_deployment`): at each
address, the committed artifact's runtime code (immutables masked, each immutable one value), created
by a transaction that ran the committed creation code, and the contracts naming each other
(:data:`LINKS`). A deployment can come from a manifest file, from a hub's ``GET /deployment``
(:func:`deployment_from_hub`, whose served ABIs and hashes must equal the committed ones) or from
the registry address alone (:func:`deployment_from_registry`, which finds the rest on chain). Any
disagreement raises :class:`~client_sdk.errors.DeploymentMismatch` naming the contract and why.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import httpx
from eth_utils import to_checksum_address
from hexbytes import HexBytes
from pydantic import ValidationError
from web3 import Web3
from web3.exceptions import TransactionNotFound

from ._config import DEFAULT_HTTP_TIMEOUT
from .artifacts import load_artifact
from .chain import read_logs
from .content.cid import CID, import_stream, open_regular_file
from .deploy import DEPLOY_PLAN, WIRING
from .errors import ChainIdMismatch, ConfigurationError, DeploymentMismatch
from .hub import Hub, Work
from .manifest import ContractDeployment, Deployment


@dataclass(frozen=True)
class Check:
    name: str
    expected: str
    actual: str

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


@dataclass(frozen=True)
class Verification:
    """What was checked and whether every check held. ``work`` is None when the file is unregistered."""

    work: Work | None
    sha256: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.work is not None and all(c.ok for c in self.checks)


class _HashingReader:
    """Wraps a binary stream; every byte read also goes into a sha256."""

    def __init__(self, inner: BinaryIO) -> None:
        self.inner = inner
        self.sha256 = hashlib.sha256()

    def readinto(self, buf: Any) -> int:
        n = self.inner.readinto(buf)  # type: ignore[attr-defined]
        if n:
            self.sha256.update(memoryview(buf)[:n])
        return int(n or 0)


def digest_and_cid(
    path: str | os.PathLike[str], cid_version: int = 0, on_progress: Callable[[int], None] | None = None
) -> tuple[bytes, CID]:
    """sha256 and the ``ipfs add`` CID of a file, in one streaming pass."""
    with open_regular_file(path) as fh:
        reader = _HashingReader(fh)
        result = import_stream(reader, cid_version, on_progress=on_progress)  # type: ignore[arg-type]
    return reader.sha256.digest(), result.cid


def verify_file(
    hub: Hub,
    path: str | os.PathLike[str],
    work_id: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Verification:
    """Check a file against the chain: its sha256 is registered (as ``work_id`` if given), and the
    registered content CID is the file's CID. Raises :class:`~client_sdk.errors.WorkNotFound` for an
    unknown ``work_id``."""
    digest, cid_v0 = digest_and_cid(path, 0, on_progress)
    sha = "0x" + digest.hex()
    found = hub.work_id_by_digest(digest)
    target = work_id if work_id is not None else found
    if not target:
        return Verification(None, sha, [Check("registered", "a work for this sha256", "none")])
    work = hub.get_work(target)
    checks = [Check("content sha256", "0x" + work.content_digest.hex(), sha)]
    if work_id is not None:
        checks.append(Check("work registered for this sha256", str(work_id), str(found)))
    registered = work.content_cid
    try:
        version = CID.parse(registered).version
    except Exception:
        version = 0
    actual_cid = cid_v0 if version == 0 else digest_and_cid(path, 1)[1]
    if str(actual_cid) != registered and work.content_digest == digest and _is_ciphertext(hub, registered):
        # an encrypted master: the sha256 binds this file, the CID the ciphertext the gateway serves
        checks.append(Check("content CID (ciphertext of this encrypted master)", registered, registered))
    else:
        checks.append(Check("content CID", registered, str(actual_cid)))
    return Verification(work, sha, checks)


def _is_ciphertext(hub: Hub, cid: str) -> bool:
    """True when the content store (the Hub's, else the default local one) holds ``cid`` as an
    encrypted master (its bytes open with the ciphertext header's magic and version)."""
    from ._config import default_content_dir
    from .content import ContentError, LocalBlockStore
    from .content.crypto import MAGIC, VERSION

    store = hub.store
    if store is None and default_content_dir().is_dir():
        store = LocalBlockStore(default_content_dir())
    if store is None:
        return False
    head = MAGIC + bytes((VERSION,))
    try:
        return bool(store.has(cid)) and b"".join(store.cat(cid, 0, len(head))) == head
    except (ContentError, ValueError):
        return False


# -- the deployment ---------------------------------------------------------------------------------

#: Contracts that name each other on chain: (contract, its view function, the contract it must return).
LINKS: tuple[tuple[str, str, str], ...] = (
    ("WorkRegistry", "licenceMarket", "LicenceMarket"),
    ("WorkRegistry", "disputeResolver", "DisputeResolver"),
    ("LicenceMarket", "registry", "WorkRegistry"),
    ("DisputeResolver", "registry", "WorkRegistry"),
    ("DisputeResolver", "market", "LicenceMarket"),
    ("EvidenceLog", "registry", "WorkRegistry"),
    ("LicenceMarket", "rules", "DistributionRules"),
    ("DistributionRules", "registry", "WorkRegistry"),
)


def _contract(w3: Web3, name: str, address: str) -> Any:
    return w3.eth.contract(address=to_checksum_address(address), abi=load_artifact(name).abi)


def check_code(w3: Web3, name: str, address: str) -> bytes:
    """The code at ``address`` if it is the committed ``name`` artifact's; else :class:`DeploymentMismatch`."""
    code = bytes(w3.eth.get_code(to_checksum_address(address)))
    reason = load_artifact(name).code_mismatch(code)
    if reason:
        raise DeploymentMismatch(name, address, reason)
    return code


def _check_creation(w3: Web3, name: str, entry: ContractDeployment) -> None:
    """The manifest's deployment transaction created this address by running the committed creation code."""
    try:
        tx = w3.eth.get_transaction(HexBytes(entry.tx_hash))
        receipt = w3.eth.get_transaction_receipt(HexBytes(entry.tx_hash))
    except (TransactionNotFound, ValueError):
        raise DeploymentMismatch(name, entry.address, f"its deployment transaction {entry.tx_hash} is not on this chain") from None
    created = receipt.get("contractAddress")
    if not created or to_checksum_address(created) != to_checksum_address(entry.address):
        raise DeploymentMismatch(name, entry.address, f"transaction {entry.tx_hash} did not create this contract")
    if receipt["blockNumber"] != entry.block_number:
        raise DeploymentMismatch(
            name, entry.address, f"it was created in block {receipt['blockNumber']}, not {entry.block_number}"
        )
    if load_artifact(name).constructor_args(bytes(tx["input"])) is None:
        raise DeploymentMismatch(
            name, entry.address, f"transaction {entry.tx_hash} did not run the committed creation code"
        )


def verify_deployment(w3: Web3, deployment: Deployment) -> Deployment:
    """Check ``deployment`` against this chain and the committed artifacts before anything is read
    through it; return it. Raises :class:`ChainIdMismatch` or :class:`DeploymentMismatch`."""
    chain_id = w3.eth.chain_id
    if chain_id != deployment.chain_id:
        raise ChainIdMismatch(deployment.chain_id, chain_id, "the deployment")
    for step in DEPLOY_PLAN:
        entry = deployment.contracts.get(step.name)
        if entry is None:
            raise DeploymentMismatch(step.name, "(none)", "the deployment does not name this contract")
        artifact = load_artifact(step.name)
        if entry.artifact_sha256 != artifact.sha256:
            raise DeploymentMismatch(
                step.name,
                entry.address,
                f"the deployment names artifact sha256 {entry.artifact_sha256}, the committed build is {artifact.sha256}",
            )
        check_code(w3, step.name, entry.address)
        _check_creation(w3, step.name, entry)
    for name, getter, target in LINKS:
        fn = getattr(_contract(w3, name, deployment.address(name)).functions, getter, None)
        if fn is None:  # the ABI dropped this link; tests/sdk hold LINKS against the artifacts
            continue
        named = to_checksum_address(fn().call())
        if named != to_checksum_address(deployment.address(target)):
            raise DeploymentMismatch(
                name, deployment.address(name), f"its {getter}() is {named}, not the {target} at {deployment.address(target)}"
            )
    return deployment


def deployment_from_hub(hub_url: str, timeout: float = DEFAULT_HTTP_TIMEOUT) -> Deployment:
    """The deployment a hub's API serves at ``GET /deployment``, its ABIs and artifact hashes held
    against the committed artifacts (check its code with :func:`verify_deployment` before use)."""
    url = hub_url.rstrip("/") + "/deployment"
    try:
        reply = httpx.get(url, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise ConfigurationError(f"cannot reach the hub at {url}: {exc}; check --hub") from None
    if reply.status_code != 200:
        raise ConfigurationError(f"{url} answered HTTP {reply.status_code}; check --hub (or pass --rpc and --registry)")
    try:
        data = reply.json()
        deployment = Deployment.model_validate(data)
    except (ValueError, ValidationError) as exc:
        raise ConfigurationError(f"{url} did not serve a deployment ({str(exc).splitlines()[0]}); check --hub") from None
    for name, entry in data["contracts"].items():
        try:
            artifact = load_artifact(name)
        except ConfigurationError:
            continue  # a contract this client does not know is not read
        if entry.get("abi") is not None and entry["abi"] != artifact.abi:
            raise DeploymentMismatch(name, str(entry.get("address")), f"{url} serves an ABI that differs from the committed build")
    return deployment


def _role_grants() -> list[tuple[str, str, str]]:
    """(granting contract, role function, grantee contract) for each ``grantRole`` of the deploy's WIRING,
    found by calling the wiring's arguments with contract names in place of addresses."""
    names = {step.name: step.name for step in DEPLOY_PLAN}
    grants = []
    for call in WIRING:
        if call.function != "grantRole":
            continue
        role, grantee = call.args(names, "")
        for entry in load_artifact(call.contract).abi:
            is_role = entry.get("type") == "function" and not entry["inputs"] and entry["name"].endswith("_ROLE")
            if is_role and bytes(Web3.keccak(text=entry["name"])) == role:
                grants.append((call.contract, entry["name"], grantee))
    return grants


#: Contracts nothing links to, found by the event their constructor emits naming a contract already
#: found: (contract, its creation event, the event's indexed address argument's contract).
CREATION_EVENTS: tuple[tuple[str, str, str], ...] = (("EvidenceLog", "EvidenceLogCreated", "WorkRegistry"),)


def _created_by(w3: Web3, name: str, address: str, from_block: int, head: int) -> ContractDeployment:
    """Find the transaction that created ``address``: the contract's first log (every hub constructor
    emits one: its admin's ``RoleGranted``, the evidence log's ``EvidenceLogCreated``) names it, and the
    receipt confirms it."""
    contract = _contract(w3, name, address)
    logs = read_logs(w3, {"address": contract.address}, from_block, head, first_only=True)
    if not logs:
        raise DeploymentMismatch(name, address, "no creation of this contract was found on this chain")
    entry = ContractDeployment(
        address=contract.address,
        tx_hash=HexBytes(logs[0]["transactionHash"]).to_0x_hex(),
        block_number=int(logs[0]["blockNumber"]),
        artifact_sha256=load_artifact(name).sha256,
    )
    _check_creation(w3, name, entry)
    return entry


def deployment_from_registry(w3: Web3, registry: str, from_block: int = 0) -> Deployment:
    """The whole deployment, found from the registry address alone: its code is checked first, then
    each contract is what a contract already found names (:data:`LINKS`: ``licenceMarket()``,
    ``disputeResolver()``), or failing that the contract it granted a wiring role to (its
    ``RoleGranted`` logs), or the contract whose constructor event names one found
    (:data:`CREATION_EVENTS`: the evidence log, created by the registry's deployer); each one's code is
    checked and its creation transaction is found by its constructor's first event."""
    if not Web3.is_address(registry):
        raise ConfigurationError(f"--registry {registry!r} is not an address (0x and 40 hex digits)")
    check_code(w3, "WorkRegistry", registry)
    head = w3.eth.block_number
    entries = {"WorkRegistry": _created_by(w3, "WorkRegistry", registry, from_block, head)}
    start = entries["WorkRegistry"].block_number
    found = True
    while found:  # follow the links of what is found until nothing new is named
        found = False
        for name, getter, target in LINKS:
            fn = getattr(_contract(w3, name, entries[name].address).functions, getter, None) if name in entries else None
            if target in entries or fn is None:
                continue
            address = to_checksum_address(fn().call())
            check_code(w3, target, address)
            entries[target], found = _created_by(w3, target, address, start, head), True
    for granter, role_fn, grantee in _role_grants():
        if grantee in entries or granter not in entries:
            continue
        source = _contract(w3, granter, entries[granter].address)
        role = getattr(source.functions, role_fn)().call()
        topic = source.events.RoleGranted().topic
        for log in read_logs(w3, {"address": source.address, "topics": [topic, HexBytes(role).to_0x_hex()]}, start, head):
            account = to_checksum_address(source.events.RoleGranted().process_log(log)["args"]["account"])
            if load_artifact(grantee).code_matches(bytes(w3.eth.get_code(account))):
                entries[grantee] = _created_by(w3, grantee, account, start, head)
                break
    deployer = to_checksum_address(w3.eth.get_transaction(HexBytes(entries["WorkRegistry"].tx_hash))["from"])
    for name, event_name, named in CREATION_EVENTS:
        if name in entries or named not in entries:
            continue
        event = _contract(w3, name, entries[named].address).events[event_name]()
        wanted = "0x" + bytes(12).hex() + entries[named].address[2:].lower()
        for log in read_logs(w3, {"topics": [event.topic, wanted]}, start, head):
            candidate = to_checksum_address(log["address"])
            # anyone may deploy another log on this registry: the deployment's is the registry deployer's
            creator = w3.eth.get_transaction(log["transactionHash"])["from"]
            if to_checksum_address(creator) == deployer and load_artifact(name).code_matches(bytes(w3.eth.get_code(candidate))):
                entries[name] = _created_by(w3, name, candidate, start, head)
                break
    missing = [step.name for step in DEPLOY_PLAN if step.name not in entries]
    if missing:
        raise DeploymentMismatch(missing[0], "(none)", f"registry {registry} leads to no {missing[0]} on this chain")
    return Deployment(
        chain_id=w3.eth.chain_id,
        deployer=deployer,
        deploy_block=min(e.block_number for e in entries.values()),
        contracts=entries,
    )
