"""`copyright-hub evidence capture|show|package` against a private chain, a real content store and a
loopback HTTP server; a refused or failed capture records nothing; a package re-checks with
`verify-report` and fails once tampered with; a dispute cites the package by its CID."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from eth_account.signers.local import LocalAccount

from client_sdk import Hub
from client_sdk.audit.report import check_report, load_report
from client_sdk.content import LocalBlockStore
from client_sdk.errors import WorkNotFound
from client_sdk.evidence import AllowList, CaptureFailed, SourceNotAllowed, capture, evidence_log, records
from tests.cli.conftest import Env
from tests.cli.test_bad_input import assert_one_line_refusal
from tests.contracts.conftest import MIN_BOND

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs Debian's ffmpeg for ISCC codes")


def _image(path: Path, size: int) -> Path:
    """A test-pattern PNG drawn by ffmpeg (the same picture at any size)."""
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=1", "-frames:v", "1",
         "-vf", f"scale={size}:-1", str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path


class _Files(SimpleHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "http://198.51.100.7/elsewhere.png")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server over a folder; its base URL and the folder."""
    root = tmp_path_factory.mktemp("site")
    handler = lambda *a, **kw: _Files(*a, directory=str(root), **kw)  # noqa: E731
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def registered(market: Env, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    """A work whose file (a PNG) is in the CLI's content store; its id and file."""
    tmp = tmp_path_factory.mktemp("evidence-work")
    film = _image(tmp / "still.png", 320)
    store = LocalBlockStore(market.env["COPYRIGHT_HUB_CONTENT_DIR"])
    cid = store.add(film)
    reg = market.hub.register_work(hashlib.sha256(film.read_bytes()).digest(), str(cid), "bafymeta", 0)
    return reg.work_id, film


def _count(market: Env) -> int:
    return int(evidence_log(market.hub).functions.evidenceCount().call())


def _capture(market: Env, *args: str) -> subprocess.CompletedProcess[str]:
    return market.run("evidence", "capture", *args, "--key-env", "BUYER_KEY")


def test_capture_a_file_records_it_and_finds_the_work_in_a_resized_copy(
    market: Env, registered: tuple[int, Path], tmp_path: Path, buyer: LocalAccount
) -> None:
    work_id, _ = registered
    copy = _image(tmp_path / "copy.png", 200)  # other bytes, same picture
    before = _count(market)
    done = _capture(market, str(copy), "--work", str(work_id), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["sha256"] == "0x" + hashlib.sha256(copy.read_bytes()).hexdigest()
    assert out["source"] == "file:copy.png" and out["recorder"] == buyer.address
    assert out["similarity"]["method"] == "iscc" and out["similarity"]["match"] == "content"
    assert out["similarity"]["distance"] <= out["similarity"]["max_distance"]
    assert _count(market) == before + 1
    (record,) = [r for r in records(market.hub, work_id=work_id) if r.evidence_id == int(out["evidence_id"])]
    assert record.cid == out["cid"] and record.digest.hex() == out["sha256"][2:]
    assert b"".join(LocalBlockStore(market.env["COPYRIGHT_HUB_CONTENT_DIR"]).cat(record.cid)) == copy.read_bytes()


def test_capture_an_allowed_loopback_url(market: Env, registered: tuple[int, Path], site: tuple[str, Path]) -> None:
    work_id, film = registered
    base, root = site
    shutil.copy(film, root / "same.png")
    done = _capture(market, f"{base}/same.png", "--work", str(work_id), "--allow", "127.0.0.0/8")
    assert done.returncode == 0, done.stderr
    assert "identical to the registered file" in done.stdout
    last = records(market.hub, work_id=work_id)[-1]
    assert last.source == f"{base}/same.png" and last.digest == hashlib.sha256(film.read_bytes()).digest()
    shown = market.run("evidence", "show", "--work", str(work_id))
    assert shown.returncode == 0 and f"{base}/same.png" in shown.stdout


def test_a_url_outside_the_allow_list_is_one_line_and_nothing_is_fetched_or_recorded(
    market: Env, registered: tuple[int, Path], site: tuple[str, Path]
) -> None:
    work_id, film = registered
    base, root = site
    shutil.copy(film, root / "same.png")
    asked, before = len(_Files.requests), (_count(market), market.height())
    done = _capture(market, f"{base}/same.png", "--work", str(work_id), "--allow", "10.0.0.0/8")
    assert_one_line_refusal(done, 1, "is not in the allow list")
    assert "Nothing was recorded" in done.stderr
    assert len(_Files.requests) == asked and (_count(market), market.height()) == before


@pytest.mark.parametrize(
    ("source", "allow", "error", "text"),
    [
        ("{base}/same.png", "", SourceNotAllowed, "the allow list is empty"),
        ("{base}/same.png", "10.0.0.0/8,example.org", SourceNotAllowed, "is not in the allow list"),
        ("ftp://127.0.0.1/same.png", "127.0.0.1", SourceNotAllowed, "only http and https"),
        ("{base}/missing.png", "127.0.0.1", CaptureFailed, "HTTP 404"),
        ("{base}/moved", "127.0.0.1", CaptureFailed, "redirects (302) to http://198.51.100.7/elsewhere.png"),
        ("{base}/same.png", "127.0.0.1", WorkNotFound, "no work 424242"),
        ("missing.png", "", CaptureFailed, "no such file"),
        (".", "", CaptureFailed, "not a regular file"),
    ],
)
def test_a_refused_or_failed_capture_records_nothing(
    market: Env, registered: tuple[int, Path], site: tuple[str, Path], buyer: LocalAccount,
    source: str, allow: str, error: type[Exception], text: str,
) -> None:  # fmt: skip
    work_id, film = registered
    base, root = site
    shutil.copy(film, root / "same.png")
    hub = Hub(market.hub.w3, market.hub.deployment, buyer)
    store = LocalBlockStore(market.env["COPYRIGHT_HUB_CONTENT_DIR"])
    asked, before = len(_Files.requests), (_count(market), market.height())
    target = 424242 if error is WorkNotFound else work_id
    with pytest.raises(error, match=re.escape(text)):
        capture(hub, source.format(base=base), target, store=store, allow=AllowList.parse([allow]))
    assert (_count(market), market.height()) == before
    if error is not CaptureFailed or "no such" in text or "regular" in text:
        assert len(_Files.requests) == asked, "a refused URL was fetched"


def test_package_rechecks_and_fails_once_tampered(
    market: Env, registered: tuple[int, Path], tmp_path: Path, stranger: LocalAccount
) -> None:
    work_id, _ = registered
    copy = _image(tmp_path / "pirate.png", 160)
    hub = Hub(market.hub.w3, market.hub.deployment, stranger)
    taken = capture(hub, copy, work_id, store=LocalBlockStore(market.env["COPYRIGHT_HUB_CONTENT_DIR"]))
    evidence_id = str(taken.record.evidence_id)
    out = tmp_path / "package.json"
    made = market.run("evidence", "package", evidence_id, "-o", str(out), "--key-env", "BUYER_KEY")
    assert made.returncode == 0, made.stderr
    page = out.with_suffix(".html").read_text(encoding="utf-8")
    assert "侵权证据包" in page and "Infringement Evidence Package" in page and "作品登记证明" in page
    package = json.loads(out.read_text())
    (section,) = package["evidence"]["records"]
    assert section["record"]["evidence_id"] == evidence_id and section["file"]["stored_copy_matches"] is True
    assert section["similarity"]["match"] == "content"
    ok = market.run("verify-report", str(out), "--captured", str(copy))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"evidence record {evidence_id} is on chain" in ok.stdout and "pirate.png is the captured file" in ok.stdout

    other = {c.name: c for c in check_report(package, market.hub.w3, captured=registered[1])}
    assert not other["still.png is the captured file"].ok

    section["file"]["sha256"] = "0x" + "00" * 32
    tampered = {c.name: c for c in check_report(package, market.hub.w3)}
    assert not tampered["report unchanged since signing"].ok
    assert tampered[f"evidence record {evidence_id} is on chain"].detail == "differs in file"
    section["record"]["captured_at"] += 1
    assert (
        "captured_at"
        in {c.name: c for c in check_report(package, market.hub.w3)}[
            f"evidence record {evidence_id} is on chain"
        ].detail
    )

    # a dispute cites the package by the CID of its stored JSON; the claim's evidence re-checks from there
    cid = str(LocalBlockStore(market.env["COPYRIGHT_HUB_CONTENT_DIR"]).add(out))
    claimant = Hub(market.hub.w3, market.hub.deployment, stranger)
    dispute = claimant.open_dispute(work_id, cid, bond=MIN_BOND)
    (opened,) = claimant.resolver.events.DisputeOpened().get_logs(from_block=0, argument_filters={"disputeId": dispute})
    cited = tmp_path / "cited.json"
    cited.write_bytes(
        b"".join(LocalBlockStore(market.env["COPYRIGHT_HUB_CONTENT_DIR"]).cat(opened["args"]["evidenceCid"]))
    )
    assert all(c.ok for c in check_report(load_report(cited), market.hub.w3)), "the cited package does not re-check"
