"""Indexer fault soak: the long version of ``tests/indexer/test_fault_run.py``.

Usage::

    python benchmarks/indexer_faults.py --rounds 60 [--seed 1] [--db sqlite|postgresql]

A private devnet (state snapshots every 0.5 s, written atomically) and a following indexer are
SIGKILLed at random moments under mixed hub activity (registrations with splits, metadata updates,
attestations, offers, purchases, signed-offer purchases, licence and work transfers, disputes and
rulings, withdrawals). Every devnet kill brings the chain back shorter; each round then regrows it
past the finality depth before a killed indexer starts again. At the end the mirror is compared
with a fresh rebuild, table by table, and with the chain (owners, splits, offers, licences,
credits). The last line of output is one JSON object: rounds, kills, blocks lost, reorgs detected,
divergent tables (must be empty), and what the activity did. Nothing is written to
``benchmarks/results/`` unless ``--save`` is given.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: E402

from tests.indexer.conftest import _drop_pg_schema, _new_pg_schema, dump  # noqa: E402
from tests.indexer.faultrun import run_faults  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--save", type=Path, help="also write the JSON result to this file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # the retries and reorgs the run provokes are its point, not news
    schemas: list[str] = []
    with tempfile.TemporaryDirectory(prefix="hub-faults-") as tmp:
        work = Path(tmp)
        if args.db == "sqlite":
            urls = [f"sqlite:///{work / 'lived.sqlite3'}", f"sqlite:///{work / 'fresh.sqlite3'}"]
        else:
            urls = []
            for _ in range(2):
                schema, url = _new_pg_schema()
                schemas.append(schema)
                urls.append(url)
        columns = (TextColumn("fault rounds"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.fields[last]}"))  # fmt: skip
        try:
            with Progress(*columns, transient=True) as bar:
                task = bar.add_task("rounds", total=args.rounds, last="")
                report = run_faults(
                    urls[0], urls[1], work, rounds=args.rounds, seed=args.seed, dump=dump,
                    on_round=lambda i, kind: bar.update(task, advance=1, last=f"killed: {kind}"),
                )  # fmt: skip
        finally:
            for schema in schemas:
                _drop_pg_schema(schema)
    result = {"benchmark": "indexer_faults", "db": args.db, **dataclasses.asdict(report)}
    result["ok"] = not (report.divergent_tables or report.chain_diffs or report.indexer_failures)
    line = json.dumps(result, sort_keys=True)
    if args.save:
        args.save.write_text(line + "\n")
    print(line)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
