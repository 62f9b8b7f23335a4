"""Runtime settings, read from the environment by entry points and passed down."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable about a running retaguarda (prefix `RETAGUARDA_`)."""

    model_config = SettingsConfigDict(env_prefix="RETAGUARDA_", extra="ignore")

    database_url: str = "sqlite:///./retaguarda.db"
    api_prefix: str = "/api/v1"
    bulk_max_items: int = 10_000
    sql_echo: bool = False
