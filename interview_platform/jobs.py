"""Running background jobs, in both deployment shapes.

With a broker (REDIS_URL set) a job is a Celery task sent to its queue and
periodic sweeps come from celery beat. In the embedded mode (`make run`, no
broker) the same task functions run on a small thread pool inside the web
process, and the same periodic sweeps run on a timer thread. Either way jobs
run off the request path: callers enqueue them after commit with
``enqueue_on_commit``.

Tasks are named, never imported, by the code that enqueues them (``"app.tasks.name"``),
so domain modules do not depend on ``tasks.py`` and the apps form a graph without
cycles. The one periodic schedule is ``settings.CELERY_BEAT_SCHEDULE``: celery beat
reads it with a broker, the embedded runner's timer without.
"""

from __future__ import annotations

import contextlib
import heapq
import importlib
import itertools
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, transaction

logger = logging.getLogger(__name__)


class RetryLater(Exception):
    """Raised by a task in the embedded runner to be run again after ``countdown`` seconds.

    Celery's own ``task.retry()`` re-runs a locally applied task at once,
    ignoring the countdown; the embedded runner schedules it instead.
    """

    def __init__(self, countdown: float):
        super().__init__(f"retry in {countdown} s")
        self.countdown = countdown


def retry(task, exc: Exception, countdown: float):
    """Retry the running ``task`` after ``countdown`` seconds, with a broker or without."""
    if settings.EMBEDDED and not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return RetryLater(countdown)
    return task.retry(exc=exc, countdown=countdown)


def task_named(name: str):
    """The Celery task registered as ``name`` ("app.tasks.function"), importing its module if needed."""
    from celery import current_app

    if name not in current_app.tasks:
        importlib.import_module(name.rpartition(".")[0])
    return current_app.tasks[name]


def enqueue(name: str, *args, countdown: float = 0, retries: int = 0) -> None:
    """Run the task ``name`` with ``args`` in the background, ``countdown`` seconds from now.

    ``retries``: the attempts already made elsewhere, counted against the task's ``max_retries``
    as if it had retried itself that many times.
    """
    task = task_named(name)
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        # Tests that want a whole flow to happen synchronously.
        task.apply(args=args, retries=retries)
    elif settings.EMBEDDED:
        runner().submit(task, args, countdown, retries)
    else:
        task.apply_async(args=args, countdown=countdown or None, retries=retries)


def coalescing() -> bool:
    """Whether jobs go through a broker, where a request may wake one job for many (see plan_queue)."""
    return not settings.EMBEDDED and not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)


def waiting(name: str) -> int | None:
    """How many jobs wait in the queue that the task ``name`` goes to, not yet taken by a worker.

    None when that cannot be told: the embedded runner and eager tests (no
    queue), or the broker not answering. Callers treat None as "some may".
    """
    if settings.EMBEDDED or getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return None
    from kombu.exceptions import ChannelError

    task = task_named(name)
    queue = task.app.amqp.router.route({}, name)["queue"].name
    try:
        return _counting_channel(task.app).queue_declare(queue=queue, passive=True).message_count
    except ChannelError:
        return 0  # Redis keeps no empty list: a queue with nothing in it is "not found"
    except Exception as exc:
        _forget_counting_channel()
        logger.warning("could not count the jobs waiting in %s (%s: %s)", queue, type(exc).__name__, exc)
        return None


# A broker channel for counting, kept open by each process and thread: a new one
# (a connection, its client, a ping) cost a webhook job more CPU than its delivery.
_counting = threading.local()


def _counting_channel(app):
    kept = getattr(_counting, "kept", None)
    if kept is None or kept[0] != os.getpid():  # none yet, or inherited across a fork
        connection = app.connection_for_read()
        kept = _counting.kept = (os.getpid(), connection, connection.default_channel)
    return kept[2]


def _forget_counting_channel() -> None:
    """After an error: the next count opens a new channel."""
    kept = getattr(_counting, "kept", None)
    _counting.kept = None
    if kept is not None and kept[0] == os.getpid():
        with contextlib.suppress(Exception):  # it is broken already; the error was logged
            kept[1].release()


def enqueue_on_commit(name: str, *args, countdown: float = 0) -> None:
    """Enqueue the task once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(name, *args, countdown=countdown))


def _periodic_jobs() -> list[tuple[float, object]]:
    """The beat schedule as (interval seconds, task) pairs, for the embedded timer."""
    return [
        (float(entry["schedule"]), task_named(entry["task"]))
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    ]


class EmbeddedRunner:
    """A timer heap plus a thread pool: Celery's job, for one process."""

    def __init__(self, workers: int = 4):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="job")
        self._heap: list[tuple[float, int, object, tuple, int]] = []
        self._counter = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name="job-timer", daemon=True)

    def start(self) -> None:
        self._thread.start()
        for interval, task in _periodic_jobs():
            self._schedule_periodic(task, interval)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def submit(self, task, args: tuple, countdown: float = 0, retries: int = 0) -> None:
        with self._cond:
            due = time.monotonic() + countdown
            heapq.heappush(self._heap, (due, next(self._counter), task, args, retries))
            self._cond.notify()

    def _schedule_periodic(self, task, interval: float) -> None:
        def tick():
            self._run(task, ())
            if not self._stopped:
                self.submit(_Callable(tick), (), interval)

        self.submit(_Callable(tick), (), interval)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (not self._heap or self._heap[0][0] > time.monotonic()):
                    timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(timeout)
                if self._stopped:
                    return
                _, _, task, args, retries = heapq.heappop(self._heap)
            self._pool.submit(self._run, task, args, retries)

    def _run(self, task, args: tuple, retries: int = 0) -> None:
        close_old_connections()
        try:
            if isinstance(task, _Callable):
                task.fn()
            else:
                # apply() gives the task its Celery request context (retries,
                # ids) without a broker.
                result = task.apply(args=args, retries=retries)
                if result.failed() and isinstance(result.result, RetryLater):
                    self.submit(task, args, result.result.countdown, retries + 1)
                elif result.failed():
                    logger.error("job %s%r failed: %s", task.name, args, result.result)
        except Exception:
            logger.exception("job %r failed", task)
        finally:
            close_old_connections()


class _Callable:
    def __init__(self, fn):
        self.fn = fn


_runner: EmbeddedRunner | None = None
_runner_lock = threading.Lock()


def runner() -> EmbeddedRunner:
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = EmbeddedRunner()
            _runner.start()
            logger.info("embedded job runner started (no REDIS_URL: jobs run in this process)")
        return _runner
