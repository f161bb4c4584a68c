"""What every dashboard page shares: who may see it, and the page's query string."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from interviews.models import State

PAGE_SIZE = 25
WAITING = (State.PENDING, State.ASSESSMENT_PENDING)


def dashboard_view(*methods: str):
    """Signed-in members of an organization only; other methods are a 405.

    Anonymous visitors go to the sign-in page and come back afterwards. A
    signed-in account without an organization (an operator who signed in at
    /ops/) is told why it cannot use the dashboard instead of seeing an
    empty one.
    """
    allowed = list(methods or ("GET",))
    if "GET" in allowed:
        allowed.append("HEAD")

    def decorator(view):
        @wraps(view)
        @never_cache  # pages show candidates' data: not for the back button after sign-out
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.can_decide:
                return render(request, "dashboard/no_organization.html", status=403)
            if request.method not in allowed:
                return HttpResponseNotAllowed(allowed)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def query_without(request, *names: str) -> str:
    params = [(key, value) for key, value in request.GET.items() if key not in names and value]
    return urlencode(params)
