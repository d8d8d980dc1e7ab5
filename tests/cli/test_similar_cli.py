"""``copyright-hub register`` puts a media file's ISCC codes into its metadata document and warns when
someone else already holds a near-duplicate, naming the holder and the work; ``copyright-hub similar``
finds it. Real anvil, real ffmpeg, the local mirror (a SQLite file) filled by ``index --once``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from eth_account.signers.local import LocalAccount

from tests.factories.media import make_clip, transform

from .conftest import HUB, Env


def _run(market: Env, db: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**market.env, "COPYRIGHT_HUB_DATABASE_URL": db}
    return subprocess.run([*HUB, *args], env=env, capture_output=True, text=True, timeout=300)


def test_a_rescaled_copy_is_found_and_registering_it_warns_whose_work_it_copies(
    market: Env, studio: LocalAccount, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'mirror.sqlite3'}"
    clip = make_clip(tmp_path, "smptebars", seconds=3)
    copy = transform(clip, "rescale", tmp_path)
    made = _run(market, db, "register", str(clip), "--title", "Bars", "--key-env", "STUDIO_KEY")
    assert made.returncode == 0, made.stderr
    assert "warning" not in made.stderr  # nothing registered near it yet (and no mirror: nothing looked up)
    work_id = int(made.stdout.split("registered work ")[1].split()[0])
    indexed = _run(market, db, "index", "--once")
    assert indexed.returncode == 0, indexed.stderr

    found = _run(market, db, "similar", str(copy), "--json")
    assert found.returncode == 0, found.stderr
    answer = json.loads(found.stdout)
    assert answer["codes"]["kind"] == "video" and answer["codes"]["content"].startswith("ISCC:EMA")
    hits = [(int(w["work_id"]), w["match"]) for w in answer["data"]]
    assert (work_id, "content") in hits

    again = _run(market, db, "register", str(copy), "--title", "Bars again", "--key-env", "BUYER_KEY")
    assert again.returncode == 0, again.stderr  # a warning, not a refusal: the registry decides nothing here
    warning = [line for line in again.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and f"work {work_id} held by" in warning[0] and "content match" in warning[0]
    assert studio.address.lower() in warning[0].lower()
    mine = _run(market, db, "register", str(transform(clip, "watermark", tmp_path)), "--title", "Mine",
                "--key-env", "STUDIO_KEY")  # fmt: skip
    assert mine.returncode == 0 and "warning" not in mine.stderr  # the holder's own re-edit: no warning


def test_backfill_gives_an_older_work_its_codes_through_a_new_metadata_version(market: Env, tmp_path: Path) -> None:
    import hashlib

    from client_sdk.content import LocalBlockStore
    from client_sdk.metadata import WorkMetadata, read_metadata

    clip = make_clip(tmp_path, "rgbtestsrc", seconds=2)
    store = LocalBlockStore(market.env["COPYRIGHT_HUB_CONTENT_DIR"])
    market.hub.store = store
    before = WorkMetadata("film", title_en="Registered before codes", file={"name": clip.name})
    work_id = market.hub.register_work(hashlib.sha256(clip.read_bytes()).digest(), "bafycontent", before).work_id

    wrong = _run(market, "sqlite:///unused.sqlite3", "codes", "backfill", "--work", str(work_id), str(transform(clip, "rescale", tmp_path)), "--key-env", "STUDIO_KEY")  # fmt: skip
    assert wrong.returncode == 1 and f"is not work {work_id}'s file" in wrong.stderr
    done = _run(market, "sqlite:///unused.sqlite3", "codes", "backfill", "--work", str(work_id), str(clip), "--key-env", "STUDIO_KEY")  # fmt: skip
    assert done.returncode == 0, done.stderr
    work = market.hub.get_work(work_id)
    assert work.metadata_version == 1 and work.metadata_cid != before.cid()
    document = read_metadata(store, work.metadata_cid)
    assert document["title"] == {"en": "Registered before codes"}  # the rest of the document is kept
    assert document["file"]["contentCodes"]["kind"] == "video" and document["file"]["name"] == clip.name
    stranger = _run(market, "sqlite:///unused.sqlite3", "codes", "backfill", "--work", str(work_id), str(clip), "--key-env", "BUYER_KEY")  # fmt: skip
    assert stranger.returncode == 1 and "Traceback" not in stranger.stderr  # only the owner may update metadata
