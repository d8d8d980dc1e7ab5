// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IEvidenceLog} from "./interfaces/IEvidenceLog.sol";
import {IWorkRegistry} from "./interfaces/IWorkRegistry.sol";

/// @title EvidenceLog
/// @notice An append-only log of infringement evidence about registered works. Anyone may record; no
/// admin, no pause, no upgrade: a record once made stays, and its event is the whole record.
/// @dev State is one counter. The registry is checked for the work (any status: a frozen or disputed
/// work can be infringed too); nothing else is called, so there is no reentrancy surface.
contract EvidenceLog is IEvidenceLog {
    /// @inheritdoc IEvidenceLog
    uint256 public constant MAX_CLOCK_SKEW = 15 minutes;
    /// @inheritdoc IEvidenceLog
    IWorkRegistry public immutable registry;
    /// @inheritdoc IEvidenceLog
    uint256 public evidenceCount;

    /// @param registry_ the work registry.
    constructor(IWorkRegistry registry_) {
        if (address(registry_) == address(0)) revert ZeroAddress();
        registry = registry_;
        emit EvidenceLogCreated(address(registry_));
    }

    /// @inheritdoc IEvidenceLog
    function record(uint256 workId, bytes32 digest, string calldata cid, string calldata source, uint40 capturedAt)
        external
        returns (uint256 evidenceId)
    {
        if (digest == bytes32(0)) revert EmptyDigest();
        if (bytes(cid).length == 0) revert EmptyCid("cid");
        if (bytes(source).length == 0) revert EmptySource();
        if (capturedAt > block.timestamp + MAX_CLOCK_SKEW) revert CapturedInFuture(capturedAt, block.timestamp);
        registry.ownerAndStatus(workId); // reverts WorkNotFound for an unknown id
        // a counter of records cannot reach 2**256
        unchecked {
            evidenceId = ++evidenceCount;
        }
        emit EvidenceRecorded(evidenceId, workId, msg.sender, digest, cid, source, capturedAt);
    }
}
