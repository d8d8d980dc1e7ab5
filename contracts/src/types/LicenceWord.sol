// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice A licence token's 96 bits of ERC-721 extra data (solady keeps them beside the holder, so a
/// purchase writes one fresh word per licence).
/// @dev Bits 0..14 rights (the 15-bit mask of ILicenceMarket), 15..54 start, 55..94 end (unix
/// seconds), 95 transferable. 15 + 40 + 40 + 1 = 96: nothing else fits, so the rarer facts (exclusive,
/// sublicensable, revocation time) live in a `LicenceExtras` word written only when one is set.
type LicenceWord is uint96;

using LicenceWordLib for LicenceWord global;

/// @notice The one place that knows the bit layout of `LicenceWord`.
library LicenceWordLib {
    uint256 internal constant RIGHTS_MASK = 0x7fff;
    uint256 private constant START_SHIFT = 15;
    uint256 private constant END_SHIFT = 55;
    uint256 private constant TRANSFERABLE_SHIFT = 95;

    /// @notice The word for a new licence.
    /// @param rights_ rights mask; the market refuses masks above RIGHTS_MASK before any sale, and it
    /// is masked here too so a wider value can never spill into `start`.
    /// @param start_ licence start.
    /// @param end_ licence end.
    /// @param transferable_ whether the token may change hands.
    /// @return the packed word.
    function pack(uint16 rights_, uint40 start_, uint40 end_, bool transferable_) internal pure returns (LicenceWord) {
        uint256 word = (uint256(rights_) & RIGHTS_MASK) | (uint256(start_) << START_SHIFT)
            | (uint256(end_) << END_SHIFT) | (transferable_ ? uint256(1) << TRANSFERABLE_SHIFT : 0);
        // 15 + 40 + 40 + 1 bits: the value is below 2^96, so the cast keeps every bit.
        return LicenceWord.wrap(uint96(word));
    }

    /// @return the rights mask.
    function rights(LicenceWord w) internal pure returns (uint16) {
        return uint16(LicenceWord.unwrap(w) & RIGHTS_MASK);
    }

    /// @return the start (unix seconds).
    function start(LicenceWord w) internal pure returns (uint40) {
        return uint40(LicenceWord.unwrap(w) >> START_SHIFT);
    }

    /// @return the end (unix seconds).
    function end(LicenceWord w) internal pure returns (uint40) {
        return uint40(LicenceWord.unwrap(w) >> END_SHIFT);
    }

    /// @return whether the terms let the token change hands.
    function transferable(LicenceWord w) internal pure returns (bool) {
        return LicenceWord.unwrap(w) >> TRANSFERABLE_SHIFT != 0;
    }
}
