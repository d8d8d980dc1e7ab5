"""``copyright-hub``: one command line over the devnet, deployment, the stack, the indexer, content
and works. Each command group lives in ``copyright_hub/commands/``; this module assembles them.
Every failure prints one clear message and exits non-zero; no tracebacks.
"""

from __future__ import annotations

import importlib
import sys

import typer

from .commands._common import err

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Copyright Hub: register, license and verify audiovisual works."
)

#: Command modules, each with ``register(app)``, in the order `--help` lists them.
COMMAND_MODULES = ("stack", "devnet", "deploy", "works", "market", "content", "keys", "indexer", "serve")

for _name in COMMAND_MODULES:
    importlib.import_module(f"{__package__}.commands.{_name}").register(app)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
