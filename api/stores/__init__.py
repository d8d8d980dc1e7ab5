"""State the API keeps for key release: wrapped content keys, single-use sign-in nonces, and the
on-chain licence checker that decides who may receive a key.

Nonces, rate-limit counters, wrapped keys and registered encryption keys are shared by every API
process through the database.

These are server-side: the client SDK (:mod:`client_sdk`) imports none of them. A work's owner files
wrapped keys through ``PUT /keys/{work_id}`` (``copyright-hub content wrap-key --hub`` or ``keys
wrap-all``); ``POST /keys/{work_id}`` releases them.
"""

from __future__ import annotations

from .keys import EncryptionKeyStore, PendingLicensee, WrappedKeyStore
from .licences import MASTER_RIGHTS, LicenceChecker, OnChainLicenceChecker
from .nonces import NonceStore
from .ratelimit import RateLimiter, client_of

__all__ = [
    "MASTER_RIGHTS", "EncryptionKeyStore", "LicenceChecker", "NonceStore", "OnChainLicenceChecker", "PendingLicensee",
    "RateLimiter", "WrappedKeyStore", "client_of",
]  # fmt: skip
