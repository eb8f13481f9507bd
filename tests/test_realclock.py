"""What changes on a real clock: demo durations scaled and said, virtual-only demos skipped with a
note, long real waits announced; on the virtual clock nothing changes and nothing prints."""

import time

import pytest

from sqslab import realclock
from sqslab.errors import LimitError


class FakeLab:
    def __init__(self, virtual: bool) -> None:
        self.virtual_time = virtual


def test_on_the_virtual_clock_a_demo_keeps_its_durations_and_prints_nothing(capsys):
    demo = realclock.demo_time(FakeLab(True), 3600)
    assert demo(12 * 3600) == 43200 and demo(0.5) == 0.5
    assert capsys.readouterr().out == ""


def test_on_a_real_clock_a_demo_is_faster_and_says_by_how_much(capsys):
    demo = realclock.demo_time(FakeLab(False), 3600)
    assert demo(12 * 3600) == 12 and isinstance(demo(12 * 3600), int)
    assert demo(1800) == 0.5
    said = capsys.readouterr().out
    assert said.startswith("real clock: this demo runs 3600 times faster")
    assert "1 h lasts 1 s here" in said
    realclock.demo_time(FakeLab(False), 10)
    assert "1 min lasts 6 s here" in capsys.readouterr().out


def test_a_wait_past_a_timer_adds_a_second_on_a_real_clock_only():
    assert realclock.demo_time(FakeLab(True), 10).past(10) == 10
    assert realclock.demo_time(FakeLab(False), 10).past(10) == 2
    assert realclock.demo_time(FakeLab(False), 1).past(30) == 31


@pytest.mark.parametrize("speedup", [0, 0.5, -3, True, "10"])
def test_a_speedup_below_one_is_refused_with_the_rule(speedup):
    with pytest.raises(LimitError, match="1 or more"):
        realclock.demo_time(FakeLab(False), speedup)


def test_a_virtual_only_demo_runs_on_moto_and_is_skipped_with_why_elsewhere(capsys):
    assert realclock.virtual_only(FakeLab(True), "the 5-minute window", "it takes 5 min") is True
    assert capsys.readouterr().out == ""
    assert realclock.virtual_only(FakeLab(False), "the 5-minute window", "it takes 5 min") is False
    said = capsys.readouterr().out
    assert "skipped the 5-minute window: it takes 5 min" in said and "SQSLAB_BACKEND=moto" in said


def test_long_waits_on_a_real_clock_say_they_really_wait(capsys):
    realclock.announce_wait(FakeLab(False), 300)
    assert capsys.readouterr().out == "(real clock: waiting 5 min for real)\n"
    realclock.announce_wait(FakeLab(False), 2)
    realclock.announce_wait(FakeLab(True), 300)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    "seconds, text",
    [
        (43200, "12 h"),
        (300, "5 min"),
        (86400, "1 day"),
        (90, "90 s"),
        (0.1, "0.1 s"),
        (11.9885, "12 s"),
    ],
)
def test_spans_read_as_a_person_says_them(seconds, text):
    assert realclock.span(seconds) == text


def test_the_lab_offers_both_and_waits_for_real_off_moto(lab, capsys):
    assert lab.demo_time(3600)(7200) == 7200 and lab.virtual_only("x", "y") is True
    before = time.perf_counter()
    lab.wait(3600)
    assert time.perf_counter() - before < 1  # virtual: no real sleeping
    assert capsys.readouterr().out == ""
