// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @notice One active distribution requirement as DistributionRules stores it, in one word.
/// @dev Bit layout: bits 0..63 work type mask, 64..79 rights mask, 80..87 attestation kind,
/// 88..119 requirement id.
type RequirementWord is uint256;

using RequirementWordLib for RequirementWord global;

/// @notice Named accessors of {RequirementWord}; no other code shifts its bits.
library RequirementWordLib {
    /// @param id_ the requirement id.
    /// @param kind_ the attestation kind.
    /// @param workTypeMask_ the work types it applies to.
    /// @param rightsMask_ the rights it applies to.
    /// @return the packed word.
    function pack(uint32 id_, uint8 kind_, uint64 workTypeMask_, uint16 rightsMask_)
        internal
        pure
        returns (RequirementWord)
    {
        return RequirementWord.wrap(
            uint256(workTypeMask_) | (uint256(rightsMask_) << 64) | (uint256(kind_) << 80) | (uint256(id_) << 88)
        );
    }

    /// @return the work type mask.
    function workTypeMask(RequirementWord self) internal pure returns (uint64) {
        return uint64(RequirementWord.unwrap(self));
    }

    /// @return the rights mask.
    function rightsMask(RequirementWord self) internal pure returns (uint16) {
        return uint16(RequirementWord.unwrap(self) >> 64);
    }

    /// @return the attestation kind.
    function kind(RequirementWord self) internal pure returns (uint8) {
        return uint8(RequirementWord.unwrap(self) >> 80);
    }

    /// @return the requirement id.
    function id(RequirementWord self) internal pure returns (uint32) {
        return uint32(RequirementWord.unwrap(self) >> 88);
    }

    /// @param workType an on-chain work type.
    /// @param rights a licence's rights mask.
    /// @return whether the requirement applies to a licence of `rights` on a work of `workType`
    /// (types from 63 up share bit 63).
    function appliesTo(RequirementWord self, uint8 workType, uint16 rights) internal pure returns (bool) {
        uint256 typeBit = workType < 63 ? uint256(1) << workType : uint256(1) << 63;
        return self.workTypeMask() & typeBit != 0 && self.rightsMask() & rights != 0;
    }
}
