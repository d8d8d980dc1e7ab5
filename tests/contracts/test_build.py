"""The contract build: the solc-js shim behaves like native solc, and --check catches stale artifacts."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

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


def test_check_passes_on_committed_build_and_names_a_stale_artifact(tmp_path: Path, capsys) -> None:
    copy = tmp_path / "build"
    shutil.copytree(BUILD_DIR, copy)
    assert build.main(["--check", "--out", str(copy)]) == 0
    victim = sorted(copy.glob("*.json"))[0]
    data = json.loads(victim.read_text())
    data["bytecode"] = data["bytecode"][:-2] + "00"
    victim.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    assert build.main(["--check", "--out", str(copy)]) == 1
    assert victim.name in capsys.readouterr().err


def test_artifacts_record_the_pinned_compiler_settings() -> None:
    paths = sorted(BUILD_DIR.glob("*.json"))
    names = {p.stem for p in paths}
    assert {"WorkRegistry", "LicenceMarket", "DisputeResolver"} <= names, f"deployable artifacts missing from {names}"
    for path in paths:
        data = json.loads(path.read_text())
        assert data["compiler"]["version"].startswith(build.SOLC_VERSION + "+commit.")
        assert data["compiler"]["evmVersion"] == build.EVM_VERSION
        assert data["metadata"]["settings"]["optimizer"] == {"enabled": True, "runs": build.OPTIMIZER_RUNS}
