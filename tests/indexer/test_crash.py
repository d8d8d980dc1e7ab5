"""SIGKILL the indexer at random moments during a sync; every restart resumes from its checkpoint and
the final mirror equals a fresh index from the deploy block.

The indexer runs in a forked child process (a real process, killed with a real SIGKILL) so that the
kills land inside the sync rather than during interpreter start-up; ``test_cli`` covers the command.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time

import pytest

from .conftest import Chain, Mirror, MirrorFactory, chain_works, dump, index_once, scalar

KILLS = 10
WORKS = 500


def _child(url: str, rpc_url: str, deployments: str) -> None:
    from indexer import Indexer, IndexerSettings

    settings = IndexerSettings(
        database_url=url, rpc_url=rpc_url, deployments_dir=deployments,
        initial_block_range=1, max_block_range=1,  # many small batches: kills land between and inside them
    )  # fmt: skip
    try:
        Indexer(settings).run(once=True)
    except BaseException:
        import traceback

        traceback.print_exc()
        os._exit(1)
    os._exit(0)


def _spawn(mirror: Mirror, chain: Chain) -> multiprocessing.process.BaseProcess:
    proc = multiprocessing.get_context("fork").Process(
        target=_child, args=(mirror.url, chain.node.url, str(chain.deployments_dir)), daemon=True
    )
    proc.start()
    return proc


def _checkpoint(mirror: Mirror) -> int | None:
    return scalar(mirror.url, "SELECT block_number FROM checkpoint")


@pytest.mark.slow
def test_sigkill_at_random_moments_then_resume_equals_fresh_index(chain: Chain, new_mirror: MirrorFactory) -> None:
    if chain_works(chain) < WORKS:
        chain.register(WORKS, per_block=2, account=5)
    rng = random.Random(int(os.environ.get("INDEXER_CRASH_SEED", "4")))

    started = time.monotonic()
    proc = _spawn(new_mirror(), chain)
    proc.join(120)
    full = time.monotonic() - started
    assert proc.exitcode == 0

    fresh = new_mirror()
    index_once(fresh, chain)
    expected = dump(fresh.url)

    mirror = new_mirror()
    kills = finished = 0
    progress: list[int | None] = []
    while kills < KILLS:
        proc = _spawn(mirror, chain)
        time.sleep(rng.uniform(full / 10, full / 3))
        if proc.is_alive():
            os.kill(proc.pid, signal.SIGKILL)  # type: ignore[arg-type]
            proc.join()
            kills += 1
            progress.append(_checkpoint(mirror))
            continue
        proc.join()  # it got to the end between kills: check it, then crash a new mirror
        assert proc.exitcode == 0
        assert dump(mirror.url) == expected
        finished += 1
        mirror = new_mirror()
    # the kills landed inside the sync: the checkpoint moved between them
    assert len({p for p in progress if p is not None}) >= 2, (full, progress)

    proc = _spawn(mirror, chain)
    proc.join(120)
    assert proc.exitcode == 0
    assert dump(mirror.url) == expected
