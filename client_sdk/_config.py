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
#: Environment variable naming the chain's JSON-RPC URL (the same one the indexer's and API's settings read).
RPC_URL_ENV = "COPYRIGHT_HUB_RPC_URL"
#: Environment variable naming the local content block store folder.
CONTENT_DIR_ENV = "COPYRIGHT_HUB_CONTENT_DIR"
#: The local content block store folder when nothing else is configured.
DEFAULT_CONTENT_DIR = Path("var/content")


def default_deployments_dir() -> Path:
    """``$COPYRIGHT_HUB_DEPLOYMENTS_DIR`` or ``./deployments``."""
    return Path(os.environ.get(DEPLOYMENTS_DIR_ENV, "deployments"))


def default_content_dir() -> Path:
    """``$COPYRIGHT_HUB_CONTENT_DIR`` or ``var/content``."""
    return Path(os.environ.get(CONTENT_DIR_ENV) or DEFAULT_CONTENT_DIR)
#: Blocks per ``eth_getLogs`` call when a client scans history (the public devnet gateway's cap).
DEFAULT_LOG_CHUNK_BLOCKS = 10_000
#: Seconds a request to a hub's HTTP API may take (``verify --hub`` reading ``GET /deployment``).
DEFAULT_HTTP_TIMEOUT = 30.0
