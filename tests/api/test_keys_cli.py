"""The studio's and the buyer's side of key delivery through the CLI against a served hub: the buyer
registers an encryption key (``keys register``), the studio's ``keys wrap-all`` wraps the content key
for every licensee waiting and files it, and ``content wrap-key --hub`` files one by hand. No file
changes hands out of band; what lands in the hub's database is checked by unwrapping it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from typer.testing import CliRunner

from api.stores import EncryptionKeyStore, WrappedKeyStore
from client_sdk.content import WrappedKey, unwrap_key, wrap_key
from copyright_hub.cli import app
from indexer.db import make_engine
from tests.api.conftest import Story, serve_app


@pytest.fixture
def hub_url(story: Story) -> Iterator[str]:
    with serve_app(story.settings) as url:
        yield url
    engine = make_engine(story.database)  # the module's other tests expect the story's own copy
    original = wrap_key(story.content_key, story.buyer_x25519.public_key(), context=f"work:{story.film_id}")
    WrappedKeyStore(engine).put(story.film_id, story.buyer.address, original)
    EncryptionKeyStore(engine).register(story.buyer.address, original.recipient_public)  # the key it is sealed for
    engine.dispose()


def _cli(story: Story, *args: str) -> tuple[int, str]:
    env = {"STUDIO_KEY": "0x" + bytes(story.studio.key).hex(), "BUYER_KEY": "0x" + bytes(story.buyer.key).hex()}
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def _filed(story: Story, account: str) -> WrappedKey | None:
    engine = make_engine(story.database)
    try:
        return WrappedKeyStore(engine).get(story.film_id, account)
    finally:
        engine.dispose()


def test_a_registered_buyer_gets_a_key_from_wrap_all(story: Story, hub_url: str, tmp_path: Path) -> None:
    fresh = X25519PrivateKey.generate()
    public = fresh.public_key().public_bytes_raw().hex()
    code, out = _cli(story, "keys", "register", public, "--hub", hub_url, "--key-env", "BUYER_KEY")
    assert code == 0, out
    key_file = tmp_path / "film.key"
    key_file.write_text(story.content_key.hex() + "\n")
    work = f"{story.film_id}={key_file}"
    code, out = _cli(story, "keys", "wrap-all", work, "--hub", hub_url, "--key-env", "STUDIO_KEY")
    assert code == 0, out
    assert f"work {story.film_id}: filed 1 wrapped key(s)" in out
    filed = _filed(story, story.buyer.address)
    assert filed is not None and unwrap_key(filed, fresh, context=f"work:{story.film_id}") == story.content_key
    code, out = _cli(story, "keys", "wrap-all", work, "--hub", hub_url, "--key-env", "STUDIO_KEY")
    assert code == 0 and "filed 0 wrapped key(s)" in out  # nobody waiting any more

    code, out = _cli(story, "keys", "wrap-all", work, "--hub", hub_url, "--key-env", "BUYER_KEY")
    assert code == 0 and "filed 0" in out  # nobody waiting: nothing to sign, nothing refused
    stranger_x = X25519PrivateKey.generate()
    by_buyer = ("content", "wrap-key", str(story.film_id), story.stranger.address,
                stranger_x.public_key().public_bytes_raw().hex(), "--key", str(key_file), "--hub", hub_url)  # fmt: skip
    code, out = _cli(story, *by_buyer, "--key-env", "BUYER_KEY")
    assert code == 1 and "does not own work" in out and "Traceback" not in out
    assert _filed(story, story.stranger.address) is None
    code, out = _cli(story, *by_buyer, "--key-env", "STUDIO_KEY")
    assert code == 0, out
    filed = _filed(story, story.stranger.address)
    assert filed is not None and unwrap_key(filed, stranger_x, context=f"work:{story.film_id}") == story.content_key


def test_an_unreachable_hub_is_one_line(story: Story, tmp_path: Path) -> None:
    key_file = tmp_path / "film.key"
    key_file.write_text(story.content_key.hex())
    code, out = _cli(
        story, "keys", "wrap-all", f"1={key_file}", "--hub", "http://127.0.0.1:9", "--key-env", "STUDIO_KEY"
    )
    assert code == 1 and "did not answer" in out and "Traceback" not in out


def test_keys_serve_wraps_each_round_and_rides_out_an_unreachable_hub(
    story: Story, hub_url: str, tmp_path: Path
) -> None:
    fresh = X25519PrivateKey.generate()
    code, out = _cli(story, "keys", "register", fresh.public_key().public_bytes_raw().hex(), "--hub", hub_url,
                     "--key-env", "BUYER_KEY")  # fmt: skip
    assert code == 0, out
    key_file = tmp_path / "film.key"
    key_file.write_text(story.content_key.hex())
    work = f"{story.film_id}={key_file}"
    loop = ("--every", "0.1", "--rounds", "3", "--key-env", "STUDIO_KEY")
    code, out = _cli(story, "keys", "serve", work, "--hub", hub_url, *loop)
    assert code == 0, out
    assert out.count("filed 1 wrapped key(s)") == 1  # the first round; the next two find nobody waiting
    filed = _filed(story, story.buyer.address)
    assert filed is not None and unwrap_key(filed, fresh, context=f"work:{story.film_id}") == story.content_key
    code, out = _cli(story, "keys", "serve", work, "--hub", "http://127.0.0.1:9", *loop)
    assert code == 0 and out.count("did not answer") == 3 and "Traceback" not in out
