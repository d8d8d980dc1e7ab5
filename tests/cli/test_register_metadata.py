"""``copyright-hub register`` builds or reads the work's metadata document, validates it, stores it in the
content store before registering, and refuses bad metadata in one line with nothing sent."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from typer.testing import CliRunner

from client_sdk.content import LocalBlockStore
from client_sdk.metadata import WorkMetadata, read_metadata
from copyright_hub.cli import app

from .conftest import Env


def _film(tmp_path: Path, seed: str) -> Path:
    path = tmp_path / f"{seed}.mp4"
    path.write_bytes(hashlib.shake_256(seed.encode()).digest(50_000))
    return path


def _store(market: Env) -> LocalBlockStore:
    return LocalBlockStore(market.env["COPYRIGHT_HUB_CONTENT_DIR"])


def test_register_with_bilingual_titles_stores_the_document_first(market: Env, tmp_path: Path) -> None:
    film = _film(tmp_path, "river-harbour")
    made = market.run(
        "register", str(film), "--title-en", "River Harbour", "--title-zh", "港湾河流", "--type", "episode",
        "--creator", "Lin Qiao:director", "--language", "zh-Hans", "--language", "en", "--country", "CN",
        "--duration", "1500", "--first-published", "2025-06-18", "--external-id", "isrc:CN-A01-25-00001",
        "--key-env", "STUDIO_KEY",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "(River Harbour / 港湾河流)" in made.stdout and "(not added to the store)" in made.stdout
    work_id = int(made.stdout.split("registered work ")[1].split()[0])
    work = market.hub.get_work(work_id)
    meta = WorkMetadata.from_document(read_metadata(_store(market), work.metadata_cid))
    assert (meta.title_en, meta.title_zh, meta.work_type, meta.languages) == (
        "River Harbour", "港湾河流", "episode", ("zh-Hans", "en"),
    )  # fmt: skip
    assert meta.creators[0].role == "director" and meta.external_ids == {"isrc": "CN-A01-25-00001"}
    codes = dict(meta.file or {}).pop("contentCodes")  # ISCC codes: bytes only, as this is not media
    assert {**(meta.file or {}), "contentCodes": None} == {
        "name": film.name, "size": 50_000, "sha256": "0x" + work.content_digest.hex(), "contentCodes": None,
    }  # fmt: skip
    assert codes["kind"] == "other" and "content" not in codes and codes["data"].startswith("ISCC:GAA")
    assert work.work_type == meta.chain_work_type  # an episode registers as a series
    assert not _store(market).has(work.content_cid)  # the master is not published unless asked


def test_register_takes_a_whole_metadata_file(market: Env, tmp_path: Path) -> None:
    document = WorkMetadata("podcast", title_zh="夜市故事", description_en="Stories from the night market.")
    path = tmp_path / "meta.json"
    path.write_text(json.dumps(document.to_document(), ensure_ascii=False, indent=2), encoding="utf-8")
    film = _film(tmp_path, "night-market")
    made = market.run("register", str(film), "--metadata", str(path), "--add-content", "--key-env", "STUDIO_KEY")
    assert made.returncode == 0, made.stderr
    work = market.hub.get_work(int(made.stdout.split("registered work ")[1].split()[0]))
    assert work.metadata_cid == document.cid()  # stored as canonical JSON, whatever the file's layout
    assert _store(market).has(work.content_cid)


def test_bad_metadata_is_one_line_and_nothing_is_sent(market: Env, tmp_path: Path) -> None:
    film = _film(tmp_path, "refused")
    broken = tmp_path / "broken.json"
    broken.write_text('{"title": ', encoding="utf-8")
    off_schema = tmp_path / "off.json"
    off_schema.write_text(json.dumps({"schemaVersion": 1, "workType": "film", "title": {"fr": "x"}}), encoding="utf-8")
    height = market.height()
    runner = CliRunner()
    cases = [
        (["--title-en", "F", "--country", "china"], 1, "error: metadata at countryOfOrigin: 'china' does not match"),
        (["--title-en", "F", "--first-published", "18/06/2025"], 2, "must be a date written YYYY-MM-DD"),
        (["--title-en", "F", "--creator", "Lin Qiao:boss"], 2, "the role must be one of director"),
        (["--title-en", "F", "--type", "opera"], 2, "--type must be one of film, series, episode"),
        (["--type", "film"], 2, "give the work a title"),
        (["--metadata", str(broken)], 1, "broken.json is not JSON: Expecting value at line 1 column 11"),
        (["--metadata", str(off_schema)], 1, "error: metadata at title: unknown field 'fr' (allowed: zh, en)"),
        (["--metadata", str(off_schema), "--title-en", "F"], 2, "give either --metadata FILE or the --title-*"),
    ]
    for extra, code, says in cases:
        result = runner.invoke(app, ["register", str(film), *extra, "--key-env", "STUDIO_KEY"], env=market.env)
        assert result.exit_code == code and says in " ".join(result.stderr.split()), (extra, result.stderr)
        assert "Traceback" not in result.stderr
        if code == 1:
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert market.height() == height  # nothing was sent
