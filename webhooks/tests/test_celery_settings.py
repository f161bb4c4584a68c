"""The Celery settings webhook delivery relies on, as Celery itself reads them.

At-least-once delivery needs late acknowledgement and redelivery when a
worker dies; isolation needs its own queue and one reserved message per
thread; and every countdown we schedule must fire before the Redis
transport's visibility timeout would hand the message out a second time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from interview_platform.celery import app
from webhooks import delivery
from webhooks.tasks import deliver, drain, sweep_deliveries


def test_messages_are_acknowledged_late_and_given_back_when_a_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    for task in (drain, deliver, sweep_deliveries):
        assert task.acks_late is True
        assert task.reject_on_worker_lost in (None, True)  # None: the app-wide True applies


def test_one_message_per_thread_and_bounded_concurrency():
    assert app.conf.worker_prefetch_multiplier == 1
    assert 1 <= app.conf.worker_concurrency <= 256


def test_webhooks_have_their_own_queue():
    def queue(task_name: str) -> str:
        return app.amqp.router.route({}, task_name)["queue"].name

    assert queue("webhooks.tasks.drain") == queue("webhooks.tasks.deliver") == "webhooks"
    assert queue("webhooks.tasks.sweep_deliveries") == "webhooks"
    assert queue("interviews.tasks.validate_and_plan") == "agents"
    # Emails wait on an SMTP relay: their own queue, neither the agents' nor the webhooks'.
    assert queue("interviews.tasks.send_candidate_message") == "mail"
    assert app.conf.task_default_queue == "agents"  # anything unrouted stays off the webhooks queue


def _longest_countdown(schedule: list[int], retry_after_cap: int) -> float:
    jittered = max(schedule) * (1 + delivery.JITTER)
    return max(jittered, max(schedule), retry_after_cap)


def test_visibility_timeout_is_set_everywhere_and_outlasts_every_countdown():
    timeout = settings.CELERY_VISIBILITY_TIMEOUT
    assert app.conf.broker_transport_options["visibility_timeout"] == timeout
    assert app.conf.result_backend_transport_options["visibility_timeout"] == timeout
    assert timeout > _longest_countdown(settings.WEBHOOK_RETRY_SCHEDULE, settings.WEBHOOK_RETRY_AFTER_CAP)
    # And the countdowns really are bounded by what the formula assumes.
    for _ in range(200):
        assert delivery.retry_delay(len(settings.WEBHOOK_RETRY_SCHEDULE), retry_after=10**9) < timeout
        assert delivery.retry_delay(len(settings.WEBHOOK_RETRY_SCHEDULE)) < timeout


@pytest.mark.parametrize("schedule", ["1", "5,300,90000", "7200,200000"])
def test_visibility_timeout_follows_any_configured_schedule(schedule):
    """Computed at start from WEBHOOK_RETRY_SCHEDULE, so no schedule can outrun it."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.CELERY_BROKER_TRANSPORT_OPTIONS, s.CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS, "
        "s.WEBHOOK_RETRY_SCHEDULE, s.WEBHOOK_RETRY_AFTER_CAP]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "interview_platform.settings",
        "DEBUG": "true",
        "WEBHOOK_RETRY_SCHEDULE": schedule,
    }
    command = [sys.executable, "-c", code]
    out = subprocess.run(command, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True)
    broker, backend, parsed, cap = json.loads(out.stdout.strip().splitlines()[-1])
    assert parsed == [int(s) for s in schedule.split(",")]
    assert broker == backend
    assert broker["visibility_timeout"] > _longest_countdown(parsed, cap)
