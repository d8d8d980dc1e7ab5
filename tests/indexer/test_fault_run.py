"""The bounded, seeded fault run (see ``faultrun``): devnet and indexer SIGKILLed at random moments
under every kind of hub activity; the mirror must end equal to a rebuild and to the chain. The longer
version is ``benchmarks/indexer_faults.py``."""

from __future__ import annotations

import os
from pathlib import Path

from .conftest import MirrorFactory, dump
from .faultrun import run_faults

ROUNDS = 8


def test_random_devnet_and_indexer_kills_under_mixed_activity(new_mirror: MirrorFactory, tmp_path: Path) -> None:
    seed = int(os.environ.get("INDEXER_FAULT_SEED", "2026"))
    report = run_faults(new_mirror().url, new_mirror().url, tmp_path, rounds=ROUNDS, seed=seed, dump=dump)
    assert report.indexer_failures == [], report
    assert report.divergent_tables == [], report
    assert report.chain_diffs == [], report
    # the run did what it claims: both kinds of kill, chains that came back shorter, reorgs seen
    assert report.devnet_kills >= 2 and report.indexer_kills >= 2, report
    assert report.blocks_lost > 0 and report.reorgs_detected >= 1, report
    assert len(report.activity) >= 6, report  # most kinds of event happened
