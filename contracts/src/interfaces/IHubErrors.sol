// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title IHubErrors
/// @notice The custom errors more than one hub contract raises, declared once. Each contract's interface
/// inherits this one, so an error has one declaration and one selector however many contracts use it.
interface IHubErrors {
    /// @notice Thrown when an address argument that must name an account is the zero address.
    error ZeroAddress();

    /// @notice Thrown when a required CID is empty.
    /// @param field the name of the empty field.
    error EmptyCid(string field);

    /// @notice Thrown when the caller (or a signed offer's seller) must own the work but does not.
    /// @param workId the work.
    /// @param caller the caller.
    /// @param owner the current owner.
    error NotWorkOwner(uint256 workId, address caller, address owner);

    /// @notice Thrown when there is nothing to withdraw.
    /// @param account the caller.
    /// @param currency the currency asked for (address(0) = ETH).
    error NothingToWithdraw(address account, address currency);

    /// @notice Thrown when sending ETH fails.
    /// @param to recipient.
    /// @param amount amount in wei.
    error EthTransferFailed(address to, uint256 amount);

    /// @notice Thrown when a work id does not exist.
    /// @param workId the id that was asked for.
    error WorkNotFound(uint256 workId);

    /// @notice Thrown when a work is not Active (frozen or disputed) and the action needs it to be.
    /// @param workId the work.
    /// @param status its current `IWorkRegistry.WorkStatus` (1 frozen, 2 disputed). A `uint8` here, the ABI
    /// type of that enum (same selector), because this file cannot import the interface that inherits it.
    error WorkNotActive(uint256 workId, uint8 status);

    /// @notice Thrown when ETH is sent with a call that takes none (ERC-721 approve and transfers).
    /// @param value the wei sent.
    error EthNotAccepted(uint256 value);
}
