"""The indexer's settings: environment variables with prefix ``COPYRIGHT_HUB_`` (for example
``COPYRIGHT_HUB_DATABASE_URL=postgresql://user@host/db``, ``COPYRIGHT_HUB_RPC_URL``,
``COPYRIGHT_HUB_FINALITY_DEPTH``). The API's settings may subclass this class."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from client_sdk._config import DEFAULT_CONTENT_DIR, DEFAULT_RPC_URL
from client_sdk.content import ContentStore, KuboStore, LocalBlockStore
from client_sdk.metadata import MAX_METADATA_BYTES

#: SQLite file used when no database URL is configured.
DEFAULT_DATABASE_URL = "sqlite:///var/hub.sqlite3"


class IndexerSettings(BaseSettings):
    """Where the chain and the mirror are, and how hard the indexer pushes them."""

    model_config = SettingsConfigDict(env_prefix="COPYRIGHT_HUB_", env_file=".env", extra="ignore")

    database_url: str = Field(default=DEFAULT_DATABASE_URL, description="SQLAlchemy URL of the mirror")
    rpc_url: str = DEFAULT_RPC_URL
    deployments_dir: Path = Path("deployments")
    finality_depth: int = Field(default=12, ge=0, description="blocks below the head that can no longer reorg")
    initial_block_range: int = Field(
        default=1, ge=1, description="first eth_getLogs range in blocks (doubles while results stay small)"
    )
    max_block_range: int = Field(default=50_000, ge=1, description="largest eth_getLogs range in blocks")
    target_logs_per_batch: int = Field(
        default=5_000, ge=1, description="shrink the range when one call returns more logs than this"
    )
    poll_interval: float = Field(default=1.0, gt=0, description="seconds between head polls when caught up")
    rpc_timeout: float = Field(default=30.0, gt=0)
    rpc_backoff: float = Field(default=0.25, gt=0, description="first retry delay; doubles, with full jitter")
    rpc_backoff_max: float = Field(default=10.0, gt=0)
    rpc_max_retries: int | None = Field(default=None, description="None retries forever (a range is never skipped)")
    standby_poll: float = Field(default=1.0, gt=0, description="seconds between lock attempts of a standby")
    fetch_process: bool = Field(
        default=True,
        description="backfill with a forked fetcher process (fetch, decode, project on another core); "
        "False, or no fork on this platform: a fetcher thread",
    )
    content_dir: Path = Field(default=DEFAULT_CONTENT_DIR, description="local content block store")
    kubo_api_url: str | None = Field(default=None, description="a kubo node's RPC URL; replaces the local store")
    metadata_worker: bool = Field(
        default=True, description="`index` reads works' metadata documents from the content store beside the sync"
    )
    metadata_max_bytes: int = Field(default=MAX_METADATA_BYTES, ge=1, description="largest metadata document read")
    metadata_fetch_timeout: float = Field(default=10.0, gt=0, description="seconds one metadata read may take")
    metadata_retry_base: float = Field(
        default=30.0, gt=0, description="seconds before a missing or invalid document is read again; doubles per try"
    )
    metadata_retry_max: float = Field(default=6 * 3600.0, gt=0, description="longest wait between two reads")
    metadata_poll_interval: float = Field(default=1.0, gt=0, description="seconds between looks for new work")

    def content_store(self) -> ContentStore:
        """The content store these settings name: a kubo node when ``kubo_api_url`` is set, else the
        local block store in ``content_dir``."""
        return KuboStore(self.kubo_api_url) if self.kubo_api_url else LocalBlockStore(self.content_dir)
