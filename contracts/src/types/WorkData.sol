// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IWorkRegistry} from "../interfaces/IWorkRegistry.sol";

/// @notice The 96 bits of extra data solady's ERC-721 keeps beside a work token's owner: everything the
/// registry stores about a work besides its owner, in the ownership word a transfer touches anyway.
/// @dev Bit layout (the one place it is written down):
///   bits  0..39  registeredAt (unix seconds)
///   bits 40..47  workType
///   bits 48..55  status (IWorkRegistry.WorkStatus)
///   bits 56..63  coOwnerCount
///   bits 64..95  metadataVersion
type WorkData is uint96;

using WorkDataLib for WorkData global;

/// @notice Named accessors of {WorkData}; no other code shifts its bits.
library WorkDataLib {
    uint8 private constant STATUS_SHIFT = 48;
    uint8 private constant CO_OWNERS_SHIFT = 56;
    uint8 private constant VERSION_SHIFT = 64;

    /// @notice A fresh work's word: status Active, metadata version 0.
    /// @param registeredAt_ block timestamp of the registration.
    /// @param workType_ the kind of work.
    /// @param coOwnerCount_ co-owners besides the lead (at most 15, checked by the registry).
    /// @return the packed word.
    function pack(uint40 registeredAt_, uint8 workType_, uint8 coOwnerCount_) internal pure returns (WorkData) {
        return WorkData.wrap(
            uint96(registeredAt_) | (uint96(workType_) << 40) | (uint96(coOwnerCount_) << CO_OWNERS_SHIFT)
        );
    }

    /// @return block timestamp of the registration.
    function registeredAt(WorkData self) internal pure returns (uint40) {
        return uint40(WorkData.unwrap(self));
    }

    /// @return the kind of work.
    function workType(WorkData self) internal pure returns (uint8) {
        return uint8(WorkData.unwrap(self) >> 40);
    }

    /// @return Active, Frozen or Disputed.
    function status(WorkData self) internal pure returns (IWorkRegistry.WorkStatus) {
        return IWorkRegistry.WorkStatus(uint8(WorkData.unwrap(self) >> STATUS_SHIFT));
    }

    /// @return co-owners besides the lead owner.
    function coOwnerCount(WorkData self) internal pure returns (uint8) {
        return uint8(WorkData.unwrap(self) >> CO_OWNERS_SHIFT);
    }

    /// @return 0 at registration, +1 per metadata update.
    function metadataVersion(WorkData self) internal pure returns (uint32) {
        return uint32(WorkData.unwrap(self) >> VERSION_SHIFT);
    }

    /// @param status_ the new status.
    /// @return the word with `status_` in place of its status.
    function withStatus(WorkData self, IWorkRegistry.WorkStatus status_) internal pure returns (WorkData) {
        uint96 mask = uint96(0xff) << STATUS_SHIFT;
        return WorkData.wrap((WorkData.unwrap(self) & ~mask) | (uint96(uint8(status_)) << STATUS_SHIFT));
    }

    /// @param count co-owners besides the lead.
    /// @return the word with `count` in place of its co-owner count.
    function withCoOwnerCount(WorkData self, uint8 count) internal pure returns (WorkData) {
        uint96 mask = uint96(0xff) << CO_OWNERS_SHIFT;
        return WorkData.wrap((WorkData.unwrap(self) & ~mask) | (uint96(count) << CO_OWNERS_SHIFT));
    }

    /// @param version the new metadata version.
    /// @return the word with `version` in place of its metadata version.
    function withMetadataVersion(WorkData self, uint32 version) internal pure returns (WorkData) {
        uint96 mask = uint96(type(uint32).max) << VERSION_SHIFT;
        return WorkData.wrap((WorkData.unwrap(self) & ~mask) | (uint96(version) << VERSION_SHIFT));
    }
}
