"""Devnet kill soak: the long version of ``tests/devnet/test_journal.py``'s kill test.

Usage::

    python benchmarks/devnet_faults.py --rounds 30 [--seed 1] [--interval 2] [--stream-for 3] [--save PATH]

A journaling devnet (state snapshots every ``--interval`` s, the default devnet's 2) is SIGKILLed at
random moments, the keeper or anvil under it, while a thread registers works and buys licences
through the devnet's address. After each restart every receipt the stream got before any kill must
be at the same block number, transaction index and block hash, with the same work and licence ids.
The last line of output is one JSON object: rounds, kills, confirmed transactions, blocks replayed
from the journal, restart times, what was missing (must be empty), and what the journaling front
door costs: registrations per second through it and on a bare anvil, one after the other. Nothing is written to
``benchmarks/results/`` unless ``--save`` is given.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks._output import emit  # noqa: E402
from tests.devnet.killrun import front_door_cost, run_kills  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between state snapshots")
    parser.add_argument("--stream-for", type=float, default=3.0, help="most seconds of traffic before a kill")
    parser.add_argument("--registrations", type=int, default=100, help="for the front door's cost; 0 skips it")
    parser.add_argument("--save", type=Path, help="also write the JSON result to this file")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hub-devnet-faults-") as tmp:
        report = run_kills(
            Path(tmp), rounds=args.rounds, seed=args.seed, interval=args.interval, stream_for=args.stream_for
        )
        cost = front_door_cost(Path(tmp), registrations=args.registrations) if args.registrations else {}
    result = {"benchmark": "devnet_faults", **dataclasses.asdict(report)}
    restarts = report.restart_seconds
    result["restart_seconds"] = {
        "median": statistics.median(restarts) if restarts else None,
        "max": max(restarts, default=None),
    }
    result["front_door"] = cost
    result["seconds"] = round(time.monotonic() - started, 1)
    result["ok"] = not (report.missing or report.problems)
    emit(result, args.save)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
