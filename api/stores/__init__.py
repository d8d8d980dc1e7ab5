"""State the API keeps for key release: wrapped content keys, single-use sign-in nonces, and the
on-chain licence checker that decides who may receive a key.

Nonces and rate-limit counters are shared by every API process through the database; wrapped keys
are still files under the content folder (a shared volume when there are several hosts).

These are server-side: the client SDK (:mod:`client_sdk`) imports none of them. A studio files
wrapped keys here through ``copyright-hub content wrap-key``; ``POST /keys/{work_id}`` reads them.
"""

from __future__ import annotations

from .keys import WrappedKeyStore
from .licences import LicenceChecker, OnChainLicenceChecker
from .nonces import NonceStore
from .ratelimit import RateLimiter, client_of

__all__ = ["LicenceChecker", "NonceStore", "OnChainLicenceChecker", "RateLimiter", "WrappedKeyStore", "client_of"]
