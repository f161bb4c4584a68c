"""Settings for the interview platform: one file, driven by the environment.

With no environment at all this is the embedded mode that `make run` uses:
SQLite under .data/, an in-process job runner instead of a broker, in-memory
channel layer and cache. DATABASE_URL and REDIS_URL switch to the production
shape. Every variable is optional; a malformed one is an error at start.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .database_settings import database_settings
from .env import (
    env_base_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    env_url,
    require_package,
)
from .logging import logging_config
from .queue_settings import REDIS_DRIVER, channel_layer_host, queue_settings
from .security_settings import security_settings, sign_in_settings
from .storage import recordings_storage

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / ".data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        if len(key) < 32:
            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long.")
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production refuses to start without it; "
            "for local development set DEBUG=true (make run does)."
        )
    # Local development: a random key kept under .data/ so sessions and tokens
    # survive restarts without anyone having to invent a secret.
    path = DATA_DIR / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else "")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is empty; list the host names this server answers to.")

PORT = env_int("PORT", 3009, minimum=1, maximum=65535)
PUBLIC_BASE_URL = env_url("PUBLIC_BASE_URL", f"http://localhost:{PORT}")
# Where browsers open the interview socket when /ws/ is not routed through the
# same origin (e.g. `make up` without a reverse proxy); "" = PUBLIC_BASE_URL.
SOCKET_BASE_URL = env_base_url("SOCKET_BASE_URL")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", PUBLIC_BASE_URL)
CSRF_FAILURE_VIEW = "interview_platform.views.csrf_failure"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "interviews",
    "approvals",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "interview_platform.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.mfa.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "interview_platform.urls"
WSGI_APPLICATION = "interview_platform.wsgi.application"
ASGI_APPLICATION = "interview_platform.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
globals().update(database_settings(DATABASE_URL, DATA_DIR))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
# Development serves straight from the apps' folders; production from collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
STATICFILES_DIRS = [path for path in [BASE_DIR / "static"] if path.is_dir()]
# Candidates' voice recordings: a private folder, or an S3-compatible bucket (see storage.py).
RECORDING_STORAGE = env_str("RECORDING_STORAGE", "filesystem")
_recordings = recordings_storage(RECORDING_STORAGE, DATA_DIR)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "recordings": _recordings,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "interview_platform.storage.StaticFilesStorage"
        )
    },
}

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/admin/approvals"
# The name authenticator apps show next to the codes (accounts/mfa.py).
OTP_TOTP_ISSUER = "AI Interview"
# Operators can remove a user's devices in /ops/, never read their secrets or QR codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Redis: broker, channel layer, cache ----------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://.")
# Embedded mode: no broker. Jobs run on a thread pool inside the web process
# (interview_platform/jobs.py), which also runs the periodic sweeps.
EMBEDDED = not REDIS_URL

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "interview_platform.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"driver_info": REDIS_DRIVER},
        }
    }
    # A socket's receive loop blocks in Redis for 5 s at a time; redis-py's default read timeout
    # is also 5 s, which would drop every socket that is quiet for that long.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [channel_layer_host(REDIS_URL)]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Only works inside one process, which is exactly the embedded mode.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery -----------------------------------------------------------------
globals().update(queue_settings(REDIS_URL))

# --- Agents -----------------------------------------------------------------
AGENT_ENGINE = env_choice("AGENT_ENGINE", "heuristic", ("heuristic", "llm"))
LLM_PROVIDER = env_str("LLM_PROVIDER")
LLM_MODEL = env_str("LLM_MODEL")
LLM_BASE_URL = env_base_url("LLM_BASE_URL")
LLM_API_KEY = env_str("LLM_API_KEY")
# Per HTTP request to the model provider; the provider SDK retries 429, 5xx,
# timeouts and connection errors LLM_MAX_RETRIES times with backoff, so one
# model call can take up to about (LLM_MAX_RETRIES + 1) x LLM_TIMEOUT_SECONDS.
LLM_TIMEOUT_SECONDS = env_int("LLM_TIMEOUT_SECONDS", 60, minimum=1, maximum=600)
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 2, minimum=0, maximum=10)
LLM_MAX_FOLLOWUPS = env_int("LLM_MAX_FOLLOWUPS", 2, minimum=0, maximum=5)
if AGENT_ENGINE == "llm":
    if LLM_PROVIDER not in ("openai", "anthropic", "ollama", "openai-like"):
        raise ImproperlyConfigured(
            "AGENT_ENGINE=llm needs LLM_PROVIDER set to openai, anthropic, ollama or openai-like."
        )
    if not LLM_MODEL:
        raise ImproperlyConfigured("AGENT_ENGINE=llm needs LLM_MODEL (the model name).")
    if LLM_PROVIDER == "openai-like" and not LLM_BASE_URL:
        raise ImproperlyConfigured(
            "LLM_PROVIDER=openai-like needs LLM_BASE_URL, the server's OpenAI-compatible base URL "
            "(e.g. http://127.0.0.1:8000/v1)."
        )
    if LLM_PROVIDER in ("openai", "anthropic") and not LLM_API_KEY:
        raise ImproperlyConfigured(f"LLM_PROVIDER={LLM_PROVIDER} needs LLM_API_KEY (the provider's API key).")
    # Only the openai SDK is a requirement; the others are installed by whoever picks them.
    _llm_package = {"openai": "openai", "openai-like": "openai", "anthropic": "anthropic", "ollama": "ollama"}
    require_package(f"LLM_PROVIDER={LLM_PROVIDER}", _llm_package[LLM_PROVIDER], _llm_package[LLM_PROVIDER])

# --- Speech to text -----------------------------------------------------------
# Spoken answers are recorded in the browser, stored, and transcribed by a job.
STT_PROVIDER = env_choice(
    "STT_PROVIDER", "pocketsphinx", ("pocketsphinx", "whisper", "openai", "openai-like", "none")
)
_stt_models = {"whisper": "base.en", "openai": "whisper-1"}
STT_MODEL = env_str("STT_MODEL", _stt_models.get(STT_PROVIDER, ""))
STT_BASE_URL = env_base_url("STT_BASE_URL")
STT_API_KEY = env_str("STT_API_KEY")
STT_TIMEOUT_SECONDS = env_int("STT_TIMEOUT_SECONDS", 120, minimum=1, maximum=600)
STT_MAX_RETRIES = env_int("STT_MAX_RETRIES", 2, minimum=0, maximum=10)
if STT_PROVIDER == "openai-like" and not (STT_BASE_URL and STT_MODEL):
    raise ImproperlyConfigured(
        "STT_PROVIDER=openai-like needs STT_BASE_URL (the server's OpenAI-compatible base URL, "
        "e.g. http://127.0.0.1:8000/v1) and STT_MODEL (the transcription model's name)."
    )
if STT_PROVIDER == "openai" and not STT_API_KEY:
    raise ImproperlyConfigured("STT_PROVIDER=openai needs STT_API_KEY (the provider's API key).")
if STT_PROVIDER == "whisper":
    # faster-whisper is not a requirement (PocketSphinx, the default, is).
    require_package("STT_PROVIDER=whisper", "faster_whisper", "faster-whisper")
# Where faster-whisper keeps the model it downloads on first use.
STT_MODEL_DIR = DATA_DIR / "stt-models"
# An upload larger than this is refused (413) before it is read.
RECORDING_MAX_BYTES = env_int(
    "RECORDING_MAX_BYTES", 25 * 1024 * 1024, minimum=1024, maximum=500 * 1024 * 1024
)
# A longer recording is refused (400): one answer, not a lecture.
RECORDING_MAX_SECONDS = env_int("RECORDING_MAX_SECONDS", 900, minimum=10, maximum=7200)
# Recordings (the audio; transcripts stay with the answers) are deleted after this many days.
RECORDING_RETENTION_DAYS = env_int("RECORDING_RETENTION_DAYS", 90, minimum=1, maximum=3650)
# What else is kept how long (days), purged hourly by interviews.retention (README "Erasure and retention").
RETENTION_DAYS = {
    kind: env_int(f"RETENTION_DAYS_{kind.upper()}", default, minimum=1, maximum=3650)
    for kind, default in (
        ("transcripts", 180),
        ("integrity", 180),
        ("device_details", 30),
        ("agent_steps", 90),
        ("webhook_attempts", 30),
    )
}

# Integrity events (tab hidden, paste, …) stored per interview; more are only counted.
INTEGRITY_MAX_EVENTS = env_int("INTEGRITY_MAX_EVENTS", 200, minimum=10, maximum=10000)

# --- Interview links ----------------------------------------------------------
JOIN_LINK_TTL = timedelta(days=env_int("JOIN_LINK_TTL_DAYS", 7, minimum=1, maximum=90))

# --- Email ------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "AI Interview <no-reply@localhost>")
# Emails are sent by jobs, never inside a request; a mail server that stops
# answering frees the worker after this many seconds (the job then retries).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1, maximum=300)
# Reminders to candidates who have not started: this many hours before the link expires, once each.
# Empty: no reminders.
_reminder_hours = env_list("CANDIDATE_REMINDER_HOURS", "48,24")
if not all(item.isdigit() and 0 < int(item) <= 2160 for item in _reminder_hours):
    raise ImproperlyConfigured(
        f"CANDIDATE_REMINDER_HOURS={_reminder_hours!r} must be a comma-separated list of hours "
        "between 1 and 2160, e.g. '48,24' (empty: no reminders)."
    )
CANDIDATE_REMINDER_HOURS = sorted({int(item) for item in _reminder_hours}, reverse=True)

# --- REST framework -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["interview_platform.parsers.SafeJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "interview_platform.schema.ApiSchema",
    "EXCEPTION_HANDLER": "interview_platform.api.exception_handler",
    # Counts API-key callers only, on every endpoint that does not set its own throttles.
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "login": env_str("LOGIN_THROTTLE_RATE", "10/min"),
        "api_key": env_str("API_KEY_THROTTLE_RATE", "600/min"),
    },
    "UNAUTHENTICATED_USER": None,
    "NON_FIELD_ERRORS_KEY": "nonFieldErrors",
    # Throttles identify clients by address. X-Forwarded-For is only believed
    # for the number of proxies in front of us; 0 ignores it, so a client
    # cannot pick a fresh identity per request.
    "NUM_PROXIES": env_int("TRUSTED_PROXIES", 0, minimum=0, maximum=5),
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15, minimum=1)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7, minimum=1)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "sub",
    # Access tokens are checked against their sign-in (accounts/tokens.py) on every request.
    "AUTH_TOKEN_CLASSES": ("accounts.tokens.AccessToken",),
}
# An API sign-in ends this long after the password was typed, however often its tokens are refreshed.
JWT_SIGN_IN_MAX_AGE = timedelta(days=env_int("JWT_SIGN_IN_MAX_DAYS", 30, minimum=1, maximum=365))
if SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"] > JWT_SIGN_IN_MAX_AGE:
    raise ImproperlyConfigured("JWT_SIGN_IN_MAX_DAYS must be at least JWT_REFRESH_DAYS.")

# --- Sign-in limits (accounts/signin.py) ---------------------------------------------
globals().update(sign_in_settings())

SPECTACULAR_SETTINGS = {
    "TITLE": "AI Interview Platform API",
    "DESCRIPTION": "ATS-facing (A2A) interview API, recruiter approvals and candidate endpoints.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from this app's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: it would load an image from validator.swagger.io, which the CSP refuses.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "CAMELIZE_NAMES": False,
}

# --- Security (production) ------------------------------------------------------
globals().update(security_settings(DEBUG))

LOGGING = logging_config(env_str("LOG_LEVEL", "INFO"))
