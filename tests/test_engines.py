"""Which engine is behind a lab (LocalStack by its health page), and the wait a FIFO redrive makes
on an engine that would drop the redriven messages as duplicates (docs/localstack.md 5.2)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from sqslab import engines, orders


class Health(BaseHTTPRequestHandler):
    """Answers ``/_localstack/health`` as LocalStack 2026.3.0 does; everything else is a 404."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path != "/_localstack/health":
            self.send_error(404)
            return
        body = json.dumps({"services": {"sqs": "running"}, "version": "2026.3.0"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def gateway() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def stub_lab(url: str, backend: str = "endpoint") -> SimpleNamespace:
    return SimpleNamespace(
        backend=backend, endpoint_url=url, clock=SimpleNamespace(time=lambda: 1000.0)
    )


def test_localstack_is_known_by_its_health_page(gateway):
    assert engines.localstack_version(gateway) == "2026.3.0"
    engine = engines.identify(stub_lab(gateway))
    assert engine.name == "LocalStack 2026.3.0"
    assert engine.has(engines.FIFO_REDRIVE_KEEPS_DEDUP_ID)


def test_other_endpoints_are_taken_to_behave_as_aws(room):
    """A sqslab server has no health page; a closed port answers nothing: neither is LocalStack."""
    assert engines.localstack_version(room) is None
    assert engines.identify(stub_lab(room)) == engines.Engine("an SQS endpoint")
    assert engines.localstack_version("http://127.0.0.1:9", timeout=0.5) is None
    assert engines.identify(stub_lab("", backend="moto")).name == "moto"
    assert engines.identify(stub_lab("", backend="aws")).name == "AWS"


def test_the_engine_is_asked_once_per_lab(gateway):
    lab = stub_lab(gateway)
    first = engines.identify(lab)
    lab.endpoint_url = "http://127.0.0.1:9"  # would no longer answer
    assert engines.identify(lab) is first


def test_the_dedup_window_is_waited_out_only_where_it_loses_messages(gateway):
    flawed, fine = stub_lab(gateway), stub_lab("", backend="moto")
    assert engines.dedup_window_left(flawed, sent_at=1000.0 - 100) == 201  # 300 s + 1 s margin
    assert engines.dedup_window_left(flawed, sent_at=1000.0 - 400) == 0
    assert engines.dedup_window_left(fine, sent_at=1000.0) == 0


def test_a_capstone_redrive_on_a_flawed_engine_waits_and_loses_nothing(lab, capsys):
    """The pipeline says why it waits, waits on the lab clock, and the books balance."""
    lab._engine = engines.Engine("LocalStack 2026.3.0", engines.LOCALSTACK_FLAWS)
    pipeline = orders.OrderPipeline(lab, orders.load()[:60], name="flawed")
    pipeline.create_queues()
    pipeline.send()
    pipeline.process()
    pipeline.fix()
    before = lab.clock.time()
    assert before < pipeline.sent_at + 300  # the redrive would come inside the window
    pipeline.redrive()
    assert lab.clock.time() >= pipeline.sent_at + 301
    assert "waiting" in capsys.readouterr().out
    pipeline.process()
    assert pipeline.reconcile().ok


def test_doctor_points_a_localstack_learner_to_the_differences(gateway):
    flawed = engines.Engine("LocalStack 2026.3.0", engines.LOCALSTACK_FLAWS)
    assert "docs/localstack.md" in engines.describe(flawed)
    assert "fidelity layers" in engines.describe(engines.Engine("moto"))
    assert "behave as AWS" in engines.describe(engines.Engine("AWS"))


def test_the_capstone_excuses_a_broken_order_only_on_an_engine_that_breaks_it(lab):
    """On moto the order holds and nothing is excused; LocalStack's group flaw is named."""
    pipeline = orders.OrderPipeline(lab, orders.load()[:60], name="held")
    pipeline.run()
    assert pipeline.reconcile().excused == {}
    flawed = engines.Engine("LocalStack 2026.3.0", engines.LOCALSTACK_FLAWS)
    note = engines.fifo_group_note(flawed)
    assert "issues/12457" in note and "4.1" in note
