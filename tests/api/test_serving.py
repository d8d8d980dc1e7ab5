"""The API as the CLI serves it (``copyright-hub serve`` builds the same Settings the app reads), its
services built once in the lifespan, and pages that escape what the mirror holds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from api.main import create_app
from api.settings import Settings
from copyright_hub.devnet import free_port
from indexer import models as m
from indexer.db import make_engine, migrate


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status, r.headers["content-type"], r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["content-type"], exc.read().decode()


def test_serve_runs_the_api_on_the_settings_its_options_give(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPYRIGHT_HUB_")}
    argv = [sys.executable, "-m", "copyright_hub.cli", "serve", "--port", str(port)]
    argv += ["--database-url", f"sqlite:///{tmp_path / 'empty.sqlite3'}", "--content-dir", str(tmp_path / "c")]
    server = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                assert _get(f"http://127.0.0.1:{port}/health")[0] == 200
                break
            except (OSError, AssertionError):
                assert server.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        status, content_type, body = _get(f"http://127.0.0.1:{port}/works")
        assert (status, content_type) == (503, "application/problem+json")  # the mirror it was given is empty
        assert "copyright-hub index" in body
    finally:
        server.terminate()
        server.wait(10)
    assert (tmp_path / "empty.sqlite3").exists()


def test_services_are_built_once_in_the_lifespan_and_disposed_after(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'm.sqlite3'}", content_dir=tmp_path / "c"))
    with TestClient(app) as client:
        services = app.state.services
        client.get("/works")
        client.get("/keys/nonce")
        assert app.state.services is services
    assert app.state.services is None


def test_pages_escape_what_the_mirror_holds(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    evil = '"><script>alert(1)</script>'
    with Session(engine) as s:
        s.add(
            m.Work(
                work_id=1, registry_address="0x" + "0" * 40, owner="0x" + "1" * 40, content_digest="0x" + "2" * 64,
                content_cid=evil, metadata_cid=evil, work_type=0, registered_block=1, registered_at=1,
                registered_tx=evil, updated_block=1,
            )
        )  # fmt: skip
        s.commit()
    with TestClient(create_app(Settings(database_url=url, content_dir=tmp_path / "c"))) as client:
        for page in ("/", "/provenance/1"):
            html = client.get(page).text
            assert "<script>" not in html and "&lt;script&gt;" in html, page


def test_the_mirror_connection_pool_follows_the_settings(tmp_path: Path) -> None:
    from api.services import Services

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'm.sqlite3'}", content_dir=tmp_path / "c",
        database_pool_size=7, database_pool_overflow=3,
    )  # fmt: skip
    services = Services.build(settings)
    try:
        assert services.engine.pool.size() == 7  # type: ignore[attr-defined]
        assert services.engine.pool._max_overflow == 3  # type: ignore[attr-defined]
    finally:
        services.close()
