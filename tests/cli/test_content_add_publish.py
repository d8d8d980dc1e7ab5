"""``copyright-hub content add`` keeps a file private unless asked (``--publish``), and says which on stderr
while stdout stays the bare CID (scripts read it)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from api.settings import Settings
from client_sdk.content import LocalBlockStore
from copyright_hub.cli import app

runner = CliRunner()


def test_content_add_is_private_unless_published(tmp_path: Path) -> None:
    store = tmp_path / "content"
    master, poster = tmp_path / "master.mp4", tmp_path / "poster.jpg"
    master.write_bytes(b"master frames " * 30_000)
    poster.write_bytes(b"poster pixels " * 30_000)
    gateway = TestClient(create_app(Settings(content_dir=store)))

    private = runner.invoke(app, ["content", "add", str(master), "--content-dir", str(store)])
    assert private.exit_code == 0, private.output
    cid = private.stdout.strip()
    assert "private:" in private.stderr and "--publish" in private.stderr
    assert not LocalBlockStore(store).is_published(cid) and gateway.get(f"/ipfs/{cid}").status_code == 403

    public = runner.invoke(app, ["content", "add", str(poster), "--content-dir", str(store), "--publish"])
    assert public.exit_code == 0, public.output
    cid = public.stdout.strip()
    assert public.stderr.startswith("public:")
    assert gateway.get(f"/ipfs/{cid}").content == poster.read_bytes()
