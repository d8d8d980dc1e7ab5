"""API benchmark: the real API under load, against a bare FastAPI twin that returns the same bytes.

Usage::

    python benchmarks/api.py [--works 10000] [--offers 500] [--seconds 10] [--db sqlite|postgresql]
                             [--workers 1] [--no-cache] [--save PATH]

It stores one bilingual metadata document per work (``client_sdk.metadata.WorkMetadata``, through
``store_metadata``) in a temporary local content store: titles of two Chinese two-character words and
two English words, descriptions of four and six, drawn by a Zipf law (exponent 1) from a vocabulary of
400 Chinese and 400 English words (``benchmarks.search.Vocabulary``), so a frequent word is in thousands
of works and a rare one in a few. It starts a private anvil (automine off, a large block gas limit),
deploys the hub, registers ``--works`` works, each with its document's CID and work type, in batched
``registerWorks`` transactions and publishes ``--offers`` offers on the first works (many transactions
per block), indexes them into a temporary SQLite file (or a throw-away PostgreSQL schema at
127.0.0.1:5432 database ``test``; override with ``COPYRIGHT_HUB_BENCH_PG_URL``) and drains the
metadata worker as ``index --once`` does (every work must have its metadata mirrored, status ``ok``),
then serves, at the same time and under the same uvicorn settings (``--workers`` workers, default one;
loopback, a free port, no access log):

* ``hub``: the real API (``api.main.app_factory``) over that mirror, with its response cache on its
  default settings (``--no-cache`` turns it off, to measure the read path itself);
* ``bare``: a bare FastAPI app answering the same paths with the bytes and content type captured from
  the hub just before (work details for a fixed random sample of ``--ids`` ids; search pages for
  ``--queries`` words per kind drawn by the vocabulary's Zipf law, so frequent words are asked often:
  ``/works?q=<Chinese word>`` and ``/works?q=<first 3-4 letters of an English word>``; each placeholder
  of ``ENDPOINTS`` is filled per request from its sample, in both servers alike, so the hub's response
  cache sees varied keys). It picks an answer by path and query string, one dictionary look-up.

Each endpoint is driven by a load generator in a separate process (asyncio + httpx, ``--clients``
concurrent keep-alive clients, closed loop) for ``--seconds`` in all, in ``--rounds`` slices that
alternate between the servers (hub, bare, bare, hub, ...; each slice after a short warm-up), so a
change in the machine's load hits both alike: on a machine shared with other work, one 10 s run of
each, hub then bare, gave ratios anywhere from 0.5 to 1.8 for the same code. Each client runs one loop
from warm-up to the end of its slice.

``ReadError``s seen in earlier runs were the generator's, not the server's: uvicorn closes a keep-alive
connection that stays idle for 5 s after it wrote a response, and a request sent on it just then gets
no answer (the keep-alive race every HTTP/1.1 client must expect). The old generator paused between
warm-up and measurement (reproduced with a 1 s keep-alive: 3-10 errors a run, all right after the
pause), and on a loaded machine the generator, one Python process, can leave an answer unread for
seconds, so from the server's side the connection idles past the timeout (reproduced: 64 clients, 5 s
keep-alive, 7 errors in 20 s, all ``BrokenResourceError`` at one instant; 0 with a 30 s keep-alive). So
the generator sends such a GET again once, as RFC 9112 §9.3.1 allows and browsers do, and reports it
as ``retried``; anything else, or a second failure, is an error. On a 2-core machine the generator shares the cores with the server, so
absolute figures are not comparable across runs; the ratios within one run are the result.

The last line of output is one JSON object: per endpoint rps, p50 and p99 (ms) for hub and bare, the
throughput ratio hub/bare, the p99 ratio hub/bare and the error count (non-200 answers and transport
errors), plus whether the targets of issue 10 item 7 hold (every throughput ratio >= 0.4, every p99 at
most 2.5x the bare twin's, zero errors). Only with ``--save PATH`` is it also written to a file.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# This file is called api.py: keep its folder off the path so ``import api`` finds the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from fastapi import FastAPI, HTTPException, Request, Response  # noqa: E402

from benchmarks._output import emit  # noqa: E402

if TYPE_CHECKING:
    from benchmarks.search import Vocabulary

WORKS_PER_TX = 200
TXS_PER_BLOCK = 2
OFFERS_PER_BLOCK = 100
FINALITY = 12
CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
#: distinct Chinese two-character words, and as many English words, the metadata documents are made of
VOCABULARY = 400
PG_URL = os.environ.get("COPYRIGHT_HUB_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
WARMUP_SECONDS = 1.0
SEED = 11
#: the same for hub and bare (plus ``--workers``): loopback, no access log (it would measure the terminal)
UVICORN = {"host": "127.0.0.1", "log_level": "warning", "access_log": False}
#: where a bare twin's worker finds the captured answers (a worker builds its app from an import string)
CAPTURE_VARIABLE = "COPYRIGHT_HUB_BENCH_CAPTURE"
TARGET_RATIO = 0.4
#: a reused keep-alive connection the server closed (idle past its keep-alive timeout, from its side)
#: as the request went out: no answer at all. RFC 9112 §9.3.1 lets a client send an idempotent request
#: again on a new connection, as browsers do; httpx does not, so the generator does, once, and counts it.
CLOSED_BEFORE_ANSWER = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)
TARGET_P99 = 2.5

#: endpoint name -> path template; a ``{name}`` is replaced per request by a value drawn from that
#: name's sample (``id``: work ids; ``zh``: Chinese words; ``en``: English prefixes)
ENDPOINTS = {
    "catalogue_list": "/works?limit=50",
    "work_detail": "/works/{id}",
    "offers_list": "/offers?limit=50",
    "catalogue_page": "/",
    "search_zh": "/works?q={zh}&limit=50",
    "search_en_prefix": "/works?q={en}&limit=50",
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(template: str, value: str) -> str:
    """``template`` with its placeholder (at most one) replaced by ``value``."""
    return PLACEHOLDER.sub(lambda _: value, template, count=1)


# -- chain -------------------------------------------------------------------------------------


def store_documents(works: int, content_dir: Path, vocab: Vocabulary) -> list[tuple[str, int]]:
    """One bilingual metadata document per work, stored in the local content store at ``content_dir``
    (the one the indexer and the hub read); returns each work's (metadata CID, on-chain work type).
    Titles are two Chinese and two English words, descriptions four and six, drawn from ``vocab`` by its
    Zipf law, so a frequent word is in thousands of works and a rare one in a few."""
    from client_sdk.content import LocalBlockStore
    from client_sdk.metadata import METADATA_WORK_TYPES, WorkMetadata, store_metadata

    store = LocalBlockStore(content_dir)
    rng = vocab.rng
    stored = []
    for i in range(works):
        doc = WorkMetadata(
            work_type=METADATA_WORK_TYPES[i % len(METADATA_WORK_TYPES)],
            title_zh="".join(vocab.zh_words(2)),
            title_en=" ".join(vocab.en_words(2)).title(),
            description_zh="，".join(vocab.zh_words(4)),
            description_en=" ".join(vocab.en_words(6)) + ".",
            languages=rng.choice((("zh-Hans", "en"), ("zh",), ("en",), ("zh-Hant",))),
        )
        stored.append((store_metadata(store, doc), doc.chain_work_type))
    return stored


def build_chain(node_url: str, works: int, offers: int, deployments: Path, documents: list[tuple[str, int]]) -> float:
    """Deploy, register ``works`` works (the i-th with ``documents[i]``: its metadata CID and work type)
    and publish ``offers`` offers; returns the seconds it took."""
    from rich.progress import Progress
    from web3 import Web3

    from client_sdk.accounts import from_mnemonic
    from client_sdk.artifacts import load_artifact
    from client_sdk.chain import connect
    from client_sdk.deploy import deploy
    from copyright_hub.devnet import load_config
    from copyright_hub.scenario import terms
    from indexer._rpc import Rpc

    config = load_config()
    w3 = connect(node_url)
    rpc = Rpc(node_url, timeout=120)
    deployer = from_mnemonic(config.mnemonic, 0)
    studio = from_mnemonic(config.mnemonic, 1)
    deployment = deploy(w3, deployer, deployments).deployment
    registry = w3.eth.contract(
        address=Web3.to_checksum_address(deployment.address("WorkRegistry")), abi=load_artifact("WorkRegistry").abi
    )
    market = w3.eth.contract(
        address=Web3.to_checksum_address(deployment.address("LicenceMarket")), abi=load_artifact("LicenceMarket").abi
    )
    nonce = w3.eth.get_transaction_count(studio.address)
    first_id = 1  # work ids count from 1

    def signed(to: str, data: str, gas: int) -> str:
        nonlocal nonce
        tx = {
            "to": to,
            "data": data,
            "nonce": nonce,
            "gas": gas,
            "maxFeePerGas": 10 * 10**9,
            "maxPriorityFeePerGas": 10**9,
            "chainId": deployment.chain_id,
            "value": 0,
        }
        nonce += 1
        return "0x" + studio.sign_transaction(tx).raw_transaction.hex()

    started = time.monotonic()
    rpc.call("evm_setAutomine", [False])
    now = int(w3.eth.get_block("latest")["timestamp"])
    with Progress(transient=False) as progress:
        task = progress.add_task(f"registering {works:,} works", total=works)
        for first in range(0, works, WORKS_PER_TX * TXS_PER_BLOCK):
            raws = []
            for lo in range(first, min(works, first + WORKS_PER_TX * TXS_PER_BLOCK), WORKS_PER_TX):
                batch = [
                    (
                        hashlib.sha256(f"api-bench-{i}".encode()).digest(),
                        CID,
                        *documents[i],
                        0,
                        [(studio.address, 10_000)],
                        [],
                        [],
                    )
                    for i in range(lo, min(works, lo + WORKS_PER_TX))
                ]
                raws.append(
                    signed(
                        registry.address,
                        registry.encode_abi("registerWorks", args=[batch]),
                        80_000 * len(batch) + 200_000,
                    )
                )
                progress.advance(task, len(batch))
            rpc.batch([("eth_sendRawTransaction", [raw]) for raw in raws])
            rpc.call("evm_mine")
        task = progress.add_task(f"publishing {offers:,} offers", total=offers)
        for first in range(0, offers, OFFERS_PER_BLOCK):
            raws = []
            for i in range(first, min(offers, first + OFFERS_PER_BLOCK)):
                # a few works get several offers, most get one: ids from the first works
                work_id = first_id + (i % max(1, min(works, offers * 3 // 4)))
                data = market.encode_abi(
                    "createOffer", args=[terms(work_id, now, price=10**15 * (1 + i % 50)).to_abi()]
                )
                raws.append(signed(market.address, data, 1_000_000))
            rpc.batch([("eth_sendRawTransaction", [raw]) for raw in raws])
            rpc.call("evm_mine")
            progress.advance(task, len(raws))
    rpc.call("anvil_mine", [hex(FINALITY + 1)])
    rpc.call("evm_setAutomine", [True])
    return time.monotonic() - started


# -- servers -----------------------------------------------------------------------------------


def serve(which: str, port: int, capture: Path | None, workers: int) -> None:
    """Run one server in this process (the parent starts two of these): the hub, or its bare twin, each
    with ``workers`` uvicorn workers built from an import string (as ``uvicorn --factory`` does)."""
    import uvicorn

    if which == "hub":
        app = "api.main:app_factory"  # settings from COPYRIGHT_HUB_* variables set by the parent
    else:
        assert capture is not None
        os.environ[CAPTURE_VARIABLE] = str(capture)
        app = "benchmarks.api:bare_factory"
    uvicorn.run(app, factory=True, port=port, workers=workers, **UVICORN)  # type: ignore[arg-type]


def bare_factory() -> FastAPI:
    """The bare twin on the answers captured in the file named by ``$COPYRIGHT_HUB_BENCH_CAPTURE``."""
    return bare_app(json.loads(Path(os.environ[CAPTURE_VARIABLE]).read_text(encoding="utf-8")))


def bare_app(captured: dict[str, Any]) -> FastAPI:
    """A FastAPI app answering the captured paths with the captured bytes and content types, nothing else:
    one route per path, which picks the answer by the request's query string (as the client sent it)."""
    app = FastAPI()
    pages: dict[str, dict[str, tuple[bytes, str]]] = {}
    for path, queries in captured["pages"].items():
        pages[path] = {query: (body.encode("utf-8"), ctype) for query, (body, ctype) in queries.items()}
    details = {int(k): body.encode("utf-8") for k, body in captured["details"].items()}
    detail_type = captured["detail_type"]

    def page_route(path: str) -> None:
        answers = pages[path]

        async def handler(request: Request) -> Response:
            answer = answers.get(request.scope["query_string"].decode("latin-1"))
            if answer is None:
                raise HTTPException(404)
            return Response(content=answer[0], media_type=answer[1])

        app.add_api_route(path, handler, methods=["GET"])

    for path in pages:
        page_route(path)

    @app.get("/works/{work_id}")
    async def work(work_id: int) -> Response:
        body = details.get(work_id)
        if body is None:
            raise HTTPException(404)
        return Response(content=body, media_type=detail_type)

    return app


def start_server(
    which: str, env: dict[str, str], workers: int, capture: Path | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    from copyright_hub.devnet import free_port

    port = free_port()
    argv = [sys.executable, str(Path(__file__).resolve()), "--serve", which, "--port", str(port)]
    argv += ["--workers", str(workers)]
    if capture is not None:
        argv += ["--capture", str(capture)]
    proc = subprocess.Popen(argv, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the {which} server exited with {proc.returncode} before answering")
        try:
            httpx.get(url + "/openapi.json", timeout=2).raise_for_status()
            return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"the {which} server did not answer on {url} within 60 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- load --------------------------------------------------------------------------------------


async def _drive(base: str, template: str, values: list[str], clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: dict[str, int] = {}  # what went wrong (status and body start, or the exception) -> count
    retried: dict[str, int] = {}  # connections closed before an answer, whose GET was sent again
    rng = random.Random(1)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def one(warm_until: float, until: float) -> None:
            while (t0 := time.perf_counter()) < until:
                record = t0 >= warm_until
                path = fill(template, rng.choice(values)) if values else template
                for attempt in range(2):
                    try:
                        r = await client.get(path)
                        await r.aread()
                        kind = None if r.status_code == 200 else f"HTTP {r.status_code}: {r.text[:200]}"
                    except CLOSED_BEFORE_ANSWER as e:
                        kind = f"{type(e).__name__}: {e}"[:200]
                        if attempt == 0:  # the keep-alive race: send it again once, and count it
                            if record:
                                retried[kind] = retried.get(kind, 0) + 1
                            continue
                    except httpx.HTTPError as e:
                        kind = f"{type(e).__name__}: {e}"[:200]
                    break
                t1 = time.perf_counter()
                if record:
                    if kind is None:
                        latencies.append(t1 - t0)
                    else:
                        errors[kind] = errors.get(kind, 0) + 1

        # One closed loop per client from warm-up to the end: a pause between warm-up and measurement
        # (waiting for the slowest warm-up request) left every connection idle at once.
        started = time.perf_counter() + WARMUP_SECONDS
        await asyncio.gather(*(one(started, started + seconds) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {
        "elapsed_s": elapsed,
        "latencies_ms": [round(1000 * t, 3) for t in latencies],
        "error_kinds": errors,
        "retried_kinds": retried,
    }


def summary(slices: list[dict[str, Any]]) -> dict[str, Any]:
    """One server's figures for one endpoint from the slices it was driven in."""
    latencies = sorted(t for s in slices for t in s["latencies_ms"])
    elapsed = sum(s["elapsed_s"] for s in slices)
    errors: dict[str, int] = {}
    retried: dict[str, int] = {}
    for s in slices:
        for merged, kinds in ((errors, s["error_kinds"]), (retried, s["retried_kinds"])):
            for kind, n in kinds.items():
                merged[kind] = merged.get(kind, 0) + n

    def pct(q: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2) if latencies else 0.0

    return {
        "rps": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "retried": sum(retried.values()),
        "retried_kinds": retried,
        "requests": len(latencies),
    }


def load(base: str, template: str, values: list[str], clients: int, seconds: float) -> dict[str, Any]:
    """Drive ``base + template`` from a separate process (so the generator is not the server's thread),
    its placeholder filled per request with one of ``values`` (none: the template as it is)."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--load", base, "--path", template]
    argv += ["--clients", str(clients), "--seconds", str(seconds), "--values", ",".join(values)]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


# -- run ---------------------------------------------------------------------------------------


def capture(base: str, samples: dict[str, list[str]]) -> dict[str, Any]:
    """The hub's answers for every path the load will ask (each sampled value of a placeholder), to be
    served by the bare twin: work details by id, every other page by its path and query string."""
    pages: dict[str, dict[str, tuple[str, str]]] = {}
    with httpx.Client(base_url=base, timeout=60) as client:
        for name, template in ENDPOINTS.items():
            if template == "/works/{id}":
                continue
            placeholder = PLACEHOLDER.search(template)
            values = sorted(set(samples[placeholder.group(1)])) if placeholder else [""]
            sizes = []
            for value in values:
                r = client.get(fill(template, value))  # the URL encoded as the load generator's httpx does
                r.raise_for_status()
                pages.setdefault(r.request.url.path, {})[r.request.url.query.decode("latin-1")] = (
                    r.text,
                    r.headers["content-type"],
                )
                sizes.append(len(r.content))
            print(f"captured {name} {template}: {len(values):,} paths, {sum(sizes):,} bytes", file=sys.stderr)
        details = {}
        detail_type = "application/json"
        for work_id in samples["id"]:
            r = client.get(f"/works/{work_id}")
            r.raise_for_status()
            details[work_id] = r.text
            detail_type = r.headers["content-type"]
    return {"pages": pages, "details": details, "detail_type": detail_type}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--works", type=int, default=10_000)
    parser.add_argument("--offers", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per endpoint and server")
    parser.add_argument("--rounds", type=int, default=5, help="slices the seconds are measured in, alternating servers")
    parser.add_argument("--clients", type=int, default=32, help="concurrent keep-alive clients")
    parser.add_argument("--ids", type=int, default=500, help="work ids sampled for the detail endpoint")
    parser.add_argument(
        "--queries", type=int, default=500, help="search words drawn (by the vocabulary's Zipf law) per search kind"
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers of each server (hub and bare)")
    parser.add_argument(
        "--cache",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the hub's response cache (settings.response_cache_bytes); --no-cache measures the read path itself",
    )
    parser.add_argument("--save", type=Path, metavar="PATH", help="also write the result (JSON) to PATH")
    # internal: the child processes (servers and the load generator)
    parser.add_argument("--serve", choices=["hub", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--capture", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--load", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--values", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve:
        serve(args.serve, args.port, args.capture, args.workers)
        return
    if args.load:
        values = [v for v in args.values.split(",") if v]
        print(json.dumps(asyncio.run(_drive(args.load, args.path, values, args.clients, args.seconds))))
        return

    import sqlalchemy as sa

    from api.settings import Settings
    from benchmarks.search import Vocabulary
    from copyright_hub.devnet import spawn_anvil
    from indexer import Indexer, IndexerSettings
    from indexer.db import make_engine, migrate
    from indexer.metadata import MetadataWorker

    load_at_start = [round(x, 2) for x in os.getloadavg()]
    tmp = Path(tempfile.mkdtemp(prefix="api-bench-"))
    schema = None
    if args.db == "sqlite":
        url = f"sqlite:///{tmp / 'mirror.sqlite3'}"
    else:
        schema = "api_bench_" + secrets.token_hex(4)
        with make_engine(PG_URL).begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"

    node = spawn_anvil(extra_args=["--gas-limit", "3000000000", "--disable-code-size-limit"])
    servers: list[subprocess.Popen[bytes]] = []
    try:
        started = time.monotonic()
        vocab = Vocabulary(random.Random(SEED), VOCABULARY)
        documents = store_documents(args.works, tmp / "content", vocab)
        docs_s = time.monotonic() - started
        print(f"stored {len(documents):,} metadata documents in {docs_s:.1f}s", file=sys.stderr)
        build_s = build_chain(node.url, args.works, args.offers, tmp / "deployments", documents)
        print(f"built {args.works:,} works and {args.offers:,} offers in {build_s:.1f}s", file=sys.stderr)
        settings = IndexerSettings(
            database_url=url,
            rpc_url=node.url,
            deployments_dir=tmp / "deployments",
            finality_depth=FINALITY,
            content_dir=tmp / "content",
        )
        migrate(make_engine(url))
        started = time.monotonic()
        indexer = Indexer(settings)
        indexer.run(once=True)
        MetadataWorker(indexer.engine, settings.content_store(), settings).drain()  # as `index --once` does
        index_s = time.monotonic() - started
        with make_engine(url).connect() as conn:
            ids = [int(i) for i in conn.execute(sa.text("SELECT work_id FROM work")).scalars()]
            n_offers = conn.execute(sa.text("SELECT count(*) FROM offer")).scalar_one()
            n_ok = conn.execute(sa.text("SELECT count(*) FROM work_metadata WHERE status = 'ok'")).scalar_one()
        print(
            f"indexed {len(ids):,} works ({n_ok:,} with their metadata mirrored) and {n_offers:,} offers"
            f" in {index_s:.1f}s",
            file=sys.stderr,
        )
        assert len(ids) == args.works and n_offers == args.offers, (len(ids), n_offers)
        assert n_ok == args.works, f"{args.works - n_ok} works without status ok metadata"
        sample = random.Random(7).sample(ids, min(args.ids, len(ids)))
        rng = random.Random(SEED + 1)
        samples = {
            "id": [str(i) for i in sample],
            "zh": vocab.zh_words(args.queries),
            "en": [w[: min(len(w), rng.randint(3, 4))] for w in vocab.en_words(args.queries)],
        }

        env = dict(os.environ)
        env.update(
            COPYRIGHT_HUB_DATABASE_URL=url,
            COPYRIGHT_HUB_RPC_URL=node.url,
            COPYRIGHT_HUB_DEPLOYMENTS_DIR=str(tmp / "deployments"),
            COPYRIGHT_HUB_CONTENT_DIR=str(tmp / "content"),
            COPYRIGHT_HUB_FINALITY_DEPTH=str(FINALITY),
            COPYRIGHT_HUB_RESPONSE_CACHE_BYTES=str(Settings().response_cache_bytes if args.cache else 0),
            COPYRIGHT_HUB_RESPONSE_CACHE_POLL_MS=str(Settings().response_cache_poll_ms),
        )
        hub, hub_url = start_server("hub", env, args.workers)
        servers.append(hub)
        captured_path = tmp / "captured.json"
        captured_path.write_text(json.dumps(capture(hub_url, samples)), encoding="utf-8")
        bare, bare_url = start_server("bare", env, args.workers, captured_path)
        servers.append(bare)
        print(f"hub pid {hub.pid} on {hub_url}, bare pid {bare.pid} on {bare_url}", file=sys.stderr)

        endpoints: dict[str, Any] = {}
        for name, path in ENDPOINTS.items():
            slices: dict[str, list[dict[str, Any]]] = {hub_url: [], bare_url: []}
            placeholder = PLACEHOLDER.search(path)
            values = samples[placeholder.group(1)] if placeholder else []
            for i in range(args.rounds):  # hub, bare, bare, hub, ...: a change in the machine's load hits both
                for url in (hub_url, bare_url) if i % 2 == 0 else (bare_url, hub_url):
                    slices[url].append(load(url, path, values, args.clients, args.seconds / args.rounds))
            h, b = summary(slices[hub_url]), summary(slices[bare_url])
            row = {
                "path": path,
                "hub": h,
                "bare": b,
                "rps_ratio": round(h["rps"] / b["rps"], 3) if b["rps"] else None,
                "p99_ratio": round(h["p99_ms"] / b["p99_ms"], 2) if b["p99_ms"] else None,
                "errors": h["errors"] + b["errors"],
                "retried": h["retried"] + b["retried"],
            }
            endpoints[name] = row
            print(
                f"{name:15} {path:18} hub {h['rps']:8.1f} rps p50 {h['p50_ms']:7.1f} p99 {h['p99_ms']:7.1f} ms | "
                f"bare {b['rps']:8.1f} rps p50 {b['p50_ms']:7.1f} p99 {b['p99_ms']:7.1f} ms | "
                f"ratio {row['rps_ratio']} p99x {row['p99_ratio']} errors {row['errors']}",
                file=sys.stderr,
            )
        met = {
            "throughput_ratio_ge_0_4": all((r["rps_ratio"] or 0) >= TARGET_RATIO for r in endpoints.values()),
            "p99_le_2_5x_bare": all((r["p99_ratio"] or 99) <= TARGET_P99 for r in endpoints.values()),
            "zero_errors": all(r["errors"] == 0 for r in endpoints.values()),
        }
        result = {
            "db": args.db,
            "works": args.works,
            "offers": args.offers,
            "clients": args.clients,
            "seconds_per_endpoint": args.seconds,
            "rounds": args.rounds,
            "load_generator": "asyncio + httpx, one process",
            "server": f"uvicorn, {args.workers} worker{'s' if args.workers > 1 else ''}, loopback, no access log",
            "response_cache": (
                {
                    "bytes": int(env["COPYRIGHT_HUB_RESPONSE_CACHE_BYTES"]),
                    "poll_ms": int(env["COPYRIGHT_HUB_RESPONSE_CACHE_POLL_MS"]),
                }
                if args.cache
                else "off"
            ),
            "endpoints": endpoints,
            "metadata": {
                "documents": args.works,
                "status_ok": n_ok,
                "vocabulary": {"zh_words": len(vocab.zh), "en_words": len(vocab.en), "law": "Zipf, exponent 1"},
                "search_queries": {k: len(set(samples[k])) for k in ("zh", "en")},
                "stored_s": round(docs_s, 1),
            },
            "build_s": round(build_s, 1),
            "index_s": round(index_s, 1),
            "load_average": {"start": load_at_start, "end": [round(x, 2) for x in os.getloadavg()]},
            "targets_met": met,
        }
    finally:
        for proc in servers:
            stop(proc)
        node.stop()
        if schema is not None:
            with make_engine(PG_URL).begin() as conn:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        shutil.rmtree(tmp, ignore_errors=True)
    emit(result, args.save)


if __name__ == "__main__":
    main()
