"""The Hub client: the SDK's front door to a deployed Copyright Hub.

The methods live in four mixins by concern — works (:mod:`._works`), licensing
(:mod:`._licensing`), attestations and disputes (:mod:`._review`), evidence records
(:mod:`._evidence`), distribution requirements (:mod:`._distribution`), administration: roles, fees,
pausing (:mod:`._admin`) — over shared plumbing (:mod:`._base`). Everything signs locally; a call that would revert raises its typed error before
anything is sent.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from eth_account.signers.local import LocalAccount

from ._admin import AdminMixin
from ._config import DEFAULT_RPC_URL, RPC_URL_ENV, default_deployments_dir
from ._distribution import DistributionMixin
from ._evidence import EvidenceMixin
from ._licensing import Licence, LicensingMixin, Purchase
from ._review import ReviewMixin
from ._works import Registration, Work, WorksMixin
from .chain import connect
from .errors import DeploymentNotFound
from .manifest import manifest_path, read_manifest

if TYPE_CHECKING:
    from .content import ContentStore


class Hub(WorksMixin, LicensingMixin, ReviewMixin, DistributionMixin, EvidenceMixin, AdminMixin):
    """Reads from and writes to one hub deployment. Signing happens here, with a local key.

    Use as a context manager or call :meth:`close`.
    """

    @classmethod
    def connect(
        cls,
        rpc_url: str | None = None,
        *,
        deployments_dir: Path | None = None,
        account: LocalAccount | None = None,
        store: ContentStore | None = None,
    ) -> Hub:
        """Connect to ``rpc_url`` (default ``$COPYRIGHT_HUB_RPC_URL``, else the local devnet) and load its
        chain's manifest from ``deployments_dir`` (default :func:`~client_sdk._config.default_deployments_dir`:
        ``$COPYRIGHT_HUB_DEPLOYMENTS_DIR``, ./deployments, the checkout's or the hub home's), refusing one
        for another chain. With a ``store``, registrations put their metadata there and refuse metadata
        it lacks."""
        w3 = connect(rpc_url or os.environ.get(RPC_URL_ENV) or DEFAULT_RPC_URL)
        chain_id = w3.eth.chain_id
        path = manifest_path(chain_id, deployments_dir or default_deployments_dir())
        if not path.exists():
            raise DeploymentNotFound(chain_id, f"no manifest at {path}")
        return cls(w3, read_manifest(path, expected_chain_id=chain_id), account, store=store)

    def close(self) -> None:
        provider = self.w3.provider
        close = getattr(provider, "disconnect", None) or getattr(provider, "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                close()

    def __enter__(self) -> Hub:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


__all__ = ["Hub", "Licence", "Purchase", "Registration", "Work"]
