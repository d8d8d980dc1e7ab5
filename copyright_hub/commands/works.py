"""Work commands: ``copyright-hub register FILE`` (studios) and ``copyright-hub verify`` (auditors).

``verify`` reads the chain directly (registry contract and its events) and recomputes the file's
sha256 and CID; it never asks the hub's API or database.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from client_sdk.terms import WORK_TYPES, work_type_name

from ._common import (
    DeploymentsOpt,
    KeyEnvOpt,
    KeystoreOpt,
    RpcOpt,
    byte_progress,
    connect_hub,
    friendly,
    load_signer,
)

console = Console()


def register(app: typer.Typer) -> None:
    app.command("register")(friendly(register_cmd))
    app.command("verify")(friendly(verify_cmd))


def _parse_split(text: str) -> tuple[str, int]:
    from web3 import Web3

    try:
        account, bps = text.rsplit(":", 1)
        if Web3.is_address(account):
            return account, int(bps)
    except ValueError:
        pass
    raise typer.BadParameter(f"{text!r}: write a split as ADDRESS:BPS, e.g. 0xAbc…:2500")


def register_cmd(
    file: Annotated[Path, typer.Argument(help="the work's content file")],
    title: Annotated[str, typer.Option(help="English title")],
    title_zh: Annotated[str | None, typer.Option("--title-zh", help="Chinese title")] = None,
    work_type: Annotated[str, typer.Option("--type", help=" | ".join(WORK_TYPES))] = "film",
    split: Annotated[
        list[str] | None, typer.Option(help="ADDRESS:BPS, repeatable; the first must be you; all sum to 10000")
    ] = None,
    cid_version: Annotated[int, typer.Option(help="0 (ipfs add default) or 1")] = 0,
    store: Annotated[Path | None, typer.Option(help="also put file and metadata into this local block store")] = None,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Register a work from its file: sha256 and CID computed locally, metadata JSON built, signed locally."""
    from client_sdk.content import LocalBlockStore, compute_cid
    from client_sdk.errors import ConfigurationError
    from client_sdk.terms import Split
    from client_sdk.verify import digest_and_cid

    if work_type not in WORK_TYPES:
        raise typer.BadParameter(f"--type must be one of {', '.join(WORK_TYPES)}")
    if cid_version not in (0, 1):
        raise typer.BadParameter("--cid-version must be 0 or 1")
    account = load_signer(keystore, key_env)
    if account is None:
        raise ConfigurationError("pass the studio's key with --keystore FILE or --key-env VAR (keys stay local)")
    splits = [Split(*_parse_split(s)) for s in split or []]
    size = file.stat().st_size if file.is_file() else 0
    with byte_progress("hashing", size) as tick:
        digest, cid = digest_and_cid(file, cid_version, on_progress=tick)
    metadata = {
        "title": {"en": title, **({"zh": title_zh} if title_zh else {})},
        "workType": work_type,
        "file": {"name": file.name, "size": size, "sha256": "0x" + digest.hex()},
    }
    metadata_bytes = json.dumps(metadata, ensure_ascii=False, sort_keys=True, indent=2).encode()
    if store is not None:
        blocks = LocalBlockStore(store)
        blocks.add(file, cid_version)
        metadata_cid = blocks.add(metadata_bytes, cid_version)
    else:
        metadata_cid = compute_cid(metadata_bytes, cid_version)
    with connect_hub(rpc, deployments, account) as hub:
        reg = hub.register_work(digest, str(cid), str(metadata_cid), WORK_TYPES.index(work_type), splits=splits)
    console.print(f"registered work [bold]{reg.work_id}[/bold] in tx {reg.tx_hash} (block {reg.block_number})")
    console.print(f"  sha256       0x{digest.hex()}")
    console.print(f"  content CID  {cid}")
    console.print(f"  metadata CID {metadata_cid}")


def verify_cmd(
    work_id: Annotated[
        int | None, typer.Argument(help="the work to check (default: find it by the file's sha256)")
    ] = None,
    file: Annotated[Path | None, typer.Option(help="a copy of the file to check against the registration")] = None,
    rpc: RpcOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Check a work (and optionally a file) against the chain itself. Exit code 1 when a check fails."""
    from client_sdk.verify import verify_file

    if work_id is None and file is None:
        raise typer.BadParameter("give a WORK_ID, a --file, or both")
    with connect_hub(rpc, deployments) as hub:
        if file is None:
            assert work_id is not None
            work = hub.get_work(work_id)
            _print_work(work, hub)
            return
        size = file.stat().st_size if file.is_file() else 0
        with byte_progress("hashing", size) as tick:
            result = verify_file(hub, file, work_id, on_progress=tick)
        if result.work is not None:
            _print_work(result.work, hub)
        table = Table(title=f"{os.fspath(file)} against the chain")
        for col in ("check", "registered", "file", ""):
            table.add_column(col, overflow="fold")
        for c in result.checks:
            table.add_row(c.name, c.expected, c.actual, "[green]ok[/green]" if c.ok else "[red]MISMATCH[/red]")
        console.print(table)
        if not result.ok:
            console.print("[red]verification failed[/red]")
            raise typer.Exit(1)
        console.print("[green]the file matches its registration on chain[/green]")


def _print_work(work: Any, hub: Any) -> None:
    from datetime import UTC, datetime

    when = datetime.fromtimestamp(work.registered_at, UTC).isoformat()
    console.print(f"work {work.work_id} on chain {hub.deployment.chain_id} (registry {hub.registry.address})")
    for label, value in (
        ("owner", work.owner),
        ("sha256", "0x" + work.content_digest.hex()),
        ("content CID", work.content_cid),
        ("metadata CID", f"{work.metadata_cid} (version {work.metadata_version})"),
        ("type", work_type_name(work.work_type)),
        ("status", work.status.name.lower()),
        ("registered", when),
    ):
        console.print(f"  {label:<13} {value}", highlight=False, soft_wrap=True)
