"""Tracing across a queue: the AWSTraceHeader system attribute survives the queue, ids repeat
from run to run, and log lines from both sides join on a correlation id."""

from __future__ import annotations

import logging
import re

from sqslab import tracing
from sqslab.lab import start


def test_ids_and_headers_repeat_from_lab_to_lab():
    first = start("moto", quiet=True)
    ids = [tracing.new_id(first), tracing.trace_header(first)]
    first.stop()
    second = start("moto", quiet=True)
    assert [tracing.new_id(second), tracing.trace_header(second)] == ids
    assert tracing.new_id(second) != ids[0]  # the next one is new
    second.stop()
    assert re.fullmatch(r"req-[0-9a-f]{8}", ids[0])


def test_the_trace_header_has_xrays_shape_and_the_lab_clock(lab):
    header = tracing.trace_header(lab)
    root, parent, sampled = header.split(";")
    assert re.fullmatch(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}", root)
    assert int(root.split("-")[1], 16) == int(lab.clock.time())
    assert re.fullmatch(r"Parent=[0-9a-f]{16}", parent) and sampled == "Sampled=1"
    assert tracing.trace_id(header) == root.removeprefix("Root=")


def test_moto_keeps_the_aws_trace_header_through_the_queue(lab, sqs):
    url = sqs.create_queue(QueueName="traced")["QueueUrl"]
    header = tracing.trace_header(lab)
    sqs.send_message(
        QueueUrl=url,
        MessageBody="order 1",
        MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": header}},
    )
    got = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["AWSTraceHeader"])
    assert got["Messages"][0]["Attributes"] == {"AWSTraceHeader": header}


def test_captured_lines_carry_the_lab_clock_and_join_on_an_id(lab):
    logs = tracing.capture(lab, "shop", "packer")
    logging.getLogger("shop").info("order 1 queued correlation_id=%s", "req-1")
    logging.getLogger("shop").info("order 2 queued correlation_id=%s", "req-2")
    lab.wait(75)
    logging.getLogger("packer").info("order 1 packed correlation_id=%s", "req-1")
    logging.getLogger("packer").debug("not collected")
    assert logs.lines("req-1") == [
        "09:00:00 shop    order 1 queued correlation_id=req-1",
        "09:01:15 packer  order 1 packed correlation_id=req-1",
    ]
    assert len(logs.lines()) == 3 and logs.table("req-2").rows == [
        ("09:00:00", "shop", "order 2 queued correlation_id=req-2")
    ]


def test_capture_keeps_lines_off_the_root_logger_and_gives_the_loggers_back(lab, caplog):
    shop = logging.getLogger("shop-quiet")
    before = (shop.level, shop.propagate)
    with caplog.at_level(logging.INFO):
        logs = tracing.capture(lab, "shop-quiet")
        shop.info("order 1 queued")
        assert "order 1 queued" not in caplog.text and logs.lines() != []
        lab.stop()
    assert (shop.level, shop.propagate) == before and logs not in shop.handlers
