"""Run slither on the hub's contracts with the same compiler set-up as the build.

Usage::

    .venv/bin/python -m contracts.analyze          # prints findings; exit 1 on any high/medium not accepted

slither (PyPI ``slither-analyzer``, not a project dependency: install it into the venv by hand) drives
the compiler through crytic-compile. crytic-compile's standard-JSON platform accepts a ready
standard-JSON input, so we hand it exactly what ``contracts.build`` compiles (sources inline, same
optimizer / viaIR / EVM settings) plus an AST output selection, and point it at the solc-js shim.
Test helpers under ``src/testing/`` and library code under ``node_modules`` are filtered out.
Accepted findings are listed (with their reasons) in ``contracts/SECURITY.md`` and in
:data:`ACCEPTED` by detector and contract.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from contracts import PACKAGE_DIR
from contracts.build import collect_sources, entry_points, solc_binary, standard_input

#: (detector, contract) pairs reviewed and accepted; see contracts/SECURITY.md.
ACCEPTED: set[tuple[str, str]] = {
    # `(, , coOwners, coBps) = registry.payees(...)` (status and lead were read just before) and
    # `(recovered, , ) = ECDSA.tryRecover(...)` (a failed recovery yields address(0), refused as InvalidSignature).
    ("unused-return", "LicenceMarket"),
}
FAILING_IMPACTS = {"High", "Medium"}


def analyze() -> list[dict[str, Any]]:
    from crytic_compile import CryticCompile
    from crytic_compile.platform.solc_standard_json import SolcStandardJson
    from slither import Slither
    from slither.detectors import all_detectors
    from slither.detectors.abstract_detector import AbstractDetector

    std = standard_input(collect_sources(entry_points()))
    std["settings"]["outputSelection"] = {
        "*": {"*": ["abi", "metadata", "devdoc", "userdoc", "evm.bytecode", "evm.deployedBytecode"], "": ["ast"]}
    }
    compilation = CryticCompile(SolcStandardJson(std), solc=str(solc_binary()), solc_working_dir=str(PACKAGE_DIR))
    slither = Slither(compilation, filter_paths=["node_modules", "src/testing"])
    for name in dir(all_detectors):
        detector = getattr(all_detectors, name)
        if isinstance(detector, type) and issubclass(detector, AbstractDetector) and detector is not AbstractDetector:
            slither.register_detector(detector)
    findings: list[dict[str, Any]] = []
    for result in slither.run_detectors():
        findings.extend(result)
    return findings


def _contract_of(finding: dict[str, Any]) -> str:
    for element in finding.get("elements", []):
        if element.get("type") == "contract":
            return str(element.get("name"))
        parent = element.get("type_specific_fields", {}).get("parent", {})
        if parent.get("type") == "contract":
            return str(parent.get("name"))
        if parent.get("type") == "function":
            grand = parent.get("type_specific_fields", {}).get("parent", {})
            if grand.get("type") == "contract":
                return str(grand.get("name"))
    return "?"


def main() -> int:
    findings = analyze()
    counts = Counter(f["impact"] for f in findings)
    failing = []
    for f in sorted(findings, key=lambda f: (f["impact"], f["check"])):
        contract = _contract_of(f)
        accepted = (f["check"], contract) in ACCEPTED
        mark = "accepted" if accepted else ""
        first_line = f["description"].strip().splitlines()[0]
        print(f"[{f['impact']:<13}] {f['check']:<28} {contract:<16} {mark:<8} {first_line}")
        if f["impact"] in FAILING_IMPACTS and not accepted:
            failing.append(f)
    print("summary:", dict(counts), f"unaccepted high/medium: {len(failing)}")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
