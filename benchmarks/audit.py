"""Audit reports at scale: building, signing and re-checking a report on a work with many licences.

Usage::

    python benchmarks/audit.py [--licences 200] [--gateway] [--save PATH]

A private anvil, the hub deployed, one work registered with one offer sold ``--licences`` times; then
``client_sdk.audit.build_report`` + ``sign_report`` and ``check_report`` on it, timed, with the
JSON-RPC requests each made counted (through the public devnet gateway with ``--gateway``, at its
default limits, which is what an auditor meets). The last line of output is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

METHODS: dict[str, int] = {}
REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks._output import emit  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--licences", type=int, default=200)
    parser.add_argument("--gateway", action="store_true", help="read through the public gateway (default limits)")
    parser.add_argument("--save", type=Path)
    args = parser.parse_args()

    import tempfile

    import httpx

    from client_sdk import Hub
    from client_sdk.accounts import from_mnemonic
    from client_sdk.audit import build_report, check_report, sign_report
    from client_sdk.chain import connect
    from client_sdk.deploy import deploy
    from copyright_hub.devnet import free_port, load_config, spawn_anvil
    from copyright_hub.rpc_gateway import GatewaySettings
    from copyright_hub.scenario import media, terms

    config = load_config()
    deployer, studio, buyer, auditor = (from_mnemonic(config.mnemonic, i) for i in range(4))
    with tempfile.TemporaryDirectory() as tmp, spawn_anvil() as node:
        w3 = connect(node.url)
        deployment = deploy(w3, deployer, Path(tmp)).deployment
        hub, shop = Hub(w3, deployment, studio), Hub(w3, deployment, buyer)
        import hashlib

        work = hub.register_work(hashlib.sha256(media("audit", 64)).digest(), "bafycontent", "bafymeta").work_id
        now = int(w3.eth.get_block("latest")["timestamp"])
        offer = hub.create_offer(terms(work, now, price=10**12, supply_cap=args.licences))
        for _ in range(args.licences):
            shop.purchase(offer, max_price=10**12)
        url, gateway = node.url, None
        if args.gateway:
            settings = GatewaySettings(host="127.0.0.1", port=free_port(), upstream=node.url)
            gateway = subprocess.Popen(
                [sys.executable, "-m", "copyright_hub.rpc_gateway", "--settings", json.dumps(asdict(settings))],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            url = settings.url
            for _ in range(300):
                try:
                    httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}).raise_for_status()
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
        try:
            reader = connect(url)
            calls = _count(reader)
            start = time.perf_counter()
            report = sign_report(build_report(reader, deployment, work), auditor)
            built, built_calls = time.perf_counter() - start, calls[0]
            start = time.perf_counter()
            checks = check_report(report, reader)
            checked, checked_calls = time.perf_counter() - start, calls[0] - built_calls
        finally:
            if gateway is not None:
                gateway.terminate()
                gateway.wait(10)
    result: dict[str, Any] = {
        "licences": args.licences,
        "through_gateway": args.gateway,
        "claims": len(report["claims"]),
        "report_bytes": len(json.dumps(report)),
        "build_and_sign_seconds": round(built, 2),
        "build_rpc_requests": built_calls,
        "check_seconds": round(checked, 2),
        "check_rpc_requests": checked_calls,
        "checks": len(checks),
        "checks_failed": [c.name for c in checks if not c.ok],
        "rpc_methods": METHODS,
    }
    emit(result, args.save)
    return 0 if not result["checks_failed"] else 1


def _count(w3: Any) -> list[int]:
    """Counts the JSON-RPC requests ``w3`` sends over the wire (after web3's request cache), by method."""
    counter = [0]
    inner = w3.provider._make_request  # noqa: SLF001 - what reaches the wire, below web3's request cache

    def counted(method: Any, request_data: Any) -> Any:
        counter[0] += 1
        METHODS[str(method)] = METHODS.get(str(method), 0) + 1
        return inner(method, request_data)

    w3.provider._make_request = counted  # noqa: SLF001
    return counter


if __name__ == "__main__":
    sys.exit(main())
