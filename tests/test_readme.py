"""Every fenced code block of README.md runs, or is listed here with the reason it does not (issue 12
item 6: an SDK that runs as documented).

Python blocks run as written, in a fresh interpreter in an empty folder, against the session's devnet
with the hub deployed; the settings the README documents point them at it (``COPYRIGHT_HUB_RPC_URL``,
``COPYRIGHT_HUB_DEPLOYMENTS_DIR``) and ``STUDIO_KEY`` holds the studio's key, as a reader would set
them. Shell blocks are classified by their first line in :data:`SHELL`: run here (with ``bash -e``,
``copyright-hub`` on PATH as the README says after `make up`), or not run and why. ``text`` blocks are
pictures and command synopses. A block in none of these fails the test, so a new README block cannot
rot unseen.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from client_sdk.manifest import Deployment
from copyright_hub.devnet import AnvilProcess

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)

#: first line of a shell block -> None (run it here) or why it is not run
SHELL: dict[str, str | None] = {
    "make up     # install (.venv + npm ci), start the devnet, deploy, load demo data, run indexer + API":
        "starts the whole stack as long-lived services and runs the whole suite; tests/stack/test_up_down.py "
        "runs `up`/`down`, `make test` is the suite itself",
    "make up":
        "the buyer walkthrough needs the stack `make up` leaves running; tests/stack/test_buyer_http_only.py "
        "runs the same commands on its own ports",
    "make wheel                                     # on a machine with the repository: dist/copyright_hub-*.whl":
        "builds a wheel and installs it into a new virtualenv (minutes); tests/test_client_install.py does "
        "exactly this and runs `verify` and `verify-report` from it",
    "export COPYRIGHT_HUB_RPC_URL=https://rpc.example-testnet.org":
        "a remote chain and a funded deployer key (placeholders); `copyright-hub deploy` is run against "
        "anvil by tests/sdk/test_deploy.py",
    'echo "Harbour Night Crossing" > trailer.txt': None,
    "python benchmarks/cli_startup.py --runs 20": "a benchmark (starts a chain, ~100 timed processes); "
    "tests/cli/test_startup.py is its guard in the suite",
}  # fmt: skip
#: languages of blocks that are not programs: diagrams and synopses
NOT_CODE = {"text"}


def blocks() -> list[tuple[int, str, str]]:
    """(line, language, body) of every fenced block of the README."""
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2)) for m in FENCE.finditer(text)]


def _first_line(body: str) -> str:
    return body.strip().splitlines()[0].rstrip()


def test_every_block_is_classified() -> None:
    found = blocks()
    assert len(found) >= 6, "the README's fences were not found"
    for line, lang, body in found:
        assert lang, f"README.md:{line}: give the block a language (python, bash, or text for a picture)"
        if lang in ("bash", "sh", "shell"):
            first = _first_line(body)
            assert first in SHELL, f"README.md:{line}: shell block {first!r} is not classified in tests/test_readme.py"
        else:
            assert lang in NOT_CODE | {"python"}, f"README.md:{line}: language {lang!r} is neither run nor listed"
    firsts = {_first_line(b) for _, lang, b in found if lang in ("bash", "sh", "shell")}
    assert set(SHELL) <= firsts, f"SHELL names blocks the README no longer has: {set(SHELL) - firsts}"


@pytest.fixture
def reader_env(
    anvil: AnvilProcess, deployment: Deployment, deployments_dir: Path, studio: LocalAccount
) -> dict[str, str]:
    """The environment a reader sets after the README: the chain, its manifest, the studio's key, and
    ``copyright-hub`` on PATH (the venv's bin, as `source .venv/bin/activate` gives)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPYRIGHT_HUB_")}
    env["COPYRIGHT_HUB_STRICT_PROJECTIONS"] = "1"
    return {
        **env,
        "COPYRIGHT_HUB_RPC_URL": anvil.url,
        "COPYRIGHT_HUB_DEPLOYMENTS_DIR": str(deployments_dir),
        "STUDIO_KEY": "0x" + bytes(studio.key).hex(),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    }


def _python_blocks() -> list[tuple[int, str]]:
    return [(line, body) for line, lang, body in blocks() if lang == "python"]


@pytest.mark.parametrize(("line", "body"), _python_blocks(), ids=lambda v: f"line{v}" if isinstance(v, int) else "")
def test_python_block_runs(line: int, body: str, w3: Web3, reader_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "film.mp4").write_bytes(b"a film named in the README " * 4096)  # the file the example names
    before = w3.eth.block_number
    done = subprocess.run(
        [sys.executable, "-c", body], cwd=tmp_path, env=reader_env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"README.md:{line} failed:\n{done.stderr}"
    assert w3.eth.block_number > before  # it reached the chain (this test's snapshot is reverted after)


def _shell_blocks_to_run() -> list[tuple[int, str]]:
    return [
        (line, body)
        for line, lang, body in blocks()
        if lang in ("bash", "sh", "shell") and SHELL.get(_first_line(body), "not listed") is None
    ]


@pytest.mark.parametrize(
    ("line", "body"), _shell_blocks_to_run(), ids=lambda v: f"line{v}" if isinstance(v, int) else ""
)
def test_shell_block_runs(line: int, body: str, reader_env: dict[str, str], tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", "-e", "-c", body], cwd=tmp_path, env=reader_env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"README.md:{line} failed:\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
