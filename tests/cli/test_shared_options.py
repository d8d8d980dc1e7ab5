"""Shared options are declared once (``copyright_hub/commands/_common.py``): wherever a command takes
``--rpc``, ``--deployments``, ``--database-url``, ``--content-dir``, ``--keystore`` or ``--key-env``,
it is that declaration, with its names and help, never a local copy that drifts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, get_args

import typer

from copyright_hub.cli import app
from copyright_hub.commands import _common, _output

SHARED = {
    "RpcOpt": _common.RpcOpt,
    "DeploymentsOpt": _common.DeploymentsOpt,
    "DatabaseUrlOpt": _common.DatabaseUrlOpt,
    "ContentDirOpt": _common.ContentDirOpt,
    "KeystoreOpt": _common.KeystoreOpt,
    "KeyEnvOpt": _common.KeyEnvOpt,
    "AccountOpt": _output.AccountOpt,
    "MineOpt": _output.MineOpt,
}
#: the read commands of the studio's tasks: each prints JSON with --json (``_output.JsonOpt``; other
#: commands word their own --json help: register-many's is a summary)
READS = {"offer show", "offer list", "licence show", "licence sold", "earnings", "works list", "royalty show",
         "dispute show"}  # fmt: skip


def _declared(alias: Any) -> tuple[tuple[str, ...], Any]:
    """The option names and the typer declaration behind an ``Annotated`` alias."""
    info: Any = next(m for m in get_args(alias)[1:] if isinstance(m, typer.models.OptionInfo))
    return (info.default, *info.param_decls), info  # in Annotated, the first name is typer's "default"


def _commands(group: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a group
            yield from _commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


def test_every_shared_option_is_the_one_declaration() -> None:
    shared = {_declared(opt)[0][0]: (alias, *_declared(opt)) for alias, opt in SHARED.items()}
    seen: dict[str, set[str]] = {name: set() for name in shared}
    for path, command in _commands(typer.main.get_command(app)):
        for param in command.params:
            for name in set(param.opts) & set(shared):
                alias, names, info = shared[name]
                assert tuple(param.opts) == names, f"{path} {name}: not {alias}"
                assert param.help == info.help, f"{path} {name}: not {alias}"
                assert not param.envvar, f"{path} {name}: the environment is read where settings are resolved"
                seen[name].add(path)
    # the options really are shared: each is taken by the commands that reach its part of the hub
    assert {"buy", "register", "verify", "deploy", "index", "serve", "offer show", "licence show"} <= seen["--rpc"]
    # verify-report reads the deployment from the report it re-checks, never from a manifest folder
    assert seen["--deployments"] == seen["--rpc"] - {"verify-report"}
    assert {"index", "serve", "content wrap-key"} <= seen["--database-url"]
    assert {"content add", "content get", "serve"} <= seen["--content-dir"]
    assert {"deploy", "register", "buy", "withdraw", "transfer"} <= seen["--key-env"] == seen["--keystore"]
    with_json = {path for path, command in _commands(typer.main.get_command(app))
                 if any("--json" in p.opts for p in command.params)}  # fmt: skip
    assert with_json >= READS
    assert {"offer list", "licence sold", "earnings", "works list"} <= seen["--mine"] == seen["--account"]


def test_client_commands_resolve_the_chain_like_the_settings(monkeypatch: Any) -> None:
    """``--rpc`` wins; else ``$COPYRIGHT_HUB_RPC_URL`` (the variable the indexer and API settings read)."""
    monkeypatch.setenv("COPYRIGHT_HUB_RPC_URL", "http://env.example:8545")
    assert _common.chain_url("http://given.example:8545") == "http://given.example:8545"
    assert _common.chain_url(None) == "http://env.example:8545"
    assert _common.hub_settings().rpc_url == "http://env.example:8545"
    monkeypatch.setenv("COPYRIGHT_HUB_CONTENT_DIR", "/srv/blocks")
    assert str(_common.content_dir(None)) == "/srv/blocks" == str(_common.hub_settings().content_dir)
