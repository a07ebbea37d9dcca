"""A small Prometheus registry, so the core can count things without importing a client library.

Only what the bot needs: counters, gauges and histograms with free-form labels, rendered in the
text exposition format 0.0.4. Names may be given with or without the ``cocreate_`` prefix, so
``inc("votes_total")`` and ``inc("cocreate_votes_total")`` reach the same series. A name that was
never declared is declared on first use (with an empty help line) rather than raising: a metrics
typo must not take down an event handler.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
import time as _time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
NAMESPACE = "cocreate"

# Handlers touch SQLite and a platform API; most finish in milliseconds, the slow tail is seconds.
LATENCY_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

Kind = Literal["counter", "gauge", "histogram"]
LabelKey = tuple[tuple[str, str], ...]

_NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


@dataclass
class _HistogramSeries:
    buckets: list[int]
    total: float = 0.0
    count: int = 0


@dataclass
class _Metric:
    name: str
    kind: Kind
    help: str
    labelnames: tuple[str, ...] | None
    buckets: tuple[float, ...] = ()
    values: dict[LabelKey, float] = field(default_factory=dict)
    histograms: dict[LabelKey, _HistogramSeries] = field(default_factory=dict)


def escape_label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _label_key(labels: dict[str, object]) -> LabelKey:
    for name in labels:
        if not _LABEL_RE.match(name) or name.startswith("__") or name == "le":
            raise ValueError(f"invalid label name {name!r}")
    return tuple(sorted((k, str(v)) for k, v in labels.items()))


def _format_labels(key: LabelKey, extra: tuple[str, str] | None = None) -> str:
    pairs = [*key, extra] if extra else list(key)
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{escape_label_value(v)}"' for k, v in pairs) + "}"


class Metrics:
    """One registry per process, passed in where needed, never a module-level global."""

    def __init__(self, namespace: str = NAMESPACE) -> None:
        self._namespace = namespace
        self._metrics: dict[str, _Metric] = {}
        self._lock = threading.Lock()  # the scheduler may report from a worker thread
        # checked label keys by call shape: every event records two series, so this is hot
        self._checked: dict[tuple[object, ...], LabelKey] = {}
        p = f"{namespace}_"
        self.counter(f"{p}events_handled_total", "Inbound events handled, by type and outcome.")
        self.counter(f"{p}votes_total", "Votes recorded on idea cards.")
        self.counter(f"{p}errors_total", "Errors raised while handling events or commands.")
        self.histogram(f"{p}handler_latency_seconds", "Time spent handling one event or command.")
        self.counter(
            f"{p}notifications_failed_total", "Outbox announcements that could not be delivered."
        )
        self.counter(f"{p}schedule_steps_total", "Campaign steps run by the scheduler, by step.")

    # -- declaration ---------------------------------------------------------------------------

    def counter(self, name: str, help: str, labelnames: Sequence[str] | None = None) -> None:
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
        bounds = tuple(sorted(float(b) for b in buckets if not math.isinf(b)))
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
    ) -> _Metric:
        """Declaring twice with the same kind is a no-op, so independent modules can both declare.

        ``labelnames=()`` marks a metric without labels, which renders a 0 before its first use;
        ``None`` leaves labels free-form and renders nothing until a series exists.
        """
        if not _NAME_RE.match(name):
            raise ValueError(f"invalid metric name {name!r}")
        names = None if labelnames is None else tuple(labelnames)
        if names is not None:
            _label_key(dict.fromkeys(names, ""))
        with self._lock:
            existing = self._metrics.get(name)
            if existing is not None:
                if existing.kind != kind:
                    raise TypeError(f"{name} is a {existing.kind}, not a {kind}")
                return existing
            metric = _Metric(name, kind, help, names, buckets)
            self._metrics[name] = metric
            return metric

    def _resolve(self, name: str, kind: Kind) -> _Metric:
        for candidate in (name, f"{self._namespace}_{name}"):
            metric = self._metrics.get(candidate)
            if metric is not None:
                if metric.kind != kind:
                    raise TypeError(f"{candidate} is a {metric.kind}, not a {kind}")
                return metric
        if kind == "histogram":
            self.histogram(name, "")
            return self._metrics[name]
        return self._declare(name, kind, "", None)

    def _key(self, metric: _Metric, labels: dict[str, object]) -> LabelKey:
        shape = (metric.name, *labels.items())
        try:
            return self._checked[shape]
        except (KeyError, TypeError):
            pass
        key = self._checked_key(metric, labels)
        if len(self._checked) > 10_000:
            self._checked.clear()
        with contextlib.suppress(TypeError):  # an unhashable label value: checked each time
            self._checked[shape] = key
        return key

    def _checked_key(self, metric: _Metric, labels: dict[str, object]) -> LabelKey:
        key = _label_key(labels)
        if metric.labelnames is not None and {k for k, _ in key} != set(metric.labelnames):
            raise ValueError(
                f"{metric.name} takes labels {metric.labelnames}, got {sorted(labels)}"
            )
        return key

    # -- recording -----------------------------------------------------------------------------

    def inc(self, name: str, amount: float = 1, **labels: object) -> None:
        if amount < 0:
            raise ValueError("a counter can only go up")
        metric = self._resolve(name, "counter")
        key = self._key(metric, labels)
        with self._lock:
            metric.values[key] = metric.values.get(key, 0.0) + amount

    def set_gauge(self, name: str, value: float, **labels: object) -> None:
        metric = self._resolve(name, "gauge")
        key = self._key(metric, labels)
        with self._lock:
            metric.values[key] = float(value)

    def observe(self, name: str, seconds: float, **labels: object) -> None:
        metric = self._resolve(name, "histogram")
        key = self._key(metric, labels)
        with self._lock:
            series = metric.histograms.get(key)
            if series is None:
                series = _HistogramSeries([0] * len(metric.buckets))
                metric.histograms[key] = series
            for i, bound in enumerate(metric.buckets):
                if seconds <= bound:
                    series.buckets[i] += 1
                    break
            series.total += seconds
            series.count += 1

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
        metric = next(
            (self._metrics[n] for n in (name, f"{self._namespace}_{name}") if n in self._metrics),
            None,
        )
        if metric is None or metric.kind == "histogram":
            raise KeyError(name)
        return metric.values.get(_label_key(labels), 0.0)

    # -- exposition ----------------------------------------------------------------------------

    def render(self) -> str:
        lines: list[str] = []
        with self._lock:
            for metric in self._metrics.values():
                lines.append(f"# HELP {metric.name} {_escape_help(metric.help)}")
                lines.append(f"# TYPE {metric.name} {metric.kind}")
                if metric.kind == "histogram":
                    lines.extend(_histogram_lines(metric))
                    continue
                values = dict(metric.values)
                if not values and metric.labelnames == ():
                    values[()] = 0.0
                for key in sorted(values):
                    lines.append(f"{metric.name}{_format_labels(key)} {format_value(values[key])}")
        return "\n".join(lines) + "\n"


def _histogram_lines(metric: _Metric) -> Iterator[str]:
    series_by_key = dict(metric.histograms)
    if not series_by_key and metric.labelnames == ():
        series_by_key[()] = _HistogramSeries([0] * len(metric.buckets))
    for key in sorted(series_by_key):
        series = series_by_key[key]
        cumulative = 0
        for bound, count in zip(metric.buckets, series.buckets, strict=True):
            cumulative += count
            labels = _format_labels(key, ("le", format_value(bound)))
            yield f"{metric.name}_bucket{labels} {cumulative}"
        yield f"{metric.name}_bucket{_format_labels(key, ('le', '+Inf'))} {series.count}"
        yield f"{metric.name}_sum{_format_labels(key)} {format_value(series.total)}"
        yield f"{metric.name}_count{_format_labels(key)} {series.count}"
