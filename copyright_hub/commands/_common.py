"""What every command shares: consoles, the error boundary, the devnet URL default, signer loading.

Every command module imports this one, and `copyright-hub --help` imports every command module, so
only cheap modules are imported at the top here (typer, the SDK's errors and config; rich's console is
made on first print);
web3, eth-account, pydantic, the devnet launcher and the servers load inside the functions that use
them. tests/cli/test_startup.py holds the line.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeGuard, TypeVar

import typer

from client_sdk._config import DEFAULT_RPC_URL, RPC_URL_ENV, default_content_dir, default_deployments_dir
from client_sdk.errors import ConfigurationError, HubError

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount
    from pydantic import ValidationError
    from rich.console import Console


class LazyConsole:
    """A rich ``Console`` made on first use: importing rich.console is a good part of a cheap command's
    start-up (`--help`, `cid` print nothing through it). Everything else is the console's."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    @property
    def rich(self) -> Console:
        """The console itself (for rich objects that take one, e.g. ``Progress(console=...)``)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rich, name)


console = LazyConsole()
err = LazyConsole(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


#: Set to any value to let an unexpected exception through with its traceback (for bug reports).
DEBUG_ENV = "COPYRIGHT_HUB_DEBUG"


def fail(message: str) -> typer.Exit:
    """Print ``message`` as one red ``error:`` line on stderr; return the exit (code 1) to raise."""
    from rich.markup import escape

    one_line = "; ".join(part.strip() for part in str(message).splitlines() if part.strip())
    err.print(f"[red]error:[/red] {escape(one_line)}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def settings_problem(exc: ValidationError) -> str:
    """The first refused setting of ``exc``, named as its option's environment variable."""
    first = exc.errors()[0]
    name = ".".join(map(str, first["loc"]))
    where = f"setting {name} (COPYRIGHT_HUB_{name.upper()}): " if name else "settings: "
    return where + str(first["msg"]).removeprefix("Value error, ")


#: top-level modules of the `server` extra (pyproject.toml): a client-only install lacks them
SERVER_PACKAGES = frozenset(
    {"api", "indexer", "fastapi", "fastapi_offline", "starlette", "uvicorn", "sqlalchemy", "sqlmodel", "alembic",
     "psycopg", "pydantic_settings"}
)  # fmt: skip


def _server_missing(name: str) -> str:
    return (
        f"this command runs the hub's own services, whose packages this install lacks ({name}): install them "
        "with pip install 'copyright-hub[server]' (the SDK, `verify` and the studio commands need only the "
        "plain install)"
    )


def require_server() -> None:
    """Refuse, before anything starts, a command that runs the hub's services on a client-only install
    (one without the `server` extra). Only looks the packages up; imports nothing."""
    import importlib.util

    for name in sorted(SERVER_PACKAGES - {"api", "indexer"}):
        if importlib.util.find_spec(name) is None:
            raise fail(_server_missing(name))


def friendly(fn: F) -> F:
    """The CLI's one error boundary: every failure becomes one ``error:`` line and exit code 1.

    A :class:`~client_sdk.errors.HubError` (the root of every error the hub raises on purpose) shows
    its message, which says what to do; an OS error names the file; anything else is a bug, shown in
    one line too unless ``COPYRIGHT_HUB_DEBUG`` is set. Usage errors stay click's (exit code 2).
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):  # usage errors: typer prints them
            raise
        except HubError as exc:
            raise fail(str(exc)) from None
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            raise fail(f"{exc.strerror or exc}{where}") from None
        except ModuleNotFoundError as exc:
            if (exc.name or "").partition(".")[0] not in SERVER_PACKAGES:
                raise fail(f"unexpected ModuleNotFoundError: {exc}. This is a bug: report it") from None
            raise fail(_server_missing(exc.name or "")) from None
        except Exception as exc:
            if _is_validation_error(exc):  # settings from options and COPYRIGHT_HUB_* variables
                raise fail(settings_problem(exc)) from None
            if os.environ.get(DEBUG_ENV):
                raise
            raise fail(
                f"unexpected {type(exc).__name__}: {exc}. This is a bug: rerun with {DEBUG_ENV}=1 and report the traceback"
            ) from None

    return wrapper  # type: ignore[return-value]


def _is_validation_error(exc: Exception) -> TypeGuard[ValidationError]:
    """Whether ``exc`` is pydantic's ValidationError, without importing pydantic: if one was raised,
    pydantic is loaded already."""
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(exc, pydantic.ValidationError)


def devnet_rpc_url() -> str:
    """The URL of the devnet `copyright-hub devnet up` started, else the default local URL."""
    from .. import devnet as devnet_mod

    st = devnet_mod.status()
    return st.url if st.running and st.url else DEFAULT_RPC_URL


def chain_url(rpc: str | None) -> str:
    """The chain a client command talks to: ``--rpc``, else ``$COPYRIGHT_HUB_RPC_URL``, else the devnet."""
    return rpc or os.environ.get(RPC_URL_ENV) or devnet_rpc_url()


def connect_hub(rpc: str | None, deployments: Path | None, account: LocalAccount | None = None) -> Any:
    """A :class:`client_sdk.Hub` on ``rpc`` (see :func:`chain_url`) and its chain's manifest."""
    from client_sdk import Hub

    return Hub.connect(chain_url(rpc), deployments_dir=deployments or default_deployments_dir(), account=account)


#: what a command that signs says when it was given no key
NO_KEY = "this signs a transaction: pass your key with --keystore FILE or --key-env VAR"


def need_key(keystore: Path | None, key_env: str | None) -> None:
    """Refuse a command that signs but was given no key (:data:`NO_KEY`), before any other check, any
    password prompt or any network call. :func:`signing_hub` checks this too; a command calls it first
    when it has more to check before it connects, so a missing key is the error it reports."""
    if not keystore and not key_env:
        raise ConfigurationError(NO_KEY)


def signer(keystore: Path | None, key_env: str | None) -> LocalAccount:
    """The key of ``--keystore`` or ``--key-env`` (:func:`load_signer`), which a command that signs
    must be given (:func:`need_key`)."""
    need_key(keystore, key_env)
    account = load_signer(keystore, key_env)
    assert account is not None  # need_key: one of them was given
    return account


def signing_hub(rpc: str | None, deployments: Path | None, keystore: Path | None, key_env: str | None) -> Any:
    """A :func:`connect_hub` Hub that signs with the key of ``--keystore`` or ``--key-env``: the one way a
    command that sends transactions connects. No key given: :data:`NO_KEY` (a ConfigurationError,
    exit code 1), raised before the keystore's password is asked for or the chain is."""
    return connect_hub(rpc, deployments, signer(keystore, key_env))


def read_chain(rpc: str | None, deployments: Path | None) -> Any:
    """A reader for a read-only command that should start fast: view calls over plain JSON-RPC
    (:class:`client_sdk.rpc_read.ChainReader`, no web3), with the ``get_licence``/``licence_status``
    answers and typed errors of :func:`connect_hub`'s Hub."""
    from client_sdk.rpc_read import ChainReader

    return ChainReader.connect(chain_url(rpc), deployments_dir=deployments or default_deployments_dir())


#: Files smaller than this are hashed without a progress bar.
PROGRESS_MIN_BYTES = 32 << 20


@contextlib.contextmanager
def byte_progress(label: str, total: int) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on stderr for ``total`` bytes of 32 MiB and more; ``None`` (no bar) otherwise."""
    if total < PROGRESS_MIN_BYTES:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    columns = (TextColumn(label), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=err.rich, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def load_signer(keystore: Path | None, key_env: str | None) -> LocalAccount | None:
    """The key named by --keystore or --key-env (checked before any network call), or None."""
    if keystore and key_env:
        raise typer.BadParameter("give either --keystore or --key-env, not both")
    from client_sdk import accounts as sdk_accounts

    if keystore:
        return sdk_accounts.from_keystore(keystore)
    if key_env:
        return sdk_accounts.from_key_env(key_env)
    return None


def devnet_deployer(rpc_url: str, chain_id: int) -> LocalAccount:
    """Dev account 0 when the chain is the devnet; anywhere else a key must be given."""
    from client_sdk import accounts as sdk_accounts

    from .. import devnet as devnet_mod

    config = devnet_mod.load_config()
    if chain_id == config.chain_id:
        return sdk_accounts.from_mnemonic(config.mnemonic, 0)
    raise ConfigurationError(
        f"chain {chain_id} at {rpc_url} is not the devnet; pass the deployer key with --keystore FILE or --key-env VAR"
    )


# -- options shared by the commands that reach the chain, the mirror or the content store -----------
# Declared once here; a command takes the ones it needs as parameters. None means "not given": the
# setting then comes from its COPYRIGHT_HUB_* environment variable or its embedded default, resolved by
# hub_settings()/indexer_settings() (server commands) or chain_url()/content_dir() (client commands).

RpcOpt = Annotated[
    str | None, typer.Option("--rpc", help="EVM JSON-RPC URL (default $COPYRIGHT_HUB_RPC_URL, else the local devnet)")
]
DeploymentsOpt = Annotated[
    Path | None,
    typer.Option(
        "--deployments",
        help="manifest folder (default $COPYRIGHT_HUB_DEPLOYMENTS_DIR, else ./deployments, the checkout's or ~/.copyright-hub's)",
    ),
]
DatabaseUrlOpt = Annotated[
    str | None,
    typer.Option("--database-url", help="SQLAlchemy URL, e.g. sqlite:///var/hub.sqlite3 or postgresql://u@h/db"),
]
#: ``--store`` is the name the content commands had before the options were shared; scripts keep working.
ContentDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--content-dir", "--store", help="local content block store (default $COPYRIGHT_HUB_CONTENT_DIR or var/content)"
    ),
]
KeystoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--keystore", help="V3 keystore of your account (password: $COPYRIGHT_HUB_KEYSTORE_PASSWORD or prompt)"
    ),
]
KeyEnvOpt = Annotated[str | None, typer.Option("--key-env", help="environment variable holding your hex private key")]
#: the CID version of what a registering command stores (``register``, ``register-many``; each refuses
#: anything but 0 or 1 with its own usage error)
CidVersionOpt = Annotated[int, typer.Option(help="0 (ipfs add default) or 1")]


def content_dir(path: Path | None) -> Path:
    """The content store folder of a client command: ``--content-dir``, else ``$COPYRIGHT_HUB_CONTENT_DIR``,
    else ``var/content`` (the default the hub's settings have too)."""
    return path or default_content_dir()


def _given(rpc: str | None, database_url: str | None, deployments: Path | None, **more: Any) -> dict[str, Any]:
    given = {"rpc_url": rpc, "database_url": database_url, "deployments_dir": deployments, **more}
    return {k: v for k, v in given.items() if v is not None}


def hub_settings(
    rpc: str | None = None,
    database_url: str | None = None,
    deployments: Path | None = None,
    content_dir: Path | None = None,
    **more: Any,
) -> Any:
    """The one settings object of the hub (:class:`api.settings.Settings`, which extends the indexer's)
    from the shared options given, the environment and the embedded defaults, in that order."""
    from api.settings import Settings

    return Settings(**_given(rpc, database_url, deployments, content_dir=content_dir, **more))


def indexer_settings(
    rpc: str | None = None, database_url: str | None = None, deployments: Path | None = None, **more: Any
) -> Any:
    """The indexer's part of the hub's settings (:class:`indexer.IndexerSettings`), from the same options
    as :func:`hub_settings`; without the API's settings, whose production checks the indexer does not need."""
    from indexer import IndexerSettings

    return IndexerSettings(**_given(rpc, database_url, deployments, **more))
