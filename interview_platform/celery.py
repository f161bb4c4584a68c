import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interview_platform.settings")

app = Celery("interview_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def _redact_worker_logs(logger, **kwargs):
    """The worker installs its own log handlers; they redact credentials like the web process's."""
    from .logging import RedactJoinTokens

    for handler in logger.handlers:
        if not any(isinstance(f, RedactJoinTokens) for f in handler.filters):
            handler.addFilter(RedactJoinTokens())
