"""The indexer's exceptions: one root, :class:`IndexerError`; each message says what to do next."""

from __future__ import annotations

from client_sdk.errors import HubError


class IndexerError(HubError):
    """Root of every error the indexer raises on purpose (a branch of the hub's one tree: ``client_sdk.errors``)."""


class DeepReorgError(IndexerError):
    """The chain reorganised below the finality depth; the mirror is left as it was, untouched."""

    def __init__(self, checkpoint: int, floor: int, finality_depth: int) -> None:
        self.checkpoint = checkpoint
        self.floor = floor
        self.finality_depth = finality_depth
        super().__init__(
            f"reorg deeper than the finality depth ({finality_depth}): the chain no longer holds the blocks "
            f"the mirror finalised (up to block {floor}; mirrored to {checkpoint}). Nothing was changed. "
            "Check the RPC points at the right chain, then raise COPYRIGHT_HUB_FINALITY_DEPTH or rebuild the "
            "mirror with `copyright-hub index --rebuild`"
        )


class DatabaseUnavailable(IndexerError):
    """The database could not be reached or refused a write; the open batch was rolled back."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(
            f"database {url} is unavailable ({reason}); nothing half-written was kept. "
            "Start the database (or fix COPYRIGHT_HUB_DATABASE_URL) and run the indexer again"
        )


class UnsupportedDatabase(IndexerError, ValueError):
    """A database URL names a database the mirror does not run on (only SQLite and PostgreSQL)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"unsupported database {name!r}: the mirror runs on SQLite or PostgreSQL; pass a sqlite:///FILE or "
            "postgresql://user@host/db URL (--database-url or COPYRIGHT_HUB_DATABASE_URL)"
        )


class RpcUnavailable(IndexerError):
    """The RPC kept failing after the configured retries."""

    def __init__(self, url: str, method: str, reason: str) -> None:
        self.url = url
        self.method = method
        self.reason = reason
        super().__init__(
            f"RPC {url} failed {method}: {reason}; check the node is up (or COPYRIGHT_HUB_RPC_URL) and retry"
        )


class ManifestMismatch(IndexerError):
    """The mirror was built for another deployment than the manifest now names."""


class WriterLockLost(IndexerError):
    """The database session holding the single-writer lock ended; another indexer may now be writing."""

    def __init__(self) -> None:
        super().__init__(
            "lost the single-writer lock (the database session holding it ended); stopped so that two "
            "indexers never write at once. Start the indexer again: it resumes from its checkpoint"
        )


class ProjectionFailed(IndexerError):
    """An event's projection raised: the table declarations (``indexer/tables``) do not fit the event's
    arguments. Raised only in strict mode (the tests); otherwise logged, the log kept in ``raw_event``."""

    def __init__(self, event: str, block_number: int, log_index: int, reason: str) -> None:
        self.event = event
        self.block_number = block_number
        self.log_index = log_index
        self.reason = reason
        super().__init__(
            f"projecting {event} at block {block_number} log {log_index} failed ({reason}): fix the "
            "declaration in indexer/tables that writes it against the event's ABI, or list the event in "
            "IGNORED_EVENTS with the reason"
        )
