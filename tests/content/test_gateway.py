"""The /ipfs gateway: file bytes with ranges, ?format=raw / car (and Accept), errors as problem+json."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from client_sdk.content import CHUNK_SIZE, CID, LocalBlockStore, compute_cid, read_car

DATA = bytes(range(251)) * (2 * CHUNK_SIZE // 251 + 7)


@pytest.fixture
def app_store(tmp_path: Path) -> tuple[TestClient, LocalBlockStore]:
    app = create_app(Settings(content_dir=tmp_path / "content"))
    store = LocalBlockStore(tmp_path / "content")
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
        assert "corrupted" in r.json()["detail"]


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
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", LocalBlockStore(tmp_path / "live")
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
