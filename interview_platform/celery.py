import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview_platform.settings")

app = Celery("interview_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
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
