import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview_platform.settings")

app = Celery("interview_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def recycle_database_connections(sender=None, **_) -> None:
    """What Django does around a request, around every job.

    Celery's Django fix-up would close every connection around every job (a new
    PostgreSQL session per job); with ``CELERY_DB_REUSE_MAX`` set it leaves
    them open, and this closes only broken ones and those older than
    ``CONN_MAX_AGE``.
    """
    from django.db import connections

    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # run in the caller's process (tests, the embedded runner): its connection, its business
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _redact_worker_logs(logger, **kwargs):
    """The worker installs its own log handlers; they redact credentials like the web process's."""
    from .logging import RedactJoinTokens

    for handler in logger.handlers:
        if not any(isinstance(f, RedactJoinTokens) for f in handler.filters):
            handler.addFilter(RedactJoinTokens())


@signals.worker_init.connect
def _read_question_bank_before_forking(sender=None, **_) -> None:
    """An agents worker reads and checks the question bank once, before it forks its pool.

    Every pool process then starts with it (about half a second of CPU each
    otherwise, paid by the first job each process runs, again after every
    recycle). Workers for other queues never need it.
    """
    if sender is None or "agents" not in sender.app.amqp.queues.consume_from:
        return
    import django

    django.setup()
    from interviews.agents.bank import bank

    bank()
