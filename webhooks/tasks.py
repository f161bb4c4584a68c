"""Thin Celery tasks: the work and the retry decisions live in ``drain`` and ``delivery``.

They run on the ``webhooks`` queue (CELERY_TASK_ROUTES), apart from agent
steps. Retries are not Celery retries: the next attempt's time is stored on the
Delivery row and a ``drain`` job for its destination is enqueued for then, so a
lost message costs nothing that the sweeper cannot recover. The tasks are
idempotent (``acks_late`` may run them twice): only the worker whose claim
took a delivery sends it.
"""

from __future__ import annotations

from celery import shared_task

from . import delivery, queueing, secrets
from .drain import drain as drain_destination
from .models import Delivery


@shared_task(acks_late=True, ignore_result=True)
def drain(host: str) -> int:
    """Send what is due at one destination (``host:port``)."""
    queueing.job_started(host)
    return drain_destination(host)


@shared_task(acks_late=True, ignore_result=True)
def deliver(delivery_id: str) -> int:
    """Send what is due at one delivery's destination (the job earlier versions enqueued)."""
    host = Delivery.objects.filter(id=delivery_id).values_list("host", flat=True).first()
    return 0 if host is None else drain_destination(host)


@shared_task(acks_late=True, ignore_result=True)
def sweep_deliveries() -> int:
    # The periodic webhook job (celery beat, or the embedded runner's timer):
    # also drops rotated-out secrets once they have expired.
    secrets.purge_expired_secrets()
    return delivery.sweep_deliveries()
