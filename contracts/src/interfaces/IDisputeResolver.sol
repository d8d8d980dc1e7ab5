// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IDisputeResolver
/// @notice Claims against works, backed by a bond and evidence, resolved by an arbiter.
/// @dev While a dispute is open the work is `Disputed` in the registry: no new offers, licences or
/// transfers. One open dispute per work.
interface IDisputeResolver {
    /// @notice How a dispute ended.
    enum Outcome {
        None,
        UpheldFrozen,
        UpheldTransferred,
        Rejected
    }

    /// @notice A dispute as stored.
    struct Dispute {
        uint64 workId;
        address claimant;
        uint96 bond;
        Outcome outcome;
        bool open;
    }

    /// @notice Emitted when a dispute is opened.
    /// @param disputeId sequential id (from 1).
    /// @param workId the work.
    /// @param claimant who opened it (and posted the bond).
    /// @param bond the bond in wei.
    /// @param evidenceCid IPFS CID of the claim's evidence.
    event DisputeOpened(
        uint256 indexed disputeId, uint256 indexed workId, address indexed claimant, uint256 bond, string evidenceCid
    );

    /// @notice Emitted when an arbiter resolves a dispute.
    /// @param disputeId the dispute.
    /// @param workId the work.
    /// @param arbiter who resolved it.
    /// @param outcome UpheldFrozen (work stays Frozen), UpheldTransferred (work moved to the claimant, Active), Rejected (Active again).
    /// @param bondRecipient who was credited the bond (claimant if upheld, work owner if rejected).
    /// @param bond the bond.
    /// @param revokedLicences licences revoked by this ruling.
    /// @param rulingCid IPFS CID of the written ruling.
    event DisputeResolved(
        uint256 indexed disputeId,
        uint256 indexed workId,
        address indexed arbiter,
        Outcome outcome,
        address bondRecipient,
        uint256 bond,
        uint256[] revokedLicences,
        string rulingCid
    );

    /// @notice Emitted when a bond is credited to an account's pull balance.
    /// @param account the payee.
    /// @param disputeId the dispute.
    /// @param amount wei.
    event BondCredited(address indexed account, uint256 indexed disputeId, uint256 amount);

    /// @notice Emitted when an account withdraws its bond balance.
    /// @param payee the account.
    /// @param currency always address(0) (bonds are ETH).
    /// @param amount wei.
    event Withdrawn(address indexed payee, address indexed currency, uint256 amount);

    /// @notice Emitted when the admin changes the minimum bond.
    /// @param minBond the new minimum, in wei.
    event MinBondChanged(uint256 minBond);

    /// @notice Thrown when the bond is below the minimum.
    /// @param sent wei sent.
    /// @param minBond the minimum.
    error BondTooLow(uint256 sent, uint256 minBond);

    /// @notice Thrown when the work already has an open dispute.
    /// @param workId the work.
    /// @param disputeId the open dispute.
    error DisputeAlreadyOpen(uint256 workId, uint256 disputeId);

    /// @notice Thrown when a dispute id does not exist.
    /// @param disputeId the id.
    error DisputeNotFound(uint256 disputeId);

    /// @notice Thrown when resolving a dispute that is already resolved.
    /// @param disputeId the id.
    error DisputeNotOpen(uint256 disputeId);

    /// @notice Thrown when the outcome is None, or licences are revoked on a rejected dispute.
    /// @param outcome the outcome given.
    error InvalidOutcome(Outcome outcome);

    /// @notice Thrown when a licence to revoke is not on the disputed work.
    /// @param licenceId the licence.
    /// @param workId the disputed work.
    error LicenceNotOnWork(uint256 licenceId, uint256 workId);

    /// @notice Thrown when there is nothing to withdraw.
    /// @param account the caller.
    /// @param currency always address(0).
    error NothingToWithdraw(address account, address currency);

    /// @notice Thrown when sending ETH fails.
    /// @param to recipient.
    /// @param amount amount.
    error EthTransferFailed(address to, uint256 amount);

    /// @notice Open a dispute on an Active work, posting `msg.value` as bond.
    function openDispute(uint256 workId, string calldata evidenceCid) external payable returns (uint256 disputeId);

    /// @notice Resolve an open dispute (ARBITER_ROLE).
    function resolveDispute(
        uint256 disputeId,
        Outcome outcome,
        uint256[] calldata revokeLicences,
        string calldata rulingCid
    ) external;

    /// @notice Pay out the caller's credited bonds.
    function withdraw() external returns (uint256 amount);

    /// @notice A dispute as stored.
    function getDispute(uint256 disputeId) external view returns (Dispute memory);

    /// @notice The open dispute on a work, or 0.
    function openDisputeOf(uint256 workId) external view returns (uint256);
}
