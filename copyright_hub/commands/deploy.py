"""``copyright-hub deploy``: every hub contract, idempotently, recorded in deployments/<chainId>.json."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from client_sdk._config import default_deployments_dir

from ._common import console, devnet_deployer, devnet_rpc_url, friendly, load_signer


def register(app: typer.Typer) -> None:
    app.command("deploy")(friendly(deploy))


def deploy(
    rpc: Annotated[
        str | None,
        typer.Option(envvar="COPYRIGHT_HUB_RPC_URL", help="EVM JSON-RPC URL (default: the running devnet)"),
    ] = None,
    keystore: Annotated[
        Path | None,
        typer.Option(help="V3 keystore of the deployer (password: $COPYRIGHT_HUB_KEYSTORE_PASSWORD or prompt)"),
    ] = None,
    key_env: Annotated[
        str | None, typer.Option(help="environment variable holding the deployer's hex private key")
    ] = None,
    deployments: Annotated[Path | None, typer.Option(help="manifest folder (default ./deployments)")] = None,
) -> None:
    """Deploy every hub contract (idempotent) and write deployments/<chainId>.json."""
    from client_sdk.chain import connect
    from client_sdk.deploy import deploy as run_deploy

    signer = load_signer(keystore, key_env)  # a missing key is reported before touching the network
    rpc = rpc or devnet_rpc_url()
    w3 = connect(rpc)
    chain_id = w3.eth.chain_id
    if signer is None:
        signer = devnet_deployer(rpc, chain_id)
    result = run_deploy(
        w3, signer, deployments or default_deployments_dir(), progress=lambda m: console.print(f"  {m}")
    )
    console.print(result.message)
    for name, c in result.deployment.contracts.items():
        console.print(f"  {name:<24} {c.address}")
    console.print(f"manifest: {result.manifest}")
