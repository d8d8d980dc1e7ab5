// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IDisputeResolver} from "./interfaces/IDisputeResolver.sol";
import {ILicenceMarket} from "./interfaces/ILicenceMarket.sol";
import {IWorkRegistry} from "./interfaces/IWorkRegistry.sol";

/// @title DisputeResolver
/// @notice Anyone may dispute an Active or Disputed work by posting a bond (ETH) and an evidence CID; the
/// work is `Disputed` while any dispute on it is open. An arbiter rules within `RULING_PERIOD`:
/// Upheld, the bond returns to the claimant and the work is either `Frozen` or transferred to the
/// claimant (its splits and royalty follow), and chosen licences may be revoked; Rejected, the bond
/// goes to the work's owner. A dispute not ruled on by its deadline lapses (anyone may close it) and
/// its bond returns to the claimant. Bonds are pull payments.
/// @dev Needs STATUS_ROLE on the registry and REVOKER_ROLE on the market. Roles (see SECURITY.md):
/// DEFAULT_ADMIN_ROLE (two-step transfer with delay) sets the minimum bond and grants PAUSER_ROLE;
/// ARBITER_ROLE is administered by ARBITER_ADMIN_ROLE, which only itself administers and the default
/// admin can neither hold by grant nor reassign.
contract DisputeResolver is AccessControlDefaultAdminRules, Pausable, ReentrancyGuardTransient, IDisputeResolver {
    /// @notice May resolve disputes.
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    /// @notice May grant and revoke ARBITER_ROLE (and hand itself over); administered only by itself.
    bytes32 public constant ARBITER_ADMIN_ROLE = keccak256("ARBITER_ADMIN_ROLE");
    /// @notice May pause and unpause.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Delay before a new default admin may accept the role (and before a delay change applies).
    uint48 public constant ADMIN_TRANSFER_DELAY = 3 days;
    /// @notice Time an arbiter has to rule on a dispute; after it the dispute can only lapse.
    uint256 public constant RULING_PERIOD = 30 days;

    /// @notice The registry whose works are disputed.
    IWorkRegistry public immutable registry;
    /// @notice The market whose licences may be revoked.
    ILicenceMarket public immutable market;

    /// @notice Smallest bond, in wei.
    uint256 public minBond;
    uint256 private _lastDisputeId;
    mapping(uint256 disputeId => Dispute) private _disputes;
    /// @inheritdoc IDisputeResolver
    mapping(uint256 workId => uint256 count) public openDisputes;
    /// @notice Bonds credited and not yet withdrawn.
    mapping(address account => uint256 amount) public creditOf;

    /// @param admin the default admin (also the first pauser).
    /// @param arbiterAdmin the account that appoints arbiters (use another key than `admin`).
    /// @param registry_ the work registry.
    /// @param market_ the licence market.
    /// @param minBond_ the smallest bond, in wei.
    constructor(address admin, address arbiterAdmin, IWorkRegistry registry_, ILicenceMarket market_, uint256 minBond_)
        AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin)
    {
        if (arbiterAdmin == address(0) || address(registry_) == address(0) || address(market_) == address(0)) {
            revert ZeroAddress();
        }
        registry = registry_;
        market = market_;
        _grantRole(PAUSER_ROLE, admin);
        _setRoleAdmin(ARBITER_ADMIN_ROLE, ARBITER_ADMIN_ROLE);
        _setRoleAdmin(ARBITER_ROLE, ARBITER_ADMIN_ROLE);
        _grantRole(ARBITER_ADMIN_ROLE, arbiterAdmin);
        minBond = minBond_;
        emit MinBondChanged(minBond_);
    }

    /// @inheritdoc IDisputeResolver
    function openDispute(uint256 workId, string calldata evidenceCid)
        external
        payable
        nonReentrant
        whenNotPaused
        returns (uint256 disputeId)
    {
        if (msg.value < minBond) revert BondTooLow(msg.value, minBond);
        if (bytes(evidenceCid).length == 0) revert EmptyCid("evidenceCid");
        IWorkRegistry.WorkStatus status = registry.getWork(workId).status;
        if (status == IWorkRegistry.WorkStatus.Frozen) revert WorkNotDisputable(workId, status);
        unchecked {
            disputeId = ++_lastDisputeId;
        }
        uint40 deadline = SafeCast.toUint40(block.timestamp + RULING_PERIOD);
        _disputes[disputeId] = Dispute({
            workId: SafeCast.toUint64(workId),
            claimant: msg.sender,
            bond: SafeCast.toUint96(msg.value),
            outcome: Outcome.None,
            open: true,
            deadline: deadline,
            answered: false
        });
        ++openDisputes[workId];
        emit DisputeOpened(disputeId, workId, msg.sender, msg.value, evidenceCid, deadline);
        if (status == IWorkRegistry.WorkStatus.Active) {
            registry.setWorkStatus(workId, IWorkRegistry.WorkStatus.Disputed);
        }
    }

    /// @inheritdoc IDisputeResolver
    function resolveDispute(
        uint256 disputeId,
        Outcome outcome,
        uint256[] calldata revokeLicences,
        IWorkRegistry.Split[] calldata splits,
        string calldata rulingCid
    ) external nonReentrant onlyRole(ARBITER_ROLE) {
        Dispute storage d = _openDispute(disputeId);
        if (block.timestamp > d.deadline) revert RulingPeriodOver(disputeId, d.deadline);
        if (
            outcome == Outcome.None || outcome == Outcome.Lapsed
                || (outcome == Outcome.Rejected && revokeLicences.length != 0)
                || (outcome != Outcome.UpheldTransferred && splits.length != 0)
        ) {
            revert InvalidOutcome(outcome);
        }
        uint256 workId = d.workId;
        for (uint256 i; i < revokeLicences.length; ++i) {
            if (revokeLicences[i] >> 64 != workId) revert LicenceNotOnWork(revokeLicences[i], workId);
        }
        address claimant = d.claimant;
        uint256 stillOpen = _close(d, outcome);
        address recipient = claimant;
        if (outcome == Outcome.Rejected) recipient = IERC721(address(registry)).ownerOf(workId);
        uint256 bond = d.bond;
        creditOf[recipient] += bond;
        emit BondCredited(recipient, disputeId, bond);
        emit DisputeResolved(disputeId, workId, msg.sender, outcome, recipient, bond, revokeLicences, rulingCid);

        if (outcome == Outcome.UpheldTransferred) {
            registry.forceTransfer(workId, claimant, splits);
            if (stillOpen != 0) registry.setWorkStatus(workId, IWorkRegistry.WorkStatus.Disputed);
        } else if (outcome == Outcome.UpheldFrozen) {
            if (registry.getWork(workId).status != IWorkRegistry.WorkStatus.Frozen) {
                registry.setWorkStatus(workId, IWorkRegistry.WorkStatus.Frozen);
            }
        } else {
            _release(workId, stillOpen);
        }
        for (uint256 i; i < revokeLicences.length; ++i) {
            market.revokeLicence(revokeLicences[i], disputeId);
        }
    }

    /// @inheritdoc IDisputeResolver
    function answerDispute(uint256 disputeId, string calldata evidenceCid) external {
        Dispute storage d = _openDispute(disputeId);
        uint40 deadline = d.deadline;
        if (block.timestamp > deadline) revert AnswerPeriodOver(disputeId, deadline);
        if (d.answered) revert DisputeAlreadyAnswered(disputeId);
        uint256 workId = d.workId;
        address owner = IERC721(address(registry)).ownerOf(workId);
        if (owner != msg.sender) revert NotWorkOwner(workId, msg.sender, owner);
        if (bytes(evidenceCid).length == 0) revert EmptyCid("evidenceCid");
        d.answered = true;
        emit DisputeAnswered(disputeId, workId, msg.sender, evidenceCid);
    }

    /// @inheritdoc IDisputeResolver
    function lapseDispute(uint256 disputeId) external nonReentrant {
        Dispute storage d = _openDispute(disputeId);
        if (block.timestamp <= d.deadline) revert RulingPeriodNotOver(disputeId, d.deadline);
        uint256 workId = d.workId;
        address claimant = d.claimant;
        uint256 stillOpen = _close(d, Outcome.Lapsed);
        uint256 bond = d.bond;
        creditOf[claimant] += bond;
        emit BondCredited(claimant, disputeId, bond);
        emit DisputeLapsed(disputeId, workId, msg.sender, claimant, bond);
        _release(workId, stillOpen);
    }

    /// @dev The open dispute `disputeId` (reverts when unknown or closed).
    function _openDispute(uint256 disputeId) private view returns (Dispute storage d) {
        d = _disputes[disputeId];
        if (d.claimant == address(0)) revert DisputeNotFound(disputeId);
        if (!d.open) revert DisputeNotOpen(disputeId);
    }

    /// @dev Closes `d` with `outcome`; returns how many disputes stay open on its work.
    function _close(Dispute storage d, Outcome outcome) private returns (uint256 stillOpen) {
        d.open = false;
        d.outcome = outcome;
        stillOpen = --openDisputes[d.workId];
    }

    /// @dev Once no dispute holds a Disputed work it is Active again (a Frozen work stays Frozen).
    function _release(uint256 workId, uint256 stillOpen) private {
        if (stillOpen == 0 && registry.getWork(workId).status == IWorkRegistry.WorkStatus.Disputed) {
            registry.setWorkStatus(workId, IWorkRegistry.WorkStatus.Active);
        }
    }

    /// @inheritdoc IDisputeResolver
    function withdraw() external nonReentrant returns (uint256 amount) {
        amount = creditOf[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender, address(0));
        creditOf[msg.sender] = 0;
        emit Withdrawn(msg.sender, address(0), amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert EthTransferFailed(msg.sender, amount);
    }

    /// @inheritdoc IDisputeResolver
    function getDispute(uint256 disputeId) external view returns (Dispute memory) {
        Dispute memory d = _disputes[disputeId];
        if (d.claimant == address(0)) revert DisputeNotFound(disputeId);
        return d;
    }

    /// @notice Set the smallest bond (DEFAULT_ADMIN_ROLE).
    /// @param minBond_ the new minimum, in wei.
    function setMinBond(uint256 minBond_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        minBond = minBond_;
        emit MinBondChanged(minBond_);
    }

    /// @notice Stop new disputes (answers, rulings, lapses and withdrawals stay open).
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Resume.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }
}
