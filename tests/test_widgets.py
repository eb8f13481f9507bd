"""Widget panels driven without a kernel: set values, click buttons, inspect what they show."""

from __future__ import annotations

import math

from sqslab import widgets


def test_queue_builder_shows_the_call_for_the_controls(sqs):
    panel = widgets.queue_builder(sqs)
    assert "sqs.create_queue(QueueName=&#x27;orders&#x27;)" in panel.code.value
    panel.sliders["VisibilityTimeout"].value = 120
    panel.retention.value = 86400
    assert panel.attributes() == {"VisibilityTimeout": "120", "MessageRetentionPeriod": "86400"}
    assert "&#x27;VisibilityTimeout&#x27;: &#x27;120&#x27;" in panel.code.value


def test_fifo_needs_a_fifo_name_and_enables_content_dedup(sqs):
    panel = widgets.queue_builder(sqs)
    assert panel.content_dedup.disabled
    panel.fifo.value = True
    assert not panel.content_dedup.disabled
    assert "must end in" in panel.status.value
    assert panel.create.disabled
    panel.name.value = "orders.fifo"
    assert panel.status.value == ""
    assert not panel.create.disabled
    panel.content_dedup.value = True
    panel.fifo.value = False
    assert panel.content_dedup.value is False
    assert panel.content_dedup.disabled


def test_create_button_creates_the_queue_it_shows(sqs):
    panel = widgets.queue_builder(sqs, name="built.fifo")
    panel.fifo.value = True
    panel.content_dedup.value = True
    panel.sliders["DelaySeconds"].value = 15
    panel.create.click()
    assert "created" in panel.status.value
    url = sqs.get_queue_url(QueueName="built.fifo")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ContentBasedDeduplication"] == "true"
    assert attrs["DelaySeconds"] == "15"


def test_create_button_reports_errors_instead_of_raising(sqs):
    panel = widgets.queue_builder(sqs, name="dup")
    sqs.create_queue(QueueName="dup", Attributes={"VisibilityTimeout": "99"})
    panel.sliders["VisibilityTimeout"].value = 60
    panel.create.click()
    assert "error:" in panel.status.value
    assert "QueueAlreadyExists" in panel.status.value or "already exists" in panel.status.value


def test_clock_panel_moves_time_and_shows_the_message_coming_back(lab, sqs):
    url = sqs.create_queue(QueueName="clocked")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hi")
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=43200)
    panel = widgets.clock_panel(lab, url)
    assert panel.counts() == (0, 1, 0)
    assert "09:00:00" in panel.state.value
    panel.buttons[1].click()
    assert "10:00:00" in panel.state.value
    assert panel.counts() == (0, 1, 0)
    panel.buttons[2].click()
    assert "2026-01-05 22:00:00" in panel.state.value
    assert "visible <b>1</b>" in panel.state.value


def test_consumer_panel_shows_duplicates_when_work_outlasts_the_timeout(lab):
    panel = widgets.consumer_panel(lab)
    assert panel.last["duplicates"] == 0 and panel.last["processed"] == 5
    first_png = bytes(panel.chart.value)
    assert first_png.startswith(b"\x89PNG")
    panel.work.value = 45  # longer than the 30 s visibility timeout
    assert panel.last["duplicates"] > 0
    assert "handled twice or more <b>" in panel.report.value
    assert bytes(panel.chart.value) != first_png
    panel.heartbeat.value = True
    assert panel.last["duplicates"] == 0 and panel.last["processed"] == 5
    panel.visibility.value = 60
    panel.heartbeat.value = False
    assert panel.last["duplicates"] == 0


def test_consumer_panel_failures_are_retried_not_lost(lab):
    panel = widgets.consumer_panel(lab)
    panel.failure.value = 0.5
    assert panel.last["failures"] > 0
    assert panel.last["processed"] + panel.last["left"] == 5
    assert len(panel.timeline) == 5


def test_producer_panel_counts_requests_and_chunks(lab):
    panel = widgets.producer_panel(lab)
    panel.count.value = 50
    panel.send.click()
    assert panel.last["sent"] == 50 and panel.last["calls"] == 5
    assert "in <b>5</b> requests" in panel.report.value
    panel.batch.value = 1
    panel.send.click()
    assert panel.last["calls"] == 50
    single = panel.last["per_million"]
    panel.batch.value = 10
    panel.payload.value = 100  # 10 x 100 KiB per request: 16 chunks of 64 KiB each
    panel.send.click()
    assert panel.last["billed_requests"] == 5 * math.ceil(10 * 100 * 1024 / 65536)
    assert panel.last["per_million"] > single / 10
    assert panel.last["calls"] >= 5


def test_stop_button_stops_a_background_consumer_gracefully(lab, sqs):
    import time

    from sqslab.consumer import Consumer, StopPolicy

    url = sqs.create_queue(QueueName="stoppable")["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=str(i))
    consumer = Consumer(sqs, url, lambda m: None, stop=StopPolicy(idle_timeout=None)).start()
    deadline = time.time() + 5
    while len(consumer.result.processed) < 3 and time.time() < deadline:
        time.sleep(0.01)
    panel = widgets.stop_button(consumer)
    panel.button.click()
    result = consumer.join(5)
    assert result.stopped_by == "stop" and len(result.processed) == 3
    assert panel.button.disabled and "stopping" in panel.status.value


def test_fifo_panel_keeps_order_on_fifo_and_loses_it_on_standard(lab):
    panel = widgets.fifo_panel(lab)
    assert panel.last["in_order"] and "every group in order" in panel.report.value
    assert bytes(panel.chart.value).startswith(b"\x89PNG")
    panel.failure.value = 0.3
    assert panel.last["in_order"] and panel.last["failures"] > 0
    assert panel.last["seconds"] > 5  # a failed message held its group back
    panel.fifo.value = "standard"
    assert not panel.last["in_order"] and "out of order" in panel.report.value
    panel.groups.value = 1
    assert {d.group for d in panel.deliveries} == {"g1"}


def test_dlq_panel_outcomes_follow_failure_rate_and_max_receives(lab):
    panel = widgets.dlq_panel(lab)
    assert sum(panel.last.values()) == panel.MESSAGES
    panel.failure.value = 1.0
    assert panel.last == {"processed": 0, "in the DLQ": 20, "still in the source": 0}
    panel.failure.value = 0.5
    panel.max_receives.value = 1
    few = panel.last["in the DLQ"]
    panel.max_receives.value = 10
    assert panel.last["in the DLQ"] < few
    assert "in the DLQ <b>" in panel.report.value


def test_monitor_panel_redraws_live_and_follows_the_sliders(lab):
    frames = []
    panel = widgets.monitor_panel(lab, live_every=6)
    assert panel.frames == 2  # minutes 6 and 12 of the 12-minute scenario
    assert bytes(panel.chart.value).startswith(b"\x89PNG")
    panel.chart.observe(lambda change: frames.append(change["new"]), names="value")
    first = dict(panel.last)
    assert first["messages"] == sum(panel.run_result.arrivals) and first["left"] == 0
    assert "peak consumers <b>" in panel.report.value
    panel.consumers.value = 1  # one consumer cannot keep up with the burst
    assert len(frames) == 2 and panel.frames == 4
    assert panel.last["peak_instances"] == 1
    assert panel.last["peak_backlog"] > first["peak_backlog"]
    assert panel.last["oldest_age"] > first["oldest_age"]
    assert any("oldest message" in name for name in panel.last["alarms_fired"])


def test_service_panel_ranks_for_the_needs_switched_on():
    from sqslab import services

    panel = widgets.service_panel(needs=("order", "dedup"))
    assert panel.needs() == ["order", "dedup"]
    assert panel.fits == services.recommend(["order", "dedup"])
    best = [f.service.name for f in panel.fits if f.complete]
    assert panel.fits[0].service.name == "SQS FIFO" and "SQS FIFO" in best
    assert panel.report.value == "fits every need: <b>" + ", ".join(best) + "</b>"
    assert bytes(panel.chart.value).startswith(b"\x89PNG")


def test_service_panel_toggle_redraws_and_names_the_closest_when_nothing_fits():
    panel = widgets.service_panel(needs=("order", "dedup"))
    before = bytes(panel.chart.value)
    panel.toggles["protocols"].value = True
    top = panel.fits[0]
    assert not top.complete and "protocols" in panel.needs()
    assert panel.report.value.startswith("nothing fits all 3; closest: <b>")
    assert f"<b>{top.service.name}</b>, missing {', '.join(top.missing)}" in panel.report.value
    assert bytes(panel.chart.value) != before
    panel.toggles["protocols"].value = False
    assert bytes(panel.chart.value) == before


def test_service_panel_has_a_toggle_per_need():
    from sqslab import services

    panel = widgets.service_panel()
    assert list(panel.toggles) == list(services.NEEDS)
    assert panel.needs() == ["retry_each"]
    for key, toggle in panel.toggles.items():
        toggle.value = False
        assert toggle.tooltip == services.NEEDS[key]
    assert panel.needs() == [] and all(f.complete for f in panel.fits)


def test_fair_panel_runs_both_sends_and_follows_sliders_and_button(lab):
    sqs = lab.sqs

    def plain(queue_url, tenant, body):
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)

    def grouped(queue_url, tenant, body):
        sqs.send_message(QueueUrl=queue_url, MessageBody=body, MessageGroupId=tenant)

    panel = widgets.fair_panel(lab, plain, grouped)
    first = panel.last
    assert first is not None and first.ratio >= 5
    assert first.without.workload.seed == 4  # the chapter's workload first
    assert bytes(panel.chart.value).startswith(b"\x89PNG")
    assert f"{first.ratio:.1f}x</b> lower" in panel.report.value
    chart = bytes(panel.chart.value)
    panel.again.click()  # a new draw of the same settings
    assert panel.last is not first and panel.last.without.workload.seed == 5
    assert bytes(panel.chart.value) != chart and panel.report.value.startswith("run 2:")
    panel.consumers.value = 1  # one consumer: the backlog, and the quiet tenants' wait, grow
    assert panel.last.without.workload.consumers == 1
    assert panel.last.without.quiet_p95() > first.without.quiet_p95()
    panel.burst.value = 50  # a small flood: little to protect anyone from
    assert panel.last.without.workload.flood_burst == 50
    assert panel.last.without.quiet_p95() < first.without.quiet_p95() * 3


def test_fair_panel_shows_a_failing_send_instead_of_raising(lab):
    def broken(queue_url, tenant, body):
        raise ValueError("no such queue")

    panel = widgets.fair_panel(lab, broken, broken)
    assert "<b>error:</b> no such queue" in panel.report.value
    assert panel.last is None


def test_fair_panel_on_a_real_clock_says_why_and_runs_nothing(lab, monkeypatch):
    monkeypatch.setattr(type(lab), "virtual_time", property(lambda self: False))

    def send(queue_url, tenant, body):
        raise AssertionError("nothing is sent on a real clock")

    panel = widgets.fair_panel(lab, send, send)
    assert panel.again.disabled and panel.last is None
    panel.consumers.value = 2
    assert panel.last is None and panel.report.value.startswith("real clock: the experiment")
