"""The indexer: mirrors every hub contract event into SQL (SQLite or PostgreSQL), correct through
reorgs and crashes. ``copyright-hub index`` runs it; the API reads the tables it writes."""

from .errors import (
    DatabaseUnavailable,
    DeepReorgError,
    IndexerError,
    ManifestMismatch,
    RpcUnavailable,
    WriterLockLost,
)
from .settings import IndexerSettings
from .sync import Indexer, Progress

__all__ = [
    "DatabaseUnavailable",
    "DeepReorgError",
    "Indexer",
    "IndexerError",
    "IndexerSettings",
    "ManifestMismatch",
    "Progress",
    "RpcUnavailable",
    "WriterLockLost",
]
