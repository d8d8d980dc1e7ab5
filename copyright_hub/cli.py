"""``copyright-hub``: the command line over the devnet, deployment, and (as they land) the indexer,
API and content tools. Every failure prints one clear message and exits non-zero; no tracebacks.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from client_sdk import accounts as sdk_accounts
from client_sdk._config import DEFAULT_RPC_URL, default_deployments_dir
from client_sdk.errors import HubError

from . import devnet as devnet_mod

console = Console()
err = Console(stderr=True)

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Copyright Hub: register, license and verify audiovisual works."
)
devnet_app = typer.Typer(no_args_is_help=True, help="The local anvil devnet (hardhat-free-devnet/).")
app.add_typer(devnet_app, name="devnet")

F = TypeVar("F", bound=Callable[..., Any])


def friendly(fn: F) -> F:
    """Turn expected failures into one red line and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (HubError, devnet_mod.DevnetError) as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


# -- devnet -----------------------------------------------------------------------------------------


@devnet_app.command("up")
@friendly
def devnet_up(
    host: Annotated[str, typer.Option(help="address to bind; non-loopback exposes the public dev keys")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="RPC port (default from devnet.toml: 8545)")] = None,
    state: Annotated[
        Path | None, typer.Option(help="chain state file (default hardhat-free-devnet/state/anvil-state.json)")
    ] = None,
    block_time: Annotated[
        float | None, typer.Option("--block-time", help="seconds per block; 0 mines per transaction")
    ] = None,
) -> None:
    """Start anvil in the background with persistent state; print the RPC URL and dev accounts."""
    if not devnet_mod.is_loopback(host):
        err.print(
            f"[yellow]warning:[/yellow] binding the devnet to {host}: its dev account keys are PUBLIC "
            "(anvil's well-known mnemonic); anyone who can reach this port can spend them."
        )
    st, started = devnet_mod.up(host=host, port=port, state=state, block_time=block_time)
    verb = "started" if started else "already running"
    console.print(f"devnet {verb}: [bold]{st.url}[/bold]  chain id {st.chain_id}  height {st.height}")
    console.print(f"state file: {st.state}")
    if started:
        console.print("funded dev accounts (their keys are public: devnet only):")
        for i, (address, key) in enumerate(devnet_mod.dev_accounts()):
            console.print(f"  {i}  {address}  {key}", highlight=False, soft_wrap=True)


@devnet_app.command("down")
@friendly
def devnet_down() -> None:
    """Stop the devnet; its chain state is written and kept."""
    st = devnet_mod.status()
    if devnet_mod.down():
        console.print(f"devnet stopped; state kept in {st.state}")
    else:
        console.print("devnet was not running")


@devnet_app.command("status")
@friendly
def devnet_status() -> None:
    """Whether the devnet runs, its height and its state file."""
    st = devnet_mod.status()
    if st.running:
        console.print(f"running: {st.url} (pid {st.pid})  chain id {st.chain_id}  height {st.height}")
    else:
        console.print("not running")
    size = f"{st.state_bytes:,} bytes" if st.state_bytes is not None else "not written yet"
    console.print(f"state file: {st.state} ({size})")


# -- deploy -----------------------------------------------------------------------------------------


def devnet_rpc_url() -> str:
    """The URL of the devnet `copyright-hub devnet up` started, else the default local URL."""
    st = devnet_mod.status()
    return st.url if st.running and st.url else DEFAULT_RPC_URL


def resolve_signer(rpc_url: str, keystore: Path | None, key_env: str | None, chain_id: int) -> Any:
    if keystore and key_env:
        raise typer.BadParameter("give either --keystore or --key-env, not both")
    if keystore:
        return sdk_accounts.from_keystore(keystore)
    if key_env:
        return sdk_accounts.from_key_env(key_env)
    config = devnet_mod.load_config()
    if chain_id == config.chain_id:
        return sdk_accounts.from_mnemonic(config.mnemonic, 0)
    from client_sdk.errors import ConfigurationError

    raise ConfigurationError(
        f"chain {chain_id} at {rpc_url} is not the devnet; pass the deployer key with --keystore FILE or --key-env VAR"
    )


@app.command()
@friendly
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

    if keystore and key_env:
        raise typer.BadParameter("give either --keystore or --key-env, not both")
    if key_env:  # a missing key is reported before touching the network
        signer = sdk_accounts.from_key_env(key_env)
    elif keystore:
        signer = sdk_accounts.from_keystore(keystore)
    else:
        signer = None
    rpc = rpc or devnet_rpc_url()
    w3 = connect(rpc)
    chain_id = w3.eth.chain_id
    if signer is None:
        signer = resolve_signer(rpc, None, None, chain_id)
    result = run_deploy(
        w3, signer, deployments or default_deployments_dir(), progress=lambda m: console.print(f"  {m}")
    )
    console.print(result.message)
    for name, c in result.deployment.contracts.items():
        console.print(f"  {name:<24} {c.address}")
    console.print(f"manifest: {result.manifest}")


# -- the whole stack --------------------------------------------------------------------------------


@app.command()
@friendly
def up() -> None:
    """Start the devnet, deploy, load demo data, run the indexer and the API; print where to look."""
    from client_sdk import Hub
    from client_sdk.chain import connect
    from client_sdk.content import LocalBlockStore
    from client_sdk.deploy import deploy as run_deploy

    from . import demo, stack

    config = devnet_mod.load_config()
    st, started = devnet_mod.up()
    console.print(f"[green]devnet[/green] {'started' if started else 'running'} at {st.url} (height {st.height})")
    assert st.url is not None
    w3 = connect(st.url)
    signer = sdk_accounts.from_mnemonic(config.mnemonic, 0)
    deployments = default_deployments_dir()
    result = run_deploy(w3, signer, deployments, progress=lambda m: console.print(f"  {m}"))
    console.print(f"[green]contracts[/green] {result.message}")
    env = stack.stack_env(st.url)
    store = LocalBlockStore(env["COPYRIGHT_HUB_CONTENT_DIR"])
    dev = [sdk_accounts.from_mnemonic(config.mnemonic, i) for i in range(5)]
    accounts = demo.DemoAccounts(admin=dev[0], studio=dev[1], buyer=dev[2], reviewer=dev[3], co_owner=dev[4])
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
        "api": stack.api_url(),
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


@app.command()
@friendly
def down() -> None:
    """Stop the API, the indexer and the devnet (chain state is kept)."""
    from . import stack

    for service in reversed(stack.services()):
        if service.stop():
            console.print(f"{service.name} stopped")
    if devnet_mod.down():
        console.print("devnet stopped (state kept)")


from .commands import indexer as _indexer_commands  # noqa: E402

_indexer_commands.register(app)
from .commands import content as _content_commands  # noqa: E402

_content_commands.register(app)
from .commands import works as _works_commands  # noqa: E402

_works_commands.register(app)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
