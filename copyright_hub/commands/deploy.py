"""``copyright-hub deploy``: every hub contract, idempotently, recorded in deployments/<chainId>.json."""

from __future__ import annotations

import typer

from client_sdk._config import default_deployments_dir

from ._common import (
    DeploymentsOpt,
    KeyEnvOpt,
    KeystoreOpt,
    RpcOpt,
    chain_url,
    console,
    devnet_deployer,
    friendly,
    load_signer,
)


def register(app: typer.Typer) -> None:
    app.command("deploy")(friendly(deploy))


def deploy(
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Deploy every hub contract (idempotent) and write deployments/<chainId>.json."""
    from client_sdk.chain import connect
    from client_sdk.deploy import deploy as run_deploy

    signer = load_signer(keystore, key_env)  # a missing key is reported before touching the network
    rpc = chain_url(rpc)
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
