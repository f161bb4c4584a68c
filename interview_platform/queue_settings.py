"""Job queues and webhook delivery: what the Celery workers and the sweeper read.

Part of the settings (``interview_platform/settings.py`` takes these names as
they are); kept apart because the numbers depend on each other (the broker's
visibility timeout must outlast every countdown).
"""

from __future__ import annotations

from redis.driver_info import DriverInfo

from .env import env_int, env_int_list, env_networks

# What every Redis connection tells the server about its client (CLIENT SETINFO), made once:
# redis-py otherwise reads its own version from the installed packages' metadata for each
# new connection, about 1 ms of CPU, and a busy daphne opens one per socket joining at once.
REDIS_DRIVER = DriverInfo()


def channel_layer_host(redis_url: str) -> dict[str, object]:
    """The channel layer's Redis: a socket timeout above its 5 s blocking reads, and a
    pool that lets every socket of a busy daphne talk to Redis at once (redis-py's
    default of 100 connections refused the 101st candidate connecting at the same moment)."""
    return {
        "address": redis_url,
        "socket_timeout": 30,
        "max_connections": env_int("CHANNEL_LAYER_MAX_CONNECTIONS", 2000, minimum=10, maximum=100_000),
        "driver_info": REDIS_DRIVER,
    }


def webhook_settings() -> dict[str, object]:
    """How webhooks are sent: retries, timeouts, allowed networks, per-destination limits."""
    WEBHOOK_RETRY_SCHEDULE = env_int_list("WEBHOOK_RETRY_SCHEDULE", "5,300,1800,7200,18000,36000,36000")
    WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1, maximum=120)
    WEBHOOK_ALLOWED_NETWORKS = env_networks("WEBHOOK_ALLOWED_CIDRS")
    # A receiver's Retry-After is honoured up to this (or the longest scheduled
    # delay if larger); a longer wish would outlive the broker's visibility timeout.
    WEBHOOK_RETRY_AFTER_CAP = 3600
    # A claimed delivery is taken back by the sweeper 2 x timeout + this margin
    # after the claim, when its worker never reported (killed, machine lost).
    WEBHOOK_CLAIM_MARGIN_SECONDS = env_int("WEBHOOK_CLAIM_MARGIN_SECONDS", 60, minimum=1, maximum=3600)
    # A destination whose due deliveries are not picked up this long after their
    # time gets a job from the sweeper (one lost with a worker or Redis). Also how
    # long a queued job counts against a destination's place in the queue.
    WEBHOOK_SWEEP_GRACE_SECONDS = env_int("WEBHOOK_SWEEP_GRACE_SECONDS", 60, minimum=1, maximum=86400)
    # At most this many workers send to one destination (host:port) at once, so
    # one slow receiver cannot take every worker; the others send elsewhere.
    WEBHOOK_MAX_IN_FLIGHT_PER_HOST = env_int("WEBHOOK_MAX_IN_FLIGHT_PER_HOST", 4, minimum=1, maximum=1000)
    # A worker sends to one destination for at most this long (or this many
    # deliveries), then gives the other destinations a turn and queues the rest.
    WEBHOOK_BATCH_SECONDS = env_int("WEBHOOK_BATCH_SECONDS", 2, minimum=1, maximum=60)
    WEBHOOK_BATCH_DELIVERIES = env_int("WEBHOOK_BATCH_DELIVERIES", 200, minimum=1, maximum=10000)
    # A registered endpoint with no successful attempt for this long is disabled.
    WEBHOOK_DISABLE_AFTER_DAYS = env_int("WEBHOOK_DISABLE_AFTER_DAYS", 5, minimum=1, maximum=365)
    return {name: value for name, value in locals().items() if name.isupper()}


def queue_settings(redis_url: str) -> dict[str, object]:
    """The webhook settings and the job queues (Celery) that run on them."""
    webhooks = webhook_settings()
    CELERY_BROKER_URL = redis_url or "memory://"
    if CELERY_BROKER_URL.split("://", 1)[0] in ("redis", "rediss"):
        # kombu's Redis transport, keeping one Redis client per channel (see its module).
        CELERY_BROKER_TRANSPORT = "interview_platform.broker:Transport"
    CELERY_RESULT_BACKEND = None
    CELERY_TASK_IGNORE_RESULT = True
    # At-least-once: a message is acknowledged after its task ran, and given back
    # when the worker process dies mid-task. Tasks are idempotent (see webhooks.tasks).
    CELERY_TASK_ACKS_LATE = True
    CELERY_TASK_REJECT_ON_WORKER_LOST = True
    # Each worker thread reserves one message at a time: nothing waits behind a
    # slow task in a busy worker while another worker is idle.
    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
    # Workers keep their database connections between jobs (closed when broken or
    # older than CONN_MAX_AGE, see interview_platform/celery.py), as web requests do.
    CELERY_DB_REUSE_MAX = 1000
    # Bounded by default (Celery would use the CPU count); `--concurrency` overrides.
    CELERY_WORKER_CONCURRENCY = env_int("CELERY_WORKER_CONCURRENCY", 8, minimum=1, maximum=256)
    CELERY_TASK_DEFAULT_QUEUE = "agents"
    # Webhook deliveries have their own queue so that receivers, however slow,
    # never delay agent steps (run `celery worker -Q webhooks` and `-Q agents`
    # as separate processes to keep their thread pools apart too). Emails to
    # candidates wait on an SMTP relay, not the CPU: their own queue, served by a
    # thread-pool worker, so a slow relay holds up neither interviews nor webhooks.
    CELERY_TASK_ROUTES = {
        "webhooks.tasks.*": {"queue": "webhooks"},
        "interviews.tasks.send_candidate_message": {"queue": "mail"},
        "interviews.tasks.*": {"queue": "agents"},
    }
    # The Redis transport redelivers an unacknowledged message after the
    # visibility timeout. A countdown (ETA) message stays unacknowledged until it
    # runs, so the timeout must outlast the longest countdown we schedule: the
    # last retry delay (+10% jitter) or a capped Retry-After. Celery reads it from
    # the broker's transport options (every task message) and the result
    # backend's; both get the same value.
    longest = max(max(webhooks["WEBHOOK_RETRY_SCHEDULE"]), webhooks["WEBHOOK_RETRY_AFTER_CAP"])
    CELERY_VISIBILITY_TIMEOUT = longest * 11 // 10 + 3600
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
    CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
    CELERY_BEAT_SCHEDULE = {
        "sweep-webhook-deliveries": {"task": "webhooks.tasks.sweep_deliveries", "schedule": 30.0},
        "resume-stalled-interviews": {"task": "interviews.tasks.resume_stalled", "schedule": 60.0},
        "expire-unused-links": {"task": "interviews.tasks.expire_links", "schedule": 300.0},
        "purge-old-recordings": {"task": "interviews.tasks.purge_recordings", "schedule": 3600.0},
        "remind-candidates": {"task": "interviews.tasks.remind_candidates", "schedule": 900.0},
        "purge-ended-sign-ins": {"task": "accounts.tasks.purge_ended_sign_ins", "schedule": 3600.0},
        "purge-expired-data": {"task": "interviews.tasks.purge_expired_data", "schedule": 3600.0},
    }
    return {**webhooks, **{name: value for name, value in locals().items() if name.isupper()}}
