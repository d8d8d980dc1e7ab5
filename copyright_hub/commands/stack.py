"""``copyright-hub up|down``: the whole hub on one machine (what `make up` / `make down` run)."""

from __future__ import annotations

from pathlib import Path

import typer

from client_sdk._config import default_deployments_dir

from ._common import console, err, friendly, hub_settings, require_server


def register(app: typer.Typer) -> None:
    app.command("up")(friendly(up))
    app.command("down")(friendly(down))


def up() -> None:
    """Start the devnet, deploy, load demo data, run the indexer and the API; print where to look."""
    require_server()  # before the devnet starts: a client-only install leaves nothing running
    from client_sdk import Hub
    from client_sdk import accounts as sdk_accounts
    from client_sdk.chain import connect
    from client_sdk.content import LocalBlockStore
    from client_sdk.deploy import deploy as run_deploy

    from .. import demo, stack
    from .. import devnet as devnet_mod

    config = devnet_mod.load_config()
    st, started, recovered = devnet_mod.up()
    if recovered:
        err.print(f"[yellow]devnet state recovered:[/yellow] {recovered}")
    console.print(f"[green]devnet[/green] {'started' if started else 'running'} at {st.url} (height {st.height})")
    assert st.url is not None
    w3 = connect(st.url)
    signer = sdk_accounts.from_mnemonic(config.mnemonic, 0)
    deployments = default_deployments_dir()
    result = run_deploy(w3, signer, deployments, progress=lambda m: console.print(f"  {m}"))
    console.print(f"[green]contracts[/green] {result.message}")
    env = stack.stack_env(st.url)
    # the settings the indexer and API processes read from this environment, checked before they start
    settings = hub_settings(
        env["COPYRIGHT_HUB_RPC_URL"],
        env["COPYRIGHT_HUB_DATABASE_URL"],
        Path(env["COPYRIGHT_HUB_DEPLOYMENTS_DIR"]),
        Path(env["COPYRIGHT_HUB_CONTENT_DIR"]),
        siwe_domain=env["COPYRIGHT_HUB_SIWE_DOMAIN"],
    )
    store = LocalBlockStore(settings.content_dir)
    dev = [sdk_accounts.from_mnemonic(config.mnemonic, i) for i in range(6)]
    accounts = demo.DemoAccounts(
        admin=dev[0], studio=dev[1], buyer=dev[2], reviewer=dev[3], co_owner=dev[4], regulator=dev[5]
    )
    created = demo.load(
        lambda account: Hub(w3, result.deployment, account), accounts, store, progress=lambda m: console.print(f"  {m}")
    )
    console.print(f"[green]demo data[/green] {created} works registered now")
    for service in stack.services():
        now = service.start(env)
        console.print(f"[green]{service.name}[/green] {'started' if now else 'running'} (log {service.log_file})")
    summary = {
        "rpc_url": st.url,
        "chain_id": str(result.deployment.chain_id),
        "manifest": str(result.manifest),
        "catalogue": stack.api_url() + "/",
        "provenance": stack.api_url() + "/provenance/1",
        "api_docs": stack.api_url() + "/docs",
        "database": env["COPYRIGHT_HUB_DATABASE_URL"],
        "content_store": env["COPYRIGHT_HUB_CONTENT_DIR"],
        "logs": str(stack.VAR_DIR / "log"),
    }
    stack.write_summary(summary)
    console.print("\n[bold]Copyright Hub is up[/bold]")
    for key, value in summary.items():
        console.print(f"  {key:<14} {value}", highlight=False, soft_wrap=True)
    console.print("Stop everything with `make down` (chain state is kept).")


def down() -> None:
    """Stop the API, the indexer and the devnet (chain state is kept)."""
    from .. import devnet as devnet_mod
    from .. import stack

    for service in reversed(stack.services()):
        if service.stop():
            console.print(f"{service.name} stopped")
    if devnet_mod.down():
        console.print("devnet stopped (state kept)")
