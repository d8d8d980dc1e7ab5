"""Every ``copyright-hub`` command, fed bad input, answers with one line and a non-zero exit code.

A runtime refusal is one ``error:`` line on stderr and exit code 1; a usage error is click's (exit code
2). Never a traceback. The table must name every command the CLI has, so a new command cannot skip
it. Commands run as subprocesses against an RPC URL where nothing listens (nothing here needs a chain);
usage errors, which click raises while parsing, run in-process (a few in subprocesses too);
a command that refuses a missing key first needs no "cannot reach the chain" row of its own (each such
row loads web3: about two seconds of CPU);
a contract revert and an RPC that never answers are checked at the end.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from copyright_hub.cli import app
from copyright_hub.commands._common import DEBUG_ENV, friendly
from tests.cli.conftest import Env

HUB = [sys.executable, "-m", "copyright_hub.cli"]
USAGE = 2
KEY = "0x" + "11" * 32  # a well-formed key no chain knows
ADDRESS = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
WRONG_CHECKSUM = "0x5b38Da6a701c568545dCfcB03FcB875f56beddC4"  # one letter's case changed: a typo EIP-55 catches
SHORT = "0x5B38Da6a701c568545dCfcB03FcB875f56bedd"  # 39 hex digits
CID = "bafkqaaa"

#: (command, arguments, expected exit code, text the one line must contain[, environment])
CASES: list[tuple[Any, ...]] = [
    ("up", ["extra"], USAGE, "unexpected extra argument"),
    ("down", ["extra"], USAGE, "unexpected extra argument"),
    ("devnet up", ["--port", "eighty"], USAGE, "Invalid value for '--port'"),
    ("devnet down", ["extra"], USAGE, "unexpected extra argument"),
    ("devnet status", ["extra"], USAGE, "unexpected extra argument"),
    ("deploy", ["--keystore", "missing.json"], 1, "keystore missing.json does not exist"),
    ("deploy", ["--key-env", "NO_SUCH_VAR"], 1, "NO_SUCH_VAR is not set"),
    ("deploy", ["--key-env", "BAD_KEY"], 1, "does not hold a valid hex private key"),
    ("register", ["film.mp4", "--title", "F"], 1, "pass the studio's key"),
    ("register", ["missing.mp4", "--title", "F", "--key-env", "KEY"], 1, "missing.mp4"),
    ("register", ["film.mp4", "--title", "F", "--split", "nobody:100", "--key-env", "KEY"], USAGE, "ADDRESS:BPS"),
    ("register", ["film.mp4", "--title", "F", "--type", "opera"], USAGE, "--type must be one of"),
    ("register", ["film.mp4", "--title", "F", "--key-env", "KEY"], 1, "cannot reach the chain"),
    ("register", ["film.mp4", "--title", "F", "--split", f"{WRONG_CHECKSUM}:100"], USAGE, "checksum is wrong"),
    ("register", ["film.mp4", "--title", "F", "--split", f"{SHORT}:100"], USAGE, "is not an address"),
    ("register", ["film.mp4", "--title", "F", "--split", f"{ADDRESS}:10001"], USAGE, "1-10000 basis points"),
    (
        "register",
        ["film.mp4", "--title", "F", "--parent", "2", "--parent-licence", "0", "--parent-licence", "1"],
        USAGE,
        "one per parent",
    ),
    ("register", ["film.mp4", "--title", "F", "--parent", "0"], USAGE, "Invalid value for '--parent'"),
    ("register", ["film.mp4", "--title", "F", "--parent", "2", "--parent", "2"], USAGE, "named twice"),
    ("register", ["film.mp4", "--title", "F", "--royalty-bps", "10001"], USAGE, "Invalid value for '--royalty-bps'"),
    ("similar", ["film.mp4"], 1, "ffmpeg cannot read it"),
    ("similar", ["film.mp4", "--max-distance", "16"], USAGE, "Invalid value for '--max-distance'"),
    ("codes backfill", ["--work", "1"], USAGE, "FILE or --from-preview"),
    ("codes backfill", ["--work", "1", "film.mp4"], 1, "pass the owner's key"),
    ("codes backfill", ["--work", "1", "film.mp4", "--key-env", "KEY"], 1, "cannot reach the chain"),
    ("codes backfill-previews", ["--limit", "0"], USAGE, "Invalid value for '--limit'"),
    ("codes backfill-previews", ["--database-url", "sqlite:///absent/mirror.sqlite3"], 1, "no local mirror database"),
    ("codes backfill-previews", ["--database-url", "mysql://db/hub"], 1, "runs on SQLite or PostgreSQL"),
    ("works list", [], USAGE, "say whose"),
    ("works list", ["--account", WRONG_CHECKSUM], USAGE, "checksum is wrong"),
    ("works list", ["--account", SHORT], USAGE, "is not an address"),
    ("works list", ["--mine", "--account", ADDRESS], USAGE, "not both"),
    ("works list", ["--mine", "--key-env", "NO_SUCH_VAR"], 1, "NO_SUCH_VAR is not set"),
    ("works list", ["--account", ADDRESS, "--json"], 1, "cannot reach the chain"),
    ("royalty show", ["one"], USAGE, "Invalid value for 'work_id'"),
    ("royalty show", ["0"], USAGE, "Invalid value for 'work_id'"),
    ("royalty show", ["1"], 1, "cannot reach the chain"),
    ("royalty set", ["0", "--bps", "100"], USAGE, "Invalid value for 'work_id'"),
    ("royalty set", ["1", "--bps", "2501"], USAGE, "Invalid value for '--bps'"),
    ("royalty set", ["1", "--bps", "-1"], USAGE, "Invalid value for '--bps'"),
    ("royalty set", ["1"], USAGE, "Missing option '--bps'"),
    ("royalty set", ["1", "--bps", "100"], 1, "pass your key"),
    ("attest", ["1", "--kind", "gossip"], USAGE, "--kind 'gossip'"),
    ("attest", ["1", "--kind", "0"], USAGE, "--kind '0'"),
    ("attest", ["1", "--kind", "filing", "--territory", "999"], USAGE, "not an ISO 3166-1 numeric code"),
    ("attest", ["1", "--kind", "filing", "--decision", "maybe"], USAGE, "Invalid value for '--decision'"),
    ("attest", ["1", "--kind", "filing", "--evidence", "zz"], USAGE, "is not a valid CID"),
    ("attest", ["1", "--kind", "filing"], 1, "pass your key"),
    (
        "attest",
        ["1", "--kind", "filing", "--valid-from", "2026-13-01"],
        USAGE,
        "--valid-from '2026-13-01' is not a date",
    ),
    (
        "attest",
        ["1", "--kind", "filing", "--valid-from", "2027-01-01", "--valid-until", "2026-01-01"],
        USAGE,
        "is not after --valid-from",
    ),
    ("rules kinds", ["extra"], USAGE, "unexpected extra argument"),
    ("rules kinds", ["--json"], 1, "cannot reach the chain"),
    ("rules kind define", ["0", "--name", "x", "--meaning", "y"], USAGE, "Invalid value for 'kind'"),
    ("rules kind define", ["9", "--name", " ", "--meaning", "y"], USAGE, "--name must not be empty"),
    ("rules kind define", ["9", "--name", "permit", "--meaning", "y"], 1, "pass your key"),
    ("rules regulator", [WRONG_CHECKSUM, "--territory", "156"], USAGE, "checksum is wrong"),
    ("rules regulator", [ADDRESS, "--territory", "999"], USAGE, "not an ISO 3166-1 numeric code"),
    ("rules regulator", [ADDRESS, "--territory", "156"], 1, "pass your key"),
    ("rules require", ["--territory", "156", "--kind", "gossip", "--rights", "screening"], USAGE, "--kind 'gossip'"),
    ("rules require", ["--territory", "156", "--kind", "filing", "--rights", "fame"], USAGE, "unknown right 'fame'"),
    (
        "rules require",
        ["--territory", "156", "--kind", "filing", "--rights", "screening", "--work-type", "opera"],
        USAGE,
        "--work-type 'opera' is not a work type",
    ),
    ("rules require", ["--territory", "0", "--kind", "filing", "--rights", "screening"], USAGE, "'--territory'"),
    ("rules require", ["--territory", "156", "--kind", "filing", "--rights", "screening"], 1, "pass your key"),
    ("rules withdraw", ["0", "--territory", "156"], USAGE, "Invalid value for 'requirement_id'"),
    ("rules withdraw", ["1"], USAGE, "Missing option '--territory'"),
    ("rules withdraw", ["1", "--territory", "156"], 1, "pass your key"),
    ("rules show", ["--territory", "1000"], USAGE, "Invalid value for '--territory'"),
    ("rules show", ["--json"], 1, "cannot reach the chain"),
    ("rules check", ["0"], USAGE, "Invalid value for 'work_id'"),
    ("rules check", ["1", "--rights", "fame"], USAGE, "unknown right 'fame'"),
    ("rules check", ["1", "--json"], 1, "cannot reach the chain"),
    ("dispute open", ["1", "--evidence", "zz"], USAGE, "is not a valid CID"),
    ("dispute open", ["1", "--evidence", CID, "--bond", "lots"], USAGE, "not a number"),
    ("dispute open", ["1", "--evidence", CID, "--bond", "-1"], USAGE, "cannot be negative"),
    ("dispute open", ["1", "--evidence", CID], 1, "pass your key"),
    ("dispute answer", ["0", "--evidence", CID], USAGE, "Invalid value for 'dispute_id'"),
    ("dispute answer", ["1", "--evidence", "zz"], USAGE, "is not a valid CID"),
    ("dispute answer", ["1"], USAGE, "Missing option '--evidence'"),
    ("dispute answer", ["1", "--evidence", CID], 1, "pass your key"),
    ("dispute resolve", ["1", "--outcome", "maybe"], USAGE, "Invalid value for '--outcome'"),
    (
        "dispute resolve",
        ["1", "--outcome", "rejected", "--split", f"{ADDRESS}:10000"],
        USAGE,
        "upheld_transferred only",
    ),
    ("dispute resolve", ["1", "--outcome", "upheld_transferred", "--split", f"{WRONG_CHECKSUM}:1"], USAGE, "checksum"),
    ("dispute resolve", ["1", "--outcome", "rejected", "--revoke-licence", "x"], USAGE, "'--revoke-licence'"),
    ("dispute resolve", ["1", "--outcome", "rejected"], 1, "pass your key"),
    ("dispute lapse", ["one"], USAGE, "Invalid value for 'dispute_id'"),
    ("dispute lapse", ["1"], 1, "pass your key"),
    ("dispute show", ["0"], USAGE, "Invalid value for 'dispute_id'"),
    ("dispute show", ["1", "--json"], 1, "cannot reach the chain"),
    ("verify", [], USAGE, "give a WORK_ID, a --file, or both"),
    ("verify", ["1"], 1, "cannot reach the chain"),
    ("verify", ["one"], USAGE, "Invalid value for 'work_id'"),
    (
        "verify",
        ["1", "--hub", "http://127.0.0.1:9", "--registry", "0x" + "22" * 20],
        USAGE,
        "either --hub or --registry",
    ),
    ("verify", ["1", "--report", "out.json"], USAGE, "--report is signed with your key"),
    ("verify", ["1", "--certificate", "c.html", "--key-env", "KEY"], USAGE, "give --report OUT.json too"),
    ("verify", ["1", "--hub", "http://127.0.0.1:9"], 1, "cannot reach the chain"),
    ("verify-report", ["missing.json"], 1, "cannot read report missing.json"),
    ("verify-report", ["film.mp4"], 1, "is not a JSON report"),
    ("offer create", ["1", "--rights", "screening", "--price", "0.1"], 1, "pass your key"),
    ("offer create", ["1", "--rights", "flying", "--price", "0.1", "--key-env", "KEY"], USAGE, "unknown right"),
    ("offer create", ["1", "--rights", "screening", "--price", "lots", "--key-env", "KEY"], USAGE, "not a number"),
    (
        "offer create",
        ["1", "--rights", "screening", "--price", "0.1", "--days", "0", "--key-env", "KEY"],
        USAGE,
        "--days",
    ),
    ("offer cancel", ["1"], 1, "pass your key"),
    ("offer sign", ["1", "--rights", "screening", "--price", "0.1", "--nonce", "1"], 1, "pass your key"),
    (
        "offer sign",
        ["1", "--rights", "screening", "--price", "0.1", "--nonce", "1", "--publish", "--key-env", "KEY"],
        1,
        "--hub",
    ),
    ("offer cancel-signed", ["1"], 1, "pass your key"),
    ("offer show", ["1"], 1, "cannot reach the chain"),
    ("offer show", ["0"], USAGE, "Invalid value for 'offer_id'"),
    ("offer reprice", ["1", "--price", "0.1"], 1, "pass your key"),
    ("offer reprice", ["1", "--price", "cheap", "--key-env", "KEY"], USAGE, "not a number"),
    ("offer reprice-signed", ["offer.json", "--price", "0.1", "--nonce", "2"], 1, "pass your key"),
    ("offer reprice-signed", ["missing.json", "--price", "0.1", "--nonce", "2", "--key-env", "KEY"], 1, "missing.json"),
    (
        "offer reprice-signed",
        ["film.mp4", "--price", "0.1", "--nonce", "2", "--key-env", "KEY"],
        1,
        "not a signed offer",
    ),
    ("offer reprice-signed", ["film.mp4", "--price", "x", "--nonce", "2", "--key-env", "KEY"], USAGE, "not a number"),
    ("offer reprice-signed", ["film.mp4", "--price", "0.1", "--nonce", "-2"], USAGE, "Invalid value for '--nonce'"),
    ("offer cancel-all", [], 1, "pass your key"),
    ("offer list", [], USAGE, "say whose"),
    ("offer list", ["--account", WRONG_CHECKSUM], USAGE, "checksum is wrong"),
    ("offer list", ["--mine", "--key-env", "NO_SUCH_VAR", "--json"], 1, "NO_SUCH_VAR is not set"),
    ("licence show", ["1"], 1, "cannot reach the chain"),
    ("licence show", ["1", "--at", "-5"], USAGE, "Invalid value for '--at'"),
    ("licence sold", ["--account", SHORT], USAGE, "is not an address"),
    ("licence sold", ["--account", ADDRESS, "--work", "0"], USAGE, "Invalid value for '--work'"),
    ("licence sold", ["--account", ADDRESS], 1, "cannot reach the chain"),
    ("earnings", [], USAGE, "say whose"),
    ("earnings", ["--account", WRONG_CHECKSUM], USAGE, "checksum is wrong"),
    ("earnings", ["--mine", "--key-env", "BAD_KEY"], 1, "does not hold a valid hex private key"),
    ("buy", ["1", "--max-price", "0.1"], 1, "pass your key"),
    ("buy", ["1", "--max-price", "0.1", "--key-env", "KEY"], 1, "cannot reach the chain"),
    ("withdraw", [], 1, "pass your key"),
    ("transfer", ["1", "0x1234"], 1, "pass your key"),
    ("transfer", ["1", "0x1234", "--key-env", "KEY"], USAGE, "is not an address"),
    ("transfer", ["1", WRONG_CHECKSUM, "--key-env", "KEY"], USAGE, "checksum is wrong"),
    ("cid", ["missing.mp4"], 1, "no such file"),
    ("cid", ["."], 1, "is a folder"),
    ("encrypt", ["missing.mp4"], 1, "no such file"),
    ("decrypt", ["film.mp4", "--key", "film.mp4", "-o", "out.bin"], 1, "does not hold a hex content key"),
    ("register-many", ["catalogue"], USAGE, "pass the studio's key"),
    ("register-many", ["missing-dir", "--key-env", "KEY"], 1, "neither a folder nor a file list"),
    ("register-many", [".", "--key-env", "KEY"], 1, "cannot reach the chain"),
    ("register-many", [".", "--encrypt", "--publish-master", "--key-env", "KEY"], USAGE, "give one"),
    ("publish", ["zz"], 1, "is not a valid CID"),
    ("publish", ["bafkqaaa"], 1, "does not hold bafkqaaa"),
    ("unpublish", ["zz"], 1, "is not a valid CID"),
    ("evidence capture", ["film.mp4", "--work", "1"], 1, "pass your key"),
    ("evidence capture", ["http://10.1.2.3/copy.mp4", "--work", "1", "--key-env", "KEY"], 1, "will not fetch"),
    ("evidence capture", ["missing.mp4", "--work", "1", "--key-env", "KEY"], 1, "no such file"),
    ("evidence capture", ["film.mp4", "--work", "0", "--key-env", "KEY"], USAGE, "Invalid value for '--work'"),
    ("evidence capture", ["film.mp4", "--work", "1", "--key-env", "KEY"], 1, "cannot reach the chain"),
    ("evidence show", [], USAGE, "give an EVIDENCE_ID or --work ID"),
    ("evidence show", ["1"], 1, "cannot reach the chain"),
    ("evidence package", ["1", "-o", "package.json"], 1, "pass your key"),
    ("evidence package", ["1", "-o", "package.json", "--key-env", "KEY"], 1, "cannot reach the chain"),
    ("content add", ["missing.mp4"], 1, "no such file"),
    ("content get", ["not-a-cid", "-o", "out.bin"], 1, "is not a valid CID"),
    ("content get", ["bafkqaaa", "-o", "out.bin"], 1, "does not hold bafkqaaa"),
    ("content export-car", ["QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", "out.car"], 1, "does not hold"),
    ("content import-car", ["film.mp4"], 1, "CAR"),
    ("content wrap-key", ["1", "0x" + "22" * 20, "zz", "--key", "film.mp4"], 1, "64 hex digits"),
    ("content wrap-key", ["1", "nobody", "22" * 32, "--key", "content.key"], 1, "is not an Ethereum address"),
    ("content wrap-key", ["1", "0x" + "22" * 20, "22" * 32, "--key", "content.key"], 1, "--hub URL"),
    ("keys register", ["zz", "--hub", "http://127.0.0.1:9", "--key-env", "NO_SUCH_KEY"], 1, "64 hex digits"),
    ("keys wrap-all", ["7", "--hub", "http://127.0.0.1:9"], 1, "WORK_ID=KEY_FILE"),
    ("keys serve", ["7=missing.key", "--hub", "http://127.0.0.1:9", "--rounds", "1"], 1, "missing.key"),
    ("serve", ["--port", "eighty"], USAGE, "Invalid value for '--port'"),
    ("serve", [], 1, "production needs COPYRIGHT_HUB_DATABASE_URL", {"COPYRIGHT_HUB_ENVIRONMENT": "production"}),
    ("index", ["--once", "--database-url", "not a url"], 1, "is not a SQLAlchemy URL"),
    ("index", ["--once", "--database-url", "mysql://db/hub"], 1, "runs on SQLite or PostgreSQL"),
    ("index", ["--once", "--finality-depth", "-1"], 1, "COPYRIGHT_HUB_FINALITY_DEPTH"),
    ("index", ["--once", "--database-url", "sqlite:///mirror.sqlite3"], 1, "failed eth_chainId"),
]


def _commands(group: Any, prefix: str = "") -> Iterator[str]:
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if hasattr(command, "commands"):  # a group
            yield from _commands(command, path + " ")
        else:
            yield path


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"  # closed again: connections are refused


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bad-input")
    (root / "film.mp4").write_bytes(b"not really a film")
    (root / "content.key").write_text("33" * 32 + "\n")
    return root


def _settings(workdir: Path, **env: str) -> dict[str, str]:
    """What a command sees on top of the environment, whose COPYRIGHT_HUB_* variables are dropped."""
    return dict(
        COPYRIGHT_HUB_RPC_URL=_dead_url(),
        COPYRIGHT_HUB_DEPLOYMENTS_DIR=str(workdir / "deployments"),
        COPYRIGHT_HUB_CONTENT_DIR=str(workdir / "content"),
        COPYRIGHT_HUB_RPC_TIMEOUT="0.5",
        COPYRIGHT_HUB_RPC_BACKOFF="0.05",
        KEY=KEY,
        BAD_KEY="0xnothex",
        COLUMNS="200",
        **env,
    )


def run(workdir: Path, argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COPYRIGHT_HUB_")}
    environment.update(_settings(workdir, **env))
    return subprocess.run([*HUB, *argv], cwd=workdir, env=environment, capture_output=True, text=True, timeout=120)


def run_in_process(workdir: Path, argv: list[str], monkeypatch: pytest.MonkeyPatch) -> subprocess.CompletedProcess[str]:
    """``argv`` through the same CLI in this process (typer's runner): what a usage error needs, since
    click refuses it while parsing, before the command runs (a subprocess costs about a second)."""
    monkeypatch.chdir(workdir)
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("COPYRIGHT_HUB_")}
    env.update(_settings(workdir))
    result = CliRunner().invoke(app, argv, env=env)
    return subprocess.CompletedProcess([*HUB, *argv], result.exit_code, result.stdout, result.stderr)


def assert_one_line_refusal(result: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    assert "Traceback" not in output, output
    assert text in output, output
    if code == 1:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), output


def test_the_table_covers_every_command() -> None:
    commands = set(_commands(typer.main.get_command(app)))
    assert len(commands) >= 20
    assert commands == {command for command, *_ in CASES}
    runtime = {command for command, _, code, *_ in CASES if code == 1}
    assert commands - runtime == {"up", "down", "devnet up", "devnet down", "devnet status"}, (
        "only commands that would start or stop the machine's shared devnet are fed usage errors alone"
    )


def _case_id(case: tuple[Any, ...]) -> str:
    return " ".join([case[0], *case[1]])


#: Usage errors fed to a real ``copyright-hub`` process too (every usage error runs in-process below):
#: click's own refusals of an extra argument and of a value's type, a parameter type of the CLI's own,
#: and a refusal from inside a command.
SUBPROCESS_USAGE = {"up extra", "devnet up --port eighty", "register film.mp4 --title F --split nobody:100 --key-env KEY",
                    "works list"}  # fmt: skip
SUBPROCESS_CASES = [c for c in CASES if c[2] != USAGE or _case_id(c) in SUBPROCESS_USAGE]
USAGE_CASES = [c for c in CASES if c[2] == USAGE]


@pytest.mark.parametrize("case", SUBPROCESS_CASES, ids=_case_id)
def test_bad_input_is_one_line_and_a_non_zero_exit(workdir: Path, case: tuple[Any, ...]) -> None:
    command, args, code, text, *env = case
    assert_one_line_refusal(run(workdir, [*command.split(), *args], **(env[0] if env else {})), code, text)


def test_some_usage_errors_run_in_a_real_process() -> None:
    assert {_case_id(c) for c in SUBPROCESS_CASES if c[2] == USAGE} == SUBPROCESS_USAGE


@pytest.mark.parametrize("case", USAGE_CASES, ids=_case_id)
def test_a_usage_error_is_refused_while_parsing(
    workdir: Path, case: tuple[Any, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    command, args, code, text, *env = case
    assert not env, "a row with its own environment runs in a subprocess"
    assert_one_line_refusal(run_in_process(workdir, [*command.split(), *args], monkeypatch), code, text)


def test_an_unexpected_error_is_one_line_naming_the_debug_switch(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.delenv(DEBUG_ENV, raising=False)
    with pytest.raises(typer.Exit) as info:
        friendly(broken)()
    assert info.value.exit_code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: unexpected RuntimeError: boom; second line.")
    assert f"{DEBUG_ENV}=1" in err
    monkeypatch.setenv(DEBUG_ENV, "1")
    with pytest.raises(RuntimeError):
        friendly(broken)()


@pytest.fixture
def silent_rpc() -> Iterator[str]:
    """An RPC endpoint that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for c in held:
            c.close()
        server.close()


def test_index_once_gives_up_on_a_silent_rpc_in_bounded_time(workdir: Path, silent_rpc: str) -> None:
    started = time.monotonic()
    result = run(workdir, ["index", "--once", "--rpc", silent_rpc, "--database-url", "sqlite:///silent.sqlite3"])
    elapsed = time.monotonic() - started
    assert_one_line_refusal(result, 1, f"RPC {silent_rpc} failed eth_chainId: timeout")
    # 5 attempts x 0.5 s timeout + back-off of at most 0.05 x (1 + 2 + 4 + 8) s, plus start-up
    assert elapsed < 30, elapsed


def test_index_follow_mode_keeps_retrying_a_silent_rpc(workdir: Path, silent_rpc: str) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COPYRIGHT_HUB_")}
    environment.update(
        COPYRIGHT_HUB_RPC_TIMEOUT="0.3", COPYRIGHT_HUB_RPC_BACKOFF="0.05", COPYRIGHT_HUB_RPC_BACKOFF_MAX="0.1"
    )
    argv = [*HUB, "index", "--quiet", "--rpc", silent_rpc, "--database-url", "sqlite:///follow.sqlite3"]
    proc = subprocess.Popen(
        argv, cwd=workdir, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        time.sleep(8)  # well past what --once allows
        assert proc.poll() is None, proc.communicate()
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=30)
    assert "retry" in err and "Traceback" not in err


def test_a_revert_says_what_to_do(market: Env, tmp_path: Path) -> None:
    """Registering a file twice names the work that holds it and how to look at it."""
    film = tmp_path / "twice.mp4"
    film.write_bytes(b"a film registered twice")
    first = market.run("register", str(film), "--title", "Twice", "--key-env", "STUDIO_KEY")
    assert first.returncode == 0, first.stderr
    work_id = market.hub.work_id_by_digest(hashlib.sha256(film.read_bytes()).digest())
    again = market.run("register", str(film), "--title", "Twice", "--key-env", "STUDIO_KEY")
    assert_one_line_refusal(again, 1, f"already registered as work {work_id}")
    assert f"`copyright-hub verify {work_id}`" in again.stderr
    assert market.hub.work_id_by_digest(hashlib.sha256(film.read_bytes()).digest()) == work_id
