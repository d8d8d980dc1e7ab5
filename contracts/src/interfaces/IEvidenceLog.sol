// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IHubErrors} from "./IHubErrors.sol";
import {IWorkRegistry} from "./IWorkRegistry.sol";

/// @title IEvidenceLog
/// @notice Infringement evidence records: a captured copy of something that may infringe a registered
/// work (a file, a web page, a stream recording), fixed on chain by its digest, content id, source and
/// capture time, and tied to the work it concerns.
/// @dev Anyone may record evidence (a claimant need not own the work nor hold a role): a record says only
/// "this account held these bytes, from this source, at this time, about this work"; what the bytes prove
/// is for an arbiter or a court. The event carries the whole record, so the log is rebuilt from events
/// alone. A dispute cites evidence off chain: `IDisputeResolver.openDispute`'s `evidenceCid` names an
/// evidence package whose JSON lists the evidence ids and their transactions.
interface IEvidenceLog is IHubErrors {
    /// @notice Emitted once, by the constructor: an auditor who knows only the registry finds its evidence
    /// log by this event (and checks the log's code and creator).
    /// @param registry the registry whose works the log's evidence concerns.
    event EvidenceLogCreated(address indexed registry);

    /// @notice Emitted when evidence is recorded.
    /// @param evidenceId sequential id (from 1).
    /// @param workId the registered work the evidence concerns.
    /// @param recorder who recorded it.
    /// @param digest sha256 of the captured file.
    /// @param cid IPFS CID of the captured file (as `ipfs add` computes it).
    /// @param source where it was captured: a URL, or `file:` and the file's name for a local copy.
    /// @param capturedAt when it was captured (unix seconds, by the recorder's clock; at most
    /// `MAX_CLOCK_SKEW` after the recording block's time).
    event EvidenceRecorded(
        uint256 indexed evidenceId,
        uint256 indexed workId,
        address indexed recorder,
        bytes32 digest,
        string cid,
        string source,
        uint40 capturedAt
    );

    /// @notice Thrown when the digest of a record is zero (no file was hashed).
    error EmptyDigest();

    /// @notice Thrown when the source of a record is empty.
    error EmptySource();

    /// @notice Thrown when a capture time lies more than `MAX_CLOCK_SKEW` after the block that records it.
    /// @param capturedAt the capture time given (unix seconds).
    /// @param blockTime the block's timestamp.
    error CapturedInFuture(uint40 capturedAt, uint256 blockTime);

    /// @notice Record a captured copy as evidence about `workId` (anyone). Emits EvidenceRecorded.
    /// @dev Reverts with {WorkNotFound} (from the registry) for an unknown work.
    /// @param workId the registered work.
    /// @param digest sha256 of the captured file.
    /// @param cid IPFS CID of the captured file.
    /// @param source the URL or `file:NAME` it was captured from.
    /// @param capturedAt capture time (unix seconds), at most `MAX_CLOCK_SKEW` after this block's time.
    /// @return evidenceId the new record's id.
    function record(uint256 workId, bytes32 digest, string calldata cid, string calldata source, uint40 capturedAt)
        external
        returns (uint256 evidenceId);

    /// @notice How far a capture time may lie after the recording block's time (seconds): the recorder's
    /// clock runs ahead of the last block's timestamp by up to a block interval, and gas is estimated
    /// against the last block. A capture claimed later than that is refused.
    /// @return the tolerance in seconds.
    function MAX_CLOCK_SKEW() external view returns (uint256);

    /// @notice The registry whose works evidence concerns.
    /// @return the WorkRegistry.
    function registry() external view returns (IWorkRegistry);

    /// @notice How many records exist (the last evidence id).
    /// @return the count.
    function evidenceCount() external view returns (uint256);
}
