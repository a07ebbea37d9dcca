"""The bot's own small web server: health and metrics for operators, a mount point for Slack.

One aiohttp application per process, so the Slack adapter's request URL, ``/healthz`` for the
container runtime and ``/metrics`` for Prometheus share a port and an event loop with the bot.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from aiohttp.web_log import AccessLogger
from prometheus_client import generate_latest

from bot.metrics import CONTENT_TYPE, Metrics
from bot.startup import PortUnavailable

log = logging.getLogger(__name__)

# Probed every few seconds by the runtime and the scraper; logging each hit would drown the rest.
QUIET_PATHS = frozenset({"/healthz", "/metrics"})
# Paths that end in a secret (the dashboard's sign-in links): logged without it.
SECRET_PREFIXES = ("/dashboard/signin/",)


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
        for prefix in SECRET_PREFIXES:
            if request.path.startswith(prefix):
                request = request.clone(rel_url=prefix + "(hidden)")
        super().log(request, response, time)


class HttpServer:
    """Routes may be added until ``start()``; after that aiohttp's router is frozen."""

    def __init__(
        self,
        host: str,
        port: int,
        health: Callable[[], Awaitable[HealthReport]],
        metrics: Metrics,
        *,
        health_timeout: float = 5.0,
    ) -> None:
        self.host = host
        self.port = port
        self._health = health
        self._metrics = metrics
        self._health_timeout = health_timeout
        self._runner: web.AppRunner | None = None
        self.app = web.Application()
        self.app.router.add_get("/healthz", self._handle_health)
        self.app.router.add_get("/metrics", self._handle_metrics)

    @property
    def started(self) -> bool:
        return self._runner is not None

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        if self.started:
            raise RuntimeError("routes must be added before HttpServer.start()")
        self.app.add_routes(routes)

    async def start(self) -> None:
        """Binds now, so a taken port fails at start-up rather than on the first request."""
        if self.started:
            raise RuntimeError("HttpServer already started")
        runner = web.AppRunner(self.app, access_log_class=_QuietAccessLogger)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise PortUnavailable(_why_not_listening(self.host, self.port, exc)) from exc
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        address = runner.addresses[0]
        self.port = int(address[1])
        log.info("http server listening", extra={"host": self.host, "port": self.port})

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _handle_health(self, request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(self._health_timeout):
                report = await self._health()
        except TimeoutError:
            log.warning("health check timed out", extra={"timeout": self._health_timeout})
            body = {"status": "fail", "checks": {}, "error": "timeout"}
            return web.json_response(body, status=503)
        except Exception as exc:
            log.exception("health check raised")
            body = {"status": "fail", "checks": {}, "error": type(exc).__name__}
            return web.json_response(body, status=503)
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


def _why_not_listening(host: str, port: int, exc: OSError) -> str:
    where = f"port {port} on {host or 'all interfaces'}"
    if exc.errno == errno.EADDRINUSE:
        return (
            f"The HTTP server cannot start: {where} is already in use "
            "(set HTTP_PORT to a free port, or stop the program using it)."
        )
    reason = exc.strerror or str(exc)
    return f"The HTTP server cannot listen on {where} ({reason}); check HTTP_HOST and HTTP_PORT."
