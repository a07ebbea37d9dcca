"""Process settings from environment variables and an optional TOML file.

Precedence: environment variables, then the TOML file named by ``COCREATE_CONFIG`` (or passed
with ``cocreate --config FILE``), then the defaults below. Nothing is read at import time:
``load_settings()`` builds a fresh object each time it is called.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_DATABASE_URL = "sqlite:///data/cocreate.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="sqlite:///relative/path, sqlite:////absolute/path or sqlite:///:memory:",
    )
    log_level: str = "INFO"
    log_format: str = Field(default="auto", description="auto (JSON unless a terminal), json, text")
    timezone: str = Field(default="UTC", description="default timezone for new communities")
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)

    discord_token: SecretStr | None = None
    discord_api_base_url: str | None = None
    discord_gateway_url: str | None = None
    discord_guild_ids: Annotated[list[str], NoDecode] = Field(default_factory=list)
    discord_shard_count: int | None = None
    discord_shard_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_base_url: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None

    @field_validator("discord_guild_ids", "discord_shard_ids", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return upper

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_path = os.environ.get("COCREATE_CONFIG")
        if toml_path:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml_path)))
        return tuple(sources)

    @property
    def discord_enabled(self) -> bool:
        return self.discord_token is not None and bool(self.discord_token.get_secret_value())

    @property
    def slack_enabled(self) -> bool:
        """Slack starts with a way to act (a bot token for one workspace, or OAuth client
        credentials for many) and a way to hear (a signing secret for HTTP events, or an app
        token for Socket Mode)."""

        def given(value: SecretStr | str | None) -> bool:
            raw = value.get_secret_value() if isinstance(value, SecretStr) else value
            return bool(raw and raw.strip())

        can_act = given(self.slack_bot_token) or (
            given(self.slack_client_id) and given(self.slack_client_secret)
        )
        can_hear = given(self.slack_signing_secret) or given(self.slack_app_token)
        return can_act and can_hear

    def sqlite_path(self) -> str:
        """The file path (or ``:memory:``) behind a ``sqlite:///`` DATABASE_URL."""
        url = self.database_url
        for prefix in ("sqlite+aiosqlite:///", "sqlite:///"):
            if url.startswith(prefix):
                return url[len(prefix) :] or ":memory:"
        raise ValueError(f"unsupported DATABASE_URL {url!r}: only sqlite:/// URLs are supported")


def load_settings(config_file: str | None = None, **overrides: Any) -> Settings:
    if config_file:
        if not Path(config_file).is_file():
            raise FileNotFoundError(f"config file not found: {config_file}")
        os.environ["COCREATE_CONFIG"] = config_file
    return Settings(**overrides)
