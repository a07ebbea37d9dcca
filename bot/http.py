"""The bot's own web server: a public side and an operations side.

One aiohttp application per side, both in the process's event loop:

- the **public** listener (``HTTP_HOST:HTTP_PORT``) is what a reverse proxy forwards to: the
  board and the dashboard, Slack's ``/slack/events``, and a bare ``/healthz`` (status only) for
  a load balancer;
- the **operations** listener (``OPS_HOST:OPS_PORT``, loopback by default) serves ``/metrics``
  and the detailed ``/healthz`` (which checks pass). Nothing operational is routed on the
  public side, so no proxy rule can expose it by mistake.

Every response of either side carries the security headers (a Content-Security-Policy without
inline script, nosniff, no framing, a Referrer-Policy; HSTS when ``PUBLIC_URL`` is https),
errors and 404s included. Sign-in links and moderator actions are rate-limited per client
address and per session (:class:`WebLimit`), answered with a plain 429 page and Retry-After.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import html
import ipaddress
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web
from aiohttp.web_log import AccessLogger
from prometheus_client import generate_latest

from bot.metrics import CONTENT_TYPE, Metrics
from bot.ratelimit import Decision, Rate, RateLimiter
from bot.startup import PortUnavailable

log = logging.getLogger(__name__)

# Probed every few seconds by the runtime and the scraper; logging each hit would drown the rest.
QUIET_PATHS = frozenset({"/healthz", "/metrics"})
# Paths that end in a secret (the dashboard's sign-in links): logged without it.
SECRET_PREFIXES = ("/dashboard/signin/",)


def loggable_path(path: str) -> str:
    """``path`` as logs may show it: a sign-in link's token is left out."""
    for prefix in SECRET_PREFIXES:
        if path.startswith(prefix):
            return prefix + "(hidden)"
    return path


# No inline script or style anywhere (templates link /static/ files; charts are SVG elements with
# presentation attributes), nothing from another origin, no framing, forms post only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
# A sign-in link is a secret in the URL: its page must not leak it to anything it links to.
SIGN_IN_PREFIX = "/dashboard/signin/"
HSTS = "max-age=31536000"
SERVER = "cocreate"


def security_headers(path: str, *, https: bool) -> dict[str, str]:
    """The headers every response carries (a handler's own Referrer-Policy wins)."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": (
            "no-referrer" if path.startswith(SIGN_IN_PREFIX) else "strict-origin-when-cross-origin"
        ),
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if https:
        headers["Strict-Transport-Security"] = HSTS
    return headers


@dataclass(frozen=True)
class WebLimit:
    """At most ``rate`` requests matching ``methods`` under ``prefix``, per client address and,
    when the request carries the cookie named ``session_cookie``, per session too."""

    name: str
    prefix: str
    methods: frozenset[str]
    rate: Rate
    session_cookie: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return method in self.methods and path.startswith(self.prefix)


# Opening and using sign-in links (a page and its button each): a moderator needs a few, guessing
# needs millions. The first limit a request matches is the one that counts it.
SIGN_IN_LIMIT = WebLimit("sign-in", SIGN_IN_PREFIX, frozenset({"GET", "POST"}), Rate(20, 600))
# Moderator actions: a busy moderator triages a few a minute; a script is stopped at 30.
ACTION_LIMIT = WebLimit(
    "dashboard action", "/dashboard/", frozenset({"POST"}), Rate(30, 60), "cocreate_session"
)
DEFAULT_LIMITS: tuple[WebLimit, ...] = (SIGN_IN_LIMIT, ACTION_LIMIT)


# Where a reverse proxy in front of the bot sits: this machine, or a private network (RFC 1918,
# unique-local IPv6). Spelled out: ipaddress's is_private also counts documentation ranges.
PROXY_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def client_address(request: web.BaseRequest) -> str:
    """The address to limit: the peer, or, when the peer is a proxy on this machine or a private
    network, the address that proxy appended last to X-Forwarded-For (a client can prepend
    anything to that header, but the last entry is written by the proxy itself)."""
    peer = request.remote or ""
    try:
        ip = ipaddress.ip_address(peer)
    except ValueError:
        return peer
    if ip.is_loopback or any(ip in net for net in PROXY_NETWORKS):
        forwarded = request.headers.getall("X-Forwarded-For", [])
        hops = [hop.strip() for value in forwarded for hop in value.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return peer


@dataclass
class _Limiters:
    limits: Sequence[WebLimit]
    now: Callable[[], float] | None
    by_name: dict[str, RateLimiter] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for limit in self.limits:
            if self.now is None:
                self.by_name[limit.name] = RateLimiter(limit.rate)
            else:
                self.by_name[limit.name] = RateLimiter(limit.rate, self.now)

    def check(self, request: web.Request) -> tuple[WebLimit, Decision] | None:
        """The first limit that matches the request decides: over it, the refusal (nothing
        recorded); else the request is recorded against it."""
        for limit in self.limits:
            if not limit.matches(request.method, request.path):
                continue
            limiter = self.by_name[limit.name]
            keys: list[tuple[str, str]] = [("address", client_address(request))]
            session = request.cookies.get(limit.session_cookie) if limit.session_cookie else None
            if session:
                keys.append(("session", hashlib.sha256(session.encode()).hexdigest()))
            decisions = [limiter.peek(key) for key in keys]
            refused = [d for d in decisions if not d.allowed]
            if refused:
                return limit, max(refused, key=lambda d: d.retry_after)
            for key in keys:
                limiter.record(key)
            return None
        return None


def too_many_requests(decision: Decision) -> web.Response:
    minutes = decision.retry_after_minutes
    wait = "a minute" if minutes <= 1 else f"{minutes} minutes"
    body = (
        '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Too many requests</title></head>\n<body><main>"
        "<h1>Too many requests</h1>"
        f"<p>That was a lot of requests in a short time. Please wait {html.escape(wait)} "
        "and try again.</p></main></body>\n</html>\n"
    )
    return web.Response(
        status=429,
        text=body,
        content_type="text/html",
        headers={"Retry-After": str(decision.retry_after_seconds), "Cache-Control": "no-store"},
    )


@dataclass(frozen=True)
class HealthReport:
    checks: dict[str, bool]

    @property
    def ok(self) -> bool:
        return all(self.checks.values())

    @property
    def failing(self) -> list[str]:
        return sorted(name for name, passed in self.checks.items() if not passed)


class _QuietAccessLogger(AccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if request.path in QUIET_PATHS and response.status < 400:
            return
        shown = loggable_path(request.path)
        if shown != request.path:
            request = request.clone(rel_url=shown)
        super().log(request, response, time)


class HttpServer:
    """Routes may be added until ``start()``; after that aiohttp's router is frozen.

    ``ops_port`` None serves no operations side at all (no ``/metrics``): for tests and tools
    that need only the public one. ``public_url`` is the address people use (behind a proxy,
    the proxy's); it decides HSTS.
    """

    def __init__(
        self,
        host: str,
        port: int,
        health: Callable[[], Awaitable[HealthReport]],
        metrics: Metrics,
        *,
        ops_host: str = "127.0.0.1",
        ops_port: int | None = None,
        public_url: str | None = None,
        limits: Sequence[WebLimit] = DEFAULT_LIMITS,
        limit_clock: Callable[[], float] | None = None,
        health_timeout: float = 5.0,
    ) -> None:
        self.host = host
        self.port = port
        self.ops_host = ops_host
        self.ops_port = ops_port
        self.public_url = public_url
        self._health = health
        self._metrics = metrics
        self._health_timeout = health_timeout
        self._https = bool(public_url and public_url.lower().startswith("https://"))
        self._limiters = _Limiters(limits, limit_clock)
        self._runners: list[web.AppRunner] = []
        self.app = web.Application(middlewares=[self._rate_limit])
        self.app.router.add_get("/healthz", self._handle_public_health)
        self.app.on_response_prepare.append(self._secure)
        self.ops_app = web.Application()
        self.ops_app.router.add_get("/healthz", self._handle_health)
        self.ops_app.router.add_get("/metrics", self._handle_metrics)
        self.ops_app.on_response_prepare.append(self._secure)

    @property
    def started(self) -> bool:
        return bool(self._runners)

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        """Public routes (the board, the dashboard, Slack's events)."""
        if self.started:
            raise RuntimeError("routes must be added before HttpServer.start()")
        self.app.add_routes(routes)

    async def start(self) -> None:
        """Binds now, so a taken port fails at start-up rather than on the first request."""
        if self.started:
            raise RuntimeError("HttpServer already started")
        try:
            self.port = await self._listen(self.app, self.host, self.port, "HTTP")
            if self.ops_port is not None:
                self.ops_port = await self._listen(
                    self.ops_app, self.ops_host, self.ops_port, "OPS"
                )
        except BaseException:
            await self.stop()
            raise
        log.info("http server listening", extra={"host": self.host, "port": self.port})
        if self.ops_port is not None:
            log.info(
                "operations server listening", extra={"host": self.ops_host, "port": self.ops_port}
            )

    async def _listen(self, app: web.Application, host: str, port: int, setting: str) -> int:
        runner = web.AppRunner(app, access_log_class=_QuietAccessLogger)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise PortUnavailable(_why_not_listening(host, port, exc, setting)) from exc
        except BaseException:
            await runner.cleanup()
            raise
        self._runners.append(runner)
        return int(runner.addresses[0][1])

    async def stop(self) -> None:
        runners, self._runners = self._runners, []
        for runner in reversed(runners):
            await runner.cleanup()

    async def _secure(self, request: web.Request, response: web.StreamResponse) -> None:
        for name, value in security_headers(request.path, https=self._https).items():
            if name == "Referrer-Policy" and name in response.headers:
                continue
            response.headers[name] = value
        response.headers["Server"] = SERVER

    @web.middleware
    async def _rate_limit(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        over = self._limiters.check(request)
        if over is not None:
            limit, decision = over
            log.warning(
                "rate limited",
                extra={
                    "limit": limit.name,
                    "path": loggable_path(request.path),
                    "retry_after": decision.retry_after_seconds,
                },
            )
            return too_many_requests(decision)
        return await handler(request)

    async def _report(self) -> HealthReport | str:
        """The report, or the reason there is none (a timeout or an error)."""
        try:
            async with asyncio.timeout(self._health_timeout):
                return await self._health()
        except TimeoutError:
            log.warning("health check timed out", extra={"timeout": self._health_timeout})
            return "timeout"
        except Exception as exc:
            log.exception("health check raised")
            return type(exc).__name__

    async def _handle_public_health(self, request: web.Request) -> web.Response:
        """Up or not, for a load balancer: which checks fail is for the operations side."""
        report = await self._report()
        ok = isinstance(report, HealthReport) and report.ok
        return web.json_response({"status": "ok" if ok else "fail"}, status=200 if ok else 503)

    async def _handle_health(self, request: web.Request) -> web.Response:
        report = await self._report()
        if isinstance(report, str):
            return web.json_response({"status": "fail", "checks": {}, "error": report}, status=503)
        if report.ok:
            return web.json_response({"status": "ok", "checks": report.checks})
        body = {"status": "fail", "checks": report.checks, "failing": report.failing}
        return web.json_response(body, status=503)

    async def _handle_metrics(self, request: web.Request) -> web.Response:
        # a small registry: rendering it inline is cheaper than a hop to a worker thread
        body = generate_latest(self._metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


# The CLI calls this once with a plain number; a caller-side asyncio.timeout would only add noise.
async def probe(url: str, timeout: float = 3.0) -> bool:  # noqa: ASYNC109
    """True only on a 200: what a container HEALTHCHECK or ``cocreate healthcheck`` needs."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.get(url) as response,
        ):
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError, OSError):
        return False


def _why_not_listening(host: str, port: int, exc: OSError, setting: str = "HTTP") -> str:
    where = f"port {port} on {host or 'all interfaces'}"
    server = "HTTP server" if setting == "HTTP" else "operations server"
    if exc.errno == errno.EADDRINUSE:
        return (
            f"The {server} cannot start: {where} is already in use "
            f"(set {setting}_PORT to a free port, or stop the program using it)."
        )
    reason = exc.strerror or str(exc)
    return (
        f"The {server} cannot listen on {where} ({reason}); "
        f"check {setting}_HOST and {setting}_PORT."
    )
