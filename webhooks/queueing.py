"""Enqueueing webhook jobs: one ``drain`` per destination, and a few at most waiting for each.

A destination needs no more queued jobs than it has slots: each job sends
everything due there, turn after turn. So a job is enqueued for new
deliveries only while fewer than ``WEBHOOK_MAX_IN_FLIGHT_PER_HOST`` wait in
the queue for that destination; a burst of a thousand events for one
receiver costs a handful of jobs, not a thousand that other receivers'
jobs would queue behind.

The count lives in the cache (the broker's Redis, or the process's memory in
the embedded mode) and expires after ``WEBHOOK_SWEEP_GRACE_SECONDS``: a job
lost with its message holds no place for longer than the sweeper takes to
notice what it left undone. Without the cache, every job is enqueued.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from interview_platform.jobs import enqueue, waiting

logger = logging.getLogger(__name__)


def _key(host: str) -> str:
    return "webhooks:queued:" + hashlib.sha256(host.encode()).hexdigest()


def _count_in(host: str) -> int:
    """One more job queued for ``host``; how many are now (0: not counted)."""
    try:
        cache.add(_key(host), 0, timeout=settings.WEBHOOK_SWEEP_GRACE_SECONDS)
        return cache.incr(_key(host))
    except Exception:  # expired just now, or the cache is away: count nothing, enqueue
        return 0


def _full(host: str) -> bool:
    """Whether a job per slot waits for ``host`` already: one read, and nothing to take back.

    A burst's events mostly find it so. When it cannot be told, ``_count_in`` decides.
    """
    try:
        return (cache.get(_key(host)) or 0) >= settings.WEBHOOK_MAX_IN_FLIGHT_PER_HOST
    except Exception:
        return False


def job_started(host: str) -> None:
    """A ``drain`` job for ``host`` left the queue (called before it looks for work)."""
    # The count may have expired meanwhile, or the cache be away: nothing to take back then.
    with contextlib.suppress(Exception):
        cache.decr(_key(host))


def enqueue_destinations(hosts: Iterable[str], *, unless_queued: bool = False) -> None:
    """Enqueue a ``drain`` job per destination; a broker outage is logged, not raised.

    ``unless_queued``: not for a destination that has a job waiting per slot already.
    """
    hosts = list(dict.fromkeys(hosts))
    for n, host in enumerate(hosts):
        if not unless_queued:
            _count_in(host)
        elif _full(host):
            continue
        elif _count_in(host) > settings.WEBHOOK_MAX_IN_FLIGHT_PER_HOST:
            job_started(host)  # not enqueued after all (another event counted in meanwhile)
            continue
        try:
            enqueue("webhooks.tasks.drain", host)
        except Exception as exc:
            # The rows are committed (this runs after commit), so nothing is
            # lost when the broker is down: the sweeper enqueues them once it
            # is back. The caller's request must not fail for it.
            job_started(host)
            logger.warning(
                "could not enqueue webhook jobs for %d destinations, the sweeper will (%s: %s): %s",
                len(hosts) - n,
                type(exc).__name__,
                exc,
                hosts[n:],
            )
            return


def others_waiting() -> bool:
    """Whether webhook jobs wait for a worker (True when that cannot be told)."""
    count = waiting("webhooks.tasks.drain")
    return count is None or count > 0


def enqueue_on_commit(hosts: Iterable[str]) -> None:
    """Enqueue jobs for new deliveries to these destinations once the current transaction commits."""
    transaction.on_commit(partial(enqueue_destinations, list(hosts), unless_queued=True))


def enqueue_retry(delivery_id, countdown: float) -> None:
    """Enqueue the job for a delivery's next attempt, ``countdown`` seconds from now.

    Keyed by the delivery rather than its destination: an endpoint's URL may be
    corrected before then, and the job follows the delivery to it.
    """
    try:
        enqueue("webhooks.tasks.deliver", str(delivery_id), countdown=countdown)
    except Exception as exc:  # the sweeper enqueues it once the broker is back
        logger.warning(
            "could not enqueue the retry of webhook delivery %s (%s: %s)",
            delivery_id,
            type(exc).__name__,
            exc,
        )
