"""Jobs for new deliveries: one per slot at most waits in the queue for a destination."""

from __future__ import annotations

import time

import pytest

from webhooks import queueing

pytestmark = pytest.mark.django_db

ATS, OTHER = "ats.example.com:443", "other.example.com:443"


@pytest.fixture
def enqueued(monkeypatch, settings):
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_HOST = 3
    jobs = []
    monkeypatch.setattr(queueing, "enqueue", lambda task, *args, countdown=0: jobs.append(args[0]))
    return jobs


def test_a_burst_for_one_destination_queues_a_job_per_slot(enqueued, make_interview, emit_event):
    for _ in range(10):
        emit_event(make_interview("https://ats.example.com/hook"))
    emit_event(make_interview("https://other.example.com/hook"))
    assert enqueued == [ATS] * 3 + [OTHER]

    queueing.job_started(ATS)  # a job left the queue: room for one more
    emit_event(make_interview("https://ats.example.com/hook"))
    emit_event(make_interview("https://ats.example.com/hook"))
    assert enqueued == [ATS] * 3 + [OTHER, ATS]


def test_going_on_and_sweeping_always_enqueue(enqueued):
    queueing.enqueue_destinations([ATS] * 5, unless_queued=True)  # one host, listed five times: one job
    for _ in range(4):
        queueing.enqueue_destinations([ATS], unless_queued=True)
    queueing.enqueue_destinations([ATS])  # a turn going on, or the sweeper
    assert enqueued == [ATS] * 4


def test_the_count_expires_with_the_sweepers_grace(enqueued, settings):
    """A job lost with its message holds its place no longer than the sweeper takes to notice."""
    settings.WEBHOOK_SWEEP_GRACE_SECONDS = 1
    for _ in range(5):
        queueing.enqueue_destinations([ATS], unless_queued=True)
    assert enqueued == [ATS] * 3
    time.sleep(1.1)
    queueing.enqueue_destinations([ATS], unless_queued=True)
    assert enqueued == [ATS] * 4


def test_a_job_the_broker_refused_takes_no_place(monkeypatch, settings):
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_HOST = 1
    jobs = []

    def broker_down(task, *args, countdown=0):
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(queueing, "enqueue", broker_down)
    queueing.enqueue_destinations([ATS], unless_queued=True)  # logged, not raised
    monkeypatch.setattr(queueing, "enqueue", lambda task, *args, countdown=0: jobs.append(args[0]))
    queueing.enqueue_destinations([ATS], unless_queued=True)
    assert jobs == [ATS]


def test_an_event_for_a_destination_whose_jobs_wait_reads_the_count_once(enqueued, monkeypatch):
    """In a burst most events find every place taken: one read, no write to take back."""
    for _ in range(3):
        queueing.enqueue_destinations([ATS], unless_queued=True)
    calls = []
    real = queueing.cache

    class Counting:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(real, name)

    monkeypatch.setattr(queueing, "cache", Counting())
    queueing.enqueue_destinations([ATS], unless_queued=True)
    assert enqueued == [ATS] * 3
    assert calls == ["get"]
    calls.clear()
    queueing.enqueue_destinations([OTHER], unless_queued=True)  # room there: counted in and enqueued
    assert enqueued == [ATS] * 3 + [OTHER]
    assert "get" in calls and "incr" in calls
