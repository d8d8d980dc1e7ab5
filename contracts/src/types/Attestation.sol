// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IWorkRegistry} from "../interfaces/IWorkRegistry.sol";

/// @notice A reviewer's attestation as the registry stores it, in one word (zero: none or revoked).
/// @dev Bit layout: bits 0..159 attester, 160..223 workId, 224..231 kind, 232..238 decision, 239 has a
/// validity window (stored beside, in the registry's `_windows`; read only when this bit is set),
/// 240..255 territory. Work ids fit 64 bits: the registry refuses to register past 2^64 - 1.
type Attestation is uint256;

using AttestationLib for Attestation global;

/// @notice Named accessors of {Attestation}; no other code shifts its bits.
library AttestationLib {
    /// @param attester_ the reviewer.
    /// @param workId_ the work (below 2^64).
    /// @param kind_ what was reviewed.
    /// @param decision_ Approved or Rejected.
    /// @param territory_ ISO 3166-1 numeric code (0 = everywhere).
    /// @param windowed_ whether a validity window is stored beside the word.
    /// @return the packed word.
    function pack(
        address attester_,
        uint64 workId_,
        uint8 kind_,
        IWorkRegistry.Decision decision_,
        uint16 territory_,
        bool windowed_
    ) internal pure returns (Attestation) {
        return Attestation.wrap(
            uint256(uint160(attester_)) | (uint256(workId_) << 160) | (uint256(kind_) << 224)
                | (uint256(uint8(decision_)) << 232) | (windowed_ ? WINDOWED : 0) | (uint256(territory_) << 240)
        );
    }

    uint256 private constant WINDOWED = uint256(1) << 239;

    /// @return whether a live attestation is stored.
    function exists(Attestation self) internal pure returns (bool) {
        return Attestation.unwrap(self) != 0;
    }

    /// @return the reviewer.
    function attester(Attestation self) internal pure returns (address) {
        return address(uint160(Attestation.unwrap(self)));
    }

    /// @return the work.
    function workId(Attestation self) internal pure returns (uint64) {
        return uint64(Attestation.unwrap(self) >> 160);
    }

    /// @return what was reviewed.
    function kind(Attestation self) internal pure returns (uint8) {
        return uint8(Attestation.unwrap(self) >> 224);
    }

    /// @return Approved or Rejected.
    function decision(Attestation self) internal pure returns (IWorkRegistry.Decision) {
        return IWorkRegistry.Decision(uint8(Attestation.unwrap(self) >> 232) & 0x7f);
    }

    /// @return whether a validity window is stored beside the word.
    function windowed(Attestation self) internal pure returns (bool) {
        return Attestation.unwrap(self) & WINDOWED != 0;
    }

    /// @return ISO 3166-1 numeric code (0 = everywhere).
    function territory(Attestation self) internal pure returns (uint16) {
        return uint16(Attestation.unwrap(self) >> 240);
    }

    /// @return the key of the registry's latest-attestation pointer this attestation sets (`kind << 16 | territory`).
    function approvalKey(Attestation self) internal pure returns (uint256) {
        return (uint256(self.kind()) << 16) | self.territory();
    }
}
