"""The long schemathesis run over the API (issue 10 item 6): what ``tests/api/test_fuzz.py`` does in the
suite, with as many examples per operation as the independent review used (100).

Usage::

    python benchmarks/fuzz_api.py [--examples 100] [--db sqlite|postgresql|both] [--budget 1800] [--seed N] [--save PATH]

For each database it starts a private anvil, deploys the hub, plays the catalogue story and the
every-event story (works, offers in every state, licences, attestations, disputes), indexes them into
a temporary SQLite file or a throw-away PostgreSQL schema at 127.0.0.1:5432 database ``test``
(``COPYRIGHT_HUB_TEST_PG_URL`` overrides it) with an indexer that keeps following, serves the real
app on a free loopback port, and runs schemathesis over its ``/openapi.json``: every operation, every
check, every phase, ``--examples`` test cases per operation and phase, generated deterministically
(the same cases every run) or, with ``--seed N``, at random from that seed (more varied inputs,
repeatable with the same seed), stopped after ``--budget`` seconds.

Schemathesis' own report (each failing operation, check and curl reproduction) is printed for a run
that found anything. The last line of output is one JSON object: per database the operations, test
cases sent, and for each check the cases it judged and the failures it found; ``ok`` is true when no
database had a failure. Only with ``--save PATH`` is it also written to a file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks._output import emit  # noqa: E402
from tests.api.conftest import serve_app  # noqa: E402
from tests.api.test_fuzz import indexed_hub, run_schemathesis  # noqa: E402


def fuzz(kind: str, examples: int, budget: float, seed: int | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"fuzz-api-{kind}-") as tmp:
        with indexed_hub(kind, Path(tmp)) as settings, serve_app(settings) as url:
            run = run_schemathesis(url, max_examples=examples, budget=budget, workdir=Path(tmp) / "st", seed=seed)
        if not run.ok:
            print(run.output, file=sys.stderr)
        return {**run.summary(), "ok": run.ok}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="test cases per operation and phase")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--budget", type=float, default=1800, help="seconds each database's run may take")
    parser.add_argument(
        "--seed", type=int, default=None, help="generate at random from this seed instead of deterministically"
    )
    parser.add_argument("--save", type=Path, default=None, help="also write the result to this file")
    args = parser.parse_args(argv)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results = {}
    for kind in kinds:
        print(f"{kind}: fuzzing with {args.examples} examples per operation ...", file=sys.stderr, flush=True)
        results[kind] = fuzz(kind, args.examples, args.budget, args.seed)
    ok = all(r["ok"] for r in results.values())
    result = {"examples_per_operation": args.examples, "seed": args.seed, "ok": ok, **results}
    emit(result, args.save)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
