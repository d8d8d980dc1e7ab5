"""The API's settings: one class, safe embedded defaults, environment variables with prefix
``COPYRIGHT_HUB_`` (for example ``COPYRIGHT_HUB_RPC_URL``, ``COPYRIGHT_HUB_DATABASE_URL``).

Chain, database, manifest and content store settings are the indexer's (:class:`indexer.settings.IndexerSettings`),
so both read the same variables; the API adds what only it needs."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator

from indexer.settings import IndexerSettings


class Settings(IndexerSettings):
    environment: Literal["development", "production"] = "development"
    siwe_domain: str = Field(default="127.0.0.1:8000", description="the host SIWE sign-in messages must name")
    page_size_max: int = Field(default=200, ge=1, description="largest `limit` a list endpoint accepts")
    trusted_proxies: list[str] = Field(
        default=[], description="peer addresses whose X-Forwarded-For names the client (rate limits)"
    )
    rate_limit_per_minute: int = Field(default=60, ge=1, description="key-release requests per client per minute")
    nonce_ttl_seconds: int = Field(default=600, ge=1, description="how long a sign-in nonce stays usable")
    nonce_cap: int = Field(default=100_000, ge=1, description="most sign-in nonces outstanding at once")
    max_body_bytes: int = Field(default=64 << 10, ge=1, description="largest request body a key request may have")
    ready_max_lag_blocks: int = Field(default=50, ge=0, description="/readyz: most blocks the mirror may trail the chain")
    health_internals: bool = Field(
        default=False, description="show the indexer's writer (host:pid) and raw error text in /health/indexer"
    )
    gateway_max_file_size: int = Field(
        default=64 << 30,
        ge=0,
        description="largest declared UnixFS file size /ipfs serves as bytes (a DAG that repeats blocks can declare terabytes)",
    )
    docs: bool = Field(default=True, description="serve Swagger UI at /docs and ReDoc at /redoc (assets from the project)")
    cors_origins: list[str] = Field(default=[], description="origins allowed to call the API from a browser (CORS)")
    response_cache_bytes: int = Field(
        default=64 << 20,
        ge=0,
        description="bodies the response cache of resources and the catalogue page may hold (api/cache.py); 0: no cache",
    )
    database_pool_size: int = Field(
        default=5, ge=1, description="mirror connections each API process keeps open (SQLAlchemy pool_size)"
    )
    database_pool_overflow: int = Field(
        default=10, ge=0, description="extra mirror connections a process may open under load (max_overflow)"
    )
    response_cache_poll_ms: int = Field(
        default=500,
        ge=0,
        description="how often the response cache re-reads the mirror's checkpoint: the most a cached answer trails the mirror",
    )

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment == "production":
            if self.database_url.startswith("sqlite"):
                raise ValueError("production needs COPYRIGHT_HUB_DATABASE_URL pointing at PostgreSQL, not SQLite")
            if "127.0.0.1" in self.siwe_domain or "localhost" in self.siwe_domain:
                raise ValueError("production needs COPYRIGHT_HUB_SIWE_DOMAIN set to the public host name")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
