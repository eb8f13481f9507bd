"""The consumer's clock and the producer's sleep come from the lab that made their client
(``sqslab.lab.lab_of``), not from whichever lab runs; without a lab, real time."""

from __future__ import annotations

import time

import boto3

from sqslab.consumer import Consumer
from sqslab.emulator.clock import RealClock, VirtualClock
from sqslab.lab import Lab, active, lab_of, start
from sqslab.producer import Producer

URL = "https://sqs.us-east-1.amazonaws.com/123456789012/work"
KEYS = {"region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}


def idle_lab() -> Lab:
    """A lab object that was never started: its clients are its own, its clock is not the
    running lab's."""
    return Lab("moto", boto3.Session(**KEYS), VirtualClock())


def test_consumer_and_producer_use_the_clock_of_their_clients_lab(lab, sqs) -> None:
    assert lab_of(sqs) is lab
    assert Consumer(sqs, URL, print, visibility_timeout=30).clock is lab.clock
    assert Producer(sqs, URL).sleep == lab.wait
    other = idle_lab()
    assert lab_of(other.sqs) is other and active() is lab
    consumer = Consumer(other.sqs, URL, print, visibility_timeout=30)
    assert consumer.clock is other.clock and consumer.clock is not lab.clock
    assert Producer(other.sqs, URL).sleep == other.wait


def test_a_plain_client_uses_the_running_lab(lab) -> None:
    plain = boto3.client("sqs", **KEYS)
    assert Consumer(plain, URL, print, visibility_timeout=30).clock is lab.clock
    assert Producer(plain, URL).sleep == lab.wait


def test_without_a_lab_a_plain_client_gets_real_time() -> None:
    start("moto", quiet=True).stop()  # whatever ran before, no lab runs now
    assert active() is None
    plain = boto3.client("sqs", **KEYS)
    assert isinstance(Consumer(plain, URL, print, visibility_timeout=30).clock, RealClock)
    assert Producer(plain, URL).sleep is time.sleep
