"""Thin Celery tasks: the work and the retry decisions live in ``delivery``.

They run on the ``webhooks`` queue (CELERY_TASK_ROUTES), apart from agent
steps. Retries are not Celery retries: the next attempt's time is stored on the
Delivery row and a new ``deliver`` job is enqueued for it, so a lost message
costs nothing that the sweeper cannot recover. Both tasks are idempotent
(``acks_late`` may run them twice): ``deliver`` only sends after winning the
row's conditional claim.
"""

from __future__ import annotations

from celery import shared_task

from . import delivery, secrets


@shared_task(acks_late=True, ignore_result=True)
def deliver(delivery_id: str) -> None:
    delivery.attempt_delivery(delivery_id)


@shared_task(acks_late=True, ignore_result=True)
def sweep_deliveries() -> int:
    # The periodic webhook job (celery beat, or the embedded runner's timer):
    # also drops rotated-out secrets once they have expired.
    secrets.purge_expired_secrets()
    return delivery.sweep_deliveries()
