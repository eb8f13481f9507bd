"""The classroom board on a room server: a learner finds the board and sends their own reports,
and nothing else: no report as someone else, no reading, purging or deleting the board."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from sqslab import board_queue, classroom_report, room
from sqslab.classroom_report import Report

BOARD = classroom_report.DEFAULT_BOARD
AT = "2026-12-06T10:00:00+00:00"


def client(url: str, room_file: Path, who: str):
    pair = (
        room.open_room(room_file)[0] if who == "instructor" else room.learner_keys(room_file, who)
    )
    assert pair is not None
    session = boto3.session.Session(
        aws_access_key_id=pair.access_key_id,
        aws_secret_access_key=pair.secret_access_key,
        region_name="us-east-1",
    )
    return session.client("sqs", endpoint_url=url, config=Config(retries={"max_attempts": 1}))


@pytest.fixture(scope="module")
def board(url: str, room_file: Path) -> str:
    return board_queue.create(client(url, room_file, "instructor"), BOARD).source_url


def report(learner: str) -> Report:
    return Report(learner, "ex1.1", "pass", 1, "ab12", AT)


def refused(call) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    return caught.value.response["Error"]["Message"]


def test_a_learner_finds_the_board_and_sends_their_own_report(url, room_file, board):
    alice = client(url, room_file, "alice")
    assert alice.get_queue_url(QueueName=BOARD)["QueueUrl"] == board
    alice.send_message(QueueUrl=board, **report("alice").send_args())
    teacher = client(url, room_file, "instructor")
    got = teacher.receive_message(QueueUrl=board, MaxNumberOfMessages=10)["Messages"]
    assert [classroom_report.parse(m["Body"]).learner for m in got] == ["alice"]
    teacher.delete_message(QueueUrl=board, ReceiptHandle=got[0]["ReceiptHandle"])


def test_nobody_reports_as_someone_else_through_the_room(url, room_file, board):
    alice = client(url, room_file, "alice")
    as_bob = report("bob").send_args()
    assert "may only report as 'alice'" in refused(
        lambda: alice.send_message(QueueUrl=board, **{**as_bob, "MessageGroupId": "alice"})
    )
    assert "message group 'alice' only" in refused(
        lambda: alice.send_message(QueueUrl=board, **as_bob)
    )
    junk = {**report("alice").send_args(), "MessageBody": "free text"}
    assert "not a classroom report" in refused(lambda: alice.send_message(QueueUrl=board, **junk))


@pytest.mark.parametrize(
    "action",
    [
        lambda sqs, url: sqs.receive_message(QueueUrl=url),
        lambda sqs, url: sqs.purge_queue(QueueUrl=url),
        lambda sqs, url: sqs.delete_queue(QueueUrl=url),
        lambda sqs, url: sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "9"}),
        lambda sqs, url: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]),
    ],
)
def test_a_learner_cannot_read_or_change_the_board(url, room_file, board, action):
    message = refused(lambda: action(client(url, room_file, "bob"), board))
    assert "GetQueueUrl and SendMessage" in message


def test_the_boards_dlq_is_not_open_to_learners(url, room_file, board):
    bob = client(url, room_file, "bob")
    dlq = classroom_report.dlq_name(BOARD)
    refused(lambda: bob.get_queue_url(QueueName=dlq))
