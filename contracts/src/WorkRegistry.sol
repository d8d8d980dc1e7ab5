// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ERC721} from "solady/src/tokens/ERC721.sol";
import {ILicenceMarket} from "./interfaces/ILicenceMarket.sol";
import {IWorkRegistry} from "./interfaces/IWorkRegistry.sol";
import {Attestation, AttestationLib} from "./types/Attestation.sol";
import {CoOwner, CoOwnerLib} from "./types/CoOwner.sol";
import {WorkData, WorkDataLib} from "./types/WorkData.sol";

/// @title WorkRegistry
/// @notice Registers audiovisual works as ERC-721 tokens bound to their content digest, with
/// co-owner revenue splits, parent works, metadata versions, status and reviewer attestations.
/// @dev Storage (gas is a product feature, see benchmarks/results/gas.md): solady's ERC-721 ownership
/// word holds the owner and 96 bits of {WorkData} (registration time, type, status, co-owner count,
/// metadata version), so a single-owner registration writes two fresh words: that ownership word and
/// the digest -> id entry. CIDs live in events only. Co-owners take one {CoOwner} word each; the lead
/// owner's share is `10,000 - sum(co-owner bps)` and is paid to whoever holds the token: transferring
/// the work token assigns the copyright and the lead share, co-owner shares stay with their accounts
/// (a transfer by ruling replaces them, see `forceTransfer`).
///
/// Roles (see SECURITY.md): DEFAULT_ADMIN_ROLE (one account, handed over in two steps with a delay,
/// OpenZeppelin's AccessControlDefaultAdminRules) grants REVIEWER_ROLE and PAUSER_ROLE and wires the
/// market and the resolver once. STATUS_ROLE is administered by SEALED_ROLE, which nobody holds and
/// only itself administers: after `setDisputeResolver` nobody can grant or revoke it.
contract WorkRegistry is ERC721, ERC2981, AccessControlDefaultAdminRules, Pausable, IWorkRegistry {
    /// @notice May record attestations.
    bytes32 public constant REVIEWER_ROLE = keccak256("REVIEWER_ROLE");
    /// @notice May change a work's status and force-transfer it: the dispute resolver alone.
    bytes32 public constant STATUS_ROLE = keccak256("STATUS_ROLE");
    /// @notice May pause and unpause.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Admin of STATUS_ROLE; held by nobody and administered by itself, so never granted.
    bytes32 public constant SEALED_ROLE = keccak256("SEALED_ROLE");
    /// @notice Delay before a new default admin may accept the role (and before a delay change applies).
    uint48 public constant ADMIN_TRANSFER_DELAY = 3 days;

    /// @notice Most owners (lead included) a work may name; bounds the payout loop.
    uint256 public constant MAX_OWNERS = 16;
    /// @notice Most parents a derivative may name.
    uint256 public constant MAX_PARENTS = 16;
    /// @notice Most works per `registerWorks` call.
    uint256 public constant MAX_BATCH = 256;
    /// @notice Highest ERC-2981 royalty, in basis points.
    uint16 public constant MAX_ROYALTY_BPS = 2_500;
    /// @notice Bit of the adaptation right in a rights mask.
    uint16 internal constant RIGHT_ADAPTATION = uint16(1) << 9;
    uint16 internal constant TOTAL_BPS = 10_000;
    /// @notice How long after its commit a commitment can be revealed (and so how long a later
    /// registration of the same digest can be taken by it).
    uint256 public constant REVEAL_WINDOW = 1 days;

    /// @notice The market asked whether a licence allows a derivative (set once by the admin).
    ILicenceMarket public licenceMarket;
    /// @notice The dispute resolver, the one account ever granted STATUS_ROLE (set once by the admin).
    address public disputeResolver;
    /// @dev Transfers per work (see `ownershipEpoch`).
    mapping(uint256 workId => uint256 epoch) private _ownershipEpochs;

    uint256 private _lastWorkId;
    uint256 private _lastAttestationId;
    /// @dev Bit layout of an entry: bits 0..63 work id (ids are below 2^64), 64..127 priority block,
    /// 128..167 priority time. One word, written once per registration as before the priority existed.
    mapping(bytes32 contentDigest => uint256 entry) private _workIdByDigest;
    /// @dev Bit layout: bits 0..63 commit block, 64..103 commit time; 0 = no commitment.
    mapping(address registrant => mapping(bytes32 commitment => uint256 packed)) private _commitments;
    /// @dev index 0 .. coOwnerCount-1; entries past the count are stale and never read.
    mapping(uint256 workId => mapping(uint256 index => CoOwner)) private _coOwners;
    mapping(uint256 attestationId => Attestation) private _attestations;
    /// @dev Validity window of an attestation, written only when it has one: bits 0..39 valid from,
    /// 40..79 valid until (unix seconds; 0 = open-ended).
    mapping(uint256 attestationId => uint256 window) private _windows;
    /// @dev The latest attestation recorded per `kind << 16 | territory` ({Attestation.approvalKey}): the one
    /// that decides the status there (0 = none ever recorded).
    mapping(uint256 workId => mapping(uint256 kindTerritory => uint256 attestationId)) private _latest;

    /// @param admin the default admin (also the first pauser); refused when zero.
    constructor(address admin) AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin) {
        _grantRole(PAUSER_ROLE, admin);
        _setRoleAdmin(SEALED_ROLE, SEALED_ROLE);
        _setRoleAdmin(STATUS_ROLE, SEALED_ROLE);
    }

    // ---------------------------------------------------------------------------- registration

    /// @inheritdoc IWorkRegistry
    function registerWork(WorkInput calldata input) external whenNotPaused returns (uint256 workId) {
        // Ids start at 1 so that 0 means "none"; 2^256 registrations cannot happen.
        unchecked {
            workId = ++_lastWorkId;
        }
        if (workId > type(uint64).max) revert WorkIdOverflow(workId);
        uint40 nowTs = SafeCast.toUint40(block.timestamp);
        _register(input, workId, nowTs, _entry(workId, block.number, nowTs));
    }

    /// @inheritdoc IWorkRegistry
    function commitRegistration(bytes32 commitment) external whenNotPaused {
        mapping(bytes32 => uint256) storage mine = _commitments[msg.sender];
        if (commitment == bytes32(0) || mine[commitment] != 0) revert InvalidCommitment(commitment);
        uint40 nowTs = SafeCast.toUint40(block.timestamp);
        uint48 blockNumber = SafeCast.toUint48(block.number);
        mine[commitment] = blockNumber | (uint256(nowTs) << 64);
        emit RegistrationCommitted(msg.sender, commitment, blockNumber, nowTs);
    }

    /// @inheritdoc IWorkRegistry
    function revealWorks(bytes32 root, bytes32 salt, WorkInput[] calldata inputs, bytes32[][] calldata proofs)
        external
        whenNotPaused
    {
        uint256 n = inputs.length;
        if (n == 0 || n > MAX_BATCH) revert InvalidBatchSize(n, MAX_BATCH);
        if (proofs.length != n) revert InvalidRevealProof(proofs.length, bytes32(0));
        bytes32 commitment = keccak256(abi.encode(msg.sender, root, salt));
        uint256 packed = _commitments[msg.sender][commitment];
        if (packed == 0) revert CommitmentNotFound(commitment);
        // written from a uint48 (see commitRegistration)
        uint48 commitBlock = uint48(packed);
        uint40 commitTs = uint40(packed >> 64);
        if (block.number <= commitBlock) revert RevealTooEarly(commitment, commitBlock);
        uint256 deadline = uint256(commitTs) + REVEAL_WINDOW;
        if (block.timestamp > deadline) revert RevealWindowClosed(commitment, deadline);
        uint40 nowTs = SafeCast.toUint40(block.timestamp);
        uint256 lastWorkId = _lastWorkId;
        for (uint256 i; i < n; ++i) {
            WorkInput calldata input = inputs[i];
            bytes32 digest = input.contentDigest;
            if (!MerkleProof.verifyCalldata(proofs[i], root, keccak256(abi.encode(digest)))) {
                revert InvalidRevealProof(i, digest);
            }
            uint256 existing = _workIdByDigest[digest];
            uint256 workId;
            if (existing != 0 && uint48(existing >> 64) > commitBlock) {
                workId = uint64(existing);
                _reclaim(input, workId, nowTs);
                _workIdByDigest[digest] = _entry(workId, commitBlock, commitTs);
            } else {
                // Bounded by MAX_BATCH per call; the uint64 check below keeps ids in range.
                unchecked {
                    workId = ++lastWorkId;
                }
                if (workId > type(uint64).max) revert WorkIdOverflow(workId);
                _register(input, workId, nowTs, _entry(workId, commitBlock, commitTs));
            }
            emit WorkRevealed(workId, commitment, commitBlock, commitTs);
        }
        _lastWorkId = lastWorkId;
    }

    /// @inheritdoc IWorkRegistry
    function registerWorks(WorkInput[] calldata inputs) external whenNotPaused returns (uint256 firstWorkId) {
        uint256 n = inputs.length;
        if (n == 0 || n > MAX_BATCH) revert InvalidBatchSize(n, MAX_BATCH);
        uint40 nowTs = SafeCast.toUint40(block.timestamp);
        uint256 lastWorkId;
        // Bounded by MAX_BATCH and the uint64 check below; ids cannot overflow.
        unchecked {
            firstWorkId = _lastWorkId + 1;
            lastWorkId = firstWorkId + n - 1;
        }
        if (lastWorkId > type(uint64).max) revert WorkIdOverflow(lastWorkId);
        _lastWorkId = lastWorkId;
        uint256 priority = _entry(0, block.number, nowTs);
        // i < n <= MAX_BATCH: no overflow.
        unchecked {
            for (uint256 i; i < n; ++i) {
                uint256 workId = firstWorkId + i;
                _register(inputs[i], workId, nowTs, priority | workId);
            }
        }
    }

    /// @dev A digest entry (layout at `_workIdByDigest`); block numbers (below 2^48 on any real chain; the
    /// views read them as uint48) and times fit their fields.
    function _entry(uint256 workId, uint256 priorityBlock, uint40 priorityAt) private pure returns (uint256) {
        return workId | (uint256(uint64(priorityBlock)) << 64) | (uint256(priorityAt) << 128);
    }

    /// @dev Checks what every registration (and reclaim) checks: digest, CIDs, lead, splits (stored),
    /// royalty, parents. Returns the co-owner count.
    function _checkInput(WorkInput calldata input, uint256 workId) private returns (uint8 coOwners) {
        if (input.contentDigest == bytes32(0)) revert EmptyContentDigest();
        if (bytes(input.contentCid).length == 0) revert EmptyCid("contentCid");
        if (bytes(input.metadataCid).length == 0) revert EmptyCid("metadataCid");
        Split[] calldata splits = input.splits;
        if (splits.length == 0) revert EmptySplits();
        if (splits[0].account != msg.sender) revert LeadOwnerNotCaller(splits[0].account, msg.sender);
        coOwners = _storeSplits(splits, workId);
        if (input.royaltyBps > MAX_ROYALTY_BPS) revert RoyaltyTooHigh(input.royaltyBps, MAX_ROYALTY_BPS);
        if (input.parents.length != 0 || input.parentLicences.length != 0) _checkParents(input);
    }

    function _register(WorkInput calldata input, uint256 workId, uint40 nowTs, uint256 entry) private {
        bytes32 digest = input.contentDigest;
        uint256 existing = _workIdByDigest[digest];
        if (existing != 0) revert WorkAlreadyRegistered(digest, uint64(existing));
        Split[] calldata splits = input.splits;
        uint8 coOwners = _checkInput(input, workId);

        _workIdByDigest[digest] = entry;
        WorkData data = WorkDataLib.pack(nowTs, input.workType, coOwners);
        _mintAndSetExtraDataUnchecked(msg.sender, workId, WorkData.unwrap(data));
        emit WorkRegistered(workId, msg.sender, digest, input.workType, nowTs, input.contentCid, input.metadataCid);
        if (input.royaltyBps != 0) {
            _setTokenRoyalty(workId, msg.sender, input.royaltyBps);
            emit RoyaltySet(workId, msg.sender, input.royaltyBps);
        }
        if (coOwners != 0) _emitSplits(workId, splits);
        if (input.parents.length != 0) emit ParentsSet(workId, input.parents, input.parentLicences);
    }

    /// @dev A reveal with an earlier priority takes `workId` from its holder: the revealer's splits,
    /// royalty, type and CIDs replace the holder's; the status (a dispute, a freeze) stays with the work.
    function _reclaim(WorkInput calldata input, uint256 workId, uint40 nowTs) private {
        (address from, WorkData data) = _workWord(workId);
        Split[] calldata splits = input.splits;
        uint8 coOwners = _checkInput(input, workId);
        uint32 version = SafeCast.toUint32(uint256(data.metadataVersion()) + 1);
        WorkData fresh = WorkDataLib.pack(nowTs, input.workType, coOwners).withMetadataVersion(version);
        // A transfer needs an Active work (`_beforeTokenTransfer`): move it as Active, then restore the status.
        _setExtraData(workId, WorkData.unwrap(fresh));
        _transfer(address(0), from, msg.sender, workId);
        WorkStatus status = data.status();
        if (status != WorkStatus.Active) _setExtraData(workId, WorkData.unwrap(fresh.withStatus(status)));
        emit WorkReclaimed(
            workId,
            from,
            msg.sender,
            input.contentDigest,
            input.workType,
            nowTs,
            version,
            input.contentCid,
            input.metadataCid
        );
        (address receiver,) = royaltyInfo(workId, TOTAL_BPS);
        if (input.royaltyBps != 0) {
            _setTokenRoyalty(workId, msg.sender, input.royaltyBps);
            emit RoyaltySet(workId, msg.sender, input.royaltyBps);
        } else if (receiver != address(0)) {
            _resetTokenRoyalty(workId);
            emit RoyaltySet(workId, msg.sender, 0);
        }
        if (coOwners != 0) {
            _emitSplits(workId, splits);
        } else {
            _emitSoleOwner(workId, msg.sender);
        }
        if (input.parents.length != 0) emit ParentsSet(workId, input.parents, input.parentLicences);
    }

    function _emitSoleOwner(uint256 workId, address owner) private {
        address[] memory accounts = new address[](1);
        uint16[] memory bps = new uint16[](1);
        accounts[0] = owner;
        bps[0] = TOTAL_BPS;
        emit SplitsSet(workId, accounts, bps);
    }

    /// @dev Validates `splits` (non-empty; the caller checked who `splits[0]` is) and stores the
    /// co-owners `splits[1..]`; returns their count.
    function _storeSplits(Split[] calldata splits, uint256 workId) private returns (uint8 coOwners) {
        uint256 n = splits.length;
        if (n > MAX_OWNERS) revert TooManyOwners(n, MAX_OWNERS);
        if (n == 1) {
            // Single owner (the common case): no co-owner storage.
            if (splits[0].bps != TOTAL_BPS) revert SplitsSumMismatch(splits[0].bps);
            return 0;
        }
        uint256 sum = 0;
        // n <= MAX_OWNERS and each bps < 2^16: no overflow.
        unchecked {
            for (uint256 i; i < n; ++i) {
                Split calldata s = splits[i];
                address account = s.account;
                if (account == address(0) || s.bps == 0) revert InvalidSplit(i, account, s.bps);
                for (uint256 j; j < i; ++j) {
                    if (splits[j].account == account) revert DuplicateOwner(i, account);
                }
                sum += s.bps;
                if (i != 0) _coOwners[workId][i - 1] = CoOwnerLib.pack(account, s.bps);
            }
            // n <= MAX_OWNERS = 16 fits uint8.
            coOwners = uint8(n - 1);
        }
        if (sum != TOTAL_BPS) revert SplitsSumMismatch(sum);
    }

    function _emitSplits(uint256 workId, Split[] calldata splits) private {
        uint256 n = splits.length;
        address[] memory accounts = new address[](n);
        uint16[] memory bps = new uint16[](n);
        for (uint256 i; i < n; ++i) {
            accounts[i] = splits[i].account;
            bps[i] = splits[i].bps;
        }
        emit SplitsSet(workId, accounts, bps);
    }

    /// @dev Each parent must exist, be Active, appear once, and be owned by the caller or covered by an
    /// adaptation licence the caller holds.
    function _checkParents(WorkInput calldata input) private view {
        uint256 n = input.parents.length;
        if (n != input.parentLicences.length || n > MAX_PARENTS) {
            revert InvalidParents(n, input.parentLicences.length);
        }
        for (uint256 i; i < n; ++i) {
            uint256 parent = input.parents[i];
            uint256 licence = input.parentLicences[i];
            for (uint256 j; j < i; ++j) {
                if (input.parents[j] == parent) revert DuplicateParent(parent);
            }
            (address owner, WorkData data) = _workWord(parent);
            WorkStatus status = data.status();
            if (status != WorkStatus.Active) revert ParentNotActive(parent, status);
            bool allowed = false;
            if (licence == 0) {
                allowed = owner == msg.sender;
            } else if (address(licenceMarket) != address(0)) {
                allowed = licenceMarket.licenceCovers(licence, msg.sender, parent, RIGHT_ADAPTATION);
            }
            if (!allowed) revert NoAdaptationRight(parent, licence, msg.sender);
        }
    }

    // ---------------------------------------------------------------------------- owner actions

    /// @inheritdoc IWorkRegistry
    function updateMetadata(uint256 workId, string calldata metadataCid) external whenNotPaused {
        (address owner, WorkData data) = _workWord(workId);
        if (owner != msg.sender) revert NotWorkOwner(workId, msg.sender, owner);
        WorkStatus status = data.status();
        if (status != WorkStatus.Active) revert WorkNotActive(workId, uint8(status));
        if (bytes(metadataCid).length == 0) revert EmptyCid("metadataCid");
        uint32 version = SafeCast.toUint32(uint256(data.metadataVersion()) + 1);
        _setExtraData(workId, WorkData.unwrap(data.withMetadataVersion(version)));
        emit MetadataUpdated(workId, version, metadataCid, msg.sender);
    }

    /// @inheritdoc IWorkRegistry
    function setRoyalty(uint256 workId, uint16 bps) external whenNotPaused {
        (address owner, WorkData data) = _workWord(workId);
        if (owner != msg.sender) revert NotWorkOwner(workId, msg.sender, owner);
        WorkStatus status = data.status();
        if (status != WorkStatus.Active) revert WorkNotActive(workId, uint8(status));
        if (bps > MAX_ROYALTY_BPS) revert RoyaltyTooHigh(bps, MAX_ROYALTY_BPS);
        if (bps != 0) {
            _setTokenRoyalty(workId, msg.sender, bps);
        } else {
            _resetTokenRoyalty(workId);
        }
        emit RoyaltySet(workId, msg.sender, bps);
    }

    // ---------------------------------------------------------------------------- attestations

    /// @inheritdoc IWorkRegistry
    function attest(
        uint256 workId,
        uint8 kind,
        uint16 territory,
        Decision decision,
        string calldata ref,
        string calldata evidenceCid,
        uint40 validFrom,
        uint40 validUntil
    ) external whenNotPaused onlyRole(REVIEWER_ROLE) returns (uint256 attestationId) {
        if (!_exists(workId)) revert WorkNotFound(workId);
        if (kind == 0 || decision == Decision.None) revert InvalidAttestation(kind, decision);
        if (validUntil != 0 && validUntil <= validFrom) revert InvalidAttestationWindow(validFrom, validUntil);
        unchecked {
            attestationId = ++_lastAttestationId;
        }
        bool windowed = validFrom != 0 || validUntil != 0;
        Attestation a = AttestationLib.pack(msg.sender, SafeCast.toUint64(workId), kind, decision, territory, windowed);
        _attestations[attestationId] = a;
        if (windowed) _windows[attestationId] = uint256(validFrom) | (uint256(validUntil) << 40);
        _latest[workId][a.approvalKey()] = attestationId;
        emit AttestationRecorded(
            attestationId, workId, msg.sender, kind, territory, decision, ref, evidenceCid, validFrom, validUntil
        );
    }

    /// @inheritdoc IWorkRegistry
    function revokeAttestation(uint256 attestationId, string calldata reason) external whenNotPaused {
        Attestation a = _attestations[attestationId];
        if (!a.exists()) revert AttestationNotFound(attestationId);
        if (msg.sender != a.attester() && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert NotAttester(attestationId, msg.sender);
        }
        uint256 workId = a.workId();
        // The latest pointer stays: a revoked latest leaves its key with nothing live (an older one does not return).
        _attestations[attestationId] = Attestation.wrap(0);
        emit AttestationRevoked(attestationId, workId, msg.sender, reason);
    }

    // ---------------------------------------------------------------------------- status (disputes)

    /// @inheritdoc IWorkRegistry
    function setWorkStatus(uint256 workId, WorkStatus status) external onlyRole(STATUS_ROLE) {
        (, WorkData data) = _workWord(workId);
        WorkStatus previous = data.status();
        if (previous == status) revert InvalidStatusChange(workId, previous, status);
        _setExtraData(workId, WorkData.unwrap(data.withStatus(status)));
        emit WorkStatusChanged(workId, previous, status, msg.sender);
    }

    /// @inheritdoc IWorkRegistry
    function forceTransfer(uint256 workId, address to, Split[] calldata splits) external onlyRole(STATUS_ROLE) {
        if (to == address(0)) revert ZeroAddress();
        (address owner, WorkData data) = _workWord(workId);
        uint8 coOwners = 0;
        if (splits.length != 0) {
            if (splits[0].account != to) revert LeadNotNewOwner(splits[0].account, to);
            coOwners = _storeSplits(splits, workId);
        }
        WorkStatus previous = data.status();
        _setExtraData(workId, WorkData.unwrap(data.withStatus(WorkStatus.Active).withCoOwnerCount(coOwners)));
        if (previous != WorkStatus.Active) emit WorkStatusChanged(workId, previous, WorkStatus.Active, msg.sender);
        _transfer(address(0), owner, to, workId);
        if (splits.length != 0) {
            _emitSplits(workId, splits);
        } else {
            _emitSoleOwner(workId, to);
        }
        // The royalty follows the rightful owner: re-pointed at the same rate (none stays none).
        (address receiver, uint256 royaltyBps) = royaltyInfo(workId, TOTAL_BPS);
        if (receiver != address(0)) {
            // royaltyBps <= MAX_ROYALTY_BPS (checked at registration) fits uint16.
            _setTokenRoyalty(workId, to, uint96(royaltyBps));
            emit RoyaltySet(workId, to, uint16(royaltyBps));
        }
    }

    // ---------------------------------------------------------------------------- admin

    /// @notice Wire the licence market used for derivative checks (DEFAULT_ADMIN_ROLE, once).
    /// @param market the LicenceMarket address.
    function setLicenceMarket(address market) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(licenceMarket) != address(0) || market == address(0)) {
            revert LicenceMarketAlreadySet(address(licenceMarket));
        }
        licenceMarket = ILicenceMarket(market);
        emit LicenceMarketSet(market);
    }

    /// @inheritdoc IWorkRegistry
    function setDisputeResolver(address resolver) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (disputeResolver != address(0) || resolver == address(0)) {
            revert DisputeResolverAlreadySet(disputeResolver);
        }
        disputeResolver = resolver;
        _grantRole(STATUS_ROLE, resolver);
        emit DisputeResolverSet(resolver);
    }

    /// @notice Stop registrations, metadata updates, royalty changes, attestations and owners' transfers
    /// (rulings go on).
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Resume.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------------------- views

    /// @inheritdoc IWorkRegistry
    function getWork(uint256 workId) external view returns (WorkInfo memory info) {
        (address owner, WorkData data) = _workWord(workId);
        info = WorkInfo({
            owner: owner,
            registeredAt: data.registeredAt(),
            workType: data.workType(),
            status: data.status(),
            coOwnerCount: data.coOwnerCount(),
            metadataVersion: data.metadataVersion()
        });
    }

    /// @inheritdoc IWorkRegistry
    function workIdByDigest(bytes32 contentDigest) external view returns (uint256) {
        return uint64(_workIdByDigest[contentDigest]);
    }

    /// @inheritdoc IWorkRegistry
    function commitmentOf(address registrant, bytes32 commitment)
        external
        view
        returns (uint48 blockNumber, uint40 committedAt)
    {
        uint256 packed = _commitments[registrant][commitment];
        return (uint48(packed), uint40(packed >> 64));
    }

    /// @inheritdoc IWorkRegistry
    function registrationPriority(bytes32 contentDigest)
        external
        view
        returns (uint256 workId, uint48 priorityBlock, uint40 priorityAt)
    {
        uint256 entry = _workIdByDigest[contentDigest];
        return (uint64(entry), uint48(entry >> 64), uint40(entry >> 128));
    }

    /// @inheritdoc IWorkRegistry
    function payees(uint256 workId)
        external
        view
        returns (WorkStatus status, address lead, address[] memory coOwners, uint16[] memory coOwnerBps)
    {
        WorkData data;
        (lead, data) = _workWord(workId);
        status = data.status();
        uint256 n = data.coOwnerCount();
        coOwners = new address[](n);
        coOwnerBps = new uint16[](n);
        for (uint256 i; i < n; ++i) {
            CoOwner c = _coOwners[workId][i];
            coOwners[i] = c.account();
            coOwnerBps[i] = c.bps();
        }
    }

    /// @inheritdoc IWorkRegistry
    function ownerAndStatus(uint256 workId) external view returns (address owner, WorkStatus status) {
        WorkData data;
        (owner, data) = _workWord(workId);
        status = data.status();
    }

    /// @inheritdoc IWorkRegistry
    function hasApproval(uint256 workId, uint8 kind, uint16 territory) external view returns (bool) {
        uint256 id = _deciding(workId, kind, territory);
        if (id == 0) return false;
        Attestation a = _attestations[id];
        if (a.decision() != Decision.Approved) return false; // Rejected, or revoked (a zero word reads None)
        return !a.windowed() || _inWindow(_windows[id]);
    }

    /// @inheritdoc IWorkRegistry
    function attestationStatus(uint256 workId, uint8 kind, uint16 territory)
        external
        view
        returns (AttestationStatus memory status)
    {
        uint256 id = _deciding(workId, kind, territory);
        if (id == 0) return status;
        Attestation a = _attestations[id];
        uint256 window = a.windowed() ? _windows[id] : 0;
        Decision decision = a.decision();
        status = AttestationStatus({
            attestationId: id,
            decision: decision,
            validFrom: uint40(window),
            validUntil: uint40(window >> 40),
            live: decision == Decision.Approved && (window == 0 || _inWindow(window))
        });
    }

    /// @dev The attestation that decides (work, kind, territory): the latest for that territory, or when the
    /// territory has none of its own, the latest for territory 0 (everywhere). 0 = none.
    function _deciding(uint256 workId, uint8 kind, uint16 territory) private view returns (uint256 id) {
        mapping(uint256 => uint256) storage latest = _latest[workId];
        id = latest[(uint256(kind) << 16) | territory];
        if (id == 0 && territory != 0) id = latest[uint256(kind) << 16];
    }

    /// @dev Whether now lies in a non-zero window word (layout at `_windows`): from <= now < until (0 = open).
    function _inWindow(uint256 window) private view returns (bool) {
        uint256 until = uint40(window >> 40);
        return uint40(window) <= block.timestamp && (until == 0 || block.timestamp < until);
    }

    /// @notice The stored attestation (zeroes once revoked).
    /// @param attestationId the attestation.
    /// @return attester the reviewer.
    /// @return workId the work.
    /// @return kind what was reviewed.
    /// @return decision Approved or Rejected.
    /// @return territory ISO 3166-1 numeric code (0 = everywhere).
    /// @return validFrom start of its validity window (0 = open).
    /// @return validUntil end of its validity window, exclusive (0 = open-ended).
    function getAttestation(uint256 attestationId)
        external
        view
        returns (
            address attester,
            uint256 workId,
            uint8 kind,
            Decision decision,
            uint16 territory,
            uint40 validFrom,
            uint40 validUntil
        )
    {
        Attestation a = _attestations[attestationId];
        if (!a.exists()) revert AttestationNotFound(attestationId);
        uint256 window = a.windowed() ? _windows[attestationId] : 0;
        return (a.attester(), a.workId(), a.kind(), a.decision(), a.territory(), uint40(window), uint40(window >> 40));
    }

    /// @notice Number of works registered so far (ids are 1..totalWorks).
    function totalWorks() external view returns (uint256) {
        return _lastWorkId;
    }

    /// @inheritdoc ERC721
    function name() public pure override returns (string memory) {
        return "Copyright Hub Work";
    }

    /// @inheritdoc ERC721
    function symbol() public pure override returns (string memory) {
        return "CHWORK";
    }

    /// @notice An ERC-721 metadata document a wallet or marketplace can show, built from what the chain
    /// stores (`data:application/json;base64,...`: name, type, status, metadata version, registration
    /// time). The work's own metadata CID is not stored, to keep a registration at two storage words
    /// (gas targets); it is in the latest `WorkRegistered`/`MetadataUpdated` event, which the document names.
    /// @param id the work.
    /// @return the data URI.
    function tokenURI(uint256 id) public view override returns (string memory) {
        (, WorkData data) = _workWord(id);
        string memory workId = Strings.toString(id);
        string memory json = string.concat(
            '{"name":"Copyright Hub Work #',
            workId,
            '","description":"Work ',
            workId,
            " of the Copyright Hub registry. Its metadata document is the CID in the work's latest "
            'WorkRegistered or MetadataUpdated event.","attributes":[{"trait_type":"work type","value":',
            Strings.toString(data.workType()),
            '},{"trait_type":"status","value":"',
            _statusName(data.status()),
            '"},{"trait_type":"metadata version","display_type":"number","value":',
            Strings.toString(data.metadataVersion()),
            '},{"trait_type":"registered","display_type":"date","value":',
            Strings.toString(data.registeredAt()),
            "}]}"
        );
        return string.concat("data:application/json;base64,", Base64.encode(bytes(json)));
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721, ERC2981, AccessControlDefaultAdminRules)
        returns (bool)
    {
        return ERC721.supportsInterface(interfaceId) || ERC2981.supportsInterface(interfaceId)
            || AccessControlDefaultAdminRules.supportsInterface(interfaceId);
    }

    /// @notice ERC-721 declares approve/transfer payable; works are never sold through this contract, so
    /// ETH sent with them is refused rather than locked.
    function approve(address account, uint256 id) public payable override {
        _refuseEth();
        super.approve(account, id);
    }

    /// @inheritdoc ERC721
    function transferFrom(address from, address to, uint256 id) public payable override {
        _refuseEth();
        super.transferFrom(from, to, id);
    }

    /// @inheritdoc ERC721
    function safeTransferFrom(address from, address to, uint256 id, bytes calldata data) public payable override {
        _refuseEth();
        super.safeTransferFrom(from, to, id, data);
    }

    // ---------------------------------------------------------------------------- internals

    function _refuseEth() private view {
        if (msg.value != 0) revert EthNotAccepted(msg.value);
    }

    /// @inheritdoc IWorkRegistry
    function ownershipEpoch(uint256 workId) external view returns (uint256) {
        return _ownershipEpochs[workId];
    }

    /// @dev Transfers (not mints) need an Active work, and an unpaused registry unless a ruling moves
    /// the work (STATUS_ROLE: rulings stay available while paused, as SECURITY.md promises); each one
    /// starts a new ownership epoch (voiding offers signed before it).
    function _beforeTokenTransfer(address from, address to, uint256 id) internal override {
        if (from != address(0) && to != address(0)) {
            if (paused() && !hasRole(STATUS_ROLE, msg.sender)) revert EnforcedPause();
            WorkStatus status = WorkData.wrap(_getExtraData(id)).status();
            if (status != WorkStatus.Active) revert WorkNotActive(id, uint8(status));
            // One transaction per transfer: the counter cannot reach 2^256.
            unchecked {
                ++_ownershipEpochs[id];
            }
        }
    }

    function _statusName(WorkStatus status) private pure returns (string memory) {
        if (status == WorkStatus.Active) return "active";
        return status == WorkStatus.Frozen ? "frozen" : "disputed";
    }

    function _workWord(uint256 workId) private view returns (address owner, WorkData data) {
        owner = _ownerOf(workId);
        if (owner == address(0)) revert WorkNotFound(workId);
        data = WorkData.wrap(_getExtraData(workId));
    }
}
