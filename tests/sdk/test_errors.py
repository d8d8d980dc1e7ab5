"""The one error tree: every error the hub raises on purpose is a HubError, written out in one
docstring, and a revert a user meets says what to do."""

from __future__ import annotations

import inspect
import re
import string
from types import ModuleType

import pytest

import client_sdk.audit.certificate
import client_sdk.content.errors
import client_sdk.content.siwe
import client_sdk.errors
import client_sdk.evidence
import client_sdk.metadata
import copyright_hub.devnet
import indexer._rpc
import indexer.errors
from client_sdk.artifacts import all_abi_entries
from client_sdk.errors import REVERT_HINTS, ContractRevert, HubError, WorkAlreadyRegistered
from client_sdk.reverts import decode_revert

#: Every module that defines errors of the tree.
ERROR_MODULES: tuple[ModuleType, ...] = (
    client_sdk.errors, client_sdk.content.errors, client_sdk.content.siwe, client_sdk.metadata, indexer.errors,
    indexer._rpc, copyright_hub.devnet, client_sdk.audit.certificate, client_sdk.evidence,
)  # fmt: skip
#: Control-flow signals that never leave their module, so they are not part of the tree.
INTERNAL = {indexer._rpc.RangeTooLarge}


def _errors() -> list[type[BaseException]]:
    return [
        cls
        for module in ERROR_MODULES
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__ == module.__name__ and cls not in INTERNAL
    ]


def test_every_error_is_a_hub_error_named_in_the_one_docstring() -> None:
    tree = client_sdk.errors.__doc__ or ""
    errors = _errors()
    assert len(errors) >= 40
    for cls in errors:
        assert issubclass(cls, HubError), cls
        assert re.search(rf"\b{cls.__name__}\b", tree), f"{cls.__module__}.{cls.__name__} is missing from the tree"


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (client_sdk.errors.WorkNotFound, LookupError),
        (client_sdk.errors.NotWorkOwner, PermissionError),
        (client_sdk.errors.ChainUnavailable, ConnectionError),
        (client_sdk.content.errors.InvalidCID, ValueError),
        (client_sdk.content.siwe.SignerMismatch, PermissionError),
        (indexer._rpc.RetryableRpcError, ValueError),
    ],
)
def test_errors_keep_their_builtin_bases(cls: type[BaseException], builtin: type[BaseException]) -> None:
    assert issubclass(cls, builtin) and issubclass(cls, HubError)


def test_a_rate_limited_reply_is_a_typed_retryable_error() -> None:
    reply = {"jsonrpc": "2.0", "id": 1, "error": {"code": -32005, "message": "rate limit exceeded"}}
    with pytest.raises(indexer._rpc.RetryableRpcError) as info:
        indexer._rpc._result("eth_blockNumber", reply, False)
    assert info.value.code == -32005 and info.value.method == "eth_blockNumber"
    with pytest.raises(indexer._rpc.RpcCallError):
        indexer._rpc._result("eth_call", {"error": {"code": -32000, "message": "execution reverted"}}, False)


def test_every_hint_names_a_real_custom_error_and_its_arguments() -> None:
    errors = {e["name"]: {i["name"] for i in e["inputs"]} for e in all_abi_entries() if e["type"] == "error"}
    for name, template in REVERT_HINTS.items():
        assert name in errors, f"{name} is not a custom error of any contract"
        used = {field for _, field, _, _ in string.Formatter().parse(template) if field}
        assert used <= errors[name], (name, used - errors[name])


def test_work_already_registered_names_the_work_and_how_to_see_it() -> None:
    error = WorkAlreadyRegistered("WorkAlreadyRegistered", {"contentDigest": b"\x01" * 32, "existingWorkId": 42})
    assert "already registered as work 42" in str(error)
    assert "`copyright-hub verify 42`" in str(error)
    assert error.hint and error.args_by_name["existingWorkId"] == 42


def _access_denied(role: str) -> ContractRevert | None:
    """``AccessControlUnauthorizedAccount`` for ``role`` as the SDK decodes it from revert data."""
    from eth_abi import encode
    from eth_utils import keccak

    selector = keccak(text="AccessControlUnauthorizedAccount(address,bytes32)")[:4]
    return decode_revert(selector + encode(["address", "bytes32"], ["0x" + "ab" * 20, keccak(text=role)]))


def test_a_missing_role_is_named_not_hashed() -> None:
    error = _access_denied("REVIEWER_ROLE")
    assert isinstance(error, ContractRevert)
    assert "lacks REVIEWER_ROLE" in str(error) and "grant" in str(error)


def test_a_locked_role_says_no_admin_can_grant_it() -> None:
    error = _access_denied("SEALED_ROLE")
    assert isinstance(error, ContractRevert)
    assert "SEALED_ROLE" in str(error) and "no admin can change it" in str(error)


def test_an_unknown_error_keeps_its_plain_form() -> None:
    error = ContractRevert("SomethingNew", {"x": 1})
    assert str(error) == "SomethingNew(x=1)" and error.hint == ""


def test_a_sealed_role_says_nobody_can_grant_it() -> None:
    from eth_utils import keccak

    error = ContractRevert(
        "AccessControlUnauthorizedAccount", {"account": "0x" + "ab" * 20, "neededRole": keccak(text="SEALED_ROLE")}
    )
    assert "sealed to the dispute resolver" in str(error) and "grant it" not in str(error)


def test_a_dispute_on_a_frozen_work_names_the_status() -> None:
    error = ContractRevert("WorkNotDisputable", {"workId": 7, "status": 1})
    assert "work 7 is frozen" in str(error)
