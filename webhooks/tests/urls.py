"""Only the operators' admin, so admin tests do not depend on the rest of the URL map."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("ops/", admin.site.urls)]
