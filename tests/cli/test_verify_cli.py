"""Auditors on their own machines: ``copyright-hub verify`` with the deployment from a hub's
``GET /deployment`` or from the registry address alone (no manifest folder), signed reports and their
certificate, and ``verify-report`` naming what no longer holds (an edit, another chain, a forged
deployment). The hub is the real app on a real uvicorn over the catalogue story on a private anvil."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account.signers.local import LocalAccount

from client_sdk.artifacts import load_artifact
from client_sdk.manifest import read_manifest
from copyright_hub.devnet import AnvilProcess, DevnetConfig, spawn_anvil
from tests.api.conftest import catalogue_hub, serve_app
from tests.factories.scenario import FILM

HUB = [sys.executable, "-m", "copyright_hub.cli"]


@dataclass
class Audit:
    node: AnvilProcess
    hub_url: str
    manifest: Any
    film: int
    film_file: Path
    tmp: Path
    env: dict[str, str]

    def run(self, *args: str, rpc: str | None = None) -> subprocess.CompletedProcess[str]:
        argv = [*HUB, *args, "--rpc", rpc or self.node.url]
        return subprocess.run(argv, env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def audit(
    tmp_path_factory: pytest.TempPathFactory,
    deployer: LocalAccount,
    studio: LocalAccount,
    buyer: LocalAccount,
    auditor: LocalAccount,
    arbiter: LocalAccount,
    stranger: LocalAccount,
) -> Iterator[Audit]:
    tmp = tmp_path_factory.mktemp("verify-cli")
    cast = {"admin": deployer, "studio": studio, "co_owner": arbiter, "buyer": buyer, "reviewer": auditor,
            "stranger": stranger}  # fmt: skip
    with catalogue_hub("sqlite", tmp, cast) as (node, sc, settings), serve_app(settings) as url:
        film = tmp / "film.bin"
        film.write_bytes(FILM)
        manifest = read_manifest(tmp / "deployments" / "31337.json")
        env = {k: v for k, v in os.environ.items() if not k.startswith("COPYRIGHT_HUB_")}
        # the auditor's machine: no manifest folder, no content store, its own key
        env.update(COLUMNS="250", AUDITOR_KEY=auditor.key.hex(), COPYRIGHT_HUB_DEPLOYMENTS_DIR=str(tmp / "none"),
                   COPYRIGHT_HUB_CONTENT_DIR=str(tmp / "none"))  # fmt: skip
        yield Audit(node, url, manifest, sc["film"], film, tmp, env)


def test_deployment_route_serves_the_manifest_with_the_committed_abis(audit: Audit) -> None:
    served = httpx.get(f"{audit.hub_url}/deployment").json()
    assert served["chain_id"] == 31337 and served["deploy_block"] == audit.manifest.deploy_block
    for name, entry in audit.manifest.contracts.items():
        assert {k: served["contracts"][name][k] for k in entry.model_dump()} == entry.model_dump()
        assert served["contracts"][name]["abi"] == load_artifact(name).abi


def test_verify_with_a_hub_writes_a_signed_report_and_certificate_that_recheck(audit: Audit, auditor: LocalAccount) -> None:
    report, cert = audit.tmp / "report.json", audit.tmp / "cert.html"
    done = audit.run("verify", str(audit.film), "--hub", audit.hub_url, "--file", str(audit.film_file),
                     "--report", str(report), "--certificate", str(cert), "--key-env", "AUDITOR_KEY")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is the committed build" in done.stdout and "the file matches its registration" in done.stdout
    data = json.loads(report.read_text())
    assert data["auditor"] == auditor.address and data["signature"]["scheme"] == "EIP-712"
    assert data["summary"]["title_en"] == "The River at Dawn (restored)" and "metadata" in data
    assert {x["status"] for x in data["summary"]["licences"]} == {"valid", "not_yet_valid"}
    html = cert.read_text()
    for text in ("作品登记核验证书", "Certificate of Registration Audit", "The River at Dawn (restored)",
                 data["summary"]["content_cid"], f"{audit.hub_url}/provenance/{audit.film}", "<svg"):  # fmt: skip
        assert text in html, text
    again = audit.run("verify-report", str(report), "--certificate", str(audit.tmp / "again.html"))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "checks hold" in again.stdout and "FAILS" not in again.stdout
    assert (audit.tmp / "again.html").read_text() == html  # the same report, the same certificate

    edited = dict(data, summary={**data["summary"], "title_en": "Another Film"})
    forged = audit.tmp / "edited.json"
    forged.write_text(json.dumps(edited))
    caught = audit.run("verify-report", str(forged), "--certificate", str(audit.tmp / "forged.html"))
    assert caught.returncode == 1 and "report unchanged since signing" in caught.stdout.split("checks fail:")[1]
    assert not (audit.tmp / "forged.html").exists()  # no certificate for a report that does not hold

    with spawn_anvil(config=DevnetConfig(chain_id=4242)) as other:
        elsewhere = audit.run("verify-report", str(report), rpc=other.url)
    assert elsewhere.returncode == 1
    assert "the RPC serves chain 4242, the report is for chain 31337" in " ".join(elsewhere.stdout.split())


def test_verify_from_the_registry_alone(audit: Audit) -> None:
    registry = audit.manifest.address("WorkRegistry")
    done = audit.run("verify", str(audit.film), "--registry", registry, "--file", str(audit.film_file))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"LicenceMarket {audit.manifest.address('LicenceMarket')}" in done.stdout
    no_manifest = audit.run("verify", str(audit.film))
    assert no_manifest.returncode == 1 and "pass --hub URL (the hub's API) or --registry" in no_manifest.stderr
    other_code = audit.run("verify", str(audit.film), "--registry", audit.manifest.address("LicenceMarket"))
    assert other_code.returncode == 1
    assert "error: WorkRegistry at" in other_code.stderr and "is not the committed build" in other_code.stderr


@pytest.fixture
def forged_hub(audit: Audit) -> Iterator[str]:
    """A hub whose /deployment names the market's address as the registry (the fake is a forged server)."""
    served = httpx.get(f"{audit.hub_url}/deployment").json()
    served["contracts"]["WorkRegistry"]["address"] = served["contracts"]["LicenceMarket"]["address"]
    body = json.dumps(served).encode()

    class Forged(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Forged)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_a_forged_deployment_is_refused_in_one_line(audit: Audit, forged_hub: str) -> None:
    refused = audit.run("verify", str(audit.film), "--hub", forged_hub)
    assert refused.returncode == 1
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: WorkRegistry at"), refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
