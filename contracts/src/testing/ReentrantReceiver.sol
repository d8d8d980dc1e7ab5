// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title ReentrantReceiver
/// @notice Test helper (never deployed by the hub): an account that forwards calls (so it can own works
/// and buy licences) and, when it receives ETH, re-enters `target` with `payload` once, recording the result.
contract ReentrantReceiver {
    address public target;
    bytes public payload;
    uint256 public reentryAttempts;
    uint256 public reentrySuccesses;
    bytes public lastRevertData;
    bool public rejectEth;
    bool private _inside;

    /// @dev Thrown by `receive` while `rejectEth` is set.
    error EthRejected();

    /// @notice Make `receive` revert (to test failed payouts).
    function setRejectEth(bool reject) external {
        rejectEth = reject;
    }

    /// @notice Choose what to call back while receiving ETH.
    function configure(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
    }

    /// @notice Call `to` with `data` and `msg.value`, bubbling up any revert.
    function execute(address to, bytes calldata data) external payable returns (bytes memory result) {
        bool ok;
        (ok, result) = to.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }

    receive() external payable {
        if (rejectEth) revert EthRejected();
        if (_inside || target == address(0)) return;
        _inside = true;
        ++reentryAttempts;
        (bool ok, bytes memory data) = target.call(payload);
        if (ok) ++reentrySuccesses;
        else lastRevertData = data;
        _inside = false;
    }

    /// @notice Accept work and licence tokens minted or sent safely.
    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }
}
