"""The fake gateway: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, dispatches, RESUME.

A client that connects with ``compress=zlib-stream`` (discord.py does) gets what Discord sends
it: one zlib stream per connection, each message compressed and ended with a sync flush
(``00 00 ff ff``), in binary frames; a client that does not ask gets plain text frames.

Every dispatch of a session is kept with its sequence number, as Discord does, so a RESUME can
replay what the client missed; ``replay_from`` makes it replay from an earlier point, to stand
for a proxy or a network that delivers events twice.
"""

from __future__ import annotations

import asyncio
import json
import uuid
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from tests.adapters.discord.fake.server import FakeDiscord

HELLO, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, INVALID_SESSION, HEARTBEAT_ACK = (
    10,
    1,
    2,
    6,
    7,
    9,
    11,
)


@dataclass
class Session:
    id: str
    shard: tuple[int, int]
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    socket: web.WebSocketResponse | None = None


class Gateway:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sessions: dict[str, Session] = {}
        self.identifies = 0
        self.resumes: list[tuple[str, int]] = []
        #: if set, the next RESUME replays from this sequence number instead of the client's
        self.replay_from: int | None = None
        self.ready = asyncio.Event()
        #: how many dispatches RESUMEs sent again
        self.replayed = 0
        #: connections that asked for zlib-stream compression, and each one's stream
        self.compressed_connections = 0
        self._streams: dict[int, Any] = {}

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        if request.query.get("compress") == "zlib-stream":
            self.compressed_connections += 1
            self._streams[id(ws)] = zlib.compressobj()
        session: Session | None = None
        try:
            await self.write(
                ws, {"op": HELLO, "d": {"heartbeat_interval": 45000}, "s": None, "t": None}
            )
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op, data = frame.get("op"), frame.get("d")
                if op == HEARTBEAT:
                    await self.write(ws, {"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
                elif op == IDENTIFY:
                    session = await self._identify(ws, data)
                elif op == RESUME:
                    session = await self._resume(ws, data)
        finally:
            self._streams.pop(id(ws), None)
            if session is not None and session.socket is ws:
                session.socket = None
        return ws

    async def write(self, ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        """One gateway message: a text frame, or the next piece of the connection's zlib stream."""
        stream = self._streams.get(id(ws))
        if stream is None:
            await ws.send_json(frame)
            return
        raw = json.dumps(frame).encode()
        await ws.send_bytes(stream.compress(raw) + stream.flush(zlib.Z_SYNC_FLUSH))

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session:
        assert data["token"] == self.fake.token, "IDENTIFY with the wrong token"
        self.identifies += 1
        self.fake.intents.append(int(data["intents"]))
        shard = tuple(data.get("shard") or (0, 1))
        session = Session(uuid.uuid4().hex, (int(shard[0]), int(shard[1])), socket=ws)
        self.sessions[session.id] = session
        ready = {
            "v": 10,
            "user": self.fake.bot.json(),
            "guilds": [{"id": self.fake.guild_id, "unavailable": True}],
            "session_id": session.id,
            "resume_gateway_url": self.fake.gateway_url,
            "shard": list(session.shard),
            "application": {"id": self.fake.application_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "session_type": "normal",
        }
        await self._send(session, "READY", ready)
        if self.fake.shard_of(self.fake.guild_id, session.shard[1]) == session.shard[0]:
            await self._send(session, "GUILD_CREATE", self.fake.guild_json())
        self.ready.set()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        session = self.sessions.get(data.get("session_id", ""))
        if session is None:
            await self.write(ws, {"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return None
        self.resumes.append((session.id, int(data["seq"])))
        start = self.replay_from if self.replay_from is not None else int(data["seq"])
        self.replay_from = None
        session.socket = ws
        for frame in [f for f in session.log if f["s"] > start]:
            self.replayed += 1
            await self.write(ws, frame)
        await self._send(session, "RESUMED", {})
        return session

    async def _send(self, session: Session, event: str, data: dict[str, Any]) -> int:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.log.append(frame)
        if session.socket is not None and not session.socket.closed:
            await self.write(session.socket, frame)
        return session.seq

    def live(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.socket is not None]

    async def dispatch(self, event: str, data: dict[str, Any], guild_id: str | None = None) -> int:
        """Send to the session that holds ``guild_id``'s shard (the newest one); returns its
        sequence number. With the client away the event waits in the log for a RESUME."""
        target = self._session_for(guild_id or self.fake.guild_id)
        assert target is not None, "no gateway session to dispatch to"
        return await self._send(target, event, data)

    async def redeliver(self, seq: int, guild_id: str | None = None) -> None:
        """Send an earlier dispatch again with its own sequence number, as a proxy or a
        network that delivers twice would."""
        target = self._session_for(guild_id or self.fake.guild_id)
        assert target is not None and target.socket is not None, "no live gateway session"
        frame = target.log[seq - 1]  # every dispatch of a session is logged, numbered from 1
        assert frame["s"] == seq
        await self.write(target.socket, frame)

    def _session_for(self, guild_id: str) -> Session | None:
        candidates = [
            s
            for s in self.sessions.values()
            if self.fake.shard_of(guild_id, s.shard[1]) == s.shard[0]
        ]
        live = [s for s in candidates if s.socket is not None]
        return (live or candidates or [None])[-1]

    async def reconnect(self) -> None:
        """Ask the client to reconnect (op 7): discord.py closes and RESUMEs."""
        for session in self.live():
            assert session.socket is not None
            await self.write(session.socket, {"op": RECONNECT, "d": None, "s": None, "t": None})
