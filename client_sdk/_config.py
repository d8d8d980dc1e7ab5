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


def default_deployments_dir() -> Path:
    """``$COPYRIGHT_HUB_DEPLOYMENTS_DIR`` or ``./deployments``."""
    return Path(os.environ.get(DEPLOYMENTS_DIR_ENV, "deployments"))
