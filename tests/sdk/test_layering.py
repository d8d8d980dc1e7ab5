"""The client SDK stands alone: importing every module of it loads nothing server-side."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import client_sdk

#: Packages a client never needs: the API and its stores, the indexer, the CLI, the web and SQL stacks.
SERVER_SIDE = ("api", "indexer", "copyright_hub", "fastapi", "starlette", "sqlalchemy", "sqlmodel", "alembic")


def test_client_sdk_imports_nothing_server_side() -> None:
    modules = sorted(m.name for m in pkgutil.walk_packages(client_sdk.__path__, "client_sdk."))
    assert "client_sdk.shapes" in modules and "client_sdk.content.siwe" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(sorted(n for n in sys.modules if n.split('.')[0] in {SERVER_SIDE!r}))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


def test_key_release_stores_live_on_the_api_side() -> None:
    import api.stores

    assert {"WrappedKeyStore", "NonceStore", "LicenceChecker", "OnChainLicenceChecker"} <= set(api.stores.__all__)
    assert not hasattr(client_sdk, "licence_check")
    assert not any(m.name == "keys" for m in pkgutil.iter_modules(client_sdk.content.__path__))
