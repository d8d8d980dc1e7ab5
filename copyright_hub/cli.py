"""``copyright-hub``: one command line over the devnet, deployment, the stack, the indexer, content
and works. Each command group lives in ``copyright_hub/commands/``; this module assembles them.
Every failure prints one clear message and exits non-zero; no tracebacks.
"""

from __future__ import annotations

import functools
import importlib
import sys

import typer

from .commands._common import err

#: Command modules, each with ``register(app)``, in the order `--help` lists them.
COMMAND_MODULES = ("stack", "devnet", "deploy", "works", "catalogue", "verify", "market", "content", "evidence", "keys", "indexer", "serve")
#: Commands a client-only install runs (auditors): only their module is imported, so no server package
#: (api, indexer) is loaded on that path.
CLIENT_COMMANDS = {"verify": "verify", "verify-report": "verify"}


@functools.cache
def build_app(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """The CLI with the command groups of ``modules``."""
    cli = typer.Typer(
        no_args_is_help=True, add_completion=False, help="Copyright Hub: register, license and verify audiovisual works."
    )
    for name in modules:
        importlib.import_module(f"{__package__}.commands.{name}").register(cli)
    return cli


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the whole CLI, built on first use (tests and `python -m` take it from here)
        return build_app()
    raise AttributeError(name)


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    cli = build_app((CLIENT_COMMANDS[command],)) if command in CLIENT_COMMANDS else build_app()
    try:
        cli()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
