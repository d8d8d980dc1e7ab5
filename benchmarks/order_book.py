"""Order book benchmark: ``GET /signed-offers`` judges each offer's status at read time by joining the
mirror (:mod:`api.stores.signed_offers`); how long does one page take over a large book and mirror?

Usage::

    python benchmarks/order_book.py [--offers 20000] [--licences 100000] [--db sqlite|postgresql]
                                    [--requests 100] [--save PATH]

A read benchmark, so it builds the tables directly (no chain): on a fresh, migrated database (a SQLite
file, or a throw-away schema on the PostgreSQL at 127.0.0.1:5432 database ``test``; override with
``COPYRIGHT_HUB_BENCH_PG_URL``) it inserts ``--offers`` signed offers in the book from 500 sellers on
2,000 works, and a mirror where those offers are in every state: a quarter of the sellers bumped
their counter, one offer in ten has a cancelled nonce, one work in twenty changed hands, one in fifty
is frozen, a third of the offers were redeemed (``signed_offer`` rows) with ``--licences`` licences
spread over them, some expired. Then it asks the real app (``api.main.create_app``, in-process
through Starlette's ``TestClient``: routing, validation, the SQL and the page of 50) ``--requests``
times per kind after 10 warm-up requests: ``active`` (the default book), ``by_work``, ``by_seller``,
``inactive`` (``active=false``).

The last line is one JSON object: per kind p50/p95 in ms and the count, the machine, the build time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from benchmarks._databases import Databases
from benchmarks._output import emit
from client_sdk import SignedOffer, Terms
from client_sdk._licensing import json_value, signed_offer_param
from indexer.db import make_engine, migrate
from indexer.tables.api_state import PublishedSignedOffer
from indexer.tables.market import CancelledNonce, Licence, SellerCounter
from indexer.tables.market import SignedOffer as RedeemedOffer
from indexer.tables.works import OwnershipTransfer, Work

SELLERS, WORKS = 500, 2000
ZERO = "0x" + "00" * 20
#: what each row's ``offer`` column holds (the listing parses it; its content does not change the query)
OFFER = json.dumps(json_value(signed_offer_param(), SignedOffer(Terms(1, 1, 0, 1, 1), ZERO, 0, 0, 0, 1).to_abi()))


def _address(n: int) -> str:
    return "0x" + f"{n:040x}"


def build(url: str, offers: int, licences: int, rng: random.Random) -> tuple[int, str]:
    """Fill the database; the work and seller of the first offer (what the filtered kinds ask for)."""
    engine = make_engine(url)
    migrate(engine)
    now = int(time.time())
    owner_of = {w: rng.randrange(SELLERS) for w in range(1, WORKS + 1)}
    book, redeemed, cancelled = [], [], []
    for i in range(offers):
        work = rng.randrange(1, WORKS + 1)
        seller = owner_of[work]
        digest = "0x" + f"{i:064x}"
        book.append({
            "digest": digest, "seller": _address(seller), "nonce": i, "counter": 0, "ownership_epoch": 0,
            "deadline": now + (-3600 if i % 25 == 0 else 30 * 86_400), "end": now + 365 * 86_400,
            "work_id": work, "rights": 1 << rng.randrange(15), "currency": ZERO, "price": 10**16,
            "supply_cap": rng.choice((1, 5, 100)), "offer": OFFER, "signature": "0x" + "11" * 65, "published_at": now - i,
        })  # fmt: skip
        if i % 3 == 0:
            redeemed.append({"digest": digest, "seller": _address(seller), "nonce": i, "work_id": work, "terms": "{}",
                             "redeemed_block": 1, "redeemed_tx": "0x"})  # fmt: skip
        if i % 10 == 0:
            cancelled.append({"seller": _address(seller), "nonce": i, "cancelled_block": 1, "cancelled_at": now,
                              "cancelled_tx": "0x"})  # fmt: skip
    works = [
        {"work_id": w, "registry_address": ZERO, "owner": _address(o if w % 20 else o + 1), "content_digest": "0x",
         "content_cid": "", "metadata_cid": "", "work_type": 0, "status": 1 if w % 50 == 0 else 0,
         "registered_block": 1, "registered_at": now, "registered_tx": "0x", "updated_block": 1}
        for w, o in owner_of.items()
    ]  # fmt: skip
    transfers = [
        {"block_number": 2, "log_index": w, "tx_hash": "0x", "time": now, "work_id": w, "from_address": _address(1),
         "to_address": _address(2)}
        for w in owner_of if w % 20 == 0
    ]  # fmt: skip
    counters = [{"seller": _address(s), "counter": 1, "updated_block": 1} for s in range(0, SELLERS, 4)]
    sold = [
        {"licence_id": n, "work_id": 1, "licensee": ZERO, "holder": ZERO, "offer_id": 0,
         "signed_offer_digest": redeemed[rng.randrange(len(redeemed))]["digest"], "rights": 1, "start": now,
         "end": now + 86_400, "exclusive": False, "sublicensable": False, "transferable": False, "currency": ZERO,
         "price": 1, "fee": 0, "granted_block": 1, "granted_at": now, "granted_tx": "0x"}
        for n in range(1, licences + 1)
    ]  # fmt: skip
    with engine.begin() as conn:
        for table, rows in (
            (PublishedSignedOffer, book), (RedeemedOffer, redeemed), (CancelledNonce, cancelled), (Work, works),
            (OwnershipTransfer, transfers), (SellerCounter, counters), (Licence, sold),
        ):  # fmt: skip
            t: sa.Table = table.__table__  # type: ignore[attr-defined]
            for start in range(0, len(rows), 5000):
                conn.execute(sa.insert(t), rows[start : start + 5000])
    engine.dispose()
    return book[0]["work_id"], book[0]["seller"]


def measure(client: TestClient, params: dict[str, Any], requests: int) -> dict[str, Any]:
    for _ in range(10):
        client.get("/signed-offers", params=params)
    times, count = [], 0
    for _ in range(requests):
        start = time.perf_counter()
        answer = client.get("/signed-offers", params=params)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, answer.text
        count = answer.json()["count"]
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
        "count": count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=int, default=20_000)
    parser.add_argument("--licences", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--save", type=Path)
    args = parser.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp, Databases(args.db, Path(tmp), "book_") as dbs:
        url = dbs.fresh("book")
        began = time.perf_counter()
        work, seller = build(url, args.offers, args.licences, rng)
        built = time.perf_counter() - began
        app = create_app(Settings(database_url=url, response_cache_bytes=0, deployments_dir=Path(tmp)))
        with TestClient(app) as client:
            kinds = {
                "active": {},
                "by_work": {"work": work, "active": "false"},
                "by_seller": {"seller": seller, "active": "false"},
                "inactive": {"active": "false"},
            }
            results = {kind: measure(client, params, args.requests) for kind, params in kinds.items()}
    emit(
        {
            "benchmark": "order_book",
            "db": args.db,
            "offers": args.offers,
            "licences": args.licences,
            "requests": args.requests,
            "build_s": round(built, 1),
            "kinds": results,
            "machine": {
                "cpus": os.cpu_count(),
                "load": [round(x, 1) for x in os.getloadavg()],
                "python": platform.python_version(),
            },
        },
        args.save,
    )


if __name__ == "__main__":
    main()
