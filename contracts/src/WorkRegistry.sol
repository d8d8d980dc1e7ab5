// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ERC721} from "solady/src/tokens/ERC721.sol";
import {IHubErrors} from "./interfaces/IHubErrors.sol";
import {ILicenceMarket} from "./interfaces/ILicenceMarket.sol";
import {IWorkRegistry} from "./interfaces/IWorkRegistry.sol";

/// @title WorkRegistry
/// @notice Registers audiovisual works as ERC-721 tokens bound to their content digest, with
/// co-owner revenue splits, parent works, metadata versions, status and reviewer attestations.
/// @dev Storage layout of a work (gas is a product feature, see benchmarks/results/gas.md):
/// the solady ERC-721 ownership word holds the owner (bits 0..159) and 96 bits of extra data:
///   bits  0..39  registeredAt (unix seconds)
///   bits 40..47  workType
///   bits 48..55  status (WorkStatus)
///   bits 56..63  coOwnerCount
///   bits 64..95  metadataVersion
/// so a single-owner registration writes two fresh words: that ownership word and the
/// digest -> id entry. CIDs live in events only. Co-owners take one word each
/// (`account | bps << 160`); the lead owner's share is `10,000 - sum(co-owner bps)` and is paid to
/// whoever holds the token: transferring the work token assigns the copyright and the lead share,
/// co-owner shares stay with their accounts.
contract WorkRegistry is ERC721, ERC2981, AccessControl, Pausable, IWorkRegistry {
    /// @notice May record attestations.
    bytes32 public constant REVIEWER_ROLE = keccak256("REVIEWER_ROLE");
    /// @notice May change a work's status and force-transfer it (the dispute resolver).
    bytes32 public constant STATUS_ROLE = keccak256("STATUS_ROLE");
    /// @notice May pause and unpause.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

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

    /// @notice The market asked whether a licence allows a derivative (set once by the admin).
    ILicenceMarket public licenceMarket;
    /// @dev Transfers per work (see `ownershipEpoch`).
    mapping(uint256 workId => uint256 epoch) private _ownershipEpochs;

    uint256 private _lastWorkId;
    uint256 private _lastAttestationId;
    mapping(bytes32 contentDigest => uint256 workId) private _workIdByDigest;
    /// @dev `account | bps << 160`, index 0 .. coOwnerCount-1.
    mapping(uint256 workId => mapping(uint256 index => uint256 packed)) private _coOwners;
    /// @dev `attester | workId << 160 | kind << 224 | decision << 232 | territory << 240`; 0 = none/revoked.
    mapping(uint256 attestationId => uint256 packed) private _attestations;
    /// @dev live Approved attestations per `kind << 16 | territory`.
    mapping(uint256 workId => mapping(uint256 kindTerritory => uint256 count)) private _approvals;

    constructor(address admin) {
        if (admin == address(0)) revert IHubErrors.ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    // ---------------------------------------------------------------------------- registration

    /// @inheritdoc IWorkRegistry
    function registerWork(WorkInput calldata input) external whenNotPaused returns (uint256 workId) {
        // Ids start at 1 so that 0 means "none"; 2^256 registrations cannot happen.
        unchecked {
            workId = ++_lastWorkId;
        }
        _register(input, workId, uint40(block.timestamp));
    }

    /// @inheritdoc IWorkRegistry
    function registerWorks(WorkInput[] calldata inputs) external whenNotPaused returns (uint256 firstWorkId) {
        uint256 n = inputs.length;
        if (n == 0 || n > MAX_BATCH) revert InvalidBatchSize(n, MAX_BATCH);
        uint40 nowTs = uint40(block.timestamp);
        // Bounded by MAX_BATCH; ids cannot overflow.
        unchecked {
            firstWorkId = _lastWorkId + 1;
            for (uint256 i; i < n; ++i) {
                _register(inputs[i], firstWorkId + i, nowTs);
            }
            _lastWorkId = firstWorkId + n - 1;
        }
    }

    function _register(WorkInput calldata input, uint256 workId, uint40 nowTs) private {
        bytes32 digest = input.contentDigest;
        if (digest == bytes32(0)) revert EmptyContentDigest();
        if (bytes(input.contentCid).length == 0) revert EmptyCid("contentCid");
        if (bytes(input.metadataCid).length == 0) revert EmptyCid("metadataCid");
        uint256 existing = _workIdByDigest[digest];
        if (existing != 0) revert WorkAlreadyRegistered(digest, existing);
        uint256 coOwners = _checkSplits(input.splits, workId);
        if (input.royaltyBps > MAX_ROYALTY_BPS) revert RoyaltyTooHigh(input.royaltyBps, MAX_ROYALTY_BPS);
        if (input.parents.length != 0 || input.parentLicences.length != 0) _checkParents(input);

        _workIdByDigest[digest] = workId;
        uint96 extra = uint96(nowTs) | (uint96(input.workType) << 40) | (uint96(coOwners) << 56);
        _mintAndSetExtraDataUnchecked(msg.sender, workId, extra);
        emit WorkRegistered(workId, msg.sender, digest, input.workType, nowTs, input.contentCid, input.metadataCid);
        if (input.royaltyBps != 0) {
            _setTokenRoyalty(workId, msg.sender, input.royaltyBps);
            emit RoyaltySet(workId, msg.sender, input.royaltyBps);
        }
        if (coOwners != 0) _emitSplits(workId, input.splits);
        if (input.parents.length != 0) emit ParentsSet(workId, input.parents, input.parentLicences);
    }

    /// @dev Validates splits and stores co-owners; returns the co-owner count.
    function _checkSplits(Split[] calldata splits, uint256 workId) private returns (uint256 coOwners) {
        uint256 n = splits.length;
        if (n == 0) revert EmptySplits();
        if (n > MAX_OWNERS) revert TooManyOwners(n, MAX_OWNERS);
        Split calldata lead = splits[0];
        if (lead.account != msg.sender) revert LeadOwnerNotCaller(lead.account, msg.sender);
        if (n == 1) {
            // Single owner (the common case): no co-owner storage.
            if (lead.bps != TOTAL_BPS) revert SplitsSumMismatch(lead.bps);
            return 0;
        }
        uint256 sum = 0;
        // n <= MAX_OWNERS and each bps < 2^16: no overflow.
        unchecked {
            for (uint256 i; i < n; ++i) {
                Split calldata s = splits[i];
                if (s.account == address(0) || s.bps == 0) revert InvalidSplit(i, s.account, s.bps);
                sum += s.bps;
                if (i != 0) _coOwners[workId][i - 1] = uint256(uint160(s.account)) | (uint256(s.bps) << 160);
            }
            coOwners = n - 1;
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

    /// @dev Each parent must exist and be owned by the caller, or be covered by an adaptation licence the caller holds.
    function _checkParents(WorkInput calldata input) private view {
        uint256 n = input.parents.length;
        if (n != input.parentLicences.length || n > MAX_PARENTS) {
            revert InvalidParents(n, input.parentLicences.length);
        }
        for (uint256 i; i < n; ++i) {
            uint256 parent = input.parents[i];
            uint256 licence = input.parentLicences[i];
            if (!_exists(parent)) revert WorkNotFound(parent);
            bool allowed = false;
            if (licence == 0) {
                allowed = _ownerOf(parent) == msg.sender;
            } else if (address(licenceMarket) != address(0)) {
                allowed = licenceMarket.licenceCovers(licence, msg.sender, parent, RIGHT_ADAPTATION);
            }
            if (!allowed) revert NoAdaptationRight(parent, licence, msg.sender);
        }
    }

    // ---------------------------------------------------------------------------- owner actions

    /// @inheritdoc IWorkRegistry
    function updateMetadata(uint256 workId, string calldata metadataCid) external whenNotPaused {
        (address owner, uint96 extra) = _workWord(workId);
        if (owner != msg.sender) revert NotWorkOwner(workId, msg.sender, owner);
        WorkStatus status = _status(extra);
        if (status != WorkStatus.Active) revert WorkNotActive(workId, status);
        if (bytes(metadataCid).length == 0) revert EmptyCid("metadataCid");
        // 2^32 metadata versions cannot be published; wrap-around is harmless anyway.
        uint32 version;
        unchecked {
            version = uint32(extra >> 64) + 1;
        }
        _setExtraData(workId, (extra & ((uint96(1) << 64) - 1)) | (uint96(version) << 64));
        emit MetadataUpdated(workId, version, metadataCid, msg.sender);
    }

    // ---------------------------------------------------------------------------- attestations

    /// @inheritdoc IWorkRegistry
    function attest(
        uint256 workId,
        uint8 kind,
        uint16 territory,
        Decision decision,
        string calldata ref,
        string calldata evidenceCid
    ) external whenNotPaused onlyRole(REVIEWER_ROLE) returns (uint256 attestationId) {
        if (!_exists(workId)) revert WorkNotFound(workId);
        if (kind == 0 || decision == Decision.None) revert InvalidAttestation(kind, decision);
        unchecked {
            attestationId = ++_lastAttestationId;
        }
        _attestations[attestationId] = uint256(uint160(msg.sender)) | (uint256(uint64(workId)) << 160)
            | (uint256(kind) << 224) | (uint256(uint8(decision)) << 232) | (uint256(territory) << 240);
        if (decision == Decision.Approved) ++_approvals[workId][(uint256(kind) << 16) | territory];
        emit AttestationRecorded(attestationId, workId, msg.sender, kind, territory, decision, ref, evidenceCid);
    }

    /// @inheritdoc IWorkRegistry
    function revokeAttestation(uint256 attestationId, string calldata reason) external whenNotPaused {
        uint256 packed = _attestations[attestationId];
        if (packed == 0) revert AttestationNotFound(attestationId);
        address attester = address(uint160(packed));
        if (msg.sender != attester && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert NotAttester(attestationId, msg.sender);
        }
        uint256 workId = uint64(packed >> 160);
        delete _attestations[attestationId];
        if (Decision(uint8(packed >> 232)) == Decision.Approved) {
            --_approvals[workId][(uint256(uint8(packed >> 224)) << 16) | uint16(packed >> 240)];
        }
        emit AttestationRevoked(attestationId, workId, msg.sender, reason);
    }

    // ---------------------------------------------------------------------------- status (disputes, admin)

    /// @inheritdoc IWorkRegistry
    function setWorkStatus(uint256 workId, WorkStatus status) external onlyRole(STATUS_ROLE) {
        (, uint96 extra) = _workWord(workId);
        _setStatus(workId, extra, status);
    }

    /// @inheritdoc IWorkRegistry
    function forceTransfer(uint256 workId, address to) external onlyRole(STATUS_ROLE) {
        if (to == address(0)) revert IHubErrors.ZeroAddress();
        (address owner, uint96 extra) = _workWord(workId);
        if (_status(extra) != WorkStatus.Active) _setStatus(workId, extra, WorkStatus.Active);
        _transfer(address(0), owner, to, workId);
    }

    function _setStatus(uint256 workId, uint96 extra, WorkStatus status) private {
        WorkStatus previous = _status(extra);
        if (previous == status) revert InvalidStatusChange(workId, previous, status);
        _setExtraData(workId, (extra & ~(uint96(0xff) << 48)) | (uint96(uint8(status)) << 48));
        emit WorkStatusChanged(workId, previous, status, msg.sender);
    }

    // ---------------------------------------------------------------------------- admin

    /// @notice Wire the licence market used for derivative checks (once).
    function setLicenceMarket(address market) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(licenceMarket) != address(0) || market == address(0)) {
            revert LicenceMarketAlreadySet(address(licenceMarket));
        }
        licenceMarket = ILicenceMarket(market);
        emit LicenceMarketSet(market);
    }

    /// @notice Stop registrations, metadata updates, attestations and transfers.
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
        (address owner, uint96 extra) = _workWord(workId);
        info = WorkInfo({
            owner: owner,
            registeredAt: uint40(extra),
            workType: uint8(extra >> 40),
            status: _status(extra),
            coOwnerCount: uint8(extra >> 56),
            metadataVersion: uint32(extra >> 64)
        });
    }

    /// @inheritdoc IWorkRegistry
    function workIdByDigest(bytes32 contentDigest) external view returns (uint256) {
        return _workIdByDigest[contentDigest];
    }

    /// @inheritdoc IWorkRegistry
    function payees(uint256 workId)
        external
        view
        returns (WorkStatus status, address lead, address[] memory coOwners, uint16[] memory coOwnerBps)
    {
        uint96 extra;
        (lead, extra) = _workWord(workId);
        status = _status(extra);
        uint256 n = uint8(extra >> 56);
        coOwners = new address[](n);
        coOwnerBps = new uint16[](n);
        for (uint256 i; i < n; ++i) {
            uint256 packed = _coOwners[workId][i];
            coOwners[i] = address(uint160(packed));
            coOwnerBps[i] = uint16(packed >> 160);
        }
    }

    /// @inheritdoc IWorkRegistry
    function ownerAndStatus(uint256 workId) external view returns (address owner, WorkStatus status) {
        uint96 extra;
        (owner, extra) = _workWord(workId);
        status = _status(extra);
    }

    /// @inheritdoc IWorkRegistry
    function hasApproval(uint256 workId, uint8 kind, uint16 territory) external view returns (bool) {
        mapping(uint256 => uint256) storage approvals = _approvals[workId];
        return approvals[(uint256(kind) << 16) | territory] != 0 || approvals[uint256(kind) << 16] != 0;
    }

    /// @notice The stored attestation (zeroes once revoked).
    function getAttestation(uint256 attestationId)
        external
        view
        returns (address attester, uint256 workId, uint8 kind, Decision decision, uint16 territory)
    {
        uint256 packed = _attestations[attestationId];
        if (packed == 0) revert AttestationNotFound(attestationId);
        return (
            address(uint160(packed)),
            uint64(packed >> 160),
            uint8(packed >> 224),
            Decision(uint8(packed >> 232)),
            uint16(packed >> 240)
        );
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

    /// @notice Works have no on-chain URI: metadata CIDs are in `WorkRegistered`/`MetadataUpdated` events.
    function tokenURI(uint256 id) public view override returns (string memory) {
        if (!_exists(id)) revert WorkNotFound(id);
        return "";
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721, ERC2981, AccessControl)
        returns (bool)
    {
        return ERC721.supportsInterface(interfaceId) || ERC2981.supportsInterface(interfaceId)
            || AccessControl.supportsInterface(interfaceId);
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

    /// @dev Transfers (not mints) need an Active work and an unpaused registry; each one starts a new
    /// ownership epoch (voiding offers signed before it).
    function _beforeTokenTransfer(address from, address to, uint256 id) internal override {
        if (from != address(0) && to != address(0)) {
            _requireNotPaused();
            WorkStatus status = _status(_getExtraData(id));
            if (status != WorkStatus.Active) revert WorkNotActive(id, status);
            // One transaction per transfer: the counter cannot reach 2^256.
            unchecked {
                ++_ownershipEpochs[id];
            }
        }
    }

    function _workWord(uint256 workId) private view returns (address owner, uint96 extra) {
        owner = _ownerOf(workId);
        if (owner == address(0)) revert WorkNotFound(workId);
        extra = _getExtraData(workId);
    }

    function _status(uint96 extra) private pure returns (WorkStatus) {
        return WorkStatus(uint8(extra >> 48));
    }
}
