"""What the fake hands back to tests: interactions with their answers, and injected 429s."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.adapters.discord.fake.model import Json, StoredMessage
from tests.adapters.discord.fake.rest import json_response

WAIT = 10.0


@dataclass
class RateLimit:
    method: str
    pattern: str
    times: int
    retry_after: float

    def hits(self, method: str, path: str) -> bool:
        if self.times > 0 and method == self.method and re.search(self.pattern, path):
            self.times -= 1
            return True
        return False

    def response(self) -> web.Response:
        headers = {
            "Via": "1.1 google",  # discord.py treats a 429 without it as a Cloudflare ban
            "Retry-After": str(self.retry_after),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": str(self.retry_after),
            "X-RateLimit-Bucket": "fake-bucket",
            "X-RateLimit-Scope": "user",
        }
        body = {"message": "You are being rate limited.", "retry_after": self.retry_after}
        return json_response(dict(body, **{"global": False}), status=429, headers=headers)


@dataclass
class Interaction:
    """One interaction the fake sent, and everything the bot answered to it."""

    id: str
    token: str
    channel_id: str
    dispatched_at: float
    message_id: str | None = None
    callback: Json | None = None
    callback_at: float | None = None
    original: StoredMessage | None = None
    ephemeral: bool = False
    followups: list[StoredMessage] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def kind(self) -> int | None:
        return None if self.callback is None else int(self.callback["type"])

    async def until(self, done: Any, within: float = WAIT) -> None:
        deadline = time.monotonic() + within
        while not done(self):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"the bot never finished answering interaction {self.id}"
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except TimeoutError:
                continue

    async def answered(self) -> Interaction:
        """Wait for the final answer: a message, a form, choices, or a deferral's follow-up."""

        def final(i: Interaction) -> bool:
            if i.kind is None:
                return False
            if i.kind == 5:
                return i.original is not None and (i.original.edits > 0 or bool(i.followups))
            return True

        await self.until(final)
        return self

    @property
    def text(self) -> str:
        """Everything the member sees in answer: content and embed text."""
        parts: list[str] = []
        for message in [self.original, *self.followups]:
            if message is not None:
                parts.append(message.content)
                for embed in message.embeds:
                    parts.extend(str(embed.get(k, "")) for k in ("title", "description"))
                    parts.extend(f"{f['name']}: {f['value']}" for f in embed.get("fields", []))
        if self.callback and self.kind == 8:
            parts.extend(c["name"] for c in self.callback["data"]["choices"])
        return "\n".join(p for p in parts if p)

    @property
    def choices(self) -> list[Json]:
        assert self.kind == 8, f"not an autocomplete answer: {self.callback}"
        return list(self.callback["data"]["choices"])  # type: ignore[index]

    @property
    def form(self) -> Json:
        assert self.kind == 9, f"not a form: {self.callback}"
        return dict(self.callback["data"])  # type: ignore[index]
