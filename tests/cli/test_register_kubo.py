"""``copyright-hub register --add-content`` against a kubo node (COPYRIGHT_HUB_KUBO_API_URL): the metadata
and the master land in kubo and are published in its MFS record, so a gateway on that node serves them."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from client_sdk.content import KuboStore
from tests.content.fake_kubo import FakeKubo

from .conftest import HUB, Env


def test_register_add_content_stores_and_publishes_in_kubo(market: Env, tmp_path: Path) -> None:
    film = tmp_path / "harbour.mp4"
    film.write_bytes(hashlib.shake_256(b"kubo harbour").digest(300_000))  # two chunks
    with FakeKubo() as kubo:
        env = {**market.env, "COPYRIGHT_HUB_KUBO_API_URL": kubo.url}
        made = subprocess.run(
            [*HUB, "register", str(film), "--title-en", "Harbour", "--add-content", "--key-env", "STUDIO_KEY"],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        work = market.hub.get_work(int(made.stdout.split("registered work ")[1].split()[0]))
        with KuboStore(kubo.url) as store:
            assert store.is_published(work.content_cid) and store.is_published(work.metadata_cid)
            assert b"".join(store.cat(work.content_cid)) == film.read_bytes()
            assert b'"Harbour"' in b"".join(store.cat(work.metadata_cid))
        assert work.content_cid in kubo.pins and len(kubo.mfs) == 2


def test_publish_and_unpublish_go_to_the_kubo_record_when_kubo_is_configured(market: Env, tmp_path: Path) -> None:
    with FakeKubo() as kubo, KuboStore(kubo.url) as store:
        cid = store.add(b"a poster the studio decides to show")
        env = {**market.env, "COPYRIGHT_HUB_KUBO_API_URL": kubo.url}
        run = [*HUB, "publish", str(cid)]
        shown = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60)
        assert shown.returncode == 0, shown.stderr
        assert store.is_published(cid)  # in kubo's own record, which every API host on that node reads
        hidden = subprocess.run([*HUB, "unpublish", str(cid)], env=env, capture_output=True, text=True, timeout=60)
        assert hidden.returncode == 0, hidden.stderr
        assert not store.is_published(cid)
