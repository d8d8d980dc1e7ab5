"""``copyright-hub devnet up|down|status``: the local anvil devnet (hardhat-free-devnet/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import devnet as devnet_mod
from ._common import console, err, friendly

devnet_app = typer.Typer(no_args_is_help=True, help="The local anvil devnet (hardhat-free-devnet/).")


def register(app: typer.Typer) -> None:
    app.add_typer(devnet_app, name="devnet")


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
    st, started, recovered = devnet_mod.up(host=host, port=port, state=state, block_time=block_time)
    if recovered:
        err.print(f"[yellow]recovered:[/yellow] {recovered}")
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
