// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice The facts about a licence that do not fit its `LicenceWord`; zero (never written) for a
/// plain non-exclusive, non-sublicensable licence that was never revoked, the common purchase.
/// @dev Bit 0 exclusive, bit 1 sublicensable, bits 8..47 revocation time (unix seconds, 0 = not revoked).
type LicenceExtras is uint256;

using LicenceExtrasLib for LicenceExtras global;

/// @notice The one place that knows the bit layout of `LicenceExtras`.
library LicenceExtrasLib {
    uint256 private constant EXCLUSIVE = 1;
    uint256 private constant SUBLICENSABLE = 2;
    uint256 private constant REVOKED_AT_SHIFT = 8;

    /// @param exclusive_ the licence is exclusive.
    /// @param sublicensable_ the licensee may sublicense.
    /// @return the word for a fresh licence (not revoked).
    function pack(bool exclusive_, bool sublicensable_) internal pure returns (LicenceExtras) {
        return LicenceExtras.wrap((exclusive_ ? EXCLUSIVE : 0) | (sublicensable_ ? SUBLICENSABLE : 0));
    }

    /// @return whether nothing is recorded (the word need not be written).
    function isEmpty(LicenceExtras e) internal pure returns (bool) {
        return LicenceExtras.unwrap(e) == 0;
    }

    /// @return whether the licence is exclusive.
    function exclusive(LicenceExtras e) internal pure returns (bool) {
        return LicenceExtras.unwrap(e) & EXCLUSIVE != 0;
    }

    /// @return whether the licence is sublicensable.
    function sublicensable(LicenceExtras e) internal pure returns (bool) {
        return LicenceExtras.unwrap(e) & SUBLICENSABLE != 0;
    }

    /// @return when the licence was revoked (0: it was not).
    function revokedAt(LicenceExtras e) internal pure returns (uint40) {
        return uint40(LicenceExtras.unwrap(e) >> REVOKED_AT_SHIFT);
    }

    /// @param at the revocation time (non-zero).
    /// @return the word with the revocation time set.
    function withRevokedAt(LicenceExtras e, uint40 at) internal pure returns (LicenceExtras) {
        uint256 cleared = LicenceExtras.unwrap(e) & ~(uint256(type(uint40).max) << REVOKED_AT_SHIFT);
        return LicenceExtras.wrap(cleared | (uint256(at) << REVOKED_AT_SHIFT));
    }
}
