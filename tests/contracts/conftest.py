"""Fixtures for the protocol's contract tests: role hubs, wired roles, test tokens, time and error helpers.

Session fixtures here run before the per-test snapshot, so what they set up (roles, tokens) is part
of every test's starting chain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract

from client_sdk import ContractRevert, Hub
from client_sdk.artifacts import load_artifact
from client_sdk.chain import raise_for_revert, send_transaction
from client_sdk.manifest import Deployment
from tests.factories.protocol import terms as make_terms
from tests.factories.protocol import work_input

REVIEWER_ROLE = Web3.keccak(text="REVIEWER_ROLE")
ARBITER_ROLE = Web3.keccak(text="ARBITER_ROLE")
STATUS_ROLE = Web3.keccak(text="STATUS_ROLE")
REVOKER_ROLE = Web3.keccak(text="REVOKER_ROLE")
PAUSER_ROLE = Web3.keccak(text="PAUSER_ROLE")
DEFAULT_ADMIN_ROLE = b"\x00" * 32
MIN_BOND = 10**16


def deploy_contract(w3: Web3, account: LocalAccount, name: str, *args: Any) -> Contract:
    artifact = load_artifact(name)
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    tx = factory.constructor(*args).build_transaction({"from": account.address})
    receipt = send_transaction(w3, account, dict(tx))
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)


def call_as(w3: Web3, account: LocalAccount, contract: Contract, function: str, *args: Any, value: int = 0) -> Any:
    """Send ``contract.function(*args)`` from ``account`` (typed error if it would revert)."""
    data = contract.encode_abi(function, args=list(args))
    return send_transaction(w3, account, {"to": contract.address, "data": data, "value": value})


def as_resolver(hub: Hub, contract: Contract, function: str, *args: Any) -> Any:
    """Send ``contract.function(*args)`` from the dispute resolver's address (anvil impersonation).

    The resolver is the only holder of the market's REVOKER_ROLE (no admin can grant it) and of the
    registry's STATUS_ROLE; tests of what those calls do to licences use its address directly instead
    of a whole dispute. A revert surfaces as the typed error, before anything is sent.
    """
    w3, resolver = hub.w3, hub.resolver.address
    w3.provider.make_request("anvil_impersonateAccount", [resolver])  # type: ignore[arg-type]
    w3.provider.make_request("anvil_setBalance", [resolver, hex(10**18)])  # type: ignore[arg-type]
    try:
        tx = {"from": resolver, "to": contract.address, "data": contract.encode_abi(function, args=list(args))}
        try:
            w3.eth.estimate_gas(tx)  # type: ignore[arg-type]
        except Exception as exc:
            raise_for_revert(exc)
            raise
        receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(tx))  # type: ignore[arg-type]
        assert receipt["status"] == 1
        return receipt
    finally:
        w3.provider.make_request("anvil_stopImpersonatingAccount", [resolver])  # type: ignore[arg-type]


@dataclass(frozen=True)
class Tokens:
    erc20: Contract
    evil: Contract


@pytest.fixture(scope="session")
def wired(
    w3: Web3, deployment: Deployment, deployer: LocalAccount, auditor: LocalAccount, arbiter: LocalAccount
) -> Hub:
    """The deployed hub with the reviewer and arbiter roles granted; returns the admin's Hub."""
    admin = Hub(w3, deployment, deployer)
    admin._transact(admin.registry, "grantRole", REVIEWER_ROLE, auditor.address)
    admin._transact(admin.resolver, "grantRole", ARBITER_ROLE, arbiter.address)
    return admin


@pytest.fixture(scope="session")
def tokens(w3: Web3, wired: Hub, deployer: LocalAccount, buyer: LocalAccount, stranger: LocalAccount) -> Tokens:
    """An allow-listed plain ERC-20 and an allow-listed malicious one, both minted to buyer and stranger."""
    erc20 = deploy_contract(w3, deployer, "TestERC20")
    evil = deploy_contract(w3, deployer, "MaliciousERC20")
    for token in (erc20, evil):
        wired._transact(wired.market, "setCurrencyAllowed", token.address, True)
        for account in (buyer, stranger):
            call_as(w3, deployer, token, "mint", account.address, 10**24)
            call_as(w3, account, token, "approve", wired.market.address, 2**256 - 1)
    return Tokens(erc20, evil)


@pytest.fixture
def admin_hub(wired: Hub) -> Hub:
    return wired


@pytest.fixture
def auditor_hub(w3: Web3, deployment: Deployment, auditor: LocalAccount, wired: Hub) -> Hub:
    return Hub(w3, deployment, auditor)


@pytest.fixture
def arbiter_hub(w3: Web3, deployment: Deployment, arbiter: LocalAccount, wired: Hub) -> Hub:
    return Hub(w3, deployment, arbiter)


@pytest.fixture
def stranger_hub(w3: Web3, deployment: Deployment, stranger: LocalAccount, wired: Hub) -> Hub:
    return Hub(w3, deployment, stranger)


@contextmanager
def reverts(error_name: str, **expected: Any) -> Iterator[pytest.ExceptionInfo[ContractRevert]]:
    """Expect a typed revert named ``error_name`` whose arguments include ``expected``."""
    with pytest.raises(ContractRevert) as info:
        yield info
    assert info.value.error_name == error_name, f"expected {error_name}, got {info.value}"
    for key, value in expected.items():
        got = info.value.args_by_name[key]
        assert _norm(got) == _norm(value), f"{error_name}.{key}: {got!r} != {value!r}"


def _norm(value: Any) -> Any:
    """Addresses decode in lower case; compare them case-insensitively."""
    if isinstance(value, str) and value.startswith("0x"):
        return value.lower()
    return value


def now(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


def warp(w3: Web3, seconds: int) -> int:
    """Move the chain's clock forward and mine a block; returns the new time."""
    target = now(w3) + seconds
    w3.provider.make_request("evm_setNextBlockTimestamp", [target])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    return target


@pytest.fixture
def work(studio_hub: Hub, wired: Hub) -> int:
    """A fresh single-owner work registered by the studio."""
    return studio_hub.register_works([work_input()])[0].work_id


@pytest.fixture
def offer_terms(w3: Web3) -> Callable[..., Any]:
    """``offer_terms(work_id, **overrides)``: default terms starting now."""

    def make(work_id: int, **overrides: Any) -> Any:
        return make_terms(work_id, now(w3), **overrides)

    return make
