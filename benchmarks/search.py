"""Search benchmark: ``GET /works?q=`` and the list filters over a large mirrored catalogue.

Usage::

    python benchmarks/search.py [--works 100000] [--db sqlite|postgresql] [--requests 200] [--save PATH]

It is a read benchmark, so it builds the mirror directly (no chain): on a fresh, migrated database
(a SQLite file, or a throw-away schema on the PostgreSQL at 127.0.0.1:5432 database ``test``; override
with ``COPYRIGHT_HUB_BENCH_PG_URL``) it bulk-inserts ``--works`` rows of ``work``, one ``ok``
``work_metadata`` row each with generated bilingual text, their search tokens made by the worker's own
tokenizer (:func:`indexer.search.token_rows`), and an ``offer`` on 40 % of the works (random rights,
territories, prices, windows; one in ten exclusive; ETH or one ERC-20). Words are drawn from a
vocabulary of 3,000 English pseudo-words (with real ones such as ``river``, ``harbour`` among the most
frequent) and 3,000 Chinese two-character words (``港湾``, ``河流`` ...), by a Zipf law (exponent 1), as
natural text is: a frequent word is in tens of thousands of works. Then ``ANALYZE`` (PostgreSQL:
``VACUUM ANALYZE``, what autovacuum does after a load).

Then it asks the real app (``api.main.create_app``, the response cache off: ``response_cache_bytes=0``,
so every request runs the search) in-process through Starlette's ``TestClient`` (no network, no
server: the time is the app's: routing, validation, the SQL, presenting the page of 20 with its related
rows), ``--requests`` times per query kind after 20 warm-up requests, query words drawn by the same
Zipf law (frequent words are asked for often):

* ``zh2``: one two-character Chinese word; ``en_prefix``: the first 3-4 letters of an English word;
* ``multi``: two English words and a Chinese one; ``filtered``: an English word with language, right
  and price filters; ``filters_only``: right, territory, currency and ``active_at``, no ``q``;
* ``miss``: words no document holds.

The last line is one JSON object: per kind p50/p95/p99 in ms (wall clock), p50/p95 of the process's CPU
time per request (``cpu_*``: the app's own work, which other processes on a shared machine do not
inflate; on PostgreSQL the server's CPU is not in it) and the mean number of matches, the machine
(CPUs, load average at the start, before the requests and at the end), the build time; ``--save`` also
writes it.
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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from api.main import create_app  # noqa: E402
from api.settings import Settings  # noqa: E402
from benchmarks._databases import Databases  # noqa: E402
from benchmarks._output import emit  # noqa: E402
from client_sdk.terms import ETH, WORK_TYPES  # noqa: E402
from indexer import models as m  # noqa: E402
from indexer.backends import backend_for  # noqa: E402
from indexer.db import make_engine, migrate  # noqa: E402
from indexer.search import token_rows  # noqa: E402
from indexer.tables.market import territory_keys  # noqa: E402

SEED = 11
VOCABULARY = 3_000
REAL_EN = ("river", "harbour", "night", "song", "dawn", "train", "mountain", "market", "lantern", "ferry",
           "dragon", "story", "rain", "bamboo", "silk", "road", "tea", "merchant", "snow", "salt")  # fmt: skip
REAL_ZH = ("港湾", "河流", "夜市", "故事", "灯笼", "月光", "竹林", "丝路", "回声", "山间",
           "邮差", "霓虹", "渡轮", "黎明", "茶商", "女儿", "雨夜", "码头", "列车", "歌声")  # fmt: skip
SYLLABLES = ("ka", "ri", "mo", "ven", "tor", "la", "pe", "su", "dan", "el", "or", "bi", "qua", "ne", "sho", "lu")
HAN = "天地人山水火木金土日月星云风雨雪花草鸟鱼龙虎马牛羊春夏秋冬东南西北红黄蓝白黑心光影声色城村"
HAN += "江湖海岛桥路门窗灯书画琴歌舞梦夜晨林石沙田园街巷楼台船车"  # 80 characters: 6,400 words
TOKEN = "0x" + "ab" * 20
KINDS = ("zh2", "en_prefix", "multi", "filtered", "filters_only", "miss")
RIGHTS = ("broadcasting", "information_network", "screening", "reproduction", "translation")


class Vocabulary:
    """English and Chinese words by frequency rank, drawn by a Zipf law."""

    def __init__(self, rng: random.Random, size: int = VOCABULARY) -> None:
        self.size = size
        en: list[str] = list(REAL_EN)
        while len(en) < size:
            word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
            if word not in en:
                en.append(word)
        zh: list[str] = list(REAL_ZH)
        while len(zh) < size:
            word = rng.choice(HAN) + rng.choice(HAN)
            if word not in zh:
                zh.append(word)
        self.en, self.zh = en, zh
        weights = [1 / (rank + 1) for rank in range(size)]
        self._cum = list(_accumulate(weights))
        self.rng = rng

    def _rank(self) -> int:
        return min(
            self.rng.choices(range(self.size), cum_weights=self._cum, k=1)[0], self.size - 1
        )  # fmt: skip

    def en_words(self, k: int) -> list[str]:
        return [self.en[self._rank()] for _ in range(k)]

    def zh_words(self, k: int) -> list[str]:
        return [self.zh[self._rank()] for _ in range(k)]


def _accumulate(values: list[float]) -> Iterator[float]:
    total = 0.0
    for v in values:
        total += v
        yield total


def build(url: str, works: int, rng: random.Random, vocab: Vocabulary) -> dict[str, Any]:
    """Migrate and bulk-load the catalogue; returns counts and seconds."""
    engine = make_engine(url)
    migrate(engine)
    backend = backend_for(engine)
    started = time.perf_counter()
    now = int(time.time())
    models = (m.Work, m.MetadataDocument, m.SearchToken, m.Offer, m.OpenOffer)
    tables = {t: t.__table__ for t in models}  # type: ignore[attr-defined]
    counts = dict.fromkeys(("work", "work_metadata", "work_search_token", "offer", "open_offer"), 0)
    chunk = 5_000
    for first in range(1, works + 1, chunk):
        batch: dict[Any, list[dict[str, Any]]] = {t: [] for t in tables}
        for work_id in range(first, min(first + chunk, works + 1)):
            cid = f"bafybench{work_id:010d}"
            batch[m.Work].append({
                "work_id": work_id, "registry_address": "0x" + "11" * 20, "owner": f"0x{work_id:040x}",
                "content_digest": f"0x{work_id:064x}", "content_cid": cid + "c", "metadata_cid": cid,
                "metadata_version": 1, "work_type": rng.randrange(len(WORK_TYPES)), "status": 0,
                "registered_block": work_id, "registered_at": now - works + work_id, "registered_tx": "0x" + "22" * 32,
                "updated_block": work_id,
            })  # fmt: skip
            doc = {
                "work_id": work_id, "metadata_cid": cid, "status": "ok", "attempts": 1, "checked_at": now,
                "revision": work_id, "schema_version": 1,
                "title_zh": "".join(vocab.zh_words(2)), "title_en": " ".join(vocab.en_words(2)).title(),
                "description_zh": "，".join(vocab.zh_words(4)), "description_en": " ".join(vocab.en_words(6)) + ".",
                "work_type": "film", "languages": rng.choice(('["zh-Hans","en"]', '["zh"]', '["en"]', '["zh-Hant"]')),
            }  # fmt: skip
            batch[m.MetadataDocument].append(doc)
            batch[m.SearchToken].extend(token_rows(work_id, cid, doc))
            if rng.random() < 0.4:
                start = now - rng.randrange(0, 365 * 86_400)
                batch[m.Offer].append({
                    "offer_id": work_id, "work_id": work_id, "creator": f"0x{work_id:040x}",
                    "rights": rng.randrange(1, 1 << 15),
                    "territories": rng.choice(("[]", "[156]", "[156, 344]", "[840]", "[826, 840]")),
                    "start": start, "end": start + rng.randrange(30, 720) * 86_400, "exclusive": rng.random() < 0.1,
                    "sublicensable": False, "transferable": True, "price": rng.randrange(1, 100) * 10**16,
                    "currency": ETH if rng.random() < 0.8 else TOKEN, "supply_cap": 0, "created_block": work_id,
                    "created_at": start, "created_tx": "0x" + "33" * 32, "updated_block": work_id,
                })  # fmt: skip
                offer = batch[m.Offer][-1]  # what the OfferCreated projection writes beside it
                batch[m.OpenOffer].append({
                    **{c: offer[c] for c in ("offer_id", "work_id", "rights", "start", "end", "exclusive", "price",
                                             "currency")},
                    "territories": territory_keys(json.loads(offer["territories"])),
                })  # fmt: skip
        with engine.begin() as conn:
            for model, rows in batch.items():
                if rows:
                    backend.upsert(conn, tables[model], rows, distinct_keys=True)
                    counts[tables[model].name] += len(rows)
    # statistics for the planner; on PostgreSQL also the visibility map autovacuum would set soon after a
    # load, without which every index-only read of a posting fetches its heap page too
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    engine.dispose()
    return {"rows": counts, "build_s": round(time.perf_counter() - started, 1)}


def queries(kind: str, vocab: Vocabulary, rng: random.Random) -> Callable[[], dict[str, Any]]:
    """A function that draws the next request's parameters of ``kind``."""
    if kind == "zh2":
        return lambda: {"q": vocab.zh_words(1)[0]}
    if kind == "en_prefix":
        return lambda: {"q": (w := vocab.en_words(1)[0])[: min(len(w), rng.randint(3, 4))]}
    if kind == "multi":
        return lambda: {"q": " ".join([*vocab.en_words(2), *vocab.zh_words(1)])}
    if kind == "filtered":
        return lambda: {"q": vocab.en_words(1)[0], "language": rng.choice(("zh", "en")),
                        "right": rng.choice(RIGHTS), "price_max": rng.randrange(10, 100) * 10**16}  # fmt: skip
    if kind == "filters_only":
        return lambda: {"right": rng.choice(RIGHTS), "territory": rng.choice((156, 840, 344)), "currency": "ETH",
                        "active_at": int(time.time()) + rng.randrange(0, 90) * 86_400}  # fmt: skip
    if kind == "miss":
        return lambda: {"q": rng.choice(("zzyzx", "qwxv kplm", "鑫鑫", "riverzz"))}
    raise ValueError(kind)


def _percentile(sorted_ms: list[float], p: float) -> float:
    return round(sorted_ms[min(len(sorted_ms) - 1, int(p / 100 * len(sorted_ms)))], 2)


def measure(url: str, requests: int, vocab: Vocabulary, rng: random.Random, folder: Path) -> dict[str, Any]:
    settings = Settings(database_url=url, response_cache_bytes=0, content_dir=folder / "content")
    out: dict[str, Any] = {}
    with TestClient(create_app(settings)) as client:
        for kind in KINDS:
            draw = queries(kind, vocab, rng)
            times, cpu, matches = [], [], []
            for i in range(20 + requests):
                params = draw()
                t0, c0 = time.perf_counter(), time.process_time()
                resp = client.get("/works", params=params)
                elapsed, used = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
                if resp.status_code != 200:
                    raise SystemExit(f"{kind} {params}: {resp.status_code} {resp.text[:300]}")
                if i >= 20:
                    times.append(elapsed)
                    cpu.append(used)
                    matches.append(resp.json()["count"])
            times.sort()
            cpu.sort()
            out[kind] = {
                "p50_ms": _percentile(times, 50), "p95_ms": _percentile(times, 95), "p99_ms": _percentile(times, 99),
                "cpu_p50_ms": _percentile(cpu, 50), "cpu_p95_ms": _percentile(cpu, 95),
                "mean_matches": round(statistics.fmean(matches)), "requests": requests,
            }  # fmt: skip
            print(kind, out[kind], flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--works", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per query kind")
    parser.add_argument("--save", type=Path, metavar="PATH", help="also write the result (JSON) to PATH")
    args = parser.parse_args()
    rng = random.Random(SEED)
    vocab = Vocabulary(rng)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, Databases(args.db, Path(tmp), "bench_search_") as dbs:
        url = dbs.fresh("search")
        built = build(url, args.works, rng, vocab)
        print("built", built, flush=True)
        load_measured = os.getloadavg()
        kinds = measure(url, args.requests, vocab, rng, Path(tmp))
        load_end = os.getloadavg()
    worst = max(k["p95_ms"] for k in kinds.values())
    result = {
        "benchmark": "search", "db": args.db, "works": args.works, **built, "kinds": kinds,
        "worst_p95_ms": worst, "target_p95_ms": 50, "meets_target": worst < 50,
        "method": "in-process TestClient, response cache off, one request at a time, page of 20",
        "machine": {"cpus": os.cpu_count(), "load_avg_at_start": [round(x, 2) for x in load],
                    "load_avg_before_requests": [round(x, 2) for x in load_measured],
                    "load_avg_at_end": [round(x, 2) for x in load_end],
                    "python": platform.python_version(), "platform": platform.platform()},
    }  # fmt: skip
    emit(result, args.save)


if __name__ == "__main__":
    main()
