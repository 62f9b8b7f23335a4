"""Runtime settings, read from the environment by entry points and passed down."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable about a running retaguarda (prefix `RETAGUARDA_`)."""

    model_config = SettingsConfigDict(env_prefix="RETAGUARDA_", extra="ignore")

    database_url: str = "sqlite:///./retaguarda.db"
    api_prefix: str = "/api/v1"
    bulk_max_items: int = 10_000
    sql_echo: bool = False
    # Time zone the web pages show instants in (IANA name).
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as UTC)") from None
        return value
