"""``copyright-hub index``: mirror every hub event into SQL, then follow the head; beside it, the
metadata worker (:mod:`indexer.metadata`) reads works' metadata documents from the content store."""

from __future__ import annotations

import gc
import logging
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._common import DatabaseUrlOpt, DeploymentsOpt, LazyConsole, RpcOpt, friendly, indexer_settings

if TYPE_CHECKING:
    from rich.progress import Progress

    from indexer import Indexer, IndexerSettings
    from indexer import Progress as SyncProgress
    from indexer.metadata import MetadataWorker

console = LazyConsole(stderr=True)

#: RPC retries of ``index --once`` when COPYRIGHT_HUB_RPC_MAX_RETRIES is not set: an RPC that never
#: answers fails the run after about (retries + 1) x COPYRIGHT_HUB_RPC_TIMEOUT plus the back-off,
#: instead of hanging a script. Follow mode keeps the settings' default: it retries forever.
ONCE_RPC_MAX_RETRIES = 4


def register(app: typer.Typer) -> None:
    """Add the ``index`` command to the ``copyright-hub`` app."""
    app.command("index")(friendly(index))


def index(
    once: Annotated[
        bool, typer.Option("--once", help="stop when caught up with the head instead of following it")
    ] = False,
    from_block: Annotated[
        int | None, typer.Option("--from-block", help="first block of a NEW mirror (default: the deploy block)")
    ] = None,
    rpc: RpcOpt = None,
    database_url: DatabaseUrlOpt = None,
    deployments: DeploymentsOpt = None,
    finality_depth: Annotated[int | None, typer.Option(help="blocks below the head that cannot reorg")] = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="drop the mirror's tables and index again from the deploy block")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Backfill from the deploy block, then follow the head; reorg- and crash-safe. One writer per
    database: a second `index` on the same database waits as a hot standby."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # a dedicated bulk-loading process: collect garbage less often (about +25% events/s in the benchmark)
    gc.set_threshold(50_000, 50, 100)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    settings = _settings(rpc, database_url, deployments, finality_depth, once)
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[events]:,} events  {task.fields[rate]}"),
        TimeElapsedColumn(),
        console=console.rich,
        disable=quiet,
        transient=False,
    )
    ix = _open_indexer(settings, None if quiet else _progress_to(bar))
    worker = _metadata_worker(settings, ix)

    def stop(_sig: int, _frame: Any) -> None:
        ix.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        with bar:
            position = ix.run(once=once, from_block=from_block, rebuild=rebuild)
        if worker is not None and once:  # a script's `index --once` gets the metadata of what it mirrored
            worker.stop()
            worker.stop_event.clear()
            worker.drain()
    finally:
        if worker is not None:
            worker.stop()
    console.print(
        f"mirrored chain {ix.chain_id} to block {position.number} ({ix.stats.events_total:,} events this run, "
        f"{ix.stats.reorgs} reorgs handled)"
    )


def _metadata_worker(settings: IndexerSettings, ix: Indexer) -> MetadataWorker | None:
    """The worker that reads works' metadata documents from the content store, unless turned off
    (``COPYRIGHT_HUB_METADATA_WORKER=false``); it starts once ``ix`` holds the writer lock."""
    if not settings.metadata_worker:
        return None

    from indexer.metadata import MetadataWorker

    worker = MetadataWorker(ix.engine, settings.content_store(), settings)
    ix.on_lock = worker.start
    return worker


def _settings(
    rpc: str | None, database_url: str | None, deployments: Path | None, finality_depth: int | None, once: bool
) -> IndexerSettings:
    """The indexer's settings from the shared options; ``--once`` bounds the RPC retries unless the
    environment sets them. A refused setting is one line from the CLI's boundary."""
    settings = indexer_settings(rpc, database_url, deployments, finality_depth=finality_depth)
    if once and "rpc_max_retries" not in settings.model_fields_set:
        settings = settings.model_copy(update={"rpc_max_retries": ONCE_RPC_MAX_RETRIES})
        logging.getLogger("indexer.rpc").setLevel(logging.ERROR)  # the one line on giving up says it all
    return settings


def _progress_to(bar: Progress) -> Callable[[SyncProgress], None]:
    """An ``on_progress`` callback that draws the indexer's progress on ``bar``."""
    task: list[Any] = []

    def on_progress(p: SyncProgress) -> None:
        total = max(1, p.target - p.start + 1)
        done = max(0, min(total, p.checkpoint - p.start + 1))
        if not task:
            task.append(bar.add_task("backfill", total=total, events=0, rate=""))
        rate = f"{p.events_total / max(bar.tasks[0].elapsed or 1e-3, 1e-3):,.0f}/s"
        label = "backfill" if p.state == "backfill" else "following head"
        bar.update(task[0], description=label, total=total, completed=done, events=p.events_total, rate=rate)

    return on_progress


def _open_indexer(settings: IndexerSettings, on_progress: Callable[[SyncProgress], None] | None) -> Indexer:
    """The :class:`indexer.Indexer` on ``settings``; a malformed database URL is a configuration error."""
    from sqlalchemy.exc import ArgumentError

    from client_sdk.errors import ConfigurationError
    from indexer import Indexer

    try:
        return Indexer(
            settings,
            on_progress=on_progress,
            on_standby=lambda: console.print("another indexer holds this database; waiting as standby"),
        )
    except ArgumentError:  # the URL is not echoed: it may hold a password
        raise ConfigurationError(
            "the database URL (--database-url or COPYRIGHT_HUB_DATABASE_URL) is not a SQLAlchemy URL; "
            "write e.g. sqlite:///var/hub.sqlite3 or postgresql://user@host/db"
        ) from None
