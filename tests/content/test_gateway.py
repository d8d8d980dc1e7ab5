"""The /ipfs gateway: file bytes with ranges, ?format=raw / car (and Accept), errors as problem+json."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from client_sdk.content import CHUNK_SIZE, CID, LocalBlockStore, compute_cid, import_car, read_car
from client_sdk.content._dagpb import encode_link, encode_node, encode_unixfs_file
from client_sdk.content._multiformats import DAG_PB, RAW
from client_sdk.content.car import car_head, car_section

DATA = bytes(range(251)) * (2 * CHUNK_SIZE // 251 + 7)


class PublishingStore(LocalBlockStore):
    """The real local store, publishing each file it adds: these tests are about how the gateway
    serves; what it refuses to serve is tested in ``test_publication.py``."""

    def add(self, *args: Any, **kwargs: Any) -> CID:
        cid = super().add(*args, **kwargs)
        self.publish(cid)
        return cid


@pytest.fixture
def app_store(tmp_path: Path) -> tuple[TestClient, LocalBlockStore]:
    app = create_app(Settings(content_dir=tmp_path / "content"))
    store = PublishingStore(tmp_path / "content")
    return TestClient(app), store


@pytest.fixture
def client(app_store: tuple[TestClient, LocalBlockStore]) -> Iterator[TestClient]:
    yield app_store[0]


@pytest.mark.parametrize("version", [0, 1])
def test_get_file_bytes(app_store: tuple[TestClient, LocalBlockStore], version: int) -> None:
    client, store = app_store
    cid = store.add(DATA, version)
    r = client.get(f"/ipfs/{cid}")
    assert r.status_code == 200
    assert r.content == DATA
    assert r.headers["etag"] == f'"{cid}"'
    assert r.headers["accept-ranges"] == "bytes"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-0", 0, 1), ("bytes=100-", 100, None), ("bytes=-50", -50, None), ("bytes=262140-262150", 262140, 262151)],
)
def test_range_requests(
    app_store: tuple[TestClient, LocalBlockStore], header: str, start: int, end: int | None
) -> None:
    client, store = app_store
    cid = store.add(DATA)
    r = client.get(f"/ipfs/{cid}", headers={"Range": header})
    assert r.status_code == 206
    expected = DATA[start:end]
    assert r.content == expected
    first = start % len(DATA)
    assert r.headers["content-range"] == f"bytes {first}-{first + len(expected) - 1}/{len(DATA)}"


def test_unsatisfiable_range_is_416_problem(app_store: tuple[TestClient, LocalBlockStore]) -> None:
    client, store = app_store
    cid = store.add(b"short")
    r = client.get(f"/ipfs/{cid}", headers={"Range": "bytes=10-20"})
    assert r.status_code == 416
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["content-range"] == "bytes */5"  # RFC 9110 15.5.17: the current length


def test_range_with_thousands_of_digits_is_416_not_500(app_store: tuple[TestClient, LocalBlockStore]) -> None:
    client, store = app_store
    cid = store.add(b"short")
    for header in ("bytes=" + "9" * 5000 + "-", "bytes=0-" + "9" * 5000, "bytes=-" + "9" * 5000):
        r = client.get(f"/ipfs/{cid}", headers={"Range": header})
        assert r.status_code in (206, 416), header[:20]
    assert client.get(f"/ipfs/{cid}", headers={"Range": "bytes=0-" + "9" * 5000}).content == b"short"


@pytest.mark.parametrize("fmt", ["", "?format=raw", "?format=car"])
def test_head_gives_the_get_headers_and_no_body(app_store: tuple[TestClient, LocalBlockStore], fmt: str) -> None:
    client, store = app_store
    cid = store.add(DATA)
    get, head = client.get(f"/ipfs/{cid}{fmt}"), client.head(f"/ipfs/{cid}{fmt}")
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    for name in ("content-type", "etag", "content-length", "x-ipfs-path"):
        assert head.headers.get(name) == get.headers.get(name), name


def test_head_of_an_unknown_cid_is_404(client: TestClient) -> None:
    assert client.head(f"/ipfs/{compute_cid(b'nobody added this')}").status_code == 404


@pytest.mark.parametrize(("fmt", "body"), [("", b""), ("?format=raw", b"")])
def test_identity_cid_probe_answers(client: TestClient, fmt: str, body: bytes) -> None:
    r = client.get(f"/ipfs/bafkqaaa{fmt}")  # the empty identity CID gateways are probed with
    assert r.status_code == 200 and r.content == body


def test_identity_cid_car_holds_its_block(client: TestClient) -> None:
    r = client.get("/ipfs/bafkqaaa", headers={"Accept": "application/vnd.ipld.car"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.ipld.car; version=1; order=dfs; dups=n"
    assert r.content.startswith(car_head(CID.parse("bafkqaaa")))


def test_car_states_order_and_dups(app_store: tuple[TestClient, LocalBlockStore]) -> None:
    client, store = app_store
    cid = store.add(DATA, 1)
    r = client.get(f"/ipfs/{cid}?format=car")
    assert r.headers["content-type"] == "application/vnd.ipld.car; version=1; order=dfs; dups=n"


def _repeating_car(depth: int = 3) -> tuple[CID, bytes, int]:
    """A CAR of one 256 KiB leaf under ``depth`` levels of nodes that each link the level below 174
    times: about 288 KB that declares 256 KiB * 174**3, some 1.38 TB."""
    leaf = bytes(range(256)) * (CHUNK_SIZE // 256)
    child, size = CID.for_block(leaf, version=1, codec=RAW), len(leaf)
    blocks = [(child, leaf)]
    for _ in range(depth):
        node = encode_node(
            [encode_link(child.to_bytes(), size) for _ in range(174)], encode_unixfs_file(size * 174, [size] * 174)
        )
        child, size = CID.for_block(node, version=1, codec=DAG_PB), size * 174
        blocks.append((child, node))
    car = car_head(child) + b"".join(car_section(c, b) for c, b in reversed(blocks))
    return child, car, size


def test_dag_that_repeats_blocks_is_refused_not_streamed(app_store: tuple[TestClient, LocalBlockStore]) -> None:
    client, store = app_store
    root, car, declared = _repeating_car()
    assert len(car) < 300_000 and declared > 1_300_000_000_000
    assert import_car(store, io.BytesIO(car)) == [root]
    store.publish(root)
    for how in ({}, {"Range": "bytes=0-99"}):
        r = client.get(f"/ipfs/{root}", headers=how)
        assert r.status_code == 422
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["title"] == "File too large" and r.json()["size"] == declared
        assert "format=car" in r.json()["detail"]
    # the CAR holds each block once: the four blocks the store holds, not 174**3 copies of the leaf
    r = client.get(f"/ipfs/{root}?format=car")
    assert r.status_code == 200 and len(r.content) == len(car)
    assert [c for c, _b in read_car(io.BytesIO(r.content))[1]] == [c for c, _b in read_car(io.BytesIO(car))[1]]


def test_file_size_limit_is_a_setting(tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(content_dir=tmp_path / "c", gateway_max_file_size=10)))
    store = PublishingStore(tmp_path / "c")
    assert client.get(f"/ipfs/{store.add(b'0123456789')}").status_code == 200
    assert client.get(f"/ipfs/{store.add(b'0123456789a')}").status_code == 422


@pytest.mark.parametrize("how", ["query", "accept"])
def test_raw_block(app_store: tuple[TestClient, LocalBlockStore], how: str) -> None:
    client, store = app_store
    cid = store.add(DATA)
    if how == "query":
        r = client.get(f"/ipfs/{cid}?format=raw")
    else:
        r = client.get(f"/ipfs/{cid}", headers={"Accept": "application/vnd.ipld.raw"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.ipld.raw"
    assert cid.verify(r.content)  # the client can check the block itself
    assert r.content == store.get_block(cid)


@pytest.mark.parametrize("how", ["query", "accept"])
def test_car_of_the_dag_verifies_and_rebuilds_the_file(
    app_store: tuple[TestClient, LocalBlockStore], tmp_path: Path, how: str
) -> None:
    client, store = app_store
    cid = store.add(DATA, 1)
    if how == "query":
        r = client.get(f"/ipfs/{cid}?format=car")
    else:
        r = client.get(f"/ipfs/{cid}", headers={"Accept": "application/vnd.ipld.car"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.ipld.car")
    roots, blocks = read_car(io.BytesIO(r.content))  # read_car re-hashes every block
    assert roots == [cid]
    fresh = LocalBlockStore(tmp_path / "fresh")
    for c, b in blocks:
        fresh.put_block(c, b)
    assert b"".join(fresh.cat(cid)) == DATA


def test_unknown_cid_is_404_problem(client: TestClient) -> None:
    r = client.get(f"/ipfs/{compute_cid(b'nobody added this')}")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["title"] == "Not Found"


@pytest.mark.parametrize("bad", ["not-a-cid", "Qm123", "bafy!!!"])
def test_malformed_cid_is_400_problem(client: TestClient, bad: str) -> None:
    r = client.get(f"/ipfs/{bad}")
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    assert "not a valid CID" in r.json()["detail"]


def test_unknown_format_is_400(app_store: tuple[TestClient, LocalBlockStore]) -> None:
    client, store = app_store
    cid = store.add(b"x")
    assert client.get(f"/ipfs/{cid}?format=tar").status_code == 400


def test_corrupted_root_is_a_problem_and_no_bytes(app_store: tuple[TestClient, LocalBlockStore]) -> None:
    client, store = app_store
    cid = store.add(DATA)
    path = store.block_path(cid)
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    for url in (f"/ipfs/{cid}", f"/ipfs/{cid}?format=raw", f"/ipfs/{cid}?format=car"):
        r = client.get(url)
        assert r.status_code == 500
        assert r.headers["content-type"] == "application/problem+json"
        assert "does not match its hash" in r.json()["detail"]
        assert str(store.root) not in r.text and "/blocks/" not in r.text  # no server paths


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, LocalBlockStore]]:
    """A real uvicorn on a free 127.0.0.1 port (a cut-short stream only shows on a real socket)."""
    import socket
    import threading
    import time

    import uvicorn

    app = create_app(Settings(content_dir=tmp_path / "live"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", PublishingStore(tmp_path / "live")
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def test_corrupted_leaf_cuts_the_stream_before_its_bytes(live_server: tuple[str, LocalBlockStore]) -> None:
    import httpx

    url, store = live_server
    cid = store.add(DATA)
    leaf: CID = list(store.blocks(cid))[-1][0]  # the last leaf holds the file's tail
    path = store.block_path(leaf)
    path.write_bytes(b"\xff" + path.read_bytes()[1:])
    received = bytearray()
    with httpx.stream("GET", f"{url}/ipfs/{cid}", timeout=10) as r:
        assert r.status_code == 200
        with pytest.raises(httpx.HTTPError):
            for part in r.iter_bytes():
                received += part
    assert len(received) <= 2 * CHUNK_SIZE  # nothing from the corrupted third leaf
    assert bytes(received) == DATA[: len(received)]


def test_real_server_serves_a_range(live_server: tuple[str, LocalBlockStore]) -> None:
    import httpx

    url, store = live_server
    cid = store.add(DATA, 1)
    r = httpx.get(f"{url}/ipfs/{cid}", headers={"Range": "bytes=5-262200"}, timeout=10)
    assert r.status_code == 206
    assert r.content == DATA[5:262201]
