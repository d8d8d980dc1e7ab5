"""The contract build: the solc-js shim behaves like native solc, and --check catches stale artifacts (the
compiler replayed from the committed build: `make test` runs the real --check before the suite)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import solcx

from contracts import BUILD_DIR, build


def test_shim_answers_version_like_native_solc() -> None:
    out = subprocess.run([str(build.SHIM), "--version"], capture_output=True, text=True, check=True).stdout
    assert f"Version: {build.SOLC_VERSION}+commit." in out


def test_shim_returns_clean_json_for_standard_json() -> None:
    source = "// SPDX-License-Identifier: MIT\npragma solidity 0.8.37;\ncontract A { uint256 public x; }\n"
    request = build.standard_input({"src/A.sol": source})
    proc = subprocess.run(
        [str(build.SHIM), "--standard-json"], input=json.dumps(request), capture_output=True, text=True
    )
    output = json.loads(proc.stdout)  # one clean JSON document, nothing else on stdout
    assert output["contracts"]["src/A.sol"]["A"]["evm"]["bytecode"]["object"]


def _committed_compiler_output() -> tuple[dict[str, Any], str]:
    """What the compiler answered for the committed build, read back from its artifacts: the
    standard-JSON output (contracts by source, with abi, bytecode, docs and metadata) and the version."""
    contracts: dict[str, dict[str, Any]] = {}
    versions = set()
    for path in sorted(BUILD_DIR.glob("*.json")):
        data = json.loads(path.read_text())
        versions.add(data["compiler"]["version"])
        contracts.setdefault(data["sourceName"], {})[data["contractName"]] = {
            "abi": data["abi"],
            "metadata": json.dumps(data["metadata"]),
            "devdoc": data["devdoc"],
            "userdoc": data["userdoc"],
            "evm": {
                "bytecode": {"object": data["bytecode"].removeprefix("0x")},
                "deployedBytecode": {
                    "object": data["deployedBytecode"].removeprefix("0x"),
                    "immutableReferences": data["immutableReferences"],
                },
            },
        }
    (version,) = versions
    return {"contracts": contracts}, version


@pytest.fixture
def committed_compiler(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiler replaced by a replay of its committed answers, so ``--check`` runs everything but
    solc. Whether the committed build is what solc makes of today's sources is `make test`'s first
    step (``python -m contracts.build --check``, about 40 s of solc-js); this checks, in a second, what
    that step cannot show: that ``--check`` fails on a stale artifact and names it."""
    output, version = _committed_compiler_output()

    def compile_standard(request: dict[str, Any], **_: Any) -> dict[str, Any]:
        assert set(request["sources"]) >= set(output["contracts"]), "the request lacks a committed source"
        return output

    monkeypatch.setattr(solcx, "compile_standard", compile_standard)
    monkeypatch.setattr(solcx.wrapper, "get_version_str_from_solc_binary", lambda _binary: version)


def test_check_passes_on_committed_build_and_names_a_stale_artifact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], committed_compiler: None
) -> None:
    copy = tmp_path / "build"
    shutil.copytree(BUILD_DIR, copy)
    # every artifact is rebuilt byte for byte from the compiler's output and today's sources (their hash)
    assert build.main(["--check", "--out", str(copy)]) == 0, capsys.readouterr().err
    victim = sorted(copy.glob("*.json"))[0]
    data = json.loads(victim.read_text())
    data["bytecode"] = data["bytecode"][:-2] + "00"
    victim.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    assert build.main(["--check", "--out", str(copy)]) == 1
    assert victim.name in capsys.readouterr().err


def test_check_names_an_artifact_whose_sources_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], committed_compiler: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A source edited without rebuilding: the artifacts that use it (their sourceSha256) are stale."""
    read = build._read_source
    monkeypatch.setattr(
        build, "_read_source", lambda name: read(name) + ("\n" if name == "src/WorkRegistry.sol" else "")
    )
    copy = tmp_path / "build"
    shutil.copytree(BUILD_DIR, copy)
    assert build.main(["--check", "--out", str(copy)]) == 1
    err = capsys.readouterr().err
    assert "WorkRegistry.json" in err and "EvidenceLog.json" not in err, err


def test_artifacts_record_the_pinned_compiler_settings() -> None:
    paths = sorted(BUILD_DIR.glob("*.json"))
    names = {p.stem for p in paths}
    assert {"WorkRegistry", "LicenceMarket", "DisputeResolver"} <= names, f"deployable artifacts missing from {names}"
    for path in paths:
        data = json.loads(path.read_text())
        assert data["compiler"]["version"].startswith(build.SOLC_VERSION + "+commit.")
        assert data["compiler"]["evmVersion"] == build.EVM_VERSION
        assert data["metadata"]["settings"]["optimizer"] == {"enabled": True, "runs": build.OPTIMIZER_RUNS}
