// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IHubErrors} from "./IHubErrors.sol";

/// @title IWorkRegistry
/// @notice The registry of audiovisual works. Each work is an ERC-721 token held by its lead owner
/// and bound to the sha256 digest of its content; co-owners, parent works, metadata versions,
/// status and reviewer attestations hang off that token.
/// @dev CIDs are not stored: they live in events only (`WorkRegistered`, `MetadataUpdated`), which
/// are the record an indexer or auditor rebuilds from. On chain a work is one storage word (owner
/// plus 96 bits of packed data, see `types/WorkData.sol`) and one digest -> id entry (which also holds
/// the work's priority: see `registrationPriority`).
///
/// Commit–reveal registration (issue 14; SECURITY.md "Front-running"). A pending `registerWork` is
/// public: anyone can copy it with a higher tip. A studio therefore first calls
/// `commitRegistration(keccak256(abi.encode(registrant, root, salt)))`, where `root` is the root of a
/// Merkle tree whose leaves are `keccak256(abi.encode(contentDigest))` (sorted-pair hashing,
/// OpenZeppelin's `MerkleProof`; one work: `root` is its leaf and its proof is empty) and `salt` is a
/// secret, so the commitment names neither the files nor lets anyone guess them. From the next block
/// until `REVEAL_WINDOW` after the commit, `revealWorks(root, salt, inputs, proofs)` registers any of
/// the committed works, in as many batches as it likes, with the commit's block and time as their
/// priority. A copied reveal sent by another account hashes another registrant and finds no commitment.
///
/// The earlier commit wins: a reveal of a digest that is already registered with a later priority
/// block (a one-step `registerWork`, whose priority is its own block, or a reveal under a later
/// commitment) takes that work: same id, the token moves to the revealer (`WorkReclaimed`), its splits,
/// royalty, type and CIDs become the revealer's, its status (a dispute, a freeze) stays. A holder with
/// the same or an earlier priority block keeps the work (`WorkAlreadyRegistered`). Each leaf is used once:
/// its digest is then registered with that priority, which no reveal under the same commitment beats.
/// So a work registered in one step can be taken for `REVEAL_WINDOW` by whoever committed its
/// digest earlier; a work revealed under a commitment only by an earlier commitment.
interface IWorkRegistry is IHubErrors {
    /// @notice Lifecycle of a work. Only `Active` works accept new offers, licences and transfers.
    enum WorkStatus {
        Active,
        Frozen,
        Disputed
    }

    /// @notice Outcome of a reviewer's attestation.
    enum Decision {
        None,
        Approved,
        Rejected
    }

    /// @notice The attestation deciding a (work, kind, territory), as `attestationStatus` returns it.
    /// @param attestationId the attestation (0 = none ever recorded).
    /// @param decision Approved or Rejected; None when it was revoked.
    /// @param validFrom start of its window (0 = open).
    /// @param validUntil end of its window, exclusive (0 = open-ended).
    /// @param live whether it is Approved, not revoked and within its window now.
    struct AttestationStatus {
        uint256 attestationId;
        Decision decision;
        uint40 validFrom;
        uint40 validUntil;
        bool live;
    }

    /// @notice One revenue share. Index 0 of a registration is the lead owner (the caller, who
    /// receives the work token); its share follows the token on transfer.
    /// @param account who is paid.
    /// @param bps share in basis points (all shares of a work sum to 10,000).
    struct Split {
        address account;
        uint16 bps;
    }

    /// @notice What a registration submits.
    /// @param contentDigest sha256 of the content file (must be unique across the registry).
    /// @param contentCid IPFS CID of the content (event only).
    /// @param metadataCid IPFS CID of the metadata JSON document (event only).
    /// @param workType film, series, animation, short video, audio, podcast, live recording, interactive, ...
    /// @param royaltyBps ERC-2981 royalty for secondary sales of the work token, paid to the registrant (0 = none;
    /// a transfer by ruling re-points it to the new owner).
    /// @param splits owners and shares; `splits[0].account` must be the caller.
    /// @param parents works this one derives from.
    /// @param parentLicences per parent: 0 when the caller owns the parent, else the id of a licence the
    /// caller holds on it that is valid now and includes the adaptation right.
    struct WorkInput {
        bytes32 contentDigest;
        string contentCid;
        string metadataCid;
        uint8 workType;
        uint16 royaltyBps;
        Split[] splits;
        uint256[] parents;
        uint256[] parentLicences;
    }

    /// @notice A work as the chain holds it.
    /// @param owner the lead owner (token holder).
    /// @param registeredAt block timestamp of the registration.
    /// @param workType the kind of work.
    /// @param status Active, Frozen or Disputed.
    /// @param coOwnerCount number of co-owners besides the lead owner.
    /// @param metadataVersion 0 at registration, +1 per `updateMetadata`.
    struct WorkInfo {
        address owner;
        uint40 registeredAt;
        uint8 workType;
        WorkStatus status;
        uint8 coOwnerCount;
        uint32 metadataVersion;
    }

    // ----------------------------------------------------------------------------------- events

    /// @notice Emitted when a work is registered (and its token minted to `owner`).
    /// @param workId the new work token id (sequential from 1).
    /// @param owner the registrant and lead owner.
    /// @param contentDigest sha256 of the content file.
    /// @param workType the kind of work.
    /// @param registeredAt block timestamp.
    /// @param contentCid IPFS CID of the content.
    /// @param metadataCid IPFS CID of the metadata JSON document (metadata version 0).
    event WorkRegistered(
        uint256 indexed workId,
        address indexed owner,
        bytes32 indexed contentDigest,
        uint8 workType,
        uint40 registeredAt,
        string contentCid,
        string metadataCid
    );

    /// @notice Emitted at registration when a work sets an ERC-2981 royalty (not emitted for none), when
    /// the owner changes it (`setRoyalty`, 0 bps: none), and when a ruling that transfers a work with a
    /// royalty re-points the royalty to the new owner.
    /// @param workId the work.
    /// @param receiver who receives the royalty (the registrant, the owner who set it, or the owner a ruling
    /// moved the work to).
    /// @param bps royalty in basis points of a secondary sale price.
    event RoyaltySet(uint256 indexed workId, address receiver, uint16 bps);

    /// @notice Emitted at registration when a work has co-owners, and by every ruling that transfers a
    /// work (it replaces all earlier splits; a single entry means the new owner alone takes 10,000 bps).
    /// Not emitted for a single-owner registration: then the lead owner (the current token holder)
    /// takes all 10,000 bps.
    /// @param workId the work.
    /// @param accounts `accounts[0]` is the lead (registrant or new owner); its share follows the work token.
    /// @param bps shares in basis points, same order, summing to 10,000.
    event SplitsSet(uint256 indexed workId, address[] accounts, uint16[] bps);

    /// @notice Emitted at registration when a work derives from parent works.
    /// @param workId the derivative.
    /// @param parents the parent works.
    /// @param parentLicences per parent, 0 (the registrant owns it) or the adaptation licence relied on.
    event ParentsSet(uint256 indexed workId, uint256[] parents, uint256[] parentLicences);

    /// @notice Emitted when the owner publishes a new metadata document for a work.
    /// @param workId the work.
    /// @param version the new version number (registration is version 0).
    /// @param metadataCid IPFS CID of the new metadata JSON document.
    /// @param by the owner who updated it.
    event MetadataUpdated(uint256 indexed workId, uint32 version, string metadataCid, address indexed by);

    /// @notice Emitted when a work's status changes (a dispute opened, ruled or lapsed; a transfer by ruling).
    /// @param workId the work.
    /// @param previous the status before.
    /// @param current the status now.
    /// @param by the account that changed it (the dispute resolver, the only holder of STATUS_ROLE).
    event WorkStatusChanged(uint256 indexed workId, WorkStatus previous, WorkStatus current, address indexed by);

    /// @notice Emitted when a reviewer records an attestation about a work.
    /// @param attestationId sequential id (from 1).
    /// @param workId the work.
    /// @param attester the reviewer.
    /// @param kind what was reviewed (kinds are defined with names and meanings in DistributionRules; 0 is invalid).
    /// @param territory ISO 3166-1 numeric code the attestation applies to (0 = everywhere).
    /// @param decision Approved or Rejected.
    /// @param ref external reference, e.g. a filing number.
    /// @param evidenceCid IPFS CID of the evidence document.
    /// @param validFrom start of the validity window (unix seconds; 0 = open).
    /// @param validUntil end of the validity window, exclusive (0 = open-ended).
    event AttestationRecorded(
        uint256 indexed attestationId,
        uint256 indexed workId,
        address indexed attester,
        uint8 kind,
        uint16 territory,
        Decision decision,
        string ref,
        string evidenceCid,
        uint40 validFrom,
        uint40 validUntil
    );

    /// @notice Emitted when an attestation is revoked (by its attester or an admin).
    /// @param attestationId the attestation.
    /// @param workId its work.
    /// @param by who revoked it.
    /// @param reason free text.
    event AttestationRevoked(uint256 indexed attestationId, uint256 indexed workId, address indexed by, string reason);

    /// @notice Emitted once, when the admin wires the licence market used for derivative checks.
    /// @param market the LicenceMarket address.
    event LicenceMarketSet(address market);

    /// @notice Emitted once, when the admin wires the dispute resolver, the only holder of STATUS_ROLE.
    /// @param resolver the DisputeResolver address.
    event DisputeResolverSet(address resolver);

    /// @notice Emitted when a registrant commits to works it will reveal (`commitRegistration`).
    /// @param registrant the committer, the only account that can reveal under it.
    /// @param commitment keccak256(abi.encode(registrant, root, salt)).
    /// @param blockNumber the commit's block: the priority of every work revealed under it (block numbers
    /// are typed uint48 throughout: below 2^53, so JSON clients read them as plain numbers).
    /// @param committedAt the commit's block timestamp (the priority time shown beside registration time).
    event RegistrationCommitted(
        address indexed registrant, bytes32 indexed commitment, uint48 blockNumber, uint40 committedAt
    );

    /// @notice Emitted for each work a reveal registers or reclaims, right after its `WorkRegistered` or
    /// `WorkReclaimed`: the work's priority is its commitment's, not the registration's.
    /// @param workId the work.
    /// @param commitment the commitment it was revealed under.
    /// @param priorityBlock the commit's block.
    /// @param priorityAt the commit's block timestamp.
    event WorkRevealed(uint256 indexed workId, bytes32 indexed commitment, uint48 priorityBlock, uint40 priorityAt);

    /// @notice Emitted when a reveal with an earlier priority takes a work registered with a later one
    /// (the token moves from `from` to `to`; `WorkRevealed`, `SplitsSet` and, when the old or new work has
    /// a royalty, `RoyaltySet` follow). The work keeps its id and status; everything else is the revealer's.
    /// @param workId the work.
    /// @param from the holder that loses it.
    /// @param to the revealer.
    /// @param contentDigest sha256 of the content file.
    /// @param workType the revealer's kind of work.
    /// @param registeredAt block timestamp of the reclaim (the new registration time).
    /// @param metadataVersion the work's metadata version after the reclaim (previous + 1).
    /// @param contentCid the revealer's content CID.
    /// @param metadataCid the revealer's metadata CID (at `metadataVersion`).
    event WorkReclaimed(
        uint256 indexed workId,
        address indexed from,
        address indexed to,
        bytes32 contentDigest,
        uint8 workType,
        uint40 registeredAt,
        uint32 metadataVersion,
        string contentCid,
        string metadataCid
    );

    // ----------------------------------------------------------------------------------- errors

    /// @notice Thrown when a commitment is zero or already recorded for the caller.
    /// @param commitment the commitment.
    error InvalidCommitment(bytes32 commitment);

    /// @notice Thrown when a reveal finds no commitment of the caller for `keccak256(abi.encode(caller,
    /// root, salt))` (never committed, or committed by another account: a copied reveal).
    /// @param commitment the commitment the reveal hashes to.
    error CommitmentNotFound(bytes32 commitment);

    /// @notice Thrown when a reveal comes in the commit's own block (wait for the next one).
    /// @param commitment the commitment.
    /// @param committedBlock its block.
    error RevealTooEarly(bytes32 commitment, uint48 committedBlock);

    /// @notice Thrown when a reveal comes after `REVEAL_WINDOW` from the commit (commit again; the
    /// priority is the new commit's).
    /// @param commitment the commitment.
    /// @param deadline the last timestamp a reveal was accepted.
    error RevealWindowClosed(bytes32 commitment, uint256 deadline);

    /// @notice Thrown when a revealed work is not a leaf of the committed root (or proofs and works
    /// differ in number: then `index` is the number of proofs and `contentDigest` is zero).
    /// @param index position in `inputs`.
    /// @param contentDigest its digest.
    error InvalidRevealProof(uint256 index, bytes32 contentDigest);

    /// @notice Thrown when a content digest is already registered.
    /// @param contentDigest the digest that was submitted.
    /// @param existingWorkId the work that already holds it.
    error WorkAlreadyRegistered(bytes32 contentDigest, uint256 existingWorkId);

    /// @notice Thrown when a content digest is zero.
    error EmptyContentDigest();

    /// @notice Thrown when a registration names no owner.
    error EmptySplits();

    /// @notice Thrown when more owners are named than the bound allows.
    /// @param count owners named.
    /// @param max the bound.
    error TooManyOwners(uint256 count, uint256 max);

    /// @notice Thrown when `splits[0]` is not the caller.
    /// @param lead the account named first.
    /// @param caller the caller.
    error LeadOwnerNotCaller(address lead, address caller);

    /// @notice Thrown when a split names the zero address or a zero share.
    /// @param index position in `splits`.
    /// @param account the account named.
    /// @param bps the share named.
    error InvalidSplit(uint256 index, address account, uint16 bps);

    /// @notice Thrown when shares do not sum to 10,000 bps.
    /// @param sum what they sum to.
    error SplitsSumMismatch(uint256 sum);

    /// @notice Thrown when the royalty is above the bound.
    /// @param bps requested.
    /// @param max bound.
    error RoyaltyTooHigh(uint16 bps, uint16 max);

    /// @notice Thrown when `parents` and `parentLicences` differ in length, or there are too many parents.
    /// @param parents number of parents.
    /// @param parentLicences number of licence entries.
    error InvalidParents(uint256 parents, uint256 parentLicences);

    /// @notice Thrown when the caller neither owns a parent nor holds a valid adaptation licence on it.
    /// @param parentId the parent work.
    /// @param licenceId the licence offered as proof (0 = ownership was claimed).
    /// @param caller the registrant.
    error NoAdaptationRight(uint256 parentId, uint256 licenceId, address caller);

    /// @notice Thrown when a batch is empty or larger than the bound.
    /// @param size submitted.
    /// @param max bound.
    error InvalidBatchSize(uint256 size, uint256 max);

    /// @notice Thrown when an attestation kind is 0 or its decision is None.
    /// @param kind the kind.
    /// @param decision the decision.
    error InvalidAttestation(uint8 kind, Decision decision);

    /// @notice Thrown when an attestation's validity window ends at or before it starts.
    /// @param validFrom the start given.
    /// @param validUntil the end given.
    error InvalidAttestationWindow(uint40 validFrom, uint40 validUntil);

    /// @notice Thrown when an attestation id does not exist (or was already revoked).
    /// @param attestationId the id.
    error AttestationNotFound(uint256 attestationId);

    /// @notice Thrown when someone other than the attester (or an admin) revokes an attestation.
    /// @param attestationId the attestation.
    /// @param caller the caller.
    error NotAttester(uint256 attestationId, address caller);

    /// @notice Thrown when a status change is not allowed (e.g. to the status it already has).
    /// @param workId the work.
    /// @param current its status.
    /// @param requested the requested status.
    error InvalidStatusChange(uint256 workId, WorkStatus current, WorkStatus requested);

    /// @notice Thrown when the licence market is set twice, or set to the zero address.
    /// @param current the market already set (or zero).
    error LicenceMarketAlreadySet(address current);

    /// @notice Thrown when the dispute resolver is set twice, or set to the zero address.
    /// @param current the resolver already set (or zero).
    error DisputeResolverAlreadySet(address current);

    /// @notice Thrown when an account is named twice among a work's owners (the lead included).
    /// @param index position in `splits` of the second mention.
    /// @param account the account named twice.
    error DuplicateOwner(uint256 index, address account);

    /// @notice Thrown when a derivative names the same parent twice.
    /// @param parentId the parent named twice.
    error DuplicateParent(uint256 parentId);

    /// @notice Thrown when a derivative names a parent that is frozen or disputed: a work whose
    /// ownership is in question cannot lend its rights to a new registration.
    /// @param parentId the parent.
    /// @param status its status.
    error ParentNotActive(uint256 parentId, WorkStatus status);

    /// @notice Thrown when a ruling's splits do not name the new owner first.
    /// @param lead the account named first.
    /// @param newOwner the account the ruling moves the work to.
    error LeadNotNewOwner(address lead, address newOwner);

    /// @notice Thrown when a registration would take a work id past 2^64 - 1 (licence ids embed work
    /// ids in 64 bits).
    /// @param workId the id it would take.
    error WorkIdOverflow(uint256 workId);

    // -------------------------------------------------------------------------------- functions

    /// @notice Register one work owned by the caller. Emits WorkRegistered (+ RoyaltySet, SplitsSet,
    /// ParentsSet when relevant). Refused while paused.
    /// @param input the work: content digest and CIDs, type, royalty, splits (`splits[0]` = caller),
    /// parents with the licences relied on.
    /// @return workId the new work's id (sequential from 1).
    function registerWork(WorkInput calldata input) external returns (uint256 workId);

    /// @notice Commit to works revealed later (see the interface notes); emits RegistrationCommitted.
    /// Refused while paused.
    /// @param commitment keccak256(abi.encode(msg.sender, root, salt)); non-zero, once per registrant.
    function commitRegistration(bytes32 commitment) external;

    /// @notice Register (or reclaim, see the interface notes) works committed earlier by the caller, from
    /// the block after the commit until `REVEAL_WINDOW` after it. New works take consecutive ids; each
    /// emits WorkRegistered (or WorkReclaimed) then WorkRevealed. Refused while paused.
    /// @param root the committed Merkle root over `keccak256(abi.encode(contentDigest))` leaves.
    /// @param salt the committed secret.
    /// @param inputs the works, 1 to `MAX_BATCH` of them (`splits[0]` = caller).
    /// @param proofs per work, its Merkle proof (empty when `root` is the work's leaf).
    function revealWorks(
        bytes32 root,
        bytes32 salt,
        WorkInput[] calldata inputs,
        bytes32[][] calldata proofs
    ) external;

    /// @notice Register many works in one transaction; ids are consecutive. Refused while paused.
    /// @param inputs the works, 1 to `MAX_BATCH` of them.
    /// @return firstWorkId the id of `inputs[0]`.
    function registerWorks(WorkInput[] calldata inputs) external returns (uint256 firstWorkId);

    /// @notice Publish a new metadata CID for an Active work (owner only); emits MetadataUpdated.
    /// @param workId the work.
    /// @param metadataCid IPFS CID of the new metadata JSON document.
    function updateMetadata(uint256 workId, string calldata metadataCid) external;

    /// @notice Change an Active work's ERC-2981 royalty (owner only, the token holder, who becomes its
    /// receiver; 0 bps removes it); emits RoyaltySet. Refused while paused.
    /// @param workId the work.
    /// @param bps royalty in basis points of a secondary sale price, at most `MAX_ROYALTY_BPS`
    /// ({RoyaltyTooHigh} above it).
    function setRoyalty(uint256 workId, uint16 bps) external;

    /// @notice Record an attestation (REVIEWER_ROLE); emits AttestationRecorded.
    /// @param workId the work.
    /// @param kind what was reviewed (non-zero).
    /// @param territory ISO 3166-1 numeric code it applies to (0 = everywhere).
    /// @param decision Approved or Rejected.
    /// @param ref external reference, e.g. a filing number.
    /// @param evidenceCid IPFS CID of the evidence document.
    /// @param validFrom start of its validity window (unix seconds; 0 = from now on).
    /// @param validUntil end of its validity window, exclusive (0 = open-ended); after `validFrom` when set
    /// ({InvalidAttestationWindow} otherwise).
    /// @return attestationId the new attestation's id (sequential from 1).
    function attest(
        uint256 workId,
        uint8 kind,
        uint16 territory,
        Decision decision,
        string calldata ref,
        string calldata evidenceCid,
        uint40 validFrom,
        uint40 validUntil
    ) external returns (uint256 attestationId);

    /// @notice Revoke an attestation (its attester, or DEFAULT_ADMIN_ROLE); emits AttestationRevoked.
    /// @param attestationId the attestation.
    /// @param reason free text.
    function revokeAttestation(uint256 attestationId, string calldata reason) external;

    /// @notice Change a work's status (STATUS_ROLE, held only by the dispute resolver); emits
    /// WorkStatusChanged. Available while paused, so rulings go through.
    /// @param workId the work.
    /// @param status the new status (must differ from the current one).
    function setWorkStatus(uint256 workId, WorkStatus status) external;

    /// @notice Move a work token to `to` regardless of status or pause (STATUS_ROLE: a dispute upheld by
    /// transfer). The work becomes Active; its splits are replaced by `splits` (empty: `to` alone takes
    /// 10,000 bps) and emitted as SplitsSet; an ERC-2981 royalty is re-pointed to `to` (RoyaltySet).
    /// @param workId the work.
    /// @param to the new owner.
    /// @param splits the new owners and shares, `splits[0].account == to`, or empty.
    function forceTransfer(uint256 workId, address to, Split[] calldata splits) external;

    /// @notice Wire the dispute resolver (DEFAULT_ADMIN_ROLE, once): it receives STATUS_ROLE, whose role
    /// admin nobody holds, so after this call nobody can grant or revoke STATUS_ROLE. Emits DisputeResolverSet.
    /// @param resolver the DisputeResolver address.
    function setDisputeResolver(address resolver) external;

    /// @notice The stored record of a work; reverts with {WorkNotFound} for an unknown id.
    /// @param workId the work.
    /// @return the owner, registration time, type, status, co-owner count and metadata version.
    function getWork(uint256 workId) external view returns (WorkInfo memory);

    /// @notice The work registered for a content digest.
    /// @param contentDigest sha256 of the content file.
    /// @return the work id, or 0 when none.
    function workIdByDigest(bytes32 contentDigest) external view returns (uint256);

    /// @notice A registrant's commitment.
    /// @param registrant the committer.
    /// @param commitment the commitment.
    /// @return blockNumber the commit's block (0: none).
    /// @return committedAt the commit's block timestamp.
    function commitmentOf(address registrant, bytes32 commitment)
        external
        view
        returns (uint48 blockNumber, uint40 committedAt);

    /// @notice The work registered for a digest and its priority: the registration's own block and time
    /// for a one-step registration, the commit's for a revealed (or reclaimed) work.
    /// @param contentDigest sha256 of the content file.
    /// @return workId the work (0: none).
    /// @return priorityBlock the priority block.
    /// @return priorityAt the priority time.
    function registrationPriority(bytes32 contentDigest)
        external
        view
        returns (uint256 workId, uint48 priorityBlock, uint40 priorityAt);

    /// @notice Who gets paid for a sale of a licence on `workId`, and the work's status.
    /// @param workId the work.
    /// @return status the work status.
    /// @return lead the current token holder, paid `10,000 - sum(coOwnerBps)`.
    /// @return coOwners the co-owners (not including the lead).
    /// @return coOwnerBps their shares.
    function payees(uint256 workId)
        external
        view
        returns (WorkStatus status, address lead, address[] memory coOwners, uint16[] memory coOwnerBps);

    /// @notice Owner and status in one call (for the market's cheap checks).
    /// @param workId the work.
    /// @return owner the current token holder.
    /// @return status the work status.
    function ownerAndStatus(uint256 workId) external view returns (address owner, WorkStatus status);

    /// @notice Whether `kind` is live for `workId` in `territory`: the attestation that decides there (the
    /// latest recorded for that work, kind and territory; when the territory has none of its own, the latest
    /// for territory 0, everywhere) is Approved, not revoked, and `block.timestamp` lies in its window. A later
    /// Rejected overrides an earlier Approved; revoking the latest leaves nothing live (superseded ones do not
    /// come back).
    /// @param workId the work.
    /// @param kind what was reviewed.
    /// @param territory ISO 3166-1 numeric code.
    /// @return true when live.
    function hasApproval(uint256 workId, uint8 kind, uint16 territory) external view returns (bool);

    /// @notice The attestation that decides `kind` for `workId` in `territory` (see `hasApproval`), for
    /// showing met / missing / rejected / revoked / not yet valid / expired.
    /// @param workId the work.
    /// @param kind what was reviewed.
    /// @param territory ISO 3166-1 numeric code.
    /// @return status all zero when none was ever recorded; decision None with a non-zero id when it was revoked.
    function attestationStatus(uint256 workId, uint8 kind, uint16 territory)
        external
        view
        returns (AttestationStatus memory status);

    /// @notice How many times the work has changed hands (transfers and forced transfers); 0 from
    /// registration. Signed licence offers carry it, so a transfer voids every offer signed before it.
    /// @param workId the work.
    /// @return the count.
    function ownershipEpoch(uint256 workId) external view returns (uint256);
}
