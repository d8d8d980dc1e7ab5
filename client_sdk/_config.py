"""Named defaults for every client: RPC URL, timeouts, retry policy, where manifests live."""

from __future__ import annotations

import os
from pathlib import Path

#: The local devnet's RPC URL (``copyright-hub devnet up`` listens here by default).
DEFAULT_RPC_URL = "http://127.0.0.1:8545"
#: Seconds an RPC request may take before it is abandoned.
DEFAULT_RPC_TIMEOUT = 30.0
#: Seconds to wait for a transaction receipt.
DEFAULT_RECEIPT_TIMEOUT = 120.0
#: Retries for calls that are safe to repeat (connection errors, 429, 5xx); never for reverts.
DEFAULT_MAX_RETRIES = 5
#: First back-off in seconds; doubles each retry, with full jitter.
DEFAULT_BACKOFF = 0.25
#: Environment variable naming the folder of deployment manifests.
DEPLOYMENTS_DIR_ENV = "COPYRIGHT_HUB_DEPLOYMENTS_DIR"
#: Environment variable naming this user's hub folder (default ``~/.copyright-hub``): its ``deployments/``
#: holds the manifests when the SDK is installed from a wheel rather than run from a checkout.
HOME_ENV = "COPYRIGHT_HUB_HOME"
#: The source checkout the SDK runs from, when it does (an editable install: what `make up` sets up).
_CHECKOUT = Path(__file__).resolve().parent.parent
#: Environment variable naming the chain's JSON-RPC URL (the same one the indexer's and API's settings read).
RPC_URL_ENV = "COPYRIGHT_HUB_RPC_URL"
#: Environment variable naming the local content block store folder.
CONTENT_DIR_ENV = "COPYRIGHT_HUB_CONTENT_DIR"
#: The local content block store folder when nothing else is configured.
DEFAULT_CONTENT_DIR = Path("var/content")


def hub_home() -> Path:
    """``$COPYRIGHT_HUB_HOME``, else ``~/.copyright-hub``."""
    return Path(os.environ.get(HOME_ENV) or Path.home() / ".copyright-hub")


def deployments_candidates() -> list[Path]:
    """Where manifests are looked for when ``$COPYRIGHT_HUB_DEPLOYMENTS_DIR`` is not set, in order:
    ``./deployments``, the checkout's ``deployments/`` (when the SDK runs from a source checkout, where
    `make up` and `copyright-hub deploy` run from the repository write them), ``$COPYRIGHT_HUB_HOME/deployments``."""
    found = [Path("deployments")]
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "client_sdk").is_dir():
        found.append(_CHECKOUT / "deployments")
    return [*found, hub_home() / "deployments"]


def default_deployments_dir() -> Path:
    """The folder of deployment manifests: ``$COPYRIGHT_HUB_DEPLOYMENTS_DIR``, else the first of
    :func:`deployments_candidates` that exists, so a script finds the hub from any working directory;
    when none exists yet (nothing deployed), the checkout's or, installed from a wheel, the hub home's."""
    given = os.environ.get(DEPLOYMENTS_DIR_ENV)
    if given:
        return Path(given)
    candidates = deployments_candidates()
    return next((c for c in candidates if c.is_dir()), candidates[-2] if len(candidates) > 2 else candidates[-1])


def default_content_dir() -> Path:
    """``$COPYRIGHT_HUB_CONTENT_DIR`` or ``var/content``."""
    return Path(os.environ.get(CONTENT_DIR_ENV) or DEFAULT_CONTENT_DIR)


#: Blocks per ``eth_getLogs`` call when a client scans history (the public devnet gateway's cap).
DEFAULT_LOG_CHUNK_BLOCKS = 10_000
#: Seconds a request to a hub's HTTP API may take (``verify --hub`` reading ``GET /deployment``).
DEFAULT_HTTP_TIMEOUT = 30.0
