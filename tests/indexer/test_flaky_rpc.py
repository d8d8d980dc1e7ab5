"""Provider limits and flaky responses that anvil does not produce on its own, injected by a small
proxy in front of the real anvil (a fake only for those limits): eth_getLogs ranges wider than a few
blocks are refused as "too many results", and one call in four fails with HTTP 503. The mirror still
equals a fresh index made straight against anvil, and the ranges adapted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from indexer import Indexer

from .conftest import Chain, MirrorFactory, dump, index_once
from .rpcproxy import RpcProxy, serve

MAX_SPAN = 3


class _LimitedProvider(RpcProxy):
    calls = 0
    refused = 0

    def intercept(self, request: Any) -> tuple[int, bytes] | None:
        cls = type(self)
        with cls.lock:
            cls.calls += 1
            flaky = cls.calls % 4 == 0
        if flaky:
            return 503, b"upstream overloaded"
        if isinstance(request, dict) and request.get("method") == "eth_getLogs":
            params = request["params"][0]
            if "fromBlock" in params and int(params["toBlock"], 16) - int(params["fromBlock"], 16) + 1 > MAX_SPAN:
                with cls.lock:
                    cls.refused += 1
                error = {"code": -32005, "message": "query returned more than 10000 results"}
                return 200, json.dumps({"jsonrpc": "2.0", "id": request["id"], "error": error}).encode()
        return None


@pytest.fixture
def limited_rpc(chain: Chain) -> Iterator[tuple[str, type[_LimitedProvider]]]:
    with serve(_LimitedProvider, chain.node.url, calls=0, refused=0) as proxy:
        yield proxy


def test_ranges_shrink_on_too_many_results_and_503s_are_retried(
    chain: Chain, new_mirror: MirrorFactory, limited_rpc: tuple[str, type[_LimitedProvider]]
) -> None:
    url, handler = limited_rpc
    chain.register(20, per_block=2, account=4)
    mirror = new_mirror()
    settings = mirror.settings(chain, rpc_url=url, initial_block_range=16, rpc_backoff=0.01, rpc_backoff_max=0.05)
    Indexer(settings).run(once=True)
    assert handler.refused >= 1  # the first ranges were refused, then fitted
    assert handler.calls >= 8  # so at least two calls got a 503 and were retried
    fresh = new_mirror()
    index_once(fresh, chain)
    assert dump(mirror.url) == dump(fresh.url)
