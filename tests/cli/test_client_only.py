"""A client-only install (the plain wheel, without the `server` extra) runs the SDK and client commands;
a command that runs the hub's own services says which extra to install, in one line, instead of a
traceback. The missing packages are simulated by an import hook in a fresh interpreter (the wheel test,
tests/test_client_install.py, installs the plain wheel for real)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from client_sdk.content.cid import cid_of_bytes
from copyright_hub.commands._common import SERVER_PACKAGES

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


def _run_without_server(*argv: str) -> subprocess.CompletedProcess[str]:
    # api and indexer are in the wheel itself; their third-party imports are what is missing
    blocked = sorted(SERVER_PACKAGES - {"api", "indexer"})
    code = _WITHOUT_SERVER.format(blocked=blocked, argv=list(argv))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("argv", [("serve",), ("index", "--once"), ("up",)])
def test_a_service_command_names_the_server_extra_in_one_line(argv: tuple[str, ...]) -> None:
    done = _run_without_server(*argv)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "pip install 'copyright-hub[server]'" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) <= 3, done.stderr


def test_client_commands_run_without_the_server_packages(tmp_path) -> None:
    film = tmp_path / "film.bin"
    film.write_bytes(b"a film" * 1000)
    done = _run_without_server("cid", str(film))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == cid_of_bytes(film.read_bytes()), done.stdout
