// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IHubErrors} from "./IHubErrors.sol";
import {IWorkRegistry} from "./IWorkRegistry.sol";

/// @title IDisputeResolver
/// @notice Claims against works, backed by a bond and evidence, resolved by an arbiter within a ruling
/// period, after which an unanswered claim lapses.
/// @dev While a work has open disputes it is `Disputed` in the registry: no new offers, licences or
/// transfers. Any number of disputes may be open on one work, so no claim (nor the owner's own
/// sockpuppet) can keep a genuine claimant out. See SECURITY.md for the threat model.
interface IDisputeResolver is IHubErrors {
    /// @notice How a dispute ended.
    enum Outcome {
        None,
        UpheldFrozen,
        UpheldTransferred,
        Rejected,
        Lapsed
    }

    /// @notice A dispute as stored.
    /// @param workId the disputed work.
    /// @param claimant who opened it and posted the bond.
    /// @param bond the bond in wei.
    /// @param outcome None while open, then how it ended.
    /// @param open whether it awaits a ruling.
    /// @param deadline the end of the ruling period (unix seconds): no ruling after it, anyone may lapse it.
    /// @param answered whether the work's owner answered it (`answerDispute`, once).
    struct Dispute {
        uint64 workId;
        address claimant;
        uint96 bond;
        Outcome outcome;
        bool open;
        uint40 deadline;
        bool answered;
    }

    /// @notice Emitted when a dispute is opened.
    /// @param disputeId sequential id (from 1).
    /// @param workId the work.
    /// @param claimant who opened it (and posted the bond).
    /// @param bond the bond in wei.
    /// @param evidenceCid IPFS CID of the claim's evidence.
    /// @param deadline end of the ruling period (unix seconds).
    event DisputeOpened(
        uint256 indexed disputeId,
        uint256 indexed workId,
        address indexed claimant,
        uint256 bond,
        string evidenceCid,
        uint40 deadline
    );

    /// @notice Emitted when an arbiter resolves a dispute.
    /// @param disputeId the dispute.
    /// @param workId the work.
    /// @param arbiter who resolved it.
    /// @param outcome UpheldFrozen (work Frozen), UpheldTransferred (work moved to the claimant, Active, or
    /// Disputed while other disputes are open), Rejected (Active again once no dispute is open).
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

    /// @notice Emitted when a dispute nobody ruled on within its ruling period is closed.
    /// @param disputeId the dispute.
    /// @param workId the work.
    /// @param by who closed it (anyone may).
    /// @param bondRecipient the claimant, whose bond is returned.
    /// @param bond the bond.
    event DisputeLapsed(
        uint256 indexed disputeId, uint256 indexed workId, address indexed by, address bondRecipient, uint256 bond
    );

    /// @notice Emitted when the disputed work's owner answers an open dispute (once, before its deadline).
    /// @param disputeId the dispute.
    /// @param workId the work.
    /// @param owner the work's owner (token holder) who answered.
    /// @param evidenceCid IPFS CID of the answer's evidence.
    event DisputeAnswered(uint256 indexed disputeId, uint256 indexed workId, address indexed owner, string evidenceCid);

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

    /// @notice Thrown when a dispute is opened on a frozen work (a ruling already took it off the market).
    /// @param workId the work.
    /// @param status its status.
    error WorkNotDisputable(uint256 workId, IWorkRegistry.WorkStatus status);

    /// @notice Thrown when a dispute id does not exist.
    /// @param disputeId the id.
    error DisputeNotFound(uint256 disputeId);

    /// @notice Thrown when resolving or lapsing a dispute that is already closed.
    /// @param disputeId the id.
    error DisputeNotOpen(uint256 disputeId);

    /// @notice Thrown when an arbiter rules after the ruling period: the dispute can only lapse.
    /// @param disputeId the dispute.
    /// @param deadline the end of its ruling period.
    error RulingPeriodOver(uint256 disputeId, uint40 deadline);

    /// @notice Thrown when a dispute is lapsed before its ruling period ended.
    /// @param disputeId the dispute.
    /// @param deadline the end of its ruling period.
    error RulingPeriodNotOver(uint256 disputeId, uint40 deadline);

    /// @notice Thrown when the owner answers after the ruling period: the dispute can only lapse.
    /// @param disputeId the dispute.
    /// @param deadline the end of its ruling period.
    error AnswerPeriodOver(uint256 disputeId, uint40 deadline);

    /// @notice Thrown when a dispute the owner already answered is answered again.
    /// @param disputeId the dispute.
    error DisputeAlreadyAnswered(uint256 disputeId);

    /// @notice Thrown when the outcome is None or Lapsed, licences are revoked on a rejected dispute, or
    /// splits are named for a ruling that does not transfer the work.
    /// @param outcome the outcome given.
    error InvalidOutcome(Outcome outcome);

    /// @notice Thrown when a licence to revoke is not on the disputed work.
    /// @param licenceId the licence.
    /// @param workId the disputed work.
    error LicenceNotOnWork(uint256 licenceId, uint256 workId);

    /// @notice Open a dispute on an Active or Disputed work, posting `msg.value` as bond; the work is
    /// `Disputed` until every open dispute on it is closed. Refused while paused.
    /// @param workId the work.
    /// @param evidenceCid IPFS CID of the claim's evidence (non-empty).
    /// @return disputeId the new dispute's id (sequential from 1).
    function openDispute(uint256 workId, string calldata evidenceCid) external payable returns (uint256 disputeId);

    /// @notice Resolve an open dispute within its ruling period (ARBITER_ROLE). Available while paused.
    /// @param disputeId the dispute.
    /// @param outcome UpheldFrozen, UpheldTransferred or Rejected.
    /// @param revokeLicences licences on the work to revoke (upheld outcomes only).
    /// @param splits for UpheldTransferred: the new owners and shares, the claimant first; empty: the
    /// claimant alone. Must be empty for the other outcomes.
    /// @param rulingCid IPFS CID of the written ruling.
    function resolveDispute(
        uint256 disputeId,
        Outcome outcome,
        uint256[] calldata revokeLicences,
        IWorkRegistry.Split[] calldata splits,
        string calldata rulingCid
    ) external;

    /// @notice Answer an open dispute with the owner's evidence, once, by its deadline (the disputed work's
    /// owner, the token holder). Available while paused, like rulings: a pause must not run the owner's
    /// time out. The arbiter reads it before ruling.
    /// @param disputeId the dispute.
    /// @param evidenceCid IPFS CID of the answer's evidence (non-empty).
    function answerDispute(uint256 disputeId, string calldata evidenceCid) external;

    /// @notice Close a dispute nobody ruled on by its deadline (anyone); the bond returns to the claimant.
    /// Available while paused.
    /// @param disputeId the dispute.
    function lapseDispute(uint256 disputeId) external;

    /// @notice Pay out the caller's credited bonds.
    /// @return amount wei paid.
    function withdraw() external returns (uint256 amount);

    /// @notice A dispute as stored; reverts with {DisputeNotFound} for an unknown id.
    /// @param disputeId the dispute.
    /// @return the dispute.
    function getDispute(uint256 disputeId) external view returns (Dispute memory);

    /// @notice How many disputes are open on a work.
    /// @param workId the work.
    /// @return the count (0: none, the work is not held by any claim).
    function openDisputes(uint256 workId) external view returns (uint256);
}
