// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IHubErrors} from "./IHubErrors.sol";
import {IWorkRegistry} from "./IWorkRegistry.sol";

/// @title IDistributionRules
/// @notice Distribution requirements regulators set per territory, which every licence sale must meet:
/// "works of these types, licensed with any of these rights in territory T, need a live attestation of
/// kind K". The licence market asks `checkSale` before it grants any licence (on-chain or signed offer).
/// @dev Roles (SECURITY.md): the default admin (AccessControlDefaultAdminRules) assigns regulators to
/// territories and may define attestation kinds; a regulator of territory T sets and withdraws T's
/// requirements and may define kinds. Attestations themselves are the registry's (`IWorkRegistry.attest`);
/// "live" is the registry's notion (`IWorkRegistry.hasApproval`: the latest attestation for the work, kind
/// and territory is Approved, not revoked and within its window; a territory with no attestation of its
/// own falls back to territory 0, everywhere). Requirements apply to sales after they are set; licences
/// already granted are not touched. Bounds: `MAX_TERRITORIES` territories with active requirements,
/// `MAX_PER_TERRITORY` active requirements each, so a worldwide sale checks at most 512.
///
/// Work type mask: bit i stands for work type i (i < 63); bit 63 stands for every type from 63 up, so no
/// work type escapes a requirement whose mask is `ALL_WORK_TYPES`.
interface IDistributionRules is IHubErrors {
    /// @notice One active requirement of a territory.
    /// @param requirementId its id (sequential from 1, across all territories).
    /// @param kind the attestation kind that must be live.
    /// @param workTypeMask the work types it applies to (see the interface doc).
    /// @param rightsMask it applies to licences granting any of these rights.
    struct Requirement {
        uint32 requirementId;
        uint8 kind;
        uint64 workTypeMask;
        uint16 rightsMask;
    }

    /// @notice Emitted when the admin makes an account a regulator of a territory, or stops it being one.
    /// @param territory ISO 3166-1 numeric code.
    /// @param regulator the account.
    /// @param allowed whether it now regulates the territory.
    event RegulatorSet(uint16 indexed territory, address indexed regulator, bool allowed);

    /// @notice Emitted when an attestation kind is defined (once per kind).
    /// @param kind the kind number, as `IWorkRegistry.attest` takes it.
    /// @param name a short name (e.g. `filing`).
    /// @param meaning what an Approved attestation of this kind says.
    /// @param by the admin or regulator who defined it.
    event AttestationKindDefined(uint8 indexed kind, string name, string meaning, address indexed by);

    /// @notice Emitted when a requirement is created, changed or withdrawn.
    /// @param territory ISO 3166-1 numeric code.
    /// @param requirementId the requirement.
    /// @param kind the attestation kind that must be live.
    /// @param workTypeMask the work types it applies to.
    /// @param rightsMask the rights it applies to.
    /// @param active false when withdrawn (the other fields then repeat its last values).
    /// @param regulator who set it.
    event RequirementSet(
        uint16 indexed territory,
        uint32 indexed requirementId,
        uint8 kind,
        uint64 workTypeMask,
        uint16 rightsMask,
        bool active,
        address indexed regulator
    );

    /// @notice Thrown when a sale would license a work in a territory whose requirement it does not meet.
    /// @param workId the work.
    /// @param territory the territory whose requirement is unmet.
    /// @param kind the attestation kind that is not live there.
    error RequirementNotMet(uint256 workId, uint16 territory, uint8 kind);

    /// @notice Thrown when a caller who regulates no territory (nor is the admin) defines a kind, or a caller
    /// who does not regulate `territory` sets its requirement.
    /// @param caller the caller.
    /// @param territory the territory (0 when defining a kind).
    error NotRegulator(address caller, uint16 territory);

    /// @notice Thrown when a territory code is outside 1..999.
    /// @param territory the code.
    error InvalidTerritoryCode(uint16 territory);

    /// @notice Thrown when an attestation kind is 0, or its name is empty.
    /// @param kind the kind.
    error InvalidKind(uint8 kind);

    /// @notice Thrown when a kind is defined a second time (a kind's meaning never changes).
    /// @param kind the kind.
    error KindAlreadyDefined(uint8 kind);

    /// @notice Thrown when a requirement names a kind nobody has defined.
    /// @param kind the kind.
    error KindNotDefined(uint8 kind);

    /// @notice Thrown when a requirement's work type mask or rights mask is empty, or the rights mask has
    /// bits beyond the fifteen rights.
    /// @param workTypeMask the work type mask.
    /// @param rightsMask the rights mask.
    error InvalidRequirementMasks(uint64 workTypeMask, uint16 rightsMask);

    /// @notice Thrown when a requirement id to change or withdraw is not an active requirement of the territory.
    /// @param territory the territory.
    /// @param requirementId the id.
    error RequirementNotFound(uint16 territory, uint32 requirementId);

    /// @notice Thrown when a territory already has `MAX_PER_TERRITORY` active requirements.
    /// @param territory the territory.
    /// @param max the bound.
    error TooManyRequirements(uint16 territory, uint256 max);

    /// @notice Thrown when `MAX_TERRITORIES` territories already have active requirements.
    /// @param territory the territory that would be one more.
    /// @param max the bound.
    error TooManyRegulatedTerritories(uint16 territory, uint256 max);

    /// @notice Make `regulator` a regulator of each of `territories`, or stop it being one (DEFAULT_ADMIN_ROLE).
    /// Emits RegulatorSet per territory whose state changes.
    /// @param regulator the account (non-zero).
    /// @param territories ISO 3166-1 numeric codes (1..999).
    /// @param allowed true to assign, false to remove.
    function setRegulator(address regulator, uint16[] calldata territories, bool allowed) external;

    /// @notice Define an attestation kind (the admin, or a regulator of any territory). Emits AttestationKindDefined.
    /// @param kind the kind number (non-zero, not yet defined).
    /// @param name a short name (non-empty).
    /// @param meaning what an Approved attestation of this kind says.
    function defineKind(uint8 kind, string calldata name, string calldata meaning) external;

    /// @notice Create, change or withdraw a requirement of `territory` (a regulator of that territory).
    /// Emits RequirementSet.
    /// @param territory ISO 3166-1 numeric code (1..999).
    /// @param requirementId 0 to create one; else the active requirement to change or withdraw.
    /// @param kind a defined attestation kind.
    /// @param workTypeMask the work types it applies to (non-zero; `ALL_WORK_TYPES` for every type).
    /// @param rightsMask the rights it applies to (non-zero, < 2**15).
    /// @param active false withdraws `requirementId` (the other arguments are then ignored).
    /// @return id the requirement's id (the new one when created).
    function setRequirement(
        uint16 territory,
        uint32 requirementId,
        uint8 kind,
        uint64 workTypeMask,
        uint16 rightsMask,
        bool active
    ) external returns (uint32 id);

    /// @notice Revert with {RequirementNotMet} unless a licence of `rights` on `workId` (of `workType`) in
    /// `territories` meets every requirement that applies. The market calls it before every sale.
    /// @param workId the work.
    /// @param workType its on-chain work type.
    /// @param rights the licence's rights mask.
    /// @param territories the licence's territories; empty = worldwide = every territory with requirements.
    function checkSale(uint256 workId, uint8 workType, uint16 rights, uint16[] calldata territories) external view;

    /// @notice The active requirements of `territory`.
    /// @param territory ISO 3166-1 numeric code.
    /// @return the requirements, in no particular order.
    function requirementsOf(uint16 territory) external view returns (Requirement[] memory);

    /// @notice The territories that have active requirements (what a worldwide licence is checked against).
    /// @return ISO 3166-1 numeric codes, in no particular order.
    function regulatedTerritories() external view returns (uint16[] memory);

    /// @notice Whether `kind` has been defined.
    /// @param kind the kind.
    /// @return true when defined.
    function kindDefined(uint8 kind) external view returns (bool);

    /// @notice Whether `account` regulates `territory`.
    /// @param territory ISO 3166-1 numeric code.
    /// @param account the account.
    /// @return true when it does.
    function isRegulator(uint16 territory, address account) external view returns (bool);

    /// @notice The registry whose attestations requirements read.
    /// @return the WorkRegistry.
    function registry() external view returns (IWorkRegistry);
}
