"""One slow or failing receiver never delays deliveries to the others.

At most ``WEBHOOK_MAX_IN_FLIGHT_PER_HOST`` workers send to one destination
(host:port) at once, each for a bounded turn; a job for a destination whose
slots are all held leaves at once, and its worker thread moves on to other
destinations.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from tests.receiver import Receiver, Reply
from webhooks import delivery as webhook_delivery
from webhooks import queueing, services
from webhooks.drain import drain
from webhooks.models import Attempt, Delivery, DeliveryStatus

pytestmark = pytest.mark.usefixtures("allow_loopback")


@pytest.mark.django_db
def test_destination_is_host_and_port():
    assert webhook_delivery.destination("https://ATS.example.com/hook") == "ats.example.com:443"
    assert webhook_delivery.destination("http://ats.example.com/hook") == "ats.example.com:80"
    assert webhook_delivery.destination("http://127.0.0.1:8123/a?b=c") == "127.0.0.1:8123"
    assert webhook_delivery.destination("http://[::1]:9/x") == "::1:9"


@pytest.mark.django_db(transaction=True)
def test_the_cap_holds_with_workers_racing(make_interview, settings, monkeypatch):
    """Six threads (six workers) drain one slow destination with a cap of 2.

    Eight deliveries of 0.4 s each take longer than one turn (1 s): more than one
    worker has to take turns, and the cap is reached."""
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_HOST = 2
    settings.WEBHOOK_BATCH_SECONDS = 1
    # The threads below are the workers: nothing is run on commit.
    monkeypatch.setattr(queueing, "enqueue", lambda *args, **kwargs: None)
    with Receiver(Reply(200, delay=0.4)) as slow:
        with transaction.atomic():
            for _ in range(8):
                services.emit(make_interview(slow.url + "/hook"), "interview.started", {})
        host = Delivery.objects.first().host
        unsent = Delivery.objects.exclude(status=DeliveryStatus.SUCCEEDED)
        errors = []

        def worker() -> None:
            try:
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    drain(host)
                    if not unsent.exists():
                        return
                    time.sleep(0.02)
                errors.append("not everything was delivered")
            except Exception as exc:  # reported below; a thread's exception is otherwise lost
                errors.append(repr(exc))
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=40)

    assert errors == []
    assert len(slow.requests) == 8
    assert slow.max_in_flight == 2  # the cap was reached, and never passed
    assert list(Delivery.objects.values_list("attempt_count", flat=True)) == [1] * 8
    assert Attempt.objects.count() == 8


def _emit_each(make_interview, url: str, count: int) -> None:
    """``count`` events for ``url``, each committed on its own, as business changes are."""
    for _ in range(count):
        with transaction.atomic():
            services.emit(make_interview(url), "interview.started", {})


SLOW_BACKLOG, FAST = 200, 30


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_slow_backlog_never_delays_another_receivers_webhooks(make_interview, tmp_path):
    """A real worker, eight threads; 200 deliveries wait on a receiver that takes 2 s each.

    Its four slots let it through four at a time (100 s for the lot). The fast
    receiver's deliveries, recorded once the backlog is being worked on, all
    arrive while at least 150 of the slow ones are still waiting: they never
    stand behind it.
    """
    from tests.live import empty_broker, free_port, stack_env, start_worker, stop

    broker = empty_broker()
    env = stack_env(broker, tmp_path, free_port(), WEBHOOK_MAX_IN_FLIGHT_PER_HOST="4")
    log = tmp_path / "worker.log"
    worker = None
    with Receiver(Reply(200, delay=2.0)) as slow, Receiver() as fast:
        try:
            worker = start_worker(env, log, queues="webhooks", concurrency=8)
            _emit_each(make_interview, slow.url + "/slow", SLOW_BACKLOG)
            slow.wait_for(4, timeout=30)  # every slot of the slow receiver is taken
            _emit_each(make_interview, fast.url + "/fast", FAST)
            fast.wait_for(FAST, timeout=60)
            slow_waiting = Delivery.objects.filter(url=slow.url + "/slow").exclude(status="SUCCEEDED").count()
        finally:
            stop(worker)
        slow_requests, fast_requests = slow.snapshot(), fast.snapshot()
        most_at_once = slow.max_in_flight
        fast_rows = Delivery.objects.filter(url=fast.url + "/fast")

    assert len(fast_requests) == FAST, log.read_text()[-4000:]
    last_fast = max(r.order for r in fast_requests)
    slow_first = sum(1 for r in slow_requests if r.order < last_fast)
    print(
        f"\n[isolation] slow sent before the last fast one: {slow_first}, slow still waiting: {slow_waiting}"
    )
    assert slow_first <= SLOW_BACKLOG - 150, slow_first
    assert slow_waiting >= 150, slow_waiting
    assert most_at_once <= 4
    assert set(fast_rows.values_list("status", "attempt_count")) == {("SUCCEEDED", 1)}
