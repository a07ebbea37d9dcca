from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bot.http import HealthReport, HttpServer, probe
from bot.metrics import Metrics

HealthFn = Callable[[], Awaitable[HealthReport]]


def _health(**checks: bool) -> HealthFn:
    async def health() -> HealthReport:
        return HealthReport(checks=dict(checks))

    return health


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
async def make_server(metrics: Metrics) -> AsyncIterator[Callable[[HealthFn], HttpServer]]:
    servers: list[HttpServer] = []

    def make(health: HealthFn, **kwargs: float) -> HttpServer:
        server = HttpServer("127.0.0.1", 0, health, metrics, ops_port=0, **kwargs)
        servers.append(server)
        return server

    yield make
    for server in servers:
        await server.stop()


def _url(server: HttpServer, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


def _ops(server: HttpServer, path: str) -> str:
    """The operations side: /metrics and the detailed /healthz."""
    return f"http://127.0.0.1:{server.ops_port}{path}"


def test_health_report_ok_only_when_every_check_passes() -> None:
    assert HealthReport({"db": True, "scheduler": True}).ok
    assert not HealthReport({"db": True, "scheduler": False}).ok
    assert HealthReport({"a": False, "b": True, "c": False}).failing == ["a", "c"]


async def test_start_binds_an_ephemeral_port(make_server: Callable[[HealthFn], HttpServer]) -> None:
    server = make_server(_health(db=True))
    await server.start()
    assert server.port > 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=2):
        pass


async def test_healthz_200_when_all_checks_pass(
    make_server: Callable[[HealthFn], HttpServer],
) -> None:
    server = make_server(_health(db=True, scheduler=True))
    await server.start()
    async with aiohttp.ClientSession() as session:
        async with session.get(_ops(server, "/healthz")) as resp:
            assert resp.status == 200
            assert await resp.json() == {"status": "ok", "checks": {"db": True, "scheduler": True}}
        async with session.get(_url(server, "/healthz")) as resp:  # the public side: up or not
            assert resp.status == 200
            assert await resp.json() == {"status": "ok"}


async def test_healthz_503_names_failing_checks(
    make_server: Callable[[HealthFn], HttpServer],
) -> None:
    server = make_server(_health(db=True, discord=False))
    await server.start()
    async with aiohttp.ClientSession() as session:
        async with session.get(_ops(server, "/healthz")) as resp:
            assert resp.status == 503
            body = await resp.json()
        async with session.get(_url(server, "/healthz")) as resp:  # no names on the public side
            assert resp.status == 503
            assert await resp.json() == {"status": "fail"}
    assert body["status"] == "fail"
    assert body["failing"] == ["discord"]
    assert body["checks"] == {"db": True, "discord": False}


async def test_healthz_503_when_the_check_raises(
    make_server: Callable[[HealthFn], HttpServer],
) -> None:
    async def broken() -> HealthReport:
        raise ConnectionError("database is locked")

    server = make_server(broken)
    await server.start()
    async with aiohttp.ClientSession() as session, session.get(_ops(server, "/healthz")) as resp:
        assert resp.status == 503
        assert (await resp.json())["error"] == "ConnectionError"


async def test_healthz_503_when_the_check_hangs(make_server: Callable[..., HttpServer]) -> None:
    async def hangs() -> HealthReport:
        await asyncio.sleep(30)
        return HealthReport({})

    server = make_server(hangs, health_timeout=0.1)
    await server.start()
    assert not await probe(_url(server, "/healthz"), timeout=5)


async def test_metrics_endpoint_serves_the_registry(
    make_server: Callable[[HealthFn], HttpServer], metrics: Metrics
) -> None:
    server = make_server(_health())
    await server.start()
    metrics.inc("votes_total", outcome="recorded")
    async with aiohttp.ClientSession() as session, session.get(_ops(server, "/metrics")) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        text = await resp.text()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families["cocreate_votes"].type == "counter"
    samples = [(s.name, s.labels, s.value) for s in families["cocreate_votes"].samples]
    assert samples == [("cocreate_votes_total", {"outcome": "recorded"}, 1.0)]
    assert text == generate_latest(metrics.registry).decode()


async def test_two_servers_in_one_process_count_separately() -> None:
    first, second = Metrics(), Metrics()
    servers = [HttpServer("127.0.0.1", 0, _health(), m, ops_port=0) for m in (first, second)]
    first.inc("events_handled_total", type="command", outcome="ok")
    try:
        for server in servers:
            await server.start()
        counts = []
        async with aiohttp.ClientSession() as session:
            for server in servers:
                async with session.get(_ops(server, "/metrics")) as resp:
                    text = await resp.text()
                counts.append(
                    sum(
                        s.value
                        for f in text_string_to_metric_families(text)
                        for s in f.samples
                        if s.name == "cocreate_events_handled_total"
                    )
                )
        assert counts == [1.0, 0.0]
    finally:
        for server in servers:
            await server.stop()


async def test_routes_added_before_start_are_served(
    make_server: Callable[[HealthFn], HttpServer],
) -> None:
    async def slack_events(request: web.Request) -> web.Response:
        return web.json_response({"echo": await request.json()})

    server = make_server(_health())
    server.add_routes([web.post("/slack/events", slack_events)])
    await server.start()
    async with (
        aiohttp.ClientSession() as session,
        session.post(_url(server, "/slack/events"), json={"type": "url_verification"}) as resp,
    ):
        assert resp.status == 200
        assert await resp.json() == {"echo": {"type": "url_verification"}}


async def test_routes_cannot_be_added_after_start(
    make_server: Callable[[HealthFn], HttpServer],
) -> None:
    server = make_server(_health())
    await server.start()
    with pytest.raises(RuntimeError, match="before"):
        server.add_routes([web.get("/late", lambda _: web.Response())])


async def test_stop_releases_the_port(make_server: Callable[[HealthFn], HttpServer]) -> None:
    server = make_server(_health(db=True))
    await server.start()
    url = _url(server, "/healthz")
    assert await probe(url)
    await server.stop()
    assert not await probe(url, timeout=2)
    await server.stop()  # a second stop is harmless


async def test_probe_is_false_on_non_200_and_unreachable(
    make_server: Callable[[HealthFn], HttpServer],
) -> None:
    server = make_server(_health(db=False))
    await server.start()
    assert not await probe(_url(server, "/healthz"))
    assert not await probe(_url(server, "/missing"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free_port = sock.getsockname()[1]
    assert not await probe(f"http://127.0.0.1:{free_port}/healthz", timeout=2)
