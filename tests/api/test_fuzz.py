"""A bounded schemathesis run over the API's own ``/openapi.json`` (issue 10 item 6).

A real anvil, the hub deployed, two stories on it (:func:`~tests.factories.scenario.catalogue_story`:
works, offers in every state, licences, an attestation; :func:`~tests.factories.scenario.every_event_story`:
every kind of hub event, disputes included), indexed into a real SQLite file and into the real
PostgreSQL, served by the real app on a real uvicorn server. Schemathesis then tests every operation
with every check it has (server errors, status codes, content types, response headers, response
schemas, negative data rejected, positive data accepted, missing headers, unsupported methods, Allow
on 405, ...), through all its phases (examples, coverage, fuzzing, stateful), with a fixed number of
examples per operation and deterministic generation (the same cases every run), so a CI run is
reproducible.

Bounded: :data:`SUITE_EXAMPLES` examples per operation and a wall-clock budget
(:data:`SUITE_BUDGET_SECONDS`) after which the run is stopped and the test fails saying so. A failure
shows schemathesis' own report: the operation, the check, and a curl command that reproduces it.
``benchmarks/fuzz_api.py`` runs the same with more examples (the independent review used 100).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.settings import Settings
from client_sdk.accounts import from_mnemonic
from copyright_hub.devnet import load_config
from indexer import Indexer, IndexerSettings
from tests.api.conftest import _indexer_settings, catalogue_hub, serve_app
from tests.factories.scenario import Scenario, every_event_story

#: examples per operation in the suite: enough to reach every operation's bounds and error paths
SUITE_EXAMPLES = 10
#: the suite's run is stopped (and fails) after this many seconds, per database
SUITE_BUDGET_SECONDS = 150
#: the checks every run must have applied (``--checks all``): a check that judged nothing passes vacuously
EXPECTED_CHECKS = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
}
#: the devnet mnemonic's account indices playing each role (both stories on one chain)
ROLES = {"admin": 0, "studio": 1, "buyer": 2, "reviewer": 3, "arbiter": 4, "stranger": 5, "claimant": 6, "co_owner": 7}


#: Where a check's default expectation cannot hold for a reason the schema cannot state, and why; each
#: entry widens one check on one operation and nothing else (schemathesis' config file format; the
#: statuses are the check's defaults plus the one added).
CONFIG = """
# /ipfs/{cid}: the path parameter declares the text forms of a CID (api.routes.content.CID_PATTERN),
# but not the varints and multihash length inside, which no regular expression can say: text of a
# CID's shape that is not a CID is answered 400 Invalid CID (as IPFS gateways do), and every other
# check (server errors, declared statuses, content types, schemas) still holds for those answers.
[[operations]]
include-path = "/ipfs/{cid}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]

# /relay: the body declares hex bytes of a bounded length, but whether they are a signed EIP-2718
# transaction (RLP inside, a valid signature) no schema can say: other bytes are answered 400 Not a
# transaction (api.routes.trading.relay), and every other check still holds for those answers.
[[operations]]
include-path = "/relay"
include-method = "POST"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]

# /similar: the query parameter declares the text form of an ISCC unit or ISCC-CODE (base32 of the right
# length after its prefix), but not the header inside (main type, subtype, version, length), which no
# regular expression can say: text of that shape that does not decode to a unit the hub compares is
# answered 422 naming the code (api.routes.similar), and every other check still holds for those answers.
[[operations]]
include-path = "/similar"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

# /accounts/{address}: the path parameter declares an address's shape, but not its EIP-55 checksum
# (mixed case must hash right), which no regular expression can say: a mixed-case address with a wrong
# checksum is answered 422 naming the checksum (api.routes.accounts.account_address), and every other
# check still holds for those answers.
[[operations]]
include-path = "/accounts/{address}"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
"""


@contextmanager
def indexed_hub(kind: str, tmp: Path) -> Iterator[Settings]:
    """A private anvil with both stories on it, indexed into a fresh ``kind`` database ("sqlite" or
    "postgresql") by an indexer that keeps following the chain (so ``/readyz`` is honestly ready); the
    API settings that serve it."""
    config = load_config()
    cast = {role: from_mnemonic(config.mnemonic, i) for role, i in ROLES.items()}
    # the fuzzer sends far more than a person would: let it reach the key-release checks rather than
    # stop at 429 after the first minute's 60 requests
    with catalogue_hub(kind, tmp, cast, rate_limit_per_minute=1_000_000) as (_node, sc, settings):
        every_event_story(Scenario(sc.hubs, store=sc.store, salt="every-event:"))
        indexer_settings = IndexerSettings(**_indexer_settings(settings))
        Indexer(indexer_settings).run(once=True)
        follower = Indexer(indexer_settings)
        errors: list[BaseException] = []
        thread = threading.Thread(target=lambda: _run_into(follower, errors), daemon=True)
        thread.start()
        try:
            yield settings
        finally:
            follower.stop()
            thread.join(30)
        assert not errors, f"the indexer failed while the API was fuzzed: {errors[0]!r}"


def _run_into(indexer: Indexer, errors: list[BaseException]) -> None:
    try:
        indexer.run()
    except BaseException as exc:  # reported by indexed_hub once the run is over
        errors.append(exc)


@dataclass
class FuzzRun:
    """What one schemathesis run did and found."""

    exit_code: int
    seconds: float
    #: schemathesis' own report: each failing operation, the check, and a curl command reproducing it
    output: str
    timed_out: bool = False
    #: every operation the document declares ("GET /works/{work_id}") and those that were tested
    declared: set[str] = field(default_factory=set)
    tested: set[str] = field(default_factory=set)
    #: test cases sent (requests with an answer)
    examples: int = 0
    #: check name -> how many test cases it judged, and how many it failed
    checked: Counter[str] = field(default_factory=Counter)
    #: (operation, status) -> how many answers
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and not self.failures

    def answered(self, operation: str, lowest: int, highest: int) -> int:
        """How many answers ``operation`` gave with a status in ``lowest..highest``."""
        return sum(n for (op, status), n in self.answers.items() if op == operation and lowest <= status <= highest)

    def summary(self) -> dict[str, Any]:
        return {
            "operations": len(self.declared),
            "operations_tested": len(self.tested & self.declared),
            "examples": self.examples,
            "checks": {name: {"cases": n, "failures": self.failures[name]} for name, n in sorted(self.checked.items())},
            "failures": sum(self.failures.values()),
            "seconds": round(self.seconds, 1),
            "exit_code": self.exit_code,
            "timed_out": self.timed_out,
        }


def run_schemathesis(
    base_url: str, *, max_examples: int, budget: float, workdir: Path, seed: int | None = None
) -> FuzzRun:
    """``st run`` over ``{base_url}/openapi.json``: every operation, every check, every phase, at most
    ``max_examples`` test cases per operation and phase, generated deterministically (or, with ``seed``,
    at random from that seed: more varied, repeatable with the same seed and schemathesis version);
    stopped after ``budget`` seconds. Its events go to an NDJSON report that :class:`FuzzRun` is read from."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "schemathesis.toml").write_text(CONFIG, encoding="utf-8")
    events = workdir / "events.ndjson"
    argv = [
        sys.executable, "-m", "schemathesis.cli",
        "--config-file", str(workdir / "schemathesis.toml"),
        "run", f"{base_url}/openapi.json",
        "--checks", "all",
        "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", str(max_examples),
        # reproducible: the same cases every run (deterministic generation needs no seed or database)
        *(["--generation-deterministic"] if seed is None else ["--seed", str(seed), "--generation-database", "none"]),
        "--workers", "1",
        "--request-timeout", "20",
        "--no-color",
        "--report", "ndjson",
        "--report-ndjson-path", str(events),
    ]  # fmt: skip
    start = time.monotonic()
    try:
        proc = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, timeout=budget, check=False)
        run = FuzzRun(proc.returncode, time.monotonic() - start, proc.stdout + proc.stderr)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
        run = FuzzRun(-1, time.monotonic() - start, out, timed_out=True)
    run.declared = {
        f"{method.upper()} {path}"
        for path, item in httpx.get(f"{base_url}/openapi.json").json()["paths"].items()
        for method in item
    }
    if events.exists():
        _read_events(events, run)
    return run


def _read_events(events: Path, run: FuzzRun) -> None:
    for line in events.read_text(encoding="utf-8").splitlines():
        scenario = json.loads(line).get("ScenarioFinished")
        if scenario is None:
            continue
        recorder = scenario["recorder"]
        interactions = recorder.get("interactions") or {}
        run.examples += len(interactions)
        for case_id, interaction in interactions.items():
            case = recorder["cases"][case_id]["value"]
            label = f"{case['method'].upper()} {case['path']}"
            run.tested.add(label)
            if interaction.get("response"):
                run.answers[label, interaction["response"]["status_code"]] += 1
        for results in (recorder.get("checks") or {}).values():
            for check in results:
                run.checked[check["name"]] += 1
                if check["status"] == "failure":
                    run.failures[check["name"]] += 1


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    kind: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp = tmp_path_factory.mktemp(f"fuzz-{kind}")
    with indexed_hub(kind, tmp) as settings, serve_app(settings) as url:
        run = run_schemathesis(url, max_examples=SUITE_EXAMPLES, budget=SUITE_BUDGET_SECONDS, workdir=tmp / "st")
    report = f"{json.dumps(run.summary(), indent=1)}\n\nschemathesis said:\n{run.output[-20_000:]}"
    assert not run.timed_out, f"the fuzz run did not finish within {SUITE_BUDGET_SECONDS} s\n{report}"
    assert run.ok, f"schemathesis found failures on {kind}; each comes with a curl command\n{report}"
    assert run.declared and run.declared <= run.tested, f"untested operations: {run.declared - run.tested}\n{report}"
    # every check ran (a check that never judged a case would pass vacuously)
    assert set(run.checked) >= EXPECTED_CHECKS, f"checks that never ran: {EXPECTED_CHECKS - set(run.checked)}\n{report}"
    assert run.examples >= 10 * len(run.declared), report
    # the run reached the indexed data: every read answered 2xx at least once (ids of real works,
    # offers and licences come from the lists through the stateful phase's links)
    unanswered = {op for op in run.declared if op.startswith("GET ") and not run.answered(op, 200, 299)}
    assert not unanswered, f"read operations that never answered 2xx: {sorted(unanswered)}\n{report}"
