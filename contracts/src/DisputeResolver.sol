// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDisputeResolver} from "./interfaces/IDisputeResolver.sol";
import {IHubErrors} from "./interfaces/IHubErrors.sol";
import {ILicenceMarket} from "./interfaces/ILicenceMarket.sol";
import {IWorkRegistry} from "./interfaces/IWorkRegistry.sol";

/// @title DisputeResolver
/// @notice Anyone may dispute an Active work by posting a bond (ETH) and an evidence CID; the work is
/// `Disputed` until an arbiter rules. Upheld: the bond returns to the claimant and the work is either
/// kept `Frozen` or transferred to the claimant (then `Active`), and chosen licences may be revoked.
/// Rejected: the bond goes to the work's owner and the work is `Active` again. Bonds are pull payments.
/// @dev Needs STATUS_ROLE on the registry and REVOKER_ROLE on the market.
contract DisputeResolver is AccessControl, Pausable, ReentrancyGuardTransient, IDisputeResolver {
    /// @notice May resolve disputes.
    bytes32 public constant ARBITER_ROLE = keccak256("ARBITER_ROLE");
    /// @notice May pause and unpause.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice The registry whose works are disputed.
    IWorkRegistry public immutable registry;
    /// @notice The market whose licences may be revoked.
    ILicenceMarket public immutable market;

    /// @notice Smallest bond, in wei.
    uint256 public minBond;
    uint256 private _lastDisputeId;
    mapping(uint256 disputeId => Dispute) private _disputes;
    /// @inheritdoc IDisputeResolver
    mapping(uint256 workId => uint256 disputeId) public openDisputeOf;
    /// @notice Bonds credited and not yet withdrawn.
    mapping(address account => uint256 amount) public creditOf;

    constructor(address admin, IWorkRegistry registry_, ILicenceMarket market_, uint256 minBond_) {
        if (admin == address(0) || address(registry_) == address(0) || address(market_) == address(0)) {
            revert IHubErrors.ZeroAddress();
        }
        registry = registry_;
        market = market_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
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
        if (bytes(evidenceCid).length == 0) revert IWorkRegistry.EmptyCid("evidenceCid");
        IWorkRegistry.WorkStatus status = registry.getWork(workId).status;
        uint256 open = openDisputeOf[workId];
        if (open != 0) revert DisputeAlreadyOpen(workId, open);
        if (status != IWorkRegistry.WorkStatus.Active) revert IWorkRegistry.WorkNotActive(workId, status);
        unchecked {
            disputeId = ++_lastDisputeId;
        }
        _disputes[disputeId] = Dispute({
            workId: uint64(workId), claimant: msg.sender, bond: uint96(msg.value), outcome: Outcome.None, open: true
        });
        openDisputeOf[workId] = disputeId;
        emit DisputeOpened(disputeId, workId, msg.sender, msg.value, evidenceCid);
        registry.setWorkStatus(workId, IWorkRegistry.WorkStatus.Disputed);
    }

    /// @inheritdoc IDisputeResolver
    function resolveDispute(
        uint256 disputeId,
        Outcome outcome,
        uint256[] calldata revokeLicences,
        string calldata rulingCid
    ) external nonReentrant onlyRole(ARBITER_ROLE) {
        Dispute storage d = _disputes[disputeId];
        if (d.claimant == address(0)) revert DisputeNotFound(disputeId);
        if (!d.open) revert DisputeNotOpen(disputeId);
        if (outcome == Outcome.None || (outcome == Outcome.Rejected && revokeLicences.length != 0)) {
            revert InvalidOutcome(outcome);
        }
        uint256 workId = d.workId;
        for (uint256 i; i < revokeLicences.length; ++i) {
            if (revokeLicences[i] >> 64 != workId) revert LicenceNotOnWork(revokeLicences[i], workId);
        }
        address claimant = d.claimant;
        d.open = false;
        d.outcome = outcome;
        delete openDisputeOf[workId];
        _settleBond(disputeId, d, outcome, revokeLicences, rulingCid);

        if (outcome == Outcome.UpheldTransferred) {
            registry.forceTransfer(workId, claimant);
        } else {
            IWorkRegistry.WorkStatus target =
                outcome == Outcome.UpheldFrozen ? IWorkRegistry.WorkStatus.Frozen : IWorkRegistry.WorkStatus.Active;
            // An admin may have changed the status meanwhile; a ruling must still go through.
            if (registry.getWork(workId).status != target) registry.setWorkStatus(workId, target);
        }
        for (uint256 i; i < revokeLicences.length; ++i) {
            market.revokeLicence(revokeLicences[i], disputeId);
        }
    }

    /// @dev Credits the bond to the claimant (upheld) or the work's current owner (rejected).
    function _settleBond(
        uint256 disputeId,
        Dispute storage d,
        Outcome outcome,
        uint256[] calldata revokeLicences,
        string calldata rulingCid
    ) private {
        uint256 workId = d.workId;
        address recipient = d.claimant;
        if (outcome == Outcome.Rejected) recipient = IERC721(address(registry)).ownerOf(workId);
        uint256 bond = d.bond;
        creditOf[recipient] += bond;
        emit BondCredited(recipient, disputeId, bond);
        emit DisputeResolved(disputeId, workId, msg.sender, outcome, recipient, bond, revokeLicences, rulingCid);
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

    /// @notice Set the smallest bond.
    function setMinBond(uint256 minBond_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        minBond = minBond_;
        emit MinBondChanged(minBond_);
    }

    /// @notice Stop new disputes (rulings and withdrawals stay open).
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Resume.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }
}
