// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice Per work, how long non-exclusive licences cover each right, and how many exclusive grants
/// are recorded: the word the exclusivity check reads.
/// @dev Bits 16i..16i+15 (i = 0..14): the latest end of any non-exclusive licence granting right i,
/// in days since EPOCH rounded up (0 = none). The counter saturates at FOREVER (~ year 2203), and a
/// saturated counter means "covered forever" in every comparison: an end past the counter's range is
/// never read as an earlier one. Bits 248..255: number of recorded exclusive grants.
type Coverage is uint256;

using CoverageLib for Coverage global;

/// @notice The one place that knows the bit layout of `Coverage`.
library CoverageLib {
    /// @notice Origin of the day counter: 2024-01-01T00:00:00Z.
    uint256 internal constant EPOCH = 1_704_067_200;
    /// @notice The saturated counter: covered forever.
    uint256 internal constant FOREVER = 0xffff;
    /// @notice Number of rights tracked (the mask's width).
    uint256 internal constant RIGHTS = 15;
    uint256 private constant DAY = 86_400;
    uint256 private constant WIDTH = 16;
    uint256 private constant COUNT_SHIFT = 248;

    /// @param right the right index (0..14).
    /// @return until the latest end of a non-exclusive licence on `right`: 0 for none,
    /// `type(uint256).max` for forever.
    function coveredUntil(Coverage c, uint256 right) internal pure returns (uint256 until) {
        uint256 d = (Coverage.unwrap(c) >> (WIDTH * right)) & FOREVER;
        if (d == FOREVER) return type(uint256).max;
        // d < 2^16, so the product is far below 2^256.
        return d == 0 ? 0 : EPOCH + d * DAY;
    }

    /// @param rights mask of the rights a new non-exclusive licence grants.
    /// @param end its end.
    /// @return the word with each of those rights covered until at least `end`.
    function extend(Coverage c, uint256 rights, uint256 end) internal pure returns (Coverage) {
        uint256 d = toDays(end);
        uint256 word = Coverage.unwrap(c);
        for (uint256 i; i < RIGHTS; ++i) {
            if (rights & (1 << i) == 0) continue;
            uint256 shift = WIDTH * i;
            if ((word >> shift) & FOREVER < d) word = (word & ~(FOREVER << shift)) | (d << shift);
        }
        return Coverage.wrap(word);
    }

    /// @return the number of exclusive grants recorded for the work.
    function exclusiveCount(Coverage c) internal pure returns (uint256) {
        return Coverage.unwrap(c) >> COUNT_SHIFT;
    }

    /// @param count the new number of recorded exclusive grants (at most MAX_EXCLUSIVE, far below 2^8).
    /// @return the word with that count.
    function withExclusiveCount(Coverage c, uint256 count) internal pure returns (Coverage) {
        // count <= MAX_EXCLUSIVE (16) fits the 8 top bits.
        return Coverage.wrap((Coverage.unwrap(c) & ((uint256(1) << COUNT_SHIFT) - 1)) | (count << COUNT_SHIFT));
    }

    /// @param ts a licence end (unix seconds).
    /// @return days since EPOCH rounded up, at least 1, saturating at FOREVER.
    function toDays(uint256 ts) internal pure returns (uint256) {
        if (ts <= EPOCH) return 1;
        uint256 d = (ts - EPOCH + DAY - 1) / DAY;
        return d > FOREVER ? FOREVER : d;
    }
}
