"""The metrics facade, read back the way Prometheus reads it: through prometheus_client's parser."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from bot.metrics import Metrics

PREDECLARED = [
    ("cocreate_events_handled_total", "counter", ("outcome", "type")),
    ("cocreate_votes_total", "counter", ("outcome",)),
    ("cocreate_errors_total", "counter", ("kind",)),
    ("cocreate_handler_latency_seconds", "histogram", ("type",)),
    ("cocreate_vote_batch_size", "histogram", ()),
    ("cocreate_notifications_failed_total", "counter", ()),
    ("cocreate_schedule_steps_total", "counter", ("step",)),
]


def _families(m: Metrics) -> dict[str, tuple[str, str]]:
    """Exposed name -> (type, help), as a scraper sees them (a counter's family drops _total)."""
    found = {}
    for family in text_string_to_metric_families(m.render()):
        name = family.name + ("_total" if family.type == "counter" else "")
        found[name] = (family.type, family.documentation)
    return found


def _samples(m: Metrics) -> list[Sample]:
    return [s for family in text_string_to_metric_families(m.render()) for s in family.samples]


def _value(m: Metrics, name: str, **labels: str) -> float:
    """The one sample with exactly this name and these labels, parsed from the exposition."""
    found = [s.value for s in _samples(m) if s.name == name and s.labels == labels]
    assert len(found) == 1, (name, labels, found)
    return found[0]


@pytest.mark.parametrize(("name", "kind", "labels"), PREDECLARED)
def test_predeclared_metrics_keep_their_names_help_type_and_labels(
    name: str, kind: str, labels: tuple[str, ...]
) -> None:
    m = Metrics()
    assert _families(m)[name][0] == kind
    assert _families(m)[name][1]  # a help line a human can read
    use = dict.fromkeys(labels, "x")
    if kind == "histogram":
        m.observe(name, 0.1, **use)
        sample = f"{name}_count"
    else:
        m.inc(name, **use)
        sample = name
    assert _value(m, sample, **use) == 1


def test_counter_with_labels_accumulates_per_label_set() -> None:
    m = Metrics()
    m.inc("events_handled_total", type="reaction_added", outcome="ok")
    m.inc("cocreate_events_handled_total", 2, outcome="ok", type="reaction_added")
    m.inc("events_handled_total", type="command", outcome="error")
    name = "cocreate_events_handled_total"
    assert _value(m, name, outcome="ok", type="reaction_added") == 3
    assert _value(m, name, outcome="error", type="command") == 1
    assert m.value("events_handled_total", type="reaction_added", outcome="ok") == 3


def test_counter_rejects_decrease() -> None:
    m = Metrics()
    with pytest.raises(ValueError, match="up"):
        m.inc("notifications_failed_total", -1)
    assert m.value("notifications_failed_total") == 0


def test_gauge_is_set_not_added() -> None:
    m = Metrics()
    m.gauge("cocreate_outbox_pending", "Announcements waiting for delivery.", labelnames=())
    m.set_gauge("outbox_pending", 5)
    m.set_gauge("outbox_pending", 2.5)
    assert _families(m)["cocreate_outbox_pending"][0] == "gauge"
    assert _value(m, "cocreate_outbox_pending") == 2.5
    assert m.value("outbox_pending") == 2.5


def test_histogram_buckets_are_cumulative_with_sum_and_count() -> None:
    m = Metrics()
    for seconds in (0.003, 0.04, 0.04, 3.0, 60.0):
        m.observe("handler_latency_seconds", seconds, type="vote")
    name = "cocreate_handler_latency_seconds"
    buckets = {
        float(s.labels["le"]): s.value
        for s in _samples(m)
        if s.name == f"{name}_bucket" and s.labels["type"] == "vote"
    }
    assert buckets[0.005] == 1
    assert buckets[0.05] == 3
    assert buckets[2.5] == 3
    assert buckets[5.0] == 4
    assert buckets[10.0] == 4
    assert buckets[float("inf")] == 5
    assert _value(m, f"{name}_count", type="vote") == 5
    assert _value(m, f"{name}_sum", type="vote") == pytest.approx(63.083)


def test_time_observes_even_when_the_block_raises() -> None:
    m = Metrics()
    with pytest.raises(RuntimeError), m.time("handler_latency_seconds", type="boom"):
        raise RuntimeError
    with m.time("handler_latency_seconds", type="ok"):
        pass
    assert _value(m, "cocreate_handler_latency_seconds_count", type="boom") == 1
    assert _value(m, "cocreate_handler_latency_seconds_count", type="ok") == 1


def test_label_values_survive_the_exposition_format() -> None:
    m = Metrics()
    awkward = 'say "hi"\\\nand ünïcode'
    m.inc("errors_total", kind=awkward)
    assert _value(m, "cocreate_errors_total", kind=awkward) == 1


def test_a_metric_without_labels_renders_zero_before_first_use() -> None:
    m = Metrics()
    m.counter("cocreate_restarts_total", "Process restarts.", labelnames=())
    assert _value(m, "cocreate_restarts_total") == 0
    assert _value(m, "cocreate_notifications_failed_total") == 0


def test_undeclared_name_is_declared_on_first_use() -> None:
    m = Metrics()
    m.inc("cocreate_rounds_closed_total")
    assert _families(m)["cocreate_rounds_closed_total"][0] == "counter"
    assert _value(m, "cocreate_rounds_closed_total") == 1


def test_first_use_fixes_the_label_names_of_an_undeclared_metric() -> None:
    m = Metrics()
    m.inc("cocreate_commands_total", command="idea")
    m.inc("commands_total", command="vote")
    with pytest.raises(ValueError, match="takes labels"):
        m.inc("commands_total", verb="idea")
    assert _value(m, "cocreate_commands_total", command="idea") == 1
    assert _value(m, "cocreate_commands_total", command="vote") == 1


def test_wrong_kind_and_bad_names_are_rejected() -> None:
    m = Metrics()
    with pytest.raises(TypeError):
        m.observe("votes_total", 1.0)
    with pytest.raises(TypeError):
        m.gauge("cocreate_votes_total", "clash")
    with pytest.raises(ValueError, match="metric name"):
        m.inc("bad-name")
    with pytest.raises(ValueError, match="label name"):
        m.inc("cocreate_fresh_total", __reserved="x")
    with pytest.raises(ValueError, match="label name"):
        m.counter("cocreate_other_total", "Bad label.", labelnames=("le",))


def test_declared_label_names_are_enforced() -> None:
    m = Metrics()
    m.counter("cocreate_commands_total", "Commands run.", labelnames=("command",))
    m.inc("commands_total", command="idea")
    with pytest.raises(ValueError, match="takes labels"):
        m.inc("commands_total", verb="idea")
    with pytest.raises(ValueError, match="takes labels"):
        m.inc("votes_total", platform="discord")  # the predeclared ones keep their label names
    assert m.value("commands_total", command="idea") == 1


def test_two_registries_in_one_process_share_nothing() -> None:
    a, b = Metrics(), Metrics()  # the library's global registry would refuse the second
    a.inc("votes_total", outcome="recorded")
    a.inc("cocreate_only_in_a_total")
    assert a.value("votes_total", outcome="recorded") == 1
    assert b.value("votes_total", outcome="recorded") == 0
    assert "cocreate_only_in_a_total" not in _families(b)
    assert a.registry is not b.registry
    assert REGISTRY.get_sample_value("cocreate_votes_total", {"outcome": "recorded"}) is None


def test_no_created_series_are_exposed() -> None:
    m = Metrics()
    m.inc("votes_total", outcome="recorded")
    m.observe("handler_latency_seconds", 0.1, type="x")
    assert not [s for s in _samples(m) if s.name.endswith("_created")]
