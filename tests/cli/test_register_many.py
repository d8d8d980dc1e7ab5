"""``copyright-hub register-many``: a catalogue from a sidecar, each bad file named in the summary while
the rest is registered; a run killed at random points and started again registers every file exactly
once; encrypted masters register the plaintext's sha256 and the ciphertext's CID, the gateway serves
ciphertext and metadata but not a master nobody published, and ``verify --file`` passes on the original."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from client_sdk import Hub
from client_sdk.batch import gas_shares
from client_sdk.content import LocalBlockStore
from client_sdk.metadata import WorkMetadata, read_metadata

from .conftest import HUB, Env

CO_OWNER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"  # dev account 3, written checksummed


def _media(folder: Path, name: str, size: int, seed: str | None = None) -> Path:
    path = folder / name
    path.write_bytes(hashlib.shake_256((seed or name).encode()).digest(size))
    return path


def _sidecar(path: Path, rows: list[dict[str, Any]]) -> Path:
    columns = sorted({k for r in rows for k in r}, key=lambda c: (c != "file", c))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, columns)
        w.writeheader()
        w.writerows(rows)
    return path


def _registrations(hub: Hub, digest: bytes) -> list[Any]:
    logs = hub.registry.events.WorkRegistered().get_logs(from_block=hub.deployment.deploy_block)
    return [e for e in logs if bytes(e["args"]["contentDigest"]) == digest]


def _splits(hub: Hub, work_id: int) -> list[tuple[str, int]]:
    """The work's owners and shares as the registry pays them (the lead takes what co-owners do not)."""
    _status, lead, co_owners, co_bps = hub.registry.functions.payees(work_id).call()
    return [(lead, 10_000 - sum(co_bps)), *zip(co_owners, co_bps, strict=True)]


def _run(market: Env, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    done = market.run("register-many", *args, "--key-env", "STUDIO_KEY", "--json")
    return done, json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}


def test_a_catalogue_registers_and_each_bad_file_is_named(market: Env, tmp_path: Path, buyer: Any) -> None:
    folder = tmp_path / "catalogue"
    folder.mkdir()
    studio = market.hub.account
    assert studio is not None
    film = _media(folder, "river.mp4", 70_000)
    duet = _media(folder, "duet.wav", 3_000)
    _media(folder, "copy-of-river.mp4", 70_000, seed="river.mp4")
    theirs = _media(folder, "theirs.mp4", 2_000)
    _media(folder, "stray.mp4", 1_000)  # no row
    _media(folder, "short.mp4", 1_000)
    _media(folder, "untitled.mp4", 1_000)
    held = Hub(market.hub.w3, market.hub.deployment, buyer).register_work(
        hashlib.sha256(theirs.read_bytes()).digest(), "bafytheirs", "bafymeta"
    )
    _sidecar(folder / "catalogue.csv", [
        {"file": "river.mp4", "title_en": "River Harbour", "title_zh": "港湾河流", "type": "film",
         "creators": "Lin Qiao:director", "languages": "zh-Hans;en", "country": "CN", "duration": "5400"},
        {"file": "duet.wav", "title_zh": "二重唱", "type": "audio", "royalty_bps": "500",
         "splits": f"{studio.address}:6000;{CO_OWNER}:4000"},
        {"file": "copy-of-river.mp4", "title_en": "River (copy)"},
        {"file": "theirs.mp4", "title_en": "Theirs"},
        {"file": "short.mp4", "title_en": "Short", "splits": f"{studio.address}:6000;{CO_OWNER}:3000"},
        {"file": "untitled.mp4", "type": "film"},
        {"file": "absent.mp4", "title_en": "Absent"},
        {"file": "bad-checksum.mp4", "title_en": "X", "splits": f"{studio.address}:5000;{CO_OWNER.lower()[:3]}{CO_OWNER[3:]}:5000"},
    ])  # fmt: skip
    done, summary = _run(market, str(folder))
    assert done.returncode == 1, done.stderr  # not every file was registered
    by_name = {Path(w["file"]).name: w for w in summary["works"]}
    assert by_name["river.mp4"]["status"] == by_name["duet.wav"]["status"] == "registered"
    assert (
        by_name["copy-of-river.mp4"]["status"] == "duplicate" and "river.mp4" in by_name["copy-of-river.mp4"]["problem"]
    )
    assert by_name["theirs.mp4"]["status"] == "held by another"
    assert f"work {held.work_id}" in by_name["theirs.mp4"]["problem"]
    assert "sum to 9,000" in by_name["short.mp4"]["problem"]
    assert "no title" in by_name["untitled.mp4"]["problem"]
    assert (
        "no such file" in by_name["absent.mp4"]["problem"].lower() and "absent.mp4" in by_name["absent.mp4"]["problem"]
    )
    assert "checksum" in by_name["bad-checksum.mp4"]["problem"]
    assert "no row" in by_name["stray.mp4"]["problem"]
    assert "Traceback" not in done.stderr
    # what was registered is right: metadata stored and public, owners and splits as the rows say
    store = LocalBlockStore(market.env["COPYRIGHT_HUB_CONTENT_DIR"])
    river = market.hub.get_work(int(by_name["river.mp4"]["workId"]))
    meta = WorkMetadata.from_document(read_metadata(store, river.metadata_cid))
    assert (meta.title_en, meta.title_zh, meta.languages, meta.duration_seconds) == (
        "River Harbour",
        "港湾河流",
        ("zh-Hans", "en"),
        5400,
    )
    file = dict(meta.file or {})
    assert file.pop("contentCodes")["kind"] == "other"  # ISCC codes of the bytes (not media ffmpeg reads)
    assert file == {
        "name": "river.mp4",
        "size": 70_000,
        "sha256": "0x" + hashlib.sha256(film.read_bytes()).hexdigest(),
    }
    assert store.is_published(river.metadata_cid) and not store.has(river.content_cid)  # the master stays private
    assert _splits(market.hub, int(by_name["duet.wav"]["workId"])) == [(studio.address, 6000), (CO_OWNER, 4000)]
    assert river.content_digest == hashlib.sha256(film.read_bytes()).digest()
    assert duet.exists()
    # per-work gas is a share of the one transaction, and the shares add up to its gasUsed
    (tx,) = summary["transactions"]
    receipt = market.hub.w3.eth.get_transaction_receipt(tx)
    shares = [int(by_name[n]["gas"]) for n in ("river.mp4", "duet.wav")]
    assert sum(shares) == receipt["gasUsed"] and all(0 < s < receipt["gasUsed"] for s in shares)
    # run again: nothing new is sent, the registered ones are reported as done
    again, summary2 = _run(market, str(folder))
    assert summary2["transactions"] == [] and summary2["counts"]["registered earlier"] == 2
    assert len(_registrations(market.hub, river.content_digest)) == 1
    assert again.returncode == 1  # the bad files are still named


def test_gas_shares_follow_the_estimates_and_sum_exactly() -> None:
    assert gas_shares(1000, [1, 1, 1]) == [334, 333, 333]
    assert gas_shares(999_999, [100, 300]) == [250_000, 749_999]
    assert sum(gas_shares(123_457, [7, 11, 13, 17])) == 123_457


def test_a_run_killed_five_times_registers_every_file_exactly_once(market: Env, tmp_path: Path) -> None:
    folder = tmp_path / "killed"
    folder.mkdir()
    studio = market.hub.account
    assert studio is not None
    rows = []
    for i in range(20):
        _media(folder, f"clip-{i:02d}.mp4", 1_000 + 997 * i, seed=f"killed-{i}")
        row = {"file": f"clip-{i:02d}.mp4", "title_en": f"Clip {i}", "title_zh": f"片段{i}", "type": "short_video"}
        if i % 3 == 0:
            row["splits"] = f"{studio.address}:{7000 + i}; {CO_OWNER}:{3000 - i}"
        rows.append(row)
    _sidecar(folder / "catalogue.csv", rows)
    rng = random.Random(int(os.environ.get("REGISTER_MANY_SEED", "12")))
    # --no-codes: the kills must land among registrations; ffprobe per file would keep them all in preparation
    args = [*HUB, "register-many", str(folder), "--key-env", "STUDIO_KEY", "--max-batch", "3", "--json", "--no-codes"]
    journal = folder / ".copyright-hub" / "register-many.jsonl"
    digests = {hashlib.sha256((folder / r["file"]).read_bytes()).digest() for r in rows}
    after_kills = []

    def batches_sent() -> int:
        return journal.read_bytes().count(b'"k":"sending"') if journal.exists() else 0

    for _kill in range(5):
        sent_before = batches_sent()
        proc = subprocess.Popen(args, env=market.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # start-up and preparing the files are not what is tested (and take seconds on a loaded machine):
        # wait until this run journals a batch it sends, so the kill lands among registrations
        deadline = time.monotonic() + 90
        while proc.poll() is None and time.monotonic() < deadline and batches_sent() <= sent_before:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.1))  # then a random point of the run (a batch of 3 takes ~50 ms here)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        after_kills.append(sum(1 for d in digests if market.hub.work_id_by_digest(d)))
    assert any(0 < n < 20 for n in after_kills), after_kills  # at least one kill landed mid-run
    done, summary = _run(market, str(folder))
    assert done.returncode == 0, done.stderr
    assert summary["counts"]["registered"] + summary["counts"]["registered earlier"] == 20
    store = LocalBlockStore(market.env["COPYRIGHT_HUB_CONTENT_DIR"])
    for i, row in enumerate(rows):
        digest = hashlib.sha256((folder / row["file"]).read_bytes()).digest()
        (event,) = _registrations(market.hub, digest)  # exactly once
        work_id = int(event["args"]["workId"])
        meta = WorkMetadata.from_document(read_metadata(store, event["args"]["metadataCid"]))
        assert (meta.title_en, meta.title_zh) == (f"Clip {i}", f"片段{i}")
        want = [(studio.address, 7000 + i), (CO_OWNER, 3000 - i)] if i % 3 == 0 else [(studio.address, 10_000)]
        assert _splits(market.hub, work_id) == want
    assert journal.read_bytes().endswith(b"\n")  # no torn record left


def test_encrypted_masters_stay_private_and_verify_against_the_original(market: Env, tmp_path: Path) -> None:
    from api.main import create_app
    from api.settings import Settings

    folder = tmp_path / "encrypted"
    folder.mkdir()
    master = _media(folder, "master.mov", 300_000)
    (tmp_path / "public").mkdir()
    trailer = _media(tmp_path / "public", "trailer.mp4", 5_000)
    (folder / "catalogue.json").write_text(json.dumps([
        {"file": "master.mov", "title_en": "The Master", "type": "film"},
    ]), encoding="utf-8")  # fmt: skip
    done, summary = _run(market, str(folder), "--encrypt")
    assert done.returncode == 0, done.stderr
    (work,) = summary["works"]
    digest = hashlib.sha256(master.read_bytes()).digest()
    registered = market.hub.get_work(int(work["workId"]))
    assert registered.content_digest == digest  # the plaintext's sha256, what an auditor's file check uses
    store = LocalBlockStore(market.env["COPYRIGHT_HUB_CONTENT_DIR"])
    assert b"".join(store.cat(registered.content_cid)).startswith(b"CHEM")  # the CID is the ciphertext's
    assert Path(work["keyFile"]).stat().st_mode & 0o077 == 0
    gateway = TestClient(create_app(Settings(content_dir=Path(market.env["COPYRIGHT_HUB_CONTENT_DIR"]))))
    assert gateway.get(f"/ipfs/{registered.content_cid}").status_code == 200  # ciphertext is public
    assert gateway.get(f"/ipfs/{registered.metadata_cid}").json()["title"] == {"en": "The Master"}
    plain = store.add(master)  # a master put into the store, never published
    refused = gateway.get(f"/ipfs/{plain}")
    assert refused.status_code == 403 and "not published" in refused.json()["detail"]
    assert gateway.get(f"/ipfs/{plain}?format=car").status_code == 403
    checked = market.run("verify", "--file", str(master))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "ciphertext of this encrypted master" in checked.stdout
    # a studio that wants its plaintext public says so, for that file
    pub_done, pub = _run(market, str(tmp_path / "public"), "--publish-master", "--type", "short_video")
    assert pub_done.returncode == 0, pub_done.stderr
    assert gateway.get(f"/ipfs/{pub['works'][0]['contentCid']}").content == trailer.read_bytes()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--encrypt", "--publish-master"], "give one"),
        (["--type", "opera"], "--type must be one of"),
    ],
)
def test_contradictory_options_are_refused_before_anything_is_read(
    market: Env, tmp_path: Path, args: list[str], says: str
) -> None:
    done = market.run("register-many", str(tmp_path), *args, "--key-env", "STUDIO_KEY")
    assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr


def test_a_full_disk_stops_the_run_cleanly_and_a_rerun_finishes(market: Env, tmp_path: Path) -> None:
    from client_sdk.batch import Journal, plan, register_catalogue

    folder = tmp_path / "full"
    folder.mkdir()
    for i in range(4):
        _media(folder, f"take-{i}.mp4", 2_000, seed=f"full-disk-{i}")
    store = LocalBlockStore(market.env["COPYRIGHT_HUB_CONTENT_DIR"])
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    full = os.open("/dev/full", os.O_WRONLY)  # the kernel answers every write with ENOSPC

    def fill_the_disk(phase: str, _n: int) -> None:
        if phase == "prepare":  # after the first file, the disk is full
            os.dup2(full, journal._fd)

    result = register_catalogue(market.hub, store, plan(folder), journal, progress=fill_the_disk)
    journal.close()
    os.close(full)
    assert result.stopped is not None and "free some space" in result.stopped
    assert [i.status for i in result.items].count("not done") >= 3 and result.transactions == []
    assert path.read_bytes().endswith(b"\n")  # whole records only
    digests = [hashlib.sha256((folder / f"take-{i}.mp4").read_bytes()).digest() for i in range(4)]
    assert not any(market.hub.work_id_by_digest(d) for d in digests)
    again = Journal(path)
    done = register_catalogue(market.hub, store, plan(folder), again)
    again.close()
    assert done.ok and done.count("registered") == 4
    assert all(len(_registrations(market.hub, d)) == 1 for d in digests)


def test_the_summary_table_names_each_file_and_the_totals(market: Env, tmp_path: Path) -> None:
    folder = tmp_path / "table"
    folder.mkdir()
    _media(folder, "opening.mp4", 1_500, seed="table-opening")
    (folder / "catalogue.json").write_text(
        json.dumps({"works": [{"file": "opening.mp4", "title_zh": "开场", "type": "animation"}, {"file": "gone.mp4"}]}),
        encoding="utf-8",
    )
    done = market.run("register-many", str(folder), "--key-env", "STUDIO_KEY")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "opening.mp4" in done.stdout and "开场" in done.stdout and "registered" in done.stdout
    assert "gone.mp4" in done.stdout and "no title" in done.stdout
    assert "1 registered, 1 failed; 1 transaction(s)" in done.stdout


def test_a_file_list_with_a_json_sidecar_of_whole_documents(market: Env, tmp_path: Path) -> None:
    studio = market.hub.account
    assert studio is not None
    media = tmp_path / "media"
    media.mkdir()
    _media(media, "ep1.mp4", 2_500, seed="list-ep1")
    _media(media, "ep2.mp4", 2_600, seed="list-ep2")
    listing = tmp_path / "files.txt"
    listing.write_text("# episodes\nmedia/ep1.mp4\nmedia/ep2.mp4\n", encoding="utf-8")
    document = WorkMetadata("episode", title_zh="第二集", title_en="Episode 2").to_document()
    sidecar = tmp_path / "meta.json"
    sidecar.write_text(
        json.dumps([
            {"file": "media/ep1.mp4", "title_en": "Episode 1", "type": "episode",
             "splits": [{"account": studio.address, "bps": 5000}, {"account": CO_OWNER, "bps": 5000}]},
            {"file": "media/ep2.mp4", "metadata": document},
        ]),
        encoding="utf-8",
    )  # fmt: skip
    done, summary = _run(market, str(listing), "--sidecar", str(sidecar))
    assert done.returncode == 0, done.stderr
    ep1, ep2 = summary["works"]
    assert _splits(market.hub, int(ep1["workId"])) == [(studio.address, 5000), (CO_OWNER, 5000)]
    stored = read_metadata(LocalBlockStore(market.env["COPYRIGHT_HUB_CONTENT_DIR"]), ep2["metadataCid"])
    assert stored["title"] == {"zh": "第二集", "en": "Episode 2"} and stored["file"]["name"] == "ep2.mp4"
    assert (tmp_path / ".copyright-hub" / "register-many.jsonl").is_file()  # beside the list


def test_a_catalogue_registers_by_commit_reveal_when_the_setting_says_so(market: Env, tmp_path: Path) -> None:
    """Issue 14 item 5: off the devnet (here: COPYRIGHT_HUB_COMMIT_REVEAL=on) the run commits once and
    reveals; every work's priority is the commit's, and the salt is gone once all are revealed."""
    folder = tmp_path / "committed"
    folder.mkdir()
    rows = [{"file": f"clip{i}.mp4", "title_en": f"Clip {i}", "type": "short_video"} for i in range(3)]
    for row in rows:
        _media(folder, row["file"], 1_200, seed="commit-" + row["file"])
    _sidecar(folder / "catalogue.csv", rows)
    env = {**market.env, "COPYRIGHT_HUB_COMMIT_REVEAL": "on"}
    done = subprocess.run(
        [*HUB, "register-many", str(folder), "--key-env", "STUDIO_KEY", "--json"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    digests = [hashlib.sha256((folder / r["file"]).read_bytes()).digest() for r in rows]
    priorities = [market.hub.registration_priority(d) for d in digests]
    assert all(work_id for work_id, _, _ in priorities)
    (commit_block,) = {block for _, block, _ in priorities}
    assert all(market.hub.get_work(w).registered_at >= at for w, _, at in priorities)
    commits = market.hub.registry.events.RegistrationCommitted().get_logs(
        from_block=commit_block, to_block=commit_block
    )
    assert [c["args"]["registrant"] for c in commits] == [market.hub.account.address]  # type: ignore[union-attr]
    salts = folder / ".copyright-hub" / "commits"
    assert salts.is_dir() and list(salts.glob("*.json")) == []
