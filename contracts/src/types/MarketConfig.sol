// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice The market's configuration word, read by every purchase: treasury, fee, licence serial, pause.
/// @dev Bits 0..159 treasury, 160..175 fee (bps), 176..239 last licence serial, 248 paused. The pause
/// flag lives here rather than in OpenZeppelin's Pausable slot so that `whenNotPaused` costs no extra
/// cold storage read on the hot path.
type MarketConfig is uint256;

using MarketConfigLib for MarketConfig global;

/// @notice The one place that knows the bit layout of `MarketConfig`.
library MarketConfigLib {
    uint256 private constant FEE_SHIFT = 160;
    uint256 private constant SERIAL_SHIFT = 176;
    uint256 private constant PAUSED_BIT = uint256(1) << 248;

    /// @return the fee's payee.
    function treasury(MarketConfig c) internal pure returns (address) {
        return address(uint160(MarketConfig.unwrap(c)));
    }

    /// @return the protocol fee in basis points.
    function feeBps(MarketConfig c) internal pure returns (uint16) {
        return uint16(MarketConfig.unwrap(c) >> FEE_SHIFT);
    }

    /// @return the last licence serial issued.
    function serial(MarketConfig c) internal pure returns (uint64) {
        return uint64(MarketConfig.unwrap(c) >> SERIAL_SHIFT);
    }

    /// @return whether the market is paused.
    function paused(MarketConfig c) internal pure returns (bool) {
        return MarketConfig.unwrap(c) & PAUSED_BIT != 0;
    }

    /// @param fee fee in basis points.
    /// @param payee the treasury.
    /// @return the word with fee and treasury replaced.
    function withFee(MarketConfig c, uint16 fee, address payee) internal pure returns (MarketConfig) {
        uint256 kept = MarketConfig.unwrap(c) & ~((uint256(1) << SERIAL_SHIFT) - 1);
        return MarketConfig.wrap(kept | uint256(uint160(payee)) | (uint256(fee) << FEE_SHIFT));
    }

    /// @param serial_ the new last serial.
    /// @return the word with the serial replaced.
    function withSerial(MarketConfig c, uint64 serial_) internal pure returns (MarketConfig) {
        uint256 kept = MarketConfig.unwrap(c) & ~(uint256(type(uint64).max) << SERIAL_SHIFT);
        return MarketConfig.wrap(kept | (uint256(serial_) << SERIAL_SHIFT));
    }

    /// @param on whether the market is to be paused.
    /// @return the word with the pause flag set or cleared.
    function withPaused(MarketConfig c, bool on) internal pure returns (MarketConfig) {
        uint256 word = MarketConfig.unwrap(c);
        return MarketConfig.wrap(on ? word | PAUSED_BIT : word & ~PAUSED_BIT);
    }
}
