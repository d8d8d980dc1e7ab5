"""Metadata worker benchmark: how fast the worker mirrors metadata documents, and what running it beside
the sync loop costs the sync.

Usage::

    python benchmarks/metadata.py --works 2000 [--db sqlite|postgresql] [--repeat 3] [--save PATH]

It starts a private anvil, deploys the hub, stores one schema-valid document per work (bilingual
titles, languages, duration) in a local block store, and registers the works in ``registerWorks``
batches (the indexer benchmark's builder, each work naming its own document). Then, ``--repeat``
times, alternating, on fresh databases (schema migrated before the clock starts), it measures:

* ``index_alone_s``: ``Indexer.run(once=True)`` with no worker;
* ``index_with_worker_s``: the same, with a :class:`~indexer.metadata.MetadataWorker` thread started
  first, reading and writing documents while the sync runs (its SQLite writes are the one thing the
  sync's commits can wait for); ``sync_slowdown`` is their ratio (1.0: the worker costs the sync nothing);
* ``worker_docs_per_s``: the worker draining every pending document of the first database (read from
  the store, CID re-computed, parsed, validated, upserted), after the sync;
* ``all_documents_after_sync_s``: in the run with the worker, how long after the sync every document
  was mirrored (the worker waits while the indexer backfills, then reads).

The best time of each is kept. The last line of output is one JSON object; ``--save`` also writes it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402

from benchmarks._databases import Databases  # noqa: E402
from benchmarks._output import emit  # noqa: E402
from benchmarks.indexer import EVENTS_PER_WORK, FINALITY, build_events  # noqa: E402
from client_sdk.content import LocalBlockStore  # noqa: E402
from client_sdk.metadata import WorkMetadata, store_metadata  # noqa: E402
from copyright_hub.devnet import spawn_anvil  # noqa: E402
from copyright_hub.scenario import TITLES  # noqa: E402
from indexer import Indexer, IndexerSettings  # noqa: E402
from indexer._rpc import Rpc  # noqa: E402
from indexer.db import make_engine, migrate  # noqa: E402
from indexer.metadata import MetadataWorker  # noqa: E402


def _documents(store: LocalBlockStore, works: int) -> list[str]:
    cids = []
    for i in range(works):
        en, zh = TITLES[i % len(TITLES)]
        meta = WorkMetadata("film", title_en=f"{en} {i}", title_zh=f"{zh} {i}", languages=("zh-Hans", "en"),
                            country="CN", duration_seconds=60 + i)  # fmt: skip
        cids.append(store_metadata(store, meta))
    return cids


def _ok_rows(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM work_metadata WHERE status = 'ok'")).scalar_one()
    engine.dispose()
    return int(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--works", type=int, default=2_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=3, help="measure this many times; report the best")
    parser.add_argument("--save", type=Path, metavar="PATH", help="also write the result (JSON) to PATH")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="metadata-bench-"))
    databases = Databases(args.db, tmp, "meta_bench_")

    def fresh_database(name: str) -> str:
        url = databases.fresh(name)
        engine = make_engine(url)
        migrate(engine)  # an empty schema is set-up, not sync throughput
        engine.dispose()
        return url

    store = LocalBlockStore(tmp / "content")
    cids = _documents(store, args.works)
    with spawn_anvil(extra_args=["--gas-limit", "3000000000", "--disable-code-size-limit"]) as node, databases:
        rpc = Rpc(node.url, timeout=120)
        build_events(node.url, rpc, args.works * EVENTS_PER_WORK, tmp / "deployments", meta=cids.__getitem__)

        def settings(url: str) -> IndexerSettings:
            return IndexerSettings(database_url=url, rpc_url=node.url, deployments_dir=tmp / "deployments",
                                   finality_depth=FINALITY, metadata_poll_interval=0.05)  # fmt: skip

        alone: list[float] = []
        with_worker: list[float] = []
        drains: list[float] = []
        lags: list[float] = []
        for i in range(args.repeat):
            url = fresh_database(f"alone{i}")
            started = time.monotonic()
            Indexer(settings(url)).run(once=True)
            alone.append(time.monotonic() - started)

            engine = make_engine(url)
            worker = MetadataWorker(engine, store, settings(url), batch=200)
            started = time.monotonic()
            drained = worker.drain()
            drains.append(time.monotonic() - started)
            engine.dispose()
            assert drained == args.works == _ok_rows(url), (drained, _ok_rows(url))

            url = fresh_database(f"worker{i}")
            engine = make_engine(url)
            worker = MetadataWorker(engine, store, settings(url), batch=200)
            thread = threading.Thread(target=worker.run, daemon=True)
            thread.start()
            started = time.monotonic()
            Indexer(settings(url)).run(once=True)
            with_worker.append(time.monotonic() - started)
            synced = time.monotonic()
            while _ok_rows(url) < args.works and time.monotonic() - synced < 120:
                time.sleep(0.05)
            lags.append(time.monotonic() - synced)
            worker.stop_event.set()
            thread.join(30)
            engine.dispose()
            print(f"run {i + 1}: index alone {alone[-1]:.3f}s, with the worker {with_worker[-1]:.3f}s (every "
                  f"document mirrored {lags[-1]:.3f}s later), worker drain {drains[-1]:.3f}s", file=sys.stderr)  # fmt: skip
        result = {
            "works": args.works,
            "index_alone_s": round(min(alone), 3),
            "index_with_worker_s": round(min(with_worker), 3),
            "sync_slowdown": round(min(with_worker) / min(alone), 3),
            "worker_docs_per_s": round(args.works / min(drains), 1),
            "all_documents_after_sync_s": round(min(lags), 3),
            "db": args.db,
            "repeats": args.repeat,
        }
    emit(result, args.save)


if __name__ == "__main__":
    main()
