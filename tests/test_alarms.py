"""CloudWatch alarm evaluation on hand-made series: AWS's published examples and M-of-N edges."""

from __future__ import annotations

import pytest

from sqslab import alarms, monitor
from sqslab.alarms import ALARM, INSUFFICIENT_DATA, OK, Alarm
from sqslab.errors import LimitError
from sqslab.monitor import Metrics, Stat

T0 = 1_767_603_600.0  # 2026-01-05 09:00 UTC


def _points(text: str) -> list[float | None]:
    """AWS's notation: 0 within the threshold, X breaching, - missing (oldest first)."""
    return [{"0": 0.0, "X": 10.0, "-": None}[c] for c in text.split()]


def _alarm(m: int, n: int, treat: str) -> Alarm:
    return Alarm(
        "t",
        monitor.VISIBLE,
        5,
        evaluation_periods=n,
        datapoints_to_alarm=m,
        treat_missing_data=treat,
    )


# AWS's two tables: 5 datapoints retrieved; columns MISSING, IGNORE, BREACHING, NOT BREACHING.
KEEP = "keep"
AWS_TABLE = [
    (3, 3, "0 - X - X", (OK, OK, OK, OK)),
    (3, 3, "0 - - - -", (OK, OK, OK, OK)),
    (3, 3, "- - - - -", (INSUFFICIENT_DATA, KEEP, ALARM, OK)),
    (3, 3, "0 X X - X", (ALARM, ALARM, ALARM, ALARM)),
    (3, 3, "- - - - X", (INSUFFICIENT_DATA, KEEP, ALARM, OK)),
    (3, 3, "X - - - -", (ALARM, KEEP, ALARM, OK)),
    (2, 3, "0 - X - X", (ALARM, ALARM, ALARM, ALARM)),
    (2, 3, "0 0 X 0 X", (ALARM, ALARM, ALARM, ALARM)),
    (2, 3, "0 - X - -", (OK, OK, ALARM, OK)),
    (2, 3, "- - - - 0", (OK, OK, ALARM, OK)),
    (2, 3, "- - - - X", (INSUFFICIENT_DATA, KEEP, ALARM, OK)),
]


@pytest.mark.parametrize("m, n, points, expected", AWS_TABLE)
@pytest.mark.parametrize("current", [OK, ALARM])
def test_every_example_of_the_aws_missing_data_tables(m, n, points, expected, current):
    for treat, want in zip(
        ("missing", "ignore", "breaching", "notBreaching"), expected, strict=True
    ):
        got = _alarm(m, n, treat).decide(_points(points), current)
        assert got == (current if want == KEEP else want), (treat, points)


def test_m_of_n_need_not_be_consecutive():
    alarm = Alarm("2 of 3", monitor.VISIBLE, 3, evaluation_periods=3, datapoints_to_alarm=2)
    times = [monitor.utc(T0 + 60 * i) for i in range(6)]
    history = alarm.evaluate([1, 5, 1, 5, 1, 1], times)
    # windows of the last 3 real points: [1], [1,5], [1,5,1], [5,1,5], [1,5,1], [5,1,1]
    assert history.states == [OK, OK, OK, ALARM, OK, OK]
    assert history.first(ALARM) == times[3] and history.count(ALARM) == 1
    assert [(old, new) for _, old, new in history.transitions()] == [
        (INSUFFICIENT_DATA, OK),
        (OK, ALARM),
        (ALARM, OK),
    ]


def test_n_of_n_needs_every_datapoint_and_one_of_n_any():
    values = [9, 9, 1, 9, 9, 9]
    three = Alarm("3 of 3", monitor.VISIBLE, 5, evaluation_periods=3)
    one = Alarm("1 of 3", monitor.VISIBLE, 5, evaluation_periods=3, datapoints_to_alarm=1)
    # 3 of 3 with fewer than 3 real points: all real ones breach, newest real -> INSUFFICIENT_DATA
    assert three.evaluate(values).states == [
        INSUFFICIENT_DATA,
        INSUFFICIENT_DATA,
        OK,
        OK,
        OK,
        ALARM,
    ]
    assert one.evaluate(values).states == [ALARM] * 6


def test_threshold_comparisons_are_strict_or_not_as_named():
    series = [5, 6]
    assert Alarm("gt", monitor.VISIBLE, 5).evaluate(series).states == [OK, ALARM]
    ge = Alarm("ge", monitor.VISIBLE, 5, "GreaterThanOrEqualToThreshold")
    assert ge.evaluate(series).states == [ALARM, ALARM]
    lt = Alarm("lt", monitor.VISIBLE, 6, "LessThanThreshold")
    assert lt.evaluate(series).states == [ALARM, OK]


def test_all_missing_from_the_start_is_insufficient_data_then_recovers():
    alarm = alarms.dlq_not_empty("orders-dlq")
    assert alarm.evaluate([None, None, 0, 1, 0]).states == [
        INSUFFICIENT_DATA,
        INSUFFICIENT_DATA,
        OK,
        ALARM,
        OK,
    ]


def _metrics(visible: list[float | None], age: list[float] | None = None) -> Metrics:
    starts = [T0 + 60 * i for i in range(len(visible))]
    data = {
        monitor.VISIBLE: {
            t: Stat.total(v) for t, v in zip(starts, visible, strict=True) if v is not None
        }
    }
    if age is not None:
        data[monitor.AGE] = {t: Stat.total(v) for t, v in zip(starts, age, strict=True)}
    return Metrics("orders", T0, len(visible), 60, data, source="hand-made")


def test_presets_on_metrics():
    m = _metrics([0, 50, 120, 130, 90, 20], age=[0, 30, 70, 310, 400, 10])
    age = alarms.oldest_message_age("https://sqs.us-east-1.amazonaws.com/123456789012/orders", 300)
    assert age.queue == "orders"
    assert age.evaluate(m).states == [OK, OK, OK, ALARM, ALARM, OK]
    backlog = alarms.backlog("orders", 100, periods=3, datapoints=2)
    assert backlog.evaluate(m).states == [OK, OK, OK, ALARM, ALARM, OK]
    table = backlog.evaluate(m).table()
    assert table.column("breaching") == ["no", "no", "yes", "yes", "no", "no"]
    with pytest.raises(ValueError, match="watches queue 'other'"):
        alarms.backlog("other", 1).evaluate(m)


def test_a_longer_period_combines_minutes_with_the_statistic():
    m = _metrics([1, 9, 2, 3, None, None])
    alarm = Alarm("5 min", monitor.VISIBLE, 5, statistic="Maximum", period=120)
    times, values = alarm.datapoints(m)
    assert values == [9, 3, None]
    assert [t.minute for t in times] == [0, 2, 4]
    average = Alarm("avg", monitor.VISIBLE, 5, statistic="Average", period=120)
    assert average.datapoints(m)[1] == [5, 2.5, None]
    assert alarm.evaluate(m).states == [ALARM, OK, OK]  # the latest real datapoint (3) decides


def test_bad_alarms_name_the_rule():
    with pytest.raises(LimitError, match="between 1 and evaluation_periods"):
        Alarm("x", monitor.VISIBLE, 1, evaluation_periods=2, datapoints_to_alarm=3)
    with pytest.raises(LimitError, match="multiple of 60"):
        Alarm("x", monitor.VISIBLE, 1, period=90)
    with pytest.raises(LimitError, match="1 day"):
        Alarm("x", monitor.VISIBLE, 1, period=3600, evaluation_periods=25)
    with pytest.raises(ValueError, match="GreaterThanThreshold"):
        Alarm("x", monitor.VISIBLE, 1, comparison=">")
    with pytest.raises(ValueError, match="notBreaching"):
        Alarm("x", monitor.VISIBLE, 1, treat_missing_data="zero")
    with pytest.raises(KeyError, match="unknown AWS/SQS metric"):
        Alarm("x", "QueueDepth", 1)


def test_the_same_alarm_is_accepted_by_cloudwatch(lab):
    alarm = alarms.backlog("orders", 100, periods=3, datapoints=2)
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(**alarm.put_metric_alarm_args())
    stored = cloudwatch.describe_alarms(AlarmNames=[alarm.name])["MetricAlarms"][0]
    assert (stored["EvaluationPeriods"], stored["DatapointsToAlarm"]) == (3, 2)
    assert stored["Dimensions"] == [{"Name": "QueueName", "Value": "orders"}]
    assert "2 of 3 x 60 s" in alarm.describe()


def test_a_rule_decides_like_its_alarm_and_earlier_datapoints_fill_the_first_ranges():
    alarm = _alarm(2, 3, "missing")
    rule = alarm.rule
    assert rule == alarms.Rule(5, "GreaterThanThreshold", 3, 2, "missing") and rule.span == 5
    values = _points("X 0 X X 0 0")
    assert rule.states(values) == alarm.evaluate(values).states
    # two breaching datapoints just before the window: the first evaluation already sees them
    assert rule.states(_points("0 0"), before=_points("X X")) == [ALARM, OK]
    assert rule.states(_points("0 0")) == [OK, OK]
