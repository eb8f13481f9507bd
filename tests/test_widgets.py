"""Widget panels driven without a kernel: set values, click buttons, inspect what they show."""

from __future__ import annotations

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
