"""A client-only install (the plain wheel, without the `server` extra) runs the SDK and client commands;
a command that runs the hub's own services says which extra to install, in one line, instead of a
traceback. The missing packages are simulated by an import hook in a fresh interpreter (the wheel test,
tests/test_client_install.py, installs the plain wheel for real)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from client_sdk.content.cid import cid_of_bytes
from copyright_hub.commands._common import SERVER_PACKAGES
from copyright_hub.devnet import free_port

#: a fresh interpreter in which no server package can be imported, then the CLI with argv
_WITHOUT_SERVER = textwrap.dedent(
    """
    import importlib.abc, sys
    BLOCKED = {blocked!r}
    class NoServer(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None
    sys.meta_path.insert(0, NoServer())
    sys.argv = ["copyright-hub", *{argv!r}]
    from copyright_hub.cli import main
    main()
    """
)


def _run_without_server(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    # api and indexer are in the wheel itself; their third-party imports are what is missing
    blocked = sorted(SERVER_PACKAGES - {"api", "indexer"})
    code = _WITHOUT_SERVER.format(blocked=blocked, argv=list(argv))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("argv", [("serve",), ("index", "--once"), ("up",)])
def test_a_service_command_names_the_server_extra_in_one_line_and_starts_nothing(
    argv: tuple[str, ...], tmp_path: Path
) -> None:
    # its own devnet port and folders: were anything started, it would be found here, not on the machine's
    port = free_port()
    (tmp_path / "devnet.toml").write_text(f'port = {port}\nruntime_dir = "devnet"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPYRIGHT_HUB_")}
    env |= {
        "COPYRIGHT_HUB_DEVNET_CONFIG": str(tmp_path / "devnet.toml"),
        "COPYRIGHT_HUB_VAR_DIR": str(tmp_path / "var"),
        "COPYRIGHT_HUB_DEPLOYMENTS_DIR": str(tmp_path / "deployments"),
        "COPYRIGHT_HUB_RPC_URL": f"http://127.0.0.1:{port}",
    }
    done = _run_without_server(*argv, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "pip install 'copyright-hub[server]'" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) <= 3, done.stderr
    assert not _listening(port), "a devnet was started before the missing packages were noticed"
    assert not (tmp_path / "deployments").exists()


def test_client_commands_run_without_the_server_packages(tmp_path) -> None:
    film = tmp_path / "film.bin"
    film.write_bytes(b"a film" * 1000)
    done = _run_without_server("cid", str(film))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == cid_of_bytes(film.read_bytes()), done.stdout
