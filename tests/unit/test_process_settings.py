from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.clock import FakeClock, RehearsalClock, SystemClock, real_time
from bot.startup import SettingsError
from config.settings import DEFAULT_DATABASE_URL, Settings, load_settings


def test_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COCREATE_CONFIG", raising=False)
    for name in ("DATABASE_URL", "DISCORD_TOKEN", "SLACK_BOT_TOKEN", "HTTP_PORT"):
        monkeypatch.delenv(name, raising=False)
    s = Settings()
    assert s.database_url == DEFAULT_DATABASE_URL
    assert s.sqlite_path() == "data/cocreate.sqlite3"
    assert not s.discord_enabled and not s.slack_enabled


def test_environment_beats_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text('log_level = "debug"\nhttp_port = 9000\ndiscord_guild_ids = ["1", "2"]\n')
    monkeypatch.setenv("HTTP_PORT", "9100")
    s = load_settings(str(toml))
    assert s.log_level == "DEBUG" and s.http_port == 9100 and s.discord_guild_ids == ["1", "2"]


def test_lists_from_comma_separated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_SHARD_IDS", "0, 1")
    assert Settings().discord_shard_ids == [0, 1]


def test_tokens_are_secret_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "super-secret-token")
    s = Settings()
    assert s.discord_enabled and "super-secret-token" not in repr(s)


def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "chatty")
    with pytest.raises(ValueError, match="LOG_LEVEL"):
        Settings()


def test_unsupported_database_url() -> None:
    with pytest.raises(ValueError, match="only SQLite"):
        Settings(database_url="mysql://x").sqlite_path()


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="was not found"):
        load_settings(str(tmp_path / "nope.toml"))


def test_example_config_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    example = Path(__file__).parents[2] / "config" / "cocreate.example.toml"
    monkeypatch.setenv("COCREATE_CONFIG", str(example))
    s = Settings()
    assert s.database_url == DEFAULT_DATABASE_URL and s.http_port == 8080


def test_public_url_defaults_to_the_servers_own_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    assert Settings(http_host="127.0.0.1", http_port=8080).public_base_url() == (
        "http://127.0.0.1:8080"
    )
    assert Settings(http_host="0.0.0.0").public_base_url(port=43210) == "http://127.0.0.1:43210"
    assert Settings(http_host="::1", http_port=8080).public_base_url() == "http://[::1]:8080"
    monkeypatch.setenv("PUBLIC_URL", "https://ideas.example.com/acme/")
    assert Settings().public_base_url(port=1) == "https://ideas.example.com/acme"
    monkeypatch.setenv("PUBLIC_URL", "ideas.example.com")
    with pytest.raises(SettingsError, match="PUBLIC_URL must start with http"):
        load_settings()


NAMED = (
    "HTTP_PORT",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "TIMEZONE",
    "DISCORD_SHARD_COUNT",
    "DATABASE_URL",
    "PUBLIC_URL",
)


@given(
    name=st.sampled_from(NAMED),
    value=st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
    ),
)
def test_any_invalid_setting_is_one_sentence_naming_it(name: str, value: str) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("COCREATE_CONFIG", raising=False)
        mp.setenv(name, value)
        try:
            load_settings()
        except SettingsError as exc:
            sentence = exc.sentence
        else:
            return
    assert sentence.startswith(name) and sentence.endswith(".")
    for pydantic_words in ("pydantic", "validation error", "input_value", "type=", "errors.pyd"):
        assert pydantic_words not in sentence.lower()
    if name == "DATABASE_URL":
        assert value not in sentence or value in "sqlite:///"  # a URL may carry a password


def test_the_rehearsal_clock_runs_ahead_and_alarms_ring_in_real_time() -> None:
    real = FakeClock()
    clock = RehearsalClock(real)
    assert clock.now() == real.now()
    clock.advance(timedelta(days=1))
    real.advance(timedelta(minutes=5))  # and it keeps running with real time
    assert clock.now() == real.now() + timedelta(days=1)
    due = clock.now() + timedelta(hours=2)
    assert real_time(clock, due) == real.now() + timedelta(hours=2)
    assert real_time(SystemClock(), due) == due
