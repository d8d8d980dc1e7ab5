// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IWorkRegistry
/// @notice The registry of audiovisual works: each registered work is an ERC-721 token held by its
/// lead owner and bound to the sha256 digest of its content.
interface IWorkRegistry {
    /// @notice A registered work as stored on chain.
    /// @param contentDigest sha256 of the content file.
    /// @param registeredAt block timestamp of the registration.
    /// @param workType the kind of work (film, series, animation, short video, audio, podcast, live recording, interactive).
    /// @param contentCid IPFS CID of the content.
    /// @param metadataCid IPFS CID of the metadata JSON document.
    struct Work {
        bytes32 contentDigest;
        uint64 registeredAt;
        uint8 workType;
        string contentCid;
        string metadataCid;
    }

    /// @notice Emitted when a work is registered.
    /// @param workId the new work token id.
    /// @param owner the account that registered and holds the work token.
    /// @param contentDigest sha256 of the content file.
    /// @param workType the kind of work.
    /// @param contentCid IPFS CID of the content.
    /// @param metadataCid IPFS CID of the metadata JSON document.
    event WorkRegistered(
        uint256 indexed workId,
        address indexed owner,
        bytes32 indexed contentDigest,
        uint8 workType,
        string contentCid,
        string metadataCid
    );

    /// @notice Thrown when a content digest is already registered.
    /// @param contentDigest the digest that was submitted.
    /// @param existingWorkId the work that already holds it.
    error WorkAlreadyRegistered(bytes32 contentDigest, uint256 existingWorkId);

    /// @notice Thrown when a content digest is zero.
    error EmptyContentDigest();

    /// @notice Thrown when a required CID is empty.
    /// @param field the name of the empty field.
    error EmptyCid(string field);

    /// @notice Thrown when a work id does not exist.
    /// @param workId the id that was asked for.
    error WorkNotFound(uint256 workId);

    /// @notice Register a work owned by the caller.
    /// @return workId the new work token id.
    function registerWork(bytes32 contentDigest, string calldata contentCid, string calldata metadataCid, uint8 workType)
        external
        returns (uint256 workId);

    /// @notice The stored record of a work; reverts with {WorkNotFound} for an unknown id.
    function getWork(uint256 workId) external view returns (Work memory);

    /// @notice The work registered for a content digest, or 0 when none.
    function workIdByDigest(bytes32 contentDigest) external view returns (uint256);
}
