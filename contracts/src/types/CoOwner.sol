// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice One co-owner of a work as the registry stores it, in one word.
/// @dev Bit layout: bits 0..159 account, bits 160..175 share in basis points.
type CoOwner is uint256;

using CoOwnerLib for CoOwner global;

/// @notice Named accessors of {CoOwner}; no other code shifts its bits.
library CoOwnerLib {
    /// @param account_ who is paid.
    /// @param bps_ the share in basis points.
    /// @return the packed word.
    function pack(address account_, uint16 bps_) internal pure returns (CoOwner) {
        return CoOwner.wrap(uint256(uint160(account_)) | (uint256(bps_) << 160));
    }

    /// @return who is paid.
    function account(CoOwner self) internal pure returns (address) {
        return address(uint160(CoOwner.unwrap(self)));
    }

    /// @return the share in basis points.
    function bps(CoOwner self) internal pure returns (uint16) {
        return uint16(CoOwner.unwrap(self) >> 160);
    }
}
