"""The HTTP server faces the internet: security headers on every response (errors and 404s
included), nothing operational on the public port, and rate limits that answer 429."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from bot.http import (
    CONTENT_SECURITY_POLICY,
    HealthReport,
    HttpServer,
    WebLimit,
    client_address,
)
from bot.metrics import Metrics
from bot.ratelimit import Rate
from bot.startup import PortUnavailable


async def _healthy() -> HealthReport:
    return HealthReport({"storage": True})


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def _boom(request: web.Request) -> web.Response:
    raise RuntimeError("a handler that fails")


async def _page(request: web.Request) -> web.Response:
    return web.Response(text="<p>ok</p>", content_type="text/html")


async def _redirect(request: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/board/x")


async def _own_referrer(request: web.Request) -> web.Response:
    return web.Response(text="x", headers={"Referrer-Policy": "same-origin"})


ROUTES = [
    web.get("/board/x", _page),
    web.get("/board/boom", _boom),
    web.post("/board/go", _redirect),
    web.get("/board/own", _own_referrer),
    web.get("/dashboard/signin/{token}", _page),
    web.post("/dashboard/c/act", _page),
]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[HttpServer]]]:
    servers: list[HttpServer] = []

    async def start(**kwargs: Any) -> HttpServer:
        kwargs.setdefault("ops_port", 0)
        server = HttpServer("127.0.0.1", 0, _healthy, Metrics(), **kwargs)
        server.add_routes(ROUTES)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()


async def _fetch(method: str, url: str, **kwargs: Any) -> tuple[int, dict[str, str], str]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, allow_redirects=False, **kwargs) as resp,
    ):
        return resp.status, dict(resp.headers), await resp.text()


def _assert_secure(headers: dict[str, str], *, referrer: str) -> None:
    csp = headers["Content-Security-Policy"]
    assert csp == CONTENT_SECURITY_POLICY
    assert "script-src" not in csp and "'unsafe-inline'" not in csp  # default-src 'none' holds
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == referrer
    assert headers["Server"] == "cocreate"  # no library versions advertised


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/healthz", 200),
        ("GET", "/board/x", 200),
        ("HEAD", "/board/x", 200),
        ("GET", "/no/such/page", 404),
        ("GET", "/board/boom", 500),
        ("POST", "/board/go", 303),
        ("PUT", "/board/x", 405),
        ("GET", "/metrics", 404),
    ],
)
async def test_every_public_response_carries_the_security_headers(
    serve: Callable[..., Awaitable[HttpServer]], method: str, path: str, status: int
) -> None:
    server = await serve()
    got, headers, _ = await _fetch(method, f"http://127.0.0.1:{server.port}{path}")
    assert got == status
    _assert_secure(headers, referrer="strict-origin-when-cross-origin")
    assert "Strict-Transport-Security" not in headers  # plain http: no HSTS


@pytest.mark.parametrize("path", ["/metrics", "/healthz", "/nothing"])
async def test_the_operations_side_carries_them_too(
    serve: Callable[..., Awaitable[HttpServer]], path: str
) -> None:
    server = await serve()
    _, headers, _ = await _fetch("GET", f"http://127.0.0.1:{server.ops_port}{path}")
    _assert_secure(headers, referrer="strict-origin-when-cross-origin")


async def test_sign_in_pages_send_no_referrer_and_a_handler_may_choose_its_own(
    serve: Callable[..., Awaitable[HttpServer]],
) -> None:
    server = await serve()
    base = f"http://127.0.0.1:{server.port}"
    _, headers, _ = await _fetch("GET", f"{base}/dashboard/signin/secret-token")
    _assert_secure(headers, referrer="no-referrer")
    _, headers, _ = await _fetch("GET", f"{base}/board/own")
    assert headers["Referrer-Policy"] == "same-origin"


async def test_hsts_only_when_the_public_url_is_https(
    serve: Callable[..., Awaitable[HttpServer]],
) -> None:
    https = await serve(public_url="https://ideas.example.com")
    plain = await serve(public_url="http://127.0.0.1:8080")
    for path in ("/board/x", "/nope"):
        _, headers, _ = await _fetch("GET", f"http://127.0.0.1:{https.port}{path}")
        assert headers["Strict-Transport-Security"] == "max-age=31536000"
        _, headers, _ = await _fetch("GET", f"http://127.0.0.1:{plain.port}{path}")
        assert "Strict-Transport-Security" not in headers


async def test_metrics_are_served_only_on_the_operations_port(
    serve: Callable[..., Awaitable[HttpServer]],
) -> None:
    server = await serve()
    assert server.ops_host == "127.0.0.1"  # loopback unless OPS_HOST says otherwise
    assert server.ops_port != server.port
    status, _, _ = await _fetch("GET", f"http://127.0.0.1:{server.port}/metrics")
    assert status == 404
    status, _, text = await _fetch("GET", f"http://127.0.0.1:{server.ops_port}/metrics")
    assert status == 200 and "# TYPE" in text
    # and nothing public is routed on the operations side
    status, _, _ = await _fetch("GET", f"http://127.0.0.1:{server.ops_port}/board/x")
    assert status == 404


async def test_without_an_operations_port_there_is_no_metrics_listener(
    serve: Callable[..., Awaitable[HttpServer]],
) -> None:
    server = await serve(ops_port=None)
    assert server.ops_port is None
    status, _, _ = await _fetch("GET", f"http://127.0.0.1:{server.port}/metrics")
    assert status == 404


async def test_an_operations_port_in_use_names_its_setting() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = HttpServer("127.0.0.1", 0, _healthy, Metrics(), ops_port=port)
        with pytest.raises(PortUnavailable, match=f"port {port} .* in use .*set OPS_PORT"):
            await server.start()
    assert not server.started  # the public listener it had opened is closed again


# -- rate limits ---------------------------------------------------------------------------------
async def test_sign_in_links_are_limited_per_client_with_retry_after(
    serve: Callable[..., Awaitable[HttpServer]],
) -> None:
    ticks = Ticks()
    limit = WebLimit("sign-in", "/dashboard/signin/", frozenset({"GET"}), Rate(3, 600))
    server = await serve(limits=[limit], limit_clock=ticks)
    url = f"http://127.0.0.1:{server.port}/dashboard/signin/guess"
    statuses = [(await _fetch("GET", url))[0] for _ in range(3)]
    assert statuses == [200, 200, 200]
    status, headers, body = await _fetch("GET", url)
    assert status == 429
    assert headers["Retry-After"] == "600"
    assert headers["Content-Type"].startswith("text/html")
    assert headers["Cache-Control"] == "no-store"
    assert "Please wait 10 minutes and try again." in body
    _assert_secure(headers, referrer="no-referrer")
    # another client (behind the same local proxy) is not affected
    other = {"X-Forwarded-For": "203.0.113.7"}
    assert (await _fetch("GET", url, headers=other))[0] == 200
    # other pages are not limited
    assert (await _fetch("GET", f"http://127.0.0.1:{server.port}/board/x"))[0] == 200
    ticks.now += 599
    status, headers, body = await _fetch("GET", url)
    assert status == 429 and headers["Retry-After"] == "1" and "wait a minute" in body
    ticks.now += 1
    assert (await _fetch("GET", url))[0] == 200


async def test_actions_are_limited_per_session_across_addresses(
    serve: Callable[..., Awaitable[HttpServer]],
) -> None:
    limit = WebLimit("action", "/dashboard/", frozenset({"POST"}), Rate(2, 60), "sid")
    server = await serve(limits=[limit], limit_clock=Ticks())
    url = f"http://127.0.0.1:{server.port}/dashboard/c/act"

    async def post(address: str, session: str) -> int:
        headers = {"X-Forwarded-For": address, "Cookie": f"sid={session}"}
        return (await _fetch("POST", url, headers=headers))[0]

    # one session hopping addresses is still one session
    assert [await post(f"198.51.100.{i}", "s1") for i in range(1, 4)] == [200, 200, 429]
    # one address with fresh sessions is still one address
    assert [await post("198.51.100.9", f"s{i}") for i in range(2, 5)] == [200, 200, 429]
    # GETs are not actions
    assert (await _fetch("GET", url))[0] == 405


def test_the_client_address_is_the_proxys_last_hop_only_behind_a_local_proxy() -> None:
    def request(peer: str, forwarded: str | None) -> web.Request:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        req = make_mocked_request("GET", "/", headers=headers)
        return req.clone(remote=peer)

    # a direct client cannot choose its address with a header
    assert client_address(request("198.51.100.1", "10.0.0.1")) == "198.51.100.1"
    # behind a proxy on loopback or a private network: what the proxy appended (the last hop);
    # whatever the client itself put in front is ignored
    assert client_address(request("127.0.0.1", "1.2.3.4, 203.0.113.9")) == "203.0.113.9"
    assert client_address(request("10.1.2.3", "203.0.113.10")) == "203.0.113.10"
    assert client_address(request("127.0.0.1", None)) == "127.0.0.1"


def test_the_default_limits_cover_the_dashboards_routes() -> None:
    """The limits name the dashboard's paths and cookie: kept in step with adapters/web."""
    from adapters.web.dashboard import COOKIE
    from bot.http import ACTION_LIMIT, DEFAULT_LIMITS, SIGN_IN_LIMIT

    assert ACTION_LIMIT.session_cookie == COOKIE
    assert DEFAULT_LIMITS[0] is SIGN_IN_LIMIT  # the first match counts: sign-in before actions
    assert SIGN_IN_LIMIT.matches("POST", "/dashboard/signin/abc")
    assert SIGN_IN_LIMIT.matches("GET", "/dashboard/signin/abc")
    assert ACTION_LIMIT.matches("POST", "/dashboard/console-x/ideas/status")
    assert not ACTION_LIMIT.matches("GET", "/dashboard/console-x/ideas")
    assert not any(limit.matches("GET", "/board/console-x/") for limit in DEFAULT_LIMITS)


async def test_a_request_counts_against_the_first_limit_it_matches_only(
    serve: Callable[..., Awaitable[HttpServer]],
) -> None:
    sign_in = WebLimit("sign-in", "/dashboard/signin/", frozenset({"GET"}), Rate(5, 60))
    everything = WebLimit("all", "/", frozenset({"GET"}), Rate(2, 60))
    server = await serve(limits=[sign_in, everything], limit_clock=Ticks())
    base = f"http://127.0.0.1:{server.port}"
    for _ in range(4):
        assert (await _fetch("GET", f"{base}/dashboard/signin/t"))[0] == 200
    # the sign-in pages used none of the other limit's two
    assert [(await _fetch("GET", f"{base}/board/x"))[0] for _ in range(3)] == [200, 200, 429]


async def test_a_rate_limited_sign_in_link_is_logged_without_its_token(
    serve: Callable[..., Awaitable[HttpServer]], caplog: pytest.LogCaptureFixture
) -> None:
    limit = WebLimit("sign-in", "/dashboard/signin/", frozenset({"GET"}), Rate(1, 600))
    server = await serve(limits=[limit], limit_clock=Ticks())
    url = f"http://127.0.0.1:{server.port}/dashboard/signin/s3cr3t-token"
    await _fetch("GET", url)
    with caplog.at_level("INFO"):
        assert (await _fetch("GET", url))[0] == 429
    limited = [r for r in caplog.records if r.getMessage() == "rate limited"]
    assert limited and getattr(limited[0], "path", None) == "/dashboard/signin/(hidden)"
    assert "s3cr3t-token" not in caplog.text
