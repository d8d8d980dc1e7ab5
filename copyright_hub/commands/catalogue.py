"""Catalogue commands: ``copyright-hub register-many DIR|LIST`` (a whole catalogue, resumable) and
``publish`` / ``unpublish`` (what the content gateway may serve).

``register-many`` is :func:`client_sdk.batch.register_catalogue` with a progress bar on stderr and a
summary table (or ``--json``) on stdout. Run it again after an interruption: its journal (default
``DIR/.copyright-hub/register-many.jsonl``) and the chain tell it what is done. It exits 1 when any
file was not registered (each one named in the summary with what to do), else 0.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from client_sdk.metadata import METADATA_WORK_TYPES

from ._common import (
    CidVersionOpt,
    ContentDirOpt,
    DeploymentsOpt,
    KeyEnvOpt,
    KeystoreOpt,
    LazyConsole,
    RpcOpt,
    connect_hub,
    content_dir,
    err,
    friendly,
    indexer_settings,
    load_signer,
)
from .similar import SimilarHubOpt, near_duplicate_check

if TYPE_CHECKING:
    from client_sdk.content import ContentStore

console = LazyConsole()


def register(app: typer.Typer) -> None:
    app.command("register-many")(friendly(register_many_cmd))
    app.command("publish")(friendly(publish_cmd))
    app.command("unpublish")(friendly(unpublish_cmd))


def register_many_cmd(
    source: Annotated[Path, typer.Argument(help="a folder of media files, or a text file listing one path a line")],
    sidecar: Annotated[
        Path | None,
        typer.Option(help="metadata per file, CSV or JSON (default DIR/catalogue.csv or .json; see the README)"),
    ] = None,
    work_type: Annotated[
        str, typer.Option("--type", help="work type of rows that name none: " + " | ".join(METADATA_WORK_TYPES))
    ] = "film",
    encrypt: Annotated[
        bool, typer.Option(help="register encrypted masters: the ciphertext is stored and public, keys stay local")
    ] = False,
    publish_master: Annotated[
        bool, typer.Option("--publish-master", help="store the plaintext masters and make them public (explicit)")
    ] = False,
    journal: Annotated[
        Path | None, typer.Option(help="the run's journal (default DIR/.copyright-hub/register-many.jsonl)")
    ] = None,
    keys_dir: Annotated[
        Path | None, typer.Option(help="with --encrypt: where content keys go (default beside the journal, keys/)")
    ] = None,
    max_batch: Annotated[
        int | None, typer.Option(min=1, help="at most this many works per transaction (default: what fits a block)")
    ] = None,
    cid_version: CidVersionOpt = 0,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as one JSON object")] = False,
    codes: Annotated[
        bool,
        typer.Option(
            "--codes/--no-codes", help="ISCC content codes into each metadata document, near-duplicates warned"
        ),
    ] = True,
    hub_url: SimilarHubOpt = None,
    store: ContentDirOpt = None,
    rpc: RpcOpt = None,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
    deployments: DeploymentsOpt = None,
) -> None:
    """Register every file of a folder or list, with metadata from a sidecar: hashed in one pass each,
    metadata (and ciphertext with --encrypt) stored and public, works registered in batches that fit a
    block. Interrupted, run the same command again: nothing is registered twice."""
    from client_sdk import batch
    from client_sdk.content import LocalBlockStore

    if work_type not in METADATA_WORK_TYPES:
        raise typer.BadParameter(f"--type must be one of {', '.join(METADATA_WORK_TYPES)}")
    if cid_version not in (0, 1):
        raise typer.BadParameter("--cid-version must be 0 or 1")
    if encrypt and publish_master:
        raise typer.BadParameter("--encrypt keeps the master private; --publish-master makes it public: give one")
    account = load_signer(keystore, key_env)
    if account is None:
        raise typer.BadParameter("pass the studio's key with --keystore FILE or --key-env VAR (keys stay local)")
    items = batch.plan(source, sidecar, work_type)
    journal_path = journal or batch.default_journal(source)
    options = batch.Options(
        encrypt=encrypt,
        publish_master=publish_master,
        cid_version=cid_version,
        max_batch=max_batch,
        keys_dir=keys_dir or journal_path.parent / "keys",
        content_codes=(lambda path: near_duplicate_check(path, account.address, hub_url, quiet=as_json))
        if codes
        else None,
    )
    content_store = LocalBlockStore(content_dir(store))  # the publication record lives beside its blocks
    with connect_hub(rpc, deployments, account) as hub:
        hub.store = content_store
        log = batch.Journal(journal_path)
        try:
            with _bars(len(items), quiet=as_json) as tick:
                result = batch.register_catalogue(hub, content_store, items, log, options, tick)
        finally:
            log.close()
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        _summary(result)
    if not result.ok:
        raise typer.Exit(1)


class _bars:
    """A rich progress bar on stderr per step (prepare, register), advanced by the batch's callback."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.total = total
        self.quiet = quiet
        self.bar: Any = None
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> Any:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        if self.quiet or not err.is_terminal:
            return None
        self.bar = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err.rich,
        )
        self.bar.__enter__()
        self.tasks = {
            "prepare": self.bar.add_task("hashing", total=self.total),
            "register": self.bar.add_task("registering", total=self.total),
        }
        return lambda phase, n: self.bar.advance(self.tasks[phase], n)

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _summary(result: Any) -> None:
    from client_sdk import batch

    styles = {batch.REGISTERED: "green", batch.DONE_BEFORE: "cyan", batch.NOT_DONE: "yellow"}
    from rich.table import Table

    table = Table(title=f"register-many: {len(result.items)} files")
    for col in ("file", "status", "work", "gas", "title / problem"):
        table.add_column(col, overflow="fold")
    for item in result.items:
        style = styles.get(item.status, "red")
        table.add_row(
            item.path.name,
            f"[{style}]{item.status}[/{style}]",
            str(item.work_id or ""),
            f"{item.gas:,}" if item.gas is not None else "",
            item.problem or item.title,
        )
    console.print(table)
    counts = ", ".join(f"{n} {s}" for s in batch.STATUSES if (n := result.count(s)))
    console.print(
        f"{counts}; {len(result.transactions)} transaction(s), {result.gas_used:,} gas, {result.seconds:.1f} s",
        highlight=False,
    )
    if result.stopped:
        console.print(f"[red]stopped:[/red] {result.stopped}", highlight=False)


def publish_cmd(
    cid: Annotated[str, typer.Argument(help="the root CID to serve publicly through the gateway")],
    store: ContentDirOpt = None,
) -> None:
    """Make stored content public: the gateway serves only what was published (metadata, posters,
    previews and ciphertext are published when stored; a plaintext master only with this command)."""
    from client_sdk.content import publish

    publish(_store(store), cid)
    console.print(f"published {cid}: the gateway serves it", highlight=False)


def unpublish_cmd(
    cid: Annotated[str, typer.Argument(help="the root CID the gateway should stop serving")],
    store: ContentDirOpt = None,
) -> None:
    """Withdraw content from the gateway (its blocks stay stored; copies others made are not recalled)."""
    from client_sdk.content.store import unpublish

    unpublish(_store(store), cid)
    console.print(f"unpublished {cid}: the gateway no longer serves it", highlight=False)


def _store(store: Path | None) -> ContentStore:
    """The store whose publication record the gateway reads: the kubo node of
    COPYRIGHT_HUB_KUBO_API_URL when set (its MFS record), else the local store (--content-dir)."""
    return indexer_settings(content_dir=store).content_store()
