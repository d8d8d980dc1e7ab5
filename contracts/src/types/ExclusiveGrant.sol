// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice One recorded exclusive grant of a work (the market keeps at most MAX_EXCLUSIVE per work).
/// @dev Bits 0..63 licence serial, 64..79 rights, 80..119 start, 120..159 end, 160 has territories
/// (then they are stored beside the licence).
type ExclusiveGrant is uint256;

using ExclusiveGrantLib for ExclusiveGrant global;

/// @notice The one place that knows the bit layout of `ExclusiveGrant`.
library ExclusiveGrantLib {
    /// @param serial_ the licence serial (its id's low 64 bits).
    /// @param rights_ rights mask.
    /// @param start_ start.
    /// @param end_ end.
    /// @param hasTerritories_ whether the grant is limited to a stored territory list.
    /// @return the packed entry.
    function pack(uint64 serial_, uint16 rights_, uint40 start_, uint40 end_, bool hasTerritories_)
        internal
        pure
        returns (ExclusiveGrant)
    {
        return ExclusiveGrant.wrap(
            uint256(serial_) | (uint256(rights_) << 64) | (uint256(start_) << 80) | (uint256(end_) << 120)
                | (hasTerritories_ ? uint256(1) << 160 : 0)
        );
    }

    /// @return the licence serial.
    function serial(ExclusiveGrant g) internal pure returns (uint64) {
        return uint64(ExclusiveGrant.unwrap(g));
    }

    /// @return the rights mask.
    function rights(ExclusiveGrant g) internal pure returns (uint16) {
        return uint16(ExclusiveGrant.unwrap(g) >> 64);
    }

    /// @return the start.
    function start(ExclusiveGrant g) internal pure returns (uint40) {
        return uint40(ExclusiveGrant.unwrap(g) >> 80);
    }

    /// @return the end.
    function end(ExclusiveGrant g) internal pure returns (uint40) {
        return uint40(ExclusiveGrant.unwrap(g) >> 120);
    }

    /// @return whether the grant has a territory list.
    function hasTerritories(ExclusiveGrant g) internal pure returns (bool) {
        return (ExclusiveGrant.unwrap(g) >> 160) & 1 != 0;
    }
}
