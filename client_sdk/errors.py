"""The one error tree of the hub's Python code, rooted at :class:`HubError`.

Every error the SDK, the content package, the indexer, the devnet launcher and the CLI raise on
purpose is a :class:`HubError`; where a builtin fits, the error also subclasses it (catch
``LookupError`` or ``HubError``, whichever reads better). Each message says what to do next.

* HubError
  * ConfigurationError (ValueError) -- a setting or argument is missing or malformed
    * ManifestError -- a deployment manifest is unreadable or malformed
    * PdfUnavailable -- ``client_sdk.audit.certificate``: no fpdf2 or no CJK font for a PDF certificate
  * ChainUnavailable (ConnectionError) -- the EVM JSON-RPC endpoint did not answer
  * ChainIdMismatch -- a manifest or setting names another chain than the RPC serves
  * DeploymentNotFound (LookupError) -- no hub deployment on this chain
  * DeploymentMismatch -- ``client_sdk.verify``: code at a deployment's address is not the committed build
    (or a manifest/``GET /deployment`` disagrees with the artifacts): do not trust it
  * InvalidReport (ValueError) -- ``client_sdk.report``: an audit report file is unreadable or malformed
  * TransactionFailed -- mined but failed without a decodable reason, or never mined
  * ContractRevert -- a contract refused with a custom error (``error_name``, ``args_by_name``)
    * WorkNotFound (LookupError), OfferNotFound (LookupError), LicenceNotFound (LookupError)
    * WorkAlreadyRegistered -- names the work that holds the file
    * NotWorkOwner (PermissionError), AccessDenied (PermissionError)
    * WorkNotActive, PriceAboveMax, LicenceConflict, SignedOfferRejected
    * RequirementNotMet -- a sale misses a territory's distribution requirement (names territory and kind)
  * InvalidMetadata (ValueError) -- ``client_sdk.metadata``: a work metadata document breaks the schema
    * MetadataTooLarge, MetadataMismatch (the bytes do not hash to the CID)
  * MetadataNotStored (LookupError) -- ``client_sdk.metadata``: a registration names metadata the store lacks
  * SourceNotAllowed (PermissionError) -- ``client_sdk.evidence``: a URL to capture is outside the allow list
  * CaptureFailed -- ``client_sdk.evidence``: a file to capture is unreadable or a URL's fetch failed (nothing recorded)
  * EvidenceNotFound (LookupError) -- ``client_sdk.evidence``: no evidence record with that id
  * ContentError -- ``client_sdk.content.errors``: CIDs, stores, CAR files, encryption
    * InvalidCID, UnsupportedHash, NotAFile, MalformedDAG, CarError (ValueError)
    * BlockNotFound (LookupError), CorruptBlock, StoreUnavailable (ConnectionError)
    * NotPublishable (TypeError) -- a store that keeps no record of what the gateway may serve
    * InvalidISCC, MediaError (ValueError) -- ``client_sdk.content.iscc``: a code that is not a usable
      ISCC unit; a file ffmpeg cannot read as video, audio or image, or zero-length media
    * MediaToolMissing (FileNotFoundError) -- no ffmpeg/ffprobe, so no Content-Code
    * CryptoError -- WrongKey, TamperedCiphertext, TruncatedCiphertext (ValueError)
    * SiweError (ValueError) -- ``client_sdk.content.siwe``: MalformedMessage, InvalidSignature,
      SignerMismatch (PermissionError)
  * IndexerError -- ``indexer.errors``: the chain-to-SQL mirror
    * DeepReorgError, DatabaseUnavailable, ManifestMismatch, WriterLockLost
    * UnsupportedDatabase (ValueError) -- a database URL that is neither SQLite nor PostgreSQL
    * ProjectionFailed -- an event's table declarations did not fit it (strict mode: the tests)
    * RpcUnavailable -- the RPC kept failing after the configured retries
    * RpcCallError -- ``indexer._rpc``: the node answered with an error retrying will not fix
    * RetryableRpcError (ValueError) -- ``indexer._rpc``: rate limited; retried with back-off
  * DevnetError -- ``copyright_hub.devnet``: the local anvil could not be started, stopped or read

Contract reverts come back as :class:`ContractRevert` subclasses named after the contract's custom
error (``WorkAlreadyRegistered`` -> :class:`WorkAlreadyRegistered`), carrying the decoded arguments
and, for the errors a user meets, a hint saying what to do (:data:`REVERT_HINTS`);
:func:`client_sdk.reverts.decode_revert` is the one place that maps revert data to these classes.
The CLI shows any :class:`HubError` as one line and exits with code 1.
"""

from __future__ import annotations

import functools
from typing import Any


class HubError(Exception):
    """Root of every error the hub's Python code raises on purpose (see the tree above)."""


class ConfigurationError(HubError, ValueError):
    """A setting or argument is missing or malformed (the message names it and how to fix it)."""


class ChainUnavailable(HubError, ConnectionError):
    """The EVM JSON-RPC endpoint did not answer."""

    def __init__(self, rpc_url: str, reason: str) -> None:
        self.rpc_url = rpc_url
        self.reason = reason
        super().__init__(
            f"cannot reach the chain at {rpc_url}: {reason}. Start the devnet with "
            "`copyright-hub devnet up`, or pass --rpc with a reachable EVM JSON-RPC URL."
        )


class ChainIdMismatch(HubError):
    """A manifest or setting names another chain than the one the RPC serves."""

    def __init__(self, expected: int, actual: int, source: str) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"{source} is for chain id {expected} but the RPC serves chain id {actual}; "
            "point --rpc at the right chain or use that chain's manifest."
        )


class ManifestError(HubError, ValueError):
    """A deployment manifest is unreadable or malformed."""


class DeploymentNotFound(HubError, LookupError):
    """No deployment of the hub is known for this chain (or its code is gone from the chain)."""

    def __init__(self, chain_id: int, detail: str) -> None:
        self.chain_id = chain_id
        super().__init__(f"no hub deployment on chain {chain_id}: {detail}. Run `copyright-hub deploy`.")


class DeploymentMismatch(HubError):
    """What a deployment names is not the committed build: other code at an address, an artifact hash
    or ABI that differs, or contracts that do not point at each other. Nothing read through it is trusted.

    Attributes: ``contract`` (artifact name), ``address``, ``reason``.
    """

    def __init__(self, contract: str, address: str, reason: str) -> None:
        self.contract = contract
        self.address = address
        self.reason = reason
        super().__init__(
            f"{contract} at {address} is not the committed build: {reason}. Do not trust this deployment; "
            "check the --hub, --registry or manifest you were given, and that your client is current"
        )


class InvalidReport(HubError, ValueError):
    """An audit report file is unreadable, malformed or of an unknown format (the message says which)."""


class TransactionFailed(HubError):
    """A transaction was mined but failed without a decodable reason, or was never mined."""

    def __init__(self, message: str, tx_hash: str | None = None) -> None:
        self.tx_hash = tx_hash
        super().__init__(message)


class ContractRevert(HubError):
    """A contract refused a call with a custom error.

    Attributes:
        error_name: the Solidity custom error's name.
        args: its decoded arguments by parameter name.
        tx_hash: the transaction, when one was sent.
    """

    def __init__(self, error_name: str, args: dict[str, Any], tx_hash: str | None = None) -> None:
        self.error_name = error_name
        self.args_by_name = args
        self.tx_hash = tx_hash
        shown = ", ".join(f"{k}={_show(v)}" for k, v in args.items())
        self.hint = revert_hint(error_name, args)
        super().__init__(f"{error_name}({shown})" + (f": {self.hint}" if self.hint else ""))


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return repr(value)


#: The roles of the hub's contracts, named so a refusal shows the role, not its hash.
_ROLES = (
    "REVIEWER_ROLE",
    "STATUS_ROLE",
    "PAUSER_ROLE",
    "REVOKER_ROLE",
    "ARBITER_ROLE",
    "ARBITER_ADMIN_ROLE",
    "SEALED_ROLE",
)


@functools.cache
def role_names() -> dict[bytes, str]:
    """The roles of the hub's contracts by their id (keccak256 of the name; the admin role is zero).

    Built on first use: hashing needs eth_utils, which this module, imported by every CLI command, does
    not load at import time (``ROLE_NAMES`` stays available as a module attribute)."""
    from eth_utils import keccak

    return {b"\0" * 32: "DEFAULT_ADMIN_ROLE", **{keccak(text=name): name for name in _ROLES}}


def __getattr__(name: str) -> Any:
    if name == "ROLE_NAMES":
        return role_names()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_WORK_STATUS_NAMES = ("active", "frozen", "disputed")
#: Errors whose ``status`` argument is a work status, shown by name.
_STATUS_ERRORS = {"WorkNotActive", "WorkNotDisputable", "ParentNotActive"}

#: What to do about a custom error, by its name; ``{arg}`` is the decoded argument of that name.
REVERT_HINTS: dict[str, str] = {
    "WorkAlreadyRegistered": "this file is already registered as work {existingWorkId}; "
    "see it with `copyright-hub verify {existingWorkId}` (nothing was sent)",
    "WorkNotFound": "no work {workId} on this chain; check the id, --rpc and the deployments folder",
    "NotWorkOwner": "work {workId} is owned by {owner}, not {caller}; sign with the owner's key "
    "(--keystore or --key-env)",
    "AccessControlUnauthorizedAccount": "{account} lacks {neededRole}; ask the contract's admin to grant it "
    "(Hub.grant_role)",
    "WorkNotActive": "work {workId} is {status}; nothing can be sold, offered or moved until it is active again",
    "OfferNotFound": "no offer {offerId} on this chain; check the id (`copyright-hub offer show ID`)",
    "LicenceNotFound": "no licence {licenceId} on this chain; check the id (`copyright-hub licence show ID`)",
    "PriceAboveMax": "the offer now costs {price}, above your maximum {maxPrice}; read it again and decide",
    "ExclusiveConflict": "exclusive licence {licenceId} already covers these rights and territories; "
    "choose other terms or wait until it ends",
    "CoverageConflict": "right bit {right} is licensed until {coveredUntil} (unix seconds); "
    "an exclusive licence must start after that",
    "TooManyExclusiveGrants": "the work has the most exclusive licences it may hold ({max}); wait until one ends",
    "SignatureExpired": "the signed offer's deadline {deadline} has passed; ask the seller to sign it again",
    "InvalidSignature": "the signature is from {recovered}, not the seller {seller}; ask the seller to sign it again",
    "NonceUnavailable": "the seller's nonce {nonce} was used or cancelled; ask the seller for a new signed offer",
    "StaleCounter": "the seller voided signatures of counter {counter} (now {current}); ask for a new signed offer",
    "SupplyExhausted": "the offer sold all {supplyCap} licences it may sell",
    "TermsEnded": "the offer's licences ended at {end} (unix seconds); ask the owner for a new offer",
    "OfferCancelledAlready": "offer {offerId} is cancelled; look for another offer on the work",
    "CurrencyNotAllowed": "{currency} is not an allowed currency; price in ETH or ask the admin to allow it",
    "NothingToWithdraw": "{account} has nothing to withdraw in {currency}",
    "LicenceNotTransferable": "licence {licenceId} cannot change hands: its terms keep it with the licensee, "
    "or it was revoked",
    "EthNotAccepted": "this call takes no ETH (sent {value} wei); send it again without value",
    "NotOfferBuyer": "the seller signed this offer for {buyer} only, not {caller}; ask the seller for an offer "
    "signed for your account",
    "CommitmentNotFound": "no commitment {commitment} by this account: commit first (Hub.commit_registration), "
    "and reveal with the same account, root and salt",
    "RevealTooEarly": "the commitment was made in block {committedBlock}; reveal from the next block on",
    "RevealWindowClosed": "the commitment's reveal window closed at {deadline} (unix seconds); commit again",
    "InvalidRevealProof": "work {index} (digest {contentDigest}) is not in the committed batch; reveal only "
    "committed files, with the proofs the commit made",
    "InvalidCommitment": "commitment {commitment} is zero or already made by this account; use a fresh salt",
    "OwnershipChanged": "work {workId} changed hands after the offer was signed (epoch {signedEpoch}, now "
    "{currentEpoch}); ask the current owner for a new signed offer",
    "AttestationRequired": "the offer requires a reviewer's approval of work {workId} (kind {kind}, territory "
    "{territory}); ask a reviewer to attest it first",
    "NoAdaptationRight": "registering a derivative of work {parentId} needs an adaptation licence on it "
    "held by {caller}; licence {licenceId} is not one",
    "InvalidWindow": "a licence must end after it starts (start {start}, end {end})",
    "InvalidRights": "rights mask {rights} is empty or has unknown bits; name at least one of the fifteen rights",
    "InvalidSupplyCap": "an exclusive offer sells exactly one licence: use supply cap 1 (got {supplyCap})",
    "InvalidTerritories": "territories must be ascending ISO 3166-1 numeric codes without repeats "
    "(code {code} at position {index} is not)",
    "SplitsSumMismatch": "the revenue splits add up to {sum} bps; they must add up to 10000",
    "LeadOwnerNotCaller": "the first split must be the registering account {caller}, not {lead}",
    "TooManyOwners": "{count} owners is more than the {max} a work may have",
    "RoyaltyTooHigh": "a royalty of {bps} bps is above the {max} bps allowed",
    "WrongPayment": "send exactly {expected} wei with this purchase (sent {sent})",
    "BondTooLow": "a dispute needs a bond of at least {minBond} wei (sent {sent})",
    "WorkNotDisputable": "work {workId} is {status}: a ruling already took it off the market; it takes no new disputes",
    "RulingPeriodOver": "dispute {disputeId}'s ruling period ended at {deadline} (unix seconds); it can only "
    "lapse now (Hub.lapse_dispute), which returns the bond",
    "RulingPeriodNotOver": "dispute {disputeId} awaits a ruling until {deadline} (unix seconds); it can lapse after that",
    "DisputeNotOpen": "dispute {disputeId} is already closed; read its outcome with getDispute",
    "AnswerPeriodOver": "dispute {disputeId}'s ruling period ended at {deadline} (unix seconds); it can no "
    "longer be answered, only lapse",
    "DisputeAlreadyAnswered": "dispute {disputeId} was already answered; an owner answers a dispute once",
    "InvalidOutcome": "outcome {outcome} is not a ruling here: rule 1 (upheld, frozen), 2 (upheld, transferred) or "
    "3 (rejected); revoke licences only when upholding, name splits only when transferring",
    "LeadNotNewOwner": "a transfer by ruling names the new owner {newOwner} first in its splits, not {lead}",
    "DuplicateOwner": "{account} is named twice among the owners (position {index}); name each owner once",
    "DuplicateParent": "parent work {parentId} is named twice; name each parent once",
    "ParentNotActive": "parent work {parentId} is {status}; a derivative can be registered once it is active again",
    "DisputeResolverAlreadySet": "the registry's dispute resolver is already {current} and cannot change; "
    "deploy a new registry to use another",
    "LicenceMarketAlreadySet": "the registry's licence market is already {current} and cannot change",
    "WorkIdOverflow": "work id {workId} would not fit 64 bits; this registry is full, deploy a new one",
    "AccessControlEnforcedDefaultAdminRules": "the default admin role moves only in two steps "
    "(beginDefaultAdminTransfer, then acceptDefaultAdminTransfer after the delay)",
    "AccessControlEnforcedDefaultAdminDelay": "the admin transfer can be accepted from {schedule} (unix seconds); wait until then",
    "SafeCastOverflowedUintDowncast": "a value does not fit {bits} bits ({value}); send a smaller one",
    "DisputeNotFound": "no dispute {disputeId} on this chain; check the id",
    "EnforcedPause": "the contract is paused by its admin; try again once it is unpaused",
    "EmptyDigest": "an evidence record needs the captured file's sha256; capture a file (nothing was sent)",
    "EmptySource": "an evidence record needs its source (a URL or file:NAME); nothing was sent",
    "RequirementNotMet": "selling work {workId} in territory {territory} needs a live attestation of kind {kind} "
    "(Hub.compliance shows which are missing); ask a reviewer to attest it, or license other territories",
    "NotRegulator": "{caller} does not regulate territory {territory}; ask the rules' admin (Hub.set_regulator)",
    "InvalidTerritoryCode": "territory {territory} is not an ISO 3166-1 numeric code (1..999)",
    "InvalidKind": "attestation kind {kind} needs a number from 1 and a non-empty name",
    "KindAlreadyDefined": "attestation kind {kind} is already defined; its meaning never changes, use a new number",
    "KindNotDefined": "attestation kind {kind} is not defined; define it first (Hub.define_kind)",
    "InvalidRequirementMasks": "a requirement needs a non-empty work type mask and a rights mask of the fifteen "
    "rights (got {workTypeMask}, {rightsMask})",
    "RequirementNotFound": "territory {territory} has no active requirement {requirementId} (Hub.requirements)",
    "TooManyRequirements": "territory {territory} already has {max} requirements; change or withdraw one",
    "TooManyRegulatedTerritories": "{max} territories already have requirements; territory {territory} cannot be added",
    "InvalidAttestationWindow": "an attestation's window must end after it starts (from {validFrom}, until {validUntil})",
    "CapturedInFuture": "the capture time {capturedAt} is more than 15 minutes after the chain's time "
    "{blockTime} (unix seconds); check this machine's clock",
}


#: ``AccessControlUnauthorizedAccount`` for a role under ``SEALED_ROLE``: there is nobody to ask.
_SEALED_HINT = (
    "{account} cannot change that role: it was sealed to the dispute resolver when the contracts were wired "
    "(SEALED_ROLE is held by nobody), and no admin can change it; work status changes and licence revocations "
    "happen only through a ruling"
)


def revert_hint(error_name: str, args: dict[str, Any]) -> str:
    """The :data:`REVERT_HINTS` entry for ``error_name`` filled in from ``args``, or ``""``."""
    template = REVERT_HINTS.get(error_name)
    if template is None:
        return ""
    shown: dict[str, Any] = {k: ("0x" + v.hex() if isinstance(v, bytes) else v) for k, v in args.items()}
    if isinstance(args.get("neededRole"), bytes):
        shown["neededRole"] = role_names().get(args["neededRole"], shown["neededRole"])
        if shown["neededRole"] == "SEALED_ROLE":
            template = _SEALED_HINT
    if error_name in _STATUS_ERRORS and isinstance(args.get("status"), int):
        status = args["status"]
        shown["status"] = _WORK_STATUS_NAMES[status] if status < len(_WORK_STATUS_NAMES) else status
    try:
        return template.format_map(shown)
    except (KeyError, IndexError):  # an ABI whose arguments were renamed: keep the revert readable
        return ""


class WorkNotFound(ContractRevert, LookupError):
    """The work id does not exist."""


class WorkAlreadyRegistered(ContractRevert):
    """The content digest is already registered (``existingWorkId`` names the holder)."""


class NotWorkOwner(ContractRevert, PermissionError):
    """The caller (or a signed offer's seller) does not own the work (``owner`` names who does)."""


class AccessDenied(ContractRevert, PermissionError):
    """The account lacks the role the action needs (``AccessControlUnauthorizedAccount``: ``neededRole``)."""


class WorkNotActive(ContractRevert):
    """The work is frozen or disputed: no offers, sales, transfers or metadata updates until it is Active."""


class OfferNotFound(ContractRevert, LookupError):
    """The offer id does not exist."""


class LicenceNotFound(ContractRevert, LookupError):
    """The licence id does not exist."""


class PriceAboveMax(ContractRevert):
    """The offer's price rose above what the buyer agreed to pay; re-read it and decide again."""


class LicenceConflict(ContractRevert):
    """An exclusivity rule refuses the grant (``ExclusiveConflict``, ``CoverageConflict``, ``TooManyExclusiveGrants``)."""


class SignedOfferRejected(ContractRevert):
    """A signed offer is expired, mis-signed, cancelled, sold out, from an old counter, from before the
    work last changed hands, or bound to another buyer; ask the (current) owner to re-sign."""


class RequirementNotMet(ContractRevert):
    """A sale would license a work in a territory whose distribution requirement it does not meet;
    ``args_by_name`` names the work, the territory and the attestation kind that is not live there."""


#: Custom errors that get their own class; every other custom error is a plain ContractRevert.
REVERT_CLASSES: dict[str, type[ContractRevert]] = {
    "WorkNotFound": WorkNotFound,
    "WorkAlreadyRegistered": WorkAlreadyRegistered,
    "NotWorkOwner": NotWorkOwner,
    "AccessControlUnauthorizedAccount": AccessDenied,
    "WorkNotActive": WorkNotActive,
    "OfferNotFound": OfferNotFound,
    "LicenceNotFound": LicenceNotFound,
    "PriceAboveMax": PriceAboveMax,
    "ExclusiveConflict": LicenceConflict,
    "CoverageConflict": LicenceConflict,
    "TooManyExclusiveGrants": LicenceConflict,
    "SignatureExpired": SignedOfferRejected,
    "InvalidSignature": SignedOfferRejected,
    "NonceUnavailable": SignedOfferRejected,
    "StaleCounter": SignedOfferRejected,
    "OwnershipChanged": SignedOfferRejected,
    "NotOfferBuyer": SignedOfferRejected,
    "RequirementNotMet": RequirementNotMet,
}

__all__ = [
    "REVERT_CLASSES",
    "REVERT_HINTS",
    "AccessDenied",
    "ChainIdMismatch",
    "ChainUnavailable",
    "ConfigurationError",
    "ContractRevert",
    "DeploymentMismatch",
    "DeploymentNotFound",
    "HubError",
    "InvalidReport",
    "LicenceConflict",
    "LicenceNotFound",
    "ManifestError",
    "NotWorkOwner",
    "OfferNotFound",
    "PriceAboveMax",
    "RequirementNotMet",
    "SignedOfferRejected",
    "TransactionFailed",
    "WorkAlreadyRegistered",
    "WorkNotActive",
    "WorkNotFound",
    "revert_hint",
    "role_names",
]
