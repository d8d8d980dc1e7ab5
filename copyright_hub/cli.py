"""``copyright-hub``: one command line over the devnet, deployment, the stack, the indexer, content
and works. Each command group lives in ``copyright_hub/commands/``; this module assembles them.
Every failure prints one clear message and exits non-zero; no tracebacks.

Start-up is part of the interface (issue 12: `--help`, `cid` and `licence show` in well under 0.3 s).
Two things keep it short: command modules import only cheap modules at the top (web3, SQL, the API
load inside the commands; ``tests/cli/test_startup.py`` holds that line), and :func:`main` lets typer
read the signature of only the command being run. Every other command is handed to typer as a stub
with its own name and help text (the same docstring or ``help=``, nothing copied into a table), which
is all `--help` shows of it; turning forty-odd signatures into click options cost most of a second.
"""

from __future__ import annotations

import copy
import functools
import importlib
import inspect
import sys

import typer
from typer.models import CommandInfo, TyperInfo

from .commands._common import err

#: Command modules, each with ``register(app)``, in the order `--help` lists them.
COMMAND_MODULES = (
    "stack",
    "devnet",
    "deploy",
    "works",
    "catalogue",
    "verify",
    "similar",
    "market",
    "review",
    "rules",
    "content",
    "evidence",
    "keys",
    "indexer",
    "serve",
)
#: Commands a client-only install runs (auditors): only their module is imported, so no server package
#: (api, indexer) is loaded on that path.
CLIENT_COMMANDS = {"verify": "verify", "verify-report": "verify"}


@functools.cache
def build_app(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """The CLI with the command groups of ``modules``."""
    cli = typer.Typer(
        no_args_is_help=True,
        add_completion=False,
        help="Copyright Hub: register, license and verify audiovisual works.",
        # click's plain help and usage errors: typer's rich rendering imports rich's markdown, syntax
        # and traceback modules (markdown-it, pygments, attrs), a third of `--help`'s start-up
        rich_markup_mode=None,
    )
    for name in modules:
        importlib.import_module(f"{__package__}.commands.{name}").register(cli)
    return cli


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the whole CLI, built on first use (tests and `python -m` take it from here)
        return build_app()
    raise AttributeError(name)


def _no_parameters() -> None:
    """Stands in for a command that is not being run."""


def _command_name(info: CommandInfo) -> str:
    assert info.callback is not None
    return info.name or typer.main.get_command_name(info.callback.__name__)


def _stub(info: CommandInfo) -> CommandInfo:
    """``info`` without its parameters: the name and help text `--help` lists, nothing to parse."""
    stub = copy.copy(info)
    stub.name = _command_name(info)
    stub.help = inspect.getdoc(info.callback) if info.help is None else info.help
    stub.short_help = stub.short_help or _first_paragraph(stub.help)
    stub.callback = _no_parameters
    return stub


def _first_paragraph(text: str | None) -> str | None:
    """What the listing shows of a help text: its first paragraph whole (click would cut it at 45
    characters)."""
    return " ".join(text.split("\n\n")[0].split()) if text else None


def _emptied(info: TyperInfo) -> TyperInfo:
    """The group ``info`` with its help text and no commands."""
    assert info.typer_instance is not None
    emptied, instance = copy.copy(info), copy.copy(info.typer_instance)
    if not isinstance(info.short_help, str):
        emptied.short_help = _first_paragraph(typer.main.solve_typer_info_help(info))
    instance.registered_commands, instance.registered_groups = [], []
    emptied.typer_instance = instance
    return emptied


def only(cli: typer.Typer, name: str | None) -> typer.Typer:
    """``cli`` where only the top-level command or group ``name`` keeps its parameters (and a group its
    commands); every other one is a stub with its name and help. ``name=None`` is the listing `--help`
    prints. Running the result runs ``name`` exactly as ``cli`` would."""
    pruned = copy.copy(cli)
    pruned.registered_commands = [c if _command_name(c) == name else _stub(c) for c in cli.registered_commands]
    pruned.registered_groups = [g if g.name == name else _emptied(g) for g in cli.registered_groups]
    return pruned


def requested(argv: list[str]) -> str | None:
    """The top-level command ``argv`` names: its first word that is not an option (the root has no
    option taking a value), or None (`--help`, no arguments)."""
    return next((a for a in argv if not a.startswith("-")), None)


def main() -> None:
    command = requested(sys.argv[1:])
    full = build_app((CLIENT_COMMANDS[command],)) if command in CLIENT_COMMANDS else build_app()
    cli = only(full, command)
    try:
        cli()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
