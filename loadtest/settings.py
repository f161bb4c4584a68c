"""The platform's settings plus two floor endpoints, for the load test only."""

from interview_platform.settings import *  # noqa: F403

ROOT_URLCONF = "loadtest.urls"
