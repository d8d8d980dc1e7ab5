"""The CLI starts fast (issue 12 item 5): cheap commands do not import the heavy libraries.

Timing is the benchmark's job (benchmarks/cli_startup.py); this is the durable guard, by what a
command leaves in ``sys.modules``: `--help`, `cid` and `licence show` must not load web3, the SQL
layer, the API or the indexer. A new top-level import of one of them in any command module (or in
what they import) fails here. The lazy listing `--help` prints is held to the full CLI: the same
commands, with the same help texts, read from the same docstrings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from eth_account.signers.local import LocalAccount

from client_sdk import Hub, Right, Terms
from copyright_hub import cli
from tests.cli.conftest import Env

#: Top-level packages a cheap command must not import (each costs 0.1-1.5 s of start-up, or is
#: server-side and absent from a client-only install).
HEAVY = {
    "web3", "eth_abi", "eth_account", "eth_utils", "sqlmodel", "sqlalchemy", "alembic", "fastapi",
    "starlette", "uvicorn", "httpx", "cryptography", "jsonschema", "api", "indexer",
}  # fmt: skip

PROBE = """
import json, sys
sys.argv = ["copyright-hub", *json.loads(sys.argv[1])]
out = sys.argv.pop()
try:
    from copyright_hub.cli import main
    main()
    code = 0
except SystemExit as exc:
    code = exc.code or 0
with open(out, "w") as fh:
    json.dump({"code": code, "modules": sorted({n.split(".")[0] for n in sys.modules})}, fh)
"""


def loaded_by(args: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> set[str]:
    """The top-level packages a fresh interpreter has loaded after running ``copyright-hub ARGS``
    (which must succeed)."""
    out = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps([*args, str(out)])],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert result["code"] == 0, done.stdout + done.stderr
    return set(result["modules"])


@pytest.mark.parametrize("args", [["--help"], ["cid", "{small}"], ["cid", "--help"]], ids=" ".join)
def test_cheap_commands_load_no_heavy_library(args: list[str], tmp_path: Path) -> None:
    small = tmp_path / "small.txt"
    small.write_bytes(b"a small file\n")
    loaded = loaded_by([a.format(small=small) for a in args], tmp_path)
    assert "typer" in loaded and "copyright_hub" in loaded  # the probe ran the CLI
    assert loaded & HEAVY == set()


def test_licence_show_reads_the_chain_without_web3(market: Env, buyer: LocalAccount, tmp_path: Path) -> None:
    now = market.now()
    offer = market.hub.create_offer(Terms(market.work_id, int(Right.SCREENING), now, now + 86_400, price=10**15))
    licence = Hub(market.hub.w3, market.hub.deployment, buyer).purchase(offer, max_price=10**15).licence_id
    loaded = loaded_by(["licence", "show", str(licence)], tmp_path, env=market.env)
    assert loaded & HEAVY == set()
    shown = market.run("licence", "show", str(licence))
    assert f"licence {licence} on work {market.work_id}: valid" in shown.stdout, shown.stdout + shown.stderr
    assert buyer.address in shown.stdout  # the holder, checksummed as web3 shows it


def test_help_lists_every_command_with_its_own_help() -> None:
    """The listing `--help` prints (stubs without parameters) names the same commands as the full CLI,
    with the same help texts."""
    full = typer.main.get_command(cli.build_app())
    listing = typer.main.get_command(cli.only(cli.build_app(), None))
    assert isinstance(full, typer.core.TyperGroup) and isinstance(listing, typer.core.TyperGroup)
    assert list(listing.commands) == list(full.commands)
    for name, command in full.commands.items():
        assert listing.commands[name].help == command.help, name
        assert listing.commands[name].hidden == command.hidden, name


def test_running_one_command_builds_only_its_parameters() -> None:
    """`copyright-hub cid ...` hands typer cid's signature and stubs for the rest: the command runs as in
    the full CLI, and no other command's parameters are read."""
    pruned = typer.main.get_command(cli.only(cli.build_app(), "cid"))
    assert isinstance(pruned, typer.core.TyperGroup)
    assert [p.name for p in pruned.commands["cid"].params] == ["file", "cid_version"]
    assert all(
        not c.params for n, c in pruned.commands.items() if n != "cid" and not isinstance(c, typer.core.TyperGroup)
    )
    assert cli.requested(["cid", "--cid-version", "1", "x"]) == "cid"
    assert cli.requested(["--help"]) is None


def test_the_sdk_package_loads_its_names_on_first_use() -> None:
    """``import client_sdk`` alone loads no web3; every name of ``__all__`` still resolves (to the
    submodule the lazy table names), and the table matches the eager imports type checkers read."""
    probe = "import sys, client_sdk, client_sdk.content; print(sorted(m for m in {'web3', 'cryptography', 'httpx'} if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip() == "[]"
    import client_sdk
    import client_sdk.content

    for package in (client_sdk, client_sdk.content):
        exports = package._EXPORTS
        assert sorted(package.__all__) == sorted(exports)
        for name, module in exports.items():
            assert getattr(package, name) is getattr(sys.modules[f"{package.__name__}.{module}"], name), name
        source = Path(package.__file__).read_text()  # type: ignore[arg-type]
        for name, module in exports.items():
            assert f"from .{module} import" in source, (name, module)
