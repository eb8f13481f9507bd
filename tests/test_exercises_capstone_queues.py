"""Exercise 7.1's check: the worked answer passes (again and again); queues a learner gets wrong
get a hint that names the mistake and gives no line of the answer away."""

from __future__ import annotations

import json

from capstone_answers import answers, leaked

from sqslab.exercises import check_order_queues

FIFO = {"FifoQueue": "true"}


def arn(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]


def policy(dlq_arn, count=3):
    return json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": count})


def standard_dlq(sqs, name):
    """A standard DLQ for the FIFO queue (AWS refuses the redrive policy)."""
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    attrs = {**FIFO, "VisibilityTimeout": "30", "RedrivePolicy": policy(arn(sqs, dlq_url))}
    return sqs.create_queue(QueueName=f"{name}.fifo", Attributes=attrs)["QueueUrl"], dlq_url


def no_redrive_policy(sqs, name):
    """Both queues FIFO, but nothing connects them."""
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq.fifo", Attributes=FIFO)["QueueUrl"]
    attrs = {**FIFO, "VisibilityTimeout": "30"}
    return sqs.create_queue(QueueName=f"{name}.fifo", Attributes=attrs)["QueueUrl"], dlq_url


def five_receives(sqs, name):
    """maxReceiveCount 5: a poison order blocks its customer longer than the design allows."""
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq.fifo", Attributes=FIFO)["QueueUrl"]
    attrs = {**FIFO, "VisibilityTimeout": "30", "RedrivePolicy": policy(arn(sqs, dlq_url), 5)}
    return sqs.create_queue(QueueName=f"{name}.fifo", Attributes=attrs)["QueueUrl"], dlq_url


def url_not_arn(sqs, name):
    """The DLQ named by its URL: SQS refuses that redrive policy."""
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq.fifo", Attributes=FIFO)["QueueUrl"]
    attrs = {**FIFO, "VisibilityTimeout": "30", "RedrivePolicy": policy(dlq_url)}
    return sqs.create_queue(QueueName=f"{name}.fifo", Attributes=attrs)["QueueUrl"], dlq_url


def fixed_names(sqs, name):
    """Ignores `name`: always the same two queues."""
    return answers_for_names(sqs)


def answers_for_names(sqs):
    dlq_url = sqs.create_queue(QueueName="orders-dlq.fifo", Attributes=FIFO)["QueueUrl"]
    attrs = {**FIFO, "VisibilityTimeout": "30", "RedrivePolicy": policy(arn(sqs, dlq_url))}
    return sqs.create_queue(QueueName="orders.fifo", Attributes=attrs)["QueueUrl"], dlq_url


def unfinished(sqs, name):  # the chapter's empty cell
    ...


def test_the_answer_passes_every_time(lab):
    create = answers(lab).create_order_queues
    for _ in range(3):
        check = check_order_queues(lab, create)
        assert check, check.message
    assert "moved to the DLQ, once" in check.message


def test_before_it_is_written(lab):
    assert "define create_order_queues" in check_order_queues(lab, None).message
    check = check_order_queues(lab, unfinished)
    assert not check and "returned None" in check.message and not leaked(check.message)


def test_a_standard_dlq_is_refused_with_the_reason(lab):
    check = check_order_queues(lab, standard_dlq, hint=2)
    assert not check and "same type of queue" in check.message
    assert "FIFO queue's DLQ must be a FIFO queue too" in repr(check)
    assert not leaked(check.message)


def test_no_redrive_policy(lab):
    check = check_order_queues(lab, no_redrive_policy)
    assert not check and "no RedrivePolicy" in check.message and not leaked(check.message)
    assert "hint=2" in repr(check)
    assert "deadLetterTargetArn" in repr(check_order_queues(lab, no_redrive_policy, hint=3))


def test_a_wrong_max_receive_count(lab):
    check = check_order_queues(lab, five_receives)
    assert not check and "maxReceiveCount is 5" in check.message and not leaked(check.message)


def test_a_url_where_the_arn_goes(lab):
    check = check_order_queues(lab, url_not_arn)
    assert not check and "stopped with an error" in check.message


def test_names_not_built_from_the_argument(lab):
    check = check_order_queues(lab, fixed_names)
    assert not check and "build both names from the name argument" in check.message


def test_the_poison_trial_catches_a_policy_that_points_elsewhere(lab, sqs):
    """Attributes can look right while the DLQ returned is not the one the policy names."""
    other = sqs.create_queue(QueueName="elsewhere-dlq.fifo", Attributes=FIFO)["QueueUrl"]

    def two_dlqs(sqs, name):
        dlq_url = sqs.create_queue(QueueName=f"{name}-dlq.fifo", Attributes=FIFO)["QueueUrl"]
        attrs = {**FIFO, "VisibilityTimeout": "30", "RedrivePolicy": policy(arn(sqs, other))}
        return sqs.create_queue(QueueName=f"{name}.fifo", Attributes=attrs)["QueueUrl"], dlq_url

    check = check_order_queues(lab, two_dlqs)
    assert not check and "not the ARN of the DLQ you returned" in check.message
