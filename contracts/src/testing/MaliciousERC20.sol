// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MaliciousERC20
/// @notice Test helper (never deployed by the hub): a hostile currency. In mode 1 it keeps a 1% fee
/// on every transferFrom (the receiver gets less than asked). In mode 2 it re-enters `target` with
/// `payload` during every transfer/transferFrom and records whether that call succeeded.
contract MaliciousERC20 is ERC20 {
    uint8 public mode;
    address public target;
    bytes public payload;
    uint256 public reentryAttempts;
    uint256 public reentrySuccesses;
    bytes public lastRevertData;

    constructor() ERC20("Malicious Token", "EVIL") {}

    /// @notice Mint `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Choose the attack.
    function configure(uint8 mode_, address target_, bytes calldata payload_) external {
        mode = mode_;
        target = target_;
        payload = payload_;
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (mode == 1) {
            uint256 skim = value / 100;
            _spendAllowance(from, msg.sender, value);
            _transfer(from, to, value - skim);
            _transfer(from, address(this), skim);
            return true;
        }
        _reenter();
        return super.transferFrom(from, to, value);
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        _reenter();
        return super.transfer(to, value);
    }

    function _reenter() private {
        if (mode != 2) return;
        ++reentryAttempts;
        (bool ok, bytes memory data) = target.call(payload);
        if (ok) ++reentrySuccesses;
        else lastRevertData = data;
    }
}
