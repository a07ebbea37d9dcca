"""Process settings from environment variables and an optional TOML file.

Precedence: environment variables, then the TOML file named by ``COCREATE_CONFIG`` (or passed
with ``cocreate --config FILE``), then the defaults below. Nothing is read at import time:
``load_settings()`` builds a fresh object each time it is called.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.startup import SettingsError

DEFAULT_DATABASE_URL = "sqlite:///data/cocreate.sqlite3"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("auto", "json", "text")


_SQLITE_PREFIXES = ("sqlite+aiosqlite:///", "sqlite:///")


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
    # the operations side (/metrics, detailed /healthz): never behind the public proxy
    ops_host: str = "127.0.0.1"
    ops_port: int = Field(default=8081, ge=0, le=65535)
    public_url: str = Field(
        default="",
        description="the board's base URL as people reach it (behind a proxy); default: "
        "the HTTP server's own address",
    )

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
        upper = value.strip().upper()
        if upper not in LOG_LEVELS:
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return upper

    @field_validator("log_format")
    @classmethod
    def _format(cls, value: str) -> str:
        lower = value.strip().lower()
        if lower not in LOG_FORMATS:
            raise ValueError("LOG_FORMAT must be auto, json or text")
        return lower

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                "TIMEZONE must be a time zone name such as Europe/Berlin or UTC"
            ) from None
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(_SQLITE_PREFIXES):
            raise ValueError(
                "DATABASE_URL must be a sqlite:/// URL (only SQLite is supported), "
                "e.g. sqlite:///data/cocreate.sqlite3"
            )
        return value

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

    def public_base_url(self, port: int | None = None) -> str:
        """Where people reach the bot's web pages: ``PUBLIC_URL`` when set, else the HTTP
        server's own address (``port``: the one it actually listens on, when HTTP_PORT is 0)."""
        if self.public_url.strip():
            return self.public_url.strip().rstrip("/")
        host = self.http_host
        if host in ("", "0.0.0.0", "::"):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.http_port if port is None else port}"

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        text = value.strip()
        if text and not text.startswith(("http://", "https://")):
            raise ValueError(
                "PUBLIC_URL must start with http:// or https://, e.g. https://ideas.example.com"
            )
        return text

    def sqlite_path(self) -> str:
        """The file path (or ``:memory:``) behind a ``sqlite:///`` DATABASE_URL."""
        url = self.database_url
        for prefix in _SQLITE_PREFIXES:
            if url.startswith(prefix):
                return url[len(prefix) :] or ":memory:"
        raise ValueError(f"unsupported DATABASE_URL {url!r}: only sqlite:/// URLs are supported")


def load_settings(config_file: str | None = None, **overrides: Any) -> Settings:
    """The process settings; anything wrong is a ``SettingsError`` whose sentence names it."""
    if config_file:
        if not Path(config_file).is_file():
            raise SettingsError(f"The config file {config_file} was not found.")
        os.environ["COCREATE_CONFIG"] = config_file
    where = os.environ.get("COCREATE_CONFIG")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(explain(exc)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"The config file {where} is not valid TOML ({exc}).") from exc
    except OSError as exc:
        raise SettingsError(
            f"The config file {where} cannot be read ({exc.strerror or exc})."
        ) from exc


#: pydantic's error types, as what the value must be
_MUST_BE = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_parsing": "true or false",
    "string_type": "text",
    "list_type": "a comma-separated list",
    "json_invalid": "a comma-separated list",
}


def explain(exc: ValidationError) -> str:
    """One sentence about the first invalid setting (and how many more there are), naming it as
    the environment variable an operator sets; never pydantic's own wording, never a secret."""
    errors = exc.errors()
    first = errors[0]
    field = str(first["loc"][0]) if first["loc"] else "?"
    name = field.upper()
    kind = first["type"]
    ctx = first.get("ctx") or {}
    if kind == "value_error":
        sentence = str(ctx.get("error", "")) or f"{name} has a value Cocreate cannot use"
    elif kind in ("greater_than_equal", "greater_than"):
        sentence = f"{name} must be at least {ctx.get('ge', ctx.get('gt'))}"
    elif kind in ("less_than_equal", "less_than"):
        sentence = f"{name} must be at most {ctx.get('le', ctx.get('lt'))}"
    elif kind in _MUST_BE:
        sentence = f"{name} must be {_MUST_BE[kind]}"
    else:
        sentence = f"{name} has a value Cocreate cannot use"
    # secrets and URLs (which can carry a password) are never echoed
    quiet = "token" in field or "secret" in field or field.endswith("_url")
    value = first.get("input")
    if not quiet and isinstance(value, str | int) and kind != "missing":
        sentence += f' (it is "{value}")'
    more = len({str(e["loc"][0]) for e in errors if e["loc"]} - {field})
    if more:
        verb = "is" if more == 1 else "are"
        sentence += f", and {more} more setting{'s' * (more != 1)} {verb} invalid"
    return sentence + "."
