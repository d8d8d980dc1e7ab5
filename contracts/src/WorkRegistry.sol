// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IWorkRegistry} from "./interfaces/IWorkRegistry.sol";

/// @title WorkRegistry
/// @notice Registers audiovisual works as ERC-721 tokens bound to their content digest.
contract WorkRegistry is ERC721, IWorkRegistry {
    mapping(uint256 workId => Work) private _works;
    mapping(bytes32 contentDigest => uint256 workId) private _workIdByDigest;
    uint256 private _lastWorkId;

    constructor() ERC721("Copyright Hub Work", "CHWORK") {}

    /// @inheritdoc IWorkRegistry
    function registerWork(bytes32 contentDigest, string calldata contentCid, string calldata metadataCid, uint8 workType)
        external
        returns (uint256 workId)
    {
        if (contentDigest == bytes32(0)) revert EmptyContentDigest();
        if (bytes(contentCid).length == 0) revert EmptyCid("contentCid");
        if (bytes(metadataCid).length == 0) revert EmptyCid("metadataCid");
        uint256 existing = _workIdByDigest[contentDigest];
        if (existing != 0) revert WorkAlreadyRegistered(contentDigest, existing);

        // Ids start at 1 so that 0 means "none" in _workIdByDigest; 2^256 registrations cannot happen.
        unchecked {
            workId = ++_lastWorkId;
        }
        _works[workId] = Work({
            contentDigest: contentDigest,
            registeredAt: uint64(block.timestamp),
            workType: workType,
            contentCid: contentCid,
            metadataCid: metadataCid
        });
        _workIdByDigest[contentDigest] = workId;
        _mint(msg.sender, workId);
        emit WorkRegistered(workId, msg.sender, contentDigest, workType, contentCid, metadataCid);
    }

    /// @inheritdoc IWorkRegistry
    function getWork(uint256 workId) external view returns (Work memory) {
        if (_ownerOf(workId) == address(0)) revert WorkNotFound(workId);
        return _works[workId];
    }

    /// @inheritdoc IWorkRegistry
    function workIdByDigest(bytes32 contentDigest) external view returns (uint256) {
        return _workIdByDigest[contentDigest];
    }
}
