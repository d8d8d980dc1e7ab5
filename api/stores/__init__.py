"""State the API keeps for key release: wrapped content keys, single-use sign-in nonces, and the
on-chain licence checker that decides who may receive a key.

These are server-side: the client SDK (:mod:`client_sdk`) imports none of them. A studio files
wrapped keys here through ``copyright-hub content wrap-key``; ``POST /keys/{work_id}`` reads them.
"""

from __future__ import annotations

from .keys import WrappedKeyStore
from .licences import LicenceChecker, OnChainLicenceChecker
from .nonces import NonceStore

__all__ = ["LicenceChecker", "NonceStore", "OnChainLicenceChecker", "WrappedKeyStore"]
