"""``copyright-hub devnet up|down|status``: the local anvil devnet (hardhat-free-devnet/).

The launcher (``copyright_hub.devnet``) loads inside each command, so `--help` does not import it."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from ._common import console, err, friendly

devnet_app = typer.Typer(no_args_is_help=True, help="The local anvil devnet (hardhat-free-devnet/).")


def register(app: typer.Typer) -> None:
    app.add_typer(devnet_app, name="devnet")


@devnet_app.command("up")
@friendly
def devnet_up(
    host: Annotated[
        str | None,
        typer.Option(
            help="address to bind: the devnet's (loopback only), or with --public the gateway's (default 0.0.0.0)"
        ),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="RPC port: the devnet's (default 8545), or with --public the gateway's (8546)")
    ] = None,
    state: Annotated[
        Path | None, typer.Option(help="chain state file (default hardhat-free-devnet/state/anvil-state.json)")
    ] = None,
    block_time: Annotated[
        float | None, typer.Option("--block-time", help="seconds per block; 0 mines per transaction")
    ] = None,
    public: Annotated[
        bool, typer.Option("--public", help="also run the public JSON-RPC gateway (read methods only, bounded)")
    ] = False,
    allow_send_raw: Annotated[
        bool, typer.Option("--allow-send-raw", help="with --public: relay eth_sendRawTransaction (self-signed)")
    ] = False,
) -> None:
    """Start anvil in the background with persistent state; print the RPC URL and dev accounts."""
    from .. import devnet as devnet_mod
    from ..rpc_gateway import GatewaySettings

    config = devnet_mod.load_config()
    gateway = None
    if public:
        given: dict[str, Any] = {"host": host, "port": port, "allow_send_raw": allow_send_raw or None}
        overrides = {k: v for k, v in given.items() if v is not None}
        try:
            gateway = GatewaySettings.from_dict({**asdict(config.gateway), **overrides}, "devnet up --public")
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
        host = port = None  # the devnet itself stays where devnet.toml puts it: loopback
    elif allow_send_raw:
        raise typer.BadParameter("--allow-send-raw only goes with --public (the loopback devnet relays everything)")
    st, started, recovered = devnet_mod.up(
        host=host, port=port, state=state, block_time=block_time, config=config, public=gateway
    )
    if recovered:
        err.print(f"[yellow]recovered:[/yellow] {recovered}")
    verb = "started" if started else "already running"
    console.print(f"devnet {verb}: [bold]{st.url}[/bold]  chain id {st.chain_id}  height {st.height}")
    console.print(f"state file: {st.state}")
    if st.gateway_url:
        sends = "relays eth_sendRawTransaction" if st.gateway_sends else "read-only"
        console.print(f"public gateway: [bold]{st.gateway_url}[/bold] ({sends}; cheat, admin and key methods refused)")
    if started:
        console.print("funded dev accounts (their keys are public: devnet only):")
        for i, (address, key) in enumerate(devnet_mod.dev_accounts()):
            console.print(f"  {i}  {address}  {key}", highlight=False, soft_wrap=True)


@devnet_app.command("down")
@friendly
def devnet_down() -> None:
    """Stop the devnet; its chain state is written and kept."""
    from .. import devnet as devnet_mod

    st = devnet_mod.status()
    if devnet_mod.down():
        console.print(f"devnet stopped; state kept in {st.state}")
    else:
        console.print("devnet was not running")


@devnet_app.command("status")
@friendly
def devnet_status() -> None:
    """Whether the devnet runs, its height and its state file."""
    from .. import devnet as devnet_mod

    st = devnet_mod.status()
    if st.running:
        console.print(f"running: {st.url} (pid {st.pid})  chain id {st.chain_id}  height {st.height}")
        if st.gateway_url:
            console.print(
                f"public gateway: {st.gateway_url} ({'relays' if st.gateway_sends else 'no'} eth_sendRawTransaction)"
            )
    else:
        console.print("not running")
    size = f"{st.state_bytes:,} bytes" if st.state_bytes is not None else "not written yet"
    console.print(f"state file: {st.state} ({size})")
