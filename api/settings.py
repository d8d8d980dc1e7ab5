"""The API's settings: one class, safe embedded defaults, environment variables with prefix
``COPYRIGHT_HUB_`` (for example ``COPYRIGHT_HUB_RPC_URL``, ``COPYRIGHT_HUB_DATABASE_URL``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from client_sdk._config import DEFAULT_RPC_URL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COPYRIGHT_HUB_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    rpc_url: str = DEFAULT_RPC_URL
    database_url: str = Field(default="sqlite:///var/hub.sqlite3", description="SQLAlchemy URL of the mirror")
    deployments_dir: Path = Path("deployments")
    content_dir: Path = Field(default=Path("var/content"), description="local content block store")
    kubo_api_url: str | None = Field(default=None, description="a kubo node's RPC URL; replaces the local store")
    siwe_domain: str = Field(default="localhost:8000", description="the domain SIWE sign-in messages must name")
    cors_origins: list[str] = []


@lru_cache
def get_settings() -> Settings:
    return Settings()
