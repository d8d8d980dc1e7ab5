"""Each custom error has one home (issue 9, "Also"): declared once across the hub's sources, raised only by
the contract whose interface declares it, and an error more than one contract raises lives in IHubErrors.

Read from the Solidity sources (declarations and `revert` statements) and checked against the build's
ABIs, so a moved or copied error fails here before it reaches the SDK's error tree.
"""

from __future__ import annotations

import re
from collections import defaultdict

from client_sdk.artifacts import load_artifact
from contracts import SOURCE_DIR

#: The deployed hub contracts and the interface each one implements.
CONTRACTS = {
    "WorkRegistry": "IWorkRegistry",
    "LicenceMarket": "ILicenceMarket",
    "DisputeResolver": "IDisputeResolver",
    "EvidenceLog": "IEvidenceLog",
    "DistributionRules": "IDistributionRules",
}
SHARED = "IHubErrors"

_DECLARED = re.compile(r"^\s*error\s+(\w+)\s*\(", re.MULTILINE)
_RAISED = re.compile(r"\brevert\s+(?:(\w+)\.)?(\w+)\s*\(")
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)


def _hub_sources() -> dict[str, str]:
    """Contract or interface name (the file's stem) -> source without comments; test helpers left out."""
    return {
        p.stem: _COMMENT.sub("", p.read_text(encoding="utf-8"))
        for p in sorted(SOURCE_DIR.rglob("*.sol"))
        if "testing" not in p.relative_to(SOURCE_DIR).parts
    }


def _declarations() -> dict[str, list[str]]:
    where: dict[str, list[str]] = defaultdict(list)
    for unit, text in _hub_sources().items():
        for name in _DECLARED.findall(text):
            where[name].append(unit)
    return where


def test_every_hub_error_is_declared_once() -> None:
    twice = {name: units for name, units in _declarations().items() if len(units) > 1}
    assert not twice, f"errors declared in more than one hub source (move them to {SHARED}): {twice}"


def test_contracts_raise_only_their_own_or_the_shared_errors() -> None:
    declared = _declarations()
    sources = _hub_sources()
    raised_by: dict[str, set[str]] = defaultdict(set)
    wrong = []
    for contract, interface in CONTRACTS.items():
        homes = {contract, interface, SHARED}
        for qualifier, name in _RAISED.findall(sources[contract]):
            raised_by[name].add(contract)
            if qualifier and qualifier in sources and qualifier not in homes:
                wrong.append(f"{contract} raises {qualifier}.{name}")
            for unit in declared.get(name, []):
                if unit not in homes:
                    wrong.append(f"{contract} raises {name}, declared in {unit}")
    assert not wrong, "borrowed errors: " + "; ".join(wrong)
    shared = {e["name"] for e in load_artifact(SHARED).abi if e["type"] == "error"}
    loose = {n: sorted(c) for n, c in raised_by.items() if len(c) > 1 and declared.get(n) and n not in shared}
    assert not loose, f"errors raised by several contracts but not declared in {SHARED}: {loose}"


def test_the_abis_still_carry_every_error_their_contracts_raise() -> None:
    """Moving a declaration must not drop an error from a deployed contract's ABI (the SDK decodes from it)."""
    sources = _hub_sources()
    for contract in CONTRACTS:
        in_abi = {e["name"] for e in load_artifact(contract).abi if e["type"] == "error"}
        raised = {name for _, name in _RAISED.findall(sources[contract])}
        assert raised <= in_abi, f"{contract}: raised but missing from its ABI: {sorted(raised - in_abi)}"


def test_the_source_reader_sees_declarations_and_borrowed_reverts() -> None:
    """The regexes above find what they must (a guard against a reader that silently finds nothing)."""
    text = _COMMENT.sub("", "/// error Ghost();\nerror A(uint256 x);\n  error B();\nrevert IOther.C(1); revert A(2);")
    assert _DECLARED.findall(text) == ["A", "B"]
    assert _RAISED.findall(text) == [("IOther", "C"), ("", "A")]
    assert len(_declarations()) > 40
