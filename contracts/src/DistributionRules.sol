// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IDistributionRules} from "./interfaces/IDistributionRules.sol";
import {IWorkRegistry} from "./interfaces/IWorkRegistry.sol";
import {RequirementWord, RequirementWordLib} from "./types/RequirementWord.sol";

/// @title DistributionRules
/// @notice Regulators' distribution requirements per territory; the licence market checks every sale
/// against them (see {IDistributionRules}).
/// @dev Storage: a territory's active requirements are a short array of {RequirementWord} (withdrawing
/// swaps the last one in), so a sale reads one length word per territory it covers and one word per
/// requirement there; a territory with none costs one cold SLOAD. Kinds defined are one bitmap word;
/// their names and meanings live in events only.
contract DistributionRules is AccessControlDefaultAdminRules, IDistributionRules {
    /// @notice Delay before a new default admin may accept the role (as in the other hub contracts).
    uint48 public constant ADMIN_TRANSFER_DELAY = 3 days;
    /// @notice Most territories that may have active requirements at once.
    uint256 public constant MAX_TERRITORIES = 64;
    /// @notice Most active requirements per territory.
    uint256 public constant MAX_PER_TERRITORY = 8;
    /// @notice A work type mask covering every work type.
    uint64 public constant ALL_WORK_TYPES = type(uint64).max;
    uint16 internal constant MAX_TERRITORY_CODE = 999;
    uint16 internal constant RIGHTS_LIMIT = uint16(1) << 15;

    /// @inheritdoc IDistributionRules
    IWorkRegistry public immutable registry;

    /// @dev bit k set: kind k is defined.
    uint256 private _definedKinds;
    uint32 private _lastRequirementId;
    mapping(uint16 territory => mapping(address account => bool)) private _regulators;
    /// @dev How many territories an account regulates (a regulator of any may define kinds).
    mapping(address account => uint256 count) private _territoryCount;
    mapping(uint16 territory => RequirementWord[]) private _requirements;
    uint16[] private _regulated;
    /// @dev index in `_regulated` plus one; 0 = not there.
    mapping(uint16 territory => uint256 indexPlusOne) private _regulatedIndex;

    /// @param admin the default admin.
    /// @param registry_ the registry whose attestations requirements read.
    constructor(address admin, IWorkRegistry registry_) AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin) {
        if (address(registry_) == address(0)) revert ZeroAddress();
        registry = registry_;
    }

    /// @inheritdoc IDistributionRules
    function setRegulator(address regulator, uint16[] calldata territories, bool allowed)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (regulator == address(0)) revert ZeroAddress();
        uint256 count = _territoryCount[regulator];
        for (uint256 i; i < territories.length; ++i) {
            uint16 territory = territories[i];
            _checkTerritory(territory);
            if (_regulators[territory][regulator] == allowed) continue;
            _regulators[territory][regulator] = allowed;
            // count is the number of `true` entries: it cannot wrap either way.
            unchecked {
                count = allowed ? count + 1 : count - 1;
            }
            emit RegulatorSet(territory, regulator, allowed);
        }
        _territoryCount[regulator] = count;
    }

    /// @inheritdoc IDistributionRules
    function defineKind(uint8 kind, string calldata name, string calldata meaning) external {
        if (_territoryCount[msg.sender] == 0 && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert NotRegulator(msg.sender, 0);
        }
        if (kind == 0 || bytes(name).length == 0) revert InvalidKind(kind);
        uint256 bit = uint256(1) << kind;
        if (_definedKinds & bit != 0) revert KindAlreadyDefined(kind);
        _definedKinds |= bit;
        emit AttestationKindDefined(kind, name, meaning, msg.sender);
    }

    /// @inheritdoc IDistributionRules
    function setRequirement(
        uint16 territory,
        uint32 requirementId,
        uint8 kind,
        uint64 workTypeMask,
        uint16 rightsMask,
        bool active
    ) external returns (uint32 id) {
        if (!_regulators[territory][msg.sender]) revert NotRegulator(msg.sender, territory);
        RequirementWord[] storage list = _requirements[territory];
        uint256 n = list.length;
        uint256 at = n;
        if (requirementId != 0) {
            for (uint256 i; i < n; ++i) {
                if (list[i].id() == requirementId) {
                    at = i;
                    break;
                }
            }
            if (at == n) revert RequirementNotFound(territory, requirementId);
        }
        if (!active) {
            if (requirementId == 0) revert RequirementNotFound(territory, 0);
            RequirementWord old = list[at];
            list[at] = list[n - 1];
            list.pop();
            if (n == 1) _removeRegulated(territory);
            emit RequirementSet(
                territory, requirementId, old.kind(), old.workTypeMask(), old.rightsMask(), false, msg.sender
            );
            return requirementId;
        }
        if (kind == 0 || _definedKinds & (uint256(1) << kind) == 0) revert KindNotDefined(kind);
        if (workTypeMask == 0 || rightsMask == 0 || rightsMask >= RIGHTS_LIMIT) {
            revert InvalidRequirementMasks(workTypeMask, rightsMask);
        }
        if (requirementId == 0) {
            if (n >= MAX_PER_TERRITORY) revert TooManyRequirements(territory, MAX_PER_TERRITORY);
            if (n == 0) _addRegulated(territory);
            // Bounded by MAX_TERRITORIES * MAX_PER_TERRITORY live ones, but ids are never reused: a uint32
            // counter overflowing reverts (checked arithmetic) after 4 billion changes.
            id = ++_lastRequirementId;
            list.push(RequirementWordLib.pack(id, kind, workTypeMask, rightsMask));
        } else {
            id = requirementId;
            list[at] = RequirementWordLib.pack(id, kind, workTypeMask, rightsMask);
        }
        emit RequirementSet(territory, id, kind, workTypeMask, rightsMask, true, msg.sender);
    }

    /// @inheritdoc IDistributionRules
    function checkSale(uint256 workId, uint8 workType, uint16 rights, uint16[] calldata territories)
        external
        view
    {
        if (territories.length == 0) {
            // Read in place: copying the array to memory reads its first data slot even when it is empty (+2.1k).
            uint16[] storage all = _regulated;
            uint256 n = all.length;
            for (uint256 i; i < n; ++i) {
                _checkTerritorySale(workId, workType, rights, all[i]);
            }
        } else {
            for (uint256 i; i < territories.length; ++i) {
                _checkTerritorySale(workId, workType, rights, territories[i]);
            }
        }
    }

    /// @inheritdoc IDistributionRules
    function requirementsOf(uint16 territory) external view returns (Requirement[] memory out) {
        RequirementWord[] storage list = _requirements[territory];
        out = new Requirement[](list.length);
        for (uint256 i; i < out.length; ++i) {
            RequirementWord r = list[i];
            out[i] = Requirement(r.id(), r.kind(), r.workTypeMask(), r.rightsMask());
        }
    }

    /// @inheritdoc IDistributionRules
    function regulatedTerritories() external view returns (uint16[] memory) {
        return _regulated;
    }

    /// @inheritdoc IDistributionRules
    function kindDefined(uint8 kind) external view returns (bool) {
        return _definedKinds & (uint256(1) << kind) != 0;
    }

    /// @inheritdoc IDistributionRules
    function isRegulator(uint16 territory, address account) external view returns (bool) {
        return _regulators[territory][account];
    }

    function _checkTerritorySale(uint256 workId, uint8 workType, uint16 rights, uint16 territory) private view {
        RequirementWord[] storage list = _requirements[territory];
        uint256 n = list.length;
        for (uint256 i; i < n; ++i) {
            RequirementWord r = list[i];
            if (r.appliesTo(workType, rights) && !registry.hasApproval(workId, r.kind(), territory)) {
                revert RequirementNotMet(workId, territory, r.kind());
            }
        }
    }

    function _checkTerritory(uint16 territory) private pure {
        if (territory == 0 || territory > MAX_TERRITORY_CODE) revert InvalidTerritoryCode(territory);
    }

    function _addRegulated(uint16 territory) private {
        if (_regulated.length >= MAX_TERRITORIES) revert TooManyRegulatedTerritories(territory, MAX_TERRITORIES);
        _regulated.push(territory);
        _regulatedIndex[territory] = _regulated.length;
    }

    function _removeRegulated(uint16 territory) private {
        uint256 index = _regulatedIndex[territory] - 1;
        uint16 last = _regulated[_regulated.length - 1];
        _regulated[index] = last;
        _regulatedIndex[last] = index + 1;
        _regulated.pop();
        delete _regulatedIndex[territory];
    }
}
