"""The embedded job runner: what `make run` uses instead of a broker."""

from __future__ import annotations

import threading

import pytest
from celery import shared_task

from interview_platform import jobs

calls: list[int] = []
done = threading.Event()


@shared_task(bind=True, max_retries=3)
def flaky(self, fail_times: int) -> None:
    calls.append(self.request.retries)
    if self.request.retries < fail_times:
        raise jobs.retry(self, RuntimeError("temporary"), countdown=0.2 * (self.request.retries + 1))
    done.set()


def test_embedded_runner_retries_after_the_countdown(settings):
    settings.EMBEDDED = True
    settings.CELERY_TASK_ALWAYS_EAGER = False
    calls.clear()
    done.clear()
    runner = jobs.EmbeddedRunner(workers=1)
    scheduled: list[tuple[float, int]] = []
    submit = runner.submit

    def recording_submit(task, args, countdown=0, retries=0):
        scheduled.append((countdown, retries))
        submit(task, args, countdown, retries)

    runner.submit = recording_submit
    runner._thread.start()  # the timer only: no periodic sweeps in this test
    try:
        runner.submit(flaky, (2,))
        assert done.wait(timeout=20)
    finally:
        runner.stop()
    # Run three times: the first two failed and were scheduled again with their countdowns.
    assert calls == [0, 1, 2]
    assert scheduled == [(0, 0), (0.2, 1), (0.4, 2)]


def test_retry_uses_celery_with_a_broker(settings):
    settings.EMBEDDED = False
    settings.CELERY_TASK_ALWAYS_EAGER = False

    class FakeTask:
        def retry(self, exc, countdown):
            return ("celery-retry", countdown)

    assert jobs.retry(FakeTask(), RuntimeError(), 5) == ("celery-retry", 5)


def test_how_many_jobs_wait_is_unknown_without_a_queue(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.EMBEDDED = True
    assert jobs.waiting("webhooks.tasks.drain") is None
    settings.EMBEDDED = False
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert jobs.waiting("webhooks.tasks.drain") is None


@pytest.mark.integration
def test_how_many_jobs_wait_in_a_tasks_queue_on_the_broker(settings):
    import redis
    from celery import current_app

    from tests.live import empty_broker

    broker = empty_broker()
    if current_app.conf.broker_url != broker:
        pytest.fail(f"the jobs go to {current_app.conf.broker_url}, not the test Redis {broker}")
    settings.EMBEDDED = False
    try:
        assert jobs.waiting("webhooks.tasks.drain") == 0  # Redis keeps no empty queue
        for host in ("a.example:443", "b.example:443", "c.example:443"):
            jobs.enqueue("webhooks.tasks.drain", host)
        jobs.enqueue("interviews.tasks.interview_step", "00000000-0000-0000-0000-000000000000")
        assert jobs.waiting("webhooks.tasks.drain") == 3
        assert jobs.waiting("interviews.tasks.interview_step") == 1  # the agents' queue, apart
    finally:
        redis.Redis.from_url(broker).flushdb()


@pytest.mark.integration
def test_counting_keeps_one_broker_channel_and_opens_a_new_one_after_an_error(settings, monkeypatch):
    import redis
    from celery import current_app

    from tests.live import empty_broker

    broker = empty_broker()
    settings.EMBEDDED = False
    opened = []
    connect = current_app.connection_for_read

    def counted():
        opened.append(1)
        return connect()

    monkeypatch.setattr(current_app, "connection_for_read", counted)
    jobs._forget_counting_channel()
    try:
        for _ in range(5):
            assert jobs.waiting("webhooks.tasks.drain") == 0
        assert len(opened) == 1  # one channel for every count, not one each
        channel = jobs._counting_channel(current_app)
        monkeypatch.setattr(channel, "queue_declare", lambda **_: (_ for _ in ()).throw(OSError("gone")))
        assert jobs.waiting("webhooks.tasks.drain") is None  # told as unknown, logged
        jobs.enqueue("webhooks.tasks.drain", "a.example:443")
        assert jobs.waiting("webhooks.tasks.drain") == 1 and len(opened) == 2  # a new channel
    finally:
        jobs._forget_counting_channel()
        redis.Redis.from_url(broker).flushdb()
