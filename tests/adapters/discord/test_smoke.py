from __future__ import annotations

from tests.adapters.discord.conftest import Bot


async def test_connects_and_answers_help(bot: Bot) -> None:
    fake = bot.fake
    assert bot.adapter.connected
    alice = fake.member("Alice")
    answer = await (await fake.slash(alice, "cocreate help")).answered()
    assert "Cocreate" in answer.text


async def test_the_client_reads_the_gateway_as_zlib_stream_like_discord_sends_it(bot: Bot) -> None:
    """discord.py asks for compress=zlib-stream; the fake then sends only compressed binary
    frames, so a connected client has decoded READY and GUILD_CREATE from that stream."""
    assert bot.fake.gateway.compressed_connections == 1
    assert bot.adapter.connected
    assert bot.adapter.client.get_guild(int(bot.fake.guild_id)) is not None
