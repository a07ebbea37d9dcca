from __future__ import annotations

import re

import pytest

from bot.metrics import Metrics, escape_label_value

PREDECLARED = [
    ("cocreate_events_handled_total", "counter"),
    ("cocreate_votes_total", "counter"),
    ("cocreate_errors_total", "counter"),
    ("cocreate_handler_latency_seconds", "histogram"),
    ("cocreate_notifications_failed_total", "counter"),
]

# One sample line of the 0.0.4 text format: name, optional {labels}, value.
SAMPLE = re.compile(
    r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? '
    r"(-?[0-9.e+-]+|\+Inf|-Inf|NaN)$"
)


def _sample_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


@pytest.mark.parametrize(("name", "kind"), PREDECLARED)
def test_predeclared_metrics_have_help_and_type(name: str, kind: str) -> None:
    text = Metrics().render()
    assert f"# TYPE {name} {kind}\n" in text
    assert re.search(rf"^# HELP {name} \S", text, re.MULTILINE)


def test_counter_with_labels_accumulates_per_label_set() -> None:
    m = Metrics()
    m.inc("events_handled_total", type="reaction_added", outcome="ok")
    m.inc("cocreate_events_handled_total", 2, outcome="ok", type="reaction_added")
    m.inc("events_handled_total", type="command", outcome="error")
    text = m.render()
    assert 'cocreate_events_handled_total{outcome="ok",type="reaction_added"} 3\n' in text
    assert 'cocreate_events_handled_total{outcome="error",type="command"} 1\n' in text
    assert m.value("events_handled_total", type="reaction_added", outcome="ok") == 3


def test_counter_rejects_decrease() -> None:
    m = Metrics()
    with pytest.raises(ValueError, match="up"):
        m.inc("votes_total", -1)
    assert m.value("votes_total") == 0


def test_gauge_is_set_not_added() -> None:
    m = Metrics()
    m.gauge("cocreate_outbox_pending", "Announcements waiting for delivery.")
    m.set_gauge("outbox_pending", 5)
    m.set_gauge("outbox_pending", 2.5)
    text = m.render()
    assert "# TYPE cocreate_outbox_pending gauge\n" in text
    assert "cocreate_outbox_pending 2.5\n" in text


def test_histogram_buckets_are_cumulative_with_sum_and_count() -> None:
    m = Metrics()
    for seconds in (0.003, 0.04, 0.04, 3.0, 60.0):
        m.observe("handler_latency_seconds", seconds, type="vote")
    text = m.render()
    name = "cocreate_handler_latency_seconds"
    assert f'{name}_bucket{{type="vote",le="0.005"}} 1\n' in text
    assert f'{name}_bucket{{type="vote",le="0.05"}} 3\n' in text
    assert f'{name}_bucket{{type="vote",le="2.5"}} 3\n' in text
    assert f'{name}_bucket{{type="vote",le="5"}} 4\n' in text
    assert f'{name}_bucket{{type="vote",le="10"}} 4\n' in text
    assert f'{name}_bucket{{type="vote",le="+Inf"}} 5\n' in text
    assert f'{name}_count{{type="vote"}} 5\n' in text
    found = re.search(rf'{name}_sum{{type="vote"}} (\S+)', text)
    assert found
    assert float(found.group(1)) == pytest.approx(63.083)


def test_time_observes_even_when_the_block_raises() -> None:
    m = Metrics()
    with pytest.raises(RuntimeError), m.time("handler_latency_seconds", type="boom"):
        raise RuntimeError
    with m.time("handler_latency_seconds", type="ok"):
        pass
    text = m.render()
    assert 'cocreate_handler_latency_seconds_count{type="boom"} 1\n' in text
    assert 'cocreate_handler_latency_seconds_count{type="ok"} 1\n' in text


def test_label_values_are_escaped() -> None:
    assert escape_label_value('a"b\\c\nd') == 'a\\"b\\\\c\\nd'
    m = Metrics()
    m.inc("errors_total", where='say "hi"\\\n')
    assert 'cocreate_errors_total{where="say \\"hi\\"\\\\\\n"} 1\n' in m.render()


def test_every_sample_line_parses_as_exposition_format() -> None:
    m = Metrics()
    m.inc("events_handled_total", type="x", outcome='q"uote')
    m.observe("handler_latency_seconds", 0.2)
    m.counter("cocreate_restarts_total", "Process restarts.", labelnames=())
    samples = _sample_lines(m.render())
    assert samples
    for line in samples:
        assert SAMPLE.match(line), line
    assert "cocreate_restarts_total 0" in samples


def test_undeclared_name_is_declared_on_first_use() -> None:
    m = Metrics()
    m.inc("cocreate_rounds_closed_total")
    text = m.render()
    assert "# TYPE cocreate_rounds_closed_total counter\n" in text
    assert "cocreate_rounds_closed_total 1\n" in text


def test_wrong_kind_and_bad_names_are_rejected() -> None:
    m = Metrics()
    with pytest.raises(TypeError):
        m.observe("votes_total", 1.0)
    with pytest.raises(TypeError):
        m.gauge("cocreate_votes_total", "clash")
    with pytest.raises(ValueError, match="metric name"):
        m.inc("bad-name")
    with pytest.raises(ValueError, match="label name"):
        m.inc("votes_total", __reserved="x")


def test_declared_label_names_are_enforced() -> None:
    m = Metrics()
    m.counter("cocreate_commands_total", "Commands run.", labelnames=("command",))
    m.inc("commands_total", command="idea")
    with pytest.raises(ValueError, match="takes labels"):
        m.inc("commands_total", verb="idea")
    assert m.value("commands_total", command="idea") == 1


def test_registries_are_independent() -> None:
    a, b = Metrics(), Metrics()
    a.inc("votes_total")
    assert a.value("votes_total") == 1
    assert b.value("votes_total") == 0
