"""A local, recording fake of Discord's REST API and gateway for end-to-end tests."""

from tests.adapters.discord.fake.server import FakeDiscord, Interaction, RateLimit

__all__ = ["FakeDiscord", "Interaction", "RateLimit"]
