"""The bot's Prometheus metrics: a thin facade over prometheus_client with one registry per app.

The engine counts through ``inc``/``set_gauge``/``observe``/``time`` by name; prometheus_client
does the storage and the exposition format. Each ``Metrics`` owns its own ``CollectorRegistry``,
never the library's global one, so two apps in one process (or two tests) never share a counter.

Names may be given with or without the ``cocreate_`` prefix, so ``inc("votes_total")`` and
``inc("cocreate_votes_total")`` reach the same series. A name that was never declared is declared
on first use (with an empty help line, its label names fixed by that first call) rather than
raising: a metrics typo must not take down an event handler.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time as _time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

# The text format 0.0.4 that generate_latest writes (the library's own server sends the same).
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
NAMESPACE = "cocreate"

# Handlers touch SQLite and a platform API; most finish in milliseconds, the slow tail is seconds.
LATENCY_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS: tuple[float, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)

# Without this every counter and histogram also exports a ``*_created`` gauge family, doubling
# the series a scrape stores for a timestamp nothing here reads. A library setting, not state.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]

Kind = Literal["counter", "gauge", "histogram"]
_Wrapper = Counter | Gauge | Histogram

_NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


@dataclass
class _Declared:
    name: str
    kind: Kind
    help: str
    labelnames: tuple[str, ...] | None  # None: fixed by the first use
    buckets: tuple[float, ...] = ()
    wrapper: _Wrapper | None = None


def _check_labelnames(names: Sequence[str]) -> tuple[str, ...]:
    for name in names:
        if not _LABEL_RE.match(name) or name.startswith("__") or name == "le":
            raise ValueError(f"invalid label name {name!r}")
    return tuple(names)


class Metrics:
    """One per app, passed in where needed, never a module-level global."""

    def __init__(self, namespace: str = NAMESPACE) -> None:
        self._namespace = namespace
        self.registry = CollectorRegistry()
        self._metrics: dict[str, _Declared] = {}
        self._lock = threading.Lock()  # the scheduler may report from a worker thread
        # series already checked, by call shape: every event records two, so this is hot
        self._checked: dict[tuple[object, ...], _Wrapper] = {}
        p = f"{namespace}_"
        self.counter(
            f"{p}events_handled_total",
            "Inbound events handled, by type and outcome.",
            labelnames=("type", "outcome"),
        )
        self.counter(f"{p}votes_total", "Votes recorded on idea cards.", labelnames=("outcome",))
        self.counter(
            f"{p}errors_total",
            "Errors raised while handling events or commands.",
            labelnames=("kind",),
        )
        self.histogram(
            f"{p}handler_latency_seconds",
            "Time spent handling one event or command.",
            labelnames=("type",),
        )
        self.histogram(
            f"{p}vote_batch_size",
            "Reactions committed together in one vote batch.",
            labelnames=(),
            buckets=BATCH_BUCKETS,
        )
        self.counter(
            f"{p}notifications_failed_total",
            "Outbox announcements that could not be delivered.",
            labelnames=(),
        )
        self.counter(
            f"{p}schedule_steps_total",
            "Campaign steps run by the scheduler, by step.",
            labelnames=("step",),
        )

    # -- declaration ---------------------------------------------------------------------------

    def counter(self, name: str, help: str, labelnames: Sequence[str] | None = None) -> None:
        """A counter's name ends in ``_total`` (prometheus_client appends it otherwise)."""
        self._declare(name, "counter", help, labelnames)

    def gauge(self, name: str, help: str, labelnames: Sequence[str] | None = None) -> None:
        self._declare(name, "gauge", help, labelnames)

    def histogram(
        self,
        name: str,
        help: str,
        labelnames: Sequence[str] | None = None,
        buckets: Sequence[float] = LATENCY_BUCKETS,
    ) -> None:
        bounds = tuple(sorted(float(b) for b in buckets if b != float("inf")))
        if not bounds:
            raise ValueError("a histogram needs at least one finite bucket")
        self._declare(name, "histogram", help, labelnames, bounds)

    def _declare(
        self,
        name: str,
        kind: Kind,
        help: str,
        labelnames: Sequence[str] | None,
        buckets: tuple[float, ...] = (),
    ) -> _Declared:
        """Declaring twice with the same kind is a no-op, so independent modules can both declare.

        ``labelnames=()`` marks a metric without labels, which renders a 0 before its first use;
        ``None`` lets the first use fix the label names, and renders no sample until then.
        """
        if not _NAME_RE.match(name):
            raise ValueError(f"invalid metric name {name!r}")
        names = None if labelnames is None else _check_labelnames(labelnames)
        with self._lock:
            existing = self._metrics.get(name)
            if existing is not None:
                if existing.kind != kind:
                    raise TypeError(f"{name} is a {existing.kind}, not a {kind}")
                return existing
            declared = _Declared(name, kind, help, names, buckets)
            if names is not None:
                declared.wrapper = self._register(declared, names)
            self._metrics[name] = declared
            return declared

    def _register(self, declared: _Declared, labelnames: tuple[str, ...]) -> _Wrapper:
        name, help, registry = declared.name, declared.help, self.registry
        if declared.kind == "counter":
            return Counter(name, help, labelnames, registry=registry)
        if declared.kind == "gauge":
            return Gauge(name, help, labelnames, registry=registry)
        return Histogram(name, help, labelnames, registry=registry, buckets=declared.buckets)

    def _find(self, name: str) -> _Declared | None:
        return self._metrics.get(name) or self._metrics.get(f"{self._namespace}_{name}")

    def _resolve(self, name: str, kind: Kind) -> _Declared:
        declared = self._find(name)
        if declared is None:
            if kind == "histogram":
                self.histogram(name, "")
                return self._metrics[name]
            return self._declare(name, kind, "", None)
        if declared.kind != kind:
            raise TypeError(f"{declared.name} is a {declared.kind}, not a {kind}")
        return declared

    def _series(self, name: str, kind: Kind, labels: dict[str, object]) -> _Wrapper:
        shape = (name, kind, *labels.items())
        try:
            return self._checked[shape]
        except (KeyError, TypeError):  # new, or an unhashable label value: checked each time
            pass
        series = self._checked_series(name, kind, labels)
        if len(self._checked) > 10_000:
            self._checked.clear()
        with contextlib.suppress(TypeError):
            self._checked[shape] = series
        return series

    def _checked_series(self, name: str, kind: Kind, labels: dict[str, object]) -> _Wrapper:
        declared = self._resolve(name, kind)
        wrapper = declared.wrapper
        if wrapper is None:  # free-form until now: this first use fixes the label names
            names = _check_labelnames(sorted(labels))
            with self._lock:
                if declared.wrapper is None:
                    declared.labelnames = names
                    declared.wrapper = self._register(declared, names)
                wrapper = declared.wrapper
        if labels.keys() != set(declared.labelnames or ()):
            _check_labelnames(list(labels))
            raise ValueError(
                f"{declared.name} takes labels {declared.labelnames}, got {sorted(labels)}"
            )
        if not labels:
            return wrapper
        return wrapper.labels(**{k: str(v) for k, v in labels.items()})

    # -- recording -----------------------------------------------------------------------------

    def inc(self, name: str, amount: float = 1, **labels: object) -> None:
        if amount < 0:
            raise ValueError("a counter can only go up")
        series = self._series(name, "counter", labels)
        assert isinstance(series, Counter)
        series.inc(amount)

    def set_gauge(self, name: str, value: float, **labels: object) -> None:
        series = self._series(name, "gauge", labels)
        assert isinstance(series, Gauge)
        series.set(value)

    def observe(self, name: str, seconds: float, **labels: object) -> None:
        series = self._series(name, "histogram", labels)
        assert isinstance(series, Histogram)
        series.observe(seconds)

    @contextmanager
    def time(self, name: str, **labels: object) -> Iterator[None]:
        """Observes the block's duration even when it raises: slow failures matter most."""
        start = _time.perf_counter()
        try:
            yield
        finally:
            self.observe(name, _time.perf_counter() - start, **labels)

    def value(self, name: str, **labels: object) -> float:
        """A counter's or gauge's current value (0 if the series was never touched); for tests."""
        declared = self._find(name)
        if declared is None or declared.kind == "histogram":
            raise KeyError(name)
        sample = declared.name
        if declared.kind == "counter" and not sample.endswith("_total"):
            sample += "_total"
        found = self.registry.get_sample_value(sample, {k: str(v) for k, v in labels.items()})
        return 0.0 if found is None else found

    # -- exposition ----------------------------------------------------------------------------

    def render(self) -> str:
        """The registry in the text exposition format 0.0.4, as ``/metrics`` serves it."""
        return generate_latest(self.registry).decode("utf-8")
