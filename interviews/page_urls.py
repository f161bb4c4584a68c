"""Pages for candidates (server-rendered HTML); the JSON endpoints live under /api/v1/candidate/."""

from django.urls import path

from . import pages

urlpatterns = [path("interview/join/<str:token>", pages.join_page, name="candidate-join")]
